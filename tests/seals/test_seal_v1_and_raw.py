"""GM/T 0031 v1 seals and signatures built here (read-and-verify support), and signature
values stored as raw r‖s instead of DER."""

from __future__ import annotations

from datetime import datetime

from asn1crypto import algos, core, x509
from seal_helpers import SIGNING_TIME, VALID_FROM, VALID_TO, build_seal, seal_pki, tiny_png

from esealkit.crypto import SM2_WITH_SM3, SignatureAlgorithm, digest, sign
from esealkit.report import Indication, SubIndication
from esealkit.seals import (
    asn1,
    parse_seal,
    parse_seal_signature,
    verify_seal,
    verify_seal_signature,
)

DATA = b"<ofd:Signature/>"


def _utc(t: datetime) -> x509.Time:
    return x509.Time(name="utc_time", value=t)


def _v1_signature(signer_cert: bytes | None = None) -> bytes:
    """A v1 seal (maker signs SEQUENCE{info, cert, alg}) used by a v1 signature (signer signs TBS_Sign)."""
    pki = seal_pki("sm2")
    info = asn1.SESSealInfoV1({
        "header": {"id": "ES", "version": 1, "vid": "esealkit-test"},
        "es_id": "33010600000001",
        "property": {"type": 1, "name": "测试章", "cert_list": [core.OctetString(pki.signer.der)],
                     "create_date": _utc(VALID_FROM), "valid_start": _utc(VALID_FROM), "valid_end": _utc(VALID_TO)},
        "picture": {"type": "PNG", "data": tiny_png(), "width": 40, "height": 40},
    })
    cert = core.OctetString(pki.maker.der)
    alg = core.ObjectIdentifier(SM2_WITH_SM3)
    body = info.dump() + cert.dump() + alg.dump()
    to_sign = b"\x30" + _length(body) + body
    signed = sign(pki.maker.key, SignatureAlgorithm.from_oid(SM2_WITH_SM3), to_sign)
    seal = asn1.SESSealV1({"seal_info": info, "sign_info": {"cert": cert, "sign_alg": alg, "signed_value": signed}})
    tbs = asn1.TBSSignV1({
        "version": 1, "eseal": seal, "time_info": core.OctetBitString(b"2026-06-01T08:00:00.000Z"),
        "data_hash": core.OctetBitString(digest("sm3", DATA)), "property_info": "/Doc_0/Signs/Sign_0/Signature.xml",
        "cert": signer_cert or pki.signer.der, "sign_alg": SM2_WITH_SM3,
    })
    value = sign(pki.signer.key, SignatureAlgorithm.from_oid(SM2_WITH_SM3), tbs.dump())
    return bytes(asn1.SESSignatureV1({"to_sign": tbs, "signature": value}).dump())


def _length(content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def test_v1_signature_verifies() -> None:
    pki = seal_pki("sm2")
    der = _v1_signature()
    sig = parse_seal_signature(der)
    assert sig.structure_version == 1 and sig.signing_time == SIGNING_TIME
    report = verify_seal_signature(der, data=DATA, trust=pki.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    check = report.check("seal_maker_signature")
    assert check is not None and check.details["signed"].startswith("SEQUENCE{")


def test_v1_signature_by_a_certificate_the_seal_does_not_list() -> None:
    pki = seal_pki("sm2")
    twin = pki.root.issue("twin", key=pki.signer.key, not_before=VALID_FROM)
    report = verify_seal_signature(_v1_signature(twin.der), data=DATA, trust=pki.trust)
    assert report.check("signature_value").indication is Indication.TOTAL_PASSED  # type: ignore[union-attr]
    assert report.sub_indication is SubIndication.SIGNER_NOT_BOUND_TO_SEAL


def _as_raw(der_signature: bytes) -> bytes:
    return bytes(algos.DSASignature.load(der_signature).to_p1363())


def test_raw_r_s_maker_signature_is_accepted() -> None:
    for kind in ("sm2", "ecdsa-p256"):
        pki = seal_pki(kind)
        parsed = asn1.SESSealV4.load(build_seal(pki).der)
        parsed["signed_value"] = core.OctetBitString(_as_raw(parse_seal(parsed.dump()).signed_value))
        raw = parse_seal(bytes(parsed.dump(force=True)))
        assert len(raw.signed_value) == 64
        report = verify_seal(raw, at=SIGNING_TIME, trust=pki.trust)
        assert report.indication is Indication.TOTAL_PASSED, (kind, report.to_dict())
