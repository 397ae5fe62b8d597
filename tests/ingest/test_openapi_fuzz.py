"""schemathesis against the collector's OpenAPI document: no 5xx, answers match the document.

Requests are signed with a real application's secret, so generated bodies get
past authentication and exercise parsing, the limits and every validation rule.
`negative_data_rejection` is not checked on purpose: a batch with an invalid
event is answered 200 with a per-event verdict, never refused whole.
"""

from __future__ import annotations

import gzip
import itertools
import json
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NotSet

from ingest_api.app import create_app
from saas_tracker import signing
from tests.ingest.collector_process import CollectorProcess
from tests.ingest.support import create_tracked_app
from tests.warehouse_process import free_port

schema = schemathesis.openapi.from_dict(create_app().openapi())
_offsets = itertools.count()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_target(ingest_warehouse, tmp_path_factory):
    app = create_tracked_app()
    collector = CollectorProcess(tmp_path_factory.mktemp("fuzz") / "spool", free_port()).start()
    with httpx.Client(base_url=collector.url, timeout=30) as client:
        yield client, app
        # Whatever the fuzzer got accepted, ClickHouse took it: no insert failed.
        metrics = client.get("/metrics").text
        assert "tracker_ingest_load_errors_total 0.0" in metrics
    assert collector.stop() == 0


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors(case, fuzz_target):
    client, app = fuzz_target
    headers = {
        k: v
        for k, v in (case.headers or {}).items()
        if k.lower() not in (signing.APP_ID_HEADER.lower(), signing.SIGNATURE_HEADER.lower())
    }
    content = None
    if case.method == "POST":
        if isinstance(case.body, NotSet):
            body = b""
        elif isinstance(case.body, bytes):
            body = case.body
        else:
            body = json.dumps(case.body).encode()
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.compress(body)
        headers["Content-Type"] = case.media_type or "application/json"
        # Hypothesis repeats bodies; a distinct timestamp keeps each signature unused (no replay 401).
        stamp = int(time.time()) - next(_offsets) % 290
        headers.update(signing.signed_headers(app.secret, app.app_id, body, timestamp=stamp))
        content = body
    response = client.request(case.method, case.formatted_path, content=content, headers=headers)
    case.validate_response(response, checks=CHECKS)
