"""Dependencies of the collector's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ingest_api.service import Collector


async def get_collector(request: Request) -> Collector:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread,
    # and that hop (twice through the GIL) cost more than the rest of a small request.
    return request.app.state.collector


CollectorDep = Annotated[Collector, Depends(get_collector)]
