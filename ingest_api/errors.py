"""HTTP errors the collector answers with (FastAPI's {"detail": ...} body)."""

from __future__ import annotations

from fastapi import HTTPException

from ingest_api.ratelimit import retry_after_header


def too_large(detail: str) -> HTTPException:
    return HTTPException(413, detail)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail)


def rate_limited(wait_seconds: float, limit: float) -> HTTPException:
    return HTTPException(
        429,
        f"rate limit of {limit:g} events per second for this application exceeded; retry later",
        headers={"Retry-After": retry_after_header(wait_seconds)},
    )


def unavailable(detail: str, retry_after: float) -> HTTPException:
    return HTTPException(503, detail, headers={"Retry-After": retry_after_header(retry_after)})
