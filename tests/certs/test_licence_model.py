"""The licence model: validation, JSON and XML forms, strict loading."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from certs_strategies import licences
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from esealkit.certs.identifiers import LicenceId, parse_licence_id
from esealkit.certs.licence_xml import ELEMENTS, LONG_TERM
from esealkit.certs.model import (
    SCHEMA_VERSION,
    Holder,
    HolderKind,
    Issuer,
    Licence,
    LicenceStatus,
    Validity,
)
from esealkit.errors import MalformedInput

LID = LicenceId.build("11100000000013338W009", "11330105002500287C", "2025052201")


def make(**changes: Any) -> Licence:
    values: dict[str, Any] = {
        "type_code": LID.type_code,
        "type_name": "建筑施工企业安全生产许可证",
        "identifier": LID,
        "number": "(浙)JZ安许证字[2025]000123",
        "holder": Holder("某某建设有限公司", HolderKind.ORGANISATION, "001", "91320115MA202UKD7X"),
        "issuer": Issuer("杭州市西湖区住房和城乡建设局", "11330105002500287C"),
        "issue_date": dt.date(2025, 5, 22),
        "validity": Validity(dt.date(2025, 5, 22), dt.date(2028, 5, 21)),
        "fields": {"FDDBR": "张三", "XKFW": "建筑施工\n市政工程"},
    }
    values.update(changes)
    return Licence(**values)


@given(licences())
def test_dict_round_trip(licence: Licence) -> None:
    data = licence.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION
    assert Licence.from_dict(json.loads(json.dumps(data, ensure_ascii=False))) == licence


@given(licences())
def test_xml_round_trip(licence: Licence) -> None:
    xml = licence.to_xml()
    assert xml.startswith(b"<?xml")
    assert Licence.from_xml(xml) == licence
    assert Licence.from_xml(xml.decode("utf-8")) == licence


def test_xml_uses_the_pinyin_keys_in_order() -> None:
    licence = make(validity=Validity(dt.date(2025, 5, 22)))
    root = etree.fromstring(licence.to_xml())
    tags = [child.tag for child in root]
    assert tags == [*ELEMENTS, "KZ_FDDBR", "KZ_XKFW"]
    assert root.findtext("ZZBS") == str(LID)
    assert root.findtext("ZZBFJGDM") == "11330105002500287C"
    assert root.findtext("CZZTDMLX") == "统一社会信用代码"
    assert root.findtext("ZZYXQJZRQ") == LONG_TERM
    assert root.findtext("KZ_XKFW") == "建筑施工\n市政工程"


def test_long_term_validity() -> None:
    validity = Validity(dt.date(2020, 1, 1))
    assert validity.long_term and validity.covers(dt.date(2999, 1, 1))
    assert not validity.covers(dt.date(2019, 12, 31))
    bounded = Validity(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert bounded.covers(dt.date(2020, 12, 31)) and not bounded.covers(dt.date(2021, 1, 1))


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"type_code": "11100000000013338W010"}, "type_code"),
        ({"issuer": Issuer("别的机关", "11430000006122244L")}, "issuer.code"),
        ({"type_name": " "}, "type_name"),
        ({"number": "A\nB"}, "number"),
        ({"fields": {"bad key": "x"}}, "fields"),
        ({"fields": {"OK": "carriage\rreturn"}}, "fields.OK"),
        ({"issue_date": dt.datetime(2025, 1, 1)}, "issue_date"),
    ],
)
def test_inconsistent_licence_is_rejected_naming_the_key(changes: dict[str, Any], key: str) -> None:
    with pytest.raises(MalformedInput, match=rf"^{key}:"):
        make(**changes)


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (("张三", HolderKind.PERSON, "111", "110105194912310021"), "holder.id_number"),
        (("张三", HolderKind.PERSON, "001", "91320115MA202UKD7X"), "holder.id_type"),
        (("某公司", HolderKind.ORGANISATION, "111", "11010519491231002X"), "holder.id_type"),
        (("某公司", HolderKind.ORGANISATION, "001", "91320115MA202UKD7Y"), "holder.id_number"),
        (("张三", HolderKind.PERSON, "123", "x"), "holder.id_type"),
    ],
)
def test_bad_holder_is_rejected(args: tuple[Any, ...], key: str) -> None:
    with pytest.raises(MalformedInput, match=rf"^{key}:"):
        Holder(*args)


def test_validity_end_before_start_is_rejected() -> None:
    with pytest.raises(MalformedInput, match=r"^valid_to:"):
        Validity(dt.date(2025, 1, 2), dt.date(2025, 1, 1))


def test_fields_are_read_only() -> None:
    licence = make()
    with pytest.raises(TypeError):
        licence.fields["FDDBR"] = "李四"  # type: ignore[index]


def _mutated(path: str, value: Any) -> dict[str, Any]:
    data = make().to_dict()
    target = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("schema_version", 2, "schema_version"),
        ("schema_version", True, "schema_version"),
        ("identifier", _DELETE, "identifier"),
        ("identifier", str(LID)[:-1] + "Q", "identifier"),
        ("surprise", 1, "surprise"),
        ("holder.surprise", 1, "holder.surprise"),
        ("holder.kind", "robot", "holder.kind"),
        ("holder.id_number", 110105, "holder.id_number"),
        ("issuer", "杭州", "issuer"),
        ("issue_date", "2025-13-01", "issue_date"),
        ("issue_date", "20250101", "issue_date"),
        ("valid_to", 2028, "valid_to"),
        ("status", "lost", "status"),
        ("fields", ["FDDBR"], "fields"),
    ],
)
def test_strict_loading_names_the_bad_key(path: str, value: Any, named: str) -> None:
    with pytest.raises(MalformedInput, match=rf"^{named}:"):
        Licence.from_dict(_mutated(path, value))


def test_lenient_loading_accepts_vendor_identifiers() -> None:
    vendor = (
        "1.2.156.3005.2.11100000000013661B006.113700000045046442."
        "209FA4E88F9E4C878F3E9BED2CE7EA49.001.M"
    )
    lid = parse_licence_id(vendor, strict=False)
    data = make(
        type_code=lid.type_code, identifier=lid, issuer=Issuer("山东省某厅", lid.issuer_code)
    ).to_dict()
    with pytest.raises(MalformedInput, match=r"^identifier:"):
        Licence.from_dict(data)
    loaded = Licence.from_dict(data, strict=False)
    assert not loaded.identifier.conforming
    assert Licence.from_xml(loaded.to_xml(), strict=False) == loaded


def _xml_with(edit: str, new: str) -> bytes:
    return make().to_xml().decode("utf-8").replace(edit, new, 1).encode("utf-8")


@pytest.mark.parametrize(
    ("edit", "new", "named"),
    [
        ("<ZZBH>(浙)JZ安许证字[2025]000123</ZZBH>", "<ZZBHX>1</ZZBHX>", "ZZBHX"),
        ("<ZZBFRQ>2025-05-22</ZZBFRQ>", "", "ZZBFRQ"),
        ("<ZZBFRQ>2025-05-22", "<ZZBFRQ>2025-05-32", "ZZBFRQ"),
        ("<CZZTDM>91320115MA202UKD7X", "<CZZTDM>91320115MA202UKD7Y", "CZZTDM"),
        ("<CZZTLB>organisation", "<CZZTLB>org", "CZZTLB"),
        ("<ZZZT>valid", "<ZZZT>ok", "ZZZT"),
        ("<ZZBS>1", "<ZZBS>2", "ZZBS"),
        ("<KZ_FDDBR>", "<KZ_FDDBR><b/>", "KZ_FDDBR"),
        ("<ZZMC>", "<ZZMC>x</ZZMC><ZZMC>", "ZZMC"),
        ('schemaVersion="1"', 'schemaVersion="9"', "DZZZ/@schemaVersion"),
        ("<DZZZ", "<LICENCE", "licence XML"),
    ],
)
def test_xml_errors_name_the_element(edit: str, new: str, named: str) -> None:
    with pytest.raises(MalformedInput, match=rf"^{named}"):
        Licence.from_xml(_xml_with(edit, new))


def test_xml_entities_and_doctype_are_refused() -> None:
    xml = make().to_xml().decode("utf-8")
    body = xml.split("?>", 1)[1]
    evil = (
        '<?xml version="1.0"?><!DOCTYPE DZZZ [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + body.replace("<ZZBH>", "<ZZBH>&x;", 1)
    )
    with pytest.raises(MalformedInput):
        Licence.from_xml(evil)


@given(st.binary(max_size=300))
def test_xml_parser_never_raises_anything_but_malformed_input(data: bytes) -> None:
    try:
        Licence.from_xml(data)
    except MalformedInput:
        pass


@given(licences(), st.integers(0, 10_000), st.integers(0, 255))
def test_xml_with_a_flipped_byte_never_raises_anything_else(
    licence: Licence, at: int, byte: int
) -> None:
    xml = bytearray(licence.to_xml())
    xml[at % len(xml)] = byte
    try:
        Licence.from_xml(bytes(xml))
    except MalformedInput:
        pass


@given(licences())
def test_status_values_survive(licence: Licence) -> None:
    assert Licence.from_dict(licence.to_dict()).status in LicenceStatus
