"""Settings for the test suite: demo routes on, a fixed secret, tasks run inline.

Environment defaults are set before the real settings read them; anything set explicitly in
the environment (DATABASE_URL for PostgreSQL, say) still wins.
"""

import os
import tempfile

# Demo files (mailbox, demo PKI, generated secret) go to a temporary folder, not ./var.
os.environ.setdefault("EBHXH_VAR_DIR", tempfile.mkdtemp(prefix="ebhxh-test-var-"))
os.environ.setdefault("EBHXH_DEMO", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from ebhxh.settings import *  # noqa: F403
