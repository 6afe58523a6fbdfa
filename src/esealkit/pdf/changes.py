"""What changed after each PDF signature (签名后修改分析), by pyHanko's difference analysis.

Only documents with revisions after a signature get here: a signature that covers the
whole file cannot have been followed by changes.  pyHanko compares the signed revision
with every later one and classifies the changes; this module decides, per signature,
whether they were allowed.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from esealkit.report import Check, SubIndication

__all__ = ["analyse_changes", "changes_check"]

# pyHanko logs every suspicious revision with a traceback; here that is a verdict, not an error.
logging.getLogger("pyhanko.sign.diff_analysis").setLevel(logging.CRITICAL)

_LEVEL_WORDS = {
    ModificationLevel.NONE: "no changes",
    ModificationLevel.LTA_UPDATES: "validation data and document timestamps added",
    ModificationLevel.FORM_FILLING: "form fields filled or signed",
    ModificationLevel.ANNOTATIONS: "annotations added or changed",
    ModificationLevel.OTHER: "other changes",
}


@dataclass(frozen=True)
class ChangeResult:
    """pyHanko's verdict on the revisions after one signature."""

    level: ModificationLevel | None  # None when the changes are suspicious
    suspicious: str  # why, when they are
    changed_fields: tuple[str, ...]
    docmdp: int | None  # the signature's DocMDP permission (1-3), if any


def analyse_changes(data: bytes, byte_ranges: list[tuple[int, int, int, int]]) -> dict[tuple[int, int, int, int], ChangeResult | str]:
    """Analyse the revisions after each signature given by its byte range.

    Returns, per byte range, a :class:`ChangeResult`, or a string saying why the file could
    not be analysed (pyHanko could not read it, or found no such signature).
    """
    out: dict[tuple[int, int, int, int], ChangeResult | str] = {}
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        embedded = {tuple(int(x) for x in e.byte_range): e for e in reader.embedded_signatures}
    except (PdfError, SignatureValidationError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return {br: f"the revisions after signing could not be read: {exc}" for br in byte_ranges}
    for br in byte_ranges:
        emb = embedded.get(br)
        if emb is None:
            out[br] = "the revision analysis found no signature with this byte range"
            continue
        out[br] = _analyse_one(emb)
    return out


def _analyse_one(emb: EmbeddedPdfSignature) -> ChangeResult | str:
    try:
        emb.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
        docmdp = emb.docmdp_level
    except (PdfError, SignatureValidationError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return f"the revisions after signing could not be analysed: {exc}"
    permission = int(docmdp.value) if docmdp is not None else None
    if emb.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return ChangeResult(None, "the signature does not cover a whole revision of the file", (), permission)
    result = emb.diff_result
    if isinstance(result, DiffResult):
        return ChangeResult(result.modification_level, "", tuple(sorted(result.changed_form_fields)), permission)
    return ChangeResult(None, str(result) if result is not None else "unknown changes", (), permission)


def changes_check(result: ChangeResult | str) -> Check:
    """Turn a :class:`ChangeResult` into the ``modifications`` check of a signature.

    Allowed after an approval signature: later signatures, validation data (DSS),
    document timestamps and filling form fields; not annotations, which can change what
    the page shows (the "evil annotation" and shadow attacks).  A certification
    signature's DocMDP permission decides instead: P=1 allows only validation data and
    timestamps, P=2 form filling and signing, P=3 also annotations.
    """
    if isinstance(result, str):
        return Check.failed("modifications", SubIndication.FORMAT_FAILURE, result)
    if result.level is None:
        return Check.failed("modifications", SubIndication.MODIFIED_AFTER_SIGNING,
                            "the document was changed after signing in a way no signature permits "
                            "(see details.analysis)", analysis=result.suspicious)
    allowed = ModificationLevel(result.docmdp) if result.docmdp is not None else ModificationLevel.FORM_FILLING
    details = {"level": result.level.name, "changed_fields": list(result.changed_fields)}
    if result.level.value > allowed.value:
        why = f"certification (DocMDP P={result.docmdp}) allows up to" if result.docmdp else "an approval signature allows up to"
        return Check.failed("modifications", SubIndication.MODIFIED_AFTER_SIGNING,
                            f"later revisions: {_LEVEL_WORDS[result.level]}; {why} {_LEVEL_WORDS[allowed]}", **details)
    return Check.passed("modifications", f"later revisions are allowed changes: {_LEVEL_WORDS[result.level]}", **details)
