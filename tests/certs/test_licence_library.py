"""The licence library on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from certs_factory import make_licence, make_licences
from certs_workers import ingest_worker
from sqlalchemy import func, select

from esealkit.certs.licence_io import read_licences, write_licences_csv, write_licences_json
from esealkit.certs.model import LicenceStatus
from esealkit.errors import MalformedInput, StoreError
from esealkit.store.licences import (
    LicenceHistoryRow,
    LicenceLibrary,
    LicenceNotFound,
    LicenceRow,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
def library(database_url: str) -> Iterator[LicenceLibrary]:
    opened = LicenceLibrary.open(database_url)
    opened._clock = Clock()
    yield opened
    opened.database.dispose()


def test_ingest_is_idempotent_by_identifier(library: LicenceLibrary) -> None:
    licences = make_licences(0, 20)
    first = library.ingest(licences)
    assert sorted(first.added) == sorted(lic.id for lic in licences)
    assert first.unchanged == first.conflicts == ()
    again = library.ingest(reversed(licences))
    assert again.added == () and again.conflicts == ()
    assert sorted(again.unchanged) == sorted(first.added)
    assert library.count() == 20
    for licence in licences:
        record = library.require(licence.id)
        assert record.licence == licence
        assert [entry.action for entry in library.history(licence.id)] == ["ingested"]


def test_conflicting_data_is_reported_and_not_overwritten(library: LicenceLibrary) -> None:
    original = make_licence(1)
    library.add(original)
    changed = make_licence(1, name="另一个人")
    result = library.add(changed)
    assert result.conflicts == (original.id,)
    assert library.require(original.id).licence.holder.name == original.holder.name


def test_duplicates_inside_one_batch(library: LicenceLibrary) -> None:
    licence = make_licence(3)
    result = library.ingest([licence, licence, make_licence(3, name="别人")])
    assert result.added == (licence.id,)
    assert result.unchanged == (licence.id,)
    assert result.conflicts == (licence.id,)


def test_lookups(library: LicenceLibrary) -> None:
    licences = make_licences(0, 30)
    library.ingest(licences)
    target = licences[7]
    assert [r.identifier for r in library.find(holder_id=target.holder.id_number)] == [target.id]
    assert [r.identifier for r in library.find(holder_name=target.holder.name)] == [target.id]
    by_type = library.find(type_code=target.type_code, limit=1000)
    assert sorted(r.identifier for r in by_type) == sorted(lic.id for lic in licences)
    assert len(library.find(issuer_code=target.issuer.code, limit=10)) == 10
    assert library.find(holder_id="nobody") == []
    assert library.get("1.2.156.3005.2.nothing") is None
    with pytest.raises(LicenceNotFound):
        library.require("1.2.156.3005.2.nothing")


def test_revoke_records_history_and_refuses_twice(library: LicenceLibrary) -> None:
    licence = make_licence(5)
    library.add(licence, actor="导入")
    record = library.revoke(licence.id, reason="吊销: 违法", actor="张科长")
    assert record.status is LicenceStatus.REVOKED
    assert library.find(status=LicenceStatus.REVOKED)[0].identifier == licence.id
    history = library.history(licence.id)
    assert [(h.action, h.actor) for h in history] == [("ingested", "导入"), ("revoked", "张科长")]
    assert history[1].detail == {"reason": "吊销: 违法"}
    assert history[0].at < history[1].at
    assert history[0].detail["licence"] == licence.to_dict()
    with pytest.raises(StoreError, match="revoked, not valid"):
        library.revoke(licence.id, reason="again")
    with pytest.raises(LicenceNotFound):
        library.revoke("1.2.156.3005.2.nothing", reason="x")
    # Re-importing the original export is not a conflict: status changes come from the library.
    assert library.add(licence).unchanged == (licence.id,)
    assert library.require(licence.id).status is LicenceStatus.REVOKED


def test_supersede_points_old_to_new(library: LicenceLibrary) -> None:
    old = make_licence(9)
    library.add(old)
    new = make_licence(9, name="改名后", version="002")
    record = library.supersede(old.id, new, reason="变更: 姓名")
    assert record.identifier == new.id and record.status is LicenceStatus.VALID
    old_record = library.require(old.id)
    assert old_record.status is LicenceStatus.SUPERSEDED
    assert old_record.superseded_by == new.id
    assert [h.action for h in library.history(old.id)] == ["ingested", "superseded"]
    assert library.history(old.id)[1].detail == {"by": new.id, "reason": "变更: 姓名"}
    assert library.history(new.id)[0].detail["supersedes"] == old.id
    with pytest.raises(StoreError, match="superseded, not valid"):
        library.supersede(old.id, make_licence(9, version="003"), reason="again")
    assert library.get(make_licence(9, version="003").id) is None  # rolled back


def test_supersede_refuses_older_versions_and_other_types(library: LicenceLibrary) -> None:
    old = make_licence(11, version="002")
    library.add(old)
    with pytest.raises(StoreError, match="version above 002"):
        library.supersede(old.id, make_licence(11, version="001"), reason="x")
    library.add(make_licence(12))
    with pytest.raises(StoreError, match="already holds"):
        library.supersede(old.id, make_licence(12), reason="x")
    assert library.require(old.id).status is LicenceStatus.VALID


def test_cancel(library: LicenceLibrary) -> None:
    licence = make_licence(13)
    library.add(licence)
    assert library.cancel(licence.id, reason="注销").status is LicenceStatus.CANCELLED
    assert library.count(status=LicenceStatus.CANCELLED) == 1


def test_usage_events(library: LicenceLibrary) -> None:
    first, second = make_licences(20, 22)
    library.ingest([first, second])
    library.record_usage(first.id, matter_code="M-001", used_by="市场监管局")
    library.record_usage(first.id, matter_code="M-002")
    library.record_usage(second.id, matter_code="M-001", note="免证办")
    events = library.usage(identifier=first.id)
    assert [e.matter_code for e in events] == ["M-001", "M-002"]
    assert events[0].used_by == "市场监管局" and events[0].used_at.tzinfo is not None
    assert [e.identifier for e in library.usage(matter_code="M-001")] == [first.id, second.id]
    assert library.usage(
        since=events[1].used_at, until=events[1].used_at + dt.timedelta(seconds=1)
    ) == [events[1]]
    assert library.usage_by_matter() == {"M-001": 2, "M-002": 1}
    with pytest.raises(LicenceNotFound):
        library.record_usage("1.2.156.3005.2.nothing", matter_code="M-001")


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
def test_import_file(library: LicenceLibrary, tmp_path: Path, suffix: str) -> None:
    licences = make_licences(100, 140)
    path = tmp_path / f"licences{suffix}"
    with path.open("w", encoding="utf-8", newline="") as stream:
        if suffix == ".csv":
            write_licences_csv(licences, stream)
        else:
            write_licences_json(licences, stream, lines=suffix == ".jsonl")
    assert list(read_licences(path)) == licences
    assert len(library.import_file(path).added) == 40
    assert len(library.import_file(path).unchanged) == 40
    assert library.require(licences[0].id).licence == licences[0]


def test_import_of_a_bad_file_names_the_row_and_writes_nothing(
    library: LicenceLibrary, tmp_path: Path
) -> None:
    licences = make_licences(0, 5)
    out = io.StringIO()
    write_licences_csv(licences, out)
    lines = out.getvalue().splitlines()
    lines[3] = lines[3].replace("330106", "990106", 1)  # row 4: the holder's ID number
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(MalformedInput, match=r"^row 4, holder\.id_number"):
        library.import_file(path)
    assert library.count() == 0
    path = tmp_path / "bad.json"
    data = [lic.to_dict() for lic in licences]
    del data[1]["number"]
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(MalformedInput, match=r"^item 2, number: missing"):
        library.import_file(path)


def test_tables_have_the_licence_prefix(library: LicenceLibrary) -> None:
    for table in (LicenceRow, LicenceHistoryRow):
        assert table.__tablename__.startswith("licence_")
    with library.database.session() as session:
        assert session.scalar(select(func.count()).select_from(LicenceRow)) == 0


TOTAL = 10_000
WORKERS = 4


@pytest.mark.slow
def test_concurrent_ingest_loses_and_duplicates_nothing(database_url: str) -> None:
    """4 processes ingest overlapping halves of 10,000 licences, in different orders."""
    import multiprocessing

    LicenceLibrary.open(database_url).database.dispose()  # the schema, made once
    licences = make_licences(0, TOTAL)
    # fork: the workers inherit the licences instead of rebuilding them after a slow start.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = []
    for worker in range(WORKERS):
        start = worker * TOTAL // WORKERS
        share = [licences[(start + offset) % TOTAL] for offset in range(TOTAL // 2)]
        process = context.Process(
            target=ingest_worker, args=(database_url, share, worker, barrier, results)
        )
        process.start()
        processes.append(process)
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert [error for *_, error in outcomes if error] == []
    added = [identifier for _, ids, *_ in outcomes for identifier in ids]
    assert len(added) == TOTAL == len(set(added))
    assert sum(unchanged for _, _, unchanged, _, _ in outcomes) == TOTAL  # every one twice
    assert sum(conflicts for *_, conflicts, _ in outcomes) == 0

    library = LicenceLibrary.open(database_url)
    try:
        assert library.count() == TOTAL
        with library.database.session() as session:
            rows = session.scalars(select(LicenceRow.identifier)).all()
            ingested = session.scalar(
                select(func.count())
                .select_from(LicenceHistoryRow)
                .where(LicenceHistoryRow.action == "ingested")
            )
        assert sorted(rows) == sorted(licence.id for licence in licences)
        assert ingested == TOTAL
    finally:
        library.database.dispose()
