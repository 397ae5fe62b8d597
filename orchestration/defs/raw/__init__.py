"""Upstream of the models: the collector, the raw events table and its quarantine."""
