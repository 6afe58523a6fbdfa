"""Benchmark: a generated city's matter registry imports, qualifies and reports in < 10 s.

Generates (deterministically, from ``--seed``) a city with 2,400 matters over 36
departments and 18 counties, 240 licence types, 100,000 issuances plus 20,000 licence uses,
and 24,000 enterprises, writes the four interchange files as CSV, then times on a fresh
SQLite file (or ``--db URL``):

* import: ``import_directory`` (parse and check every row, upsert, one transaction a file)
* qualify: ``load_snapshot`` (SQL aggregates) + ``compute_kpis`` + ``plan``
* report: text, JSON and the HTML report written to disk

Run: ``.venv/bin/python benchmarks/registry_city.py [--scale 1.0] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from esealkit.registry.html_report import render_html
from esealkit.registry.kpis import compute_kpis
from esealkit.registry.planning import plan
from esealkit.registry.qualification import QualificationPolicy
from esealkit.registry.reports import render_status_text, status_json
from esealkit.store.db import open_database
from esealkit.store.registry import import_directory, load_snapshot

DEPARTMENTS = [
    "市场监管局", "公安局", "人社局", "民政局", "卫健委", "教育局", "住建局", "交通运输局",
    "自然资源局", "生态环境局", "商务局", "文广旅体局", "农业农村局", "水利局", "应急管理局",
    "税务局", "司法局", "财政局", "退役军人事务局", "医保局", "城管局", "林业局", "气象局",
    "档案局", "消防救援支队", "烟草专卖局", "邮政管理局", "统计局", "科技局", "经信局",
    "发改委", "审计局", "体育局", "残联", "公积金中心", "数据资源局",
]  # fmt: skip
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
AS_OF = date(2026, 6, 30)


def make_uscc(rng: random.Random, county: str) -> str:
    body = rng.choice("159") + "1" + county
    body += "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARSET[(31 - total % 31) % 31]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def generate_city(directory: Path, seed: int = 7, scale: float = 1.0) -> dict[str, int]:
    """Write the four interchange files into ``directory``; return their row counts."""
    rng = random.Random(seed)
    n_types = max(8, int(240 * scale))
    n_matters = max(20, int(2400 * scale))
    n_issuances = max(100, int(100_000 * scale))
    n_uses = max(20, int(20_000 * scale))
    n_enterprises = max(20, int(24_000 * scale))
    counties = [f"3301{n:02d}" for n in range(2, 38, 2)]  # 18 counties
    departments = DEPARTMENTS

    types = []
    for i in range(n_types):
        since = back = None
        # The most requested types (low i) are the ones still missing, as in real cities.
        if rng.random() < (0.1 if i < 40 else 0.15):
            since = _day(rng, date(2018, 1, 1), date(2026, 12, 31))
            if rng.random() < 0.5:
                back = _day(rng, date(2019, 1, 1), since) if since > date(2019, 1, 1) else since
        types.append((f"LT{i:04d}", f"证照类型{i:04d}", rng.choice(departments),
                      rng.choice(["legal_person", "natural_person", "other_organisation"]),
                      since, back))  # fmt: skip
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(n_types)]  # popular types block most

    matters = []
    by_type: dict[str, list[str]] = {}
    for i in range(n_matters):
        code = f"M{i:05d}"
        k = rng.choice([0, 1, 1, 1, 2, 2, 3, 4]) if rng.random() > 0.03 else 0
        required = sorted({t[0] for t in rng.choices(types, weights=weights, k=k)})
        waived = [f"{c}:{rng.choice(['data_sharing', 'commitment', 'cancelled'])}"
                  for c in required if rng.random() < 0.03]  # fmt: skip
        for c in required:
            by_type.setdefault(c, []).append(code)
        matters.append((code, f"事项{i:05d}（新办）", rng.choice(departments), rng.choice(counties),
                        "true" if rng.random() < 0.96 else "false", ";".join(required),
                        ";".join(waived), "申请书;身份证明"))  # fmt: skip

    type_by_code = {t[0]: t for t in types}
    events = []
    issued = []
    for i in range(n_issuances):
        t = rng.choices(types, weights=weights)[0]
        day = _day(rng, date(2019, 1, 1), AS_OF)
        digital = t[4] is not None and day >= t[4]
        electronic = rng.random() < (0.97 if digital else 0.7)
        licence = f"L{i:08d}"
        issued.append((licence, t[0], day))
        events.append((licence, t[0], day.isoformat(), "true" if electronic else "false", "", ""))
    usable = [x for x in issued if x[1] in by_type]
    for _ in range(n_uses if usable else 0):
        licence, type_code, day = rng.choice(usable)
        users = by_type[type_code]
        matter = rng.choice(users[: max(1, len(users) * 2 // 3)])  # some matters never use one
        events.append((licence, type_code, "", "", matter,
                       _day(rng, day, day + timedelta(days=400)).isoformat()))  # fmt: skip
    assert all(e[1] in type_by_code for e in events)

    enterprises = []
    seen: set[str] = set()
    while len(enterprises) < n_enterprises:
        uscc = make_uscc(rng, rng.choice(counties))
        if uscc in seen:
            continue
        seen.add(uscc)
        tax = rng.random() < 0.8
        enterprises.append((uscc, f"企业{len(enterprises):06d}有限公司", str(tax).lower(),
                            str(rng.random() < 0.62).lower()))  # fmt: skip

    def write(name: str, header: list[str], rows: list[tuple[object, ...]]) -> None:
        with (directory / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])

    write("licence_types.csv",
          ["code", "name", "department", "holder_kind", "electronic_since", "backfilled_to"],
          [(c, n, d, h, s.isoformat() if s else "", b.isoformat() if b else "")
           for c, n, d, h, s, b in types])  # fmt: skip
    write("matters.csv",
          ["code", "name", "department", "county", "online", "required_licence_types",
           "waived_licence_types", "other_materials"], matters)  # fmt: skip
    write("licence_events.csv",
          ["licence_id", "type_code", "issued_on", "electronic", "used_by_matter", "used_on"],
          events)  # fmt: skip
    write("enterprises.csv", ["uscc", "name", "tax_paying", "uses_e_seal"], enterprises)
    return {
        "licence_types": len(types),
        "matters": len(matters),
        "departments": len({m[2] for m in matters}),
        "counties": len({m[3] for m in matters}),
        "licence_events": len(events),
        "enterprises": len(enterprises),
    }


def run(directory: Path, db_url: str, output: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    db = open_database(db_url)
    db.create_all()
    summary = import_directory(db, directory)
    timings["import"] = time.perf_counter() - start

    start = time.perf_counter()
    with db.session() as session:
        snapshot = load_snapshot(session, AS_OF)
    policy = QualificationPolicy()
    report = compute_kpis(snapshot, policy)
    result = plan(report.qualification, report.licence_types, policy.certificate_free_target)
    timings["qualify"] = time.perf_counter() - start

    start = time.perf_counter()
    text = render_status_text(report)
    json.dumps(status_json(report), ensure_ascii=False)
    output.write_text(render_html(report, result), encoding="utf-8")
    timings["report"] = time.perf_counter() - start
    db.dispose()
    timings["total"] = timings["import"] + timings["qualify"] + timings["report"]
    print(f"imported: {summary.counts}")
    print(text.split("\n\n")[1])
    print(f"plan: {len(result.chosen)} type(s) to reach {result.target} "
          f"(reached {result.reached}, reachable {result.reachable})")  # fmt: skip
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="start a temporary PostgreSQL server (Debian binaries, as in the tests) and use it",
    )
    args = parser.parse_args(argv)
    if args.throwaway_postgres:
        return _with_throwaway_postgres(argv or [])
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        sizes = generate_city(directory, args.seed, args.scale)
        print(f"generated in {time.perf_counter() - start:.2f} s: {sizes}")
        db_url = args.db or "sqlite:///" + str(Path(scratch) / "city.db")
        timings = run(directory, db_url, directory / "report.html")
    for name, seconds in timings.items():
        print(f"{name:>8}: {seconds:6.2f} s")
    within = timings["total"] < 10.0
    print("PASS: under 10 s" if within else "FAIL: 10 s or more")
    return 0 if within else 1


def _with_throwaway_postgres(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pgserver import PostgresServer, find_postgres_bin

    bin_dir = find_postgres_bin()
    if bin_dir is None:
        print("PostgreSQL binaries not found (apt-get install postgresql)")
        return 2
    server = PostgresServer(bin_dir)
    try:
        server.start()
        rest = [a for a in argv if a != "--throwaway-postgres"]
        return main([*rest, "--db", server.fresh_database()])
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
