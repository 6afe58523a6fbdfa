"""``esealkit seal``: show and verify e-seal files (.esl, DER SES_Seal) and seal-signature files
(.dat, DER SES_Signature), told apart by content.

    esealkit seal show Seal.esl --format json
    esealkit seal verify SignedValue.dat --data Signature.xml --trust root.pem --format json

``verify`` prints the engine's report (the same JSON contract as ``esealkit verify``, with
format ``"seal"`` or ``"seal-signature"``).  Exit status: 0 passed, 1 did not pass, 2 usage
error.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

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


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc


def _parse_time(_: click.Context, __: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-01-01T12:00:00+08:00")
    return parsed


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
    """Show and verify e-seals (.esl) and seal signatures (.dat)."""


@seal.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(file: str, fmt: str) -> None:
    """Print what a seal or seal-signature FILE says (nothing is verified)."""
    data = _read(file)
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
@click.option("--validation-time", callback=_parse_time,
              help="ISO 8601 time: a bare seal's validity and the X.509 paths are judged then (default: now "
                   "for a seal, the signing time for a signature).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(file: str, data_path: str | None, trust_paths: tuple[str, ...], intermediate_paths: tuple[str, ...],
           crl_paths: tuple[str, ...], ocsp_paths: tuple[str, ...], unsafe_accept_missing_revocation: bool,
           validation_time: datetime | None, fmt: str) -> None:
    """Verify a seal or seal-signature FILE and print the report."""
    trust = None
    if trust_paths:
        try:
            trust = Trust.load(trust_paths, intermediates=intermediate_paths, crls=crl_paths, ocsps=ocsp_paths)
        except PolicyError as exc:
            raise click.UsageError(str(exc)) from exc
    policy = ValidationPolicy(unsafe_accept_missing_revocation=unsafe_accept_missing_revocation)
    data = _read(file)
    try:
        kind = detect_kind(data)
    except MalformedInput as exc:
        report = DocumentReport(path=file, format="unknown", checks=(
            Check.failed("seal_format", SubIndication.FORMAT_FAILURE, f"not a seal or seal signature: {exc}"),))
    else:
        if kind == "seal":
            sig_report = verify_seal(data, at=validation_time, trust=trust, policy=policy)
            report = DocumentReport(path=file, format="seal", signatures=(sig_report,))
        else:
            signed = _read(data_path) if data_path else None
            sig_report = verify_seal_signature(data, data=signed, at=validation_time, trust=trust, policy=policy)
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
