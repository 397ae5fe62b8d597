"""Schedules and sensors: when runs start."""
