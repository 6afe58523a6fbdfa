"""The run's JSON Lines journal (结果日志): one report per line, appended as results finish.

    >>> with Journal("reports.jsonl", resume=True) as journal:        # doctest: +SKIP
    ...     todo = [s for s in sources if s.key not in journal.done]
    ...     journal.append(report, source)

Each line is the document's JSON report (the ``esealkit verify`` contract) plus a
``file`` object with the size and modification time the file had when it was verified,
which is what ``--resume`` matches on together with the path.  Each line reaches the file
(one write, no buffering) as it is appended, so a killed run loses no reported document;
lines are fsync'd in batches (every ``sync_every`` lines or ``sync_seconds``), which is
what a power cut would need.

A run killed mid-write leaves at most one partial last line; resuming drops it, so every
document ends up in the journal exactly once.  A file that changed since it was reported
(other size or time) has its old line removed and is verified again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, BinaryIO

from esealkit.batch.discovery import Source
from esealkit.report import DocumentReport

__all__ = ["Journal", "read_journal", "report_line"]


def report_line(report: DocumentReport, source: Source | None) -> str:
    """The journal line of a report (without the newline)."""
    data = report.to_dict()
    if source is not None:
        data["file"] = {"size": source.size, "mtime": source.mtime}
    return json.dumps(data, ensure_ascii=False)


def read_journal(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every complete report in a journal, in order (a partial last line is skipped)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                return
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def _key(entry: dict[str, Any]) -> tuple[str, int, float] | None:
    info = entry.get("file")
    if not isinstance(info, dict):
        return None
    return (str(entry.get("path")), int(info.get("size", -2)), float(info.get("mtime", 0.0)))


class Journal:
    """Appends report lines to ``path``; with ``resume``, knows what is already there."""

    def __init__(self, path: str | os.PathLike[str], *, resume: bool = False, sync_every: int = 256,
                 sync_seconds: float = 1.0) -> None:
        self.path = os.fspath(path)
        self.sync_every = sync_every
        self.sync_seconds = sync_seconds
        self.done: dict[str, tuple[tuple[str, int, float] | None, str]] = {}  # path -> (key, indication)
        if resume and os.path.exists(self.path):
            self._load()
        else:
            with open(self.path, "w", encoding="utf-8"):
                pass
        self._file: BinaryIO = self._open_for_append()
        self._unsynced = 0
        self._last_sync = time.monotonic()

    def _load(self) -> None:
        good_end = 0
        with open(self.path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break  # the partial line of a killed run
                try:
                    entry = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    break
                good_end += len(raw)
                self.done[str(entry.get("path"))] = (_key(entry), str(entry.get("indication")))
        if good_end != os.path.getsize(self.path):
            with open(self.path, "r+b") as f:
                f.truncate(good_end)
                os.fsync(f.fileno())

    def is_done(self, source: Source) -> bool:
        """True when ``source`` was reported before, unchanged since."""
        entry = self.done.get(source.path)
        return entry is not None and entry[0] == source.key

    def forget_changed(self, sources: Iterable[Source]) -> int:
        """Remove the lines of files that were reported but have changed since; how many."""
        current = {s.path: s.key for s in sources}
        stale = {p for p, (key, _) in self.done.items() if p in current and key != current[p]}
        if not stale:
            return 0
        self._file.close()
        tmp = self.path + ".tmp"
        with open(self.path, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
            for line in src:
                if json.loads(line).get("path") not in stale:
                    dst.write(line)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)
        for p in stale:
            del self.done[p]
        self._file = self._open_for_append()
        return len(stale)

    def _open_for_append(self) -> BinaryIO:
        # Unbuffered: every line is written as soon as it is appended (the README promises
        # reports in the file as they are ready, and the kill-and-resume test watches the
        # file grow), so a text layer and a buffer would be flushed after each line anyway;
        # one plain write() per line does the same for about 1 µs less per line.
        return open(self.path, "ab", buffering=0)

    def append_line(self, line: str) -> None:
        # (a file name that is not UTF-8 is written \udcXX, a JSON escape of the same string)
        data = (line + "\n").encode("utf-8", "backslashreplace")
        written = self._file.write(data)
        while written < len(data):  # a short write (a signal, a full disk) is rare; finish the line
            written += self._file.write(data[written:])
        self._unsynced += 1
        if self._unsynced >= self.sync_every or time.monotonic() - self._last_sync >= self.sync_seconds:
            self.sync()

    def append(self, report: DocumentReport, source: Source | None = None) -> None:
        self.append_line(report_line(report, source))

    def sync(self) -> None:
        os.fsync(self._file.fileno())  # nothing to flush first: the file is unbuffered
        self._unsynced = 0
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
