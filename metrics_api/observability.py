"""GET /metrics: request counts and latencies in the Prometheus text format.

Kept in-process (no client library): one counter and one latency sum per route
template and status, which is what an operator graphs for this service.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count: dict[tuple[str, str, int], int] = defaultdict(int)
        self.seconds: dict[tuple[str, str, int], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.count[(method, route, status)] += 1
            self.seconds[(method, route, status)] += seconds

    def render(self) -> str:
        lines = [
            "# HELP tracker_metrics_api_requests_total Requests by route template and status.",
            "# TYPE tracker_metrics_api_requests_total counter",
        ]
        with self._lock:
            items = sorted(self.count.items())
            seconds = dict(self.seconds)
        for (method, route, status), n in items:
            labels = f'method="{method}",route="{route}",status="{status}"'
            lines.append(f"tracker_metrics_api_requests_total{{{labels}}} {n}")
        lines += [
            "# HELP tracker_metrics_api_request_seconds_total Time spent answering, by route template and status.",
            "# TYPE tracker_metrics_api_request_seconds_total counter",
        ]
        for (method, route, status), _ in items:
            value = seconds[(method, route, status)]
            labels = f'method="{method}",route="{route}",status="{status}"'
            lines.append(f"tracker_metrics_api_request_seconds_total{{{labels}}} {value:.6f}")
        return "\n".join(lines) + "\n"


class _Measure:
    """Counts every request by route template and status (plain ASGI: Starlette's
    ``@app.middleware("http")`` wraps each request in a task group and memory streams,
    a measurable share of a dashboard request's CPU)."""

    def __init__(self, app, stats: RequestStats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_and_note(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The route template, never the raw path: ids must not become label values.
            template = getattr(scope.get("route"), "path", "unmatched")
            self.stats.observe(scope["method"], template, status, time.perf_counter() - started)


def install(app: FastAPI) -> None:
    stats = RequestStats()
    app.state.request_stats = stats
    app.add_middleware(_Measure, stats=stats)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(stats.render(), media_type="text/plain; version=0.0.4")
