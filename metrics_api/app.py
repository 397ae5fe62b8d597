"""The FastAPI application factory for the metrics API (``saas-tracker metrics serve``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from saas_tracker import __version__
from saas_tracker.control.errors import (
    AuthenticationError,
    ConfigurationError,
    Conflict,
    ControlPlaneError,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)

# The HTTP status of each control-plane refusal; the body always names the problem.
ERROR_STATUS: dict[type[ControlPlaneError], int] = {
    NotFound: 404,
    Conflict: 409,
    ValidationError: 422,
    LimitExceeded: 403,
    AuthenticationError: 401,
    PermissionDenied: 403,
    ConfigurationError: 503,
}


async def _control_plane_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ControlPlaneError)
    status = next((code for kind, code in ERROR_STATUS.items() if isinstance(error, kind)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"detail": error.message, "code": error.code, "field": error.field}
    return JSONResponse(body, status_code=status, headers=headers)


async def _warehouse_error(request: Request, error: Exception) -> JSONResponse:
    # Bad input is refused before SQL runs; reaching here means the warehouse itself failed
    # (down, timed out, models not built). The operator gets the reason, the caller a 503.
    logging.getLogger("metrics_api").error("warehouse error on %s %s: %s", request.method, request.url.path, error)
    return JSONResponse({"detail": "warehouse unavailable or query failed; retry later"}, status_code=503)


def install_error_handlers(app: FastAPI) -> None:
    from clickhouse_connect.driver.exceptions import ClickHouseError

    app.add_exception_handler(ControlPlaneError, _control_plane_error)
    app.add_exception_handler(ClickHouseError, _warehouse_error)


def create_app() -> FastAPI:
    from metrics_api import observability
    from metrics_api.routes import admin, analytics, events, exports, organizations, query

    app = FastAPI(
        title="SaaS Tracker metrics API",
        version=__version__,
        description=(
            "Tenant-scoped analytics, billing exports and the control-plane admin API. "
            "Authenticate with `Authorization: Bearer <api key>`; the key decides the company."
        ),
    )
    install_error_handlers(app)
    for module in (organizations, analytics, events, query, exports, admin):
        app.include_router(module.router)
    observability.install(app)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
