"""Make e-seals (制章) and seal signatures (签章), GB/T 38540 version 4 (or 5).

    >>> from datetime import datetime, UTC
    >>> seal = make_seal(es_id="33010600000001", name="合同专用章", type=4,
    ...                  maker_key=maker_key, maker_cert_der=maker_cert,
    ...                  signer_certs=[signer_cert],
    ...                  valid_from=datetime(2026, 1, 1, tzinfo=UTC), valid_to=datetime(2028, 1, 1, tzinfo=UTC),
    ...                  picture=SealPicture("PNG", draw_round_seal("某公司", "合同专用章", "33010600000001"), 42, 42))  # doctest: +SKIP
    >>> sig_der = sign_with_seal(seal, signer_key=signer_key, signer_cert_der=signer_cert,
    ...                          data=b"...", property_info="/Doc_0/Signs/Sign_0/Signature.xml",
    ...                          signing_time=datetime.now(UTC))                                       # doctest: +SKIP

The signature algorithm follows the key: SM2 (a tongsuopy SM2 key) → SM2-with-SM3,
ECDSA P-256/P-384/P-521 → ecdsa-with-SHA256/384/512, RSA → sha256WithRSAEncryption,
Ed25519 → Ed25519.  The maker signs DER(SES_SealInfo) and the signer DER(TBS_Sign), as the
seals in the wild do (STANDARDS.md §1.4).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from asn1crypto import core, x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from esealkit.crypto import SM2_WITH_SM3, SignatureAlgorithm, sign
from esealkit.crypto import digest as compute_digest
from esealkit.seals import asn1
from esealkit.seals.model import ExtData, Seal, SealPicture, parse_seal

__all__ = ["Timestamper", "make_seal", "sign_digest_with_seal", "sign_with_seal", "signature_algorithm_for_key"]

# Called with a signature value, returns a DER RFC 3161 TimeStampToken over it (e.g. from a TSA).
Timestamper = Callable[[bytes], bytes]

_EC_OIDS = {256: "1.2.840.10045.4.3.2", 384: "1.2.840.10045.4.3.3", 521: "1.2.840.10045.4.3.4"}


def signature_algorithm_for_key(private_key: Any) -> str:
    """The signature algorithm OID a seal made with this private key uses."""
    module = type(private_key).__module__
    if module.startswith("tongsuopy"):
        curve = getattr(getattr(private_key, "curve", None), "name", "")
        if curve.lower() == "sm2":
            return SM2_WITH_SM3
        raise ValueError(f"tongsuopy key on curve {curve!r}: only SM2 keys are supported from tongsuopy")
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        oid = _EC_OIDS.get(private_key.curve.key_size)
        if oid is None:
            raise ValueError(f"unsupported EC curve {private_key.curve.name}")
        return oid
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "1.2.840.113549.1.1.11"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "1.3.101.112"
    raise ValueError(f"unsupported private key type {type(private_key).__name__}")


def _sign(private_key: Any, data: bytes) -> tuple[str, bytes]:
    oid = signature_algorithm_for_key(private_key)
    return oid, sign(private_key, SignatureAlgorithm.from_oid(oid), data)


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def _generalized(value: datetime, what: str) -> x509.Time:
    return x509.Time(name="general_time", value=_utc(value, what))


def _check_cert(der: bytes, what: str) -> bytes:
    try:
        x509.Certificate.load(bytes(der), strict=True).native  # noqa: B018 - forces a full parse
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} is not a DER X.509 certificate: {exc}") from exc
    return bytes(der)


def make_seal(
    *,
    es_id: str,
    name: str,
    type: int,
    maker_key: Any,
    maker_cert_der: bytes,
    signer_certs: Sequence[bytes],
    valid_from: datetime,
    valid_to: datetime,
    picture: SealPicture,
    vendor_id: str = "ESEALKIT",
    created: datetime | None = None,
    cert_list_type: int = 1,
    version: int = 4,
    cert_digest: str = "sm3",
    ext_datas: Sequence[ExtData] = (),
    timestamp: Timestamper | None = None,
) -> Seal:
    """Make and sign an SES_Seal (v4, or v5 with an optional seal timestamp).

    ``signer_certs`` are the DER certificates allowed to use the seal; with
    ``cert_list_type=2`` the seal lists their ``cert_digest`` digests instead.
    ``created`` defaults to ``valid_from``.  ``timestamp`` (v5 only) is called with the
    maker's signature value and returns the DER timestamp token stored in the seal.
    Raises ``ValueError`` on bad arguments.
    """
    if version not in (4, 5):
        raise ValueError("make_seal makes version 4 or 5 seals")
    if timestamp is not None and version != 5:
        raise ValueError("only version 5 seals carry a seal timestamp")
    if cert_list_type not in (1, 2):
        raise ValueError("cert_list_type is 1 (certificates) or 2 (certificate digests)")
    if not signer_certs:
        raise ValueError("a seal lists at least one signer certificate")
    if _utc(valid_to, "valid_to") < _utc(valid_from, "valid_from"):
        raise ValueError("valid_to is before valid_from")
    certs = [_check_cert(c, "a signer certificate") for c in signer_certs]
    maker_cert = _check_cert(maker_cert_der, "maker_cert_der")
    if cert_list_type == 1:
        cert_list: core.Asn1Value = asn1.CertInfoList(certs)
    else:
        cert_list = asn1.CertDigestList([{"type": cert_digest, "value": compute_digest(cert_digest, c)} for c in certs])
    info = asn1.SESSealInfoV4(
        {
            "header": {"id": "ES", "version": version, "vid": vendor_id},
            "es_id": es_id,
            "property": {
                "type": type,
                "name": name,
                "cert_list_type": cert_list_type,
                "cert_list": core.Any.load(cert_list.dump()),
                "create_date": _generalized(created or valid_from, "created"),
                "valid_start": _generalized(valid_from, "valid_from"),
                "valid_end": _generalized(valid_to, "valid_to"),
            },
            "picture": {
                "type": picture.type,
                "data": picture.data,
                "width": picture.width_mm,
                "height": picture.height_mm,
            },
        }
    )
    if ext_datas:
        info["ext_datas"] = [
            {"extn_id": e.oid, "critical": e.critical, "extn_value": e.value} for e in ext_datas
        ]
    info_der = info.dump()
    oid, value = _sign(maker_key, info_der)
    seal = asn1.SESSealV4(
        {
            "seal_info": asn1.SESSealInfoV4.load(info_der),
            "cert": maker_cert,
            "sign_alg": oid,
            "signed_value": value,
        }
    )
    if timestamp is not None:
        seal["timestamp"] = bytes(timestamp(value))
    return parse_seal(seal.dump())


def sign_digest_with_seal(
    seal: Seal,
    *,
    signer_key: Any,
    signer_cert_der: bytes,
    data_hash: bytes,
    property_info: str,
    signing_time: datetime,
    timestamp: Timestamper | None = None,
) -> bytes:
    """A DER SES_Signature over an already computed ``data_hash`` (see :func:`sign_with_seal`)."""
    if seal.version not in (4, 5):
        raise ValueError(f"signing with a version {seal.version} seal is not supported (only 4 and 5)")
    signer_cert = _check_cert(signer_cert_der, "signer_cert_der")
    if seal.cert_list_type == 1 and signer_cert not in seal.signer_certs:
        raise ValueError("the signer certificate is not one the seal lists")
    if seal.cert_list_type == 2 and not any(
        compute_digest(d.type, signer_cert) == d.value for d in seal.signer_cert_digests
    ):
        raise ValueError("the signer certificate's digest is not one the seal lists")
    tbs = asn1.TBSSignV4(
        {
            "version": seal.header_version,
            "eseal": asn1.SESSealV4.load(seal.der),
            "time_info": _generalized(signing_time, "signing_time"),
            "data_hash": data_hash,
            "property_info": property_info,
        }
    )
    tbs_der = tbs.dump()
    oid, value = _sign(signer_key, tbs_der)
    signature = asn1.SESSignatureV4(
        {
            "to_sign": asn1.TBSSignV4.load(tbs_der),
            "cert": signer_cert,
            "sign_alg": oid,
            "signature": value,
        }
    )
    if timestamp is not None:
        signature["timestamp"] = bytes(timestamp(value))
    return bytes(signature.dump())


def sign_with_seal(
    seal: Seal,
    *,
    signer_key: Any,
    signer_cert_der: bytes,
    data: bytes,
    property_info: str,
    signing_time: datetime,
    digest: str = "sm3",
    timestamp: Timestamper | None = None,
) -> bytes:
    """Use ``seal`` on ``data``: a DER SES_Signature whose dataHash is ``digest(data)``.

    In OFD, ``data`` is the exact bytes of Signature.xml and ``property_info`` its absolute
    path.  The signer's certificate must be one the seal lists (``ValueError`` otherwise).
    ``timestamp``, when given, is called with the signature value and returns a DER RFC 3161
    TimeStampToken over it, stored as the signature's ``timeStamp``.
    """
    return sign_digest_with_seal(
        seal,
        signer_key=signer_key,
        signer_cert_der=signer_cert_der,
        data_hash=compute_digest(digest, data),
        property_info=property_info,
        signing_time=signing_time,
        timestamp=timestamp,
    )
