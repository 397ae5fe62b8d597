"""Pseudonymous user ids: the collector never sees the id itself."""

from __future__ import annotations

import hashlib
import hmac


def hash_user_id(user_id: str, key: str | bytes | None = None) -> str:
    """64 lowercase hex characters: HMAC-SHA-256 with ``key``, else plain SHA-256.

    A key (kept by you, never sent) stops anyone who sees the hashes from
    confirming a guessed user id; without one, the same id hashes the same
    everywhere, which is convenient but guessable for small id spaces.
    """
    data = str(user_id).encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key.encode("utf-8") if isinstance(key, str) else key, data, hashlib.sha256).hexdigest()
