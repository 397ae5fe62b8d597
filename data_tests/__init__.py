"""Great Expectations suites over the marts, one per mart (``data_tests/suites/``).

Dagster runs each suite as an asset check (``orchestration/defs/checks/gx.py``) on the
rows of the partitions a run rebuilt, read from ClickHouse with clickhouse-connect and
validated in memory by GX 1.x (an ephemeral context with a pandas data source: nothing
is written to disk and nothing goes over the network). Run one by hand with::

    python -m data_tests fct_sessions 2025-03-01 2025-03-07
"""
