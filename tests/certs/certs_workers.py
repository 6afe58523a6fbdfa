"""Worker processes for the concurrent-ingest test."""

from __future__ import annotations

import random
from typing import Any

from esealkit.certs.model import Licence
from esealkit.store.db import open_database
from esealkit.store.licences import LicenceLibrary


def ingest_worker(url: str, licences: list[Licence], seed: int, barrier: Any, results: Any) -> None:
    """Ingest ``licences`` in an order of its own, once every worker is ready."""
    licences = list(licences)
    random.Random(seed).shuffle(licences)
    library = LicenceLibrary(open_database(url))
    barrier.wait(timeout=120)
    try:
        result = library.ingest(licences, actor=f"worker-{seed}")
        results.put((seed, list(result.added), len(result.unchanged), len(result.conflicts), ""))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put((seed, [], 0, 0, f"{type(exc).__name__}: {exc}"))
    finally:
        library.database.dispose()
