"""Operator jobs: retention per plan, deletion requests, the quarantine alert."""
