"""A TCP proxy in front of the collector that can lose responses (a real network fault).

It forwards each HTTP/1.1 request to the collector and reads the whole answer;
for the first ``drop_responses`` requests it then closes the client's connection
instead of relaying the answer, like a load balancer or network dying after the
collector persisted the events. It also records every request's time, headers
and answer status.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class Seen:
    at: float
    headers: dict[str, str]
    status: int
    relayed: bool


def _read_message(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes] | None:
    """One HTTP message (head, body) with a Content-Length body, or None at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buffer) < end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    body = bytes(buffer[end : end + length])
    del buffer[: end + length]
    return head, body


class LossyProxy:
    def __init__(self, upstream_port: int, drop_responses: int = 0):
        self.upstream_port = upstream_port
        self.drop_responses = drop_responses
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopped = True
        self._server.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        from_client, from_upstream = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, from_client)
                if request is None:
                    return
                upstream.sendall(request[0] + request[1])
                response = _read_message(upstream, from_upstream)
                if response is None:
                    return
                status = int(response[0].split(b" ", 2)[1])
                with self._lock:
                    relay = len(self.seen) >= self.drop_responses
                    self.seen.append(Seen(time.monotonic(), _headers(request[0]), status, relay))
                if not relay:
                    return  # the answer is lost: close the client's connection
                client.sendall(response[0] + response[1])
        except OSError:
            return
        finally:
            client.close()
            upstream.close()


def _headers(head: bytes) -> dict[str, str]:
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers
