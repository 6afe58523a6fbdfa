"""What a batch worker does with one document (批量验证工作进程): read it, verify it.

    >>> report = verify_source(verifier, Source("a.pdf", 100, 0.0))   # doctest: +SKIP

Workers keep one :class:`~esealkit.engine.Verifier` per run (looked up by the run's
token), so its caches (path validation, parsed revocation data, keys) live across every
chunk the worker gets.  Nothing here raises for a bad document: an unreadable file or
an internal error is an INDETERMINATE report.

Two environment variables exist for the batch's own tests only: a worker whose document
contains the bytes of ``ESEALKIT_BATCH_TEST_CRASH_MARKER`` exits at once (a crash), one
whose document contains ``ESEALKIT_BATCH_TEST_HANG_MARKER`` never finishes (a hang).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from esealkit.batch.discovery import Source
from esealkit.engine import Verifier
from esealkit.report import Check, DocumentReport, SubIndication

__all__ = ["CRASH_MARKER_ENV", "HANG_MARKER_ENV", "ReportLine", "as_line", "crashed_report", "read_source_bytes",
           "timed_out_report", "verify_chunk", "verify_source"]

log = logging.getLogger("esealkit")

CRASH_MARKER_ENV = "ESEALKIT_BATCH_TEST_CRASH_MARKER"
HANG_MARKER_ENV = "ESEALKIT_BATCH_TEST_HANG_MARKER"

_VERIFIERS: dict[tuple[str, int], Verifier] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportLine:
    """A report already serialised where it was made: its verdict and its JSON (the
    ``esealkit verify`` contract, one line).  Workers send these when the parent only
    writes reports out, so the parent never builds or encodes a report itself."""

    path: str
    indication: str
    line: str

    def with_file(self, size: int, mtime: float) -> str:
        """The line with the batch's ``file`` object (size and time, for ``--resume``) added."""
        return self.line[:-1] + ', "file": ' + json.dumps({"size": size, "mtime": mtime}) + "}"


def as_line(report: DocumentReport) -> ReportLine:
    data = report.to_dict()
    return ReportLine(report.path, str(data["indication"]), json.dumps(data, ensure_ascii=False))


def read_source_bytes(source: Source) -> bytes:
    """The bytes of a local file (one read) or of an fsspec URL."""
    if source.is_url:
        import fsspec

        with fsspec.open(source.path, "rb") as f:
            data = f.read()
        return bytes(data)
    path = source.path[len("file://"):] if source.path.startswith("file://") else source.path
    with open(path, "rb", buffering=0) as f:
        return f.read()


def indeterminate_report(source: Source, name: str, message: str) -> DocumentReport:
    return DocumentReport(path=source.path, format="unknown", checks=(
        Check.indeterminate(name, SubIndication.GENERIC, message),))


def crashed_report(source: Source, why: str) -> DocumentReport:
    """The report of a file whose worker died while verifying it."""
    return indeterminate_report(source, "batch_worker", f"the verifying worker died on this file ({why}); "
                                                        "the rest of the batch went on")


def timed_out_report(source: Source, seconds: float) -> DocumentReport:
    """The report of a file whose verification ran past the batch's time limit."""
    return indeterminate_report(source, "batch_timeout",
                                f"verification took longer than the time limit of {seconds:g} s and was stopped")


def warm_up() -> None:
    """Import what verification needs (pyHanko is slow to import), so that forked workers
    inherit it instead of each importing it on its first document."""
    import esealkit.pdf.verify  # noqa: F401
    from esealkit import ofd  # noqa: F401


def _test_hooks(data: bytes) -> None:
    crash = os.environ.get(CRASH_MARKER_ENV)
    if crash and crash.encode() in data:
        os._exit(70)
    hang = os.environ.get(HANG_MARKER_ENV)
    if hang and hang.encode() in data:
        while True:
            time.sleep(3600)


def verify_source(verifier: Verifier, source: Source) -> DocumentReport:
    """Verify one document; never raises (but see the test hooks above)."""
    try:
        data = read_source_bytes(source)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return DocumentReport(path=source.path, format="unknown", checks=(
            Check.indeterminate("read", SubIndication.GENERIC, f"cannot read the file: {reason}"),))
    _test_hooks(data)
    try:
        return verifier.verify(data, path=source.path)
    except Exception as exc:  # the batch must go on whatever one document does
        log.exception("internal error verifying %s", source.path)
        return indeterminate_report(source, "internal",
                                    f"esealkit could not complete this verification ({type(exc).__name__}: {exc})")


def verifier_for(token: str, verifier: Verifier) -> Verifier:
    """This thread's verifier of the run ``token``, with its caches.

    A verifier is not thread-safe, so each thread (of a thread pool or a Dask worker)
    gets its own copy, made once and kept across every chunk it runs.
    """
    key = (token, threading.get_ident())
    with _LOCK:
        kept = _VERIFIERS.get(key)
        if kept is None:
            if len(_VERIFIERS) > 64:
                _VERIFIERS.clear()
            kept = _VERIFIERS[key] = pickle.loads(pickle.dumps(verifier))
    return kept


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def verify_chunk(token: str, verifier: Verifier, sources: Sequence[Source], timeout: float | None = None,
                 lines: bool = False) -> list[DocumentReport] | list[ReportLine]:
    """Verify a chunk of documents in order, for executors (thread, process, Dask).

    ``timeout`` is enforced per file with a timer signal where that is possible (the main
    thread of a worker process); in threads it cannot stop a file and is not applied.
    """
    verifier = verifier_for(token, verifier)
    use_alarm = (timeout is not None and hasattr(signal, "setitimer")
                 and threading.current_thread() is threading.main_thread())
    out: list[DocumentReport] = []
    for source in sources:
        if not use_alarm:
            out.append(verify_source(verifier, source))
            continue
        assert timeout is not None
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            out.append(verify_source(verifier, source))
        except _Timeout:
            out.append(timed_out_report(source, timeout))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return [as_line(r) for r in out] if lines else out
