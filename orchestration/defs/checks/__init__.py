"""Asset checks beyond dbt's own tests: Great Expectations suites and reconciliations."""
