"""The run the quarantine sensor launches when the quarantine grows: it fails, and its
failure says how many events are held back, for whom and why, and what to do."""

# No `from __future__ import annotations`: Dagster reads config and resource types from the annotations.

from dagster import Config, Failure, MetadataValue, job, op


class QuarantineGrowth(Config):
    previous: int
    current: int
    # "company <id>: <n> <reason>" lines, largest first.
    breakdown: list[str] = []


@op
def report_quarantine_growth(config: QuarantineGrowth) -> None:
    grown = config.current - config.previous
    raise Failure(
        description=(
            f"The quarantine grew by {grown} events (from {config.previous} to {config.current} held back). "
            "These events are older than their application's backfill window and are not in any model. "
            "Inspect them with `saas-tracker quarantine list`, then replay (`saas-tracker quarantine replay`) "
            "or discard them."
        ),
        metadata={
            "previous": config.previous,
            "current": config.current,
            "breakdown": MetadataValue.json(config.breakdown),
        },
        allow_retries=False,
    )


@job(description="Fails on purpose when the quarantine grows, so the growth shows as a failed run.")
def quarantine_alert():
    report_quarantine_growth()
