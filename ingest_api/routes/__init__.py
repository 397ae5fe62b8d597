"""Every router of the collector, in the order they appear in the docs."""

from ingest_api.routes import events, health

routers = [events.router, health.router]
