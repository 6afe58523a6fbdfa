"""The HTML report, opened in headless Chromium: its screenshot shows the charts with data.

Skipped, with the reason shown, when no Chromium is installed (Debian: apt-get install
chromium).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from esealkit.registry import QualificationPolicy, compute_kpis, plan
from esealkit.registry.charts import COLOURS
from esealkit.registry.html_report import render_html
from esealkit.store.db import open_database
from esealkit.store.registry import import_directory, load_snapshot

pytestmark = pytest.mark.chromium

WIDTH, HEIGHT = 1100, 2600


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium not found (Debian: apt-get install chromium)")


def _city_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "registry_city.py"
    spec = importlib.util.spec_from_file_location("registry_city_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _report_html(tmp_path: Path, *, with_data: bool) -> Path:
    tmp_path.mkdir()
    db = open_database("sqlite:///" + str(tmp_path / "city.db"))
    db.create_all()
    if with_data:
        city = tmp_path / "city"
        city.mkdir()
        _city_module().generate_city(city, seed=3, scale=0.03)
        import_directory(db, city)
    with db.session() as session:
        snapshot = load_snapshot(session, date(2026, 6, 30))
    db.dispose()
    policy = QualificationPolicy()
    report = compute_kpis(snapshot, policy)
    result = plan(report.qualification, report.licence_types, policy.certificate_free_target)
    path = tmp_path / "report.html"
    path.write_text(render_html(report, result), encoding="utf-8")
    return path


def _screenshot(html: Path, tmp_path: Path) -> Image.Image:
    tmp_path.mkdir()
    png = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={WIDTH},{HEIGHT}",
        html.as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, timeout=120, env=env, check=False)
    assert png.exists(), done.stderr.decode(errors="replace")[-2000:]
    return Image.open(png).convert("RGB")


def _hex(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _pixels(image: Image.Image) -> Counter[tuple[int, int, int]]:
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return Counter({colour: count for count, colour in colours})


def test_report_screenshot_shows_charts_with_data(tmp_path: Path) -> None:
    full = _pixels(_screenshot(_report_html(tmp_path / "full", with_data=True), tmp_path / "a"))
    empty = _pixels(_screenshot(_report_html(tmp_path / "empty", with_data=False), tmp_path / "b"))
    # Legends draw each colour as a 12x12 square; bars need far more pixels than that.
    for name in ("unlock", "blocked", "neutral"):
        colour = _hex(COLOURS[name])
        assert full[colour] > 1500, (name, full[colour])
        assert empty[colour] < 400, (name, empty[colour])
    progress = full[_hex(COLOURS["met"])] + full[_hex(COLOURS["short"])]
    assert progress > 3000
    assert sum(full[_hex(COLOURS[n])] for n in ("unlock", "blocked", "met", "short")) > 5 * sum(
        empty[_hex(COLOURS[n])] for n in ("unlock", "blocked", "met", "short")
    )
