"""The signing scheme itself (saas_tracker.signing, implemented once in the SDK)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from saas_tracker import signing

APP = "0b0f4b5e-3f5c-4c59-9a3e-1d2b3c4d5e6f"
BODY = b'{"events":[{"event":"x","customer_org_id":"o"}]}'


def test_signature_is_hmac_sha256_over_timestamp_app_id_and_raw_body():
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    expected = hmac.new(b"sts_secret", b"1700000000." + APP.encode() + b"." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_returns_the_matching_value():
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    matched = signing.verify(header, APP, BODY, [b"sts_secret"], now=1_700_000_100)
    assert header.endswith(matched)


@pytest.mark.parametrize("position", [0, len(BODY) // 2, len(BODY) - 1])
def test_one_tampered_byte_fails(position):
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    tampered = bytearray(BODY)
    tampered[position] ^= 0x01
    with pytest.raises(signing.SignatureError) as error:
        signing.verify(header, APP, bytes(tampered), [b"sts_secret"], now=1_700_000_000)
    assert error.value.reason == "mismatch"


def test_another_app_id_fails():
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    with pytest.raises(signing.SignatureError):
        signing.verify(header, APP.replace("0b0f", "0b0e"), BODY, [b"sts_secret"], now=1_700_000_000)


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_timestamps_beyond_the_tolerance_are_stale(skew):
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    with pytest.raises(signing.SignatureError) as error:
        signing.verify(header, APP, BODY, [b"sts_secret"], now=1_700_000_000 + skew)
    assert error.value.reason == "stale"


@pytest.mark.parametrize("skew", [300, -300])
def test_timestamps_at_the_tolerance_are_accepted(skew):
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    signing.verify(header, APP, BODY, [b"sts_secret"], now=1_700_000_000 + skew)


def test_several_v1_values_one_matching_is_enough():
    header = signing.sign(["sts_old", "sts_new"], APP, BODY, timestamp=1_700_000_000)
    assert header.count("v1=") == 2
    signing.verify(header, APP, BODY, [b"sts_new"], now=1_700_000_000)
    signing.verify(header, APP, BODY, [b"sts_old"], now=1_700_000_000)


def test_two_valid_keys_either_signature_is_accepted():
    for secret in ("sts_a", "sts_b"):
        header = signing.sign(secret, APP, BODY, timestamp=1_700_000_000)
        signing.verify(header, APP, BODY, [b"sts_a", b"sts_b"], now=1_700_000_000)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=" + "a" * 64,
        "t=1700000000",
        "t=abc,v1=" + "a" * 64,
        "t=1700000000,v1=" + "A" * 64,
        "t=1700000000,v1=" + "a" * 63,
        "t=1700000000,t=1700000001,v1=" + "a" * 64,
        "t=1700000000;v1=" + "a" * 64,
        "t=1700000000," + ",".join(["v1=" + "a" * 64] * 5),
    ],
)
def test_malformed_headers_are_refused_before_any_hmac(header):
    with pytest.raises(signing.SignatureError) as error:
        signing.verify(header, APP, BODY, [b"sts_secret"], now=1_700_000_000)
    assert error.value.reason in {"missing", "malformed"}


def test_unknown_schemes_are_ignored():
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000) + ",v2=whatever"
    signing.verify(header, APP, BODY, [b"sts_secret"], now=1_700_000_000)


def test_no_keys_means_no_match():
    header = signing.sign("sts_secret", APP, BODY, timestamp=1_700_000_000)
    with pytest.raises(signing.SignatureError) as error:
        signing.verify(header, APP, BODY, [], now=1_700_000_000)
    assert error.value.reason == "mismatch"


def test_collector_and_sdk_share_one_implementation():
    import saas_tracker_sdk.signing as sdk_signing

    assert signing.verify is sdk_signing.verify and signing.sign is sdk_signing.sign
