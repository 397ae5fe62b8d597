"""Domains of the Dagster definitions; each exposes small factories that
``orchestration/definitions.py`` assembles into one ``Definitions``."""
