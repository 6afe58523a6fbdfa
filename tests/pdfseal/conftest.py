"""Fixtures for the PDF sealing tests (helpers live in ``pdfseal_helpers``)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from pgserver import database_url, postgres_server  # noqa: E402, F401  (fixtures)
