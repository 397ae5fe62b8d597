"""The FastAPI application factory for the metrics API (``saas-tracker metrics serve``)."""

from __future__ import annotations

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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ControlPlaneError, _control_plane_error)


def create_app() -> FastAPI:
    from metrics_api.routes import admin

    app = FastAPI(
        title="SaaS Tracker metrics API",
        version=__version__,
        description=(
            "Tenant-scoped analytics, billing exports and the control-plane admin API. "
            "Authenticate with `Authorization: Bearer <api key>`; the key decides the company."
        ),
    )
    install_error_handlers(app)
    app.include_router(admin.router)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
