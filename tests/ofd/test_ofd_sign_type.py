"""Type="Sign" signatures (GM/T 0010 / PKCS#7 SignedData and bare SM2 values), CheckMethod
spellings, relative paths and free element order — on documents assembled here."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from asn1crypto import algos, cms, core
from ofd_fixtures import OfdPKI, make_zip, read_zip

from esealkit.crypto import SM2_WITH_SM3, SignatureAlgorithm, digest, sign
from esealkit.ofd import verify_ofd
from esealkit.ofd.build import build_ofd
from esealkit.report import Indication, SubIndication
from esealkit.testing import Issued

P = Indication.TOTAL_PASSED
SIGN_DIR = "Doc_0/Signs/Sign_0"


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + value


def signed_data(who: Issued, *, content: bytes | None, signed_over: bytes, gm: bool = True) -> bytes:
    """A SignedData without signed attributes, as GM/T 0010 producers write it."""
    cert = who.certificate
    inner_type = "1.2.156.10197.6.1.4.2.1" if gm else "1.2.840.113549.1.7.1"
    encap = core.ObjectIdentifier(inner_type).dump()
    if content is not None:
        encap += _tlv(0xA0, core.OctetString(content).dump())
    value = sign(who.key, SignatureAlgorithm.from_oid(SM2_WITH_SM3), signed_over)
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": "1.2.156.10197.1.401"}],
        "encap_content_info": cms.ContentInfo.load(_tlv(0x30, encap)),
        "certificates": [cert],
        "signer_infos": [{
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}),
            "digest_algorithm": {"algorithm": "1.2.156.10197.1.401"},
            "signature_algorithm": {"algorithm": SM2_WITH_SM3},
            "signature": value,
        }],
    })
    outer = "1.2.156.10197.6.1.4.2.2" if gm else "1.2.840.113549.1.7.2"
    return _tlv(0x30, core.ObjectIdentifier(outer).dump() + _tlv(0xA0, sd.dump()))


def add_signature(make_value: Callable[[bytes], bytes], *, method: str | None = "SM3", algorithm: str = "sm3",
                  signed_value_first: bool = False, sig_type: str = "Sign") -> bytes:
    """A one-page document with one signature; paths in the signature files are relative."""
    files = read_zip(build_ofd(["Type=Sign test"]))
    files["OFD.xml"] = files["OFD.xml"].replace(
        b"</ofd:DocBody>", b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>")
    refs = "".join(
        f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>{base64.b64encode(digest(algorithm, data)).decode()}'
        "</ofd:CheckValue></ofd:Reference>" for name, data in files.items()
    )
    check_method = f' CheckMethod="{method}"' if method else ""
    signed_info = (f'<ofd:SignedInfo><ofd:StampAnnot ID="9" PageRef="2" Boundary="10 10 40 40"/>'
                   f'<ofd:References{check_method}>{refs}</ofd:References>'
                   '<ofd:Provider ProviderName="test"/></ofd:SignedInfo>')
    signed_value = "<ofd:SignedValue>SignedValue.dat</ofd:SignedValue>"
    body = signed_value + signed_info if signed_value_first else signed_info + signed_value
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016">'
           f"{body}</ofd:Signature>").encode()
    files[f"{SIGN_DIR}/Signature.xml"] = xml
    files[f"{SIGN_DIR}/SignedValue.dat"] = make_value(xml)
    files["Doc_0/Signs/Signatures.xml"] = (
        '<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016">'
        f'<ofd:Signature ID="7" Type="{sig_type}" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>').encode()
    return make_zip(files)


def _checks(data: bytes, **kwargs: object) -> dict[str, tuple[Indication, SubIndication | None]]:
    report = verify_ofd(data, **kwargs)  # type: ignore[arg-type]
    (sig,) = report.signatures
    return {c.name: (c.indication, c.sub_indication) for c in sig.checks}


def test_gmt0010_attached_sm3_of_signature_xml(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    data = add_signature(lambda xml: signed_data(who, content=digest("sm3", xml), signed_over=digest("sm3", xml)))
    checks = _checks(data)
    for name in ("signature_xml", "references", "references_complete", "signed_value_format", "data_hash",
                 "signature_value"):
        assert checks[name] == (P, None), name
    assert checks["signer_trust"] == (Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
    report = verify_ofd(data, trust=ofd_pki.trust, at=datetime(2026, 6, 1, tzinfo=UTC))
    assert report.indication is P, report.message
    assert report.signatures[0].kind.value == "signature"
    assert report.signatures[0].signer is not None


def test_pkcs7_detached_over_signature_xml(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    checks = _checks(add_signature(lambda xml: signed_data(who, content=None, signed_over=xml, gm=False)))
    assert checks["data_hash"] == (P, None)
    assert checks["signature_value"] == (P, None)


def test_signed_data_over_another_signature_xml_fails_data_hash(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    other = digest("sm3", b"<another/>")
    checks = _checks(add_signature(lambda xml: signed_data(who, content=other, signed_over=other)))
    assert checks["data_hash"] == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)


def test_signed_data_with_a_forged_value_fails(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    checks = _checks(add_signature(lambda xml: signed_data(who, content=digest("sm3", xml), signed_over=b"other")))
    assert checks["signature_value"] == (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)


@pytest.mark.parametrize("raw", [False, True])
def test_bare_sm2_value_with_supplied_certificate(ofd_pki: OfdPKI, raw: bool) -> None:
    who = ofd_pki.signer

    def value(xml: bytes) -> bytes:
        der = sign(who.key, SignatureAlgorithm.from_oid(SM2_WITH_SM3), xml)
        return algos.DSASignature.load(der).to_p1363() if raw else der

    data = add_signature(value)
    assert _checks(data)["signature_value"] == (Indication.INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    assert _checks(data, certificates=[who.der])["signature_value"] == (P, None)
    wrong = _checks(data, certificates=[ofd_pki.second_signer.der])["signature_value"]
    assert wrong == (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE)


@pytest.mark.parametrize("value", [b"", b"garbage", b"\x30\x03\x02\x01\x01"])
def test_unreadable_sign_value_is_a_format_failure(value: bytes) -> None:
    checks = _checks(add_signature(lambda xml: value))
    assert checks["signed_value_format"] == (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE)


def test_seal_type_with_a_non_seal_value_is_a_format_failure(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    checks = _checks(add_signature(lambda xml: signed_data(who, content=None, signed_over=xml), sig_type="Seal"))
    assert checks["seal_format"] == (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE)


def test_unknown_signature_type() -> None:
    checks = _checks(add_signature(lambda xml: b"x", sig_type="Stamp"))
    assert checks["signature_type"] == (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE)


@pytest.mark.parametrize(("method", "algorithm"), [
    ("SM3", "sm3"), ("sm3", "sm3"), ("1.2.156.10197.1.401", "sm3"), ("1.2.156.10197.1.401.2", "sm3"),
    ("SHA256", "sha256"), ("SHA-256", "sha256"), ("2.16.840.1.101.3.4.2.1", "sha256"), ("SHA1", "sha1"),
    ("MD5", "md5"), (None, "sm3"), (None, "sha256"),
])
def test_check_method_by_name_or_oid(method: str | None, algorithm: str) -> None:
    checks = _checks(add_signature(lambda xml: b"x", method=method, algorithm=algorithm))
    assert checks["references"] == (P, None)


def test_check_method_mismatch_fails_every_reference() -> None:
    report = verify_ofd(add_signature(lambda xml: b"x", method="SM3", algorithm="sha256"))
    refs = report.signatures[0].check("references")
    assert refs is not None and refs.sub_indication is SubIndication.HASH_FAILURE
    assert len(refs.details["failed"]) == 4


def test_unsupported_check_method_is_indeterminate() -> None:
    checks = _checks(add_signature(lambda xml: b"x", method="WHIRLPOOL"))
    assert checks["references"] == (Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE)


def test_element_order_is_free(ofd_pki: OfdPKI) -> None:
    who = ofd_pki.signer
    data = add_signature(lambda xml: signed_data(who, content=digest("sm3", xml), signed_over=digest("sm3", xml)),
                         signed_value_first=True)
    checks = _checks(data)
    assert checks["signature_value"] == (P, None) and checks["references"] == (P, None)
    report = verify_ofd(data)
    stamps = report.signatures[0].check("signature_xml").details["stamps"]  # type: ignore[union-attr]
    assert stamps == [{"id": "9", "page_ref": "2", "page": 1, "boundary": [10.0, 10.0, 40.0, 40.0]}]
