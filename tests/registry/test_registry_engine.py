"""The qualification engine, KPIs and planning against independent brute-force counts.

The brute force works from first principles: a licence type is available when every
licence issued on any day from the cut-off to the evaluation date is in the library
(issued electronically, or backfilled), and electronic issuance has started. KPIs are
counted from the raw records written to the interchange files, then compared with the
engine's numbers computed from the database through SQL aggregates.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_files import make_uscc, write

from esealkit.errors import PolicyError
from esealkit.registry import (
    HolderKind,
    LicenceType,
    Matter,
    QualificationPolicy,
    Requirement,
    Satisfaction,
    compute_kpis,
    plan,
    qualify,
)
from esealkit.store.db import open_database
from esealkit.store.registry import import_directory, load_snapshot

BASE = date(2021, 5, 1)
CODES = ["A", "B", "C", "D", "E"]
DEPARTMENTS = ["d1", "d2"]
COUNTIES = ["330102", "330103"]

days = st.integers(min_value=0, max_value=90).map(lambda n: BASE + timedelta(days=n))
# A narrow window around the default cut-off, so events fall on the as-of date often.
event_days = st.integers(min_value=28, max_value=34).map(lambda n: BASE + timedelta(days=n))


@st.composite
def licence_types(draw: st.DrawFn) -> dict[str, LicenceType]:
    result = {}
    for code in draw(st.lists(st.sampled_from(CODES), unique=True, max_size=len(CODES))):
        since = draw(st.none() | days)
        back = None
        if since is not None and draw(st.booleans()):
            back = since - timedelta(days=draw(st.integers(0, 60)))
        result[code] = LicenceType(
            code, f"type {code}", draw(st.sampled_from(DEPARTMENTS)), HolderKind.LEGAL_PERSON,
            since, back,
        )  # fmt: skip
    return result


@st.composite
def matters(draw: st.DrawFn, type_codes: list[str] | None = None) -> list[Matter]:
    pool = type_codes if type_codes is not None else [*CODES, "ZZ"]  # ZZ: not in catalogue
    result = []
    for i in range(draw(st.integers(0, 12))):
        required = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3)) if pool else []
        requirements = tuple(
            Requirement(c, draw(st.sampled_from(list(Satisfaction))) if draw(st.booleans())
                        else Satisfaction.ELECTRONIC_LICENCE)
            for c in required
        )  # fmt: skip
        result.append(
            Matter(f"M{i}", f"matter {i}", draw(st.sampled_from(DEPARTMENTS)),
                   draw(st.sampled_from(COUNTIES)), draw(st.booleans()), requirements)
        )  # fmt: skip
    return result


def brute_available(t: LicenceType, as_of: date, cut_off: date) -> bool:
    if t.electronic_since is None or t.electronic_since > as_of:
        return False
    day = cut_off
    while day <= as_of:
        electronic = day >= t.electronic_since
        backfilled = t.backfilled_to is not None and t.backfilled_to <= day
        if not (electronic or backfilled):
            return False
        day += timedelta(days=1)
    return True


def brute_free(m: Matter, types: dict[str, LicenceType], as_of: date, cut_off: date) -> bool:
    if not m.requirements:
        return False
    for r in m.requirements:
        if r.satisfaction is not Satisfaction.ELECTRONIC_LICENCE:
            continue
        if r.type_code not in types or not brute_available(types[r.type_code], as_of, cut_off):
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(types=licence_types(), matter_list=matters(), as_of=days, cut_off=days)
def test_qualify_matches_brute_force(
    types: dict[str, LicenceType], matter_list: list[Matter], as_of: date, cut_off: date
) -> None:
    policy = QualificationPolicy(cut_off=cut_off)
    result = qualify(matter_list, types, as_of, policy)
    for q in result.matters:
        assert q.certificate_free == brute_free(q.matter, types, as_of, cut_off)
        for code in q.blocking_types:  # each blocker, alone made available, is the reason
            assert code in q.matter.licence_types_to_fetch
            assert code not in types or not brute_available(types[code], as_of, cut_off)
    expected = sum(brute_free(m, types, as_of, cut_off) for m in matter_list)
    assert result.certificate_free_count == expected


def _unlocked_with(extra: set[str], blocked: dict[str, set[str]]) -> int:
    return sum(1 for need in blocked.values() if need <= extra)


@settings(max_examples=150, deadline=None)
@given(types=licence_types(), matter_list=matters(), target=st.integers(0, 14))
def test_plan_reaches_target_and_is_never_better_than_optimal(
    types: dict[str, LicenceType], matter_list: list[Matter], target: int
) -> None:
    result_q = qualify(matter_list, types, BASE + timedelta(days=45), QualificationPolicy())
    blocked = {q.matter.code: set(q.blocking_types) for q in result_q.blocked}
    current = result_q.certificate_free_count
    result = plan(result_q, types, target)
    candidates = sorted(set().union(*blocked.values())) if blocked else []
    # Brute force: the smallest set of blocking types that reaches the target.
    optimum = None
    for size in range(len(candidates) + 1):
        for combo in itertools.combinations(candidates, size):
            if current + _unlocked_with(set(combo), blocked) >= target:
                optimum = size
                break
        if optimum is not None:
            break
    assert result.reachable == (optimum is not None)
    assert result.reached == current + _unlocked_with(set(result.chosen), blocked)
    if optimum is not None:
        assert result.reached >= target
        assert len(result.chosen) >= optimum
        for code in result.chosen:  # reverse delete: nothing chosen is superfluous
            rest = set(result.chosen) - {code}
            assert current + _unlocked_with(rest, blocked) < target
    for c in result.ranked:
        assert set(c.unlocks) == {m for m, need in blocked.items() if need == {c.type_code}}
        assert set(c.blocks) == {m for m, need in blocked.items() if c.type_code in need}


@st.composite
def events(draw: st.DrawFn, type_codes: list[str], matter_codes: list[str]):  # type: ignore[no-untyped-def]
    issuances = [
        (f"L{i}", draw(st.sampled_from(type_codes)), draw(event_days), draw(st.booleans()))
        for i in range(draw(st.integers(0, 15)))
    ] if type_codes else []  # fmt: skip
    uses = []
    if type_codes and matter_codes:
        for i in range(draw(st.integers(0, 10))):
            uses.append((f"U{i}", draw(st.sampled_from(type_codes)),
                         draw(st.sampled_from(matter_codes)), draw(event_days)))  # fmt: skip
    return issuances, uses


@st.composite
def cities(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    types = draw(licence_types())
    matter_list = draw(matters(sorted(types)))
    issuances, uses = draw(events(sorted(types), [m.code for m in matter_list]))
    enterprises = [
        (make_uscc(draw(st.sampled_from(COUNTIES)), i), draw(st.booleans()), draw(st.booleans()))
        for i in range(draw(st.integers(0, 8)))
    ]
    return types, matter_list, issuances, uses, enterprises


def _write_city(directory: Path, city) -> None:  # type: ignore[no-untyped-def]
    types, matter_list, issuances, uses, enterprises = city
    text = lambda d: d.isoformat() if d else ""  # noqa: E731
    write(directory, "licence_types", [
        (t.code, t.name, t.department, t.holder_kind.value, text(t.electronic_since),
         text(t.backfilled_to)) for t in types.values()])  # fmt: skip
    write(directory, "matters", [
        (m.code, m.name, m.department, m.county, str(m.online).lower(),
         ";".join(m.required_types),
         ";".join(f"{r.type_code}:{r.satisfaction.value}" if r.satisfaction is not
                  Satisfaction.WAIVED else r.type_code for r in m.requirements if r.waived))
        for m in matter_list])  # fmt: skip
    write(directory, "licence_events",
          [(lid, t, d.isoformat(), str(e).lower(), "", "") for lid, t, d, e in issuances]
          + [(lid, t, "", "", m, d.isoformat()) for lid, t, m, d in uses])  # fmt: skip
    write(directory, "enterprises",
          [(u, f"e{i}", str(tax).lower(), str(seal).lower())
           for i, (u, tax, seal) in enumerate(enterprises)])  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(city=cities(), as_of=event_days)
def test_kpis_from_database_match_brute_force(city, as_of: date) -> None:  # type: ignore[no-untyped-def]
    types, matter_list, issuances, uses, enterprises = city
    policy = QualificationPolicy()
    with tempfile.TemporaryDirectory() as scratch:
        _write_city(Path(scratch), city)
        db = open_database("sqlite:///" + scratch + "/r.db")
        db.create_all()
        import_directory(db, scratch)
        with db.session() as session:
            report = compute_kpis(load_snapshot(session, as_of), policy)
        db.dispose()

    requiring = [m for m in matter_list if m.requirements]
    free = [m for m in requiring if brute_free(m, types, as_of, policy.cut_off)]
    used = {m for _, _, m, d in uses if d <= as_of}
    counted = [i for i in issuances if i[2] <= as_of]
    taxed = [e for e in enterprises if e[1]]
    expected = {
        "certificate_free_matters": (len(free), len(requiring)),
        "e_issuance_rate": (sum(1 for i in counted if i[3]), len(counted)),
        "licence_usage_rate": (sum(1 for m in requiring if m.code in used), len(requiring)),
        "e_seal_usage_rate": (sum(1 for e in taxed if e[2]), len(taxed)),
        "online_rate": (sum(1 for m in matter_list if m.online), len(matter_list)),
    }
    got = {n: (k.numerator, k.denominator) for n, k in report.total.items()}
    assert got == expected
    for department in DEPARTMENTS:
        mine = [m for m in matter_list if m.department == department]
        if not mine:
            continue
        kpis = report.by_department[department]
        assert kpis["online_rate"].numerator == sum(1 for m in mine if m.online)
        dept_issued = [i for i in counted if types[i[1]].department == department]
        if dept_issued:
            assert kpis["e_issuance_rate"].denominator == len(dept_issued)
    for county in COUNTIES:
        in_county = [e for e in taxed if e[0][2:8] == county]
        if in_county:
            kpi = report.by_county[county]["e_seal_usage_rate"]
            assert (kpi.numerator, kpi.denominator) == (
                sum(1 for e in in_county if e[2]), len(in_county))  # fmt: skip


def test_policy_rejects_nonsense_targets() -> None:
    with pytest.raises(PolicyError):
        QualificationPolicy(online_target=95)
    with pytest.raises(PolicyError):
        QualificationPolicy(certificate_free_target=-1)


def test_matter_without_licence_is_never_certificate_free() -> None:
    matter = Matter("M", "m", "d", "330102", True, ())
    result = qualify([matter], {}, BASE, QualificationPolicy())
    assert result.certificate_free_count == 0 and result.blocked == ()


def test_model_round_trips_through_dict() -> None:
    t = LicenceType("A", "甲", "d", HolderKind.NATURAL_PERSON, BASE, BASE - timedelta(days=3))
    m = Matter("M", "办", "d", "330102", False,
               (Requirement("A"), Requirement("B", Satisfaction.COMMITMENT)), ("申请书",))  # fmt: skip
    assert LicenceType.from_dict(t.to_dict()) == t
    assert Matter.from_dict(m.to_dict()) == m
