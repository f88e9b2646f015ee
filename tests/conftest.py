"""Test-wide environment: demo mode on (mailbox routes), a fixed secret, tasks run inline."""

import os

os.environ.setdefault("EBHXH_DEMO", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
