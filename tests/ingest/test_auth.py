"""Who may send: signature, timestamp, replay, rotation, revocation."""

from __future__ import annotations

import time
from datetime import timedelta

from saas_tracker import signing
from tests.ingest.support import ACTOR, event, signed_request, stored_event_ids


def _detail(response) -> str:
    return response.json()["detail"]


def test_a_signed_batch_is_accepted(collector, tracked_app):
    response = collector.batch(tracked_app, [event()])
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1


def test_one_tampered_byte_is_refused(collector, tracked_app, ch):
    body, headers = signed_request(tracked_app, {"events": [event(customer_org_id="org-a")]})
    tampered = body.replace(b"org-a", b"org-b")
    response = collector.client.post("/v1/batch", content=tampered, headers=headers)
    assert response.status_code == 401
    assert "no signature matches" in _detail(response)
    collector.wait_loaded()
    assert stored_event_ids(ch, tracked_app) == []


def test_stale_and_far_future_timestamps_are_refused(collector, tracked_app):
    for skew in (-301, 301):
        response = collector.batch(tracked_app, [event()], timestamp=int(time.time()) + skew)
        assert response.status_code == 401
        assert "more than 300 s" in _detail(response)


def test_a_replayed_signature_is_refused(collector, tracked_app):
    body, headers = signed_request(tracked_app, {"events": [event()]})
    first = collector.client.post("/v1/batch", content=body, headers=headers)
    again = collector.client.post("/v1/batch", content=body, headers=headers)
    assert first.status_code == 200
    assert again.status_code == 401
    assert "already used" in _detail(again)
    # The same events signed anew are fine: answered as duplicates, stored once.
    resigned = collector.client.post(
        "/v1/batch", content=body, headers=signed_request(tracked_app, body, timestamp=int(time.time()) - 10)[1]
    )
    assert resigned.status_code == 200
    assert resigned.json()["duplicates"] == 1


def test_missing_or_malformed_credentials_are_refused(collector, tracked_app):
    body, headers = signed_request(tracked_app, {"events": [event()]})
    for drop in (signing.APP_ID_HEADER, signing.SIGNATURE_HEADER):
        partial = {k: v for k, v in headers.items() if k != drop}
        response = collector.client.post("/v1/batch", content=body, headers=partial)
        assert response.status_code == 401
        assert drop in _detail(response)
    response = collector.client.post("/v1/batch", content=body, headers=headers | {signing.APP_ID_HEADER: "not-a-uuid"})
    assert response.status_code == 401


def test_unknown_application_and_wrong_secret_are_refused(collector, tracked_app, make_app):
    other = make_app()
    body, headers = signed_request(tracked_app, {"events": [event()]}, secret=other.secret)
    assert collector.client.post("/v1/batch", content=body, headers=headers).status_code == 401
    unknown = tracked_app.__class__(tracked_app.company_id, "00000000-0000-4000-8000-000000000001", "sts_x")
    response = collector.batch(unknown, [event()])
    assert response.status_code == 401
    assert "unknown or inactive application" in _detail(response)


def test_gzip_bodies_are_signed_over_the_compressed_bytes(collector, tracked_app):
    assert collector.batch(tracked_app, [event()], gzip=True).status_code == 200
    # Signing the JSON instead of the bytes on the wire is refused.
    import gzip

    import orjson

    raw = orjson.dumps({"events": [event()]})
    headers = {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        **signing.signed_headers(tracked_app.secret, tracked_app.app_id, raw),
    }
    response = collector.client.post("/v1/batch", content=gzip.compress(raw), headers=headers)
    assert response.status_code == 401


def test_rotated_secret_both_work_until_the_old_one_expires(collector, tracked_app):
    from saas_tracker.control import credentials

    rotated = credentials.rotate_secret(tracked_app.app_id, old_valid_for=timedelta(seconds=2), actor=ACTOR)
    new = tracked_app.__class__(tracked_app.company_id, tracked_app.app_id, rotated.secret)
    assert collector.batch(new, [event()]).status_code == 200
    assert collector.batch(tracked_app, [event()]).status_code == 200  # old secret, before expiry
    # A client mid-rotation may sign with both; one valid value is enough.
    body, headers = signed_request(tracked_app, {"events": [event()]})
    headers[signing.SIGNATURE_HEADER] = signing.sign([tracked_app.secret, rotated.secret], tracked_app.app_id, body)
    assert collector.client.post("/v1/batch", content=body, headers=headers).status_code == 200

    time.sleep(2.2)
    expired = collector.batch(tracked_app, [event()])
    assert expired.status_code == 401  # expiry is checked at use time, not cache time
    assert collector.batch(new, [event()]).status_code == 200


def test_revoked_secret_and_archived_application_are_refused(collector, make_app):
    from saas_tracker.control import applications, credentials

    app = make_app()
    assert collector.batch(app, [event()]).status_code == 200
    credentials.revoke_secret(app.app_id, actor=ACTOR)
    time.sleep(1.1)  # the collector refreshes credentials it holds after a second
    collector.batch(app, [event()])  # starts the background refresh
    time.sleep(0.2)
    assert collector.batch(app, [event()]).status_code == 401

    other = make_app()
    assert collector.batch(other, [event()]).status_code == 200
    applications.archive_application(other.app_id, actor=ACTOR)
    time.sleep(1.1)
    collector.batch(other, [event()])
    time.sleep(0.2)
    assert collector.batch(other, [event()]).status_code == 401
