"""Downstream of the api_ models: the metrics API and the billing exports."""
