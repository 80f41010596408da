# filmtour: API, maps and routing engine in one image. Tiles are built at image build time from the shipped
# OpenStreetMap extract, so a container starts serving routes at once.
FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    FILMTOUR_DATA_DIR=/var/lib/filmtour \
    FILMTOUR_HOST=0.0.0.0 \
    FILMTOUR_PORT=8000

# uv from PyPI (pinned) keeps the build on the same registry as every other dependency.
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first (cached layer), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY data ./data
COPY alembic.ini ./
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 --home-dir /var/lib/filmtour --create-home --user-group filmtour \
    && chown -R 10001:10001 /var/lib/filmtour
USER 10001:10001

# Routing tiles of the shipped whole-city network (and the basemap), built once into the data directory.
RUN filmtour network build-city --no-rebuild

EXPOSE 8000
# Per deploy, before the servers: `docker run IMAGE filmtour db prepare` (migrations and the dataset load; compose
# runs it as its `prepare` service). A lone container that skips it prepares its database on its first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["filmtour", "serve", "--host", "0.0.0.0", "--port", "8000"]
