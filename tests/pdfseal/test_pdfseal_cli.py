"""``esealkit sign`` and ``esealkit seal register|revoke|status`` (click's CliRunner, real files,
a real HTTP timestamp authority on localhost)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from click.testing import CliRunner
from pdfseal_helpers import make_test_seal, seal_results

from esealkit.cli.seal import seal as seal_group
from esealkit.cli.sign import sign
from esealkit.engine import Verifier
from esealkit.pdf.reader import read_pdf
from esealkit.report import Indication, SubIndication
from esealkit.store import open_database
from esealkit.store.seals import SealStore
from esealkit.testing import simple_pdf, timestamper


def _private_pem(key: object) -> bytes:
    if type(key).__module__.startswith("tongsuopy"):
        from tongsuopy.crypto import serialization as sm_serialization

        return bytes(key.private_bytes(sm_serialization.Encoding.PEM, sm_serialization.PrivateFormat.PKCS8,
                                       sm_serialization.NoEncryption()))
    from cryptography.hazmat.primitives import serialization

    return bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))


@pytest.fixture
def files(pki, tmp_path: Path) -> dict[str, Path]:
    signer = pki.signers["sm2"]
    seal = make_test_seal(pki, "sm2")
    out = {
        "pdf": tmp_path / "contract.pdf",
        "seal": tmp_path / "Seal.esl",
        "key": tmp_path / "user.key",
        "cert": tmp_path / "user.der",
        "ca": tmp_path / "ca.der",
        "crl": tmp_path / "ca.crl",
        "db": tmp_path / "seals.db",
    }
    out["pdf"].write_bytes(simple_pdf(["Contract between A and B.", "Signed for A: (Seal here)"], pages=2))
    out["seal"].write_bytes(seal.der)
    out["key"].write_bytes(_private_pem(signer.key))
    out["cert"].write_bytes(signer.der)
    out["ca"].write_bytes(pki.ca.der)
    out["crl"].write_bytes(pki.crls()[1])
    return out


def _run(command, *args: object) -> tuple[int, str]:
    result = CliRunner().invoke(command, [str(a) for a in args])
    return result.exit_code, result.output


def _sign(files: dict[str, Path], output: Path, *extra: object) -> tuple[int, str]:
    return _run(sign, files["pdf"], "--seal", files["seal"], "--key", files["key"], "--cert", files["cert"],
                "--chain", files["ca"], "--output", output, *extra)


def test_sign_by_keyword_then_verify(pki, files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sealed.pdf"
    code, output = _sign(files, out, "--keyword", "(Seal here)", "--reason", "agreed")
    assert code == 0, output
    assert "sealed with seal 33010600000001" in output
    sealed = out.read_bytes()
    [result] = seal_results(sealed, Verifier(trust=pki.trust()))
    assert all(c.indication is Indication.TOTAL_PASSED for c in result.checks), result.checks
    assert Verifier(trust=pki.trust()).verify(sealed).indication is Indication.TOTAL_PASSED


def test_sign_by_coordinates_cross_page_and_b_lt(pki, files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    assert _sign(files, out, "--page", 2, "--x", 100, "--y", 100, "--crl", files["crl"])[0] == 0
    doc = read_pdf(out.read_bytes())
    assert len(doc.signatures) == 1 and files["crl"].read_bytes() in doc.dss_crls
    out = tmp_path / "b.pdf"
    assert _sign(files, out, "--cross-page")[0] == 0
    assert [s.field_name for s in read_pdf(out.read_bytes()).signatures] == ["Seal_1", "Seal_2"]


class _TsaHandler(BaseHTTPRequestHandler):
    stamper = None

    def do_POST(self) -> None:
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        body = type(self).stamper.request_tsa_response(request).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tsa_url(pki) -> Iterator[str]:
    handler = type("Handler", (_TsaHandler,), {"stamper": timestamper(pki.tsa)})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsr"
    finally:
        server.shutdown()
        server.server_close()


def test_sign_with_a_timestamp_authority_over_http(pki, files: dict[str, Path], tmp_path: Path, tsa_url: str) -> None:
    out = tmp_path / "t.pdf"
    code, output = _sign(files, out, "--tsa-url", tsa_url)
    assert code == 0, output
    [sig] = Verifier(trust=pki.trust()).verify(out.read_bytes()).signatures
    assert sig.timestamp_time is not None
    assert sig.indication is Indication.TOTAL_PASSED, sig.to_dict()


@pytest.mark.parametrize("args", [
    ("--x", "10"),                                  # x without y
    ("--every",),                                   # --every without --keyword
    ("--keyword", "not in the document"),
    ("--page", "9"),
    ("--keyword", "x", "--x", "1", "--y", "1"),
], ids=["x-without-y", "every-alone", "keyword-missing", "no-such-page", "keyword-and-xy"])
def test_sign_usage_errors_exit_2(files: dict[str, Path], tmp_path: Path, args: tuple[str, ...]) -> None:
    out = tmp_path / "never.pdf"
    code, _ = _sign(files, out, *args)
    assert code == 2
    assert not out.exists()


def test_sign_refuses_a_signer_the_seal_does_not_list(pki, files: dict[str, Path], tmp_path: Path) -> None:
    other = pki.signers["ecdsa-p256"]
    files["key"].write_bytes(_private_pem(other.key))
    files["cert"].write_bytes(other.der)
    code, output = _sign(files, tmp_path / "x.pdf")
    assert code == 2 and "cannot use this seal" in output


def test_register_revoke_status_and_verify_with_the_store(pki, files: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{files['db']}"
    code, output = _run(seal_group, "register", files["seal"], "--db", db)
    assert code == 0 and "is active" in output, output
    assert _run(seal_group, "revoke", "33010600000001", "--db", db)[0] == 2  # no reason
    code, output = _run(seal_group, "revoke", "33010600000001", "--suspend", "--reason", "audit", "--db", db)
    assert code == 0 and "is suspended" in output, output
    code, output = _run(seal_group, "revoke", "33010600000001", "--reactivate", "--db", db)
    assert code == 0 and "is active" in output
    code, output = _run(seal_group, "revoke", "33010600000001", "--reason", "retired", "--db", db)
    assert code == 0 and "is revoked" in output
    code, output = _run(seal_group, "status", "33010600000001", "--db", db, "--format", "json")
    assert code == 0 and '"status": "revoked"' in output and '"reason": "retired"' in output
    assert _run(seal_group, "status", "nope", "--db", db)[0] == 1
    assert _run(seal_group, "revoke", "33010600000001", "--reactivate", "--db", db)[0] == 2  # final
    # the bare seal now verifies as revoked against the store
    code, output = _run(seal_group, "verify", files["seal"], "--db", db, "--format", "json")
    assert code == 1 and SubIndication.SEAL_REVOKED.value in output
    store = SealStore(open_database(db))
    assert [e.status for e in store.history("33010600000001")] == ["active", "suspended", "active", "revoked"]
