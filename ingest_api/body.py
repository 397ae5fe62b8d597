"""Reading a request body within the limits: content type, size, gzip."""

from __future__ import annotations

import zlib

from fastapi import HTTPException, Request

from ingest_api.errors import too_large


def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(415, f"Content-Type must be application/json (got {content_type[:100]!r})")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise HTTPException(415, f"Content-Encoding must be gzip or absent (got {encoding[:50]!r})")


async def read_body(request: Request, limit: int) -> bytes:
    """The body bytes exactly as sent; 413 past ``limit`` (checked before reading when declared)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(400, "Content-Length must be a whole number of bytes")
        if int(declared) > limit:
            raise too_large(f"the body is {int(declared)} bytes; the limit is {limit} bytes (1 MB) per request")
        return await request.body()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(f"the body exceeds the limit of {limit} bytes (1 MB) per request")
        chunks.append(chunk)
    return b"".join(chunks)


def decode(request: Request, raw: bytes, limit: int) -> bytes:
    """Undo Content-Encoding; the decompressed JSON is held to the same limit as a plain body."""
    if request.headers.get("content-encoding", "identity").strip().lower() != "gzip":
        return raw
    inflater = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as error:
        raise HTTPException(400, f"the body is not valid gzip: {error}") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise too_large(f"the decompressed body exceeds the limit of {limit} bytes (1 MB) per request")
    if not inflater.eof:
        raise HTTPException(400, "the gzip body is truncated")
    if inflater.unused_data:
        raise HTTPException(400, "the body has data after the end of its gzip stream")
    return data
