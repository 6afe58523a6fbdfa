"""Fuzzing the text inputs: licence identifiers, USCCs and resident IDs raise only
InvalidIdentifier; the registry importers reject damaged CSV and XLSX files only with
ImportRejected (every error with its row)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fuzz_support import LONG, QUICK, mutated, run_for_budget
from hypothesis import given
from hypothesis import strategies as st

from esealkit.certs.identifiers import check_resident_id, check_uscc, parse_licence_id
from esealkit.errors import InvalidIdentifier
from esealkit.registry import ImportRejected
from esealkit.registry.interchange import (
    COLUMNS,
    parse_enterprises,
    parse_licence_types,
    parse_matters,
)
from esealkit.registry.tables import read_table

LICENCE_ID = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"
USCC = "91320115MA202UKD7X"
RESIDENT = "11010519491231002X"
_ID_CHARS = "0123456789.ABCDEFGHJKLMNPQRTUWXYZabcxIOSV -_/\u0000\u3002\uff10\u00b7"


def _edited(seed: str) -> st.SearchStrategy[str]:
    """``seed`` with a few characters replaced, inserted or deleted."""
    @st.composite
    def edit(draw: st.DrawFn) -> str:
        text = list(seed)
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(text)))
            op = draw(st.sampled_from(["set", "insert", "delete"]))
            char = draw(st.sampled_from(_ID_CHARS) | st.characters())
            if op == "set" and at < len(text):
                text[at] = char
            elif op == "insert":
                text.insert(at, char)
            elif at < len(text):
                del text[at]
        return "".join(text)
    return edit()


IDENTIFIER_INPUTS = (
    st.text(max_size=90)
    | st.text(alphabet=_ID_CHARS, max_size=90)
    | st.sampled_from([LICENCE_ID, USCC, RESIDENT]).flatmap(_edited)
    | st.one_of(st.none(), st.integers(), st.binary(max_size=20), st.floats())
)


def _identifier_case(value: object) -> None:
    for check in (lambda v: parse_licence_id(v), lambda v: parse_licence_id(v, strict=False),
                  check_uscc, check_resident_id):
        try:
            check(value)  # type: ignore[arg-type]
        except InvalidIdentifier:
            pass


def _csv(columns: tuple[str, ...] | list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(columns: tuple[str, ...] | list[str], rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TYPE_ROWS = [["FOOD", "食品经营许可证", "市场监管局", "legal_person", "2020-01-01", "2019-01-01"],
             ["BIZ", "营业执照", "市场监管局", "legal_person", "2019-06-01", ""]]
ENTERPRISE_ROWS = [[USCC, "某某有限公司", "true", "false"]]


def _registry_seeds() -> list[tuple[str, bytes]]:
    types, enterprises = COLUMNS["licence_types"], COLUMNS["enterprises"]
    return [("licence_types.csv", _csv(types, TYPE_ROWS)), ("licence_types.xlsx", _xlsx(types, TYPE_ROWS)),
            ("enterprises.csv", _csv(enterprises, ENTERPRISE_ROWS)),
            ("enterprises.xlsx", _xlsx(enterprises, ENTERPRISE_ROWS))]


SEEDS = _registry_seeds()
_PARSERS = {
    "licence_types": parse_licence_types,
    "enterprises": parse_enterprises,
}


def _registry_case(name: str, data: bytes) -> None:
    kind = name.split(".", 1)[0]
    for parse in (_PARSERS[kind], lambda t: parse_matters(t, {"FOOD", "BIZ"})):
        try:
            parse(read_table(data, name))
        except ImportRejected as rejected:
            assert rejected.errors and all(e.row >= 0 for e in rejected.errors)


REGISTRY_INPUTS = st.sampled_from(SEEDS).flatmap(lambda s: st.tuples(st.just(s[0]), mutated(s[1], max_ops=3)))


def test_identifiers_raise_only_invalid_identifier():
    @QUICK
    @given(value=IDENTIFIER_INPUTS)
    def run(value):
        _identifier_case(value)
    run()


def test_seed_files_import():
    for name, data in SEEDS:
        _PARSERS[name.split(".", 1)[0]](read_table(data, name))


def test_damaged_registry_files_raise_only_import_rejected():
    @QUICK
    @given(case=REGISTRY_INPUTS)
    def run(case):
        _registry_case(*case)
    run()


@pytest.mark.fuzz
def test_long_identifiers():
    @LONG
    @given(value=IDENTIFIER_INPUTS)
    def run(value):
        _identifier_case(value)
    run_for_budget(run)


@pytest.mark.fuzz
def test_long_registry_files():
    @LONG
    @given(case=REGISTRY_INPUTS)
    def run(case):
        _registry_case(*case)
    run_for_budget(run)
