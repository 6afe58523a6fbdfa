"""ASN.1 structures of e-seals (电子印章) and seal signatures (电子签章), as asn1crypto specs.

Three generations share most of their shape (see STANDARDS.md §1):

* v1, GM/T 0031-2014: ``SESeal{esealInfo, signInfo{cert, alg, signData}}`` and
  ``SES_Signature{toSign, signature}`` with the signer's certificate inside ``TBS_Sign``;
* v4, GB/T 38540-2020: ``SES_Seal{eSealInfo, cert, signAlgID, signedValue}`` and
  ``SES_Signature{toSign, cert, signatureAlgID, signature, [0] timeStamp OPTIONAL}``;
* v5 (ofdrw "GM/T 0031-2025"): v4 plus ``[0] timeStamp OPTIONAL`` at the end of SES_Seal.

The version is told apart by structure (element counts), never by the header alone::

    >>> from esealkit.seals.asn1 import seal_structure_version
    >>> seal_structure_version(bytes.fromhex("3000"))
    Traceback (most recent call last):
    ...
    ValueError: an SES_Seal has 2 (v1) or 4-5 (v4/v5) elements, not 0

Parsed values keep their original bytes: ``x.dump()`` of a parsed, unmodified value returns
exactly the bytes it was read from, which is what signatures are verified over.
"""

from __future__ import annotations

from asn1crypto import core, x509

__all__ = [
    "AnyList",
    "CertDigestList",
    "CertDigestObj",
    "CertInfoList",
    "ExtData",
    "ExtensionDatas",
    "SESHeader",
    "SESPictureInfo",
    "SESPropertyInfoV1",
    "SESPropertyInfoV4",
    "SESSealInfoV1",
    "SESSealInfoV4",
    "SESSealV1",
    "SESSealV4",
    "SESSignInfoV1",
    "SESSignatureV1",
    "SESSignatureV4",
    "TBSSignV1",
    "TBSSignV4",
    "load_strict",
    "seal_structure_version",
    "signature_structure_version",
]


class SESHeader(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_Header: ``id`` is always "ES"; ``vid`` is the vendor id (厂商标识)."""

    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class CertInfoList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    """SEQUENCE OF OCTET STRING: DER certificates of the signers allowed to use the seal."""

    _child_spec = core.OctetString


class CertDigestObj(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """One certificate digest: ``type`` names the hash algorithm (free text in the wild)."""

    _fields = [
        ("type", core.PrintableString),
        ("value", core.OctetString),
    ]


class CertDigestList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = CertDigestObj


class ExtData(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = ExtData


class SESPictureInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_ESPictrueInfo (sic): picture type ("PNG", "ofd" …), bytes, display size in mm."""

    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SESPropertyInfoV4(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """v4 SES_ESPropertyInfo.  ``cert_list`` is an untagged CHOICE whose branch is named by
    ``cert_list_type`` (1 = certificates, 2 = digests), so it is kept as ``Any`` and read
    with :class:`CertInfoList` or :class:`CertDigestList`.  Dates accept UTCTime as well as
    the GeneralizedTime the standard uses."""

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),
        ("create_date", x509.Time),
        ("valid_start", x509.Time),
        ("valid_end", x509.Time),
    ]


class AnyList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    """SEQUENCE OF anything: read element by element."""

    _child_spec = core.Any


class SESPropertyInfoV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """v1 SES_ESPropertyInfo: no ``cert_list_type``; dates are UTCTime (GeneralizedTime accepted).

    ``cert_list`` should be SEQUENCE OF OCTET STRING; a real file holds an IA5String "1"
    there, so the elements are kept as ``Any`` and their contents taken as they are."""

    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list", AnyList),
        ("create_date", x509.Time),
        ("valid_start", x509.Time),
        ("valid_end", x509.Time),
    ]


class SESSealInfoV4(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESPropertyInfoV4),
        ("picture", SESPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESSealInfoV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESPropertyInfoV1),
        ("picture", SESPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESSealV4(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_Seal v4 (and v5, which adds the optional seal timestamp)."""

    _fields = [
        ("seal_info", SESSealInfoV4),
        ("cert", core.OctetString),
        ("sign_alg", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
        ("timestamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


class SESSignInfoV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("cert", core.OctetString),
        ("sign_alg", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class SESSealV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SESeal v1 (GM/T 0031-2014)."""

    _fields = [
        ("seal_info", SESSealInfoV1),
        ("sign_info", SESSignInfoV1),
    ]


class TBSSignV4(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("version", core.Integer),
        ("eseal", SESSealV4),
        ("time_info", x509.Time),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignatureV4(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("to_sign", TBSSignV4),
        ("cert", core.OctetString),
        ("sign_alg", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("timestamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


class TBSSignV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """v1 TBS_Sign.  ``time_info`` and ``data_hash`` are BIT STRING in the standard and
    OCTET STRING with some vendors, so both are kept as ``Any``."""

    _fields = [
        ("version", core.Integer),
        ("eseal", SESSealV1),
        ("time_info", core.Any),
        ("data_hash", core.Any),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("sign_alg", core.ObjectIdentifier),
    ]


class SESSignatureV1(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("to_sign", TBSSignV1),
        ("signature", core.OctetBitString),
    ]


def load_strict(spec: type[core.Asn1Value], der: bytes) -> core.Asn1Value:
    """Load ``der`` as ``spec``, refusing trailing bytes (raises ValueError/TypeError)."""
    return spec.load(der, strict=True)


def _top_level_count(der: bytes, what: str) -> int:
    outer = load_strict(AnyList, der)
    if not isinstance(outer, AnyList):  # pragma: no cover - load returns the spec
        raise ValueError(f"{what} is not a SEQUENCE")
    return len(outer)


def seal_structure_version(der: bytes) -> int:
    """1 for a v1 SESeal (2 elements), 4 for a v4/v5 SES_Seal (4 or 5 elements).

    v4 and v5 share the structure; the header version tells them apart afterwards.
    """
    count = _top_level_count(der, "SES_Seal")
    if count == 2:
        return 1
    if count in (4, 5):
        return 4
    raise ValueError(f"an SES_Seal has 2 (v1) or 4-5 (v4/v5) elements, not {count}")


def signature_structure_version(der: bytes) -> int:
    """1 for a v1 SES_Signature (2 elements), 4 for v4/v5 (4 or 5 elements)."""
    count = _top_level_count(der, "SES_Signature")
    if count == 2:
        return 1
    if count in (4, 5):
        return 4
    raise ValueError(f"an SES_Signature has 2 (v1) or 4-5 (v4/v5) elements, not {count}")
