"""The GX data context: ephemeral (in memory), analytics off, no progress bars.

GX 1.x sends usage analytics unless told not to; GX_ANALYTICS_ENABLED is set before
great_expectations is imported, and the context's own config says the same.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def gx_context() -> Any:
    """One ephemeral context per process; creating one costs about a second."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def dataframe_batch_definition(name: str) -> Any:
    """A whole-dataframe batch definition named after the mart (created once)."""
    context = gx_context()
    with _lock:
        try:
            source = context.data_sources.get("clickhouse")
        except (KeyError, ValueError):
            source = context.data_sources.add_pandas(name="clickhouse")
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name=name)
        try:
            return asset.get_batch_definition("whole")
        except (KeyError, LookupError, ValueError):
            return asset.add_batch_definition_whole_dataframe("whole")
