"""Fixtures for the seal store tests: ``database_url`` (SQLite and a real PostgreSQL) and seals."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from pgserver import database_url, postgres_server  # noqa: E402, F401  (fixtures)
