"""Per-application rate limit: a token bucket counted in events.

Counting events rather than requests makes one batch of 500 cost what 500
single-event requests cost, so batching is never penalised.
"""

from __future__ import annotations

import math
import time


class RateLimiter:
    def __init__(self, events_per_second: float, burst: int) -> None:
        self.rate = events_per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # app id -> (tokens, at)

    def acquire(self, app_id: str, events: int, now: float | None = None) -> float:
        """Take ``events`` tokens; return 0 when allowed, else seconds until they would be."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.get(app_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if events <= tokens:
            self._buckets[app_id] = (tokens - events, now)
            return 0.0
        self._buckets[app_id] = (tokens, now)
        needed = min(events, self.burst) - tokens
        return max(needed / self.rate, 0.001)

    def refund(self, app_id: str, events: int) -> None:
        """Give back tokens of a request that was not persisted (503)."""
        if self.rate <= 0 or app_id not in self._buckets:
            return
        tokens, at = self._buckets[app_id]
        self._buckets[app_id] = (min(float(self.burst), tokens + events), at)


def retry_after_header(seconds: float) -> str:
    """Retry-After takes whole seconds; never 0, which would invite an immediate retry."""
    return str(max(1, math.ceil(seconds)))
