"""SaaS Tracker: a self-hosted usage-analytics warehouse for B2B SaaS products."""

__version__ = "0.1.0"
