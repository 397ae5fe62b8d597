"""Pieces of bench/ingest.py: the framework-floor app, a load generator, process setup."""
