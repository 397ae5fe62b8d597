"""uvicorn's httptools protocol, without its 64 KiB URL ceiling.

httptools parses URLs with 16-bit offsets and refuses longer ones, but
clickhouse-connect sends bind parameters in the URL (commands never switch
to a form body) and ClickHouse accepts URLs up to 1 MiB (http_max_uri_size).
Only the path goes through httptools; the query string is taken as is.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class LongUrlHttpToolsProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        path, _, query = self.url.partition(b"?")
        self.url = path
        super().on_headers_complete()
        # The request task has been created but not started, so the scope can still change.
        if "query_string" in self.scope:
            self.scope["query_string"] = query
