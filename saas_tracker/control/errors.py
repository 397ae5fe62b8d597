"""One exception hierarchy for every control-plane refusal.

Messages name the field and the rule ("plan: unknown plan 'gold'; known plans: ...")
because they reach people unchanged: the CLI prints them, the admin API returns
them as ``detail``. Nothing here ever carries a secret.
"""

from __future__ import annotations


class ControlPlaneError(Exception):
    """Base class; ``code`` is a stable machine-readable name, ``field`` the input at fault."""

    code = "control_plane_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(ControlPlaneError):
    """The entity does not exist, or belongs to another company (never told apart)."""

    code = "not_found"


class Conflict(ControlPlaneError):
    """The request contradicts current state: duplicate key, last owner, archived app."""

    code = "conflict"


class LimitExceeded(ControlPlaneError):
    """The company's subscription does not allow it (e.g. the application cap)."""

    code = "limit_exceeded"


class ValidationError(ControlPlaneError):
    """Malformed input: the message names the field and the rule it breaks."""

    code = "validation_error"


class AuthenticationError(ControlPlaneError):
    """An API key that is unknown, malformed, revoked or expired."""

    code = "authentication_failed"


class PermissionDenied(ControlPlaneError):
    """A valid API key without the scope the operation needs."""

    code = "permission_denied"


class ConfigurationError(ControlPlaneError):
    """The server is not set up to do this (e.g. no TRACKER_SECRET_KEY in production)."""

    code = "configuration_error"
