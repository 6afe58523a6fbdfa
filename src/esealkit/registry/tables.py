"""Read an interchange spreadsheet (CSV or XLSX) into numbered rows (表格读取).

CSV is UTF-8 with or without a byte order mark; XLSX is read from its first sheet.
Both give the same thing: the header's column names and, for each non-empty data row,
its spreadsheet row number (the header is row 1) and its cells by column name.

Example::

    from esealkit.registry.tables import read_table

    table = read_table(open("matters.csv", "rb").read(), "matters.csv")
    for row in table.rows:
        print(row.number, row.cells["code"])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from esealkit.registry.errors import ImportRejected, RowError

__all__ = ["MAX_ROWS", "Cell", "Row", "Table", "read_table"]

#: Rows per file, a bound on memory for one import (a city's events fit many times over).
MAX_ROWS = 5_000_000

#: A cell as read: text from CSV; text, number, bool, date or None from XLSX.
Cell = str | int | float | bool | date | None


@dataclass(frozen=True)
class Row:
    number: int
    cells: Mapping[str, Cell]


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def read_table(data: bytes, file: str) -> Table:
    """Read ``data`` as XLSX when ``file`` ends in ``.xlsx``, else as CSV."""
    if file.lower().endswith(".xlsx"):
        return _read_xlsx(data, file)
    return _read_csv(data, file)


def _reject(file: str, row: int, reason: str, column: str = "") -> ImportRejected:
    return ImportRejected([RowError(file, row, column, reason)])


def _read_csv(data: bytes, file: str) -> Table:
    try:
        text = data.decode("utf-8-sig")  # strips a BOM when present
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _reject(file, line, f"not UTF-8 text (byte {exc.start}): save as CSV UTF-8") from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _reject(file, line, "contains a NUL character: not a CSV text file")
    # csv counts physical lines, so quoted multi-line cells keep spreadsheet row numbers right.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise _reject(file, 0, "the file is empty (a header row is needed)")
        columns = _header(header, file)
        rows: list[Row] = []
        number = 1
        for record in reader:
            number += 1
            if not "".join(record).strip():
                continue
            if len(rows) >= MAX_ROWS:
                raise _reject(file, number, f"more than {MAX_ROWS} rows: split the file")
            if len(record) > len(columns):
                raise _reject(
                    file, number, f"{len(record)} cells but the header has {len(columns)} columns"
                )
            if len(record) < len(columns):
                record = record + [""] * (len(columns) - len(record))
            cells = dict(zip(columns, record, strict=True))
            rows.append(Row(number, cells))
    except csv.Error as exc:
        raise _reject(file, reader.line_num, f"not valid CSV: {exc}") from exc
    return Table(file, columns, tuple(rows))


def _read_xlsx(data: bytes, file: str) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, KeyError...) on damage
        raise _reject(file, 0, f"not a readable XLSX workbook: {exc}") from exc
    try:
        return _xlsx_table(workbook, file)
    except ImportRejected:
        raise
    except Exception as exc:  # the sheet is parsed lazily, so damage can surface here too
        raise _reject(file, 0, f"damaged XLSX sheet: {exc}") from exc
    finally:
        workbook.close()


def _xlsx_table(workbook: Any, file: str) -> Table:
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise _reject(file, 0, "the workbook has no sheet")
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if header is None:
        raise _reject(file, 0, "the first sheet is empty (a header row is needed)")
    columns = _header(["" if c is None else str(c) for c in header], file)
    rows: list[Row] = []
    for number, record in enumerate(values, start=2):
        cells_in = [_xlsx_cell(c) for c in record]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells_in):
            continue
        if len(rows) >= MAX_ROWS:
            raise _reject(file, number, f"more than {MAX_ROWS} rows: split the file")
        extra = [c for c in cells_in[len(columns) :] if c not in (None, "")]
        if extra:
            raise _reject(file, number, "cells beyond the header's last column")
        cells = {
            name: (cells_in[i] if i < len(cells_in) else None) for i, name in enumerate(columns)
        }
        rows.append(Row(number, cells))
    return Table(file, columns, tuple(rows))


def _xlsx_cell(value: Any) -> Cell:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    return str(value)


def _header(cells: list[str], file: str) -> tuple[str, ...]:
    # Trailing empty header cells are common in exported spreadsheets.
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    columns = tuple(c.strip().lower() for c in cells)
    errors = [
        RowError(file, 1, f"#{i + 1}", "empty column name") for i, c in enumerate(columns) if not c
    ]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            errors.append(RowError(file, 1, name, "column appears twice"))
        seen.add(name)
    if errors:
        raise ImportRejected(errors)
    return columns
