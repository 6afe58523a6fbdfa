"""Verify a presented e-licence file (电子证照核验): the seal, the metadata, the library.

::

    report = verify_licence("licence.ofd", library=library, trust=Trust.load(["root.pem"]))
    bool(report), [(c.name, c.indication.value) for c in report.checks]

The report is the document report of :class:`esealkit.engine.Verifier` (the OFD seal
signature or the PDF signature, with trust, revocation and coverage) plus these
document-level checks, in order:

``licence_metadata``
    the file carries licence metadata (OFD CustomDatas, PDF attachment ``licence.xml``);
``licence_identifier``
    its identifier conforms to GB/T 36904 (vendor variants pass only with ``strict=False``);
``licence_in_library``
    the library holds the identifier (INDETERMINATE without a library);
``licence_matches_library``
    the library's record has the same data as the file;
``licence_status``
    it was not revoked, cancelled or superseded at the validation time;
``licence_validity``
    the validation date (China Standard Time) is within the validity period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from esealkit.certs.licence_ofd import licence_from_ofd
from esealkit.certs.licence_pdf import licence_from_pdf
from esealkit.certs.model import Licence, LicenceStatus
from esealkit.engine import Source, Verifier, read_source
from esealkit.errors import MalformedInput
from esealkit.report import Check, DocumentReport, Indication, SubIndication

__all__ = ["CHINA_STANDARD_TIME", "licence_checks", "verify_licence"]

CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
_CHANGES = {"revoked": "revoked", "cancelled": "cancelled", "superseded": "superseded"}


def _failed(name: str, sub: SubIndication, message: str, **details: Any) -> Check:
    # Licence problems are final, whatever the sub-indication's usual main indication.
    return Check(name, Indication.TOTAL_FAILED, sub, message, details)


def _differences(presented: Licence, held: Licence) -> list[str]:
    mine, theirs = presented.to_dict(), held.to_dict()
    mine.pop("status")
    theirs.pop("status")
    return sorted(key for key in mine if mine[key] != theirs.get(key))


def licence_checks(
    data: bytes, kind: str, *, library: Any, at: dt.datetime, strict: bool = True
) -> list[Check]:
    """The licence checks (see the module docstring) of a PDF or OFD file's bytes."""
    try:
        if kind == "ofd":
            licence = licence_from_ofd(data, strict=False)
        elif kind == "pdf":
            licence = licence_from_pdf(data, strict=False)
        else:
            return [
                _failed(
                    "licence_metadata",
                    SubIndication.FORMAT_FAILURE,
                    "not a PDF or OFD licence file",
                )
            ]
    except MalformedInput as exc:
        return [
            _failed(
                "licence_metadata",
                SubIndication.FORMAT_FAILURE,
                f"no usable licence metadata: {exc}",
            )
        ]
    checks = [
        Check.passed("licence_metadata", f"{licence.type_name} {licence.id}", identifier=licence.id)
    ]
    if licence.identifier.conforming:
        checks.append(Check.passed("licence_identifier", "the identifier conforms to GB/T 36904"))
    elif strict:
        checks.append(
            _failed(
                "licence_identifier",
                SubIndication.FORMAT_FAILURE,
                f"non-conforming identifier: {licence.identifier.note}",
            )
        )
    else:
        checks.append(
            Check.passed(
                "licence_identifier", f"accepted vendor variant: {licence.identifier.note}"
            )
        )

    if library is None:
        checks.append(
            Check.indeterminate(
                "licence_in_library",
                SubIndication.GENERIC,
                "no licence library given to look the licence up in",
            )
        )
        return [*checks, _validity(licence, at)]
    record = library.get(licence.id)
    if record is None:
        checks.append(
            _failed(
                "licence_in_library",
                SubIndication.LICENCE_NOT_FOUND,
                "the licence library holds no such licence: it was not issued or not recorded",
            )
        )
        return checks
    checks.append(Check.passed("licence_in_library", "the licence library holds the licence"))
    differences = _differences(licence, record.licence)
    if differences:
        checks.append(
            _failed(
                "licence_matches_library",
                SubIndication.LICENCE_MISMATCH,
                f"the file's data differ from the library's record in: {', '.join(differences)}",
                keys=differences,
            )
        )
    else:
        checks.append(
            Check.passed("licence_matches_library", "the file's data match the library's record")
        )
    checks.append(_status(library, record, at))
    checks.append(_validity(licence, at))
    return checks


def _status(library: Any, record: Any, at: dt.datetime) -> Check:
    status: LicenceStatus = record.status
    if status is LicenceStatus.VALID:
        return Check.passed("licence_status", "the licence is valid in the library")
    changed = [h for h in library.history(record.identifier) if h.action in _CHANGES]
    when = changed[-1].at if changed else record.updated_at
    if when > at:
        return Check.passed(
            "licence_status",
            f"{status.value} only on {when.isoformat()}, after the validation time",
        )
    details = {"since": when.isoformat(), "superseded_by": record.superseded_by}
    if status is LicenceStatus.REVOKED:
        return _failed(
            "licence_status",
            SubIndication.LICENCE_REVOKED,
            f"the licence was revoked on {when.isoformat()}",
            **details,
        )
    if status is LicenceStatus.SUPERSEDED:
        message = f"the licence was superseded by {record.superseded_by} on {when.isoformat()}"
        return _failed("licence_status", SubIndication.LICENCE_SUPERSEDED, message, **details)
    return _failed(
        "licence_status",
        SubIndication.LICENCE_REVOKED,
        f"the licence was {status.value} on {when.isoformat()}",
        **details,
    )


def _validity(licence: Licence, at: dt.datetime) -> Check:
    day = at.astimezone(CHINA_STANDARD_TIME).date()
    validity = licence.validity
    if day < validity.start:
        return _failed(
            "licence_validity",
            SubIndication.LICENCE_NOT_YET_VALID,
            f"valid only from {validity.start}, not on {day}",
        )
    if validity.end is not None and day > validity.end:
        return _failed(
            "licence_validity", SubIndication.LICENCE_EXPIRED, f"expired on {validity.end}, before {day}"
        )
    until = "long-term" if validity.end is None else f"until {validity.end}"
    return Check.passed("licence_validity", f"valid on {day} ({until})")


def verify_licence(
    source: Source,
    *,
    library: Any = None,
    trust: Any = None,
    policy: Any = None,
    validation_time: dt.datetime | None = None,
    strict: bool = True,
) -> DocumentReport:
    """Verify a presented licence file (path, bytes or binary file); see the module docstring.

    ``library`` is a :class:`esealkit.store.licences.LicenceLibrary`, ``trust`` a
    :class:`esealkit.pki.Trust` (None: trust checks are INDETERMINATE), ``validation_time``
    defaults to now.  A failure is a report, never an exception.
    """
    data, path = read_source(source)
    verifier = Verifier(trust=trust, policy=policy, validation_time=validation_time)
    report = verifier.verify(data, path=path)
    extra = licence_checks(
        data, report.format, library=library, at=verifier.validation_time, strict=strict
    )
    return dataclasses.replace(report, checks=(*report.checks, *extra))
