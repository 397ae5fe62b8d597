"""Encryption of secrets at rest and where the server key comes from."""

from __future__ import annotations

import logging
import stat

import pytest
from pydantic import SecretStr

from saas_tracker.control.crypto import SecretBox, secret_box, server_key
from saas_tracker.control.errors import ConfigurationError
from saas_tracker.settings import CoreSettings

KEY = "k" * 40


def test_round_trip_and_binding_to_the_record():
    box = SecretBox(KEY)
    token = box.encrypt("sts_secret", context="app-secret:a:1")
    assert "sts_secret" not in token
    assert box.decrypt(token, context="app-secret:a:1") == "sts_secret"
    with pytest.raises(ConfigurationError, match="altered or belongs to another record"):
        box.decrypt(token, context="app-secret:b:1")


def test_wrong_server_key_is_named():
    token = SecretBox(KEY).encrypt("s", context="c")
    other = SecretBox("z" * 40)
    with pytest.raises(
        ConfigurationError,
        match=f"encrypted with server key id {SecretBox(KEY).key_id}, but TRACKER_SECRET_KEY is key id {other.key_id}",
    ):
        other.decrypt(token, context="c")


def test_production_without_key_is_a_clear_error(tmp_path):
    settings = CoreSettings(env="production", data_dir=tmp_path, secret_key=None)
    with pytest.raises(
        ConfigurationError, match="TRACKER_SECRET_KEY is not set: it is required when TRACKER_ENV=production"
    ):
        server_key(settings)
    assert not (tmp_path / "secret.key").exists()


def test_short_key_is_refused(tmp_path):
    settings = CoreSettings(env="production", data_dir=tmp_path, secret_key=SecretStr("short"))
    with pytest.raises(ConfigurationError, match="TRACKER_SECRET_KEY must be at least 32 characters"):
        server_key(settings)


def test_configured_key_is_used(tmp_path):
    settings = CoreSettings(env="production", data_dir=tmp_path, secret_key=SecretStr(KEY))
    assert server_key(settings) == KEY
    assert secret_box(settings).key_id == SecretBox(KEY).key_id


def test_development_key_is_generated_once_with_a_warning(tmp_path, caplog):
    settings = CoreSettings(env="development", data_dir=tmp_path / "data", secret_key=None)
    with caplog.at_level(logging.WARNING, logger="saas_tracker.control.crypto"):
        first = server_key(settings)
    path = tmp_path / "data" / "secret.key"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "generated a development key" in caplog.text and str(path) in caplog.text
    assert first not in caplog.text
    assert server_key(settings) == first
