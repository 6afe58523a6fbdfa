"""The XML form of an e-licence's metadata (电子证照元数据 XML), with Pinyin element keys.

::

    <DZZZ schemaVersion="1">
      <ZZMC>营业执照</ZZMC>                 证照名称 (licence type name)
      <ZZLXDM>…</ZZLXDM>                    证照类型代码
      <ZZBH>…</ZZBH>                        证照编号 (number as printed)
      <ZZBS>1.2.156.3005.2.…</ZZBS>         证照标识 (GB/T 36904 identifier)
      <ZZBFJG>…</ZZBFJG>                    证照颁发机构
      <ZZBFJGDM>…</ZZBFJGDM>                证照颁发机构代码 (USCC)
      <ZZBFRQ>2025-05-22</ZZBFRQ>           证照颁发日期
      <CZZT>…</CZZT>                        持证主体
      <CZZTDM>…</CZZTDM>                    持证主体代码
      <CZZTDMLX>居民身份证</CZZTDMLX>        持证主体代码类型 (name; derived from the code)
      <CZZTDMLXDM>111</CZZTDMLXDM>          持证主体代码类型代码
      <CZZTLB>person</CZZTLB>               持证主体类别 (person | organisation)
      <ZZYXQQSRQ>2025-05-22</ZZYXQQSRQ>     证照有效期起始日期
      <ZZYXQJZRQ>长期</ZZYXQJZRQ>            证照有效期截止日期, or 长期 (long-term)
      <ZZZT>valid</ZZZT>                    证照状态
      <KZ_FDDBR>张三</KZ_FDDBR>              type-specific fields, KZ_ + key, in order
    </DZZZ>

The element keys follow deployed systems (STANDARDS.md §4.2); CZZTLB and ZZZT are
esealkit's own names for items those systems keep elsewhere.  Parsing is safe (no DTD, no
entities, no network) and strict: an unknown, repeated or missing element is a
:class:`~esealkit.errors.MalformedInput` that names it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree  # type: ignore[import-untyped]

from esealkit.certs.identifiers import LicenceId, parse_licence_id
from esealkit.certs.model import (
    SCHEMA_VERSION,
    Holder,
    HolderKind,
    Issuer,
    Licence,
    LicenceStatus,
    Validity,
    parse_date,
)
from esealkit.errors import InvalidIdentifier, MalformedInput

__all__ = [
    "ELEMENTS",
    "EXTENSION_PREFIX",
    "LONG_TERM",
    "ROOT_ELEMENT",
    "licence_from_items",
    "licence_from_xml",
    "licence_items",
    "licence_to_xml",
]

ROOT_ELEMENT = "DZZZ"
EXTENSION_PREFIX = "KZ_"
#: The text of ZZYXQJZRQ for a licence that does not expire.
LONG_TERM = "长期"

#: Core elements in document order, with their meaning.
ELEMENTS: dict[str, str] = {
    "ZZMC": "证照名称 licence type name",
    "ZZLXDM": "证照类型代码 licence type code",
    "ZZBH": "证照编号 number as printed",
    "ZZBS": "证照标识 identifier",
    "ZZBFJG": "证照颁发机构 issuing authority",
    "ZZBFJGDM": "证照颁发机构代码 issuing authority USCC",
    "ZZBFRQ": "证照颁发日期 issue date",
    "CZZT": "持证主体 holder name",
    "CZZTDM": "持证主体代码 holder ID number",
    "CZZTDMLX": "持证主体代码类型 holder ID type name",
    "CZZTDMLXDM": "持证主体代码类型代码 holder ID type code",
    "CZZTLB": "持证主体类别 holder kind",
    "ZZYXQQSRQ": "证照有效期起始日期 valid from",
    "ZZYXQJZRQ": "证照有效期截止日期 valid to, or 长期",
    "ZZZT": "证照状态 status",
}

_MAX_BYTES = 1 << 20


def licence_items(licence: Licence) -> list[tuple[str, str]]:
    """The metadata as ``(element key, text)`` pairs, core elements first, then ``KZ_`` fields.

    The same pairs go into an OFD licence's ``CustomDatas`` (GB/T 36905).
    """
    values = {
        "ZZMC": licence.type_name,
        "ZZLXDM": licence.type_code,
        "ZZBH": licence.number,
        "ZZBS": str(licence.identifier),
        "ZZBFJG": licence.issuer.name,
        "ZZBFJGDM": licence.issuer.code,
        "ZZBFRQ": licence.issue_date.isoformat(),
        "CZZT": licence.holder.name,
        "CZZTDM": licence.holder.id_number,
        "CZZTDMLX": licence.holder.id_type_name,
        "CZZTDMLXDM": licence.holder.id_type,
        "CZZTLB": licence.holder.kind.value,
        "ZZYXQQSRQ": licence.validity.start.isoformat(),
        "ZZYXQJZRQ": LONG_TERM
        if licence.validity.end is None
        else licence.validity.end.isoformat(),
        "ZZZT": licence.status.value,
    }
    return [(name, values[name]) for name in ELEMENTS] + [
        (EXTENSION_PREFIX + key, value) for key, value in licence.fields.items()
    ]


def licence_to_xml(licence: Licence) -> bytes:
    """Serialise ``licence`` to UTF-8 XML bytes."""
    root = etree.Element(ROOT_ELEMENT, schemaVersion=str(SCHEMA_VERSION))
    for name, text in licence_items(licence):
        etree.SubElement(root, name).text = text
    etree.indent(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _parse(data: bytes | str) -> etree._Element:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes):
        raise MalformedInput(f"licence XML: expected bytes or str, got {type(data).__name__}")
    if len(data) > _MAX_BYTES:
        raise MalformedInput(f"licence XML: larger than {_MAX_BYTES} bytes")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedInput(f"licence XML: not well-formed: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise MalformedInput("licence XML: a DOCTYPE is not allowed")
    return root


def licence_from_xml(data: bytes | str, *, strict: bool = True) -> Licence:
    """Parse the XML form; ``strict=False`` accepts vendor-variant identifiers (see
    :func:`esealkit.certs.parse_licence_id`)."""
    root = _parse(data)
    if root.tag != ROOT_ELEMENT:
        raise MalformedInput(
            f"licence XML: root element is {root.tag!r}, expected {ROOT_ELEMENT!r}"
        )
    if root.get("schemaVersion") != str(SCHEMA_VERSION):
        raise MalformedInput(
            f"{ROOT_ELEMENT}/@schemaVersion: {root.get('schemaVersion')!r} is not {SCHEMA_VERSION}"
        )
    if (root.text or "").strip():
        raise MalformedInput(f"{ROOT_ELEMENT}: unexpected text")
    items: list[tuple[str, str]] = []
    for child in root:
        if not isinstance(child.tag, str):
            raise MalformedInput(f"{ROOT_ELEMENT}: unexpected node {child!r}")
        if len(child) or child.attrib:
            raise MalformedInput(f"{child.tag}: must hold text only")
        if (child.tail or "").strip():
            raise MalformedInput(f"{child.tag}: unexpected text after the element")
        items.append((child.tag, child.text or ""))
    return licence_from_items(items, strict=strict)


def licence_from_items(items: Iterable[tuple[str, str]], *, strict: bool = True) -> Licence:
    """Rebuild a licence from :func:`licence_items` pairs (from XML or OFD CustomDatas).

    Raises :class:`MalformedInput` naming the element key that is unknown, repeated,
    missing or wrong.
    """
    core: dict[str, str] = {}
    fields: dict[str, str] = {}
    for name, text in items:
        if name.startswith(EXTENSION_PREFIX):
            key = name[len(EXTENSION_PREFIX) :]
            if key in fields:
                raise MalformedInput(f"{name}: repeated")
            fields[key] = text
        elif name in ELEMENTS:
            if name in core:
                raise MalformedInput(f"{name}: repeated")
            core[name] = text
        else:
            raise MalformedInput(f"{name}: unknown element")
    missing = [name for name in ELEMENTS if name not in core]
    if missing:
        raise MalformedInput(f"{missing[0]}: missing ({ELEMENTS[missing[0]]})")

    try:
        identifier = parse_licence_id(core["ZZBS"], strict=strict)
    except InvalidIdentifier as exc:
        raise MalformedInput(f"ZZBS: {exc}") from exc
    try:
        kind = HolderKind(core["CZZTLB"])
    except ValueError:
        raise MalformedInput(f"CZZTLB: {core['CZZTLB']!r} is not person or organisation") from None
    try:
        status = LicenceStatus(core["ZZZT"])
    except ValueError:
        raise MalformedInput(f"ZZZT: {core['ZZZT']!r} is not a licence status") from None
    end = core["ZZYXQJZRQ"]
    try:
        return _build(core, fields, identifier, kind, status, end)
    except MalformedInput as exc:
        key, _, rest = str(exc).partition(": ")
        element = _KEY_TO_ELEMENT.get(key) or (
            EXTENSION_PREFIX + key[7:] if key.startswith("fields.") else key
        )
        raise MalformedInput(f"{element}: {rest or key}") from exc


# The model names its keys; XML readers want the element.
_KEY_TO_ELEMENT = {
    "type_code": "ZZLXDM",
    "type_name": "ZZMC",
    "number": "ZZBH",
    "identifier": "ZZBS",
    "issuer.name": "ZZBFJG",
    "issuer.code": "ZZBFJGDM",
    "issue_date": "ZZBFRQ",
    "holder.name": "CZZT",
    "holder.id_number": "CZZTDM",
    "holder.id_type": "CZZTDMLXDM",
    "holder.kind": "CZZTLB",
    "valid_from": "ZZYXQQSRQ",
    "valid_to": "ZZYXQJZRQ",
    "status": "ZZZT",
    "fields": ROOT_ELEMENT,
}


def _build(
    core: dict[str, str],
    fields: dict[str, str],
    identifier: LicenceId,
    kind: HolderKind,
    status: LicenceStatus,
    end: str,
) -> Licence:
    return Licence(
        type_code=core["ZZLXDM"],
        type_name=core["ZZMC"],
        identifier=identifier,
        number=core["ZZBH"],
        holder=Holder(core["CZZT"], kind, core["CZZTDMLXDM"], core["CZZTDM"]),
        issuer=Issuer(core["ZZBFJG"], core["ZZBFJGDM"]),
        issue_date=parse_date(core["ZZBFRQ"], "ZZBFRQ"),
        validity=Validity(
            parse_date(core["ZZYXQQSRQ"], "ZZYXQQSRQ"),
            None if end == LONG_TERM else parse_date(end, "ZZYXQJZRQ"),
        ),
        status=status,
        fields=fields,
    )
