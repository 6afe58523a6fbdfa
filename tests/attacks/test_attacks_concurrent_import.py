"""Registry imports from several processes at once: nothing lost, nothing duplicated,
no process fails (SQLite file and real PostgreSQL, through ``database_url``)."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "registry"))
from registry_files import write_small_city

from esealkit.store.db import open_database
from esealkit.store.registry import (
    RegistryIssuance,
    RegistryMatter,
    import_directory,
)

WORKERS = 4


def _import_worker(url: str, directory: str, barrier: Any, results: Any) -> None:
    db = open_database(url)
    try:
        barrier.wait(timeout=60)
        summary = import_directory(db, directory)
        results.put(("", dict(summary.counts)))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put((f"{type(exc).__name__}: {exc}", {}))
    finally:
        db.dispose()


@pytest.mark.slow
def test_concurrent_imports_of_one_city_lose_and_duplicate_nothing(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    db.create_all()
    db.dispose()
    city = write_small_city(tmp_path / "city")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [context.Process(target=_import_worker, args=(database_url, str(city), barrier, results))
                 for _ in range(WORKERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert [error for error, _ in outcomes if error] == []
    assert all(counts == outcomes[0][1] for _, counts in outcomes)
    db = open_database(database_url)
    try:
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(RegistryMatter)) == 6
            assert session.scalar(select(func.count()).select_from(RegistryIssuance)) == 5
    finally:
        db.dispose()
