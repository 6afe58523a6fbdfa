"""The batch verifier (批量验证): many documents, one engine, every core.

    >>> batch = BatchVerifier(trust=Trust.load(["root.pem"]))                      # doctest: +SKIP
    >>> for report in batch.run(["docs/"]):                                        # doctest: +SKIP
    ...     print(report.path, report.indication)

Every document goes through :meth:`esealkit.engine.Verifier.verify`, the same engine as
``verify_pdf``; the batch only decides where it runs.  ``executor`` is ``None`` (the
default: :class:`~esealkit.batch.pool.LocalPool`, one process per core, robust to
crashes and hangs), ``"inline"`` (this process, one core), or any
:class:`concurrent.futures.Executor` — a thread pool, a process pool, or Dask's
(``distributed.Client(...).get_executor()``).  Reports come back in completion order and
are not kept: the caller decides what to hold.
"""

from __future__ import annotations

import concurrent.futures
import gc
import os
import signal
import threading
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from esealkit.batch.discovery import Source, discover
from esealkit.batch.pool import LocalPool
from esealkit.batch.worker import (
    ReportLine,
    as_line,
    crashed_report,
    timed_out_report,
    verify_chunk,
    verify_source,
)
from esealkit.engine import Verifier
from esealkit.pki import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import DocumentReport

__all__ = ["BatchVerifier"]

Executor = concurrent.futures.Executor

EXECUTOR_CHUNK = 8  # documents per task sent to an executor other than the pool


def _as_sources(items: Iterable[str | os.PathLike[str] | Source]) -> Iterator[Source]:
    for item in items:
        if isinstance(item, Source):
            yield item
        else:
            yield from discover([os.fspath(item)])


class BatchVerifier:
    """One verification run over many documents.

    ``timeout`` (seconds per document) is exact with the default pool; with another
    executor it is applied where a timer signal can stop the work (a worker process's main
    thread), not in threads.  ``chunk_size`` documents travel together to a worker: by
    default the pool sizes chunks from the measured time per document, and other
    executors get chunks of :data:`EXECUTOR_CHUNK`.
    """

    def __init__(
        self,
        *,
        trust: Trust | None,
        policy: ValidationPolicy | None = None,
        validation_time: datetime | None = None,
        executor: Executor | str | None = None,
        jobs: int | None = None,
        chunk_size: int | None = None,
        timeout: float | None = None,
        seal_store: Any = None,
    ) -> None:
        if isinstance(executor, str) and executor not in ("inline", "process"):
            raise ValueError("executor must be None, 'process', 'inline' or a concurrent.futures.Executor")
        self.verifier = Verifier(trust=trust, policy=policy, validation_time=validation_time, seal_store=seal_store)
        self.executor = executor
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.chunk_size = max(1, chunk_size) if chunk_size is not None else None
        self.timeout = timeout
        self.token = uuid.uuid4().hex  # names this run's verifier in workers
        self.crashes = 0
        self.timeouts = 0

    @property
    def validation_time(self) -> datetime:
        return self.verifier.validation_time

    def run(self, items: Iterable[str | os.PathLike[str] | Source]) -> Iterator[DocumentReport]:
        """A report for every document named (folders are walked), in completion order."""
        for _, report in self.run_sources(_as_sources(items)):
            yield report

    def run_sources(self, sources: Iterable[Source]) -> Iterator[tuple[Source, DocumentReport]]:
        """(source, report) pairs, in completion order."""
        for source, report in self._run(sources, lines=False):
            assert isinstance(report, DocumentReport)
            yield source, report

    def run_lines(self, sources: Iterable[Source]) -> Iterator[tuple[Source, ReportLine]]:
        """(source, serialised report) pairs, in completion order: for writing reports out.

        The reports are encoded where they are made (in the workers), so the parent's
        work per document is receiving one string: it never becomes the bottleneck of a
        many-core machine or a cluster.
        """
        for source, report in self._run(sources, lines=True):
            yield source, report if isinstance(report, ReportLine) else as_line(report)

    def _run(self, sources: Iterable[Source], *, lines: bool) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
        if self.executor in (None, "process"):
            pool = LocalPool(self.verifier, jobs=self.jobs, chunk_size=self.chunk_size, timeout=self.timeout,
                             lines=lines)
            try:
                yield from pool.run(sources)
            finally:
                self.crashes += pool.crashes
                self.timeouts += pool.timeouts
        elif self.executor == "inline":
            yield from self._run_inline(sources)
        else:
            assert isinstance(self.executor, Executor)
            yield from self._run_executor(self.executor, sources, lines)

    def _run_inline(self, sources: Iterable[Source]) -> Iterator[tuple[Source, DocumentReport]]:
        timed = (self.timeout is not None and hasattr(signal, "setitimer")
                 and threading.current_thread() is threading.main_thread())
        # What is alive now (imported modules, the caller's data) outlives the run: the
        # collector need not walk it on every full collection (about 5 % of a batch).
        # Unfrozen afterwards, so the caller's process is left as it was; a caller that
        # froze objects itself is left alone.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            yield from self._verify_inline(sources, timed)
        finally:
            if freeze:
                gc.unfreeze()

    def _verify_inline(self, sources: Iterable[Source], timed: bool) -> Iterator[tuple[Source, DocumentReport]]:
        for source in sources:
            if timed:
                report = verify_chunk(self.token, self.verifier, [source], self.timeout)[0]
                assert isinstance(report, DocumentReport)
                if report.checks and report.checks[0].name == "batch_timeout":
                    self.timeouts += 1
            else:
                report = verify_source(self.verifier, source)
            yield source, report

    def _chunks(self, sources: Iterable[Source]) -> Iterator[list[Source]]:
        chunk: list[Source] = []
        for source in sources:
            chunk.append(source)
            if len(chunk) >= (self.chunk_size or EXECUTOR_CHUNK):
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _run_executor(self, executor: Executor, sources: Iterable[Source], lines: bool
                      ) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
        workers = getattr(executor, "_max_workers", None) or self.jobs
        limit = max(2, 2 * int(workers))
        in_flight: dict[concurrent.futures.Future[list[DocumentReport] | list[ReportLine]], list[Source]] = {}

        def submit(chunk: list[Source]) -> Iterator[tuple[Source, DocumentReport]]:
            try:
                in_flight[executor.submit(verify_chunk, self.token, self.verifier, chunk, self.timeout, lines)] = chunk
            except Exception as exc:  # a broken or shut down executor: nothing more can run there
                for source in chunk:
                    self.crashes += 1
                    yield source, crashed_report(source, f"the executor refused the work: {type(exc).__name__}: {exc}")

        def settle(done: Iterable[concurrent.futures.Future[list[DocumentReport] | list[ReportLine]]]
                   ) -> Iterator[tuple[Source, DocumentReport | ReportLine]]:
            for future in done:
                chunk = in_flight.pop(future)
                try:
                    reports: list[DocumentReport | ReportLine] = list(future.result())
                except Exception as exc:
                    if len(chunk) > 1:
                        # Find the culprit: every file again on its own.
                        for source in chunk:
                            yield from submit([source])
                    else:
                        self.crashes += 1
                        yield chunk[0], crashed_report(chunk[0], f"{type(exc).__name__}: {exc}")
                    continue
                for source, report in zip(chunk, reports, strict=True):
                    if isinstance(report, ReportLine):
                        self.timeouts += '"name": "batch_timeout"' in report.line
                    elif report.checks and report.checks[0].name == "batch_timeout":
                        self.timeouts += 1
                    yield source, report

        for chunk in self._chunks(sources):
            while len(in_flight) >= limit:
                done, _ = concurrent.futures.wait(in_flight, return_when=concurrent.futures.FIRST_COMPLETED)
                yield from settle(done)
            yield from submit(chunk)
        while in_flight:
            done, _ = concurrent.futures.wait(in_flight, return_when=concurrent.futures.FIRST_COMPLETED)
            yield from settle(done)


# Re-exported for callers that build their own loops.
__all__ += ["timed_out_report"]
