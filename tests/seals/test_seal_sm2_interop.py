"""SM2-with-SM3 interoperates with the ``openssl`` command line when both use the standard
user ID 1234567812345678 — and does not when openssl is left at its own (empty) default."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from esealkit.crypto import (
    SM2_WITH_SM3,
    InvalidSignature,
    SignatureAlgorithm,
    sign,
    verify_signature,
)

DISTID = "distid:1234567812345678"
MESSAGE = "电子印章 SM2 interop test: the TBS_Sign bytes would go here".encode()
SM2 = SignatureAlgorithm.from_oid(SM2_WITH_SM3)


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line is not installed")
    folder = tmp_path_factory.mktemp("sm2")
    made = _openssl("genpkey", "-algorithm", "SM2", "-out", folder / "key.pem")
    if made.returncode != 0:
        pytest.skip(f"this openssl cannot make SM2 keys: {made.stderr.decode(errors='replace')}")
    assert _openssl("pkey", "-in", folder / "key.pem", "-pubout", "-out", folder / "pub.pem").returncode == 0
    assert _openssl("pkey", "-in", folder / "key.pem", "-pubout", "-outform", "DER",
                    "-out", folder / "pub.der").returncode == 0
    (folder / "msg.bin").write_bytes(MESSAGE)
    return folder


def _openssl_sign(folder: Path, *, distid: bool) -> bytes:
    out = folder / f"openssl-{distid}.sig"
    extra = ("-pkeyopt", DISTID) if distid else ()
    done = _openssl("pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", folder / "key.pem",
                    "-in", folder / "msg.bin", "-out", out, *extra)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def _openssl_verify(folder: Path, signature: bytes, *, distid: bool) -> bool:
    sig_file = folder / "esealkit.sig"
    sig_file.write_bytes(signature)
    extra = ("-pkeyopt", DISTID) if distid else ()
    done = _openssl("pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", folder / "pub.pem",
                    "-in", folder / "msg.bin", "-sigfile", sig_file, *extra)
    return done.returncode == 0 and b"Signature Verified Successfully" in done.stdout


def _esealkit_key(folder: Path) -> object:
    from tongsuopy.crypto import serialization as sm_serialization

    return sm_serialization.load_pem_private_key((folder / "key.pem").read_bytes(), password=None)


def test_openssl_signature_verifies_with_esealkit(keys_dir: Path) -> None:
    signature = _openssl_sign(keys_dir, distid=True)
    verify_signature((keys_dir / "pub.der").read_bytes(), SM2, signature, MESSAGE)


def test_esealkit_signature_verifies_with_openssl(keys_dir: Path) -> None:
    signature = sign(_esealkit_key(keys_dir), SM2, MESSAGE)
    assert _openssl_verify(keys_dir, signature, distid=True)


def test_pitfall_openssl_without_distid_does_not_verify(keys_dir: Path) -> None:
    # openssl's default distinguishing ID is empty, not the standard 1234567812345678.
    signature = _openssl_sign(keys_dir, distid=False)
    with pytest.raises(InvalidSignature):
        verify_signature((keys_dir / "pub.der").read_bytes(), SM2, signature, MESSAGE)
    assert not _openssl_verify(keys_dir, sign(_esealkit_key(keys_dir), SM2, MESSAGE), distid=False)


def test_openssl_signature_on_a_tampered_message_fails(keys_dir: Path) -> None:
    signature = _openssl_sign(keys_dir, distid=True)
    with pytest.raises(InvalidSignature):
        verify_signature((keys_dir / "pub.der").read_bytes(), SM2, signature, MESSAGE + b"!")


def test_seal_made_with_an_openssl_key_verifies_with_openssl(keys_dir: Path) -> None:
    from seal_helpers import build_seal, seal_pki

    pki = seal_pki("sm2")
    key = _esealkit_key(keys_dir)
    maker = pki.root.issue("openssl-made maker key", key=key, not_before=pki.maker.certificate.not_valid_before)
    seal = build_seal(pki, maker_key=key, maker_cert_der=maker.der)
    (keys_dir / "msg.bin").write_bytes(seal.tbs)
    try:
        assert _openssl_verify(keys_dir, seal.signed_value, distid=True)
    finally:
        (keys_dir / "msg.bin").write_bytes(MESSAGE)
