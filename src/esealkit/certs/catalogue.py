"""Licence types catalogue (证照目录, GB/T 36902): what each licence type is and holds.

::

    >>> catalogue = default_catalogue()
    >>> licence_type = catalogue.by_name("营业执照")
    >>> licence_type.department_name, licence_type.holder_kind
    ('国家市场监督管理总局', 'organisation')
    >>> [spec.key for spec in licence_type.fields][:3]
    ['LX', 'FDDBR', 'ZCZB']
    >>> len(catalogue) >= 30
    True

A licence type code has 21 characters: the unified social credit code of the defining
department (定义机构) and a 3-digit sequence.  The starter catalogue shipped in
``esealkit/data/licence_types.json`` uses the real code of 住房和城乡建设部 (from public
identifiers) and *illustrative* codes for the other departments and for every sequence
number: each entry says so (``illustrative``), and an agency loads its own catalogue with
:func:`load_catalogue` (JSON or CSV, same columns as :meth:`Catalogue.to_csv`).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from esealkit.certs.identifiers import check_uscc
from esealkit.certs.model import FIELD_KEY, HolderKind, Licence
from esealkit.errors import InvalidIdentifier, MalformedInput

__all__ = [
    "CATALOGUE_SCHEMA_VERSION",
    "CSV_COLUMNS",
    "HOLDER_KINDS",
    "Catalogue",
    "FieldSpec",
    "LicenceType",
    "default_catalogue",
    "load_catalogue",
]

CATALOGUE_SCHEMA_VERSION = 1
#: Allowed ``holder_kind`` values: one :class:`HolderKind`, or ``any``.
HOLDER_KINDS = ("person", "organisation", "any")
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
CSV_COLUMNS = (
    "code",
    "name",
    "department_code",
    "department_name",
    "holder_kind",
    "fields",
    "illustrative",
)


@dataclass(frozen=True)
class FieldSpec:
    """One type-specific field: its key (``KZ_<key>`` in XML), its printed name, required or not."""

    key: str
    name: str
    required: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not FIELD_KEY.fullmatch(self.key):
            raise MalformedInput(f"field key {self.key!r} is not an upper-case ASCII key")
        if not isinstance(self.name, str) or not self.name.strip():
            raise MalformedInput(f"field {self.key}: the name is empty")


@dataclass(frozen=True)
class LicenceType:
    """One entry of the catalogue (证照类型)."""

    code: str  # 证照类型代码, 21 chars
    name: str  # 证照类型名称
    department_name: str  # 定义机构 (the department that defines the type)
    holder_kind: str  # "person", "organisation" or "any"
    fields: tuple[FieldSpec, ...] = ()
    illustrative: bool = False  # the code is made up for the starter catalogue

    def __post_init__(self) -> None:
        where = f"licence type {self.code!r}"
        if not isinstance(self.code, str) or not _TYPE_CODE.fullmatch(self.code):
            raise MalformedInput(f"{where}: a type code is a USCC and 3 digits (21 characters)")
        try:
            check_uscc(self.code[:18])
        except InvalidIdentifier as exc:
            raise MalformedInput(
                f"{where}: the defining department's code is not a USCC: {exc}"
            ) from exc
        if not isinstance(self.name, str) or not self.name.strip():
            raise MalformedInput(f"{where}: the name is empty")
        if not isinstance(self.department_name, str) or not self.department_name.strip():
            raise MalformedInput(f"{where}: the department name is empty")
        if self.holder_kind not in HOLDER_KINDS:
            raise MalformedInput(
                f"{where}: holder_kind {self.holder_kind!r} is not one of {', '.join(HOLDER_KINDS)}"
            )
        keys = [spec.key for spec in self.fields]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise MalformedInput(f"{where}: field {duplicates[0]} is listed twice")

    @property
    def department_code(self) -> str:
        """The defining department's unified social credit code (the first 18 characters)."""
        return self.code[:18]

    def field(self, key: str) -> FieldSpec:
        """The field spec for ``key``; :class:`KeyError` if the type has no such field."""
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def check_fields(self, values: Mapping[str, str]) -> None:
        """Raise :class:`MalformedInput` naming the first unknown or missing required field."""
        known = {spec.key for spec in self.fields}
        for key in values:
            if key not in known:
                raise MalformedInput(f"fields.{key}: not a field of {self.name} ({self.code})")
        for spec in self.fields:
            if spec.required and not values.get(spec.key, "").strip():
                raise MalformedInput(
                    f"fields.{spec.key}: {spec.name} is required by {self.name} ({self.code})"
                )

    def check_licence(self, licence: Licence) -> None:
        """Raise :class:`MalformedInput` when ``licence`` does not fit this type."""
        if licence.type_code != self.code:
            raise MalformedInput(
                f"type_code: {licence.type_code!r} is not {self.code!r} ({self.name})"
            )
        if self.holder_kind != "any" and licence.holder.kind is not HolderKind(self.holder_kind):
            raise MalformedInput(
                f"holder.kind: {self.name} is held by a {self.holder_kind}, not a {licence.holder.kind}"
            )
        self.check_fields(licence.fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "department_code": self.department_code,
            "department_name": self.department_name,
            "holder_kind": self.holder_kind,
            "fields": [{"key": s.key, "name": s.name, "required": s.required} for s in self.fields],
            "illustrative": self.illustrative,
        }


def _type_from_dict(data: object, where: str) -> LicenceType:
    if not isinstance(data, Mapping):
        raise MalformedInput(f"{where}: expected an object")
    extra = sorted(set(data) - set(CSV_COLUMNS))
    missing = [key for key in CSV_COLUMNS if key not in data and key != "illustrative"]
    if extra or missing:
        raise MalformedInput(
            f"{where}.{(extra or missing)[0]}: {'unknown' if extra else 'missing'} key"
        )
    raw_fields = data["fields"]
    if not isinstance(raw_fields, list):
        raise MalformedInput(f"{where}.fields: expected a list")
    specs = []
    for index, raw in enumerate(raw_fields):
        if (
            not isinstance(raw, Mapping)
            or set(raw) - {"key", "name", "required"}
            or not {"key", "name"} <= set(raw)
        ):
            raise MalformedInput(f"{where}.fields[{index}]: expected {{key, name, required}}")
        if not isinstance(raw.get("required", False), bool):
            raise MalformedInput(f"{where}.fields[{index}].required: expected true or false")
        try:
            specs.append(FieldSpec(raw["key"], raw["name"], raw.get("required", False)))
        except MalformedInput as exc:
            raise MalformedInput(f"{where}.fields[{index}]: {exc}") from exc
    illustrative = data.get("illustrative", False)
    if not isinstance(illustrative, bool):
        raise MalformedInput(f"{where}.illustrative: expected true or false")
    try:
        licence_type = LicenceType(
            data["code"],
            data["name"],
            data["department_name"],
            data["holder_kind"],
            tuple(specs),
            illustrative,
        )
    except MalformedInput as exc:
        raise MalformedInput(f"{where}: {exc}") from exc
    if data["department_code"] != licence_type.department_code:
        raise MalformedInput(
            f"{where}.department_code: is not the first 18 characters of the type code"
        )
    return licence_type


@dataclass(frozen=True)
class Catalogue:
    """The licence types an agency knows, by code."""

    types: tuple[LicenceType, ...]

    def __post_init__(self) -> None:
        codes = [t.code for t in self.types]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise MalformedInput(f"licence type {duplicates[0]!r} is listed twice")

    def __len__(self) -> int:
        return len(self.types)

    def __iter__(self) -> Iterator[LicenceType]:
        return iter(self.types)

    def __contains__(self, code: object) -> bool:
        return any(t.code == code for t in self.types)

    def get(self, code: str) -> LicenceType:
        """The type with ``code``; :class:`KeyError` naming it if there is none."""
        for licence_type in self.types:
            if licence_type.code == code:
                return licence_type
        raise KeyError(f"no licence type {code!r} in the catalogue")

    def by_name(self, name: str) -> LicenceType:
        """The (first) type called ``name``; :class:`KeyError` if none is."""
        for licence_type in self.types:
            if licence_type.name == name:
                return licence_type
        raise KeyError(f"no licence type named {name!r} in the catalogue")

    def check_licence(self, licence: Licence) -> None:
        """Raise :class:`MalformedInput` if the licence's type is unknown or it does not fit it."""
        try:
            licence_type = self.get(licence.type_code)
        except KeyError:
            raise MalformedInput(
                f"type_code: {licence.type_code!r} is not in the catalogue"
            ) from None
        licence_type.check_licence(licence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": CATALOGUE_SCHEMA_VERSION,
            "types": [t.to_dict() for t in self.types],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        """Load the JSON form; extra top-level keys other than ``note`` are refused."""
        if not isinstance(data, Mapping):
            raise MalformedInput("catalogue: expected an object")
        extra = sorted(set(data) - {"schema_version", "types", "note"})
        if extra:
            raise MalformedInput(f"{extra[0]}: unknown key")
        if data.get("schema_version") != CATALOGUE_SCHEMA_VERSION:
            raise MalformedInput(
                f"schema_version: {data.get('schema_version')!r} is not {CATALOGUE_SCHEMA_VERSION}"
            )
        types = data.get("types")
        if not isinstance(types, list):
            raise MalformedInput("types: expected a list")
        return cls(
            tuple(_type_from_dict(item, f"types[{index}]") for index, item in enumerate(types))
        )

    def to_csv(self) -> str:
        """CSV with :data:`CSV_COLUMNS`; ``fields`` is ``KEY:名称:required;KEY:名称:optional``."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for t in self.types:
            fields = ";".join(
                f"{s.key}:{s.name}:{'required' if s.required else 'optional'}" for s in t.fields
            )
            writer.writerow(
                [
                    t.code,
                    t.name,
                    t.department_code,
                    t.department_name,
                    t.holder_kind,
                    fields,
                    str(t.illustrative).lower(),
                ]
            )
        return out.getvalue()

    @classmethod
    def from_csv(cls, text: str) -> Catalogue:
        """Load the CSV form; errors name the row (1 = the header) and column."""
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or tuple(rows[0]) != CSV_COLUMNS:
            raise MalformedInput(f"row 1: the header must be {','.join(CSV_COLUMNS)}")
        types = []
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_COLUMNS):
                raise MalformedInput(
                    f"row {number}: {len(row)} columns, expected {len(CSV_COLUMNS)}"
                )
            record: dict[str, Any] = dict(zip(CSV_COLUMNS, row, strict=True))
            record["fields"] = [
                _csv_field(part, number) for part in row[5].split(";") if part.strip()
            ]
            if record["illustrative"] not in ("true", "false", ""):
                raise MalformedInput(f"row {number}, illustrative: expected true or false")
            record["illustrative"] = record["illustrative"] == "true"
            types.append(_type_from_dict(record, f"row {number}"))
        return cls(tuple(types))


def _csv_field(part: str, row: int) -> dict[str, Any]:
    pieces = part.strip().split(":")
    if len(pieces) != 3 or pieces[2] not in ("required", "optional"):
        raise MalformedInput(f"row {row}, fields: {part!r} is not KEY:名称:required|optional")
    return {"key": pieces[0], "name": pieces[1], "required": pieces[2] == "required"}


def load_catalogue(path: str | Path) -> Catalogue:
    """Load a catalogue from a ``.json`` or ``.csv`` file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"{path}: not UTF-8 ({exc})") from exc
    if path.suffix.lower() == ".csv":
        return Catalogue.from_csv(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"{path}: not JSON ({exc})") from exc
    return Catalogue.from_dict(data)


@functools.cache
def default_catalogue() -> Catalogue:
    """The starter catalogue shipped with esealkit (see the module docstring about its codes)."""
    text = (
        resources.files("esealkit").joinpath("data/licence_types.json").read_text(encoding="utf-8")
    )
    return Catalogue.from_dict(json.loads(text))
