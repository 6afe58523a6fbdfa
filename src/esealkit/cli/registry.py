"""``esealkit registry``: import the matter registry, show KPIs, plan, write the report.

Example::

    esealkit registry import exports/            # matters.csv, licence_types.xlsx, ...
    esealkit registry status --as-of 2026-06-30 --format json
    esealkit registry plan --target 150
    esealkit registry report --output report.html

Every command takes ``--db URL`` (default: the SQLite file ``esealkit.db`` in the working
directory; PostgreSQL: ``postgresql+psycopg://user@host/name``). Exit status: 0 done,
1 the import was rejected, 2 usage or database error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from esealkit.cli._options import db_option
from esealkit.errors import StoreError
from esealkit.registry.errors import ImportRejected
from esealkit.registry.html_report import render_html
from esealkit.registry.kpis import KpiReport, compute_kpis
from esealkit.registry.planning import Plan, plan
from esealkit.registry.qualification import QualificationPolicy
from esealkit.registry.reports import (
    plan_json,
    render_plan_text,
    render_status_text,
    status_json,
)
from esealkit.store.db import Database, open_database
from esealkit.store.registry import import_directory, load_snapshot

__all__ = ["registry"]

F = TypeVar("F", bound=Callable[..., Any])
_SHOWN_ERRORS = 50





def _policy_options(function: F) -> F:
    function = click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Evaluation date YYYY-MM-DD (default: today); later events are not counted.",
    )(function)
    return click.option(
        "--cut-off",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Licences issued since this date must be in the library (default 2021-06-01).",
    )(function)


def _open(db_url: str | None) -> Database:
    db = open_database(db_url)
    db.create_all()
    return db


def _evaluate(db_url: str | None, as_of: Any, cut_off: Any) -> KpiReport:
    policy = QualificationPolicy()
    if cut_off is not None:
        policy = replace(policy, cut_off=cut_off.date())
    day = as_of.date() if as_of is not None else date.today()
    db = _open(db_url)
    try:
        with db.session() as session:
            snapshot = load_snapshot(session, day)
    finally:
        db.dispose()
    return compute_kpis(snapshot, policy)


def _plan(report: KpiReport, target: int | None) -> Plan:
    goal = target if target is not None else report.policy.certificate_free_target
    return plan(report.qualification, report.licence_types, goal)


def _fail(exc: StoreError) -> None:
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(2)


@click.group(name="registry")
def registry() -> None:
    """Government service matters (政务服务事项): certificate-free status, KPIs, planning."""


@registry.command(name="import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
def import_command(directory: Path, db_url: str | None) -> None:
    """Import licence_types, matters, licence_events and enterprises (.csv or .xlsx) from
    DIRECTORY. Each file is all-or-nothing: one bad row and nothing of it is stored."""
    try:
        db = _open(db_url)
    except StoreError as exc:
        _fail(exc)
        return
    try:
        summary = import_directory(db, directory)
    except ImportRejected as rejected:
        click.echo(
            f"import rejected: {len(rejected.errors)} error(s); nothing stored from "
            f"{', '.join(sorted({e.file for e in rejected.errors}))}",
            err=True,
        )
        for error in rejected.errors[:_SHOWN_ERRORS]:
            click.echo(f"  {error}", err=True)
        if len(rejected.errors) > _SHOWN_ERRORS:
            click.echo(f"  ... and {len(rejected.errors) - _SHOWN_ERRORS} more", err=True)
        raise SystemExit(1) from None
    except StoreError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    if not summary.counts:
        click.echo(f"no interchange file found in {directory}", err=True)
        raise SystemExit(2)
    for kind, count in summary.counts.items():
        click.echo(f"{kind}: {count} record(s) imported")


@registry.command(name="status")
@_policy_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@db_option
def status_command(as_of: Any, cut_off: Any, output_format: str, db_url: str | None) -> None:
    """Show every KPI against its target, in total, by department and by county."""
    try:
        report = _evaluate(db_url, as_of, cut_off)
    except StoreError as exc:
        _fail(exc)
        return
    if output_format == "json":
        click.echo(json.dumps(status_json(report), ensure_ascii=False, indent=2))
    else:
        click.echo(render_status_text(report), nl=False)


@registry.command(name="plan")
@click.option(
    "--target",
    type=click.IntRange(min=0),
    default=None,
    help="Certificate-free matters to reach (default: the policy's 150).",
)
@_policy_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@db_option
def plan_command(
    target: int | None, as_of: Any, cut_off: Any, output_format: str, db_url: str | None
) -> None:
    """Rank licence types to make available next, and a set that reaches the target."""
    try:
        report = _evaluate(db_url, as_of, cut_off)
    except StoreError as exc:
        _fail(exc)
        return
    result = _plan(report, target)
    if output_format == "json":
        click.echo(json.dumps(plan_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(render_plan_text(result), nl=False)


@registry.command(name="report")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--target",
    type=click.IntRange(min=0),
    default=None,
    help="Certificate-free matters to plan for (default: the policy's 150).",
)
@_policy_options
@db_option
def report_command(
    output: Path, target: int | None, as_of: Any, cut_off: Any, db_url: str | None
) -> None:
    """Write a self-contained HTML report with charts (no external resources)."""
    try:
        report = _evaluate(db_url, as_of, cut_off)
    except StoreError as exc:
        _fail(exc)
        return
    output.write_text(render_html(report, _plan(report, target)), encoding="utf-8")
    click.echo(f"report written to {output}")
