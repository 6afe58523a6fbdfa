"""The journal writes each line with one unbuffered write (no text layer, no flush per
line) and keeps its promises: a line is in the file as soon as it is appended, whole,
and fsync'd on the batch cadence."""

from __future__ import annotations

import json
import os

from esealkit.batch import Journal, read_journal


def test_each_line_is_in_the_file_as_soon_as_it_is_appended(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path, sync_every=10**6, sync_seconds=10**6) as journal:  # no fsync on the way
        for i in range(5):
            journal.append_line(json.dumps({"path": f"d{i}", "indication": "TOTAL_PASSED"}))
            # What another process (a tail, a killed run's resume) sees, before any sync.
            assert [e["path"] for e in read_journal(path)] == [f"d{k}" for k in range(i + 1)]


def test_long_and_non_ascii_lines_are_written_whole(tmp_path):
    path = tmp_path / "j.jsonl"
    entries = [{"path": f"印章/{i}.ofd", "indication": "TOTAL_FAILED", "message": "签章" * (40_000 * i + 1)}
               for i in range(3)]
    with Journal(path) as journal:
        for e in entries:
            journal.append_line(json.dumps(e, ensure_ascii=False))
    assert path.read_bytes() == "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode()
    assert list(read_journal(path)) == entries


def test_a_short_write_is_finished(tmp_path):
    """A write() that takes only part of the line (a signal, a nearly full disk) is
    followed by more writes until the line is complete."""
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        real = journal._file

        class Stingy:
            def write(self, data: bytes) -> int:
                return real.write(bytes(data[:7]))

            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

        journal._file = Stingy()  # type: ignore[assignment]
        journal.append_line(json.dumps({"path": "a", "indication": "TOTAL_PASSED"}))
        journal.append_line(json.dumps({"path": "b", "indication": "INDETERMINATE"}))
        journal._file = real
    assert [e["path"] for e in read_journal(path)] == ["a", "b"]


def test_fsync_follows_the_batch_cadence(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    path = tmp_path / "j.jsonl"
    journal = Journal(path, sync_every=3, sync_seconds=10**6)
    for i in range(7):
        journal.append_line(json.dumps({"path": f"d{i}", "indication": "TOTAL_PASSED"}))
    assert len(synced) == 2  # after lines 3 and 6
    journal.close()
    assert len(synced) == 3  # and the rest on close
    journal.close()  # closing twice is harmless
    assert len(synced) == 3


def test_resume_after_forget_changed_appends_to_the_rewritten_file(tmp_path):
    from esealkit.batch import Source

    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        for name, size in (("a", 1), ("b", 2)):
            journal.append_line(json.dumps({"path": name, "indication": "TOTAL_PASSED",
                                            "file": {"size": size, "mtime": 0.0}}))
    with Journal(path, resume=True) as journal:
        assert journal.forget_changed([Source("a", 1, 0.0), Source("b", 3, 0.0)]) == 1
        journal.append_line(json.dumps({"path": "b", "indication": "TOTAL_FAILED", "file": {"size": 3, "mtime": 0.0}}))
    assert [(e["path"], e["indication"]) for e in read_journal(path)] == [("a", "TOTAL_PASSED"), ("b", "TOTAL_FAILED")]
