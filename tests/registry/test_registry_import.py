"""Interchange files: row-level errors, BOM, XLSX, all-or-nothing, never a stray exception."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_files import (
    ENTERPRISES,
    TYPES,
    csv_bytes,
    make_uscc,
    write,
    write_small_city,
    xlsx_bytes,
)

from esealkit.registry import ImportRejected, Satisfaction
from esealkit.registry.interchange import (
    COLUMNS,
    parse_enterprises,
    parse_licence_events,
    parse_licence_types,
    parse_matters,
    uscc_is_valid,
)
from esealkit.registry.tables import read_table
from esealkit.store.db import open_database
from esealkit.store.registry import import_directory, load_snapshot

KNOWN = {"FOOD", "BIZ"}


def _errors(exc: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in exc.value.errors]


def _types(rows: list[tuple[object, ...]], **kw: object) -> bytes:
    return csv_bytes(COLUMNS["licence_types"], rows, **kw)  # type: ignore[arg-type]


def test_bad_dates_are_reported_with_row_and_column() -> None:
    data = _types([
        ("A", "甲", "部门", "legal_person", "2021-02-30", ""),
        ("B", "乙", "部门", "legal_person", "2021/02/01", ""),
        ("C", "丙", "部门", "legal_person", "2021-01-01", "2021-03-01"),
        ("D", "丁", "部门", "legal_person", "", "2020-01-01"),
        ("E", "戊", "部门", "legal_person", "2021-01-01", "2020-12-31"),
    ])  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        parse_licence_types(read_table(data, "licence_types.csv"))
    assert _errors(caught) == [
        (2, "electronic_since"),
        (3, "electronic_since"),
        (4, "backfilled_to"),
        (5, "backfilled_to"),
    ]
    assert "not a real date" in caught.value.errors[0].reason
    assert "YYYY-MM-DD" in caught.value.errors[1].reason
    assert "licence_types.csv, row 2, column electronic_since" in str(caught.value)


def test_unknown_type_codes_are_rejected_in_matters_and_events() -> None:
    matters = csv_bytes(COLUMNS["matters"], [
        ("M1", "事项", "部门", "330102", "true", "FOOD;NOPE", ""),
        ("M2", "事项", "部门", "330102", "true", "FOOD", "BIZ"),  # waived but not required
        ("M3", "事项", "部门", "33010", "maybe", "BIZ", "BIZ:magic"),
    ])  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        parse_matters(read_table(matters, "matters.csv"), KNOWN)
    assert _errors(caught) == [
        (2, "required_licence_types"),
        (3, "waived_licence_types"),
        (4, "county"),
        (4, "online"),
        (4, "waived_licence_types"),
    ]
    assert "'NOPE'" in caught.value.errors[0].reason
    events = csv_bytes(COLUMNS["licence_events"], [
        ("L1", "NOPE", "2024-01-01", "true", "", ""),
        ("L2", "FOOD", "2024-01-01", "true", "M9", "2024-02-01"),
        ("L3", "FOOD", "", "true", "", ""),
        ("L1", "FOOD", "2024-01-01", "true", "", ""),
        ("L4", "FOOD", "2024-01-01", "true", "", "2024-02-01"),
    ])  # fmt: skip
    with pytest.raises(ImportRejected) as caught:
        parse_licence_events(read_table(events, "licence_events.csv"), KNOWN, {"M1"})
    assert _errors(caught) == [
        (2, "type_code"),
        (3, "used_by_matter"),
        (4, "issued_on"),
        (5, "licence_id"),
        (6, "used_by_matter"),
    ]
    assert "already appears at row 2" in caught.value.errors[3].reason


def test_bom_and_no_bom_read_the_same() -> None:
    rows = [("FOOD", "食品经营许可证", "市场监管局", "法人", "2020-01-01", "")]
    plain = parse_licence_types(read_table(_types(rows), "licence_types.csv"))
    with_bom = parse_licence_types(read_table(_types(rows, bom=True), "licence_types.csv"))
    assert plain == with_bom and plain[0].code == "FOOD"
    assert plain[0].holder_kind.value == "legal_person"


def test_not_utf8_is_rejected_with_its_line() -> None:
    data = _types([("A", "甲", "部门", "legal_person", "", "")]) + "乙".encode("gb18030")
    with pytest.raises(ImportRejected) as caught:
        read_table(data, "licence_types.csv")
    assert caught.value.errors[0].row == 3
    assert "UTF-8" in caught.value.errors[0].reason


def test_header_problems() -> None:
    data = csv_bytes(
        ["code", "name", "departmnt", "holder_kind", "electronic_since", "backfilled_to"], []
    )
    with pytest.raises(ImportRejected) as caught:
        parse_licence_types(read_table(data, "licence_types.csv"))
    assert _errors(caught) == [(1, "department"), (1, "departmnt")]
    with pytest.raises(ImportRejected):
        read_table(b"", "licence_types.csv")
    with pytest.raises(ImportRejected):
        read_table(b"code,code\n", "licence_types.csv")


def test_xlsx_with_typed_cells_matches_csv() -> None:
    header = COLUMNS["licence_types"]
    xlsx = xlsx_bytes(header, [("FOOD", "食品经营许可证", "市场监管局", "legal_person",
                               datetime(2020, 1, 1), date(2019, 1, 1))])  # fmt: skip
    csv_ = _types(
        [("FOOD", "食品经营许可证", "市场监管局", "legal_person", "2020-01-01", "2019-01-01")]
    )
    assert parse_licence_types(read_table(xlsx, "licence_types.xlsx")) == parse_licence_types(
        read_table(csv_, "licence_types.csv")
    )
    matters = xlsx_bytes(COLUMNS["matters"], [("M1", "事项", "部门", 330102, True, "FOOD", None)])
    parsed = parse_matters(read_table(matters, "matters.xlsx"), KNOWN)
    assert parsed[0].county == "330102" and parsed[0].online is True
    bad = xlsx_bytes(COLUMNS["matters"], [("M1", "事项", "部门", 330102, "perhaps", "FOOD", None)])
    with pytest.raises(ImportRejected) as caught:
        parse_matters(read_table(bad, "matters.xlsx"), KNOWN)
    assert _errors(caught) == [(2, "online")]


def test_xlsx_city_imports_like_csv_city(tmp_path: Path) -> None:
    results = []
    for fmt in ("csv", "xlsx"):
        db = open_database("sqlite:///" + str(tmp_path / f"{fmt}.db"))
        db.create_all()
        import_directory(db, write_small_city(tmp_path / fmt, fmt=fmt))
        with db.session() as session:
            results.append(load_snapshot(session, date(2025, 12, 31)))
        db.dispose()
    assert results[0] == results[1]
    waived = {r.type_code: r.satisfaction for m in results[0].matters for r in m.requirements}
    assert waived["OLD"] in (Satisfaction.COMMITMENT, Satisfaction.CANCELLED)


def test_damaged_xlsx_is_rejected() -> None:
    with pytest.raises(ImportRejected) as caught:
        read_table(b"PK\x03\x04 not really a zip", "matters.xlsx")
    assert "XLSX" in caught.value.errors[0].reason


def test_enterprise_uscc_check_character() -> None:
    good = make_uscc("330102", 42)
    assert uscc_is_valid(good)
    assert uscc_is_valid("91350100M000100Y43")  # a published example code
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = csv_bytes(
        COLUMNS["enterprises"], [(good, "甲", "true", "false"), (wrong, "乙", "true", "true")]
    )
    with pytest.raises(ImportRejected) as caught:
        parse_enterprises(read_table(data, "enterprises.csv"))
    assert _errors(caught) == [(3, "uscc")]


def test_both_csv_and_xlsx_of_one_file_is_ambiguous(tmp_path: Path) -> None:
    write(tmp_path, "licence_types", TYPES)
    write(tmp_path, "licence_types", TYPES, fmt="xlsx")
    db = open_database("sqlite:///" + str(tmp_path / "x.db"))
    db.create_all()
    with pytest.raises(ImportRejected, match="both"):
        import_directory(db, tmp_path)
    db.dispose()


def test_every_error_is_listed_not_only_the_first() -> None:
    rows = [(f"9{n}", "x", "maybe", "true") for n in range(30)]
    with pytest.raises(ImportRejected) as caught:
        parse_enterprises(read_table(csv_bytes(COLUMNS["enterprises"], rows), "enterprises.csv"))
    assert len(caught.value.errors) == 60
    assert "and 50 more" in str(caught.value)


def test_blank_rows_are_skipped_and_numbering_kept() -> None:
    data = csv_bytes(
        COLUMNS["enterprises"], [ENTERPRISES[0], ("", "", "", ""), ("bad", "x", "true", "true")]
    )
    with pytest.raises(ImportRejected) as caught:
        parse_enterprises(read_table(data, "enterprises.csv"))
    assert _errors(caught) == [(4, "uscc")]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_arbitrary_bytes_only_ever_raise_import_rejected(data: bytes) -> None:
    for name, parse in (
        ("licence_types.csv", lambda t: parse_licence_types(t)),
        ("matters.csv", lambda t: parse_matters(t, KNOWN)),
        ("licence_events.csv", lambda t: parse_licence_events(t, KNOWN, {"M1"})),
        ("enterprises.csv", lambda t: parse_enterprises(t)),
        ("matters.xlsx", lambda t: parse_matters(t, KNOWN)),
    ):
        try:
            parse(read_table(data, name))
        except ImportRejected as rejected:
            assert rejected.errors


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.lists(st.text(max_size=12), min_size=6, max_size=6), max_size=6))
def test_arbitrary_event_rows_only_ever_raise_import_rejected(cells: list[list[str]]) -> None:
    try:
        table = read_table(csv_bytes(COLUMNS["licence_events"], cells), "licence_events.csv")
        parse_licence_events(table, KNOWN, {"M1"})
    except ImportRejected as rejected:
        assert all(e.row >= 2 for e in rejected.errors)


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]
)
@pytest.mark.parametrize("payload", [b"", b"<x", b"<?xml version='1.0'?><worksheet/>"])
def test_damaged_xlsx_parts_are_rejected(part: str, payload: bytes) -> None:
    good = xlsx_bytes(COLUMNS["enterprises"], [ENTERPRISES[0]])
    source = zipfile.ZipFile(io.BytesIO(good))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            target.writestr(name, payload if name == part else source.read(name))
    try:
        parse_enterprises(read_table(damaged.getvalue(), "enterprises.xlsx"))
    except ImportRejected as rejected:
        assert rejected.errors[0].file == "enterprises.xlsx"
