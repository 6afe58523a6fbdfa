"""Fixtures for the OFD tests: an SM2 seal PKI made at test time (esealkit.testing)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from ofd_fixtures import OfdPKI, make_pki  # noqa: E402 - needs the folder on sys.path


@pytest.fixture(scope="session")
def ofd_pki() -> OfdPKI:
    return make_pki()
