"""Actual versus expected: every mart, after incremental runs and after a full refresh.

The fixture (fixtures/events.csv) is two companies, three organizations and a few users
over 2025-02-26..2025-03-12, loaded in four batches: late events that merge two sessions
and extend one across midnight, a client retry, a server-timed retry stamped after
midnight, and an organization coming back. expected/*.csv were worked out by hand from
those events and the definitions in the models' YAML (the suite shrinks the health
windows to 3/7 days so a person can check them; see support.SUITE_VARS).
"""

from __future__ import annotations

import difflib

import pytest

from tests.models import support
from tests.models.conftest import MODELS


def _diff(expected_rows, actual_rows, header) -> str:
    lines = difflib.unified_diff(
        [",".join(row) for row in expected_rows],
        [",".join(row) for row in actual_rows],
        "expected",
        "actual",
        lineterm="",
    )
    return ",".join(header) + "\n" + "\n".join(lines)


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("step", ["incremental", "rerun", "full_refresh"])
def test_mart_matches_expected(models_suite, step, model):
    header, expected_rows = support.expected(model)
    actual_rows = models_suite.snapshots[step][model]
    assert actual_rows == expected_rows, _diff(expected_rows, actual_rows, header)
