"""The Tracker: queue events in the caller's thread, send them from a background one.

``track()`` only builds a dict and appends it to a bounded deque (a few
microseconds); a daemon thread sends batches when ``flush_at`` events are
waiting or every ``flush_interval`` seconds, gzipped and signed, retrying with
exponential backoff and full jitter, honouring ``Retry-After``. Every event
gets its id here, so a retry of a batch the collector already stored is
answered as duplicates and counted once.
"""

from __future__ import annotations

import atexit
import gzip
import json
import logging
import random
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from datetime import datetime

from saas_tracker_sdk import signing
from saas_tracker_sdk.stats import TrackerStats
from saas_tracker_sdk.transport import Connection, Reply
from saas_tracker_sdk.users import hash_user_id

__version__ = "0.1.0"
log = logging.getLogger("saas_tracker_sdk")

# The collector's limits (DESIGN.md section 5); batches are cut below them.
MAX_BATCH_EVENTS = 500
MAX_BODY_BYTES = 1_048_576
MAX_EVENT_BYTES = 32_768
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class Tracker:
    """Send usage events to a SaaS Tracker collector.

    >>> tracker = Tracker(app_id, secret, "https://collector.example.com")
    >>> tracker.track("report_exported", customer_org_id="org_42", user_id="u_7", path="/reports")
    """

    def __init__(
        self,
        app_id: str,
        secret: str,
        endpoint: str = "http://127.0.0.1:8000",
        *,
        flush_at: int = 100,
        flush_interval: float = 1.0,
        max_queue_size: int = 10_000,
        max_batch_events: int = MAX_BATCH_EVENTS,
        gzip_bodies: bool = True,
        timeout: float = 10.0,
        max_retries: int = 8,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        user_id_key: str | bytes | None = None,
        environment: str | None = None,
        on_failure: Callable[[list[dict], str], None] | None = None,
        flush_at_exit: bool = True,
    ) -> None:
        """
        :param flush_at: send as soon as this many events are queued.
        :param flush_interval: otherwise send what is queued this often (seconds).
        :param max_queue_size: events kept while the collector is unreachable; beyond it
            ``track()`` drops the event and counts it in ``stats.dropped``.
        :param max_retries: attempts after the first before a batch counts as ``failed``.
        :param backoff_base: first retry delay in seconds (doubled per attempt, full jitter,
            at least 1 s so every retry is signed with a new timestamp).
        :param user_id_key: HMAC key for ``user_id`` hashing (recommended); plain SHA-256 without.
        :param environment: default ``environment`` label of every event.
        :param on_failure: called with the events and a reason when a batch is given up.
        :param flush_at_exit: send what is queued when the interpreter exits.
        """
        if not 1 <= max_batch_events <= MAX_BATCH_EVENTS:
            raise ValueError(f"max_batch_events must be between 1 and {MAX_BATCH_EVENTS}")
        self.app_id = str(app_id)
        self._key = signing.signing_key(secret)
        self._connection = Connection(endpoint, timeout)
        self.flush_at = max(1, flush_at)
        self.flush_interval = flush_interval
        self.max_queue_size = max_queue_size
        self.max_batch_events = max_batch_events
        self.gzip_bodies = gzip_bodies
        self.max_retries = max_retries
        self.backoff_base = max(1.0, backoff_base)
        self.backoff_max = max(self.backoff_base, backoff_max)
        self.user_id_key = user_id_key
        self.environment = environment
        self.on_failure = on_failure

        self._queue: deque[dict] = deque()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._close_requested = threading.Event()
        self._deadline: float | None = None
        self._idle = threading.Condition()
        self._sending = False
        self._counts = dict.fromkeys(
            ("accepted", "duplicates", "quarantined", "rejected", "dropped", "failed", "retries", "batches"), 0
        )
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="saas-tracker-sdk", daemon=True)
        self._thread.start()
        if flush_at_exit:
            reference = weakref.ref(self)
            atexit.register(lambda: (tracker := reference()) is not None and tracker.close())

    # --- the caller's side -------------------------------------------------

    def track(
        self,
        event: str,
        customer_org_id: str,
        *,
        user_id: str | None = None,
        user_hash: str | None = None,
        session_id: str | None = None,
        path: str | None = None,
        environment: str | None = None,
        plan: str | None = None,
        ts: float | datetime | None = None,
        event_id: str | None = None,
    ) -> str | None:
        """Queue one event; returns its event id, or None when the queue is full (dropped).

        ``user_id`` is hashed here (HMAC-SHA-256 with ``user_id_key``) and never sent;
        pass ``user_hash`` instead if you hash yourself. ``ts`` defaults to now.
        """
        if len(self._queue) >= self.max_queue_size or self._closing.is_set():
            self._add("dropped", 1)
            return None
        if event_id is None:
            event_id = str(uuid.uuid4())
        if ts is None:
            ts = time.time()
        elif isinstance(ts, datetime):
            ts = ts.timestamp()
        item = {"event": event, "customer_org_id": customer_org_id, "event_id": event_id, "ts_epoch": ts}
        if user_hash is None and user_id is not None:
            user_hash = hash_user_id(user_id, self.user_id_key)
        if user_hash is not None:
            item["user_hash"] = user_hash
        if session_id is not None:
            item["session_id"] = session_id
        if path is not None:
            item["path"] = path
        environment = environment if environment is not None else self.environment
        if environment is not None:
            item["environment"] = environment
        if plan is not None:
            item["plan"] = plan
        self._queue.append(item)
        if len(self._queue) >= self.flush_at:
            self._wake.set()
        return event_id

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued now; True once the queue is empty and nothing is in flight."""
        self._wake.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._queue or self._sending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._wake.set()
                self._idle.wait(0.05 if remaining is None else min(0.05, remaining))
        return True

    def close(self, timeout: float = 10.0) -> bool:
        """Flush for up to ``timeout`` seconds, then stop; later events are dropped.

        Returns True when every queued event was delivered (or given up). Safe to call twice.
        """
        if self._closing.is_set():
            return not self._queue
        self._deadline = time.monotonic() + timeout
        self._close_requested.set()
        delivered = self.flush(timeout)
        self._closing.set()
        self._wake.set()
        self._thread.join(max(0.0, self._deadline - time.monotonic()) + 0.5)
        self._connection.close()
        return delivered

    @property
    def stats(self) -> TrackerStats:
        with self._count_lock:
            return TrackerStats(queued=len(self._queue), **self._counts)

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the background thread --------------------------------------------

    def _add(self, name: str, n: int) -> None:
        with self._count_lock:
            self._counts[name] += n

    def _run(self) -> None:
        while not self._closing.is_set() or self._queue:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            while self._queue:
                with self._idle:
                    self._sending = True
                batch = [self._queue.popleft() for _ in range(min(self.max_batch_events, len(self._queue)))]
                try:
                    for body, events in self._bodies(batch):
                        self._deliver(body, events)
                except Exception:  # noqa: BLE001 - the sender thread must survive anything
                    log.exception("saas-tracker: unexpected error while sending; %d events failed", len(batch))
                    self._add("failed", len(batch))
                finally:
                    with self._idle:
                        self._sending = False
                        self._idle.notify_all()
                if self._closing.is_set() and self._past_deadline():
                    self._give_up(list(self._queue), "the tracker was closed before they could be sent")
                    self._queue.clear()
            if self._closing.is_set():
                return

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _bodies(self, batch: list[dict]):
        """JSON bodies under the collector's limits, each with its events."""
        parts: list[bytes] = []
        events: list[dict] = []
        size = 0
        for item in batch:
            encoded = json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            if len(encoded) > MAX_EVENT_BYTES:
                self._give_up([item], f"the event is {len(encoded)} bytes; the limit is {MAX_EVENT_BYTES}")
                continue
            if parts and size + len(encoded) + 16 > MAX_BODY_BYTES:
                yield _envelope(parts), events
                parts, events, size = [], [], 0
            parts.append(encoded)
            events.append(item)
            size += len(encoded) + 1
        if parts:
            yield _envelope(parts), events

    def _deliver(self, body: bytes, events: list[dict]) -> None:
        if self.gzip_bodies:
            body = gzip.compress(body, compresslevel=5)
        attempt = 0
        while True:
            reply, problem = self._attempt(body)
            if reply is not None and reply.status == 200:
                self._record(reply, events)
                return
            if reply is not None and reply.status == 413 and len(events) > 1:
                half = len(events) // 2  # cannot happen with the limits above; split rather than fail
                for part in (events[:half], events[half:]):
                    for part_body, part_events in self._bodies(part):
                        self._deliver(part_body, part_events)
                return
            retryable = reply is None or reply.status in _RETRYABLE or _replayed(reply)
            if not retryable:
                self._give_up(events, problem)
                return
            attempt += 1
            if attempt > self.max_retries:
                self._give_up(events, f"{problem} (after {self.max_retries} retries)")
                return
            delay = self._delay(attempt, reply)
            if not self._sleep(delay):
                self._give_up(events, f"{problem} (the tracker was closed before a retry)")
                return
            self._add("retries", 1)
            log.debug("saas-tracker: retried a batch of %d events after %.1f s: %s", len(events), delay, problem)

    def _sleep(self, delay: float) -> bool:
        """Wait ``delay`` seconds; False (at once) if close() leaves too little time for it."""
        end = time.monotonic() + delay
        if self._close_requested.wait(delay):
            if self._deadline is not None and end > self._deadline:
                return False
            time.sleep(max(0.0, end - time.monotonic()))
        return True

    def _attempt(self, body: bytes) -> tuple[Reply | None, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"saas-tracker-sdk/{__version__}",
            **signing.signed_headers(self._key, self.app_id, body),
        }
        if self.gzip_bodies:
            headers["Content-Encoding"] = "gzip"
        try:
            reply = self._connection.post("/v1/batch", body, headers)
        except Exception as error:  # noqa: BLE001 - any transport failure is retried
            return None, f"cannot reach the collector: {type(error).__name__}: {error}"
        if reply.status == 200:
            return reply, ""
        return reply, f"HTTP {reply.status}: {_detail(reply)}"

    def _delay(self, attempt: int, reply: Reply | None) -> float:
        backoff = random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        retry_after = _retry_after(reply)
        if retry_after is not None:
            # The server's wait is a minimum; a little jitter spreads the clients it told.
            return retry_after + random.uniform(0, min(1.0, retry_after * 0.1))
        # At least 1 s: the retry is signed with a new timestamp, never replaying a signature.
        return max(1.0, backoff)

    def _record(self, reply: Reply, events: list[dict]) -> None:
        try:
            verdicts = json.loads(reply.body)
        except ValueError:
            verdicts = {}
        rejected = verdicts.get("rejected") or []
        with self._count_lock:
            self._counts["batches"] += 1
            self._counts["accepted"] += int(verdicts.get("accepted", 0))
            self._counts["duplicates"] += int(verdicts.get("duplicates", 0))
            self._counts["quarantined"] += int(verdicts.get("quarantined", 0))
            self._counts["rejected"] += len(rejected)
        for item in rejected[:5]:
            log.warning("saas-tracker: event %s rejected: %s", item.get("event_id"), item.get("reason"))

    def _give_up(self, events: list[dict], reason: str) -> None:
        if not events:
            return
        self._add("failed", len(events))
        log.error("saas-tracker: %d event(s) not delivered: %s", len(events), reason)
        if self.on_failure is not None:
            try:
                self.on_failure(events, reason)
            except Exception:  # noqa: BLE001
                log.exception("saas-tracker: on_failure callback raised")


def _envelope(parts: list[bytes]) -> bytes:
    return b'{"events":[' + b",".join(parts) + b"]}"


def _detail(reply: Reply) -> str:
    try:
        return str(json.loads(reply.body).get("detail", ""))[:300]
    except (ValueError, AttributeError):
        return reply.body[:300].decode("utf-8", "replace")


def _replayed(reply: Reply) -> bool:
    # Defensive: retries are signed anew at least a second later, so this needs clock trouble.
    return reply.status == 401 and "already used" in _detail(reply)


def _retry_after(reply: Reply | None) -> float | None:
    if reply is None:
        return None
    value = reply.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
