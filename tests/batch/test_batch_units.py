"""Journal, discovery and progress, on their own."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from esealkit.batch import Journal, Source, discover, read_journal
from esealkit.batch.progress import BatchProgress, summary_table

_ENTRY = st.fixed_dictionaries({
    "path": st.text(min_size=1, max_size=20),
    "indication": st.sampled_from(["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]),
    "file": st.fixed_dictionaries({"size": st.integers(0, 10**9), "mtime": st.floats(0, 2e9)}),
})


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(_ENTRY, min_size=1, max_size=8, unique_by=lambda e: e["path"]), cut=st.integers(0, 10_000))
def test_resume_keeps_exactly_the_complete_lines(entries, cut):
    """However a journal is cut short (a kill mid-write), resuming keeps the complete lines
    before the cut and drops the rest, and appending goes on from there."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "j.jsonl"
        data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode()
        cut = min(cut, len(data))
        path.write_bytes(data[:cut])
        kept = data[:cut].count(b"\n")
        with Journal(path, resume=True) as journal:
            assert list(journal.done) == [e["path"] for e in entries[:kept]]
            for e in entries[:kept]:
                assert journal.is_done(Source(e["path"], e["file"]["size"], e["file"]["mtime"]))
            journal.append_line(json.dumps({"path": "new", "indication": "TOTAL_PASSED"}))
        assert [e["path"] for e in read_journal(path)] == [e["path"] for e in entries[:kept]] + ["new"]


def test_journal_without_resume_starts_empty(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"path": "old", "indication": "TOTAL_PASSED"}\n')
    with Journal(path) as journal:
        assert journal.done == {}
    assert path.read_text() == ""


def test_discovery_walks_folders_sorted_and_expands_globs(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.pdf").write_bytes(b"1")
    (tmp_path / "b" / "a.ofd").write_bytes(b"22")
    (tmp_path / "c.txt").write_bytes(b"333")
    found = list(discover([str(tmp_path)]))
    assert [Path(s.path).relative_to(tmp_path).as_posix() for s in found] == ["b/a.ofd", "b/z.pdf", "c.txt"]
    assert [s.size for s in found] == [2, 1, 3]
    assert found[0].mtime == os.stat(tmp_path / "b" / "a.ofd").st_mtime
    assert [Path(s.path).name for s in discover([f"{tmp_path}/**/*.pdf"])] == ["z.pdf"]
    missing = list(discover([str(tmp_path / "nope.pdf")]))
    assert missing == [Source(str(tmp_path / "nope.pdf"), -1, 0.0)]


def test_discovery_reads_list_files(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"x")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# comment\n\n  {tmp_path / 'x.pdf'}  \n")
    assert [s.path for s in discover([], from_list=str(listing))] == [str(tmp_path / "x.pdf")]
    stdin = io.StringIO(f"{tmp_path / 'x.pdf'}\n")
    assert [s.path for s in discover([], from_list="-", stdin=stdin)] == [str(tmp_path / "x.pdf")]


def test_progress_shows_rate_and_tally_on_a_terminal():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    with BatchProgress(3, enabled=True, console=console) as progress:
        for verdict in ("TOTAL_PASSED", "TOTAL_FAILED", "TOTAL_PASSED"):
            progress.advance(verdict)
    text = out.getvalue()
    assert "3/3" in text and "files/s" in text and "2 passed" in text and "1 failed" in text
    quiet = BatchProgress(3, enabled=False)
    with quiet:
        quiet.advance("TOTAL_PASSED")
    assert quiet.tally["TOTAL_PASSED"] == 1


def test_summary_table_counts():
    out = io.StringIO()
    Console(file=out, width=120).print(summary_table({"TOTAL_PASSED": 5, "TOTAL_FAILED": 2}, elapsed=2.0, verified=7))
    text = out.getvalue()
    assert "passed" in text and "5" in text and "total" in text and "7 in 2.0 s" in text
