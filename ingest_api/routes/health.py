"""/healthz (the process answers), /readyz (events can be persisted), /metrics."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ingest_api.deps import CollectorDep

router = APIRouter(tags=["operations"])

# /readyz may be probed often; ClickHouse is pinged at most this often.
_PING_CACHE_SECONDS = 1.0


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: ClickHouse reachable or spool writable",
    responses={503: {"description": "Neither ClickHouse nor the spool can take events."}},
)
async def readyz(request: Request, collector: CollectorDep) -> JSONResponse:
    clickhouse_up = await _clickhouse_up(request)
    spool = collector.spool
    writable = spool.writable()
    body = {
        "status": "ready" if clickhouse_up or writable else "not ready",
        "clickhouse": "up" if clickhouse_up else "unreachable",
        "spool": {
            "writable": writable,
            "bytes": spool.accounting.used,
            "max_bytes": spool.max_bytes,
            "oldest_seconds": round(spool.oldest_age() or 0.0, 3),
        },
    }
    return JSONResponse(body, status_code=200 if clickhouse_up or writable else 503)


async def _clickhouse_up(request: Request) -> bool:
    state = request.app.state
    checked_at, up = getattr(state, "clickhouse_ping", (0.0, False))
    if time.monotonic() - checked_at > _PING_CACHE_SECONDS:
        up = await asyncio.to_thread(state.clickhouse.ping)
        state.clickhouse_ping = (time.monotonic(), up)
    return up


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(collector: CollectorDep) -> Response:
    return Response(generate_latest(collector.metrics.registry), media_type=CONTENT_TYPE_LATEST)
