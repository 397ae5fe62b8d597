"""The dbt project as Dagster assets: one cached DbtProject, three @dbt_assets sets."""
