"""Encryption at rest of application secrets with the server key ``TRACKER_SECRET_KEY``.

The collector needs the plaintext secret (it is the HMAC key), so secrets are
encrypted, not hashed. AES-256-GCM with a random 96-bit nonce; the key is derived
from ``TRACKER_SECRET_KEY`` with HKDF so any long random string works as a key.
The associated data binds each ciphertext to its row (application and secret
id): a ciphertext copied onto another application fails to decrypt instead of
silently authenticating the wrong producer.

Stored form: ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``. The key id is
a one-way fingerprint of the derived key, so a server started with the wrong
``TRACKER_SECRET_KEY`` fails with a message saying so rather than "bad tag".

Outside production a missing key is generated into ``<data_dir>/secret.key`` with
a warning; in production a missing key is a configuration error.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
import threading
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from saas_tracker.control.errors import ConfigurationError
from saas_tracker.settings import CoreSettings, core_settings

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"
MIN_KEY_CHARS = 32
_FORMAT = "v1"
_HKDF_INFO = b"saas-tracker/app-secrets/v1"


class SecretBox:
    """Encrypts and decrypts short secrets with one server key."""

    def __init__(self, server_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
            server_key.encode("utf-8")
        )
        self._aead = AESGCM(derived)
        self.key_id = hashlib.sha256(b"saas-tracker/key-id/" + derived).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"SecretBox(key_id={self.key_id!r})"

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{_FORMAT}.{self.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, *, context: str) -> str:
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != _FORMAT:
            raise ConfigurationError(f"stored secret ({context}) is not in the {_FORMAT} format")
        _, key_id, payload = parts
        if key_id != self.key_id:
            raise ConfigurationError(
                f"stored secret ({context}) was encrypted with server key id {key_id}, but "
                f"TRACKER_SECRET_KEY is key id {self.key_id}: start the server with the key "
                "that was in use when the secret was created"
            )
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            raise ConfigurationError(
                f"stored secret ({context}) does not decrypt: it was altered or belongs to another record"
            ) from None


def server_key(settings: CoreSettings) -> str:
    """The server key: ``TRACKER_SECRET_KEY``, else (outside production) the development key file."""
    configured = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise ConfigurationError(
                f"TRACKER_SECRET_KEY must be at least {MIN_KEY_CHARS} characters "
                f"(got {len(configured)}); generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return configured
    if settings.env == "production":
        raise ConfigurationError(
            "TRACKER_SECRET_KEY is not set: it is required when TRACKER_ENV=production, because it "
            "encrypts application secrets at rest; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'` and keep it safe"
        )
    return _development_key(Path(settings.data_dir) / KEY_FILE_NAME)


def _development_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two processes start at once, exactly one writes the key and
            # the other reads it, so both encrypt with the same key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            log.warning(
                "TRACKER_SECRET_KEY is not set: generated a development key in %s to encrypt "
                "application secrets (set TRACKER_SECRET_KEY in production)",
                path,
            )
            return path.read_text(encoding="ascii").strip()
    key = path.read_text(encoding="ascii").strip()
    for _ in range(40):  # another process may have created the file and not yet written it
        if len(key) >= MIN_KEY_CHARS:
            break
        time.sleep(0.05)
        key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_CHARS:
        raise ConfigurationError(f"development key file {path} is empty or too short; delete it to regenerate")
    log.warning(
        "TRACKER_SECRET_KEY is not set: encrypting application secrets with the development key "
        "in %s (set TRACKER_SECRET_KEY in production)",
        path,
    )
    return key


_boxes: dict[tuple[str, str, str], SecretBox] = {}
_lock = threading.Lock()


def secret_box(settings: CoreSettings | None = None) -> SecretBox:
    """The process's :class:`SecretBox`, built once per configuration."""
    settings = settings or core_settings()
    configured = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    cache_key = (settings.env, str(settings.data_dir), hashlib.sha256(configured.encode()).hexdigest())
    with _lock:
        box = _boxes.get(cache_key)
        if box is None:
            box = _boxes[cache_key] = SecretBox(server_key(settings))
        return box
