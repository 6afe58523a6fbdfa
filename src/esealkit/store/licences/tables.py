"""Tables of the licence library (prefix ``licence_``) and the conversions to and from rows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from esealkit.certs.identifiers import parse_licence_id
from esealkit.certs.model import (
    DATA_COLUMNS,
    Holder,
    HolderKind,
    Issuer,
    Licence,
    LicenceStatus,
    Validity,
)
from esealkit.store.db import Base

__all__ = [
    "DATA_COLUMNS",
    "LicenceHistoryRow",
    "LicenceRow",
    "LicenceUsageRow",
    "aware",
    "history_row",
    "licence_from_row",
    "licence_row",
    "same_data",
]

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only


class LicenceRow(Base):
    __tablename__ = "licence_records"
    identifier: Mapped[str] = mapped_column(String(160), primary_key=True)
    type_code: Mapped[str] = mapped_column(String(21), index=True)
    type_name: Mapped[str] = mapped_column(String)
    number: Mapped[str] = mapped_column(String)
    holder_name: Mapped[str] = mapped_column(String, index=True)
    holder_kind: Mapped[str] = mapped_column(String(16))
    holder_id_type: Mapped[str] = mapped_column(String(3))
    holder_id_number: Mapped[str] = mapped_column(String, index=True)
    issuer_name: Mapped[str] = mapped_column(String)
    issuer_code: Mapped[str] = mapped_column(String(18), index=True)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[str] = mapped_column(Text)  # JSON object, in the licence's order
    conforming: Mapped[bool]
    superseded_by: Mapped[str | None] = mapped_column(
        String(160), ForeignKey("licence_records.identifier"), nullable=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LicenceHistoryRow(Base):
    __tablename__ = "licence_history"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(
        String(160), ForeignKey("licence_records.identifier"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)  # JSON object
    actor: Mapped[str | None] = mapped_column(String, nullable=True)


class LicenceUsageRow(Base):
    __tablename__ = "licence_usage"
    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(
        String(160), ForeignKey("licence_records.identifier"), index=True
    )
    matter_code: Mapped[str] = mapped_column(String(64), index=True)
    used_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_by: Mapped[str | None] = mapped_column(String, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


def aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def licence_row(licence: Licence, now: dt.datetime) -> dict[str, Any]:
    return {
        "identifier": licence.id,
        "type_code": licence.type_code,
        "type_name": licence.type_name,
        "number": licence.number,
        "holder_name": licence.holder.name,
        "holder_kind": licence.holder.kind.value,
        "holder_id_type": licence.holder.id_type,
        "holder_id_number": licence.holder.id_number,
        "issuer_name": licence.issuer.name,
        "issuer_code": licence.issuer.code,
        "issue_date": licence.issue_date,
        "valid_from": licence.validity.start,
        "valid_to": licence.validity.end,
        "status": licence.status.value,
        "fields": json.dumps(dict(licence.fields), ensure_ascii=False),
        "conforming": licence.identifier.conforming,
        "superseded_by": None,
        "recorded_at": now,
        "updated_at": now,
    }




def same_data(row: Any, licence: Licence) -> bool:
    """Whether a stored row (with :data:`DATA_COLUMNS` and ``fields``) holds ``licence``'s
    data; cheaper than rebuilding the licence from the row."""
    values = licence_row(licence, dt.datetime.min)
    return all(getattr(row, column) == values[column] for column in DATA_COLUMNS) and json.loads(
        row.fields
    ) == dict(licence.fields)


def licence_from_row(row: LicenceRow) -> Licence:
    return Licence(
        type_code=row.type_code,
        type_name=row.type_name,
        identifier=parse_licence_id(row.identifier, strict=row.conforming),
        number=row.number,
        holder=Holder(
            row.holder_name, HolderKind(row.holder_kind), row.holder_id_type, row.holder_id_number
        ),
        issuer=Issuer(row.issuer_name, row.issuer_code),
        issue_date=row.issue_date,
        validity=Validity(row.valid_from, row.valid_to),
        status=LicenceStatus(row.status),
        fields=json.loads(row.fields),
    )


def history_row(
    identifier: str, at: dt.datetime, action: str, detail: dict[str, Any], actor: str | None
) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "at": at,
        "action": action,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        "actor": actor,
    }
