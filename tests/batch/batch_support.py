"""Helpers shared by the batch tests: a file that makes a worker crash or hang, and a
verifier trusting a generated corpus."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from esealkit.batch import BatchVerifier


def marker_file(folder: Path, name: str) -> tuple[Path, str]:
    """A file holding a unique marker: set it in CRASH_MARKER_ENV or HANG_MARKER_ENV and
    the worker verifying this file crashes or hangs."""
    marker = f"ESEALKIT-TEST-{uuid.uuid4().hex}"
    path = folder / name
    path.write_bytes(b"%PDF-1.7\n% " + marker.encode() + b"\n")
    return path, marker


def batch_for(corpus: Any, **kw: Any) -> BatchVerifier:
    return BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, **kw)
