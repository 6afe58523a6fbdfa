"""Fixtures for the PDF sealing tests (helpers live in ``pdfseal_helpers``; ``pki`` and
``database_url`` come from the root conftest)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
