"""Periodic jobs that enqueue background tasks."""
