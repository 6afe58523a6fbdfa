"""Reading and writing many licences at once: JSON, JSON Lines and CSV files (证照数据导入导出).

::

    import io
    from esealkit.certs.licence_io import read_licences, write_licences_csv

    for licence in read_licences("licences.csv"):     # or .json / .jsonl
        ...
    out = io.StringIO()
    write_licences_csv(licences, out)

JSON files hold a list of :meth:`Licence.to_dict` objects (or ``{"licences": [...]}``);
JSON Lines files hold one per line.  CSV files have the columns :data:`CSV_COLUMNS`
followed by one ``KZ_<KEY>`` column per type-specific field; an empty ``valid_to`` (or
``长期``) means long-term, an empty ``status`` means valid and an empty ``KZ_`` cell means
the field is absent.  Every error is a :class:`~esealkit.errors.MalformedInput` that names
the item (``item 3``, ``line 7``, ``row 12``) and the key.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from esealkit.certs.model import DATA_COLUMNS, SCHEMA_VERSION, Licence
from esealkit.errors import MalformedInput

__all__ = [
    "CSV_COLUMNS",
    "EXTENSION_PREFIX",
    "licence_data_from_cells",
    "read_licences",
    "write_licences_csv",
    "write_licences_json",
]

CSV_COLUMNS = ("identifier", *DATA_COLUMNS, "status")
EXTENSION_PREFIX = "KZ_"
_LONG_TERM = "长期"


def _load(data: Any, where: str, strict: bool) -> Licence:
    try:
        return Licence.from_dict(data, strict=strict)
    except MalformedInput as exc:
        raise MalformedInput(f"{where}, {exc}") from exc


def read_licences(path: str | Path, *, strict: bool = True) -> Iterator[Licence]:
    """Yield the licences in a ``.json``, ``.jsonl`` or ``.csv`` file, in file order.

    ``strict=False`` accepts vendor-variant identifiers (:func:`esealkit.certs.parse_licence_id`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        try:
            if suffix == ".csv":
                yield from _read_csv(stream, strict)
            elif suffix in (".jsonl", ".ndjson"):
                for number, line in enumerate(stream, start=1):
                    if line.strip():
                        yield _load(_json(line, f"line {number}"), f"line {number}", strict)
            else:
                data = _json(stream.read(), str(path))
                if isinstance(data, dict) and set(data) == {"licences"}:
                    data = data["licences"]
                if not isinstance(data, list):
                    raise MalformedInput(
                        f"{path}: expected a list of licences or {{'licences': [...]}}"
                    )
                for index, item in enumerate(data, start=1):
                    yield _load(item, f"item {index}", strict)
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{path}: not UTF-8 ({exc})") from exc


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"{where}: not JSON ({exc})") from exc


def licence_data_from_cells(cells: dict[str, str]) -> dict[str, Any]:
    """The licence dictionary (``Licence.from_dict`` form, without identifier and status)
    of one CSV row given as column → text, ``KZ_`` columns becoming type-specific fields."""
    valid_to = cells["valid_to"].strip()
    return {
        "type_code": cells["type_code"],
        "type_name": cells.get("type_name", ""),
        "number": cells["number"],
        "holder": {
            "name": cells["holder_name"],
            "kind": cells["holder_kind"],
            "id_type": cells["holder_id_type"],
            "id_number": cells["holder_id_number"],
        },
        "issuer": {"name": cells["issuer_name"], "code": cells["issuer_code"]},
        "issue_date": cells["issue_date"],
        "valid_from": cells["valid_from"],
        "valid_to": None if valid_to in ("", _LONG_TERM) else valid_to,
        "fields": {
            name[len(EXTENSION_PREFIX) :]: value
            for name, value in cells.items()
            if name.startswith(EXTENSION_PREFIX) and value != ""
        },
    }


def _read_csv(stream: IO[str], strict: bool) -> Iterator[Licence]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or tuple(header[: len(CSV_COLUMNS)]) != CSV_COLUMNS:
        raise MalformedInput(f"row 1: the header must start with {','.join(CSV_COLUMNS)}")
    extensions = header[len(CSV_COLUMNS) :]
    for name in extensions:
        if not name.startswith(EXTENSION_PREFIX) or extensions.count(name) > 1:
            raise MalformedInput(
                f"row 1: column {name!r} is not a unique {EXTENSION_PREFIX}<KEY> column"
            )
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MalformedInput(f"row {number}: {len(row)} cells, expected {len(header)}")
        cells = dict(zip(header, row, strict=True))
        data = {
            "schema_version": SCHEMA_VERSION,
            "identifier": cells["identifier"],
            **licence_data_from_cells(cells),
            "status": cells["status"] or "valid",
        }
        yield _load(data, f"row {number}", strict)


def write_licences_csv(licences: Iterable[Licence], stream: IO[str]) -> int:
    """Write ``licences`` as CSV (see the module docstring); returns how many were written.

    The ``KZ_`` columns are the union of the licences' field keys, in first-seen order, so
    the licences are held in memory while writing.
    """
    items = list(licences)
    keys: dict[str, None] = {}
    for licence in items:
        keys.update(dict.fromkeys(licence.fields))
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(EXTENSION_PREFIX + key for key in keys)])
    for licence in items:
        data = licence.to_dict()
        writer.writerow(
            [
                data["identifier"],
                data["type_code"],
                data["type_name"],
                data["number"],
                data["holder"]["name"],
                data["holder"]["kind"],
                data["holder"]["id_type"],
                data["holder"]["id_number"],
                data["issuer"]["name"],
                data["issuer"]["code"],
                data["issue_date"],
                data["valid_from"],
                data["valid_to"] or "",
                data["status"],
                *(licence.fields.get(key, "") for key in keys),
            ]
        )
    return len(items)


def write_licences_json(
    licences: Iterable[Licence], stream: IO[str], *, lines: bool = False
) -> int:
    """Write ``licences`` as a JSON list, or as JSON Lines when ``lines``; returns the count."""
    count = 0
    if lines:
        for licence in licences:
            stream.write(json.dumps(licence.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count
    stream.write("[")
    for licence in licences:
        stream.write(
            ("," if count else "") + "\n" + json.dumps(licence.to_dict(), ensure_ascii=False)
        )
        count += 1
    stream.write("\n]\n")
    return count
