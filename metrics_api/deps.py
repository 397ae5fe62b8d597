"""Request dependencies: API-key authentication and scope checks.

``Authorization: Bearer <api key>`` decides the company; no request parameter
can name another one. Routers declare the scope they need once, as a
router-level dependency (``dependencies=[Depends(require_scope("admin"))]``),
and routes read the caller with ``PrincipalDep``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from clickhouse_connect.driver.client import Client
from fastapi import Depends, HTTPException, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from metrics_api.query import TenantQuery
from metrics_api.settings import metrics_settings
from saas_tracker.clickhouse import get_client
from saas_tracker.control.api_keys import verify_api_key, verify_cached_api_key
from saas_tracker.control.errors import AuthenticationError
from saas_tracker.control.models import ApiKeyPrincipal

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `saas-tracker admin key create` (sent as a Bearer token).",
)


async def authenticate(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> ApiKeyPrincipal:
    """The verified caller; 401 with the reason otherwise.

    A cached verdict is read on the event loop; only a lookup (which queries the
    control plane) goes to a worker thread.
    """
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send `Authorization: Bearer <api key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        principal = verify_cached_api_key(credentials.credentials)
        return principal or await run_in_threadpool(verify_api_key, credentials.credentials)
    except AuthenticationError as error:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, error.message, headers={"WWW-Authenticate": "Bearer"}
        ) from None


PrincipalDep = Annotated[ApiKeyPrincipal, Depends(authenticate)]


def require_scope(scope: str) -> Callable[[ApiKeyPrincipal], Awaitable[ApiKeyPrincipal]]:
    """A dependency that admits only keys with ``scope`` (403 naming the scope otherwise).

    ``async`` because it does no I/O: FastAPI runs a sync dependency in a worker thread,
    a hop that costs more than the check.
    """

    async def check(principal: PrincipalDep) -> ApiKeyPrincipal:
        if not principal.has_scope(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"scope: API key {principal.key_id} lacks the {scope!r} scope"
            )
        return principal

    check.__name__ = f"require_scope_{scope.replace(':', '_')}"
    return check


def actor(principal: ApiKeyPrincipal) -> str:
    """How the audit log names changes made through the API."""
    return f"api_key:{principal.key_id}"


# --- the warehouse, scoped to the caller's company ---------------------------


async def clickhouse() -> Client:
    """The shared ClickHouse client (saas_tracker.clickhouse is the only place that makes one).

    ``async``: after the first request this is a dictionary lookup, not worth a worker thread.
    """
    return get_client()


ClickHouseDep = Annotated[Client, Depends(clickhouse)]


async def tenant(principal: PrincipalDep, ch: ClickHouseDep) -> TenantQuery:
    """Queries bound to the key's company: the only way routes reach analytics rows."""
    return TenantQuery(ch, principal.company_id, metrics_settings())


TenantDep = Annotated[TenantQuery, Depends(tenant)]
