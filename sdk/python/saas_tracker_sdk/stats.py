"""Delivery counters of a Tracker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackerStats:
    """What happened to every tracked event so far.

    ``accepted + duplicates + quarantined + rejected`` events reached the
    collector and got a verdict; ``dropped`` never left the process (the queue
    was full); ``failed`` were given up after the retries or refused outright
    (bad credentials, too large); ``queued`` are still waiting.
    """

    queued: int
    accepted: int
    duplicates: int
    quarantined: int
    rejected: int
    dropped: int
    failed: int
    retries: int
    batches: int
