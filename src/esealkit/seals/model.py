"""The e-seal (电子印章, SES_Seal) and seal signature (电子签章, SES_Signature) models and parsers.

    >>> from esealkit.seals import parse_seal
    >>> seal = parse_seal(open("UserV4.esl", "rb").read())       # doctest: +SKIP
    >>> seal.version, seal.es_id, seal.name, seal.picture.type  # doctest: +SKIP
    (4, '51f044b76510434e9bc67a1185c2fba5', 'OFD R&W 测试用印章', 'PNG')

Every parsed object keeps ``der``, its exact original bytes, and ``tbs``, the exact bytes
its maker or signer signed, taken from the original (never re-encoded).  Parsers raise
:class:`~esealkit.errors.MalformedInput` and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from asn1crypto import core

from esealkit.errors import MalformedInput
from esealkit.seals import asn1
from esealkit.seals.types import seal_type_name

K = TypeVar("K")
V = TypeVar("V")

__all__ = [
    "CertDigest",
    "ExtData",
    "Seal",
    "SealPicture",
    "SealSignature",
    "detect_kind",
    "parse_seal",
    "parse_seal_signature",
]

# What asn1crypto raises on bad input; the parsers turn all of them into MalformedInput.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError, RecursionError)


@dataclass(frozen=True)
class SealPicture:
    """SES_ESPictrueInfo: the seal's picture (印章图像) and its display size in millimetres."""

    type: str  # as written: "PNG", "png", "GIF", "JPG", "BMP", "SVG", "ofd" …
    data: bytes = field(repr=False)
    width_mm: int
    height_mm: int


@dataclass(frozen=True)
class CertDigest:
    """One entry of a certificate digest list (certListType 2): algorithm name and digest."""

    type: str
    value: bytes


@dataclass(frozen=True)
class ExtData:
    """One ExtData: extension OID, criticality and value."""

    oid: str
    critical: bool
    value: bytes


@dataclass(frozen=True)
class Seal:
    """An e-seal (电子印章): SES_Seal v4/v5 (GB/T 38540) or SESeal v1 (GM/T 0031).

    ``tbs`` is what the seal maker (制章者) signed: DER(SES_SealInfo) for v4/v5, and
    ``SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}`` for v1 — both built from the
    original element bytes.  ``tbs_alternatives`` holds the other form, tried as a fallback
    because the standard text and the files in the wild disagree (STANDARDS.md §1.4).
    """

    version: int  # 1, 4 or 5 (header version for v4/v5; structure for v1)
    header_id: str  # always "ES" in a well-formed seal
    header_version: int
    es_id: str  # 印章编码
    vendor_id: str  # 厂商标识
    type: int  # SES_ESPropertyInfo.type (opaque in the wild)
    type_name: str | None  # the public-security registry name of ``type``; vendors may mean otherwise
    name: str  # 印章名称
    cert_list_type: int  # 1 = certificates, 2 = digests (v1: always 1)
    signer_certs: tuple[bytes, ...] = field(repr=False)
    signer_cert_digests: tuple[CertDigest, ...]
    created: datetime
    valid_from: datetime
    valid_to: datetime
    picture: SealPicture
    maker_cert: bytes = field(repr=False)  # 制章者证书, DER
    sign_alg: str  # OID of the maker's signature algorithm
    signed_value: bytes = field(repr=False)
    ext_datas: tuple[ExtData, ...]
    timestamp: bytes | None = field(repr=False)  # v5 seal timestamp, when present
    der: bytes = field(repr=False)
    tbs: bytes = field(repr=False)
    tbs_alternatives: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class SealSignature:
    """A seal signature (电子签章): SES_Signature v4/v5 or v1.

    ``signing_time`` is ``TBS_Sign.timeInfo`` (claimed by the signer, not proven);
    ``None`` when a v1 file holds a time this parser cannot read (``signing_time_raw``
    keeps it).  ``tbs`` is the exact original DER of TBS_Sign.
    """

    version: int  # TBS_Sign.version (1, 4 or 5)
    structure_version: int  # 1 or 4, from the structure
    seal: Seal
    signing_time: datetime | None
    signing_time_raw: bytes = field(repr=False)
    data_hash: bytes
    property_info: str
    signer_cert: bytes = field(repr=False)  # 签章者证书, DER
    sign_alg: str
    signature: bytes = field(repr=False)
    timestamp: bytes | None = field(repr=False)
    ext_datas: tuple[ExtData, ...]
    der: bytes = field(repr=False)
    tbs: bytes = field(repr=False)


def detect_kind(der: bytes) -> str:
    """``"seal"`` or ``"signature"`` by content: a TBS_Sign starts with its INTEGER version,
    an SES_SealInfo with its header SEQUENCE.  Raises :class:`MalformedInput`."""
    try:
        outer = asn1.load_strict(asn1.AnyList, der)
        first = outer[0].parse(asn1.AnyList) if len(outer) else None
        if first is None or not len(first):
            raise MalformedInput("neither an SES_Seal nor an SES_Signature: the first element is empty")
        head = first[0].dump()[:1]
        if head == b"\x02":  # INTEGER
            return "signature"
        if head == b"\x30":  # SEQUENCE
            return "seal"
    except MalformedInput:
        raise
    except _PARSE_ERRORS as exc:
        raise MalformedInput(f"neither an SES_Seal nor an SES_Signature: {exc}") from exc
    raise MalformedInput("neither an SES_Seal nor an SES_Signature: unexpected first element")


def parse_seal(der: bytes) -> Seal:
    """Parse a DER SES_Seal of any version (told apart by structure)."""
    if not isinstance(der, bytes | bytearray | memoryview):
        raise TypeError("parse_seal takes bytes")
    der = bytes(der)
    try:
        version = asn1.seal_structure_version(der)
        if version == 1:
            return _seal_v1(asn1.load_strict(asn1.SESSealV1, der), der)
        return _seal_v4(asn1.load_strict(asn1.SESSealV4, der), der)
    except MalformedInput:
        raise
    except _PARSE_ERRORS as exc:
        raise MalformedInput(f"not a valid SES_Seal: {exc}") from exc


def parse_seal_signature(der: bytes) -> SealSignature:
    """Parse a DER SES_Signature of any version (told apart by structure)."""
    if not isinstance(der, bytes | bytearray | memoryview):
        raise TypeError("parse_seal_signature takes bytes")
    der = bytes(der)
    try:
        version = asn1.signature_structure_version(der)
        if version == 1:
            return _signature_v1(asn1.load_strict(asn1.SESSignatureV1, der), der)
        return _signature_v4(asn1.load_strict(asn1.SESSignatureV4, der), der)
    except MalformedInput:
        raise
    except _PARSE_ERRORS as exc:
        raise MalformedInput(f"not a valid SES_Signature: {exc}") from exc


# --- helpers --------------------------------------------------------------------------


def _header_bytes(tag_byte: int, length: int) -> bytes:
    if length < 0x80:
        return bytes([tag_byte, length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag_byte, 0x80 | len(body)]) + body


def _sequence_of(*parts: bytes) -> bytes:
    """A DER SEQUENCE around already-encoded elements (their bytes untouched)."""
    content = b"".join(parts)
    return _header_bytes(0x30, len(content)) + content


def _time(value: Any) -> datetime:
    native = value.native
    if not isinstance(native, datetime):
        raise MalformedInput(f"not a time: {native!r}")
    return native if native.tzinfo else native.replace(tzinfo=UTC)


def _ext_datas(value: Any) -> tuple[ExtData, ...]:
    if value is None or isinstance(value, core.Void):
        return ()
    return tuple(
        ExtData(e["extn_id"].dotted, bool(e["critical"].native), bytes(e["extn_value"].native)) for e in value
    )


def _picture(value: asn1.SESPictureInfo) -> SealPicture:
    return SealPicture(
        type=str(value["type"].native),
        data=bytes(value["data"].native),
        width_mm=int(value["width"].native),
        height_mm=int(value["height"].native),
    )


def _bits(value: Any) -> bytes:
    # asn1crypto silently masks unused bits; a signature or hash never has any.
    contents = bytes(value.contents or b"")
    if not contents or contents[0] != 0:
        raise MalformedInput("a BIT STRING with unused bits where whole octets are expected")
    return bytes(value.native)


def _cert_list_v4(list_type: int, value: core.Any) -> tuple[tuple[bytes, ...], tuple[CertDigest, ...]]:
    if list_type == 1:
        certs = value.parse(asn1.CertInfoList)
        return tuple(bytes(c.native) for c in certs), ()
    if list_type == 2:
        digests = value.parse(asn1.CertDigestList)
        return (), tuple(CertDigest(str(d["type"].native), bytes(d["value"].native)) for d in digests)
    raise MalformedInput(f"unknown certListType {list_type} (1 = certificates, 2 = digests)")


def remembered(cache: dict[K, V], limit: int, key: K, make: Callable[[], V]) -> V:
    """``cache[key]``, made with ``make()`` the first time; the cache is emptied when it
    holds ``limit`` entries (what is kept per seal across a batch's documents must stay
    bounded however many seals a run meets)."""
    found = cache.get(key)
    if found is None:
        found = make()
        if len(cache) >= limit:
            cache.clear()
        cache[key] = found
    return found


# One seal signs many documents of a batch: the seal inside each seal signature is read
# once per exact bytes (a Seal is immutable, so it can be shared).
_SEALS: dict[bytes, Seal] = {}
_MAX_SEALS = 256  # a seal with its picture can be ~100 KB: a bound on memory, not only a count


def _embedded_seal(value: Any, read: Callable[[Any, bytes], Seal]) -> Seal:
    der = bytes(value.dump())
    return remembered(_SEALS, _MAX_SEALS, der, lambda: read(value, der))


def _seal_v4(parsed: asn1.SESSealV4, der: bytes) -> Seal:
    info = parsed["seal_info"]
    header = info["header"]
    prop = info["property"]
    header_version = int(header["version"].native)
    list_type = int(prop["cert_list_type"].native)
    certs, digests = _cert_list_v4(list_type, prop["cert_list"])
    timestamp_value = parsed["timestamp"]
    timestamp = None if isinstance(timestamp_value, core.Void) else _bits(timestamp_value)
    version = 5 if header_version == 5 or timestamp is not None else 4
    type_code = int(prop["type"].native)
    cert = bytes(parsed["cert"].native)
    info_der = info.dump()
    return Seal(
        version=version,
        header_id=str(header["id"].native),
        header_version=header_version,
        es_id=str(info["es_id"].native),
        vendor_id=str(header["vid"].native),
        type=type_code,
        type_name=seal_type_name(type_code, version),
        name=str(prop["name"].native),
        cert_list_type=list_type,
        signer_certs=certs,
        signer_cert_digests=digests,
        created=_time(prop["create_date"]),
        valid_from=_time(prop["valid_start"]),
        valid_to=_time(prop["valid_end"]),
        picture=_picture(info["picture"]),
        maker_cert=cert,
        sign_alg=parsed["sign_alg"].dotted,
        signed_value=_bits(parsed["signed_value"]),
        ext_datas=_ext_datas(info["ext_datas"]),
        timestamp=timestamp,
        der=der,
        tbs=info_der,
        tbs_alternatives=(_sequence_of(info_der, parsed["cert"].dump(), parsed["sign_alg"].dump()),),
    )


def _primitive_contents(value: core.Any) -> bytes:
    """The contents of a primitive element of any tag (an OCTET STRING, or what a vendor put instead)."""
    loaded = core.load(value.dump(), strict=True)
    if loaded.method != 0:
        raise MalformedInput("a v1 certList entry is a constructed value, not a certificate's octets")
    return bytes(loaded.contents)


def _seal_v1(parsed: asn1.SESSealV1, der: bytes) -> Seal:
    info = parsed["seal_info"]
    header = info["header"]
    prop = info["property"]
    sign_info = parsed["sign_info"]
    type_code = int(prop["type"].native)
    info_der = info.dump()
    return Seal(
        version=1,
        header_id=str(header["id"].native),
        header_version=int(header["version"].native),
        es_id=str(info["es_id"].native),
        vendor_id=str(header["vid"].native),
        type=type_code,
        type_name=seal_type_name(type_code, 1),
        name=str(prop["name"].native),
        cert_list_type=1,
        signer_certs=tuple(_primitive_contents(c) for c in prop["cert_list"]),
        signer_cert_digests=(),
        created=_time(prop["create_date"]),
        valid_from=_time(prop["valid_start"]),
        valid_to=_time(prop["valid_end"]),
        picture=_picture(info["picture"]),
        maker_cert=bytes(sign_info["cert"].native),
        sign_alg=sign_info["sign_alg"].dotted,
        signed_value=_bits(sign_info["signed_value"]),
        ext_datas=_ext_datas(info["ext_datas"]),
        timestamp=None,
        der=der,
        tbs=_sequence_of(info_der, sign_info["cert"].dump(), sign_info["sign_alg"].dump()),
        tbs_alternatives=(info_der,),
    )


def _signature_v4(parsed: asn1.SESSignatureV4, der: bytes) -> SealSignature:
    tbs = parsed["to_sign"]
    seal_value = tbs["eseal"]
    seal = _embedded_seal(seal_value, _seal_v4)
    timestamp_value = parsed["timestamp"]
    time_info = tbs["time_info"]
    return SealSignature(
        version=int(tbs["version"].native),
        structure_version=4,
        seal=seal,
        signing_time=_time(time_info),
        signing_time_raw=time_info.chosen.contents,
        data_hash=_bits(tbs["data_hash"]),
        property_info=str(tbs["property_info"].native),
        signer_cert=bytes(parsed["cert"].native),
        sign_alg=parsed["sign_alg"].dotted,
        signature=_bits(parsed["signature"]),
        timestamp=None if isinstance(timestamp_value, core.Void) else _bits(timestamp_value),
        ext_datas=_ext_datas(tbs["ext_datas"]),
        der=der,
        tbs=tbs.dump(),
    )


def _string_contents(value: core.Any, what: str) -> bytes:
    """The payload of a BIT STRING (leading unused-bits octet removed) or OCTET STRING."""
    encoded = value.dump()
    if encoded[:1] not in (b"\x03", b"\x04"):
        raise MalformedInput(f"{what} is neither a BIT STRING nor an OCTET STRING")
    contents = bytes(core.load(encoded, strict=True).contents)
    if encoded[:1] == b"\x03":
        if not contents or contents[0] != 0:
            raise MalformedInput(f"{what} is a BIT STRING with unused bits")
        return contents[1:]
    return contents


_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y%m%d%H%M%SZ", "%Y%m%d%H%M%S.%fZ",
                 "%y%m%d%H%M%SZ", "%Y-%m-%d %H:%M:%S")


def _lenient_time(raw: bytes) -> datetime | None:
    """v1 ``timeInfo``: "a timestamp or a UTC time", in whatever text form the vendor chose."""
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if not re.fullmatch(r"[0-9TZ:. \-]{6,40}", text):
        return None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _signature_v1(parsed: asn1.SESSignatureV1, der: bytes) -> SealSignature:
    tbs = parsed["to_sign"]
    seal_value = tbs["eseal"]
    seal = _embedded_seal(seal_value, _seal_v1)
    raw_time = _string_contents(tbs["time_info"], "timeInfo")
    return SealSignature(
        version=int(tbs["version"].native),
        structure_version=1,
        seal=seal,
        signing_time=_lenient_time(raw_time),
        signing_time_raw=raw_time,
        data_hash=_string_contents(tbs["data_hash"], "dataHash"),
        property_info=str(tbs["property_info"].native),
        signer_cert=bytes(tbs["cert"].native),
        sign_alg=tbs["sign_alg"].dotted,
        signature=_bits(parsed["signature"]),
        timestamp=None,
        ext_datas=(),
        der=der,
        tbs=tbs.dump(),
    )
