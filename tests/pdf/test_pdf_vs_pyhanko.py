"""esealkit's verdicts agree with pyHanko's own validation on a generated corpus.

The corpus has 200+ documents: valid (RSA, RSA-PSS, ECDSA, Ed25519; one or two
signatures; timestamped; certified), tampered in the signed range, changed after signing,
revoked, expired, untrusted, missing revocation data, and malformed.  pyHanko cannot
verify SM2, so SM2 documents are left out here (they are covered in test_pdf_verify.py).

Where we believe pyHanko is wrong, a row would say so (``pyhanko_wrong``) and the test
asserts the difference; on this corpus there is none: both reject, for example, a visible
annotation added after an approval signature (pyHanko's default difference policy has no
rule that admits annotations).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from asn1crypto import crl, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from esealkit.engine import Verifier
from esealkit.pdf.sign import sign_pdf, timestamp_pdf
from esealkit.testing import add_annotation, add_page_text, simple_pdf, timestamper


@dataclass
class Row:
    name: str
    data: bytes
    pyhanko_wrong: str = ""  # why, when we believe pyHanko's verdict is wrong


def _corpus(pki) -> list[Row]:
    rows: list[Row] = []
    kinds = ["rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ed25519"]
    for i in range(12):
        page = simple_pdf([f"Document {i}", "x" * (i * 7 % 60)], title=f"Doc {i}", pages=1 + i % 3)
        for kind in kinds:
            s = pki.signers[kind]
            signed = sign_pdf(page, key=s.key, cert_der=s.der, chain=pki.chain, pss=kind == "rsa-pss")
            rows.append(Row(f"{i}-{kind}-valid", signed))
            rows.append(Row(f"{i}-{kind}-tampered", signed.replace(b"Doc ", b"Dog ", 1)))
        base = pki.signers[kinds[i % len(kinds)]]
        signed = sign_pdf(page, key=base.key, cert_der=base.der, chain=pki.chain)
        rows.append(Row(f"{i}-changed", add_page_text(signed, "PAID")))
        rows.append(Row(f"{i}-annotated", add_annotation(signed, "VOID")))
        second = pki.signers[kinds[(i + 1) % len(kinds)]]
        rows.append(Row(f"{i}-two-signatures", sign_pdf(signed, key=second.key, cert_der=second.der,
                                                        chain=pki.chain, field_name="Signature2")))
        rows.append(Row(f"{i}-revoked", sign_pdf(page, key=pki.revoked.key, cert_der=pki.revoked.der, chain=pki.chain)))
        rows.append(Row(f"{i}-expired", sign_pdf(page, key=pki.expired.key, cert_der=pki.expired.der, chain=pki.chain)))
        rows.append(Row(f"{i}-untrusted", sign_pdf(page, key=pki.stranger.key, cert_der=pki.stranger.der,
                                                   chain=[pki.stranger_root.der])))
        rows.append(Row(f"{i}-truncated", signed[: len(signed) * 2 // 3]))
        if i % 3 == 0:
            rows.append(Row(f"{i}-timestamped", sign_pdf(page, key=base.key, cert_der=base.der, chain=pki.chain,
                                                         timestamper=timestamper(pki.tsa))))
            rows.append(Row(f"{i}-doc-timestamp", timestamp_pdf(signed, timestamper=timestamper(pki.tsa))))
            rows.append(Row(f"{i}-certified", sign_pdf(page, key=base.key, cert_der=base.der, chain=pki.chain,
                                                       certify=2)))
    return rows


def _pyhanko_passes(data: bytes, pki) -> bool:
    context = ValidationContext(
        trust_roots=[x509.Certificate.load(pki.root.der)],
        other_certs=[x509.Certificate.load(pki.ca.der)],
        crls=[crl.CertificateList.load(c) for c in pki.crls()],
        allow_fetching=False,
        revocation_mode="require",
    )
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        signatures = reader.embedded_signatures
        if not signatures:
            return False
        for emb in signatures:
            if emb.sig_object_type == "/DocTimeStamp":
                ts = validate_pdf_timestamp(emb, validation_context=context)
                ok = ts.intact and ts.valid and ts.trusted
            else:
                ok = validate_pdf_signature(emb, context).bottom_line
            if not ok:
                return False
        return True
    except Exception:  # pyHanko raises on malformed input; that is a "did not pass"
        return False


@pytest.mark.slow
def test_verdicts_agree_with_pyhanko(pki):
    rows = _corpus(pki)
    assert len(rows) >= 200
    verifier = Verifier(trust=pki.trust())
    disagreements = []
    for row in rows:
        ours = bool(verifier.verify(row.data, path=row.name))
        theirs = _pyhanko_passes(row.data, pki)
        if row.pyhanko_wrong:
            assert (ours, theirs) == (False, True), f"{row.name}: expected the documented difference"
        elif ours != theirs:
            disagreements.append((row.name, ours, theirs))
    assert disagreements == []
    # The corpus really spans both verdicts.
    assert sum(bool(verifier.verify(r.data)) for r in rows) > 50
    assert any(not verifier.verify(r.data) for r in rows)


def test_pyhanko_reference_sees_sm2_as_unsupported(pki):
    s = pki.signers["sm2"]
    signed = sign_pdf(simple_pdf(["sm2"]), key=s.key, cert_der=s.der, chain=pki.chain)
    assert bool(Verifier(trust=pki.trust()).verify(signed))
    assert _pyhanko_passes(signed, pki) is False


def test_timestamp_time_is_reported(pki):
    ts_at = pki.now - timedelta(days=3)
    s = pki.signers["rsa"]
    signed = sign_pdf(simple_pdf(["t"]), key=s.key, cert_der=s.der, chain=pki.chain,
                      timestamper=timestamper(pki.tsa, at=ts_at))
    report = Verifier(trust=pki.trust()).verify(signed)
    assert report.signatures[0].timestamp_time == ts_at
