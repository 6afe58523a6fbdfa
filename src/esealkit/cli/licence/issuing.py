"""``esealkit licence issue`` and ``esealkit licence verify`` (registered on the group)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from esealkit.certs.catalogue import default_catalogue, load_catalogue
from esealkit.cli._options import db_option, load_private_key, read_certificates
from esealkit.cli.licence.library import _format_option, _library, licence
from esealkit.errors import MalformedInput, StoreError

__all__ = ["issue", "verify"]


@licence.command()
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--seal",
    "seal_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The issuing agency's e-seal (.esl, DER SES_Seal).",
)
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The signer's private key (PEM/DER, unencrypted; SM2 with tongsuopy).",
)
@click.option(
    "--cert",
    "cert_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The signer's certificate: one the seal lists.",
)
@click.option(
    "--chain",
    "chain_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Intermediate CA certificate(s) to embed in the PDF signature.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where <identifier>.ofd and <identifier>.pdf go.",
)
@click.option(
    "--catalogue",
    "catalogue_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Licence types catalogue (default: the starter catalogue).",
)
@click.option("--no-library", is_flag=True, help="Do not record the licences in the library.")
@db_option
def issue(
    data_file: Path,
    seal_path: str,
    key_path: str,
    cert_path: str,
    chain_paths: tuple[str, ...],
    out_dir: Path,
    catalogue_path: Path | None,
    no_library: bool,
    db_url: str | None,
) -> None:
    """Issue licences from DATA_FILE (.json: one or a list; .csv: bulk), sealed OFD and PDF.

    Every licence is checked before the first one is issued; exit 1 if any is refused.
    """
    from esealkit.certs.issue import issue_licence, licence_from_data, read_issuance_data
    from esealkit.seals import parse_seal

    try:
        catalogue = load_catalogue(catalogue_path) if catalogue_path else default_catalogue()
        items = read_issuance_data(data_file)
        for item in items:
            licence_from_data(item, catalogue=catalogue, serial="CHECK")
        seal = parse_seal(Path(seal_path).read_bytes())
    except (MalformedInput, OSError, ValueError) as exc:
        click.echo(f"rejected: {exc}", err=True)
        sys.exit(1)
    key, certs, chain = (
        load_private_key(key_path),
        read_certificates((cert_path,)),
        read_certificates(chain_paths),
    )
    library = None if no_library else _library(db_url)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for item in items:
            issued = issue_licence(
                item, seal, key, certs[0], chain=chain, catalogue=catalogue, library=library
            )
            for suffix, content in (("ofd", issued.ofd), ("pdf", issued.pdf)):
                (out_dir / f"{issued.licence.id}.{suffix}").write_bytes(content)
            click.echo(
                f"issued {issued.licence.id}  {issued.licence.type_name}  {issued.licence.holder.name}"
            )
    except (MalformedInput, StoreError, ValueError) as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    finally:
        if library is not None:
            library.database.dispose()


@licence.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@db_option
@click.option(
    "--no-library",
    is_flag=True,
    help="Do not look the licence up (those checks are INDETERMINATE).",
)
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Trust anchor certificate(s) (PEM/DER file or folder). Repeatable.",
)
@click.option(
    "--crl", "crl_paths", multiple=True, type=click.Path(exists=True), help="CRL file(s)."
)
@click.option(
    "--untrusted", is_flag=True, help="Verify without trust anchors (trust is INDETERMINATE)."
)
@click.option("--lenient", is_flag=True, help="Accept vendor-variant identifiers.")
@_format_option("text", "json")
def verify(
    files: tuple[Path, ...],
    db_url: str | None,
    no_library: bool,
    trust_paths: tuple[str, ...],
    crl_paths: tuple[str, ...],
    untrusted: bool,
    lenient: bool,
    fmt: str,
) -> None:
    """Verify presented licence FILES (PDF or OFD): seal, identifier, library record, status, validity.

    Exit 0 when every file passed, 1 otherwise.
    """
    from esealkit.certs.verify import verify_licence
    from esealkit.errors import PolicyError
    from esealkit.pki import Trust

    if not trust_paths and not untrusted:
        raise click.UsageError(
            "give trust anchors with --trust (or --untrusted to verify without them)"
        )
    try:
        trust = Trust.load(trust_paths, crls=crl_paths) if trust_paths else None
    except PolicyError as exc:
        raise click.UsageError(str(exc)) from exc
    library = None if no_library else _library(db_url)
    reports = []
    try:
        for path in files:
            reports.append(verify_licence(path, library=library, trust=trust, strict=not lenient))
    finally:
        if library is not None:
            library.database.dispose()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            click.echo(f"{report.indication.value:<13} {report.path}: {report.message}")
            for check in (*(c for s in report.signatures for c in s.checks), *report.checks):
                sub = f" [{check.sub_indication.value}]" if check.sub_indication else ""
                click.echo(f"  {check.indication.value:<13} {check.name}{sub}: {check.message}")
    sys.exit(0 if all(reports) else 1)
