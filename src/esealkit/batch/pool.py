"""The default executor (本地进程池): one worker process per core, robust to crashes and hangs.

    >>> pool = LocalPool(verifier, jobs=4, timeout=60)                      # doctest: +SKIP
    >>> for source, report in pool.run(sources): ...                        # doctest: +SKIP

Unlike :class:`concurrent.futures.ProcessPoolExecutor`, a worker that dies takes only
the file it was on with it: each worker writes the number of the file it is verifying,
and when it started, into a few bytes of memory it shares with the parent.  When a
worker dies, the parent gives that file an INDETERMINATE report saying why, hands the
worker's other files to a fresh worker and goes on; a file running past ``timeout``
seconds gets its worker killed the same way.

A worker that dies between files (while receiving a chunk or sending results) was on
no file: its unreported files are verified again, each in a chunk of its own, and a file
that was among the unreported ones of :data:`MAX_STRIKES` such deaths is blamed (so that a
file whose report cannot be sent ends the retries, and only that file is blamed).

What the pool costs per document is kept small, because it is paid on every core on top
of verification: the parent keeps two chunks of files in flight to each worker so workers
never wait, and a worker sends back one message per chunk (all its reports, pickled
together), not one per file; chunks are sized from the measured time per document so that a chunk takes
about :data:`CHUNK_SECONDS` (the per-message cost is spread over many fast documents,
while the last chunks of a run stay short enough to keep every core busy to the end).
A chunk that turns out slow sends its reports every :data:`FLUSH_SECONDS`, so results
still stream.  Results come back in completion order.

Neither side can block the other for good: a new chunk goes to a worker only when the
worker has sent the last results of an earlier one (so it is reading, not sending), and a
chunk is kept to a quarter of what the pipe to the worker holds (at most
:data:`MAX_CHUNK_BYTES`), so the parent's send never waits on a worker that is itself
waiting to send.
"""

from __future__ import annotations

import collections
import gc
import multiprocessing
import multiprocessing.connection
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from esealkit.batch.discovery import Source
from esealkit.batch.worker import (
    ReportLine,
    as_line,
    crashed_report,
    timed_out_report,
    verify_source,
    warm_up,
)
from esealkit.engine import Verifier
from esealkit.report import DocumentReport

__all__ = ["CHUNK_SECONDS", "FLUSH_SECONDS", "LocalPool"]

CHUNK_SECONDS = 0.025  # how long an adaptively sized chunk should take a worker
FLUSH_SECONDS = 0.1  # a worker sends what it has at least this often
MAX_CHUNK = 256  # however fast documents are: a crash retries at most this many
MAX_CHUNK_BYTES = 32 * 1024  # of a pickled chunk, estimated (Linux's local sockets hold ~200 KB)
_ITEM_BYTES = 64  # a chunk item's pickled size beyond its path
MAX_STRIKES = 2  # deaths between files a file may be among before it is blamed
# Before anything is measured.  A run of a handful of files goes to one worker in input
# order, as it always did (and the workers beyond the first are not needed for it).
FIRST_CHUNK = 8

# The shared slot of a worker: the number of the file it is verifying, and the
# time.monotonic() at which it started (0.0 between files).  The clock is system-wide.
_SEQ = 0
_STARTED = 1


def _worker_main(conn: Any, verifier: Verifier, lines: bool, slot: Any) -> None:
    """A worker: verify chunks as they come and send back, per chunk, the list of
    ``(seq, report)``, the seconds they took and whether the chunk is done, until ``None``."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    # What was inherited from the parent is never garbage here; keeping it out of
    # collections saves their time and the copying of the pages they touch.
    gc.freeze()
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        results: list[tuple[int, DocumentReport | ReportLine]] = []
        began = flushed = time.monotonic()
        for i, (seq, source) in enumerate(chunk):
            # Time first, then the number: a reader that sees the new number sees its time.
            slot[_STARTED] = time.monotonic()
            slot[_SEQ] = seq
            report = verify_source(verifier, source)
            # encoding the report is still this file's work: a crash there is its own
            results.append((seq, as_line(report) if lines else report))
            slot[_STARTED] = 0.0
            now = time.monotonic()
            if now - flushed >= FLUSH_SECONDS and i + 1 < len(chunk):
                conn.send((results, now - began, False))
                results = []
                began = flushed = now
        conn.send((results, time.monotonic() - began, True))


def _pickled_size(source: Source) -> int:
    return len(source.path.encode("utf-8", "surrogatepass")) + _ITEM_BYTES


def _chunk_bytes(conn: Any) -> int:
    """A quarter of what the pipe to a worker holds, at most MAX_CHUNK_BYTES: the two
    chunks in flight fit with room to spare.  (Local sockets hold ~200 KB on Linux, 8 KB
    on macOS; 4 KB is assumed where it cannot be asked.)"""
    try:
        with socket.fromfd(conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            held = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    except (OSError, AttributeError, ValueError):
        held = 4096
    return max(512, min(MAX_CHUNK_BYTES, held // 4))


@dataclass
class _Worker:
    process: Any
    conn: Any
    slot: Any  # shared doubles: [_SEQ, _STARTED]
    queue: collections.deque[tuple[int, Source]] = field(default_factory=collections.deque)
    chunks: int = 0  # chunks sent whose last results have not come back

    def current(self) -> tuple[int, float] | None:
        """(seq, started) of the file the worker is verifying right now, if any."""
        while True:
            seq, started = self.slot[_SEQ], self.slot[_STARTED]
            if self.slot[_SEQ] == seq:  # not torn by the worker moving on meanwhile
                return (int(seq), started) if started else None


class LocalPool:
    """``jobs`` worker processes verifying with copies of ``verifier``.

    ``chunk_size`` fixes how many files travel together; ``None`` (the default) sizes
    chunks from the measured time per document.
    """

    def __init__(self, verifier: Verifier, *, jobs: int | None = None, chunk_size: int | None = None,
                 timeout: float | None = None, start_method: str | None = None, lines: bool = False) -> None:
        self.verifier = verifier
        self.lines = lines  # workers send ReportLine (serialised) instead of DocumentReport
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.chunk_size = max(1, chunk_size) if chunk_size is not None else None
        self.timeout = timeout
        methods = multiprocessing.get_all_start_methods()
        # fork starts a worker in milliseconds with everything imported; spawn elsewhere.
        self._ctx = multiprocessing.get_context(start_method or ("fork" if "fork" in methods else "spawn"))
        self.crashes = 0
        self.timeouts = 0
        self._per_doc: float | None = None  # seconds per document, a moving average
        self._chunk_bytes = 0  # the most a chunk may take in the pipe, set with the first pipe

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        if self._chunk_bytes == 0:
            self._chunk_bytes = _chunk_bytes(parent)
        slot = self._ctx.RawArray("d", 2)
        process = self._ctx.Process(target=_worker_main, args=(child, self.verifier, self.lines, slot),  # type: ignore[attr-defined]
                                    daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent, slot)

    def _chunk_size(self) -> int:
        if self.chunk_size is not None:
            return self.chunk_size
        if self._per_doc is None:
            return FIRST_CHUNK
        return max(1, min(MAX_CHUNK, round(CHUNK_SECONDS / max(self._per_doc, 1e-6))))

    def _measured(self, count: int, seconds: float) -> None:
        if count:
            per_doc = seconds / count
            self._per_doc = per_doc if self._per_doc is None else 0.8 * self._per_doc + 0.2 * per_doc

    def run(self, sources: Iterable[Source]) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
        """(source, report) for every source, in completion order (a :class:`ReportLine`
        when the pool was made with ``lines``)."""
        if self._ctx.get_start_method() == "fork":
            warm_up()
        todo = iter(enumerate(sources))
        retry: collections.deque[tuple[int, Source]] = collections.deque()
        strikes: dict[int, int] = {}  # seq -> deaths between files it was unreported in
        workers = [self._start() for _ in range(self.jobs)]
        exhausted = False

        def next_chunk(size: int) -> list[tuple[int, Source]]:
            nonlocal exhausted
            if retry and retry[0][0] in strikes:
                # in a chunk of its own: if it kills the next worker too, it alone is blamed
                return [retry.popleft()]
            chunk: list[tuple[int, Source]] = []
            room = self._chunk_bytes
            while retry and retry[0][0] not in strikes and len(chunk) < size and room > 0:
                chunk.append(retry.popleft())
                room -= _pickled_size(chunk[-1][1])
            while not retry and not exhausted and len(chunk) < size and room > 0:
                item = next(todo, None)
                if item is None:
                    exhausted = True
                else:
                    chunk.append(item)
                    room -= _pickled_size(item[1])
            return chunk

        def feed(w: _Worker) -> None:
            # Two chunks in flight: the worker starts the next as soon as it sends one back.
            while w.chunks < 2:
                chunk = next_chunk(self._chunk_size())
                if not chunk:
                    return
                try:
                    w.conn.send(chunk)
                except (OSError, ValueError):  # the worker died; it is replaced once seen dead
                    retry.extendleft(reversed(chunk))
                    return
                w.queue.extend(chunk)
                w.chunks += 1

        def drain(w: _Worker) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
            """Every result the worker has sent so far, in order."""
            try:
                while w.queue and w.conn.poll():
                    results, seconds, done = w.conn.recv()
                    w.chunks -= done
                    self._measured(len(results), seconds)
                    for seq, report in results:
                        head_seq, source = w.queue.popleft()
                        assert head_seq == seq
                        strikes.pop(seq, None)
                        yield source, report
            except (EOFError, OSError):
                pass

        def retire(w: _Worker, late: int | None = None) -> Source | None:
            """Replace a dead (or killed) worker with a fresh one; the files it had not
            reported go to the others, except the one to blame, which is returned: the
            file ``late`` (killed for its time), or the one it was on.  Between files it
            was on none: None, unless the oldest unreported file has now been among the
            unreported ones of MAX_STRIKES such deaths."""
            on = w.current()
            culprit: int | None = None
            if late is not None:
                culprit = next((i for i, (seq, _) in enumerate(w.queue) if seq == late), None)
            elif on is not None:
                culprit = next((i for i, (seq, _) in enumerate(w.queue) if seq == on[0]), 0)
            else:
                for seq, _ in w.queue:
                    strikes[seq] = strikes.get(seq, 0) + 1
                if strikes[w.queue[0][0]] >= MAX_STRIKES:
                    culprit = 0
            source = None
            if culprit is not None:
                seq, source = w.queue[culprit]
                del w.queue[culprit]
                strikes.pop(seq, None)
            retry.extendleft(reversed(w.queue))
            w.queue.clear()
            w.conn.close()
            w.process.join(timeout=5)
            workers[workers.index(w)] = self._start()
            return source

        def out(source: Source, report: DocumentReport) -> tuple[Source, DocumentReport | ReportLine]:
            return source, as_line(report) if self.lines else report

        def overdue(w: _Worker, now: float) -> int | None:
            """The file the worker has been on for longer than the time limit, if any."""
            assert self.timeout is not None
            on = w.current()
            if on is not None and now - on[1] > self.timeout and any(seq == on[0] for seq, _ in w.queue):
                return on[0]
            return None

        try:
            while True:
                for i, w in enumerate(workers):
                    if not w.queue and not w.process.is_alive():  # died idle: nothing lost
                        w.conn.close()
                        workers[i] = w = self._start()
                    feed(w)
                busy = [w for w in workers if w.queue]
                if not busy:
                    return
                wait_for = None
                if self.timeout is not None:
                    # The soonest a file can run out of time.  A worker between files
                    # is looked at again a time limit from now at the latest.
                    now = time.monotonic()
                    ends = [on[1] + self.timeout if (on := w.current()) else now + self.timeout for w in busy]
                    wait_for = max(0.0, min(ends) - now)
                waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
                ready = set(multiprocessing.connection.wait(waitables, timeout=wait_for))
                for w in busy:
                    if w.conn in ready:
                        yield from drain(w)
                    if w.process.sentinel in ready and w.queue:
                        yield from drain(w)  # what it sent before dying is not the culprit's
                        if w.queue:
                            w.process.join(timeout=5)  # its pipe closes a moment before it is reaped
                            why = f"exit code {w.process.exitcode}"
                            blamed = retire(w)
                            if blamed is not None:
                                self.crashes += 1
                                yield out(blamed, crashed_report(blamed, why))
                if self.timeout is not None:
                    for w in list(workers):
                        if w.queue and overdue(w, time.monotonic()) is not None:
                            # Results waiting unread (a slow consumer) are not a hang.
                            yield from drain(w)
                            seq = overdue(w, time.monotonic()) if w.queue else None
                            if seq is not None and w.process.is_alive():
                                w.process.kill()
                                w.process.join(timeout=5)
                                # the file that ran out of time, even if it ended (late) as
                                # the worker was killed: its report, if any, is lost with it
                                late = retire(w, seq)
                                if late is not None:
                                    self.timeouts += 1
                                    yield out(late, timed_out_report(late, self.timeout))
        finally:
            for w in workers:
                try:
                    w.conn.send(None)
                except (OSError, ValueError):
                    pass
            deadline = time.monotonic() + 5
            for w in workers:
                w.process.join(timeout=max(0.0, deadline - time.monotonic()))
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join()
                w.conn.close()
