"""``esealkit demo``: the main job on an embedded default, with no server or configuration.

It makes a throwaway PKI (root CA, CRL, signers with RSA, ECDSA and SM2 keys, a seal
maker), an e-seal, signs and seals a few PDFs and an OFD licence, damages some of them the
ways real documents get damaged or attacked, then verifies the folder exactly as
``esealkit verify`` would and prints the report.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from esealkit.engine import Verifier
from esealkit.ofd import build_ofd, seal_ofd
from esealkit.pdf.seal import seal_pdf
from esealkit.pdf.sign import sign_pdf
from esealkit.pki import Trust
from esealkit.report import SubIndication
from esealkit.seals import SealPicture, draw_round_seal, make_seal
from esealkit.testing import CertificateAuthority, add_page_text, simple_pdf

__all__ = ["run_demo"]


def _pem(der: bytes, label: str) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor(label, der))


def _replace_in_zip(package: bytes, name_suffix: str, old: str, new: str) -> bytes:
    """The package with ``old`` replaced by ``new`` in every entry whose name ends so."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(name_suffix):
                data = data.replace(old.encode("utf-8"), new.encode("utf-8"))
            target.writestr(info, data)
    return out.getvalue()


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

    # E-seals (电子印章): a seal made by the seal maker for the organisation, listing Li Si's
    # SM2 certificate; used on a PDF and on an OFD licence.
    maker = root.issue("esealkit Demo Seal Maker", key_kind="sm2", not_before=t0)
    picture = draw_round_seal("杭州示例科技有限公司", "合同专用章", "3301060000001")
    seal = make_seal(es_id="33010600000001", name="杭州示例科技有限公司合同专用章", type=4,
                     maker_key=maker.key, maker_cert_der=maker.der, signer_certs=[sm2_signer.der],
                     valid_from=t0, valid_to=now + timedelta(days=365),
                     picture=SealPicture("PNG", picture, 42, 42))
    (pki / "seal.esl").write_bytes(seal.der)
    save("12-sealed.pdf", seal_pdf(page, seal, sm2_signer.key, sm2_signer.der, chain=chain,
                                   page=1, x_mm=150, y_mm=120), None)
    licence = build_ofd(["营业执照 Business licence", "名称: 杭州示例科技有限公司",
                         "统一社会信用代码: 91330106MA2KXXXX0X", "登记机关: 示例市场监督管理局"], title="营业执照")
    sealed_ofd = seal_ofd(licence, seal, sm2_signer.key, sm2_signer.der, page=1, x_mm=150, y_mm=170)
    save("13-sealed-licence.ofd", sealed_ofd, None)
    save("14-sealed-licence-altered.ofd", _replace_in_zip(sealed_ofd, "Content.xml", "杭州示例", "上海示例"),
         SubIndication.HASH_FAILURE)

    # OFD seal signatures carry only the signer's certificate: the signing CA comes from the
    # trust configuration, as it would in an agency's deployment.
    trust = Trust.load([pki / "root.pem"], intermediates=[pki / "signing-ca.pem"],
                       crls=[pki / "root.crl", pki / "signing-ca.crl"])
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
        f"--intermediate {pki / 'signing-ca.pem'} --crl {pki / 'root.crl'} --crl {pki / 'signing-ca.crl'} --verbose\n"
    )
    if surprises:
        out.write(f"\n{surprises} document(s) did not get the expected verdict\n")
        return 1
    out.write("\nevery document got the verdict it should\n")
    return 0
