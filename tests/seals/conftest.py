"""Fixtures for the seal tests (the helpers live in ``seal_helpers``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from seal_helpers import CORPUS, KINDS, SealPKI, seal_pki  # noqa: E402


@pytest.fixture(scope="session", params=KINDS)
def kind_pki(request: pytest.FixtureRequest) -> SealPKI:
    return seal_pki(str(request.param))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS
