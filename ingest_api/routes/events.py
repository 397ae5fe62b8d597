"""POST /v1/batch and POST /v1/events (DESIGN.md section 5)."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, Response

from ingest_api.schemas import BatchIn, BatchResult, ErrorOut, EventIn, inline_schema
from ingest_api.service import Shape
from saas_tracker import signing

router = APIRouter(prefix="/v1", tags=["ingest"])

_AUTH_PARAMETERS = [
    {
        "name": signing.APP_ID_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
        "description": "The application id.",
    },
    {
        "name": signing.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<app id>." + raw body)>`; '
        "the raw body is the bytes on the wire (compressed, for a gzip body).",
    },
    {
        "name": "Content-Encoding",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "enum": ["gzip"]},
    },
]
_ERRORS = {
    400: {"model": ErrorOut, "description": "Malformed body (not JSON, wrong shape, bad gzip)."},
    401: {"model": ErrorOut, "description": "Missing, bad, stale or replayed signature; unknown application."},
    413: {"model": ErrorOut, "description": "Body over 1 MB, more than 500 events, or an event over 32 KB."},
    415: {"model": ErrorOut, "description": "Content-Type is not application/json, or unknown Content-Encoding."},
    429: {"model": ErrorOut, "description": "The application's rate limit is exceeded; see Retry-After."},
    503: {"model": ErrorOut, "description": "Events cannot be persisted now (spool full); see Retry-After."},
}


def _openapi(model) -> dict:
    return {
        "parameters": _AUTH_PARAMETERS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": inline_schema(model)}}},
    }


async def _answer(request: Request, shape: Shape, route: str) -> Response:
    started = time.perf_counter()
    # Read from the app state, not through a FastAPI dependency: resolving one costs more
    # than a plain attribute read on every request, and these are the hot routes.
    collector = request.app.state.collector
    status = 500
    try:
        content = await collector.ingest(request, shape)
        status = 200
        return Response(content, media_type="application/json")
    except HTTPException as error:
        status = error.status_code
        raise
    finally:
        metrics = collector.metrics
        metrics.requests.labels(route, str(status)).inc()
        metrics.request_seconds.labels(route).observe(time.perf_counter() - started)


@router.post(
    "/batch",
    summary="Send a batch of events",
    response_model=BatchResult,
    responses=_ERRORS,
    openapi_extra=_openapi(BatchIn),
)
async def post_batch(request: Request) -> Response:
    """`{"events": [...]}`, up to 500 events; the answer has a verdict for every event."""
    return await _answer(request, "batch", "/v1/batch")


@router.post(
    "/events",
    summary="Send one event",
    response_model=BatchResult,
    responses=_ERRORS,
    openapi_extra=_openapi(EventIn),
)
async def post_event(request: Request) -> Response:
    """One event object; answered like a batch of one."""
    return await _answer(request, "single", "/v1/events")
