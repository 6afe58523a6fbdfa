"""What the interop modules share: a known false alarm, and the checks a report failed."""

from __future__ import annotations

from dataclasses import dataclass

from esealkit.report import DocumentReport, Indication, SubIndication


@dataclass(frozen=True)
class Known:
    """A check esealkit fails today on an honest document: which, and what it says.  The
    tests assert exactly this failure and then report xfail; once esealkit changes, the
    assertion fails and the entry is to be updated or removed (the document must then pass)."""

    why: str
    check: str
    sub_indication: SubIndication
    says: str  # a fragment of the check's message or of its details' analysis
    signature: str | None = None  # the signature (field name) it fails for; None: any


def failures(report: DocumentReport) -> list[str]:
    """Every check that did not pass, with what it says (details' analysis included)."""
    out = []
    for sig in report.signatures:
        for check in sig.checks:
            if check.indication is not Indication.TOTAL_PASSED:
                sub = check.sub_indication.value if check.sub_indication else ""
                analysis = check.details.get("analysis", "") if check.details else ""
                out.append(f"{sig.id}: {check.name} {check.indication.value} {sub}: {check.message} {analysis}")
    out += [f"document: {c.name}: {c.message}" for c in report.checks if c.indication is not Indication.TOTAL_PASSED]
    return out
