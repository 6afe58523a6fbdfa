"""The HTML report in a real browser (headless Chromium): charts drawn, filter works, screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from esealkit.batch import BatchVerifier, write_html, write_junit
from esealkit.batch.journal import Journal, read_journal

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _journal(corpus, tmp_path):
    path = tmp_path / "r.jsonl"
    batch = BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, executor="inline")
    with Journal(path) as journal:
        for source, report in batch.run_sources(__import__("esealkit.batch", fromlist=["discover"]).discover([str(corpus.docs)])):
            journal.append(report, source)
    return path


def _chromium(tmp_path, *args):
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-quic", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


@pytest.mark.chromium
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
def test_html_report_renders_and_filters_in_chromium(corpus, tmp_path):
    journal = _journal(corpus, tmp_path)
    entries = list(read_journal(journal))
    page = tmp_path / "report.html"
    with open(page, "w", encoding="utf-8") as f:
        write_html(lambda: read_journal(journal), f)
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    drawn = {rgb for _, rgb in colours}
    assert (0x2E, 0x7D, 0x32) in drawn and (0xC6, 0x28, 0x28) in drawn  # passed and failed arcs of the chart
    # After the inline script ran, the counter shows every row (no filter set).
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    shown = re.search(r'<span id="shown">(\d+)</span>', dom)
    assert shown is not None and int(shown.group(1)) == len(entries)


@pytest.mark.chromium
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
def test_html_filter_by_verdict_in_chromium(corpus, tmp_path):
    journal = _journal(corpus, tmp_path)
    entries = list(read_journal(journal))
    page = tmp_path / "report.html"
    with open(page, "w", encoding="utf-8") as f:
        write_html(lambda: read_journal(journal), f)
    # Preselect "failed" the way a user would, then let the page's own script filter.
    html = page.read_text().replace('<option value="TOTAL_FAILED">', '<option value="TOTAL_FAILED" selected>')
    page.write_text(html)
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    shown = re.search(r'<span id="shown">(\d+)</span>', dom)
    assert shown is not None
    assert int(shown.group(1)) == sum(1 for e in entries if e["indication"] == "TOTAL_FAILED") > 0


def test_html_is_self_contained_and_escapes(tmp_path):
    entries = [{"path": "<script>alert(1)</script>.pdf", "format": "pdf", "indication": "TOTAL_FAILED",
                "sub_indication": "HASH_FAILURE", "message": "a & b", "checks": [], "signatures": []}]
    out = tmp_path / "r.html"
    with open(out, "w", encoding="utf-8") as f:
        write_html(lambda: entries, f)
    text = out.read_text()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in text
    assert not re.search(r'(src|href)="https?:', text)


def test_junit_escapes_control_characters(tmp_path):
    entries = [{"path": "bad\x01name.pdf", "format": "pdf", "indication": "INDETERMINATE",
                "sub_indication": "GENERIC", "message": 'quote " and <tag>', "checks": [], "signatures": []}]
    out = tmp_path / "r.xml"
    with open(out, "w", encoding="utf-8") as f:
        write_junit(lambda: entries, f)
    root = ET.parse(out).getroot()
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == 'quote " and <tag>'
