"""GET /metrics: request counts and latencies in the Prometheus text format.

Kept in-process (no client library): one counter and one latency sum per route
template and status, which is what an operator graphs for this service.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from fastapi import FastAPI, Request
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


def install(app: FastAPI) -> None:
    stats = RequestStats()
    app.state.request_stats = stats

    @app.middleware("http")
    async def measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        # The route template, never the raw path: ids must not become label values.
        template = getattr(route, "path", "unmatched")
        stats.observe(request.method, template, response.status_code, time.perf_counter() - started)
        return response

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(stats.render(), media_type="text/plain; version=0.0.4")
