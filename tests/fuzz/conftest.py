"""Fixtures for the fuzz tests: the OFD seal PKI (shared helpers from tests/ofd)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_OFD_TESTS = str(Path(__file__).resolve().parent.parent / "ofd")
if _OFD_TESTS not in sys.path:
    sys.path.insert(0, _OFD_TESTS)

from ofd_fixtures import OfdPKI, make_pki  # noqa: E402 - needs the folder on sys.path


@pytest.fixture(scope="session")
def fuzz_ofd_pki() -> OfdPKI:
    return make_pki()
