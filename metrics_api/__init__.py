"""The metrics API: tenant-scoped analytics, billing exports and the admin API (DESIGN.md section 7).

``metrics_api.app:create_app`` builds the FastAPI application.
"""
