"""Verdicts worked out once per report object, with the JSON form (schema v1, a public
contract) unchanged: the new code is compared with a plain reference computation, the
pre-change algorithm written out here, on many varied reports."""

from __future__ import annotations

import dataclasses
import json
import pickle
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from esealkit.report import (
    Check,
    DocumentReport,
    Indication,
    SealSummary,
    SignatureKind,
    SignatureReport,
    SignerSummary,
    SubIndication,
)

# --- the reference: DocumentReport/SignatureReport.to_dict as they were written before
# the verdicts were cached (every verdict recomputed from the checks on each use).


def _ref_verdict(checks: list[Check] | tuple[Check, ...]) -> tuple[Indication, SubIndication | None, str]:
    failed = [c for c in checks if c.indication is Indication.TOTAL_FAILED]
    if failed:
        return failed[0].indication, failed[0].sub_indication, failed[0].message
    indeterminate = [c for c in checks if c.indication is Indication.INDETERMINATE]
    if indeterminate:
        return indeterminate[0].indication, indeterminate[0].sub_indication, indeterminate[0].message
    if not checks:
        return Indication.INDETERMINATE, SubIndication.GENERIC, "no check was run"
    return Indication.TOTAL_PASSED, None, ""


def _ref_document_verdict(report: DocumentReport) -> tuple[Indication, SubIndication | None, str]:
    checks = []
    for sig in report.signatures:
        indication, sub, message = _ref_verdict(sig.checks)
        checks.append(Check(f"signature {sig.id}", indication, sub, f"{sig.id}: {message}" if message else ""))
    checks.extend(report.checks)
    if not report.signatures and all(c.indication is Indication.TOTAL_PASSED for c in report.checks):
        checks.append(Check.failed("signatures_present", SubIndication.NO_SIGNATURE_FOUND,
                                   "the document has no signature"))
    indication, sub, message = _ref_verdict(checks)
    if indication is Indication.TOTAL_PASSED:
        n = len(report.signatures)
        message = f"{n} signature{'s' if n != 1 else ''}, all passed"
    return indication, sub, message


def _ref_signature_dict(sig: SignatureReport) -> dict[str, Any]:
    indication, sub, message = _ref_verdict(sig.checks)
    return {
        "id": sig.id,
        "kind": sig.kind.value,
        "indication": indication.value,
        "sub_indication": sub.value if sub else None,
        "message": message,
        "signer": sig.signer.to_dict() if sig.signer else None,
        "signing_time": sig.signing_time.isoformat() if sig.signing_time else None,
        "timestamp_time": sig.timestamp_time.isoformat() if sig.timestamp_time else None,
        "seal": sig.seal.to_dict() if sig.seal else None,
        "checks": [c.to_dict() for c in sig.checks],
    }


def _ref_document_dict(report: DocumentReport) -> dict[str, Any]:
    indication, sub, message = _ref_document_verdict(report)
    return {
        "schema_version": 1,
        "path": report.path,
        "format": report.format,
        "indication": indication.value,
        "sub_indication": sub.value if sub else None,
        "message": message,
        "checks": [c.to_dict() for c in report.checks],
        "signatures": [_ref_signature_dict(s) for s in report.signatures],
    }


# --- varied reports


_WORDS = ["intact", "valid", "trusted", "签章", "印章名称", "revoked", "", "a \"quoted\" word", "tab\there", "é"]


def _check(rng: random.Random, i: int) -> Check:
    roll = rng.random()
    message = rng.choice(_WORDS)
    details = {"n": rng.randrange(5), "files": ["Doc_0/Content.xml"]} if rng.random() < 0.2 else {}
    if roll < 0.6:
        return Check.passed(f"check_{i}", message, **details)
    sub = rng.choice(list(SubIndication))
    if roll < 0.8:
        return Check.failed(f"check_{i}", sub, message, **details)
    if roll < 0.95:
        return Check.indeterminate(f"check_{i}", sub, message, **details)
    # A sub-indication with an unusual main indication, or none at all.
    return Check(f"check_{i}", rng.choice(list(Indication)), rng.choice([None, sub]), message, details)


def _time(rng: random.Random) -> datetime | None:
    if rng.random() < 0.4:
        return None
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8), microseconds=rng.randrange(2))


def _signer(rng: random.Random) -> SignerSummary | None:
    if rng.random() < 0.3:
        return None
    return SignerSummary(f"CN=signer {rng.randrange(9)},O=测试", "CN=CA", format(rng.randrange(2**64), "x"), "ab" * 32)


def _signature(rng: random.Random, i: int) -> SignatureReport:
    seal = None
    if rng.random() < 0.3:
        seal = SealSummary(4, "33010600000001", "合同专用章", 1, "vendor", _time(rng), _time(rng), _signer(rng),
                           rng.choice([None, "active", "revoked"]), rng.choice([None, "某某公司"]), None)
    return SignatureReport(
        id=f"Sig{i}", kind=rng.choice(list(SignatureKind)),
        checks=tuple(_check(rng, j) for j in range(rng.choice([0, 1, 2, 5, 9, 12]))),
        signer=_signer(rng), signing_time=_time(rng), timestamp_time=_time(rng), seal=seal)


def _document(rng: random.Random, i: int) -> DocumentReport:
    return DocumentReport(
        path=f"in/doc{i}.pdf", format=rng.choice(["pdf", "ofd", "seal", "unknown"]),
        signatures=tuple(_signature(rng, j + 1) for j in range(rng.choice([0, 0, 1, 1, 1, 2, 3]))),
        checks=tuple(_check(rng, 100 + j) for j in range(rng.choice([0, 0, 0, 1, 2]))))


def _documents(n: int, seed: int) -> list[DocumentReport]:
    rng = random.Random(seed)
    return [_document(rng, i) for i in range(n)]


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("seed", range(4))
def test_json_is_byte_for_byte_the_reference(seed):
    reports = _documents(500, seed)
    indications = {r.indication for r in reports}
    assert indications == set(Indication)  # the sample covers every verdict
    for report in reports:
        assert _dumps(report.to_dict()) == _dumps(_ref_document_dict(report))


@pytest.mark.parametrize("seed", range(2))
def test_properties_agree_with_the_reference_whatever_is_asked_first(seed):
    """The cached verdict is the same whether a property, to_dict or bool() comes first."""
    for k, report in enumerate(_documents(300, 100 + seed)):
        expected = _ref_document_verdict(report)
        first = k % 3
        if first == 0:
            assert report.message == expected[2]
        elif first == 1:
            assert bool(report) is (expected[0] is Indication.TOTAL_PASSED)
        else:
            assert _dumps(report.to_dict()) == _dumps(_ref_document_dict(report))
        assert (report.indication, report.sub_indication, report.message) == expected
        assert _dumps(report.to_dict()) == _dumps(_ref_document_dict(report))
        for sig in report.signatures:
            assert (sig.indication, sig.sub_indication, sig.message) == _ref_verdict(sig.checks)


def test_cached_verdict_leaves_equality_repr_pickle_and_replace_alone():
    report = _documents(40, 7)[-1]
    twin = DocumentReport.from_dict(report.to_dict())
    before = repr(twin)
    assert report.indication is not None  # computed (and cached) on one side only
    assert twin == report and repr(twin) == before
    restored = pickle.loads(pickle.dumps(report))
    assert restored == report and _dumps(restored.to_dict()) == _dumps(report.to_dict())
    # A modified copy works its own verdict out, not the original's.
    passed = next(r for r in _documents(200, 8) if r.indication is Indication.TOTAL_PASSED)
    broken = dataclasses.replace(passed, checks=(Check.failed("extra", SubIndication.FORMAT_FAILURE, "unreadable"),))
    assert broken.indication is Indication.TOTAL_FAILED and broken.message == "unreadable"
    assert _dumps(broken.to_dict()) == _dumps(_ref_document_dict(broken))


def test_verdict_is_computed_once_per_object(monkeypatch):
    import esealkit.report as module

    calls = 0
    real = module._verdict

    def counting(checks):
        nonlocal calls
        calls += 1
        return real(checks)

    monkeypatch.setattr(module, "_verdict", counting)
    report = DocumentReport("a.pdf", "pdf", signatures=(
        SignatureReport("Sig1", SignatureKind.SIGNATURE, (Check.passed("integrity"),)),
        SignatureReport("Sig2", SignatureKind.SIGNATURE, (Check.passed("integrity"),)),
    ))
    for _ in range(3):
        report.to_dict()
        assert report.indication is Indication.TOTAL_PASSED and report.message == "2 signatures, all passed"
        assert [s.to_dict()["indication"] for s in report.signatures] == ["TOTAL_PASSED"] * 2
    assert calls == 3  # one per signature, one for the document


def test_real_verifications_match_the_reference(tmp_path):
    """Reports of real documents (passed, tampered, modified, revoked, malformed, unsigned,
    not a document; with and without revocation data) against the reference."""
    from esealkit.batch import BatchVerifier
    from esealkit.batch.corpus import make_corpus
    from esealkit.pki import Trust
    from esealkit.testing import simple_pdf

    info = make_corpus(tmp_path / "corpus", count=24, seed=11, jobs=1)
    (info.docs / "unsigned.pdf").write_bytes(simple_pdf(["no signature here"]))
    (info.docs / "notes.txt").write_bytes(b"not a document\n")
    reports = []
    for trust in (info.trust(), Trust.load(info.anchors)):  # the second has no CRLs: TRY_LATER
        batch = BatchVerifier(trust=trust, validation_time=info.validation_time, executor="inline")
        reports += list(batch.run([str(info.docs)]))
    assert {r.indication for r in reports} == set(Indication)
    for report in reports:
        assert _dumps(report.to_dict()) == _dumps(_ref_document_dict(report))
