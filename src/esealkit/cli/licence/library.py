"""``esealkit licence``: check identifiers, keep the licence library (电子证照库), issue and verify.

Example::

    esealkit licence check-id 1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0
    esealkit licence check-id 91320115MA202UKD7X --kind uscc
    esealkit licence import licences.csv --db sqlite:///licences.db
    esealkit licence search --holder-id 11010519491231002X --format json
    esealkit licence show 1.2.156.3005.2.… --format xml
    esealkit licence revoke 1.2.156.3005.2.… --reason "吊销: 违法经营"
    esealkit licence types
    esealkit licence issue licences.csv --seal Seal.esl --key signer.key --cert signer.pem --out-dir out/
    esealkit licence verify out/1.2.156.3005.2.….ofd --trust root.pem --crl root.crl

Every library command takes ``--db URL`` (default: the SQLite file ``esealkit.db`` in the
working directory; env ``ESEALKIT_DB``).  Exit status: 0 done / valid, 1 invalid, not
found, refused or conflicting, 2 usage or database error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from esealkit.certs.catalogue import Catalogue, default_catalogue, load_catalogue
from esealkit.certs.identifiers import check_resident_id, check_uscc, parse_licence_id
from esealkit.certs.licence_io import read_licences
from esealkit.certs.model import LicenceStatus
from esealkit.cli._options import db_option
from esealkit.errors import InvalidIdentifier, MalformedInput, StoreError
from esealkit.store.licences import LicenceLibrary, LicenceNotFound, LicenceRecord

__all__ = ["licence"]

F = TypeVar("F", bound=Callable[..., Any])
_SHOWN = 20





def _format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True
    )


def _library(db_url: str | None) -> LicenceLibrary:
    try:
        return LicenceLibrary.open(db_url)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc


@click.group(name="licence")
def licence() -> None:
    """E-licences (电子证照): identifiers, the licence library, the types catalogue."""


@licence.command(name="check-id")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(["auto", "licence", "uscc", "resident-id"]),
    default="auto",
    show_default=True,
    help="What TEXT is; auto: a licence identifier if it has dots, else a USCC or resident ID.",
)
@click.option(
    "--lenient", is_flag=True, help="Accept known non-conforming vendor identifier variants."
)
def check_id(text: str, kind: str, lenient: bool) -> None:
    """Validate a licence identifier (GB/T 36904), USCC (GB 32100) or resident ID (GB 11643).

    Exit 0 when valid (the parts go to stdout), 1 when invalid (the failing character
    position and rule go to stderr).
    """
    if kind == "auto":
        kind = "licence" if "." in text else "uscc-or-id"
    try:
        if kind == "licence":
            lid = parse_licence_id(text, strict=not lenient)
            status = "valid" if lid.conforming else "accepted (non-conforming)"
            click.echo(f"{status} licence identifier")
            for name in ("type_code", "issuer_code", "serial", "version", "check"):
                click.echo(f"  {name:<12} {getattr(lid, name)}")
            if lid.note:
                click.echo(f"  note         {lid.note}")
        elif kind == "uscc":
            click.echo(f"valid unified social credit code: {check_uscc(text)}")
        elif kind == "resident-id":
            click.echo(f"valid resident identity number: {check_resident_id(text)}")
        else:
            click.echo(_uscc_or_resident_id(text))
    except InvalidIdentifier as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)


def _uscc_or_resident_id(text: str) -> str:
    try:
        return f"valid unified social credit code: {check_uscc(text)}"
    except InvalidIdentifier as as_uscc:
        try:
            return f"valid resident identity number: {check_resident_id(text)}"
        except InvalidIdentifier as as_id:
            if any(char not in "0123456789" for char in text[:17]):  # only a USCC has letters there
                raise as_uscc from None
            raise InvalidIdentifier(
                f"neither a USCC ({as_uscc}) nor a resident ID ({as_id})",
                position=as_id.position,
                rule=as_id.rule,
            ) from None


@licence.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--lenient", is_flag=True, help="Accept vendor-variant identifiers.")
@click.option(
    "--catalogue",
    "catalogue_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check every licence against this licence types catalogue (JSON or CSV).",
)
@click.option("--actor", help="Who imports (recorded in each licence's history).")
def import_(
    file: Path, db_url: str | None, lenient: bool, catalogue_path: Path | None, actor: str | None
) -> None:
    """Import licences from a .csv, .json or .jsonl FILE; idempotent by identifier.

    The whole file is checked first; nothing is written if any licence is malformed.
    Exit 1 if the file is rejected or some identifiers are held with different data.
    """
    try:
        catalogue = load_catalogue(catalogue_path) if catalogue_path else None
        licences = list(read_licences(file, strict=not lenient))
        if catalogue is not None:
            for index, item in enumerate(licences, start=1):
                try:
                    catalogue.check_licence(item)
                except MalformedInput as exc:
                    raise MalformedInput(f"licence {index} ({item.id}): {exc}") from exc
    except (MalformedInput, OSError) as exc:
        click.echo(f"rejected: {exc}", err=True)
        sys.exit(1)
    library = _library(db_url)
    try:
        result = library.ingest(licences, actor=actor)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    finally:
        library.database.dispose()
    click.echo(
        f"{len(licences)} licence(s): {len(result.added)} added, {len(result.unchanged)} "
        f"already held, {len(result.conflicts)} held with different data"
    )
    for identifier in result.conflicts[:_SHOWN]:
        click.echo(f"conflict: {identifier} is held with different data (kept)", err=True)
    sys.exit(1 if result.conflicts else 0)


def _record_dict(record: LicenceRecord) -> dict[str, Any]:
    return {
        "licence": record.licence.to_dict(),
        "superseded_by": record.superseded_by,
        "recorded_at": record.recorded_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def _line(record: LicenceRecord) -> str:
    item = record.licence
    return f"{item.status.value:<10} {item.id}  {item.type_name}  {item.holder.name}  {item.number}"


@licence.command()
@db_option
@click.option("--holder-id", help="Holder's ID number (USCC, resident ID, …).")
@click.option("--holder-name", help="Holder's name, exactly.")
@click.option("--type", "type_code", help="Licence type code (21 characters).")
@click.option("--issuer", "issuer_code", help="Issuing authority's USCC.")
@click.option("--status", type=click.Choice([s.value for s in LicenceStatus]))
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@_format_option("text", "json")
def search(
    db_url: str | None,
    holder_id: str | None,
    holder_name: str | None,
    type_code: str | None,
    issuer_code: str | None,
    status: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Find licences by holder, type, issuer and status (all given criteria must match)."""
    library = _library(db_url)
    try:
        records = library.find(
            holder_id=holder_id,
            holder_name=holder_name,
            type_code=type_code,
            issuer_code=issuer_code,
            status=None if status is None else LicenceStatus(status),
            limit=limit,
        )
    finally:
        library.database.dispose()
    if fmt == "json":
        click.echo(json.dumps([_record_dict(r) for r in records], ensure_ascii=False, indent=2))
    else:
        for record in records:
            click.echo(_line(record))
        click.echo(f"{len(records)} licence(s)")


@licence.command()
@click.argument("identifier")
@db_option
@_format_option("text", "json", "xml")
def show(identifier: str, db_url: str | None, fmt: str) -> None:
    """Show one licence with its history and usage; exit 1 if the library lacks it."""
    library = _library(db_url)
    try:
        record = library.get(identifier)
        if record is None:
            click.echo(f"not found: the licence library holds no licence {identifier!r}", err=True)
            sys.exit(1)
        history = library.history(identifier)
        usage = library.usage(identifier=identifier)
    finally:
        library.database.dispose()
    if fmt == "xml":
        click.echo(record.licence.to_xml().decode("utf-8"), nl=False)
        return
    if fmt == "json":
        data = _record_dict(record)
        data["history"] = [
            {"at": h.at.isoformat(), "action": h.action, "actor": h.actor, "detail": h.detail}
            for h in history
        ]
        data["usage"] = [
            {"at": u.used_at.isoformat(), "matter_code": u.matter_code, "used_by": u.used_by}
            for u in usage
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    item = record.licence
    validity = f"{item.validity.start} – {item.validity.end or '长期 (long-term)'}"
    for label, value in (
        ("identifier", item.id),
        ("type", f"{item.type_name} ({item.type_code})"),
        ("number", item.number),
        ("holder", f"{item.holder.name} ({item.holder.id_type_name} {item.holder.id_number})"),
        ("issuer", f"{item.issuer.name} ({item.issuer.code})"),
        ("issued", str(item.issue_date)),
        ("validity", validity),
        ("status", item.status.value),
        ("superseded by", record.superseded_by or "-"),
        *((f"  {key}", value) for key, value in item.fields.items()),
    ):
        click.echo(f"{label:<14} {value}")
    for entry in history:
        reason = entry.detail.get("reason") or entry.detail.get("by") or ""
        click.echo(f"history        {entry.at.isoformat()} {entry.action} {reason}".rstrip())
    click.echo(f"used           {len(usage)} time(s)")


@licence.command()
@click.argument("identifier")
@click.option("--reason", required=True, help="Why (recorded in the licence's history).")
@click.option("--actor", help="Who revokes.")
@db_option
def revoke(identifier: str, reason: str, actor: str | None, db_url: str | None) -> None:
    """Revoke a valid licence; exit 1 if it is unknown or not valid."""
    library = _library(db_url)
    try:
        record = library.revoke(identifier, reason=reason, actor=actor)
    except LicenceNotFound as exc:
        click.echo(f"not found: {exc}", err=True)
        sys.exit(1)
    except StoreError as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    finally:
        library.database.dispose()
    click.echo(f"revoked {record.identifier}")


@licence.command()
@click.option(
    "--catalogue",
    "catalogue_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A catalogue file (default: the starter catalogue shipped with esealkit).",
)
@_format_option("text", "json", "csv")
def types(catalogue_path: Path | None, fmt: str) -> None:
    """List the licence types catalogue (证照目录)."""
    try:
        catalogue: Catalogue = (
            load_catalogue(catalogue_path) if catalogue_path else default_catalogue()
        )
    except MalformedInput as exc:
        click.echo(f"rejected: {exc}", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(catalogue.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(catalogue.to_csv(), nl=False)
    else:
        for item in catalogue:
            mark = " (illustrative code)" if item.illustrative else ""
            click.echo(
                f"{item.code}  {item.name}  [{item.department_name}, {item.holder_kind}]{mark}"
            )
