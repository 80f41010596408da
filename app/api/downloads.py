"""/api/v1/downloads: the atlas as GeoPackage, FlatGeobuf and CSV files (app.services.downloads), with an index
saying what each holds and under which licence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app.api.caching import NOT_MODIFIED, json_response, not_modified
from app.api.deps import SessionDep, thread_session
from app.api.state import app_state
from app.schemas.downloads import DownloadIndex
from app.services import atlas
from app.services import downloads as service

router = APIRouter(prefix="/api/v1/downloads", tags=["downloads"])
FileName = Annotated[str, Path(max_length=40, pattern=r"^[a-z]+\.(gpkg|fgb|csv)$")]
BINARY = {"schema": {"type": "string", "format": "binary"}}
LICENSE_LINK = f'<{atlas.LICENSE_URL}>; rel="license"'


@router.get(
    "",
    summary="The atlas's downloadable files, their formats and licence",
    response_model=DownloadIndex,
    responses=NOT_MODIFIED,
)
def index(request: Request, session: SessionDep) -> Response:
    files: list[dict[str, Any]] = []
    for name in service.file_names():
        tables, fmt = service.parse_name(name)
        files.append(
            {
                "name": name,
                "href": f"/api/v1/downloads/{name}",
                "type": fmt.media_type,
                "format": fmt.title,
                "tables": [{"id": t.id, "title": t.title, "description": t.description} for t in tables],
            }
        )
    meta = service.metadata()
    body = {"license": meta["LICENSE"], "credits": meta["CREDITS"], "files": files}
    return json_response(request, body, headers={"Link": LICENSE_LINK})


@router.get(
    "/{name}",
    summary="One download: atlas.gpkg, places.fgb, appearances.fgb, or a table as CSV",
    response_class=Response,
    responses={
        **NOT_MODIFIED,
        200: {"content": {t.media_type: BINARY for t in service.FORMATS.values()}},
        404: {},
    },
)
async def download(request: Request, name: FileName) -> Response:
    def build():
        with thread_session(request) as session:
            return app_state(request.app).downloads.path(session, name)

    # Built once per dataset version (GDAL: tens of ms to a second), then streamed from disk.
    path, version = await run_in_threadpool(build)
    _, fmt = service.parse_name(name)
    etag = f'"{version}-{name}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Link": LICENSE_LINK,
    }
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=fmt.media_type, filename=name, headers=headers)
