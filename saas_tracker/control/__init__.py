"""The control plane: companies, members, applications and their ingest
credentials, plans and subscriptions, feature definitions, API keys and the
audit log (DESIGN.md section 1). State lives in ClickHouse (``tracker_control``),
see README.md in this folder for the tables and the dbt-facing views.

Each module is one entity; the CLI (``saas-tracker admin``) and the admin HTTP
router (``metrics_api.routes.admin``) call the same functions, so they refuse
the same inputs with the same messages (errors.py).
"""
