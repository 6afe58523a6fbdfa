"""The e-licence (电子证照) and its GB/T 36903 core metadata, as data.

::

    >>> import datetime as dt
    >>> lid = LicenceId.build("11100000000013338W009", "11330105002500287C", "2025052201")
    >>> licence = Licence(
    ...     type_code=lid.type_code, type_name="建筑施工企业安全生产许可证", identifier=lid,
    ...     number="(浙)JZ安许证字[2025]000123",
    ...     holder=Holder("某某建设有限公司", HolderKind.ORGANISATION, "001", "91320115MA202UKD7X"),
    ...     issuer=Issuer("杭州市西湖区住房和城乡建设局", "11330105002500287C"),
    ...     issue_date=dt.date(2025, 5, 22),
    ...     validity=Validity(dt.date(2025, 5, 22), dt.date(2028, 5, 21)),
    ...     fields={"FDDBR": "张三"})
    >>> Licence.from_dict(licence.to_dict()) == licence
    True
    >>> b"<ZZBS>1.2.156.3005.2.11100000000013338W009" in licence.to_xml()
    True

The JSON form (:meth:`Licence.to_dict`) carries :data:`SCHEMA_VERSION`; loading is strict
and names the bad key (``holder.id_number``).  The XML form uses the Pinyin element keys of
deployed licence systems (ZZMC 证照名称, ZZLXDM 证照类型代码, ZZBH 证照编号, ZZBS 证照标识,
ZZBFJG 颁发机构, ZZBFJGDM 颁发机构代码, ZZBFRQ 颁发日期, CZZT 持证主体, CZZTDM 持证主体代码,
CZZTDMLX / CZZTDMLXDM 持证主体代码类型, ZZYXQQSRQ / ZZYXQJZRQ 有效期起止, and the
type-specific fields as ``KZ_<key>``); see :mod:`esealkit.certs.licence_xml`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from esealkit.certs.identifiers import LicenceId, check_resident_id, check_uscc, parse_licence_id
from esealkit.errors import InvalidIdentifier, MalformedInput

__all__ = [
    "DATA_COLUMNS",
    "FIELD_KEY",
    "HOLDER_ID_TYPES",
    "SCHEMA_VERSION",
    "Holder",
    "HolderKind",
    "Issuer",
    "Licence",
    "LicenceStatus",
    "Validity",
]

SCHEMA_VERSION = 1

#: A licence's core data as flat columns (CSV files, the library's table), as opposed to
#: its identifier and the library's state (status, links, times).
DATA_COLUMNS = (
    "type_code",
    "type_name",
    "number",
    "holder_name",
    "holder_kind",
    "holder_id_type",
    "holder_id_number",
    "issuer_name",
    "issuer_code",
    "issue_date",
    "valid_from",
    "valid_to",
)

#: A type-specific field key: upper-case ASCII (Pinyin initials by convention), e.g. ``FDDBR``.
FIELD_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")

#: Holder ID type codes (持证主体代码类型).  111 and 001 are the codes GB/T 36903 users cite;
#: the others follow the public-security certificate codes (GA/T 517) [unverified].
HOLDER_ID_TYPES: dict[str, str] = {
    "111": "居民身份证",
    "112": "临时居民身份证",
    "414": "普通护照",
    "511": "台湾居民来往大陆通行证",
    "516": "港澳居民来往内地通行证",
    "553": "外国人永久居留身份证",
    "990": "其他个人证件",
    "001": "统一社会信用代码",
    "099": "其他组织代码",
}
_ORGANISATION_ID_TYPES = frozenset({"001", "099"})

# XML 1.0 cannot carry these; "\r" would come back as "\n".
_BAD_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class HolderKind(enum.StrEnum):
    """持证主体类别: a natural person or an organisation (法人和其他组织)."""

    PERSON = "person"
    ORGANISATION = "organisation"


class LicenceStatus(enum.StrEnum):
    """证照状态.  Expiry is not a status: it follows from :class:`Validity` and a time."""

    VALID = "valid"  # 有效
    SUPERSEDED = "superseded"  # 已换发/变更: a newer version replaces it
    REVOKED = "revoked"  # 已吊销/撤销
    CANCELLED = "cancelled"  # 已注销


def _text(value: object, key: str, *, required: bool = True, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise MalformedInput(f"{key}: expected a string, got {type(value).__name__}")
    if required and not value.strip():
        raise MalformedInput(f"{key}: must not be empty")
    bad = _BAD_TEXT.search(value)
    if bad or (not multiline and ("\n" in value or "\t" in value)):
        char = bad.group() if bad else ("\n" if "\n" in value else "\t")
        raise MalformedInput(f"{key}: control character {char!r} is not allowed")
    return value


def _identifier(call: Any, value: str, key: str) -> None:
    try:
        call(value)
    except InvalidIdentifier as exc:
        raise MalformedInput(f"{key}: {exc}") from exc


@dataclass(frozen=True)
class Holder:
    """持证主体: who holds the licence, and the ID that names them."""

    name: str  # 持证主体 CZZT
    kind: HolderKind
    id_type: str  # 持证主体代码类型代码 CZZTDMLXDM, see HOLDER_ID_TYPES
    id_number: str  # 持证主体代码 CZZTDM

    def __post_init__(self) -> None:
        _text(self.name, "holder.name")
        if not isinstance(self.kind, HolderKind):
            raise MalformedInput(f"holder.kind: expected a HolderKind, got {self.kind!r}")
        if self.id_type not in HOLDER_ID_TYPES:
            raise MalformedInput(f"holder.id_type: unknown ID type code {self.id_type!r}")
        if (self.id_type in _ORGANISATION_ID_TYPES) != (self.kind is HolderKind.ORGANISATION):
            raise MalformedInput(
                f"holder.id_type: {self.id_type} ({HOLDER_ID_TYPES[self.id_type]}) does not name a {self.kind.value}"
            )
        _text(self.id_number, "holder.id_number")
        if self.id_type == "111":
            _identifier(check_resident_id, self.id_number, "holder.id_number")
        elif self.id_type == "001":
            _identifier(check_uscc, self.id_number, "holder.id_number")

    @property
    def id_type_name(self) -> str:
        """The ID type's name (持证主体代码类型), e.g. 居民身份证."""
        return HOLDER_ID_TYPES[self.id_type]


@dataclass(frozen=True)
class Issuer:
    """证照颁发机构: the issuing authority's name and unified social credit code."""

    name: str  # ZZBFJG
    code: str  # ZZBFJGDM

    def __post_init__(self) -> None:
        _text(self.name, "issuer.name")
        _text(self.code, "issuer.code")
        _identifier(check_uscc, self.code, "issuer.code")


@dataclass(frozen=True)
class Validity:
    """证照有效期: from ``start``; to ``end`` inclusive, or long-term (长期) when None."""

    start: dt.date
    end: dt.date | None = None

    def __post_init__(self) -> None:
        for key, value in (("valid_from", self.start), ("valid_to", self.end)):
            if value is not None and (
                not isinstance(value, dt.date) or isinstance(value, dt.datetime)
            ):
                raise MalformedInput(f"{key}: expected a date, got {value!r}")
        if self.end is not None and self.end < self.start:
            raise MalformedInput(f"valid_to: {self.end} is before valid_from {self.start}")

    @property
    def long_term(self) -> bool:
        """True when the licence does not expire (长期有效)."""
        return self.end is None

    def covers(self, day: dt.date) -> bool:
        """Whether the licence is within its validity on ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Licence:
    """One e-licence's metadata (GB/T 36903 core set plus the type-specific fields).

    ``fields`` holds the type-specific items (e.g. 注册资本, 坐落) by key; check them
    against a licence type with :meth:`esealkit.certs.catalogue.LicenceType.check_licence`.
    """

    type_code: str  # 证照类型代码 ZZLXDM
    type_name: str  # 证照名称 ZZMC
    identifier: LicenceId  # 证照标识 ZZBS
    number: str  # 证照编号 ZZBH, as printed
    holder: Holder
    issuer: Issuer
    issue_date: dt.date  # 颁发日期 ZZBFRQ
    validity: Validity
    status: LicenceStatus = LicenceStatus.VALID
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _text(self.type_name, "type_name")
        _text(self.number, "number")
        if not isinstance(self.identifier, LicenceId):
            raise MalformedInput(
                f"identifier: expected a LicenceId, got {type(self.identifier).__name__}"
            )
        if self.type_code != self.identifier.type_code:
            raise MalformedInput(
                f"type_code: {self.type_code!r} differs from the identifier's type code {self.identifier.type_code!r}"
            )
        if (
            len(self.identifier.issuer_code) == 18
            and self.identifier.issuer_code != self.issuer.code
        ):
            raise MalformedInput(
                f"issuer.code: {self.issuer.code!r} differs from the identifier's issuer code "
                f"{self.identifier.issuer_code!r}"
            )
        if not isinstance(self.issue_date, dt.date) or isinstance(self.issue_date, dt.datetime):
            raise MalformedInput(f"issue_date: expected a date, got {self.issue_date!r}")
        if not isinstance(self.status, LicenceStatus):
            raise MalformedInput(f"status: expected a LicenceStatus, got {self.status!r}")
        if not isinstance(self.fields, Mapping):
            raise MalformedInput(f"fields: expected a mapping, got {type(self.fields).__name__}")
        for key, value in self.fields.items():
            if not isinstance(key, str) or not FIELD_KEY.fullmatch(key):
                raise MalformedInput(f"fields: key {key!r} is not an upper-case ASCII field key")
            _text(value, f"fields.{key}", required=False, multiline=True)
        object.__setattr__(self, "fields", types.MappingProxyType(dict(self.fields)))

    @property
    def id(self) -> str:
        """The identifier as text (the library's key)."""
        return str(self.identifier)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (a plain dict), versioned by ``schema_version``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "identifier": str(self.identifier),
            "type_code": self.type_code,
            "type_name": self.type_name,
            "number": self.number,
            "holder": {
                "name": self.holder.name,
                "kind": self.holder.kind.value,
                "id_type": self.holder.id_type,
                "id_number": self.holder.id_number,
            },
            "issuer": {"name": self.issuer.name, "code": self.issuer.code},
            "issue_date": self.issue_date.isoformat(),
            "valid_from": self.validity.start.isoformat(),
            "valid_to": None if self.validity.end is None else self.validity.end.isoformat(),
            "status": self.status.value,
            "fields": dict(self.fields),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, strict: bool = True) -> Licence:
        """Load the JSON form; raises :class:`MalformedInput` naming the bad key.

        ``strict=False`` accepts identifiers of the known non-conforming vendor variants
        (see :func:`esealkit.certs.parse_licence_id`); everything else stays strict.
        """
        reader = _Reader(data, "")
        version = reader.take("schema_version", int)
        if version != SCHEMA_VERSION:
            raise MalformedInput(
                f"schema_version: {version!r} is not supported (expected {SCHEMA_VERSION})"
            )
        identifier_text = reader.take("identifier", str)
        try:
            identifier = parse_licence_id(identifier_text, strict=strict)
        except InvalidIdentifier as exc:
            raise MalformedInput(f"identifier: {exc}") from exc
        holder_reader = _Reader(reader.take("holder", Mapping), "holder.")
        issuer_reader = _Reader(reader.take("issuer", Mapping), "issuer.")
        valid_to = reader.take("valid_to", str, optional=True)
        fields = reader.take("fields", Mapping)
        licence = cls(
            type_code=reader.take("type_code", str),
            type_name=reader.take("type_name", str),
            identifier=identifier,
            number=reader.take("number", str),
            holder=Holder(
                name=holder_reader.take("name", str),
                kind=_enum(HolderKind, holder_reader.take("kind", str), "holder.kind"),
                id_type=holder_reader.take("id_type", str),
                id_number=holder_reader.take("id_number", str),
            ),
            issuer=Issuer(
                name=issuer_reader.take("name", str), code=issuer_reader.take("code", str)
            ),
            issue_date=parse_date(reader.take("issue_date", str), "issue_date"),
            validity=Validity(
                parse_date(reader.take("valid_from", str), "valid_from"),
                None if valid_to is None else parse_date(valid_to, "valid_to"),
            ),
            status=_enum(LicenceStatus, reader.take("status", str), "status"),
            fields=fields,
        )
        for part in (reader, holder_reader, issuer_reader):
            part.finish()
        return licence

    def to_xml(self) -> bytes:
        """The XML form (UTF-8 bytes); see :mod:`esealkit.certs.licence_xml`."""
        from esealkit.certs.licence_xml import licence_to_xml

        return licence_to_xml(self)

    @classmethod
    def from_xml(cls, data: bytes | str, *, strict: bool = True) -> Licence:
        """Load the XML form; raises :class:`MalformedInput` naming the bad element."""
        from esealkit.certs.licence_xml import licence_from_xml

        return licence_from_xml(data, strict=strict)


def parse_date(value: str, key: str) -> dt.date:
    """An ISO date ``YYYY-MM-DD``; raises :class:`MalformedInput` naming ``key``."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise MalformedInput(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise MalformedInput(f"{key}: {value!r} is not a date ({exc})") from exc


_E = TypeVar("_E", bound=enum.StrEnum)


def _enum(kind: type[_E], value: str, key: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise MalformedInput(f"{key}: {value!r} is not one of {allowed}") from None


class _Reader:
    """Takes keys out of a mapping one by one, so that leftovers can be named."""

    def __init__(self, data: object, prefix: str) -> None:
        if not isinstance(data, Mapping):
            raise MalformedInput(
                f"{prefix or 'licence'}: expected an object, got {type(data).__name__}"
            )
        self._data = data
        self._prefix = prefix
        self._seen: set[str] = set()

    def take(self, key: str, kind: type, *, optional: bool = False) -> Any:
        name = self._prefix + key
        self._seen.add(key)
        if key not in self._data:
            raise MalformedInput(f"{name}: missing")
        value = self._data[key]
        if value is None and optional:
            return None
        if kind is int and isinstance(value, bool):
            raise MalformedInput(f"{name}: expected int, got bool")
        if not isinstance(value, kind):
            raise MalformedInput(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
        return value

    def finish(self) -> None:
        extra = sorted(str(key) for key in self._data if key not in self._seen)
        if extra:
            raise MalformedInput(f"{self._prefix}{extra[0]}: unknown key")
