"""The seal store (印章库): e-seals persisted with their status (active, suspended, revoked).

Tables are prefixed ``seal_``.  A store is what verification consults for a seal's status
at the signing time (the ``store=`` of :func:`esealkit.seals.verify_seal_signature`, the
``seal_store`` of :class:`esealkit.engine.Verifier`).

Example::

    from datetime import UTC, datetime
    from esealkit.store import open_database
    from esealkit.store.seals import SealStore

    store = SealStore(open_database())          # creates the seal_ tables if missing
    store.add(open("Seal.esl", "rb").read())
    store.revoke("33010600000001", at=datetime(2026, 9, 1, tzinfo=UTC), reason="key lost")
    store.status("33010600000001", datetime(2026, 8, 1, tzinfo=UTC))   # 'active'
    store.status("33010600000001", datetime(2026, 10, 1, tzinfo=UTC))  # 'revoked'
    store.find_by_signer(cert_der)              # the seals that list this certificate

Status is a history of events, each effective from its time: a seal revoked on 1 September
was still active for a signature made in August.  Revocation is final; a suspended seal can
be made active again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from esealkit.crypto import UnsupportedAlgorithm, digest, digest_name
from esealkit.errors import StoreError
from esealkit.seals import Seal, parse_seal, seal_owner
from esealkit.store.db import Base, Database, open_database

__all__ = [
    "STATUSES",
    "SealRow",
    "SealSignerRow",
    "SealStatusEventRow",
    "SealStore",
    "StatusEvent",
    "StoredSeal",
]

STATUSES = ("active", "suspended", "revoked")
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only


class SealRow(Base):
    __tablename__ = "seal_seals"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    es_id: Mapped[str] = mapped_column(String(128), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    vendor_id: Mapped[str] = mapped_column(String(256))
    type: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(512), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(512), index=True, nullable=True)
    owner_uscc: Mapped[str | None] = mapped_column(String(18), index=True, nullable=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    maker_sha256: Mapped[str] = mapped_column(String(64), index=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), index=True)  # the latest event's status
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SealSignerRow(Base):
    """One certificate (by digest) a seal lists: the index for look-ups by signer."""

    __tablename__ = "seal_signers"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    seal_id: Mapped[int] = mapped_column(_BIG_ID, ForeignKey("seal_seals.id", ondelete="CASCADE"), index=True)
    digest_type: Mapped[str] = mapped_column(String(16))  # "sha256" for listed certificates
    digest: Mapped[str] = mapped_column(String(128), index=True)  # hexadecimal


class SealStatusEventRow(Base):
    __tablename__ = "seal_status_events"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    seal_id: Mapped[int] = mapped_column(_BIG_ID, ForeignKey("seal_seals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    effective: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class StatusEvent:
    """One change of a seal's status, effective from ``effective``."""

    status: str
    effective: datetime
    reason: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class StoredSeal:
    """A seal in the store with its current status (the latest event's)."""

    es_id: str
    version: int
    vendor_id: str
    type: int
    name: str
    owner_name: str | None
    owner_uscc: str | None
    valid_from: datetime
    valid_to: datetime
    maker_sha256: str
    status: str
    status_since: datetime
    status_reason: str | None
    der: bytes

    @property
    def seal(self) -> Seal:
        return parse_seal(self.der)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime | None, what: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")
    return value.astimezone(UTC)


def _signer_digests(seal: Seal) -> list[tuple[str, str]]:
    out = [("sha256", hashlib.sha256(c).hexdigest()) for c in seal.signer_certs]
    for entry in seal.signer_cert_digests:
        try:
            name = digest_name(entry.type)
        except UnsupportedAlgorithm:
            name = entry.type.lower()[:16]
        out.append((name, entry.value.hex()))
    return out


class SealStore:
    """Seals and their status in a database (SQLite or PostgreSQL); see the module docstring.

    ``create=True`` (the default) creates the schema's missing tables.  A store can be
    pickled (for worker processes): it reopens the database from its URL.
    """

    def __init__(self, db: Database | str | None = None, *, create: bool = True) -> None:
        self.db = db if isinstance(db, Database) else open_database(db)
        if create:
            self.db.create_all()

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.db.engine.url.render_as_string(hide_password=False)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.db = open_database(state["url"])

    # --- writing -----------------------------------------------------------------

    def add(self, seal: Seal | bytes, *, at: datetime | None = None, replace: bool = False) -> StoredSeal:
        """Store a seal as active from ``at`` (default: its validFrom).

        A seal whose es_id is already stored raises :class:`StoreError`, unless it is the
        same seal (then nothing changes) or ``replace`` is given (the seal's DER and
        fields are replaced; its status history is kept).
        """
        if not isinstance(seal, Seal):
            seal = parse_seal(bytes(seal))
        owner = seal_owner(seal)
        now = datetime.now(UTC)
        fields = dict(
            version=seal.version, vendor_id=seal.vendor_id, type=seal.type, name=seal.name,
            owner_name=owner.name if owner else None, owner_uscc=owner.uscc if owner else None,
            valid_from=seal.valid_from.astimezone(UTC), valid_to=seal.valid_to.astimezone(UTC),
            maker_sha256=hashlib.sha256(seal.maker_cert).hexdigest(), der=seal.der,
        )
        with self.db.session() as session:
            row = session.scalar(select(SealRow).where(SealRow.es_id == seal.es_id))
            if row is not None:
                if row.der == seal.der:
                    return self._stored(session, row)
                if not replace:
                    raise StoreError(f"a different seal with es_id {seal.es_id!r} is already stored")
                for key, value in fields.items():
                    setattr(row, key, value)
                for signer in session.scalars(select(SealSignerRow).where(SealSignerRow.seal_id == row.id)):
                    session.delete(signer)
            else:
                row = SealRow(es_id=seal.es_id, status="active", recorded_at=now, **fields)
                session.add(row)
                session.flush()
                session.add(SealStatusEventRow(seal_id=row.id, status="active",
                                               effective=_utc(at, "at") if at else seal.valid_from.astimezone(UTC),
                                               reason="registered", recorded_at=now))
            for digest_type, value in _signer_digests(seal):
                session.add(SealSignerRow(seal_id=row.id, digest_type=digest_type, digest=value))
            session.flush()
            return self._stored(session, row)

    def set_status(self, es_id: str, status: str, *, at: datetime | None = None,
                   reason: str | None = None) -> StoredSeal:
        """Record a status change effective from ``at`` (default now).

        ``ValueError`` for an unknown status, a change after revocation or before the
        latest recorded change; :class:`StoreError` for an unknown seal.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        effective = _utc(at, "at")
        with self.db.session() as session:
            row = self._row(session, es_id)
            latest = self._events(session, row.id)[-1:]
            if latest and latest[0].status == "revoked":
                raise ValueError(f"seal {es_id!r} was revoked on {_aware(latest[0].effective).isoformat()}; "
                                 "revocation is final")
            if latest and effective < _aware(latest[0].effective):
                raise ValueError(f"seal {es_id!r} already has a status change effective "
                                 f"{_aware(latest[0].effective).isoformat()}, after {effective.isoformat()}")
            session.add(SealStatusEventRow(seal_id=row.id, status=status, effective=effective, reason=reason,
                                           recorded_at=datetime.now(UTC)))
            row.status = status
            session.flush()
            return self._stored(session, row)

    def revoke(self, es_id: str, *, reason: str, at: datetime | None = None) -> StoredSeal:
        """Revoke a seal (吊销) from ``at`` (default now), for ``reason``."""
        return self.set_status(es_id, "revoked", at=at, reason=reason)

    def suspend(self, es_id: str, *, reason: str, at: datetime | None = None) -> StoredSeal:
        """Suspend a seal (挂起) from ``at`` (default now)."""
        return self.set_status(es_id, "suspended", at=at, reason=reason)

    def reactivate(self, es_id: str, *, reason: str | None = None, at: datetime | None = None) -> StoredSeal:
        """Make a suspended seal active again (解挂) from ``at`` (default now)."""
        return self.set_status(es_id, "active", at=at, reason=reason)

    # --- reading -----------------------------------------------------------------

    def get(self, es_id: str) -> StoredSeal | None:
        with self.db.session() as session:
            row = session.scalar(select(SealRow).where(SealRow.es_id == es_id))
            return None if row is None else self._stored(session, row)

    def find_by_signer(self, cert_der: bytes) -> list[StoredSeal]:
        """The seals that list this certificate (or its digest), ordered by es_id."""
        candidates = {("sha256", hashlib.sha256(cert_der).hexdigest())}
        for name in ("sm3", "sha1", "sha384", "sha512"):
            try:
                candidates.add((name, digest(name, cert_der).hex()))
            except UnsupportedAlgorithm:
                continue
        values = sorted({value for _, value in candidates})
        with self.db.session() as session:
            rows = session.execute(
                select(SealRow, SealSignerRow.digest_type, SealSignerRow.digest)
                .join(SealSignerRow, SealSignerRow.seal_id == SealRow.id)
                .where(SealSignerRow.digest.in_(values))
                .order_by(SealRow.es_id)
            ).all()
            seen: dict[str, StoredSeal] = {}
            for row, digest_type, value in rows:
                if (digest_type, value) in candidates and row.es_id not in seen:
                    seen[row.es_id] = self._stored(session, row)
            return list(seen.values())

    def seals(self, *, status: str | None = None, owner: str | None = None) -> list[StoredSeal]:
        """Stored seals, ordered by es_id, optionally with this current status or owner name."""
        query = select(SealRow).order_by(SealRow.es_id)
        if status is not None:
            query = query.where(SealRow.status == status)
        if owner is not None:
            query = query.where(SealRow.owner_name == owner)
        with self.db.session() as session:
            return [self._stored(session, row) for row in session.scalars(query)]

    def history(self, es_id: str) -> list[StatusEvent]:
        """The seal's status events in order; :class:`StoreError` for an unknown seal."""
        with self.db.session() as session:
            row = self._row(session, es_id)
            return [StatusEvent(e.status, _aware(e.effective), e.reason, _aware(e.recorded_at))
                    for e in self._events(session, row.id)]

    def status(self, es_id: str, at: datetime) -> str | None:
        """The seal's status at ``at`` (``None`` for a seal the store does not know): the
        status of the latest event effective at or before ``at``; "active" before the first."""
        when = _utc(at, "at")
        with self.db.session() as session:
            row = session.scalar(select(SealRow).where(SealRow.es_id == es_id))
            if row is None:
                return None
            status = "active"
            for event in self._events(session, row.id):
                if _aware(event.effective) <= when:
                    status = event.status
            return status

    # --- helpers -----------------------------------------------------------------

    @staticmethod
    def _row(session: Session, es_id: str) -> SealRow:
        row = session.scalar(select(SealRow).where(SealRow.es_id == es_id))
        if row is None:
            raise StoreError(f"no seal with es_id {es_id!r} in the store")
        return row

    @staticmethod
    def _events(session: Session, seal_id: int) -> list[SealStatusEventRow]:
        return list(session.scalars(select(SealStatusEventRow).where(SealStatusEventRow.seal_id == seal_id)
                                    .order_by(SealStatusEventRow.effective, SealStatusEventRow.id)))

    def _stored(self, session: Session, row: SealRow) -> StoredSeal:
        events = self._events(session, row.id)
        last = events[-1] if events else None
        return StoredSeal(
            es_id=row.es_id, version=row.version, vendor_id=row.vendor_id, type=row.type, name=row.name,
            owner_name=row.owner_name, owner_uscc=row.owner_uscc, valid_from=_aware(row.valid_from),
            valid_to=_aware(row.valid_to), maker_sha256=row.maker_sha256, status=row.status,
            status_since=_aware(last.effective) if last else _aware(row.recorded_at),
            status_reason=last.reason if last else None, der=bytes(row.der),
        )
