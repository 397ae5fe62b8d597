"""A small closed/open-loop HTTP/1.1 load generator on raw asyncio streams.

httpx costs ~100 us of client CPU per request; on a 2-core machine that CPU is
taken from the server being measured, so requests are written by hand here:
keep-alive connections, prebuilt event templates with fresh ids, one HMAC.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

from saas_tracker import signing

_EVENT = (
    '{"event":"page_view","customer_org_id":"org-%d","user_hash":"' + "ab" * 32 + '","session_id":"s-%d",'
    '"path":"/app/dashboard","environment":"production","plan":"growth","ts_epoch":%.3f,"event_id":"%s"}'
)


def fresh_ids(n: int) -> list[str]:
    raw = os.urandom(16 * n).hex()
    ids = []
    for i in range(n):
        h = raw[32 * i : 32 * i + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}")
    return ids


def batch_body(n: int, seq: int) -> tuple[bytes, list[str]]:
    ids = fresh_ids(n)
    now = time.time()
    events = ",".join(_EVENT % ((seq + i) % 500, seq % 97, now, event_id) for i, event_id in enumerate(ids))
    return f'{{"events":[{events}]}}'.encode(), ids


def single_body(seq: int) -> tuple[bytes, list[str]]:
    ids = fresh_ids(1)
    return (_EVENT % (seq % 500, seq % 97, time.time(), ids[0])).encode(), ids


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    events: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: str = ""
    # CPU seconds each watched process used during the run (see bench/ingest.py measured()).
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def cpu_per_request(self, process: str) -> float:
        """Seconds of ``process``'s CPU per request answered during the run."""
        return self.cpu_seconds[process] / len(self.latencies) if self.latencies else float("nan")


class Client:
    def __init__(self, host: str, port: int, app_id: str, secret: str, path: str):
        self.host, self.port, self.path = host, port, path
        self.app_id, self.key = app_id, signing.signing_key(secret)
        self.reader = self.writer = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, body: bytes) -> int:
        signature = signing.sign(self.key, self.app_id, body)
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{signing.APP_ID_HEADER}: {self.app_id}\r\n"
            f"{signing.SIGNATURE_HEADER}: {signature}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def closed_loop(make_client, make_body, concurrency: int, seconds: float, keep_ids: bool = False) -> Result:
    """``concurrency`` clients each sending back to back for ``seconds``."""
    result = Result()
    stop_at = time.perf_counter() + seconds
    seq = iter(range(10**12))

    async def worker() -> None:
        client = make_client()
        await client.connect()
        try:
            while time.perf_counter() < stop_at:
                body, ids = make_body(next(seq))
                started = time.perf_counter()
                status = await client.post(body)
                result.latencies.append(time.perf_counter() - started)
                if status == 200:
                    result.events += len(ids)
                    if keep_ids:
                        result.acknowledged.extend(ids)
                else:
                    result.errors[status] = result.errors.get(status, 0) + 1
        finally:
            client.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def open_loop(make_client, make_body, rate: float, seconds: float, connections: int = 16) -> Result:
    """Requests started at a fixed ``rate`` per second regardless of answers (latency under load)."""
    result = Result()
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        client = make_client()
        await client.connect()
        pool.put_nowait(client)
    interval = 1.0 / rate
    total = int(rate * seconds)
    started = time.perf_counter()

    async def one(i: int, due: float) -> None:
        client = await pool.get()
        try:
            body, ids = make_body(i)
            status = await client.post(body)
            # Latency from when the request was due: waiting for a free connection counts.
            result.latencies.append(time.perf_counter() - due)
            if status == 200:
                result.events += len(ids)
            else:
                result.errors[status] = result.errors.get(status, 0) + 1
        finally:
            pool.put_nowait(client)

    tasks = []
    for i in range(total):
        due = started + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait().close()
    return result
