"""The licence library (电子证照库): e-licences, their history and their usage, in SQL.

::

    from esealkit.store.licences import LicenceLibrary

    library = LicenceLibrary.open("sqlite:///licences.db")   # or postgresql+psycopg://…
    result = library.ingest(licences)          # idempotent by identifier
    library.import_file("licences.csv")        # .json / .jsonl / .csv
    record = library.get("1.2.156.3005.2.…")
    library.revoke(record.identifier, reason="吊销: 违法经营")
    library.supersede(record.identifier, newer_licence, reason="变更: 名称")
    library.record_usage(record.identifier, matter_code="330100-001-01", used_by="某局")
    library.history(record.identifier)

Tables (prefix ``licence_``): ``licence_records`` (one row per identifier, the current
state), ``licence_history`` (one row per change: ingested, revoked, cancelled, superseded)
and ``licence_usage`` (which matter used which licence, when).  Several processes may
ingest into one library at once: rows are inserted with ``INSERT … ON CONFLICT DO
NOTHING`` in identifier order, and transactions that lose a race for SQLite's write lock
or a PostgreSQL lock are retried.
"""

from esealkit.store.licences.library import LicenceLibrary
from esealkit.store.licences.records import (
    HistoryEntry,
    IngestResult,
    LicenceNotFound,
    LicenceRecord,
    UsageEvent,
)
from esealkit.store.licences.tables import LicenceHistoryRow, LicenceRow, LicenceUsageRow

__all__ = [
    "HistoryEntry",
    "IngestResult",
    "LicenceHistoryRow",
    "LicenceLibrary",
    "LicenceNotFound",
    "LicenceRecord",
    "LicenceRow",
    "LicenceUsageRow",
    "UsageEvent",
]
