"""Say clearly, before the suite runs, whether the PostgreSQL half of the store suite runs.

Under CI=true an unreachable server fails the run instead of skipping tests."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from pg import ADMIN_URL, postgres_reachable

if postgres_reachable():
    print(f"PostgreSQL reachable at {ADMIN_URL}: store tests run on SQLite and PostgreSQL.")
elif os.environ.get("CI") == "true":
    print(f"PostgreSQL NOT reachable at {ADMIN_URL}; CI=true, so this fails the run.")
    sys.exit(1)
else:
    print(
        f"PostgreSQL NOT reachable at {ADMIN_URL}: PostgreSQL tests will be SKIPPED "
        "(set TREATYLEDGER_TEST_PG to another server's URL)."
    )
