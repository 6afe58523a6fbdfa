"""``esealkit seal``: show and verify e-seal files (.esl, DER SES_Seal) and seal-signature files
(.dat, DER SES_Signature), told apart by content.

    esealkit seal make Seal.esl --es-id 33010600000001 --name 合同专用章 --type 4 \
        --maker-key maker.key --maker-cert maker.pem --signer-cert user.pem \
        --valid-from 2026-01-01T00:00:00+08:00 --valid-to 2028-01-01T00:00:00+08:00 --owner 某某有限公司
    esealkit seal show Seal.esl --format json
    esealkit seal verify SignedValue.dat --data Signature.xml --trust root.pem --format json
    esealkit seal register Seal.esl --db postgresql+psycopg://user@host/esealkit
    esealkit seal revoke 33010600000001 --reason "key lost" --at 2026-09-01T00:00:00+08:00
    esealkit seal revoke 33010600000001 --suspend --reason audit      # or --reactivate
    esealkit seal status 33010600000001 --format json

``verify`` prints the engine's report (the same JSON contract as ``esealkit verify``, with
format ``"seal"`` or ``"seal-signature"``).  Exit status: 0 passed, 1 did not pass, 2 usage
error.  The store commands (``register``, ``revoke``, ``status``) use the seal store in
``--db URL`` (default: the SQLite file esealkit.db; env ESEALKIT_DB); ``verify`` consults
a store only when given ``--db``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from esealkit.cli._options import load_private_key, parse_time, read_certificates, read_file
from esealkit.errors import MalformedInput, PolicyError
from esealkit.pki import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import Check, DocumentReport, SubIndication
from esealkit.seals import (
    Seal,
    SealSignature,
    detect_kind,
    parse_seal,
    parse_seal_signature,
    verify_seal,
    verify_seal_signature,
)
from esealkit.seals._checks import signer_summary
from esealkit.seals.owner import seal_owner

__all__ = ["seal", "seal_facts", "signature_facts"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cert_facts(der: bytes) -> dict[str, Any]:
    summary = signer_summary(der)
    if summary is None:
        return {"subject": None, "sha256": hashlib.sha256(der).hexdigest(), "parses": False}
    return summary.to_dict()


def seal_facts(seal: Seal) -> dict[str, Any]:
    """The fields ``seal show`` prints for a seal."""
    signers: list[dict[str, Any]] = [_cert_facts(c) for c in seal.signer_certs]
    signers += [{"digest_type": d.type, "digest": d.value.hex()} for d in seal.signer_cert_digests]
    return {
        "kind": "seal",
        "version": seal.version,
        "es_id": seal.es_id,
        "vendor_id": seal.vendor_id,
        "type": seal.type,
        "type_name": seal.type_name,
        "name": seal.name,
        "valid_from": _iso(seal.valid_from),
        "valid_to": _iso(seal.valid_to),
        "created": _iso(seal.created),
        "picture": {"type": seal.picture.type, "width_mm": seal.picture.width_mm,
                    "height_mm": seal.picture.height_mm, "bytes": len(seal.picture.data)},
        "maker": _cert_facts(seal.maker_cert),
        "sign_alg": seal.sign_alg,
        "cert_list_type": seal.cert_list_type,
        "signers": signers,
        "owner": _owner_facts(seal),
        "timestamp": seal.timestamp is not None,
    }


def _owner_facts(seal: Seal) -> dict[str, Any] | None:
    owner = seal_owner(seal)
    return None if owner is None else {"name": owner.name, "uscc": owner.uscc, "seal_code": owner.seal_code}


def signature_facts(sig: SealSignature) -> dict[str, Any]:
    """The fields ``seal show`` prints for a seal signature: the seal's, then the signature's."""
    facts = seal_facts(sig.seal)
    facts.update(
        {
            "kind": "seal-signature",
            "version": sig.version,
            "signing_time": _iso(sig.signing_time),
            "data_hash": sig.data_hash.hex(),
            "property_info": sig.property_info,
            "signer": _cert_facts(sig.signer_cert),
            "signature_alg": sig.sign_alg,
            "signature_timestamp": sig.timestamp is not None,
        }
    )
    return facts





def _write_text(facts: dict[str, Any], prefix: str = "") -> None:
    for key, value in facts.items():
        if isinstance(value, dict):
            click.echo(f"{prefix}{key}:")
            _write_text(value, prefix + "  ")
        elif isinstance(value, list):
            click.echo(f"{prefix}{key}: {len(value)}")
            for item in value:
                for index, (k, v) in enumerate(item.items()):
                    click.echo(f"{prefix}  {'- ' if index == 0 else '  '}{k}: {v}")
        else:
            click.echo(f"{prefix}{key}: {value}")


@click.group("seal")
def seal() -> None:
    """Make, show and verify e-seals (.esl) and seal signatures (.dat); keep seals in a seal store."""


@seal.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(file: str, fmt: str) -> None:
    """Print what a seal or seal-signature FILE says (nothing is verified)."""
    data = read_file(file)
    try:
        if detect_kind(data) == "seal":
            facts = seal_facts(parse_seal(data))
        else:
            facts = signature_facts(parse_seal_signature(data))
    except MalformedInput as exc:
        click.echo(f"{file}: not a seal or seal signature: {exc}", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        _write_text(facts)


@seal.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False),
              help="The signed original (for OFD: the Signature.xml) whose hash must equal dataHash.")
@click.option("--trust", "trust_paths", multiple=True, type=click.Path(exists=True),
              help="Trust anchor certificate(s): PEM/DER file or folder. Repeatable. Without it the "
                   "X.509 paths are INDETERMINATE and every other check still runs.")
@click.option("--intermediate", "intermediate_paths", multiple=True, type=click.Path(exists=True))
@click.option("--crl", "crl_paths", multiple=True, type=click.Path(exists=True))
@click.option("--ocsp", "ocsp_paths", multiple=True, type=click.Path(exists=True))
@click.option("--unsafe-accept-missing-revocation", is_flag=True,
              help="Accept certificates for which no CRL/OCSP data is available (weakens verification).")
@click.option("--validation-time", callback=parse_time,
              help="ISO 8601 time: a bare seal's validity and the X.509 paths are judged then (default: now "
                   "for a seal, the signing time for a signature).")
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Consult the seal store in this database for the seal's status (seal_status).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(file: str, data_path: str | None, trust_paths: tuple[str, ...], intermediate_paths: tuple[str, ...],
           crl_paths: tuple[str, ...], ocsp_paths: tuple[str, ...], unsafe_accept_missing_revocation: bool,
           validation_time: datetime | None, db_url: str | None, fmt: str) -> None:
    """Verify a seal or seal-signature FILE and print the report."""
    trust = None
    if trust_paths:
        try:
            trust = Trust.load(trust_paths, intermediates=intermediate_paths, crls=crl_paths, ocsps=ocsp_paths)
        except PolicyError as exc:
            raise click.UsageError(str(exc)) from exc
    policy = ValidationPolicy(unsafe_accept_missing_revocation=unsafe_accept_missing_revocation)
    store = _store(db_url) if db_url is not None else None
    data = read_file(file)
    try:
        kind = detect_kind(data)
    except MalformedInput as exc:
        report = DocumentReport(path=file, format="unknown", checks=(
            Check.failed("seal_format", SubIndication.FORMAT_FAILURE, f"not a seal or seal signature: {exc}"),))
    else:
        if kind == "seal":
            sig_report = verify_seal(data, at=validation_time, trust=trust, policy=policy, store=store)
            report = DocumentReport(path=file, format="seal", signatures=(sig_report,))
        else:
            signed = read_file(data_path) if data_path else None
            sig_report = verify_seal_signature(data, data=signed, at=validation_time, trust=trust, policy=policy,
                                               store=store)
            report = DocumentReport(path=file, format="seal-signature", signatures=(sig_report,))
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        sub = f" {report.sub_indication.value}" if report.sub_indication else ""
        click.echo(f"{report.indication.value}{sub}: {file}: {report.message}")
        if report.sub_indication is not None:
            click.echo(f"  hint: {report.sub_indication.hint}")
        for check in (*report.checks, *(c for s in report.signatures for c in s.checks)):
            click.echo(f"  {check.indication.value:<13} {check.name}: {check.message}")
    sys.exit(0 if report else 1)





@seal.command("make")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--es-id", required=True, help="Seal code (印章编码), e.g. 14 digits.")
@click.option("--name", required=True, help="Seal name (印章名称), e.g. 合同专用章.")
@click.option("--type", "type_", type=int, required=True, help="Seal type code (e.g. 1 法定名称章, 4 合同专用章).")
@click.option("--maker-key", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The seal maker's private key (PEM/DER, unencrypted).")
@click.option("--maker-cert", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--signer-cert", "signer_certs", multiple=True, required=True, type=click.Path(exists=True),
              help="Certificate allowed to use the seal. Repeatable.")
@click.option("--valid-from", required=True, callback=parse_time)
@click.option("--valid-to", required=True, callback=parse_time)
@click.option("--picture", "picture_path", type=click.Path(exists=True, dir_okay=False),
              help="Picture file (PNG/JPEG/GIF/BMP). Without it a round red seal is drawn.")
@click.option("--owner", help="Owner name drawn along the arc (default: from the signer certificate).")
@click.option("--size-mm", type=click.IntRange(1, 200), default=42, show_default=True)
@click.option("--vendor-id", default="ESEALKIT", show_default=True)
@click.option("--cert-list-type", type=click.Choice(["1", "2"]), default="1", show_default=True,
              help="1: list the signer certificates; 2: list their SM3 digests.")
@click.option("--version", type=click.Choice(["4", "5"]), default="4", show_default=True)
def make(output: str, es_id: str, name: str, type_: int, maker_key: str, maker_cert: str,
         signer_certs: tuple[str, ...], valid_from: datetime, valid_to: datetime, picture_path: str | None,
         owner: str | None, size_mm: int, vendor_id: str, cert_list_type: str, version: str) -> None:
    """Make an e-seal (.esl, DER SES_Seal) signed by the seal maker and write it to OUTPUT."""
    from esealkit.seals import SealPicture, certificate_owner, draw_round_seal, make_seal

    certs = read_certificates(signer_certs)
    if not certs:
        raise click.UsageError("no signer certificate found in the --signer-cert files")
    maker_der = read_certificates((maker_cert,))[0]
    if picture_path is not None:
        data = read_file(picture_path)
        kind = Path(picture_path).suffix.lstrip(".").upper() or "PNG"
        picture = SealPicture("JPG" if kind == "JPEG" else kind, data, size_mm, size_mm)
    else:
        found = certificate_owner(certs[0])
        owner_name = owner or (found.name if found else None) or ""
        picture = SealPicture("PNG", draw_round_seal(owner_name, name, es_id, diameter_mm=size_mm), size_mm, size_mm)
    try:
        made = make_seal(es_id=es_id, name=name, type=type_, maker_key=load_private_key(maker_key),
                         maker_cert_der=maker_der, signer_certs=certs, valid_from=valid_from, valid_to=valid_to,
                         picture=picture, vendor_id=vendor_id, cert_list_type=int(cert_list_type),
                         version=int(version))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    Path(output).write_bytes(made.der)
    click.echo(f"{output}: seal {made.es_id} ({made.name}), version {made.version}, "
               f"valid {made.valid_from.isoformat()} … {made.valid_to.isoformat()}")


def _store(db_url: str | None) -> Any:
    from esealkit.errors import StoreError
    from esealkit.store.db import open_database
    from esealkit.store.seals import SealStore

    try:
        return SealStore(open_database(db_url))
    except StoreError as exc:
        raise click.UsageError(str(exc)) from exc


_DB_HELP = "Database URL of the seal store (default: SQLite file esealkit.db in the working directory; env ESEALKIT_DB)."


@seal.command("register")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", metavar="URL", envvar="ESEALKIT_DB", default=None, help=_DB_HELP)
@click.option("--replace", is_flag=True, help="Replace a stored seal with the same es_id (its status history is kept).")
def register(files: tuple[str, ...], db_url: str | None, replace: bool) -> None:
    """Put seal FILES (.esl) in the seal store (印章库), active from their validFrom."""
    from esealkit.errors import StoreError

    store = _store(db_url)
    for file in files:
        try:
            stored = store.add(parse_seal(read_file(file)), replace=replace)
        except MalformedInput as exc:
            raise click.UsageError(f"{file}: not a seal: {exc}") from exc
        except StoreError as exc:
            raise click.UsageError(f"{file}: {exc}") from exc
        click.echo(f"{file}: seal {stored.es_id} ({stored.name}) is {stored.status}")


@seal.command("revoke")
@click.argument("es_id")
@click.option("--reason", help="Why (recorded in the status history). Required to revoke or suspend.")
@click.option("--at", "at", callback=parse_time, help="ISO 8601 time the change takes effect (default: now).")
@click.option("--suspend", "action", flag_value="suspended", help="Suspend (挂起) instead of revoking.")
@click.option("--reactivate", "action", flag_value="active", help="Make a suspended seal active again.")
@click.option("--db", "db_url", metavar="URL", envvar="ESEALKIT_DB", default=None, help=_DB_HELP)
def revoke(es_id: str, reason: str | None, at: datetime | None, action: str | None, db_url: str | None) -> None:
    """Revoke (吊销) the stored seal ES_ID; signatures made before AT stay valid."""
    from esealkit.errors import StoreError

    status = action or "revoked"
    if status != "active" and not reason:
        raise click.UsageError("give a --reason")
    try:
        stored = _store(db_url).set_status(es_id, status, at=at, reason=reason)
    except (StoreError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"seal {stored.es_id} ({stored.name}) is {stored.status} from {stored.status_since.isoformat()}")


@seal.command("status")
@click.argument("es_id")
@click.option("--db", "db_url", metavar="URL", envvar="ESEALKIT_DB", default=None, help=_DB_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(es_id: str, db_url: str | None, fmt: str) -> None:
    """Print the stored seal ES_ID's status and its history (exit 1 when unknown)."""
    store = _store(db_url)
    stored = store.get(es_id)
    if stored is None:
        click.echo(f"seal {es_id!r} is not in the store", err=True)
        sys.exit(1)
    facts = {
        "es_id": stored.es_id, "name": stored.name, "owner": stored.owner_name, "status": stored.status,
        "status_since": stored.status_since.isoformat(), "reason": stored.status_reason,
        "history": [{"status": e.status, "effective": e.effective.isoformat(), "reason": e.reason}
                    for e in store.history(es_id)],
    }
    if fmt == "json":
        click.echo(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        _write_text(facts)
