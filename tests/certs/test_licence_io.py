"""Many licences in files: CSV, JSON and JSON Lines round trips."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from certs_strategies import licences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esealkit.certs.licence_io import read_licences, write_licences_csv, write_licences_json
from esealkit.certs.model import Licence


def _round_trip(items: list[Licence], suffix: str) -> list[Licence]:
    out = io.StringIO()
    if suffix == ".csv":
        write_licences_csv(items, out)
    else:
        write_licences_json(items, out, lines=suffix == ".jsonl")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"licences{suffix}"
        path.write_text(out.getvalue(), "utf-8", newline="")
        return list(read_licences(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(licences(), max_size=4), st.sampled_from([".json", ".jsonl"]))
def test_json_forms_round_trip(items: list[Licence], suffix: str) -> None:
    assert _round_trip(items, suffix) == items


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(licences(), max_size=4))
def test_csv_round_trips_except_empty_fields(items: list[Licence]) -> None:
    # An empty KZ_ cell means "no such field", so empty field values do not survive CSV.
    expected = [
        Licence(**{**vars(item), "fields": {k: v for k, v in item.fields.items() if v != ""}})
        for item in items
    ]
    assert _round_trip(items, ".csv") == expected
