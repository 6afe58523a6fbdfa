"""Import the small city and check every KPI against counts worked out by hand.

Runs on SQLite and on a real throwaway PostgreSQL server (``database_url``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from registry_files import MATTERS, write, write_small_city
from sqlalchemy import func, select

from esealkit.registry import ImportRejected, QualificationPolicy, compute_kpis, plan
from esealkit.registry.interchange import COLUMNS
from esealkit.store.db import open_database
from esealkit.store.registry import (
    RegistryIssuance,
    RegistryMatter,
    import_directory,
    load_snapshot,
)

AS_OF = date(2025, 12, 31)


def _kpis(database_url: str, as_of: date = AS_OF):  # type: ignore[no-untyped-def]
    db = open_database(database_url)
    try:
        with db.session() as session:
            snapshot = load_snapshot(session, as_of)
    finally:
        db.dispose()
    return compute_kpis(snapshot, QualificationPolicy())


@pytest.fixture
def city_url(database_url: str, tmp_path: Path) -> str:
    db = open_database(database_url)
    db.create_all()
    summary = import_directory(db, write_small_city(tmp_path / "city"))
    db.dispose()
    assert summary.counts == {
        "licence_types": 5,
        "matters": 6,
        "licence_events": 8,
        "enterprises": 4,
    }
    return database_url


def _pair(kpi) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return (kpi.numerator, kpi.denominator)


def test_totals_match_hand_count(city_url: str) -> None:
    report = _kpis(city_url)
    total = report.total
    assert _pair(total["certificate_free_matters"]) == (3, 5)
    assert total["certificate_free_matters"].value == 3
    assert total["certificate_free_matters"].needed == 147
    assert _pair(total["e_issuance_rate"]) == (3, 4)  # L5 is after the as-of date
    assert _pair(total["licence_usage_rate"]) == (2, 5)  # M2's use is after the as-of date
    assert _pair(total["e_seal_usage_rate"]) == (2, 3)  # only tax-paying enterprises
    assert _pair(total["online_rate"]) == (5, 6)
    assert total["e_seal_usage_rate"].met is True
    assert total["online_rate"].met is False
    assert total["online_rate"].needed == 1
    assert total["licence_usage_rate"].gap == pytest.approx(0.2)
    blocked = {q.matter.code: q.blocking_types for q in report.qualification.blocked}
    assert blocked == {"M3": ("HLTH",), "M4": ("OLD",)}


def test_groups_match_hand_count(city_url: str) -> None:
    report = _kpis(city_url)
    market = report.by_department["市场监管局"]
    assert _pair(market["e_issuance_rate"]) == (2, 3)
    assert _pair(market["certificate_free_matters"]) == (1, 1)
    assert market["certificate_free_matters"].target is None
    police = report.by_department["公安局"]
    assert _pair(police["licence_usage_rate"]) == (1, 2)
    assert "e_seal_usage_rate" not in police
    health = report.by_department["卫健委"]
    assert "e_issuance_rate" not in health
    assert _pair(health["online_rate"]) == (2, 3)
    assert _pair(report.by_county["330102"]["e_seal_usage_rate"]) == (1, 2)
    assert _pair(report.by_county["330103"]["e_seal_usage_rate"]) == (1, 1)
    assert "e_issuance_rate" not in report.by_county["330102"]


def test_as_of_moves_events_and_availability(city_url: str) -> None:
    later = _kpis(city_url, date(2026, 12, 31)).total
    assert _pair(later["e_issuance_rate"]) == (4, 5)
    assert _pair(later["licence_usage_rate"]) == (3, 5)
    early = _kpis(city_url, date(2022, 6, 1)).total  # DRV is not electronic yet
    assert _pair(early["certificate_free_matters"]) == (1, 5)


def test_plan_on_small_city(city_url: str) -> None:
    report = _kpis(city_url)
    result = plan(report.qualification, report.licence_types, target=4)
    assert [c.type_code for c in result.ranked] == ["HLTH", "OLD"]
    assert result.chosen == ("HLTH",) and result.reached == 4 and result.reachable
    unreachable = plan(report.qualification, report.licence_types, target=6)
    assert not unreachable.reachable and unreachable.reached == 5


def test_reimport_is_idempotent_and_updates(city_url: str, tmp_path: Path) -> None:
    db = open_database(city_url)
    import_directory(db, write_small_city(tmp_path / "again"))
    changed = [m if m[0] != "M3" else (*m[:4], "true", *m[5:]) for m in MATTERS]
    write(tmp_path / "update", "matters", changed)
    import_directory(db, tmp_path / "update")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryIssuance)) == 5
        assert session.scalar(select(func.count()).select_from(RegistryMatter)) == 6
    db.dispose()
    assert _pair(_kpis(city_url).total["online_rate"]) == (6, 6)


def test_rejected_file_leaves_no_row(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    db.create_all()
    write(tmp_path, "licence_types", [("A", "甲证", "部门", "legal_person", "2020-01-01", "")])
    import_directory(db, tmp_path)
    write(
        tmp_path,
        "licence_events",
        [("L1", "A", "2024-01-01", "true", "", ""), ("L2", "A", "2024-13-01", "true", "", "")],
    )
    with pytest.raises(ImportRejected) as caught:
        import_directory(db, tmp_path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "issued_on")]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryIssuance)) == 0
    db.dispose()


def test_many_rows_upsert_and_other_materials_round_trip(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    db.create_all()
    write(tmp_path, "licence_types", [("A", "甲证", "部门", "legal_person", "2020-01-01", "")])
    header = [*COLUMNS["matters"], "other_materials"]
    write(
        tmp_path,
        "matters",
        [("M1", "办", "部门", "330102", "true", "A", "", "申请书;身份证明")],
        header=header,
    )
    issuances = [
        (f"L{n}", "A", "2024-01-01", "true" if n % 4 else "false", "", "") for n in range(6000)
    ]
    write(tmp_path, "licence_events", issuances)
    import_directory(db, tmp_path)
    flipped = [(lid, t, d, "false", "", "") for lid, t, d, _, _, _ in issuances[:1000]]
    write(tmp_path / "second", "licence_events", flipped)
    import_directory(db, tmp_path / "second")  # replaces 1000 rows, adds none
    with db.session() as session:
        snapshot = load_snapshot(session, AS_OF)
    db.dispose()
    assert snapshot.matters[0].other_materials == ("申请书", "身份证明")
    count = snapshot.issuances_by_type["A"]
    assert (count.total, count.electronic) == (6000, 4500 - 750)
