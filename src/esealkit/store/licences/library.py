"""The :class:`LicenceLibrary`: ingest, look up, revoke, supersede, record usage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from esealkit.certs.identifiers import parse_licence_id
from esealkit.certs.licence_io import read_licences
from esealkit.certs.model import Licence, LicenceStatus
from esealkit.errors import StoreError
from esealkit.store.db import Database, open_database
from esealkit.store.licences.records import (
    HistoryEntry,
    IngestResult,
    LicenceNotFound,
    LicenceRecord,
    UsageEvent,
)
from esealkit.store.licences.tables import (
    DATA_COLUMNS,
    LicenceHistoryRow,
    LicenceRow,
    LicenceUsageRow,
    aware,
    history_row,
    licence_from_row,
    licence_row,
    same_data,
)

__all__ = ["LicenceLibrary"]

_T = TypeVar("_T")
_CHUNK = 500
_RETRIES = 30


def _record(row: LicenceRow) -> LicenceRecord:
    return LicenceRecord(
        licence_from_row(row), row.superseded_by, aware(row.recorded_at), aware(row.updated_at)
    )


def _transient(exc: BaseException) -> bool:
    cause = exc.__cause__
    if isinstance(cause, OperationalError) and ("locked" in str(cause) or "busy" in str(cause)):
        return True
    if isinstance(cause, DBAPIError):
        return getattr(cause.orig, "sqlstate", None) in (
            "40001",
            "40P01",
        )  # serialization, deadlock
    return False


class LicenceLibrary:
    """The licence library on one :class:`~esealkit.store.db.Database`."""

    def __init__(
        self, database: Database, *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.database = database
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @classmethod
    def open(cls, url: str | None = None) -> LicenceLibrary:
        """Open the database at ``url`` (default: ./esealkit.db) and create missing tables."""
        database = open_database(url)
        database.create_all()
        return cls(database)

    def _run(self, work: Callable[[Session], _T]) -> _T:
        for attempt in range(_RETRIES):
            try:
                with self.database.session() as session:
                    return work(session)
            except StoreError as exc:
                if (
                    isinstance(exc, LicenceNotFound)
                    or not _transient(exc)
                    or attempt == _RETRIES - 1
                ):
                    raise
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    # --- ingest -----------------------------------------------------------------------

    def add(self, licence: Licence, *, actor: str | None = None) -> IngestResult:
        """Ingest one licence (see :meth:`ingest`)."""
        return self.ingest([licence], actor=actor)

    def ingest(self, licences: Iterable[Licence], *, actor: str | None = None) -> IngestResult:
        """Add the licences the library does not hold yet; idempotent by identifier.

        Works in transactions of a few hundred licences; each one is all-or-nothing.
        """
        result = IngestResult()
        chunk: list[Licence] = []
        for licence in licences:
            chunk.append(licence)
            if len(chunk) == _CHUNK:
                result += self._ingest_chunk(chunk, actor)
                chunk = []
        if chunk:
            result += self._ingest_chunk(chunk, actor)
        return result

    def import_file(
        self, path: str | Path, *, strict: bool = True, actor: str | None = None
    ) -> IngestResult:
        """Ingest a ``.json``, ``.jsonl`` or ``.csv`` file (:mod:`esealkit.certs.licence_io`).

        The whole file is validated before anything is written.
        """
        return self.ingest(list(read_licences(path, strict=strict)), actor=actor)

    def _ingest_chunk(self, chunk: Sequence[Licence], actor: str | None) -> IngestResult:
        first: dict[str, Licence] = {}
        repeated: list[Licence] = []
        for licence in chunk:
            if licence.id in first:
                repeated.append(licence)
            else:
                first[licence.id] = licence
        # One order for every process, so that concurrent PostgreSQL inserts never deadlock.
        ordered = [first[key] for key in sorted(first)]

        def work(session: Session) -> IngestResult:
            now = self._clock()
            rows = [licence_row(licence, now) for licence in ordered]
            dialect = session.get_bind().dialect.name
            maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
            # Core executemany ("insertmanyvalues"): one cached statement, rows sent in batches.
            statement = (
                maker(LicenceRow)
                .on_conflict_do_nothing(index_elements=["identifier"])
                .returning(LicenceRow.identifier)
            )
            connection = session.connection()
            added = set(connection.execute(statement, rows).scalars())
            if added:
                connection.execute(
                    insert(LicenceHistoryRow),
                    [
                        history_row(
                            licence.id, now, "ingested", {"licence": licence.to_dict()}, actor
                        )
                        for licence in ordered
                        if licence.id in added
                    ],
                )
            others = [licence for licence in ordered if licence.id not in added] + repeated
            held: dict[str, Any] = {}
            if others:
                columns = [getattr(LicenceRow, name) for name in DATA_COLUMNS]
                query = select(LicenceRow.identifier, LicenceRow.fields, *columns).where(
                    LicenceRow.identifier.in_({lic.id for lic in others})
                )
                held = {row.identifier: row for row in connection.execute(query)}
            # The library's status changes only through revoke/supersede: not a conflict.
            same = [same_data(held[lic.id], lic) for lic in others]
            return IngestResult(
                tuple(lic.id for lic in ordered if lic.id in added),
                tuple(lic.id for lic, ok in zip(others, same, strict=True) if ok),
                tuple(lic.id for lic, ok in zip(others, same, strict=True) if not ok),
            )

        return self._run(work)

    # --- look-up ----------------------------------------------------------------------

    def get(self, identifier: str) -> LicenceRecord | None:
        """The licence with ``identifier``, or None."""

        def work(session: Session) -> LicenceRecord | None:
            row = session.get(LicenceRow, identifier)
            return None if row is None else _record(row)

        return self._run(work)

    def require(self, identifier: str) -> LicenceRecord:
        """The licence with ``identifier``; :class:`LicenceNotFound` if the library lacks it."""
        record = self.get(identifier)
        if record is None:
            raise LicenceNotFound(f"the licence library holds no licence {identifier!r}")
        return record

    def find(
        self,
        *,
        holder_id: str | None = None,
        holder_name: str | None = None,
        type_code: str | None = None,
        issuer_code: str | None = None,
        status: LicenceStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[LicenceRecord]:
        """Licences matching every criterion given (exact matches), by identifier."""
        query = select(LicenceRow).order_by(LicenceRow.identifier).limit(limit).offset(offset)
        for column, value in (
            (LicenceRow.holder_id_number, holder_id),
            (LicenceRow.holder_name, holder_name),
            (LicenceRow.type_code, type_code),
            (LicenceRow.issuer_code, issuer_code),
            (LicenceRow.status, None if status is None else LicenceStatus(status).value),
        ):
            if value is not None:
                query = query.where(column == value)
        return self._run(lambda session: [_record(row) for row in session.scalars(query)])

    def count(self, *, status: LicenceStatus | None = None) -> int:
        """How many licences the library holds (with ``status``, if given)."""
        query = select(func.count()).select_from(LicenceRow)
        if status is not None:
            query = query.where(LicenceRow.status == LicenceStatus(status).value)
        return self._run(lambda session: int(session.scalar(query) or 0))

    def history(self, identifier: str) -> list[HistoryEntry]:
        """Every change of the licence, oldest first."""
        query = select(LicenceHistoryRow).where(LicenceHistoryRow.identifier == identifier)
        rows = self._run(
            lambda session: list(session.scalars(query.order_by(LicenceHistoryRow.id)))
        )
        return [
            HistoryEntry(r.identifier, aware(r.at), r.action, json.loads(r.detail), r.actor)
            for r in rows
        ]

    # --- changes ----------------------------------------------------------------------

    def revoke(self, identifier: str, *, reason: str, actor: str | None = None) -> LicenceRecord:
        """Revoke (吊销/撤销) a valid licence; the reason goes into its history."""
        return self._change(identifier, LicenceStatus.REVOKED, "revoked", {"reason": reason}, actor)

    def cancel(self, identifier: str, *, reason: str, actor: str | None = None) -> LicenceRecord:
        """Cancel (注销) a valid licence, e.g. when its holder closes down."""
        return self._change(
            identifier, LicenceStatus.CANCELLED, "cancelled", {"reason": reason}, actor
        )

    def supersede(
        self, identifier: str, new: Licence, *, reason: str, actor: str | None = None
    ) -> LicenceRecord:
        """Replace a valid licence by a new one (换发/变更): the new one is added, the old one
        becomes superseded and points to it.  Returns the new licence's record.

        The new licence has the same type; with the same issuer and serial it must have a
        higher version (see :meth:`esealkit.certs.LicenceId.with_version`).
        """
        if new.status is not LicenceStatus.VALID:
            raise StoreError(f"the new licence {new.id!r} is {new.status.value}, not valid")

        def work(session: Session) -> LicenceRecord:
            old_row = session.get(LicenceRow, identifier)
            if old_row is None:
                raise LicenceNotFound(f"the licence library holds no licence {identifier!r}")
            old = parse_licence_id(identifier, strict=old_row.conforming)
            if new.type_code != old.type_code or new.id == identifier:
                raise StoreError(
                    f"{new.id!r} cannot supersede {identifier!r}: it must be another licence of its type"
                )
            same_line = (new.identifier.issuer_code, new.identifier.serial) == (
                old.issuer_code,
                old.serial,
            )
            if same_line and new.identifier.version <= old.version:
                raise StoreError(
                    f"{new.id!r} must have a version above {old.version} to supersede {identifier!r}"
                )
            if session.get(LicenceRow, new.id) is not None:
                raise StoreError(f"the licence library already holds {new.id!r}")
            now = self._clock()
            session.execute(insert(LicenceRow), [licence_row(new, now)])
            changed = session.execute(
                update(LicenceRow)
                .where(
                    LicenceRow.identifier == identifier,
                    LicenceRow.status == LicenceStatus.VALID.value,
                )
                .values(status=LicenceStatus.SUPERSEDED.value, superseded_by=new.id, updated_at=now)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise StoreError(
                    f"{identifier!r} is {old_row.status}, not valid: it cannot be superseded"
                )
            session.execute(
                insert(LicenceHistoryRow),
                [
                    history_row(
                        new.id,
                        now,
                        "ingested",
                        {"licence": new.to_dict(), "supersedes": identifier},
                        actor,
                    ),
                    history_row(
                        identifier, now, "superseded", {"by": new.id, "reason": reason}, actor
                    ),
                ],
            )
            row = session.get(LicenceRow, new.id)
            assert row is not None
            return _record(row)

        return self._run(work)

    def _change(
        self,
        identifier: str,
        status: LicenceStatus,
        action: str,
        detail: dict[str, Any],
        actor: str | None,
    ) -> LicenceRecord:
        def work(session: Session) -> LicenceRecord:
            now = self._clock()
            changed = session.execute(
                update(LicenceRow)
                .where(
                    LicenceRow.identifier == identifier,
                    LicenceRow.status == LicenceStatus.VALID.value,
                )
                .values(status=status.value, updated_at=now)
            )
            row = session.get(LicenceRow, identifier)
            if row is None:
                raise LicenceNotFound(f"the licence library holds no licence {identifier!r}")
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise StoreError(
                    f"{identifier!r} is {row.status}, not valid: it cannot be {action}"
                )
            session.execute(
                insert(LicenceHistoryRow), [history_row(identifier, now, action, detail, actor)]
            )
            session.refresh(row)
            return _record(row)

        return self._run(work)

    # --- usage ------------------------------------------------------------------------

    def record_usage(
        self, identifier: str, *, matter_code: str, used_by: str | None = None, note: str = ""
    ) -> UsageEvent:
        """Record that a matter used the licence now (for the registry's KPIs)."""

        def work(session: Session) -> UsageEvent:
            if session.get(LicenceRow, identifier) is None:
                raise LicenceNotFound(f"the licence library holds no licence {identifier!r}")
            event = UsageEvent(identifier, matter_code, self._clock(), used_by, note)
            session.execute(insert(LicenceUsageRow), [dataclasses.asdict(event)])
            return event

        return self._run(work)

    def usage(
        self,
        *,
        identifier: str | None = None,
        matter_code: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[UsageEvent]:
        """Usage events matching every criterion given (``since`` ≤ used_at < ``until``), oldest first."""
        query = select(LicenceUsageRow).order_by(LicenceUsageRow.used_at, LicenceUsageRow.id)
        if identifier is not None:
            query = query.where(LicenceUsageRow.identifier == identifier)
        if matter_code is not None:
            query = query.where(LicenceUsageRow.matter_code == matter_code)
        if since is not None:
            query = query.where(LicenceUsageRow.used_at >= since)
        if until is not None:
            query = query.where(LicenceUsageRow.used_at < until)
        rows = self._run(lambda session: list(session.scalars(query)))
        return [
            UsageEvent(r.identifier, r.matter_code, aware(r.used_at), r.used_by, r.note)
            for r in rows
        ]

    def usage_by_matter(self) -> dict[str, int]:
        """How many times each matter used a licence."""
        query = select(LicenceUsageRow.matter_code, func.count()).group_by(
            LicenceUsageRow.matter_code
        )
        return self._run(lambda session: {code: int(n) for code, n in session.execute(query)})
