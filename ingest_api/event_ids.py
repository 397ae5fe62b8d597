"""Event ids the collector derives for events sent without one.

The id is a UUIDv5 over the event's stored fields as sent (canonical JSON, keys
sorted), so resending the same event yields the same id and the retry is
answered as a duplicate instead of counted twice. The price: two events that
are identical in every stored field, including ``ts_epoch``, are one event. A
producer that can send two such events must send ``event_id`` (the SDK always
does) or distinct ``ts_epoch`` values.
"""

from __future__ import annotations

import hashlib
import uuid

import orjson

# Fixed forever: changing it changes every derived id.
NAMESPACE = uuid.UUID("5b8c1f36-3f0e-4c39-9f0a-8f3a2d7c6e11")
CONTENT_FIELDS = ("event", "customer_org_id", "user_hash", "session_id", "path", "environment", "plan", "ts_epoch")


def derive_event_id(event: dict) -> str:
    content = {name: event[name] for name in CONTENT_FIELDS if event.get(name) is not None}
    canonical = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    # uuid.uuid5 by hand: it accepts only str names on Python 3.11.
    digest = hashlib.sha1(NAMESPACE.bytes + canonical, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))
