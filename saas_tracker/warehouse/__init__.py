"""The embedded ClickHouse: chDB owned by one process, served over ClickHouse's HTTP interface.

chDB allows one process per data directory, so this process owns it and every
other process (collector, dbt, Dagster, analysts) is an ordinary HTTP client.
"""
