"""python -m data_tests MART [START END]: validate one suite and print what failed."""

from __future__ import annotations

import sys
from datetime import date

from data_tests.runner import run_suite
from data_tests.suites import SUITES


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SUITES:
        print(f"usage: python -m data_tests MART [START END]; marts: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    days = [date.fromisoformat(value) for value in argv[1:3]]
    outcome = run_suite(SUITES[argv[0]], *days)
    print(f"{outcome.suite}: {outcome.rows} rows, {outcome.evaluated} expectations, {len(outcome.failures)} failed")
    for failure in outcome.failures:
        print("  " + failure.describe())
    return 0 if outcome.success else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
