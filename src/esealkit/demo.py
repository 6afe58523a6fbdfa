"""``esealkit demo``: the main job on an embedded default, with no server or configuration.

It makes a throwaway PKI (root CA, CRL, signers with RSA, ECDSA and SM2 keys), signs a
few PDFs, damages some of them the ways real documents get damaged or attacked, then
verifies the folder exactly as ``esealkit verify`` would and prints the report.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from esealkit.engine import Verifier
from esealkit.pdf.sign import sign_pdf
from esealkit.pki import Trust
from esealkit.report import SubIndication
from esealkit.testing import CertificateAuthority, add_page_text, simple_pdf

__all__ = ["run_demo"]


def _pem(der: bytes, label: str) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor(label, der))


def run_demo(folder: Path, out: TextIO) -> int:
    """Build the demo corpus in ``folder`` (replacing it), verify it, print; 0 when every
    document got the verdict the demo expects."""
    if folder.exists():
        shutil.rmtree(folder)
    docs = folder / "documents"
    pki = folder / "pki"
    docs.mkdir(parents=True)
    pki.mkdir()
    now = datetime.now(UTC)
    t0 = now - timedelta(days=30)

    out.write(f"esealkit demo: making a test PKI and documents in {folder}/\n")
    root = CertificateAuthority.root("esealkit Demo Root CA", key_kind="ecdsa-p256", not_before=t0,
                                     organization="esealkit demo")
    ca = root.intermediate("esealkit Demo Signing CA", key_kind="ecdsa-p256", not_before=t0)
    rsa_signer = ca.issue("Zhang San (RSA)", key_kind="rsa", not_before=t0)
    sm2_signer = ca.issue("Li Si (SM2)", key_kind="sm2", not_before=t0)
    ec_signer = ca.issue("Wang Wu (ECDSA)", key_kind="ecdsa-p256", not_before=t0)
    revoked_signer = ca.issue("Revoked Signer", key_kind="ecdsa-p256", not_before=t0)
    expired_signer = ca.issue("Expired Signer", key_kind="ecdsa-p256", not_before=t0 - timedelta(days=1),
                              lifetime=timedelta(days=10))
    ca.revoke(revoked_signer.serial, now - timedelta(days=2))
    stranger = CertificateAuthority.root("Unknown CA", key_kind="ecdsa-p256", not_before=t0)
    stranger_signer = stranger.issue("Someone Else", key_kind="ecdsa-p256", not_before=t0)

    (pki / "root.pem").write_bytes(_pem(root.der, "CERTIFICATE"))
    (pki / "signing-ca.pem").write_bytes(_pem(ca.der, "CERTIFICATE"))
    (pki / "root.crl").write_bytes(root.crl(this_update=now - timedelta(hours=1)))
    (pki / "signing-ca.crl").write_bytes(ca.crl(this_update=now - timedelta(hours=1)))

    chain = [ca.der, root.der]
    page = simple_pdf(["Contract no. 2026-042 between A Co. and B Co.", "Amount: 100,000 CNY",
                       "Signed electronically with esealkit."], title="Purchase contract")
    expected: dict[str, SubIndication | None] = {}

    def save(name: str, data: bytes, expect: SubIndication | None) -> bytes:
        (docs / name).write_bytes(data)
        expected[name] = expect
        return data

    save("01-signed-rsa.pdf", sign_pdf(page, key=rsa_signer.key, cert_der=rsa_signer.der, chain=chain), None)
    sm2 = save("02-signed-sm2.pdf", sign_pdf(page, key=sm2_signer.key, cert_der=sm2_signer.der, chain=chain), None)
    save("03-two-signatures.pdf",
         sign_pdf(sm2, key=ec_signer.key, cert_der=ec_signer.der, chain=chain, field_name="Signature2"), None)
    signed = sign_pdf(page, key=ec_signer.key, cert_der=ec_signer.der, chain=chain)
    save("04-tampered-title.pdf", signed.replace(b"Purchase contract", b"Purchase contrakt", 1), SubIndication.HASH_FAILURE)
    save("05-changed-after-signing.pdf", add_page_text(signed, "PAID"), SubIndication.MODIFIED_AFTER_SIGNING)
    save("06-revoked-signer.pdf",
         sign_pdf(page, key=revoked_signer.key, cert_der=revoked_signer.der, chain=chain), SubIndication.REVOKED)
    save("07-expired-signer.pdf",
         sign_pdf(page, key=expired_signer.key, cert_der=expired_signer.der, chain=chain), SubIndication.EXPIRED)
    save("08-unknown-ca.pdf", sign_pdf(page, key=stranger_signer.key, cert_der=stranger_signer.der,
                                       chain=[stranger.der]), SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
    save("09-unsigned.pdf", page, SubIndication.NO_SIGNATURE_FOUND)
    save("10-not-a-pdf.pdf", b"This is a plain text file pretending to be a PDF.\n", SubIndication.FORMAT_FAILURE)
    save("11-truncated.pdf", signed[: len(signed) // 2], SubIndication.FORMAT_FAILURE)

    trust = Trust.load([pki / "root.pem"], crls=[pki / "root.crl", pki / "signing-ca.crl"])
    verifier = Verifier(trust=trust)
    out.write(f"verifying {len(expected)} documents with trust anchor {pki / 'root.pem'}\n\n")
    from esealkit.cli.main import write_text

    surprises = 0
    for name in sorted(expected):
        report = verifier.verify((docs / name).read_bytes(), path=str(docs / name))
        write_text(report, out, verbose=False)
        if report.sub_indication != expected[name] or (expected[name] is None and not report):
            surprises += 1
            out.write(f"{'':<13} UNEXPECTED: the demo expected {expected[name] or 'TOTAL_PASSED'}\n")
    out.write(
        f"\nSame from the command line:\n  esealkit verify {docs} --trust {pki / 'root.pem'} "
        f"--crl {pki / 'root.crl'} --crl {pki / 'signing-ca.crl'} --verbose\n"
    )
    if surprises:
        out.write(f"\n{surprises} document(s) did not get the expected verdict\n")
        return 1
    out.write("\nevery document got the verdict it should\n")
    return 0
