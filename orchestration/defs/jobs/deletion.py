"""Deletion requests: every event of some users (user_hash) and/or customer organizations
of one company, in one run.

1. open: record one request per subject (tracker_control.deletion_requests, running);
2. erase: delete each subject's rows from raw events, the quarantine and every model
   table that has the subject's column (found in system.tables);
3. rebuild: run the daily models over the days the subjects had events, and the
   current-state models, so counts, sessions and scores no longer include them (one dbt
   invocation for all subjects: a request of many users costs one rebuild);
4. close: count each subject's rows everywhere again; zero completes its request,
   anything else fails it.

Deleting from the model tables directly (not only rebuilding them) is what makes the
result certain: an incremental rebuild replaces the day partitions it produces rows for,
and a day on which only the erased subject was active produces none.
"""

# No `from __future__ import annotations`: Dagster reads config and resource types from the annotations.

import contextlib
import shutil
import uuid
from collections.abc import Iterator

from dagster import Config, Failure, MetadataValue, OpExecutionContext, Out, job, op

from orchestration.defs.dbt.assets import load_manifest
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.resource import TrackerDbtCliResource
from orchestration.defs.dbt.selection import ModelSets, model_sets
from orchestration.defs.jobs import erasure
from orchestration.defs.jobs.deletion_requests import DeletionRequest, open_request, save, validate_subject
from orchestration.defs.warehouse import RAW_DATABASE, WAREHOUSE_POOL
from saas_tracker.clickhouse import get_client
from saas_tracker.control import store
from saas_tracker.dbt import range_env

RAW_TABLES = (f"{RAW_DATABASE}.events", f"{RAW_DATABASE}.events_quarantine")


class DeletionRequestConfig(Config):
    """The company, and the users (user_hash) and organizations (customer_org_id) to erase."""

    company_id: str
    user_hashes: list[str] = []
    customer_org_ids: list[str] = []
    requested_by: str = "operator"


def _where(request: DeletionRequest) -> tuple[str, dict]:
    # The column name comes from a fixed mapping (deletion_requests.SUBJECT_COLUMNS).
    return (
        f"company_id = {{company:UUID}} AND {request.column} = {{subject:String}}",
        {"company": request.company_id, "subject": request.subject},
    )


@contextlib.contextmanager
def _failing(requests: list[DeletionRequest], step: str) -> Iterator[None]:
    """Record a failed step on the requests before the run fails."""
    try:
        yield
    except Exception as error:
        for request in requests:
            save(request, status="failed", message=f"{step} failed: {error}"[:2000])
        raise


@op(pool=WAREHOUSE_POOL, out=Out(list[DeletionRequest]))
def open_deletion_requests(context: OpExecutionContext, config: DeletionRequestConfig) -> list[DeletionRequest]:
    subjects = [("user", s) for s in config.user_hashes] + [("organization", s) for s in config.customer_org_ids]
    if not subjects:
        raise Failure("nothing to delete: give user_hashes and/or customer_org_ids")
    for subject_type, subject in subjects:  # all valid before anything is recorded
        validate_subject(subject_type, subject)
    company_id = uuid.UUID(config.company_id)
    requests = [
        open_request(company_id, kind, subject, config.requested_by, context.run_id) for kind, subject in subjects
    ]
    context.log.info(f"deletion requests {[str(r.request_id) for r in requests]} for company {company_id}")
    return requests


def _erase(request: DeletionRequest) -> DeletionRequest:
    where, parameters = _where(request)
    first_day, last_day = get_client().query(
        f"SELECT min(toDate(ts)), max(toDate(ts)) FROM {RAW_DATABASE}.events WHERE {where} HAVING count() > 0",
        parameters=parameters,
    ).first_row or (None, None)
    raw_rows = sum(erasure.delete(table, where, parameters) for table in RAW_TABLES)
    cleared = []
    for table in erasure.model_tables(request.column):
        deleted = erasure.delete(table.qualified, where, parameters)
        if deleted:
            cleared.append(f"{table.qualified}:{deleted}")
    return save(request, raw_rows_deleted=raw_rows, first_day=first_day, last_day=last_day, tables_cleared=cleared)


@op(pool=WAREHOUSE_POOL, out=Out(list[DeletionRequest]))
def erase_subjects(context: OpExecutionContext, requests: list[DeletionRequest]) -> list[DeletionRequest]:
    with _failing(requests, "erase"):
        erased = [_erase(request) for request in requests]
    for request in erased:
        context.log.info(
            f"{request.subject_type}: {request.raw_rows_deleted} raw rows, models {request.tables_cleared}"
        )
    return erased


@op(pool=WAREHOUSE_POOL, out=Out(list[DeletionRequest]))
def rebuild_affected_days(
    context: OpExecutionContext, requests: list[DeletionRequest], dbt: TrackerDbtCliResource
) -> list[DeletionRequest]:
    with _failing(requests, "rebuild"):
        sets = model_sets(load_manifest(dbt_project()))
        firsts = [r.first_day for r in requests if r.first_day is not None]
        lasts = [r.last_day for r in requests if r.last_day is not None]
        # One range from the earliest to the latest affected day: one invocation, and the
        # days between are rebuilt to the same rows they have.
        days = range_env(min(firsts), max(lasts)) if firsts else {}
        models = sets.daily + sets.current if firsts else sets.current
        context.log.info(f"rebuilding {min(firsts)}..{max(lasts)}" if firsts else "rebuilding current-state models")
        # One --select value (dagster-dbt reads a single token after the flag; dbt splits it).
        invocation = dbt.cli(["run", "--select", ModelSets.select(models)], env=days, raise_on_error=True)
        try:
            invocation.wait()
        finally:
            shutil.rmtree(invocation.target_path, ignore_errors=True)
    return requests


@op(out=Out(list[DeletionRequest]))
def close_deletion_requests(context: OpExecutionContext, requests: list[DeletionRequest]) -> list[DeletionRequest]:
    closed, problems = [], {}
    for request in requests:
        with _failing([request], "verification"):
            where, parameters = _where(request)
            tables = [*RAW_TABLES, *(t.qualified for t in erasure.model_tables(request.column))]
            left = {table: n for table in tables if (n := erasure.count(table, where, parameters))}
        if left:
            save(request, status="failed", rows_remaining=sum(left.values()), message=f"rows remain: {left}")
            problems[str(request.request_id)] = left
        else:
            closed.append(save(request, status="completed", completed_at=store.utcnow()))
    if problems:
        raise Failure(
            f"rows of erased subjects remain: {problems}", metadata={"remaining": MetadataValue.json(problems)}
        )
    context.add_output_metadata(
        {
            "requests": MetadataValue.json([str(r.request_id) for r in closed]),
            "raw_rows_deleted": sum(r.raw_rows_deleted for r in closed),
        }
    )
    return closed


@job(description="Delete every event of some users or organizations, rebuild the affected days, record completion.")
def deletion_request():
    close_deletion_requests(rebuild_affected_days(erase_subjects(open_deletion_requests())))
