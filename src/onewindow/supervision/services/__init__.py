"""Writes of supervision, split by stage: figures, assessment, orders, open data."""
