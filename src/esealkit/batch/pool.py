"""The default executor (本地进程池): one worker process per core, robust to crashes and hangs.

    >>> pool = LocalPool(verifier, jobs=4, timeout=60)                      # doctest: +SKIP
    >>> for source, report in pool.run(sources): ...                        # doctest: +SKIP

Unlike :class:`concurrent.futures.ProcessPoolExecutor`, a worker that dies takes only
the file it was on with it: the parent knows which file each worker is on (workers
verify their chunks in order and report each file), gives that file an INDETERMINATE
report saying why, hands the rest of the worker's chunks to a fresh worker and goes on.
A file running past ``timeout`` seconds gets its worker killed the same way.  Workers are
sent chunks of files ahead of time so they never wait; results come back in completion
order, one message per file.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import os
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

__all__ = ["LocalPool"]


def _worker_main(conn: Any, verifier: Verifier, lines: bool) -> None:
    """A worker: verify chunks as they come, one result message per file, until ``None``."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        for seq, source in chunk:
            report = verify_source(verifier, source)
            conn.send((seq, as_line(report) if lines else report))


@dataclass
class _Worker:
    process: Any
    conn: Any
    queue: collections.deque[tuple[int, Source]] = field(default_factory=collections.deque)
    since: float = 0.0  # when the file at the head of the queue started (about)


class LocalPool:
    """``jobs`` worker processes verifying with copies of ``verifier``."""

    def __init__(self, verifier: Verifier, *, jobs: int | None = None, chunk_size: int = 8,
                 timeout: float | None = None, start_method: str | None = None, lines: bool = False) -> None:
        self.verifier = verifier
        self.lines = lines  # workers send ReportLine (serialised) instead of DocumentReport
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.chunk_size = max(1, chunk_size)
        self.timeout = timeout
        methods = multiprocessing.get_all_start_methods()
        # fork starts a worker in milliseconds with everything imported; spawn elsewhere.
        self._ctx = multiprocessing.get_context(start_method or ("fork" if "fork" in methods else "spawn"))
        self.crashes = 0
        self.timeouts = 0

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child, self.verifier, self.lines), daemon=True)  # type: ignore[attr-defined]
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, sources: Iterable[Source]) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
        """(source, report) for every source, in completion order (a :class:`ReportLine`
        when the pool was made with ``lines``)."""
        if self._ctx.get_start_method() == "fork":
            warm_up()
        todo = iter(enumerate(sources))
        retry: collections.deque[tuple[int, Source]] = collections.deque()
        workers = [self._start() for _ in range(self.jobs)]
        exhausted = False

        def next_chunk() -> list[tuple[int, Source]]:
            nonlocal exhausted
            chunk: list[tuple[int, Source]] = []
            while retry and len(chunk) < self.chunk_size:
                chunk.append(retry.popleft())
            while not exhausted and len(chunk) < self.chunk_size:
                item = next(todo, None)
                if item is None:
                    exhausted = True
                else:
                    chunk.append(item)
            return chunk

        def feed(w: _Worker) -> None:
            # Keep each worker one chunk ahead so it never waits for the parent.
            while len(w.queue) <= self.chunk_size:
                chunk = next_chunk()
                if not chunk:
                    return
                try:
                    w.conn.send(chunk)
                except (OSError, ValueError):  # the worker died; it is replaced once seen dead
                    retry.extendleft(reversed(chunk))
                    return
                if not w.queue:
                    w.since = time.monotonic()
                w.queue.extend(chunk)

        def replace(w: _Worker, report: DocumentReport) -> tuple[Source, DocumentReport | ReportLine]:
            _seq, source = w.queue.popleft()
            retry.extendleft(reversed(w.queue))
            w.conn.close()
            w.process.join(timeout=5)
            fresh = self._start()
            workers[workers.index(w)] = fresh
            return source, as_line(report) if self.lines else report

        def drain(w: _Worker) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
            """Every result the worker has sent so far, in order."""
            try:
                while w.queue and w.conn.poll():
                    seq, report = w.conn.recv()
                    head_seq, source = w.queue.popleft()
                    assert head_seq == seq
                    w.since = time.monotonic()
                    yield source, report
            except (EOFError, OSError):
                pass

        try:
            while True:
                for i, w in enumerate(workers):
                    if not w.queue and not w.process.is_alive():
                        w.conn.close()
                        workers[i] = w = self._start()
                    feed(w)
                busy = [w for w in workers if w.queue]
                if not busy:
                    return
                wait_for = None
                if self.timeout is not None:
                    now = time.monotonic()
                    wait_for = max(0.0, min(w.since + self.timeout - now for w in busy))
                waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
                ready = set(multiprocessing.connection.wait(waitables, timeout=wait_for))
                for w in list(busy):
                    if w.conn in ready or w.process.sentinel in ready:
                        yield from drain(w)
                    if w.queue and not w.process.is_alive():
                        yield from drain(w)  # what it sent before dying is not the culprit
                        if w.queue:
                            self.crashes += 1
                            source = w.queue[0][1]
                            yield replace(w, crashed_report(source, f"exit code {w.process.exitcode}"))
                if self.timeout is not None:
                    for w in list(workers):
                        if w.queue and time.monotonic() - w.since > self.timeout:
                            # Results waiting unread (a slow consumer) are not a hang.
                            yield from drain(w)
                            if w.queue and time.monotonic() - w.since > self.timeout and w.process.is_alive():
                                w.process.kill()
                                w.process.join(timeout=5)
                                self.timeouts += 1
                                source = w.queue[0][1]
                                yield replace(w, timed_out_report(source, self.timeout))
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
