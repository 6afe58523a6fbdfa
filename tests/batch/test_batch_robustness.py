"""Nothing lost: crashes, hangs, timeouts, resume, and a SIGKILLed run resumed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_support import batch_for, marker_file
from click.testing import CliRunner

from esealkit.batch import Journal, discover, read_journal
from esealkit.batch.worker import CRASH_MARKER_ENV, HANG_MARKER_ENV
from esealkit.cli.main import main
from esealkit.report import Indication

ESEALKIT = str(Path(sys.executable).with_name("esealkit"))


@pytest.fixture()
def small_set(corpus, tmp_path):
    """A copy of a dozen corpus files in a fresh folder."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for p in sorted((corpus.docs / "small").iterdir())[:12]:
        shutil.copy(p, folder / p.name)
    return folder


def _reference(corpus, folder):
    return {r.path: r.to_dict() for r in batch_for(corpus, executor="inline").run([folder])}


def test_worker_crash_costs_one_file(corpus, small_set, monkeypatch):
    reference = _reference(corpus, small_set)
    crasher, marker = marker_file(small_set, "crash.pdf")
    monkeypatch.setenv(CRASH_MARKER_ENV, marker)
    batch = batch_for(corpus, jobs=2, chunk_size=4)
    reports = {r.path: r for r in batch.run([small_set])}
    assert len(reports) == 13
    crashed = reports[str(crasher)]
    assert crashed.indication is Indication.INDETERMINATE
    assert "worker died" in crashed.message and "exit code 70" in crashed.message
    assert {p: r.to_dict() for p, r in reports.items() if p != str(crasher)} == reference
    assert batch.crashes == 1


def test_hanging_file_times_out_and_batch_goes_on(corpus, small_set, monkeypatch):
    reference = _reference(corpus, small_set)
    hanger, marker = marker_file(small_set, "hang.pdf")
    monkeypatch.setenv(HANG_MARKER_ENV, marker)
    batch = batch_for(corpus, jobs=2, chunk_size=3, timeout=1.0)
    started = time.monotonic()
    reports = {r.path: r for r in batch.run([small_set])}
    assert time.monotonic() - started < 20
    assert len(reports) == 13
    hung = reports[str(hanger)]
    assert hung.indication is Indication.INDETERMINATE
    assert "time limit of 1 s" in hung.message
    assert batch.timeouts == 1
    assert {p: r.to_dict() for p, r in reports.items() if p != str(hanger)} == reference


def test_timeout_in_a_process_pool_executor(corpus, small_set, monkeypatch):
    """With a ProcessPoolExecutor the time limit is a timer signal in the worker."""
    import concurrent.futures

    hanger, marker = marker_file(small_set, "hang.pdf")
    monkeypatch.setenv(HANG_MARKER_ENV, marker)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        reports = {r.path: r for r in batch_for(corpus, executor=pool, chunk_size=4, timeout=1.0).run([small_set])}
    assert len(reports) == 13
    assert "time limit" in reports[str(hanger)].message


def test_journal_drops_a_torn_last_line(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"path": "a", "indication": "TOTAL_PASSED", "file": {"size": 1, "mtime": 2.0}}\n{"path": "b", "ind')
    journal = Journal(path, resume=True)
    journal.close()
    assert list(journal.done) == ["a"]
    assert path.read_text().count("\n") == 1 and path.read_text().endswith("\n")


def _cli_args(corpus, folder, out, *extra):
    return [*map(str, ["verify", folder, *corpus.trust_args, "--format", "jsonl", "--output", out]), *extra]


def test_resume_skips_done_files_and_redoes_changed_ones(corpus, small_set, tmp_path):
    out = tmp_path / "r.jsonl"
    runner = CliRunner()
    first = runner.invoke(main, _cli_args(corpus, small_set, out, "--jobs", "2"))
    assert first.exit_code in (0, 1), first.output
    lines = out.read_text().splitlines()
    assert len(lines) == 12
    # One new file, one changed file: only those are verified again.
    files = sorted(small_set.iterdir())
    shutil.copy(files[0], small_set / "new.pdf")
    changed = files[1]
    os.utime(changed, (time.time() + 100, time.time() + 100))
    again = runner.invoke(main, _cli_args(corpus, small_set, out, "--resume", "--jobs", "2"))
    assert again.exit_code in (0, 1), again.output
    entries = list(read_journal(out))
    paths = [e["path"] for e in entries]
    assert sorted(paths) == sorted(str(p) for p in small_set.iterdir())  # each exactly once
    assert paths[-2:] and set(paths[-2:]) == {str(small_set / "new.pdf"), str(changed)}
    # A third run has nothing to do.
    before = out.read_text()
    runner.invoke(main, _cli_args(corpus, small_set, out, "--resume"))
    assert out.read_text() == before


def test_sigkilled_run_resumed_is_complete_exactly_once(corpus, tmp_path):
    """Kill the whole run (parent and workers) mid-way, tear the last line, resume."""
    folder = tmp_path / "docs"
    shutil.copytree(corpus.docs, folder)
    _, marker = marker_file(folder / "small", "zz-hang.pdf")
    all_files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    out = tmp_path / "run.jsonl"
    env = dict(os.environ, **{HANG_MARKER_ENV: marker})
    cmd = [ESEALKIT, *_cli_args(corpus, folder, out, "--jobs", "2", "--timeout", "60")]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and out.read_text().count("\n") >= len(all_files) // 2:
                break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    done_before = out.read_text().count("\n")
    assert len(all_files) // 2 <= done_before < len(all_files)
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"schema_version": 1, "path": "torn')  # what a kill mid-write leaves
    resumed = subprocess.run(
        [ESEALKIT, *_cli_args(corpus, folder, out, "--resume", "--jobs", "2")],
        capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 1, resumed.stderr  # the corpus has failures
    entries = list(read_journal(out))
    assert out.read_text().endswith("\n")
    assert sorted(e["path"] for e in entries) == all_files
    # The verdicts are those of an uninterrupted run.
    fresh = {r.path: r.to_dict() for r in batch_for(corpus, executor="inline").run(discover([str(folder)]))}
    for e in entries:
        e.pop("file")
        assert _comparable(e) == _comparable(fresh[e["path"]])


def _comparable(report: dict) -> dict:
    """A report without pyHanko's free-text change analysis, whose wording lists objects
    in set order, which differs between processes (string hash seeds)."""
    copy = json.loads(json.dumps(report))
    for sig in copy["signatures"]:
        for check in sig["checks"]:
            check.get("details", {}).pop("analysis", None)
    return copy


def test_a_slow_consumer_is_not_a_hang(corpus, small_set):
    """Results waiting unread while the caller is busy do not count against the time limit."""
    batch = batch_for(corpus, jobs=1, chunk_size=4, timeout=0.5)
    reports = []
    for report in batch.run(sorted(small_set.iterdir())[:5]):
        reports.append(report)
        time.sleep(0.7)
    assert len(reports) == 5
    assert batch.timeouts == 0
    assert all("time limit" not in r.message for r in reports)
