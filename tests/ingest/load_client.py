"""A test client that keeps resending a batch until the collector acknowledges it.

Like the SDK: fresh signature per attempt, same event ids, so a retry after a
crash is idempotent. Records every acknowledged event id.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid

import orjson

from saas_tracker import signing
from tests.ingest.support import TrackedApp


class ResendingClient(threading.Thread):
    def __init__(self, port: int, app: TrackedApp, stop: threading.Event, batch_size: int = 20):
        super().__init__(daemon=True)
        self.port, self.app, self.stop_event, self.batch_size = port, app, stop, batch_size
        self.acknowledged: list[str] = []
        self.statuses: list[tuple[float, int | None]] = []
        self.unexpected: list[str] = []
        self._connection: http.client.HTTPConnection | None = None

    def run(self) -> None:
        while not self.stop_event.is_set():
            events = [
                {
                    "event": "page_view",
                    "customer_org_id": "org-1",
                    "event_id": str(uuid.uuid4()),
                    "ts_epoch": time.time(),
                }
                for _ in range(self.batch_size)
            ]
            body = orjson.dumps({"events": events})
            while True:  # until acknowledged, even after stop is requested
                status, answer = self._post(body)
                self.statuses.append((time.monotonic(), status))
                if status == 200:
                    verdicts = orjson.loads(answer)
                    if verdicts["accepted"] + verdicts["duplicates"] != len(events):
                        self.unexpected.append(answer.decode())
                    self.acknowledged.extend(e["event_id"] for e in events)
                    break
                if status not in (None, 503):
                    self.unexpected.append(f"{status}: {answer[:200]!r}")
                time.sleep(0.05)

    def _post(self, body: bytes) -> tuple[int | None, bytes]:
        headers = {"Content-Type": "application/json", **signing.signed_headers(self.app.secret, self.app.app_id, body)}
        try:
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self._connection.request("POST", "/v1/batch", body=body, headers=headers)
            response = self._connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            return None, b""
