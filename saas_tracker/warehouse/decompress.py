"""Streaming decoders for request bodies sent with ``Content-Encoding``.

clickhouse-connect compresses every Native block of an insert as its own
frame and concatenates the frames. A decoder that stops after the first frame
silently drops the rest of the insert (a prototype stored 327,680 of
1,000,000 rows that way), so every decoder here loops over frames until the
body ends, and a truncated final frame is an error, never a short insert.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import lz4.frame
import zstandard

from saas_tracker.warehouse.errors import ClickHouseError


class Decoder(Protocol):
    def feed(self, chunk: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Identity:
    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def finish(self) -> bytes:
        return b""


class _MultiFrame:
    """Runs a fresh single-frame decompressor for each concatenated frame."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self._decoder = self._new()
        self._in_frame = False

    def _new(self):
        if self.encoding == "lz4":
            return lz4.frame.LZ4FrameDecompressor()
        if self.encoding == "zstd":
            return zstandard.ZstdDecompressor().decompressobj()
        if self.encoding == "gzip":
            return zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        return zlib.decompressobj()  # deflate (zlib-wrapped, as ClickHouse expects)

    def _done(self) -> bool:
        return bool(self._decoder.eof)

    def _leftover(self) -> bytes:
        return self._decoder.unused_data

    def feed(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            self._in_frame = True
            try:
                out.append(self._decoder.decompress(chunk))
            except (RuntimeError, zlib.error, zstandard.ZstdError) as error:
                raise ClickHouseError(
                    354, "CANNOT_DECOMPRESS", f"Cannot decompress {self.encoding} request body: {error}"
                ) from None
            if not self._done():
                break
            chunk = self._leftover()
            self._decoder = self._new()
            self._in_frame = False
        return b"".join(out)

    def finish(self) -> bytes:
        if self._in_frame:
            raise ClickHouseError(
                354, "CANNOT_DECOMPRESS", f"Request body ends inside a {self.encoding} frame (truncated upload)"
            )
        return b""


SUPPORTED = ("gzip", "deflate", "lz4", "zstd")


def decoder_for(content_encoding: str | None) -> Decoder:
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity", "none"):
        return _Identity()
    if encoding == "x-gzip":
        encoding = "gzip"
    if encoding not in SUPPORTED:
        raise ClickHouseError(
            1001, "STD_EXCEPTION", f"Unknown HTTP Content-Encoding '{encoding}'; supported: {', '.join(SUPPORTED)}"
        )
    return _MultiFrame(encoding)
