"""Progress and summary on the terminal (进度显示): rich on a TTY, silent otherwise.

    >>> with BatchProgress(total=1000, enabled=sys.stderr.isatty()) as progress:   # doctest: +SKIP
    ...     progress.advance("TOTAL_PASSED")

The bar shows files done of the total, files/s, the ETA and a running tally of verdicts.
It redraws from the caller's thread (no refresh thread), at most ten times a second, so
forking worker processes while it is shown is safe.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

__all__ = ["BatchProgress", "summary_table"]


class BatchProgress:
    """A progress bar that does nothing when not ``enabled``."""

    def __init__(self, total: int, *, enabled: bool, console: Console | None = None, done: int = 0) -> None:
        self.enabled = enabled
        self.tally: Counter[str] = Counter()
        self.started = time.monotonic()
        self.count = 0
        self._last = 0.0
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("[bold]verify"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn("{task.fields[tally]}"),
                console=console or Console(stderr=True), auto_refresh=False, transient=False,
            )
            self._task = self._progress.add_task("verify", total=total, completed=done, rate="", tally="")

    def __enter__(self) -> BatchProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def advance(self, indication: str) -> None:
        self.tally[indication] += 1
        self.count += 1
        if self._progress is None:
            return
        self._progress.advance(self._task)
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._last = now
            self._redraw(now)

    def _redraw(self, now: float) -> None:
        assert self._progress is not None
        rate = self.count / max(now - self.started, 1e-9)
        tally = (f"[green]{self.tally['TOTAL_PASSED']} passed[/] [red]{self.tally['TOTAL_FAILED']} failed[/] "
                 f"[yellow]{self.tally['INDETERMINATE']} indeterminate[/]")
        self._progress.update(self._task, rate=f"{rate:,.0f} files/s", tally=tally)
        self._progress.refresh()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._redraw(time.monotonic())
            self._progress.stop()


def summary_table(totals: Mapping[str, int], *, elapsed: float, verified: int, extra: Mapping[str, Any] = {}) -> Table:
    """The end-of-run table: documents by verdict, rate, and anything in ``extra``."""
    table = Table(title="esealkit verify: summary", show_header=True)
    table.add_column("")
    table.add_column("documents", justify="right")
    for key, label, style in (("TOTAL_PASSED", "passed", "green"), ("TOTAL_FAILED", "failed", "red"),
                              ("INDETERMINATE", "indeterminate", "yellow")):
        table.add_row(f"[{style}]{label}[/]", str(totals.get(key, 0)))
    table.add_row("[bold]total[/]", str(sum(totals.get(k, 0) for k in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"))))
    table.add_row("verified in this run", f"{verified} in {elapsed:.1f} s ({verified / max(elapsed, 1e-9):,.0f}/s)")
    for key, value in extra.items():
        table.add_row(key, str(value))
    return table
