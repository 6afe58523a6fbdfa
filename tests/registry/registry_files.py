"""Write interchange files (CSV or XLSX) for registry tests, and a small known city."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from esealkit.registry.interchange import COLUMNS

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

Rows = Sequence[Sequence[object]]


def make_uscc(county: str, serial: int) -> str:
    """A USCC with a correct check character, computed here independently of the code."""
    body = "91" + county + f"{serial:09d}"
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARSET[(31 - total % 31) % 31]


def csv_bytes(header: Sequence[str], rows: Rows, *, bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(
    directory: Path,
    kind: str,
    rows: Rows,
    *,
    fmt: str = "csv",
    bom: bool = False,
    header: Sequence[str] | None = None,
) -> Path:
    header = list(header if header is not None else COLUMNS[kind])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{kind}.{fmt}"
    data = xlsx_bytes(header, rows) if fmt == "xlsx" else csv_bytes(header, rows, bom=bom)
    path.write_bytes(data)
    return path


# A small city whose KPIs are worked out by hand in the tests.
TYPES = [
    ("FOOD", "食品经营许可证", "市场监管局", "legal_person", "2020-01-01", "2019-01-01"),
    ("BIZ", "营业执照", "市场监管局", "legal_person", "2021-01-01", ""),
    ("DRV", "机动车驾驶证", "公安局", "natural_person", "2023-01-01", "2021-06-01"),
    ("HLTH", "健康证明", "卫健委", "自然人", "2022-01-01", "2021-07-01"),
    ("OLD", "旧证", "卫健委", "other_organisation", "", ""),
]
MATTERS = [
    # code, name, department, county, online, required, waived
    ("M1", "食品经营许可（新办）", "市场监管局", "330102", "true", "FOOD;BIZ", ""),
    ("M2", "驾驶证换领", "公安局", "330102", "true", "DRV", ""),
    ("M3", "健康证办理", "卫健委", "330103", "false", "HLTH;OLD", "OLD:commitment"),
    ("M4", "老证补办", "卫健委", "330103", "true", "OLD", ""),
    ("M5", "咨询", "卫健委", "330103", "true", "", ""),
    ("M6", "旧证注销", "公安局", "330102", "true", "OLD;DRV", "OLD:cancelled"),
]
EVENTS = [
    ("L1", "FOOD", "2024-01-01", "true", "", ""),
    ("L2", "FOOD", "2024-02-01", "false", "", ""),
    ("L3", "BIZ", "2024-03-01", "true", "", ""),
    ("L4", "DRV", "2025-03-01", "true", "", ""),
    ("L5", "DRV", "2026-03-01", "true", "", ""),  # after the as-of date used in tests
    ("L1", "FOOD", "", "", "M1", "2024-05-01"),
    ("L4", "DRV", "", "", "M2", "2026-01-01"),  # after the as-of date
    ("L4", "DRV", "", "", "M6", "2025-05-01"),
]
ENTERPRISES = [
    (make_uscc("330102", 1), "甲公司", "true", "true"),
    (make_uscc("330102", 2), "乙公司", "true", "false"),
    (make_uscc("330103", 3), "丙公司", "true", "true"),
    (make_uscc("330103", 4), "丁公司", "false", "true"),
]


def write_small_city(directory: Path, fmt: str = "csv") -> Path:
    write(directory, "licence_types", TYPES, fmt=fmt)
    write(directory, "matters", MATTERS, fmt=fmt)
    write(directory, "licence_events", EVENTS, fmt=fmt)
    write(directory, "enterprises", ENTERPRISES, fmt=fmt)
    return directory
