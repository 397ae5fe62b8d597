"""Refuse a signature seen before within the tolerance window.

A signature is only acceptable while its timestamp is within the tolerance of
the collector's clock, so it is remembered until then and no longer. Keys are
64-bit prefixes of the HMAC (ample against accidental collisions; forging one
needs the secret anyway), kept in one set per minute of signature time so
expiry drops whole sets.

A request refused with 429 or 503 gives its signature back (:meth:`release`):
nothing was stored, and a client retrying the identical request must not be
locked out. Memory is in this process only; after a restart a replayed request
is stored again and deduplicated by its event ids.
"""

from __future__ import annotations

import time

_SLOT_SECONDS = 60


class ReplayGuard:
    def __init__(self, tolerance_seconds: int) -> None:
        self.tolerance = tolerance_seconds
        self._slots: dict[int, set[int]] = {}

    @staticmethod
    def key(signature_hex: str) -> int:
        return int(signature_hex[:16], 16)

    def claim(self, timestamp: int, signature_hex: str, now: float | None = None) -> bool:
        """Record the signature; False if it was already used."""
        now = time.time() if now is None else now
        self._expire(now)
        slot = self._slots.setdefault(timestamp // _SLOT_SECONDS, set())
        key = self.key(signature_hex)
        if key in slot:
            return False
        slot.add(key)
        return True

    def release(self, timestamp: int, signature_hex: str) -> None:
        slot = self._slots.get(timestamp // _SLOT_SECONDS)
        if slot is not None:
            slot.discard(self.key(signature_hex))

    def _expire(self, now: float) -> None:
        # A signature with timestamp t is stale once now > t + tolerance.
        horizon = (now - self.tolerance) // _SLOT_SECONDS - 1
        if self._slots and min(self._slots) < horizon:
            for slot in [s for s in self._slots if s < horizon]:
                del self._slots[slot]

    def __len__(self) -> int:
        return sum(len(s) for s in self._slots.values())
