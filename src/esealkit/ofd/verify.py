"""Verify the signatures and seals of an OFD document (OFD 验签).

    >>> report = verify_ofd("licence.ofd", trust=trust)      # doctest: +SKIP
    >>> report.indication, [s.id for s in report.signatures]  # doctest: +SKIP
    (<Indication.TOTAL_PASSED: 'TOTAL_PASSED'>, ['2'])

Per signature (one :class:`SignatureReport`, id = the Signature ID, or its BaseLoc):
``signature_xml`` (Signature.xml parses; the stamps and their pages in ``details``),
``references`` (every protected file hashes to its CheckValue), ``references_complete``
(every protected file exists), then for Type="Seal" the checks of the SES_Signature over
the exact Signature.xml bytes (:func:`esealkit.seals.verify_seal_signature`),
``property_info`` (the SES_Signature names this Signature.xml) and ``seal_copy`` (a
Seal.esl beside it is the seal that was used); for Type="Sign" the checks of the
SignedData or bare signature value.  Document checks: ``package`` (readable) and
``coverage`` (files no signature protects).  Bad input never raises: it is a report.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from esealkit.errors import MalformedInput
from esealkit.ofd._references import Later, ReferenceResult, check_references, evaluate_references
from esealkit.ofd._sign_value import TrustCheck, check_sign_value
from esealkit.ofd.model import (
    DocumentInfo,
    SignatureEntry,
    SignatureInfo,
    read_documents,
    read_signature_xml,
)
from esealkit.ofd.package import DEFAULT_LIMITS, Limits, OfdPackage, read_source
from esealkit.pki import PathValidator, Trust
from esealkit.policy import DEFAULT_POLICY, ValidationPolicy
from esealkit.report import Check, DocumentReport, SignatureKind, SignatureReport, SubIndication
from esealkit.seals import parse_seal_signature, verify_seal_signature

__all__ = ["verify_ofd"]

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


def _validator(trust: Trust | PathValidator | None, policy: ValidationPolicy | None) -> PathValidator | None:
    if trust is None or isinstance(trust, PathValidator):
        return trust
    if isinstance(trust, Trust):
        return PathValidator(trust, policy or DEFAULT_POLICY)
    raise TypeError(f"trust must be an esealkit.pki.Trust or PathValidator, not {type(trust).__name__}")


def _trust_checker(validator: PathValidator | None, at: datetime | None) -> TrustCheck:
    def check(cert_der: bytes, intermediates: Sequence[bytes], signing_time: datetime | None) -> Check:
        if validator is None:
            return Check.indeterminate("signer_trust", SubIndication.NO_CERTIFICATE_CHAIN_FOUND, "no trust anchors given")
        when = at or signing_time or datetime.now(UTC)
        result = validator.validate(cert_der, at=when, purpose="signing", extra_certs=tuple(intermediates)).check
        return dataclasses.replace(result, name="signer_trust")
    return check


@dataclass(frozen=True)
class _Context:
    """What every signature of one verification shares."""

    validator: PathValidator | None
    policy: ValidationPolicy | None
    at: datetime | None
    store: Any
    certificates: tuple[bytes, ...]


def _stamp_details(doc: DocumentInfo, info: SignatureInfo) -> list[dict[str, Any]]:
    stamps = []
    for stamp in info.stamp_annots:
        page = doc.page_by_id(stamp.page_ref)
        stamps.append({"id": stamp.id, "page_ref": stamp.page_ref, "page": page.number if page else None,
                       "boundary": list(stamp.boundary) if stamp.boundary else None})
    return stamps


def _seal_checks(pkg: OfdPackage, entry: SignatureEntry, info: SignatureInfo, xml: bytes, value: bytes,
                 ctx: _Context) -> tuple[list[Check], SignatureReport | None]:
    try:
        parsed = parse_seal_signature(value)
    except MalformedInput as exc:
        return [Check.failed("seal_format", SubIndication.FORMAT_FAILURE,
                             f"SignedValue.dat is not an SES_Signature: {exc}")], None
    report = verify_seal_signature(parsed, data=xml, at=ctx.at, trust=ctx.validator, store=ctx.store,
                                   id=entry.label, policy=ctx.policy)
    checks = list(report.checks)
    expected = "/" + info.path
    named = str(parsed.property_info).strip()
    if named in (expected, info.path):
        checks.append(Check.passed("property_info", f"the seal signature names this Signature.xml ({expected})"))
    else:
        checks.append(Check.failed("property_info", SubIndication.SIG_CONSTRAINTS_FAILURE,
                                   f"the seal signature names {named!r} as the signed file, but it signs {expected}",
                                   property_info=named, expected=expected))
    if info.seal_path is not None:
        if not pkg.exists(info.seal_path):
            checks.append(Check.failed("seal_copy", SubIndication.FORMAT_FAILURE,
                                       f"Signature.xml names the seal file /{info.seal_path}, which is missing"))
        elif pkg.read(info.seal_path) == parsed.seal.der:
            checks.append(Check.passed("seal_copy", f"/{info.seal_path} is the seal used by the signature"))
        else:
            checks.append(Check.failed("seal_copy", SubIndication.SEAL_INVALID,
                                       f"/{info.seal_path} is not the seal embedded in the seal signature"))
    return checks, report


def _verify_signature(pkg: OfdPackage, doc: DocumentInfo, entry: SignatureEntry, info: SignatureInfo,
                      refs: tuple[Check, Check], ctx: _Context) -> SignatureReport:
    kind = SignatureKind.SIGNATURE if entry.type == "Sign" else SignatureKind.SEAL
    checks: list[Check] = [
        Check.passed("signature_xml",
                     f"/{info.path} read: {len(info.references)} references, {len(info.stamp_annots)} stamp(s)",
                     stamps=_stamp_details(doc, info), provider=info.provider_name or "",
                     signature_date_time=info.signature_date_time or ""),
        *refs,
    ]
    if entry.type not in ("Seal", "Sign"):
        checks.append(Check.failed("signature_type", SubIndication.FORMAT_FAILURE,
                                   f"unknown signature Type {entry.type!r} (expected Seal or Sign)"))
        return SignatureReport(entry.label, kind, tuple(checks))
    if info.signed_value_path is None or not pkg.exists(info.signed_value_path):
        where = f"/{info.signed_value_path}" if info.signed_value_path else "no SignedValue element"
        checks.append(Check.failed("signed_value", SubIndication.FORMAT_FAILURE, f"the signature value is missing ({where})"))
        return SignatureReport(entry.label, kind, tuple(checks))
    xml = pkg.read(info.path)
    value = pkg.read(info.signed_value_path)
    if entry.type == "Sign":
        outcome = check_sign_value(value, xml, signature_method=info.signature_method,
                                   certificates=ctx.certificates,
                                   trust_check=_trust_checker(ctx.validator, ctx.at))
        return SignatureReport(entry.label, kind, (*checks, *outcome.checks), signer=outcome.signer)
    seal_checks, seal_report = _seal_checks(pkg, entry, info, xml, value, ctx)
    checks.extend(seal_checks)
    if seal_report is None:
        return SignatureReport(entry.label, kind, tuple(checks))
    return SignatureReport(entry.label, kind, tuple(checks), signer=seal_report.signer,
                           signing_time=seal_report.signing_time, timestamp_time=seal_report.timestamp_time,
                           seal=seal_report.seal)


def _signature_files(info: SignatureInfo | None, entry: SignatureEntry) -> set[str]:
    files = {entry.path}
    if info is not None:
        files.update(p for p in (info.signed_value_path, info.seal_path) if p)
    return files


def _coverage(pkg: OfdPackage, docs: Sequence[DocumentInfo], parsed: dict[str, SignatureInfo | None],
              entries: Sequence[SignatureEntry]) -> Check:
    covered: set[str] = set()
    infrastructure = {d.signatures_path for d in docs if d.signatures_path}
    sign_dirs = set()
    for entry in entries:
        info = parsed.get(entry.path)
        infrastructure |= _signature_files(info, entry)
        sign_dirs.add(entry.path.rsplit("/", 1)[0] + "/" if "/" in entry.path else "")
        if info is not None:
            covered.update(r.path for r in info.references if r.path)
    uncovered = sorted(f for f in pkg.files if f not in covered)
    infra = [f for f in uncovered if f in infrastructure or any(d and f.startswith(d) for d in sign_dirs)]
    # OFD.xml is rewritten by the first signature (it gains the Signatures pointer), so
    # many producers leave it out; its DocInfo metadata is then unprotected.
    entry_point = [f for f in uncovered if f == "OFD.xml"]
    content = [f for f in uncovered if f not in infra and f not in entry_point]
    details = {"uncovered_content": ["/" + f for f in content],
               "uncovered_signature_files": ["/" + f for f in infra],
               "uncovered_entry_point": ["/" + f for f in entry_point]}
    if content:
        return Check.failed("coverage", SubIndication.MODIFIED_AFTER_SIGNING,
                            f"{len(content)} document file(s) are protected by no signature and could have been "
                            f"added or replaced after signing: {', '.join('/' + f for f in content)}", **details)
    notes = []
    if infra:
        notes.append("signature files are not (as usual): " + ", ".join("/" + f for f in infra))
    if entry_point:
        notes.append("/OFD.xml is not, so its document metadata (DocInfo, CustomDatas) is not signed")
    if notes:
        return Check.passed("coverage", "every document file is protected by a signature; " + "; ".join(notes), **details)
    return Check.passed("coverage", "every file in the package is protected by a signature", **details)


def _verify_package(pkg: OfdPackage, ctx: _Context) -> tuple[list[SignatureReport], list[Check]]:
    docs = read_documents(pkg)
    signature_lists = frozenset(d.signatures_path for d in docs if d.signatures_path)
    entries: list[tuple[DocumentInfo, SignatureEntry]] = [(d, e) for d in docs for e in d.signatures]
    parsed: dict[str, SignatureInfo | None] = {}
    problems: dict[int, Check] = {}
    results: dict[str, tuple[tuple[ReferenceResult, ...], str | None]] = {}
    for index, (_, entry) in enumerate(entries):
        if entry.path in parsed:
            problems[index] = Check.failed("signature_xml", SubIndication.FORMAT_FAILURE,
                                           f"/{entry.path} is listed twice in the signature list")
            continue
        info: SignatureInfo | None = None
        if not pkg.exists(entry.path):
            problems[index] = Check.failed("signature_xml", SubIndication.FORMAT_FAILURE,
                                           f"the signature list names /{entry.path}, which is missing")
        else:
            try:
                info = read_signature_xml(pkg, entry.path)
                results[entry.path] = evaluate_references(pkg, info)
            except MalformedInput as exc:
                problems[index] = Check.failed("signature_xml", SubIndication.FORMAT_FAILURE, str(exc))
                info = None
        parsed[entry.path] = info
    reports: list[SignatureReport] = []
    for index, (doc, entry) in enumerate(entries):
        kind = SignatureKind.SIGNATURE if entry.type == "Sign" else SignatureKind.SEAL
        info = parsed.get(entry.path)
        if index in problems or info is None:
            reports.append(SignatureReport(entry.label, kind, (problems[index],)))
            continue
        later = [Later(e.label, frozenset(r.reference.path for r in results.get(e.path, ((), None))[0]
                                          if r.status == "ok" and r.reference.path))
                 for d, e in entries[index + 1:] if d is doc]
        ref_results, problem = results[entry.path]
        refs = check_references(ref_results, problem, info.check_method, later, signature_lists)
        try:
            reports.append(_verify_signature(pkg, doc, entry, info, refs, ctx))
        except MalformedInput as exc:
            reports.append(SignatureReport(entry.label, kind, (*refs, Check.failed(
                "signed_value", SubIndication.FORMAT_FAILURE, str(exc)))))
        except Exception as exc:  # the report boundary: a bug must not stop a batch, and is reported
            reports.append(SignatureReport(entry.label, kind, (*refs, Check.indeterminate(
                "internal_error", SubIndication.GENERIC,
                f"verification stopped on an unexpected {type(exc).__name__}: {exc}"))))
    checks = [Check.passed("package", f"OFD package read: {len(pkg.files)} files, {len(entries)} signature(s)")]
    if entries:
        checks.append(_coverage(pkg, docs, parsed, [e for _, e in entries]))
    return reports, checks


def verify_ofd(source: Source, *, trust: Trust | PathValidator | None = None,
               policy: ValidationPolicy | None = None, at: datetime | None = None, store: Any = None,
               limits: Limits = DEFAULT_LIMITS, certificates: Sequence[bytes] = (),
               path: str | None = None) -> DocumentReport:
    """Verify every signature and seal of an OFD document; never raises for bad input.

    ``trust`` (:class:`esealkit.pki.Trust`, or a ready :class:`~esealkit.pki.PathValidator`
    to share its cache across documents) is used for the seal maker and signer paths;
    without it they are INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.  ``at`` is the
    validation time (default: the signing time for seal signatures, see
    :func:`esealkit.seals.verify_seal_signature`).  ``store`` is a seal store asked for each
    seal's status.  ``certificates`` are signer certificates the caller supplies for
    Type="Sign" signatures that carry none (bare SM2 values).  ``path`` names the document
    in the report (default: the path given, or "<memory>").
    """
    if path is not None:
        name = path
    elif isinstance(source, str | os.PathLike):
        name = os.fspath(source)
    else:
        file_name = getattr(source, "name", None)
        name = file_name if isinstance(file_name, str) else "<memory>"
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # a naive validation time is taken as UTC
    ctx = _Context(_validator(trust, policy), policy, at, store, tuple(certificates))
    try:
        pkg = OfdPackage(read_source(source, limits), limits)
        reports, checks = _verify_package(pkg, ctx)
    except MalformedInput as exc:
        return DocumentReport(name, "ofd", checks=(Check.failed("package", SubIndication.FORMAT_FAILURE, str(exc)),))
    return DocumentReport(name, "ofd", tuple(reports), tuple(checks))
