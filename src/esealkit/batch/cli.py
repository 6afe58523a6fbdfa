"""``esealkit verify`` as a batch (批量验证命令): discovery, executor, journal, reports.

    >>> run_batch(BatchOptions(files=("docs/",), fmt="jsonl", output="out.jsonl"), trust=trust)  # doctest: +SKIP
    0

The command's text/json/jsonl output keeps the ``esealkit verify`` contract; reports come
in completion order.  Every result goes to a JSON Lines journal first (the ``--output``
file for ``--format jsonl``, else a temporary file), from which the JSON document, CSV,
JUnit and HTML reports are written at the end, so no report is held in memory.
Returns the exit status: 0 when every document passed, 1 otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

import click

from esealkit.batch.discovery import discover
from esealkit.batch.journal import Journal, read_journal, report_line
from esealkit.batch.progress import BatchProgress, summary_table
from esealkit.batch.runner import BatchVerifier, Executor
from esealkit.batch.writers import write_csv, write_html, write_junit
from esealkit.pki import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import DocumentReport

__all__ = ["BatchOptions", "run_batch"]


@dataclass(frozen=True)
class BatchOptions:
    files: tuple[str, ...] = ()
    from_list: str | None = None
    fmt: str = "text"
    output: str = "-"
    verbose: bool = False
    jobs: int | None = None
    scheduler: str | None = None
    resume: bool = False
    timeout: float | None = None
    report_csv: str | None = None
    report_junit: str | None = None
    report_html: str | None = None
    progress: bool | None = None  # None: on when standard error is a terminal


@contextlib.contextmanager
def _dask_executor(address: str) -> Iterator[tuple[Executor, int]]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is installed in development
        raise click.UsageError("--scheduler needs Dask: pip install 'esealkit[dask]'") from exc
    try:
        client = Client(address, timeout=5)
    except OSError as exc:
        raise click.UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        threads = sum(client.nthreads().values()) or 1
        yield client.get_executor(), threads
    finally:
        client.close()


# A file name that is not UTF-8 (a GBK or Latin-1 name on a Linux disk) reaches Python as a
# string with lone surrogates, which UTF-8 cannot encode: reports write it as \udcXX, which
# is a JSON escape that reads back as the same string (so --resume still knows the file).
_REPORT_ERRORS = "backslashreplace"


def _open_output(path: str) -> contextlib.AbstractContextManager[TextIO]:
    if path == "-":
        stdout: TextIO = sys.stdout
        reconfigure = getattr(stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=_REPORT_ERRORS)
        return contextlib.nullcontext(stdout)
    return open(path, "w", encoding="utf-8", errors=_REPORT_ERRORS)


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    """A journal entry without the batch's bookkeeping (the plain report contract)."""
    entry.pop("file", None)
    return entry


def run_batch(options: BatchOptions, *, trust: Trust | None, policy: ValidationPolicy | None = None,
              validation_time: datetime | None = None) -> int:
    from esealkit.cli.main import write_text

    sources = list(discover(options.files, from_list=options.from_list))
    journal_is_output = options.fmt == "jsonl" and options.output != "-"
    need_journal = journal_is_output or options.fmt == "json" or any(
        (options.report_csv, options.report_junit, options.report_html))
    with contextlib.ExitStack() as stack:
        journal: Journal | None = None
        if need_journal:
            if journal_is_output:
                journal_path = options.output
            else:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="esealkit-batch-"))
                journal_path = os.path.join(tmp, "reports.jsonl")
            journal = stack.enter_context(Journal(journal_path, resume=options.resume))
        totals: Counter[str] = Counter()
        if journal is not None and options.resume:
            journal.forget_changed(sources)
            todo = [s for s in sources if not journal.is_done(s)]
            totals.update(ind for _, ind in journal.done.values())
        else:
            todo = sources
        executor: Executor | str | None = None
        # No more workers than files: a worker costs a fork and its caches' warm-up.
        jobs = min(options.jobs or os.cpu_count() or 1, max(1, len(todo)))
        if options.scheduler:
            executor, threads = stack.enter_context(_dask_executor(options.scheduler))
            jobs = options.jobs or threads
        batch = BatchVerifier(trust=trust, policy=policy, validation_time=validation_time, executor=executor,
                              jobs=jobs, timeout=options.timeout)
        text_out: TextIO | None = None
        if options.fmt == "text" or (options.fmt == "jsonl" and not journal_is_output):
            text_out = stack.enter_context(_open_output(options.output))
        show = options.progress if options.progress is not None else sys.stderr.isatty()
        started = time.monotonic()
        verified = 0
        with BatchProgress(len(todo), enabled=show) as progress:
            if options.fmt == "text":
                for source, report in batch.run_sources(todo):
                    verified += 1
                    indication = report.indication.value
                    totals[indication] += 1
                    progress.advance(indication)
                    if journal is not None:
                        journal.append_line(report_line(report, source))
                    # Standard output is looked up each time: while the progress bar is
                    # shown, rich redirects it to print above the bar.
                    out = sys.stdout if options.output == "-" or text_out is None else text_out
                    write_text(report, out, verbose=options.verbose)
            else:
                # Reports arrive encoded by the workers: the parent only writes them.
                for source, line in batch.run_lines(todo):
                    verified += 1
                    totals[line.indication] += 1
                    progress.advance(line.indication)
                    if journal is not None:
                        journal.append_line(line.with_file(source.size, source.mtime))
                    if text_out is not None:
                        out = sys.stdout if options.output == "-" else text_out
                        out.write(line.line + "\n")
                        out.flush()
        elapsed = time.monotonic() - started
        if journal is not None:
            journal.close()
            _write_reports(options, journal.path)
        if options.fmt == "text" and text_out is not None:
            text_out.write(
                f"\n{sum(totals.values())} document(s): {totals['TOTAL_PASSED']} passed, "
                f"{totals['TOTAL_FAILED']} failed, {totals['INDETERMINATE']} indeterminate\n"
            )
            text_out.flush()
        if show:
            from rich.console import Console

            extra = {"skipped (already reported)": len(sources) - len(todo)} if options.resume else {}
            if batch.crashes or batch.timeouts:
                extra |= {"worker crashes": batch.crashes, "timeouts": batch.timeouts}
            Console(stderr=True).print(summary_table(totals, elapsed=elapsed, verified=verified, extra=extra))
        return 0 if totals["TOTAL_PASSED"] == sum(totals.values()) else 1


def _write_reports(options: BatchOptions, journal_path: str) -> None:
    def entries() -> Iterator[dict[str, Any]]:
        return read_journal(journal_path)

    if options.fmt == "json":
        from esealkit.report import Indication

        counts = {"documents": 0, **{i.value: 0 for i in Indication}}
        with _open_output(options.output) as out:
            out.write('{\n  "documents": [')
            first = True
            for entry in entries():
                counts["documents"] += 1
                counts[str(entry["indication"])] += 1
                text = json.dumps(_public(entry), ensure_ascii=False, indent=2).replace("\n", "\n    ")
                out.write(("\n    " if first else ",\n    ") + text)
                first = False
            out.write(("\n  " if not first else "") + '],\n  "summary": ')
            out.write(json.dumps(counts, indent=2).replace("\n", "\n  ") + "\n}\n")
    if options.report_csv:
        with open(options.report_csv, "w", encoding="utf-8", errors=_REPORT_ERRORS, newline="") as f:
            write_csv(entries(), f)
    if options.report_junit:
        with open(options.report_junit, "w", encoding="utf-8", errors=_REPORT_ERRORS) as f:
            write_junit(entries, f)
    if options.report_html:
        with open(options.report_html, "w", encoding="utf-8", errors=_REPORT_ERRORS) as f:
            write_html(entries, f)


def reports_of(journal_path: str) -> Iterator[DocumentReport]:
    """The reports in a journal as objects."""
    for entry in read_journal(journal_path):
        yield DocumentReport.from_dict(entry)
