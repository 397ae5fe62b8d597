"""Input rules shared by the CLI, the admin API and YAML files.

Each check returns the normalised value or raises :class:`ValidationError`
whose message names the field and the rule, so every surface refuses the same
input with the same words.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from saas_tracker.control.errors import ValidationError

ROLES = ("owner", "admin", "member", "viewer")
SCOPES = ("metrics:read", "exports:read", "admin")

# The collector stores event names as LowCardinality strings and dashboards show
# them; this is the same charset it accepts, so a feature rule can match any
# event the collector stores.
EVENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/$ -]{0,199}$")
# Labels such as "production", "staging", "eu-west"; stored LowCardinality.
ENVIRONMENT = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
FEATURE_KEY = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
PLAN_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
FLAG = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
# Deliberately simple: the address is an identifier of a person, not a mailbox
# we deliver to; anything with one @ and a dotted domain is accepted.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200
# Backdated subscriptions: an earlier year is a typo, not a customer's history.
EARLIEST_YEAR = 2000
MAX_PATH_PREFIX = 1024


def require_uuid(field: str, value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: {str(value)[:60]!r} is not a UUID", field=field) from None


def require_name(field: str, value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(f"{field}: must not be empty", field=field)
    if len(text) > MAX_NAME:
        raise ValidationError(f"{field}: at most {MAX_NAME} characters (got {len(text)})", field=field)
    if any(ord(ch) < 32 for ch in text):
        raise ValidationError(f"{field}: must not contain control characters", field=field)
    return text


def require_past_moment(field: str, value: Any, now: datetime) -> datetime:
    """A moment not after ``now``, in UTC; a date means its first moment (midnight UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{field}: a date and time needs a time zone (got {value.isoformat()})", field=field)
        moment = value.astimezone(UTC)
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min, UTC)
    else:
        raise ValidationError(f"{field}: {str(value)[:60]!r} is not a date", field=field)
    if moment > now:
        raise ValidationError(
            f"{field}: must not be in the future (got {moment.date()}, today is {now.date()})", field=field
        )
    if moment.year < EARLIEST_YEAR:
        raise ValidationError(f"{field}: must be in {EARLIEST_YEAR} or later (got {moment.date()})", field=field)
    return moment


def require_email(value: Any, field: str = "email") -> str:
    text = str(value or "").strip().lower()
    if len(text) > 254 or not EMAIL.match(text):
        raise ValidationError(f"{field}: {text[:80]!r} is not an email address", field=field)
    return text


def require_role(value: Any, field: str = "role") -> str:
    text = str(value or "").strip().lower()
    if text not in ROLES:
        raise ValidationError(f"{field}: unknown role {text!r}; roles are {', '.join(ROLES)}", field=field)
    return text


def require_scopes(values: Iterable[Any], field: str = "scopes") -> list[str]:
    scopes = sorted({str(v).strip() for v in values})
    if not scopes:
        raise ValidationError(f"{field}: at least one scope is required ({', '.join(SCOPES)})", field=field)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(f"{field}: unknown scope {unknown[0]!r}; scopes are {', '.join(SCOPES)}", field=field)
    return scopes


def require_environments(values: Iterable[Any] | None, field: str = "environments") -> list[str]:
    labels: list[str] = []
    for value in values or ():
        label = str(value).strip()
        if not ENVIRONMENT.match(label):
            raise ValidationError(
                f"{field}: {label[:40]!r} is not an environment label "
                "(lowercase letters, digits, '.', '_', '-'; at most 32 characters)",
                field=field,
            )
        if label not in labels:
            labels.append(label)
    return labels


def require_event_names(values: Iterable[Any] | None, field: str = "events") -> list[str]:
    names: list[str] = []
    for value in values or ():
        name = str(value)
        if not EVENT_NAME.match(name):
            raise ValidationError(
                f"{field}: {name[:60]!r} is not an event name "
                "(1-200 characters: letters, digits, space and _ . : / $ -, starting with a letter or digit)",
                field=field,
            )
        if name not in names:
            names.append(name)
    return names


def require_path_prefix(value: Any, field: str = "path_prefix") -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if not text.startswith("/"):
        raise ValidationError(f"{field}: {text[:60]!r} must start with '/'", field=field)
    if len(text) > MAX_PATH_PREFIX or any(ord(ch) < 32 or ch.isspace() for ch in text):
        raise ValidationError(
            f"{field}: must be at most {MAX_PATH_PREFIX} characters without spaces or control characters",
            field=field,
        )
    return text


def require_feature_key(value: Any, field: str = "key") -> str:
    text = str(value or "").strip()
    if not FEATURE_KEY.match(text):
        raise ValidationError(
            f"{field}: {text[:70]!r} is not a feature key "
            "(lowercase letter first, then lowercase letters, digits, '.', '_', '-'; at most 64 characters)",
            field=field,
        )
    return text


def require_flag(value: Any, field: str = "feature_flags") -> str:
    text = str(value or "").strip()
    if not FLAG.match(text):
        raise ValidationError(f"{field}: {text[:70]!r} is not a flag name (like 'exports' or 'sso')", field=field)
    return text


def from_pydantic(error: Any, prefix: str = "") -> ValidationError:
    """Turn a pydantic ValidationError into ours, naming the first offending field."""
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
    field = f"{prefix}{loc}" if loc else prefix.rstrip(".") or None
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return ValidationError(f"{field}: {message}" if field else message, field=field)
