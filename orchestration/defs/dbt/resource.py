"""The dbt CLI resource, pointed at the warehouse the TRACKER_ settings name.

``dbt_project/profiles.yml`` reads only environment variables, derived from the
TRACKER_ settings by ``saas_tracker.dbt.dbt_env`` (the one place that knows the
mapping). dagster-dbt passes ``os.environ`` to each dbt subprocess, so ``cli`` sets
those variables for the moment it starts one, and restores them afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource

from orchestration.defs.dbt.environment import dbt_environment


class TrackerDbtCliResource(DbtCliResource):
    """``DbtCliResource`` whose invocations run against the configured warehouse."""

    def cli(self, args: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs: Any) -> DbtCliInvocation:
        """``dbt args`` in a subprocess whose environment also holds ``env``."""
        with dbt_environment(env):
            return super().cli(args, **kwargs)


def stream_and_clean(invocation: DbtCliInvocation) -> Iterator[Any]:
    """Dagster events of an invocation; its artifacts directory is removed afterwards.

    dagster-dbt gives every invocation its own target directory (a manifest, compiled SQL
    and logs: about 3 MB here) and never removes it; an hourly schedule would pile up
    gigabytes a year. Dagster has recorded what matters by the time the stream ends.
    """
    try:
        yield from invocation.stream()
    finally:
        shutil.rmtree(invocation.target_path, ignore_errors=True)
