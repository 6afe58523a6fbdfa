"""upsert_rows: idempotent bulk writes, the same on SQLite and real PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, select

from esealkit.store.db import open_database
from esealkit.store.upsert import upsert_rows

_METADATA = MetaData()
_ITEMS = Table(
    "test_upsert_items",
    _METADATA,
    Column("code", String(20), primary_key=True),
    Column("day", Date),
    Column("flag", Boolean),
    Column("extra", JSON),
)
_KEYS_ONLY = Table(
    "test_upsert_pairs",
    _METADATA,
    Column("a", String(5), primary_key=True),
    Column("b", Integer, primary_key=True),
)


def test_upsert_inserts_then_replaces(database_url: str) -> None:
    db = open_database(database_url)
    _METADATA.create_all(db.engine)
    rows = [
        {"code": f"C{n}", "day": date(2024, 1, 1 + n % 28), "flag": n % 2 == 0, "extra": ["甲", n]}
        for n in range(300)
    ]
    with db.session() as session:
        upsert_rows(session, _ITEMS, rows)
        upsert_rows(session, _KEYS_ONLY, [{"a": "x", "b": 1}, {"a": "x", "b": 2}])
    with db.session() as session:
        upsert_rows(
            session,
            _ITEMS,
            [{"code": "C1", "day": date(2030, 5, 6), "flag": True, "extra": {"k": "乙"}}],
        )
        upsert_rows(session, _KEYS_ONLY, [{"a": "x", "b": 2}, {"a": "y", "b": 2}])
    with db.session() as session:
        items = {r.code: r for r in session.execute(select(_ITEMS))}
        pairs = sorted(tuple(r) for r in session.execute(select(_KEYS_ONLY)))
    db.dispose()
    assert len(items) == 300
    assert (items["C1"].day, items["C1"].flag, items["C1"].extra) == (
        date(2030, 5, 6),
        True,
        {"k": "乙"},
    )
    assert (items["C2"].day, items["C2"].flag, items["C2"].extra) == (
        date(2024, 1, 3),
        True,
        ["甲", 2],
    )
    assert pairs == [("x", 1), ("x", 2), ("y", 2)]
