"""Fixtures for e-licence tests: a real throwaway PostgreSQL server and ``database_url``."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
_TESTS_DIR = str(Path(__file__).resolve().parents[1])
for _path in (_HERE, _TESTS_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from pgserver import database_url, postgres_server  # noqa: E402, F401  (fixtures)
