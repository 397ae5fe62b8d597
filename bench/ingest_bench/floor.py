"""The framework floor: a bare FastAPI endpoint that only parses the same JSON.

Served with the collector's uvicorn settings (uvloop, httptools, no access
log), so the difference to the collector is the collector's own work.

    python -m bench.ingest_bench.floor PORT
"""

from __future__ import annotations

import sys

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/v1/batch")
@app.post("/v1/events")
async def parse_only(request: Request) -> Response:
    payload = orjson.loads(await request.body())
    events = payload["events"] if "events" in payload else [payload]
    return Response(orjson.dumps({"accepted": len(events)}), media_type="application/json")


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
