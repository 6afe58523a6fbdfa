"""The licence types catalogue: the shipped starter data, JSON and CSV forms, strict loading."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from esealkit.certs.catalogue import (
    CSV_COLUMNS,
    Catalogue,
    FieldSpec,
    LicenceType,
    default_catalogue,
    load_catalogue,
)
from esealkit.certs.identifiers import LicenceId, check_uscc
from esealkit.certs.model import Holder, HolderKind, Issuer, Licence, Validity
from esealkit.errors import MalformedInput

HOUSING_MINISTRY = "11100000000013338W"  # 住房和城乡建设部, real (STANDARDS.md §4.1)

COMMON_TYPES = [
    "营业执照",
    "食品经营许可证",
    "不动产权证书",
    "建筑施工企业安全生产许可证",
    "居民身份证",
    "机动车驾驶证",
    "结婚证",
    "医师执业证书",
]


def test_starter_catalogue_has_at_least_30_types_with_valid_codes() -> None:
    catalogue = default_catalogue()
    assert len(catalogue) >= 30
    for licence_type in catalogue:
        assert len(licence_type.code) == 21
        assert check_uscc(licence_type.department_code) == licence_type.code[:18]
        assert licence_type.code[18:].isdigit()
        assert licence_type.fields, licence_type.name
        assert licence_type.illustrative  # the sequence numbers are made up: say so
    assert len({t.name for t in catalogue}) == len(catalogue)


@pytest.mark.parametrize("name", COMMON_TYPES)
def test_starter_catalogue_holds_the_common_types(name: str) -> None:
    assert default_catalogue().by_name(name).name == name


def test_housing_ministry_types_use_its_real_code() -> None:
    licence_type = default_catalogue().by_name("建筑施工企业安全生产许可证")
    assert licence_type.department_code == HOUSING_MINISTRY
    assert licence_type.department_name == "住房和城乡建设部"


def test_starter_data_says_which_codes_are_illustrative() -> None:
    data = json.loads(
        (Path(__file__).parents[2] / "src/esealkit/data/licence_types.json").read_text("utf-8")
    )
    assert "illustrative" in data["note"]
    assert HOUSING_MINISTRY in data["note"]


def test_json_round_trip(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    assert Catalogue.from_dict(json.loads(json.dumps(catalogue.to_dict()))) == catalogue
    path = tmp_path / "types.json"
    path.write_text(json.dumps(catalogue.to_dict(), ensure_ascii=False), "utf-8")
    assert load_catalogue(path) == catalogue


def test_csv_round_trip(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    text = catalogue.to_csv()
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert Catalogue.from_csv(text) == catalogue
    path = tmp_path / "types.csv"
    path.write_text(text, "utf-8-sig")  # Excel writes a BOM
    assert load_catalogue(path) == catalogue


def _type_dict(**changes: Any) -> dict[str, Any]:
    data = default_catalogue().by_name("营业执照").to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"code": "111000009000000146ABC"}, r"types\[0\]"),
        ({"code": "111000009000000147101"}, r"types\[0\]"),
        ({"department_code": HOUSING_MINISTRY}, r"types\[0\]\.department_code"),
        ({"holder_kind": "robot"}, r"types\[0\]"),
        ({"extra": 1}, r"types\[0\]\.extra"),
        ({"fields": [{"key": "lower", "name": "x"}]}, r"types\[0\].fields\[0\]"),
        (
            {"fields": [{"key": "A", "name": "x", "required": "yes"}]},
            r"types\[0\].fields\[0\].required",
        ),
        ({"fields": [{"key": "A", "name": "x"}, {"key": "A", "name": "y"}]}, r"types\[0\]"),
        ({"name": ""}, r"types\[0\]"),
    ],
)
def test_bad_type_entries_are_named(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(MalformedInput, match=r"^" + named):
        Catalogue.from_dict({"schema_version": 1, "types": [_type_dict(**changes)]})


def test_duplicate_codes_and_bad_top_level_are_refused() -> None:
    entry = _type_dict()
    with pytest.raises(MalformedInput, match="listed twice"):
        Catalogue.from_dict({"schema_version": 1, "types": [entry, entry]})
    with pytest.raises(MalformedInput, match=r"^schema_version"):
        Catalogue.from_dict({"schema_version": 2, "types": []})
    with pytest.raises(MalformedInput, match=r"^surprise"):
        Catalogue.from_dict({"schema_version": 1, "types": [], "surprise": 1})


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda rows: rows.__setitem__(0, "code,name"), "row 1"),
        (lambda rows: rows.__setitem__(2, rows[2] + ",x"), "row 3"),
        (
            lambda rows: rows.__setitem__(3, rows[3].replace(":required", ":must", 1)),
            "row 4, fields",
        ),
        (lambda rows: rows.__setitem__(2, rows[2].replace(",true", ",yes")), "row 3, illustrative"),
    ],
)
def test_bad_csv_rows_are_named(edit: Any, named: str) -> None:
    rows = default_catalogue().to_csv().splitlines()
    edit(rows)
    with pytest.raises(MalformedInput, match=r"^" + named):
        Catalogue.from_csv("\n".join(rows))


def test_bad_files_are_malformed_input(tmp_path: Path) -> None:
    path = tmp_path / "types.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(MalformedInput, match="not JSON"):
        load_catalogue(path)
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(MalformedInput, match="not UTF-8"):
        load_catalogue(path)


def _licence(licence_type: LicenceType, holder: Holder, fields: dict[str, str]) -> Licence:
    lid = LicenceId.build(licence_type.code, "11330105002500287C", "000001")
    return Licence(
        type_code=lid.type_code,
        type_name=licence_type.name,
        identifier=lid,
        number="No.1",
        holder=holder,
        issuer=Issuer("某局", "11330105002500287C"),
        issue_date=dt.date(2025, 1, 1),
        validity=Validity(dt.date(2025, 1, 1)),
        fields=fields,
    )


COMPANY = Holder("某公司", HolderKind.ORGANISATION, "001", "91320115MA202UKD7X")
PERSON = Holder("张三", HolderKind.PERSON, "111", "11010519491231002X")


def test_licence_fields_are_checked_against_the_type() -> None:
    catalogue = default_catalogue()
    licence_type = catalogue.by_name("建筑施工企业安全生产许可证")
    good = {"FDDBR": "张三", "DWDZ": "杭州市", "XKFW": "建筑施工"}
    catalogue.check_licence(_licence(licence_type, COMPANY, good))
    with pytest.raises(MalformedInput, match=r"^fields\.XKFW: 许可范围 is required"):
        catalogue.check_licence(_licence(licence_type, COMPANY, {**good, "XKFW": " "}))
    with pytest.raises(MalformedInput, match=r"^fields\.ZZZ: not a field"):
        catalogue.check_licence(_licence(licence_type, COMPANY, {**good, "ZZZ": "x"}))
    with pytest.raises(MalformedInput, match=r"^holder\.kind"):
        catalogue.check_licence(_licence(licence_type, PERSON, good))


def test_unknown_type_is_refused() -> None:
    licence_type = LicenceType(
        HOUSING_MINISTRY + "999", "某证", "住房和城乡建设部", "any", (FieldSpec("A", "甲"),)
    )
    licence = _licence(licence_type, PERSON, {"A": "1"})
    licence_type.check_licence(licence)
    with pytest.raises(MalformedInput, match=r"^type_code: .* is not in the catalogue"):
        default_catalogue().check_licence(licence)
    with pytest.raises(MalformedInput, match=r"^type_code"):
        default_catalogue().by_name("营业执照").check_licence(licence)


def test_field_lookup() -> None:
    licence_type = default_catalogue().by_name("营业执照")
    assert licence_type.field("FDDBR") == FieldSpec("FDDBR", "法定代表人", True)
    with pytest.raises(KeyError):
        licence_type.field("NOPE")
    with pytest.raises(KeyError):
        default_catalogue().get("nope")
    assert licence_type.code in default_catalogue()
    assert dataclasses.replace(licence_type, illustrative=False) != licence_type
