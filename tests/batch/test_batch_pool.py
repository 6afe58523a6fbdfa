"""The default pool: results travel per chunk, yet a crash or a hang still costs exactly
the file it happened on, results still stream, and chunks follow the documents' speed."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import shutil
import threading
import time

import pytest
from batch_support import batch_for, marker_file

from esealkit.batch import LocalPool
from esealkit.batch import pool as pool_module
from esealkit.batch.worker import CRASH_MARKER_ENV, HANG_MARKER_ENV
from esealkit.engine import Verifier
from esealkit.report import Indication


@pytest.fixture()
def twelve(corpus, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    files = sorted((corpus.docs / "small").iterdir())[:12]
    for p in files:
        shutil.copy(p, folder / p.name)
    return sorted(folder.iterdir())


def _reference(corpus, files):
    return {r.path: r.to_dict() for r in batch_for(corpus, executor="inline").run(files)}


def test_crash_in_the_middle_of_a_chunk_costs_that_file_only(corpus, twelve, monkeypatch):
    """The files the worker had verified before it died, but not yet sent back, are
    verified again elsewhere and reported once; the file it died on is the one blamed."""
    reference = _reference(corpus, twelve)
    crasher, marker = marker_file(twelve[0].parent, "crash.pdf")
    monkeypatch.setenv(CRASH_MARKER_ENV, marker)
    files = [*twelve[:6], crasher, *twelve[6:]]
    batch = batch_for(corpus, jobs=1, chunk_size=13)  # everything in one chunk, one worker
    paths = []
    reports = {}
    for r in batch.run(files):
        paths.append(r.path)
        reports[r.path] = r
    assert sorted(paths) == sorted(str(p) for p in files)  # each exactly once
    assert "worker died" in reports[str(crasher)].message
    assert {p: r.to_dict() for p, r in reports.items() if p != str(crasher)} == reference
    assert batch.crashes == 1


def test_hang_in_the_middle_of_a_chunk_blames_that_file(corpus, twelve, monkeypatch):
    reference = _reference(corpus, twelve)
    hanger, marker = marker_file(twelve[0].parent, "hang.pdf")
    monkeypatch.setenv(HANG_MARKER_ENV, marker)
    files = [*twelve[:4], hanger, *twelve[4:]]
    batch = batch_for(corpus, jobs=1, chunk_size=13, timeout=1.0)
    reports = {r.path: r for r in batch.run(files)}
    assert len(reports) == 13
    assert reports[str(hanger)].indication is Indication.INDETERMINATE
    assert "time limit of 1 s" in reports[str(hanger)].message
    assert {p: r.to_dict() for p, r in reports.items() if p != str(hanger)} == reference
    assert batch.timeouts == 1


def test_results_of_a_long_chunk_stream_before_it_ends(corpus, twelve, monkeypatch):
    """A chunk stuck on its last file has already sent what it verified before (every
    FLUSH_SECONDS; zero here, so that it is every file and the test does not depend on
    how fast this machine verifies)."""
    hanger, marker = marker_file(twelve[0].parent, "zz-hang.pdf")
    monkeypatch.setenv(HANG_MARKER_ENV, marker)
    monkeypatch.setattr(pool_module, "FLUSH_SECONDS", 0.0)  # workers are forked: they see it
    batch = batch_for(corpus, jobs=1, chunk_size=13, timeout=5.0)
    started = time.monotonic()
    arrivals = [(r.path, time.monotonic() - started) for r in batch.run([*twelve, hanger])]
    assert [p for p, _ in arrivals[:-1]] == [str(p) for p in twelve]
    assert arrivals[-1][0] == str(hanger)
    assert arrivals[-2][1] < 4.0 < arrivals[-1][1]  # streamed, well before the time limit ended the chunk


def test_lines_are_the_reports_serialised(corpus, twelve):
    from esealkit.batch.discovery import stat_source

    reference = {r.path: r for r in batch_for(corpus, executor="inline").run(twelve)}
    lines = list(batch_for(corpus, jobs=2).run_lines([stat_source(str(p)) for p in twelve]))
    assert sorted(s.path for s, _ in lines) == sorted(reference)
    for source, line in lines:
        assert line.path == source.path
        assert line.indication == reference[source.path].indication.value


def test_chunks_follow_the_measured_time_per_document():
    pool = LocalPool(Verifier(trust=None), jobs=1)
    assert pool._chunk_size() == pool_module.FIRST_CHUNK  # nothing measured yet
    pool._measured(10, 10 * 0.005)  # 5 ms a document
    assert pool._chunk_size() == round(pool_module.CHUNK_SECONDS / 0.005)
    for _ in range(50):
        pool._measured(10, 10 * 2.0)  # slow documents: one at a time
    assert pool._chunk_size() == 1
    for _ in range(50):
        pool._measured(100, 100 * 1e-7)  # very fast ones: bounded, so a crash retries little
    assert pool._chunk_size() == pool_module.MAX_CHUNK
    fixed = LocalPool(Verifier(trust=None), jobs=1, chunk_size=3)
    fixed._measured(10, 10 * 0.001)
    assert fixed._chunk_size() == 3


def test_adaptive_chunks_lose_nothing(corpus, corpus_files):
    batch = batch_for(corpus, jobs=2)  # chunk sizes measured as the run goes
    paths = [r.path for r in batch.run([str(p) for p in corpus_files] * 3)]
    assert sorted(paths) == sorted(str(p) for p in corpus_files * 3)


def _die_between_files(monkeypatch, flag):
    """Workers (forked from this process) exit when they send results back, once if
    ``flag`` names a file (then made), always if it is None: a death between files."""
    parent = os.getpid()
    real_send = multiprocessing.connection.Connection.send

    def send(self, obj):
        if os.getpid() != parent and (flag is None or not flag.exists()):
            if flag is not None:
                flag.touch()
            os._exit(70)
        return real_send(self, obj)

    monkeypatch.setattr(multiprocessing.connection.Connection, "send", send)


def test_a_worker_dying_between_files_blames_no_file(corpus, twelve, monkeypatch, tmp_path):
    """A worker that dies sending its results was on no file: every file is verified
    again elsewhere and reported as it should be, none is blamed."""
    reference = _reference(corpus, twelve)
    _die_between_files(monkeypatch, tmp_path / "died-once")
    batch = batch_for(corpus, jobs=1, chunk_size=13)
    reports = [r for r in batch.run(twelve)]
    assert (tmp_path / "died-once").exists()
    assert sorted(r.path for r in reports) == sorted(str(p) for p in twelve)  # each exactly once
    assert {r.path: r.to_dict() for r in reports} == reference
    assert batch.crashes == 0


def test_workers_that_always_die_between_files_still_end_with_every_file_once(corpus, twelve, monkeypatch):
    """If sending results always kills the worker, the retries still end: a file that
    was unreported through MAX_STRIKES deaths is blamed, and the run goes on."""
    _die_between_files(monkeypatch, None)
    batch = batch_for(corpus, jobs=1, chunk_size=4)
    reports = [r for r in batch.run(twelve[:5])]
    assert sorted(r.path for r in reports) == sorted(str(p) for p in twelve[:5])
    assert all(r.indication is Indication.INDETERMINATE and "worker died" in r.message for r in reports)
    assert batch.crashes == 5


def test_long_paths_and_large_results_do_not_deadlock(corpus, tmp_path):
    """Chunks of long paths and chunks of large results at once: the parent must never be
    stuck sending a chunk to a worker that is stuck sending results to it.  (With chunks
    of 256 paths of 1 KB each, more than a local socket holds, this hung.)"""
    source = sorted((corpus.docs / "small").iterdir())[0]
    folder = tmp_path / ("a" * 200) / ("b" * 200) / ("c" * 200) / ("d" * 200)
    folder.mkdir(parents=True)
    files = []
    for i in range(600):
        link = folder / (f"{i:04d}-" + "e" * 150 + ".pdf")
        link.symlink_to(source)
        files.append(link)
    batch = batch_for(corpus, jobs=1, chunk_size=256)
    found: list[str] = []
    runner = threading.Thread(target=lambda: found.extend(r.path for r in batch.run(files)), daemon=True)
    runner.start()
    runner.join(timeout=300)
    assert not runner.is_alive(), "the batch is stuck"
    assert sorted(found) == sorted(str(p) for p in files)


def test_only_the_file_whose_results_kill_the_worker_is_blamed(corpus, twelve, monkeypatch):
    """A report the worker dies sending (say, one that cannot be pickled) costs its own
    file only: after a death between files, each unreported file is retried alone."""
    bad = str(twelve[2])
    parent = os.getpid()
    real_send = multiprocessing.connection.Connection.send

    def send(self, obj):
        if os.getpid() != parent and isinstance(obj, tuple) and any(
                getattr(report, "path", None) == bad for _, report in obj[0]):
            os._exit(70)
        return real_send(self, obj)

    reference = _reference(corpus, twelve)
    monkeypatch.setattr(multiprocessing.connection.Connection, "send", send)
    batch = batch_for(corpus, jobs=1, chunk_size=4)
    reports = {r.path: r for r in batch.run(twelve)}
    assert sorted(reports) == sorted(str(p) for p in twelve)
    assert [p for p, r in reports.items() if "worker died" in (r.message or "")] == [bad]
    assert {p: r.to_dict() for p, r in reports.items() if p != bad} == {p: d for p, d in reference.items() if p != bad}
    assert batch.crashes == 1


def _slow_file_and_slow_kill(monkeypatch, slow):
    """The file ``slow`` ends 1.3 s after it starts, and killing a worker takes 0.6 s: a
    file over a 1 s limit finishes while its worker is being killed."""
    real_verify = pool_module.verify_source

    def verify(verifier, source):
        report = real_verify(verifier, source)
        if source.path == str(slow):
            time.sleep(1.3)
        return report

    real_kill = multiprocessing.context.ForkProcess.kill

    def kill(self):
        time.sleep(0.6)
        return real_kill(self)

    monkeypatch.setattr(pool_module, "verify_source", verify)
    monkeypatch.setattr(multiprocessing.context.ForkProcess, "kill", kill)


@pytest.mark.parametrize("chunk", [1, 4])
def test_a_file_ending_as_its_worker_is_killed_is_the_one_reported_late(corpus, twelve, monkeypatch, chunk):
    # Between the check and the kill the worker finished the file (and may have started
    # the next one): the file that ran out of time is blamed, no other, and the run ends.
    slow = twelve[0]
    _slow_file_and_slow_kill(monkeypatch, slow)
    reference = _reference(corpus, twelve[:chunk])
    batch = batch_for(corpus, jobs=1, chunk_size=chunk, timeout=1.0)
    reports = {r.path: r for r in batch.run(twelve[:chunk])}
    assert sorted(reports) == sorted(str(p) for p in twelve[:chunk])
    assert "time limit of 1 s" in reports[str(slow)].message
    assert {p: r.to_dict() for p, r in reports.items() if p != str(slow)} == \
        {p: d for p, d in reference.items() if p != str(slow)}
    assert batch.timeouts == 1


def test_a_file_name_that_is_not_utf8_is_verified(corpus, tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    source = sorted((corpus.docs / "small").iterdir())[0]
    shutil.copy(source, os.path.join(os.fsencode(folder), b"caf\xe9.pdf"))
    [report] = list(batch_for(corpus, jobs=1).run([folder]))
    assert report.path.encode("utf-8", "surrogateescape").endswith(b"caf\xe9.pdf")
    assert report.indication is batch_for(corpus, executor="inline").run([source]).__next__().indication


def test_a_chunk_fits_a_quarter_of_the_pipe():
    parent, child = multiprocessing.Pipe(duplex=True)
    try:
        held = pool_module._chunk_bytes(parent)
        import socket

        with socket.fromfd(parent.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            assert held == min(pool_module.MAX_CHUNK_BYTES, sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 4)
    finally:
        parent.close()
        child.close()
