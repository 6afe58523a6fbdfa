"""The ``esealkit`` command.

    esealkit verify contract.pdf licence.ofd --trust root.pem --crl root.crl
    esealkit verify docs/ --trust roots/ --format jsonl --output reports.jsonl
    esealkit demo

Exit status of ``verify``: 0 when every signature of every file passed, 1 when any did not,
2 for usage errors (click's convention).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO

import click

from esealkit.cli._options import parse_time
from esealkit.engine import Verifier
from esealkit.errors import PolicyError
from esealkit.pki import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import DocumentReport, Indication

__all__ = ["main"]

_MARKS = {Indication.TOTAL_PASSED: "PASSED", Indication.TOTAL_FAILED: "FAILED", Indication.INDETERMINATE: "INDETERMINATE"}


@click.group()
@click.version_option(package_name="esealkit")
def main() -> None:
    """Verify, seal and sign PDF and OFD documents; manage e-seals and e-licences."""
    logging.basicConfig(level=logging.WARNING, format="esealkit: %(message)s")





def iter_files(inputs: Iterable[str]) -> Iterator[Path]:
    """Files named, and every file under folders named (sorted), in order."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def verify_paths(verifier: Verifier, inputs: Iterable[str]) -> Iterator[DocumentReport]:
    """Reports for every file, in order; an unreadable file is a report too."""
    from esealkit.report import Check, SubIndication

    for path in iter_files(inputs):
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield DocumentReport(path=str(path), format="unknown", checks=(
                Check.indeterminate("read", SubIndication.GENERIC, f"cannot read the file: {exc.strerror}"),))
            continue
        yield verifier.verify(data, path=str(path))


def write_text(report: DocumentReport, out: TextIO, *, verbose: bool) -> None:
    mark = _MARKS[report.indication]
    sub = f" {report.sub_indication.value}" if report.sub_indication else ""
    out.write(f"{mark:<13} {report.path}{sub}: {report.message}\n")
    if report.sub_indication is not None:
        out.write(f"{'':<13} hint: {report.sub_indication.hint}\n")
    if verbose:
        for sig in report.signatures:
            who = f" by {sig.signer.subject}" if sig.signer else ""
            out.write(f"{'':<13} {sig.kind.value} {sig.id}{who}: {sig.indication.value}\n")
            for check in sig.checks:
                out.write(f"{'':<15} {check.indication.value:<13} {check.name}: {check.message}\n")


@main.command()
@click.argument("files", nargs=-1)
@click.option("--from-list", "from_list", metavar="FILE",
              help="Also verify the files named in FILE, one a line ('-' reads standard input).")
@click.option("--trust", "trust_paths", multiple=True, type=click.Path(exists=True),
              help="Trust anchor certificate(s): PEM/DER file or folder. Repeatable.")
@click.option("--intermediate", "intermediate_paths", multiple=True, type=click.Path(exists=True),
              help="Extra intermediate CA certificate(s) for path building.")
@click.option("--crl", "crl_paths", multiple=True, type=click.Path(exists=True), help="CRL file(s) (PEM or DER).")
@click.option("--ocsp", "ocsp_paths", multiple=True, type=click.Path(exists=True), help="OCSP response file(s) (DER).")
@click.option("--untrusted", is_flag=True,
              help="Verify without trust anchors: every check that does not need them is run; trust is INDETERMINATE.")
@click.option("--unsafe-accept-missing-revocation", is_flag=True,
              help="Accept certificates for which no CRL/OCSP data is available (weakens verification).")
@click.option("--validation-time", callback=parse_time, help="Validate as of this ISO 8601 time (default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write the report here (for jsonl: appended as results finish, the file --resume continues).")
@click.option("-v", "--verbose", is_flag=True, help="Text format: list every check of every signature.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on a Dask distributed cluster (extra [dask]).")
@click.option("--resume", is_flag=True, help="Skip files already in the --output JSON Lines file (same path, size and time).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Give a file that takes longer an INDETERMINATE report and go on.")
@click.option("--report-csv", type=click.Path(dir_okay=False), help="Also write a CSV report here.")
@click.option("--report-junit", type=click.Path(dir_okay=False), help="Also write a JUnit XML report here.")
@click.option("--report-html", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report here.")
def verify(
    files: tuple[str, ...],
    from_list: str | None,
    trust_paths: tuple[str, ...],
    intermediate_paths: tuple[str, ...],
    crl_paths: tuple[str, ...],
    ocsp_paths: tuple[str, ...],
    untrusted: bool,
    unsafe_accept_missing_revocation: bool,
    validation_time: datetime | None,
    fmt: str,
    output: str,
    verbose: bool,
    jobs: int | None,
    scheduler: str | None,
    resume: bool,
    timeout: float | None,
    report_csv: str | None,
    report_junit: str | None,
    report_html: str | None,
) -> None:
    """Verify the signatures and seals of PDF and OFD FILES: files, folders (recursive),
    globs ('docs/**/*.pdf') or fsspec URLs (s3://bucket/prefix/)."""
    from esealkit.batch.cli import BatchOptions, run_batch

    if not trust_paths and not untrusted:
        raise click.UsageError("give trust anchors with --trust (or --untrusted to verify without them)")
    if not files and from_list is None:
        raise click.UsageError("name the files or folders to verify (or --from-list FILE)")
    _check_inputs(files)
    if resume and (fmt != "jsonl" or output == "-"):
        raise click.UsageError("--resume continues a JSON Lines report: give --format jsonl --output FILE")
    trust = None
    if trust_paths:
        try:
            trust = Trust.load(trust_paths, intermediates=intermediate_paths, crls=crl_paths, ocsps=ocsp_paths)
        except PolicyError as exc:
            raise click.UsageError(str(exc)) from exc
    policy = ValidationPolicy(unsafe_accept_missing_revocation=unsafe_accept_missing_revocation)
    options = BatchOptions(files=files, from_list=from_list, fmt=fmt, output=output, verbose=verbose, jobs=jobs,
                           scheduler=scheduler, resume=resume, timeout=timeout, report_csv=report_csv,
                           report_junit=report_junit, report_html=report_html)
    sys.exit(run_batch(options, trust=trust, policy=policy, validation_time=validation_time))


def _check_inputs(files: Iterable[str]) -> None:
    """A plain local path that does not exist is a usage error (globs and URLs are not checked)."""
    from esealkit.batch.discovery import is_url

    for item in files:
        if is_url(item) or any(ch in item for ch in "*?["):
            continue
        local = item[len("file://"):] if item.startswith("file://") else item
        if not Path(local).exists():
            raise click.BadParameter(f"Path {item!r} does not exist.", param_hint="'FILES...'")


@main.command()
@click.option("--output-dir", type=click.Path(file_okay=False), default="demo-out", show_default=True,
              help="Scratch folder for the demo PKI and documents.")
def demo(output_dir: str) -> None:
    """Make a demo PKI and signed, sealed and tampered documents, then verify them."""
    from esealkit.demo import run_demo

    sys.exit(run_demo(Path(output_dir), sys.stdout))


def _register_subcommands() -> None:
    from esealkit.cli.licence import licence
    from esealkit.cli.registry import registry
    from esealkit.cli.seal import seal
    from esealkit.cli.sign import sign

    main.add_command(seal)
    main.add_command(sign)
    main.add_command(licence)
    main.add_command(registry)


_register_subcommands()
