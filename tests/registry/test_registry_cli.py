"""``esealkit registry`` through click's CliRunner, on SQLite and real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from registry_files import write, write_small_city

from esealkit.cli.registry import registry

STATUS_KEYS = {
    "certificate_free_matters",
    "e_issuance_rate",
    "licence_usage_rate",
    "e_seal_usage_rate",
    "online_rate",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def city_db(runner: CliRunner, database_url: str, tmp_path: Path) -> str:
    result = runner.invoke(
        registry, ["import", str(write_small_city(tmp_path / "c")), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "matters: 6 record(s) imported" in result.output
    return database_url


def test_status_json_has_the_issue_keys(runner: CliRunner, city_db: str) -> None:
    result = runner.invoke(
        registry, ["status", "--as-of", "2025-12-31", "--format", "json", "--db", city_db]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert STATUS_KEYS <= set(data)
    for key in STATUS_KEYS:
        assert {"value", "target", "numerator", "denominator"} <= set(data[key])
    assert (
        data["certificate_free_matters"]["value"],
        data["certificate_free_matters"]["target"],
    ) == (3, 150)
    assert data["online_rate"]["value"] == pytest.approx(5 / 6)
    assert data["online_rate"]["target"] == 0.95
    assert data["e_issuance_rate"]["numerator"] == 3 and data["e_issuance_rate"]["denominator"] == 4
    assert data["as_of"] == "2025-12-31"
    assert data["by_department"]["公安局"]["online_rate"]["numerator"] == 2
    assert [m["code"] for m in data["blocked_matters"]] == ["M3", "M4"]


def test_status_text_and_cut_off(runner: CliRunner, city_db: str) -> None:
    result = runner.invoke(registry, ["status", "--as-of", "2025-12-31", "--db", city_db])
    assert result.exit_code == 0, result.output
    assert "Certificate-free matters" in result.output and "short by 147 matters" in result.output
    assert "M3 健康证办理: blocked by HLTH" in result.output
    later_cut = runner.invoke(
        registry,
        [
            "status",
            "--as-of",
            "2025-12-31",
            "--cut-off",
            "2021-07-01",
            "--format",
            "json",
            "--db",
            city_db,
        ],
    )
    assert json.loads(later_cut.output)["certificate_free_matters"]["value"] == 4  # HLTH counts


def test_plan_text_and_json(runner: CliRunner, city_db: str) -> None:
    result = runner.invoke(
        registry, ["plan", "--target", "4", "--as-of", "2025-12-31", "--db", city_db]
    )
    assert result.exit_code == 0, result.output
    assert "HLTH" in result.output and "greedy" in result.output
    data = json.loads(
        runner.invoke(
            registry,
            ["plan", "--target", "5", "--as-of", "2025-12-31", "--format", "json", "--db", city_db],
        ).output
    )
    assert data["chosen"] == ["HLTH", "OLD"] and data["reachable"] is True
    assert data["ranked"][0]["unlocks"] == ["M3"]


def test_report_writes_self_contained_html(runner: CliRunner, city_db: str, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = runner.invoke(
        registry, ["report", "--output", str(output), "--as-of", "2025-12-31", "--db", city_db]
    )
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "HLTH" in html and "市场监管局" in html


def test_rejected_import_exits_1_and_lists_rows(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "bad", "licence_types", [
        ("A", "甲", "部门", "legal_person", "2021-13-01", ""),
        ("B", "乙", "部门", "robot", "", ""),
    ])  # fmt: skip
    db = "sqlite:///" + str(tmp_path / "r.db")
    result = runner.invoke(registry, ["import", str(tmp_path / "bad"), "--db", db])
    assert result.exit_code == 1
    assert "row 2, column electronic_since" in result.output
    assert "row 3, column holder_kind" in result.output
    status = runner.invoke(registry, ["status", "--format", "json", "--db", db])
    assert json.loads(status.output)["online_rate"]["denominator"] == 0
    text = runner.invoke(registry, ["status", "--db", db])
    assert "No matters imported yet" in text.output


def test_default_database_is_in_working_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = write_small_city(tmp_path / "city")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ESEALKIT_DB", raising=False)
    assert runner.invoke(registry, ["import", str(city)]).exit_code == 0
    assert (tmp_path / "esealkit.db").exists()


def test_bad_database_url_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(registry, ["status", "--db", "nosuchdialect://x"])
    assert result.exit_code == 2
    assert "error:" in result.output


def test_empty_directory_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(
        registry, ["import", str(tmp_path / "empty"), "--db", "sqlite:///" + str(tmp_path / "d.db")]
    )
    assert result.exit_code == 2 and "no interchange file" in result.output
