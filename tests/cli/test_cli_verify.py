"""`esealkit verify`: exit status, formats and hints, as an operator sees them."""

from __future__ import annotations

import json

import pytest
from asn1crypto import pem
from click.testing import CliRunner

from esealkit.cli.main import main
from esealkit.pdf.sign import sign_pdf
from esealkit.testing import simple_pdf


@pytest.fixture(scope="module")
def folder(pki, tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    docs = base / "docs"
    docs.mkdir()
    s = pki.signers["ecdsa-p256"]
    signed = sign_pdf(simple_pdf(["cli"]), key=s.key, cert_der=s.der, chain=pki.chain)
    (docs / "good.pdf").write_bytes(signed)
    (docs / "tampered.pdf").write_bytes(signed.replace(b"esealkit test document", b"esealkit test documenT", 1))
    (docs / "notes.txt").write_bytes(b"not a document")
    (base / "root.pem").write_bytes(pem.armor("CERTIFICATE", pki.root.der))
    for i, der in enumerate(pki.crls()):
        (base / f"{i}.crl").write_bytes(der)
    return base


def _args(folder, *files, fmt="text"):
    return ["verify", *[str(folder / "docs" / f) for f in files], "--trust", str(folder / "root.pem"),
            "--crl", str(folder / "0.crl"), "--crl", str(folder / "1.crl"), "--format", fmt]


def test_exit_zero_when_everything_passes(folder):
    result = CliRunner().invoke(main, _args(folder, "good.pdf"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASSED")


def test_exit_one_and_a_hint_when_something_fails(folder):
    result = CliRunner().invoke(main, _args(folder, "good.pdf", "tampered.pdf"))
    assert result.exit_code == 1
    assert "HASH_FAILURE" in result.output
    assert "hint: the signed content was changed after signing" in result.output


def test_exit_two_for_usage_errors(folder):
    runner = CliRunner()
    assert runner.invoke(main, ["verify", str(folder / "docs" / "good.pdf")]).exit_code == 2  # no --trust
    assert runner.invoke(main, ["verify"]).exit_code == 2
    assert runner.invoke(main, ["verify", str(folder / "docs" / "good.pdf"), "--trust",
                                str(folder / "docs" / "notes.txt")]).exit_code == 2  # not a certificate
    assert runner.invoke(main, [*_args(folder, "good.pdf"), "--validation-time", "yesterday"]).exit_code == 2


def test_jsonl_is_one_contract_object_per_document(folder):
    result = CliRunner().invoke(main, _args(folder, "good.pdf", "tampered.pdf", "notes.txt", fmt="jsonl"))
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["indication"] for d in lines] == ["TOTAL_PASSED", "TOTAL_FAILED", "TOTAL_FAILED"]
    for doc in lines:
        assert {"path", "format", "indication", "sub_indication", "message", "signatures"} <= set(doc)
    assert lines[2]["sub_indication"] == "FORMAT_FAILURE" and lines[2]["format"] == "unknown"
    assert lines[0]["signatures"][0]["signer"]["sha256"]


def test_json_has_documents_and_summary(folder):
    result = CliRunner().invoke(main, _args(folder, "good.pdf", "tampered.pdf", fmt="json"))
    data = json.loads(result.output)
    assert data["summary"]["documents"] == 2
    assert data["summary"]["TOTAL_PASSED"] == 1 and data["summary"]["TOTAL_FAILED"] == 1
    assert len(data["documents"]) == 2


def test_untrusted_mode_runs_every_other_check(folder):
    result = CliRunner().invoke(main, ["verify", str(folder / "docs" / "good.pdf"), "--untrusted", "--verbose"])
    assert result.exit_code == 1
    assert "NO_CERTIFICATE_CHAIN_FOUND" in result.output
    assert "TOTAL_PASSED  signature_value" in result.output
