"""``esealkit seal show`` and ``esealkit seal verify`` (click's CliRunner, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from seal_helpers import SIGNING_TIME, build_seal, seal_pki

from esealkit.cli.seal import seal
from esealkit.seals import sign_with_seal

DATA = b"<ofd:Signature/>"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pki = seal_pki("sm2")
    made = build_seal(pki)
    folder = tmp_path_factory.mktemp("cli")
    out = {
        "seal": folder / "Seal.esl",
        "sig": folder / "SignedValue.dat",
        "data": folder / "Signature.xml",
        "root": folder / "root.der",
        "crl": folder / "root.crl",
        "garbage": folder / "garbage.dat",
    }
    out["seal"].write_bytes(made.der)
    out["sig"].write_bytes(sign_with_seal(made, signer_key=pki.signer.key, signer_cert_der=pki.signer.der, data=DATA,
                                          property_info="/Doc_0/Signs/Sign_0/Signature.xml", signing_time=SIGNING_TIME))
    out["data"].write_bytes(DATA)
    out["root"].write_bytes(pki.root.der)
    out["crl"].write_bytes(pki.trust.crls[0])
    out["garbage"].write_bytes(b"\x30\x03\x02\x01\x01 definitely not a seal")
    return out


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(seal, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("name", "version"), [("UserV1.esl", 1), ("UserV4.esl", 4), ("UserV5_ts.esl", 5)])
def test_show_corpus_seal_json(corpus: Path, name: str, version: int) -> None:
    code, output = _run("show", corpus / name, "--format", "json")
    assert code == 0
    facts = json.loads(output)
    assert facts["kind"] == "seal" and facts["version"] == version
    for key in ("es_id", "vendor_id", "type", "name", "valid_from", "valid_to", "created", "signers"):
        assert key in facts
    assert set(facts["picture"]) >= {"type", "width_mm", "height_mm"}
    assert set(facts["maker"]) >= {"subject", "sha256"}


def test_show_corpus_signature_json(corpus: Path) -> None:
    code, output = _run("show", corpus / "SignedValueV4.dat", "--format", "json")
    assert code == 0
    facts = json.loads(output)
    assert facts["kind"] == "seal-signature" and facts["version"] == 4
    assert facts["signing_time"] == "2020-10-12T11:14:03+00:00"
    assert facts["property_info"] == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert len(facts["data_hash"]) == 64 and facts["signer"]["sha256"]


def test_show_text(files: dict[str, Path]) -> None:
    code, output = _run("show", files["sig"])
    assert code == 0
    assert "name: 合同专用章" in output and "signing_time: 2026-06-01T08:00:00+00:00" in output


def test_verify_made_signature_passes_with_trust(files: dict[str, Path]) -> None:
    code, output = _run("verify", files["sig"], "--data", files["data"], "--trust", files["root"],
                        "--crl", files["crl"], "--format", "json")
    report = json.loads(output)
    assert (code, report["format"], report["indication"]) == (0, "seal-signature", "TOTAL_PASSED"), output


def test_verify_without_data_is_indeterminate(files: dict[str, Path]) -> None:
    code, output = _run("verify", files["sig"], "--trust", files["root"], "--crl", files["crl"], "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["indication"] == "INDETERMINATE"
    checks = {c["name"]: c for c in report["signatures"][0]["checks"]}
    assert checks["data_hash"]["sub_indication"] == "SIGNED_DATA_NOT_FOUND"


def test_verify_seal_file(files: dict[str, Path]) -> None:
    code, output = _run("verify", files["seal"], "--trust", files["root"], "--crl", files["crl"],
                        "--validation-time", "2026-06-01T16:00:00+08:00", "--format", "json")
    report = json.loads(output)
    assert (code, report["format"], report["indication"]) == (0, "seal", "TOTAL_PASSED"), output


def test_verify_text_lists_checks(corpus: Path) -> None:
    code, output = _run("verify", corpus / "SignedValueV4.dat")
    assert code == 1
    assert "TOTAL_PASSED  signature_value" in output and "INDETERMINATE seal_maker_trust" in output


def test_verify_garbage_is_a_report(files: dict[str, Path]) -> None:
    code, output = _run("verify", files["garbage"], "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["format"] == "unknown" and report["sub_indication"] == "FORMAT_FAILURE"


def test_show_garbage_fails(files: dict[str, Path]) -> None:
    code, _ = _run("show", files["garbage"])
    assert code == 1


@pytest.mark.parametrize("args", [
    ("verify", "no-such-file.esl"),
    ("verify", "{seal}", "--validation-time", "yesterday"),
    ("verify", "{seal}", "--validation-time", "2026-01-01T00:00:00"),
    ("show", "{seal}", "--format", "xml"),
], ids=["missing-file", "bad-time", "naive-time", "bad-format"])
def test_usage_errors_exit_2(files: dict[str, Path], args: tuple[str, ...]) -> None:
    code, _ = _run(*(a.format(seal=files["seal"]) for a in args))
    assert code == 2


def _private_pem(key: object) -> bytes:
    if type(key).__module__.startswith("tongsuopy"):
        from tongsuopy.crypto import serialization as sm_serialization

        return bytes(key.private_bytes(sm_serialization.Encoding.PEM,  # type: ignore[attr-defined]
                                       sm_serialization.PrivateFormat.PKCS8, sm_serialization.NoEncryption()))
    from cryptography.hazmat.primitives import serialization

    return bytes(key.private_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                                   serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


@pytest.mark.parametrize("kind", ["sm2", "ecdsa-p256"])
def test_make_then_verify(tmp_path: Path, kind: str) -> None:
    pki = seal_pki(kind)
    (tmp_path / "maker.key").write_bytes(_private_pem(pki.maker.key))
    (tmp_path / "maker.der").write_bytes(pki.maker.der)
    (tmp_path / "user.der").write_bytes(pki.signer.der)
    (tmp_path / "root.der").write_bytes(pki.root.der)
    (tmp_path / "root.crl").write_bytes(pki.trust.crls[0])
    out = tmp_path / "Seal.esl"
    code, output = _run("make", out, "--es-id", "33010600000001", "--name", "合同专用章", "--type", "4",
                        "--maker-key", tmp_path / "maker.key", "--maker-cert", tmp_path / "maker.der",
                        "--signer-cert", tmp_path / "user.der", "--valid-from", "2026-01-01T00:00:00+08:00",
                        "--valid-to", "2028-01-01T00:00:00+08:00", "--size-mm", "40")
    assert code == 0, output
    code, output = _run("show", out, "--format", "json")
    facts = json.loads(output)
    assert facts["name"] == "合同专用章" and facts["picture"]["width_mm"] == 40
    assert facts["owner"] == {"name": "某某有限公司", "uscc": "91320115MA202UKD7X", "seal_code": "33010600000001"}
    code, output = _run("verify", out, "--trust", tmp_path / "root.der", "--crl", tmp_path / "root.crl",
                        "--validation-time", "2026-06-01T16:00:00+08:00", "--format", "json")
    assert code == 0, output


def test_make_rejects_a_non_key(tmp_path: Path, files: dict[str, Path]) -> None:
    pki = seal_pki("sm2")
    (tmp_path / "maker.der").write_bytes(pki.maker.der)
    code, output = _run("make", tmp_path / "x.esl", "--es-id", "1", "--name", "n", "--type", "1",
                        "--maker-key", files["data"], "--maker-cert", tmp_path / "maker.der",
                        "--signer-cert", tmp_path / "maker.der", "--valid-from", "2026-01-01T00:00:00+00:00",
                        "--valid-to", "2027-01-01T00:00:00+00:00")
    assert code == 2 and "private key" in output
