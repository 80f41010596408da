"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.state import app_state
from app.core.metrics import render_metrics
from app.schemas.responses import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Health:  # async: answered on the event loop, whatever the thread pool is doing
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and can be written (503 problem+json when not: unreachable, or a full disk)",
    description="Answers once the offline geocoder's index, built in the background at start-up, is ready: a "
    "replica takes traffic when every part of it answers, not while the build competes with requests.",
)
async def readyz(request: Request) -> Readiness:
    state = app_state(request.app)
    await state.geocoder.ready()  # awaited: no thread is held meanwhile
    await run_in_threadpool(state.readiness.check)
    return Readiness(status="ready", database="ok")


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
def metrics() -> Response:
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
