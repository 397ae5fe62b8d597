"""Dagster definitions for SaaS Tracker (DESIGN.md section 2): the entry point is
``orchestration/definitions.py``; domains live under ``orchestration/defs/``."""
