"""Idempotent bulk writes (批量写入): insert rows, replacing those with the same key.

SQLite uses ``INSERT ... ON CONFLICT DO UPDATE`` through executemany; PostgreSQL copies
the rows into a temporary table and upserts from it in one statement (three times faster
for 100,000 rows). Both run inside the caller's session, so a failure rolls back with it.

Example::

    from esealkit.store.upsert import upsert_rows

    with db.session() as session:
        upsert_rows(session, RegistryIssuance, [{"licence_id": "L1", ...}, ...])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

from esealkit.errors import StoreError
from esealkit.store.db import Base

__all__ = ["upsert_rows"]

_BATCH = 20_000


def upsert_rows(
    session: Session, model: type[Base] | Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows``, replacing the rows with the same primary key (idempotent import).

    ``rows`` must not repeat a key (the interchange parsers guarantee it for the registry).
    """
    if not rows:
        return
    table = model if isinstance(model, Table) else model.__table__
    assert isinstance(table, Table)
    if session.get_bind().dialect.name == "postgresql":
        _upsert_by_copy(session, table, rows)
        return
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    statement: Any = sqlite_insert(table)
    keys = [c.name for c in table.primary_key.columns]
    others = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    if others:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=others)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), _BATCH):
        session.execute(statement, list(rows[start : start + _BATCH]))


def _upsert_by_copy(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    # COPY into a temporary table, then one INSERT ... ON CONFLICT: about three times
    # faster than executemany for 100,000 rows. Names come from the schema, not from input.
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    target, staging = quote(table.name), quote(f"staging_{table.name}")
    listed = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
    on_conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    driver = session.connection().connection.driver_connection
    assert driver is not None
    import psycopg

    try:
        with driver.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {target}) ON COMMIT DROP")
            with cursor.copy(f"COPY {staging} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(row[c], ensure_ascii=False) if c in as_json else row[c]
                            for c in columns
                        ]
                    )
            cursor.execute(
                f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {staging} "
                f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {on_conflict}"
            )
            cursor.execute(f"DROP TABLE {staging}")
    except psycopg.Error as exc:
        raise StoreError(f"cannot store rows in {table.name}: {exc}") from exc
