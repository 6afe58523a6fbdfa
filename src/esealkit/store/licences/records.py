"""What the licence library returns: records, history entries, usage events, ingest results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from esealkit.certs.model import Licence, LicenceStatus
from esealkit.errors import StoreError

__all__ = ["HistoryEntry", "IngestResult", "LicenceNotFound", "LicenceRecord", "UsageEvent"]


class LicenceNotFound(StoreError):
    """The library holds no licence with that identifier."""


@dataclass(frozen=True)
class LicenceRecord:
    """A licence as the library holds it, with the library's own state."""

    licence: Licence
    superseded_by: str | None
    recorded_at: dt.datetime
    updated_at: dt.datetime

    @property
    def identifier(self) -> str:
        return self.licence.id

    @property
    def status(self) -> LicenceStatus:
        return self.licence.status

    def current_on(self, day: dt.date) -> bool:
        """Valid status and within the validity period on ``day``."""
        return self.status is LicenceStatus.VALID and self.licence.validity.covers(day)


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a licence: ``ingested``, ``revoked``, ``cancelled`` or ``superseded``."""

    identifier: str
    at: dt.datetime
    action: str
    detail: dict[str, Any]
    actor: str | None


@dataclass(frozen=True)
class UsageEvent:
    """A matter (政务服务事项) used a licence instead of asking for paper."""

    identifier: str
    matter_code: str
    used_at: dt.datetime
    used_by: str | None
    note: str


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did: new identifiers, ones already held unchanged, and conflicts
    (already held with different data: kept as they were, never overwritten)."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()

    def __add__(self, other: IngestResult) -> IngestResult:
        return IngestResult(
            self.added + other.added,
            self.unchanged + other.unchanged,
            self.conflicts + other.conflicts,
        )
