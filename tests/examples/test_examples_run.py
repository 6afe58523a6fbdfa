"""The programs in examples/ run and say what they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from asn1crypto import pem

from esealkit.pdf.sign import sign_pdf
from esealkit.testing import simple_pdf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_verify_one_pdf(pki, tmp_path):
    signer = pki.signers["sm2"]
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(sign_pdf(simple_pdf(["example"]), key=signer.key, cert_der=signer.der, chain=pki.chain))
    root = tmp_path / "root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", pki.root.der))
    crls = []
    for i, der in enumerate(pki.crls()):
        crls.append(tmp_path / f"{i}.crl")
        crls[-1].write_bytes(der)
    run = subprocess.run([sys.executable, str(EXAMPLES / "verify_one_pdf.py"), str(pdf), str(root), *map(str, crls)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "TOTAL_PASSED" in run.stdout and "signature_value" in run.stdout
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(pdf.read_bytes().replace(b"esealkit test document", b"esealkit test documenT", 1))
    run = subprocess.run([sys.executable, str(EXAMPLES / "verify_one_pdf.py"), str(tampered), str(root), *map(str, crls)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "HASH_FAILURE" in run.stdout and "hint:" in run.stdout
