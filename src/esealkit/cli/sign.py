"""``esealkit sign``: seal a PDF (PDF 盖章) with an e-seal and the signer's key.

    esealkit sign contract.pdf --seal Seal.esl --key user.key --cert user.pem \
        --keyword "（盖章）" --output contract-sealed.pdf
    esealkit sign contract.pdf --seal Seal.esl --key user.key --cert user.pem --chain ca.pem \
        --page 2 --x 150 --y 230 --tsa-url http://tsa.example/tsr --crl ca.crl --output out.pdf
    esealkit sign contract.pdf --seal Seal.esl --key user.key --cert user.pem --cross-page --output out.pdf

Placement: ``--page N --x MM --y MM`` (the stamp's centre, in mm from the top left of page
N, counted from 1), ``--keyword TEXT`` (centred on the first occurrence, ``--every`` on
each), or ``--cross-page`` (骑缝章, strips on the right edge of every page).  Without any, the
stamp goes to the lower right of page 1.  ``--tsa-url`` adds an RFC 3161 signature
timestamp (PAdES B-T); ``--crl``/``--ocsp`` files are embedded in the DSS (B-LT).
Exit status: 0 sealed, 2 usage error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from esealkit.cli._options import load_private_key, read_certificates, read_file
from esealkit.errors import MalformedInput, PolicyError
from esealkit.seals import parse_seal

__all__ = ["sign"]


@click.command("sign")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False))
@click.option("--seal", "seal_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The e-seal (.esl, DER SES_Seal) whose picture is stamped.")
@click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The signer's private key (PEM/DER, unencrypted; SM2 keys too).")
@click.option("--cert", "cert_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The signer's certificate: one the seal lists.")
@click.option("--chain", "chain_paths", multiple=True, type=click.Path(exists=True),
              help="Intermediate CA certificates to embed. Repeatable.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page number, from 1.")
@click.option("--x", "x_mm", type=float, help="The stamp's centre, mm from the left edge.")
@click.option("--y", "y_mm", type=float, help="The stamp's centre, mm from the top edge.")
@click.option("--keyword", help="Centre the stamp on this text, e.g. （盖章）.")
@click.option("--every", is_flag=True, help="With --keyword: a stamp on every occurrence.")
@click.option("--cross-page", is_flag=True, help="Cross-page seal (骑缝章) on the right edges of all pages.")
@click.option("--tsa-url", help="RFC 3161 timestamp authority URL (PAdES B-T).")
@click.option("--crl", "crl_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="CRL to embed in the DSS (PAdES B-LT). Repeatable.")
@click.option("--ocsp", "ocsp_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="DER OCSP response to embed in the DSS (PAdES B-LT). Repeatable.")
@click.option("--field-name", help="Signature field name (default Seal, Seal_1, …).")
@click.option("--reason", help="The /Reason of the signature.")
@click.option("--location", help="The /Location of the signature.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True))
def sign(pdf: str, seal_path: str, key_path: str, cert_path: str, chain_paths: tuple[str, ...], page: int,
         x_mm: float | None, y_mm: float | None, keyword: str | None, every: bool, cross_page: bool,
         tsa_url: str | None, crl_paths: tuple[str, ...], ocsp_paths: tuple[str, ...], field_name: str | None,
         reason: str | None, location: str | None, output: str) -> None:
    """Seal PDF with an e-seal: a PAdES signature whose stamp is the seal's picture."""
    from esealkit.pdf.seal import seal_pdf
    from esealkit.pki import read_der_objects

    if (x_mm is None) != (y_mm is None):
        raise click.UsageError("give both --x and --y")
    if every and keyword is None:
        raise click.UsageError("--every needs --keyword")
    try:
        seal = parse_seal(read_file(seal_path))
    except MalformedInput as exc:
        raise click.UsageError(f"{seal_path}: not a seal: {exc}") from exc
    now = datetime.now(UTC)
    if not seal.valid_from <= now <= seal.valid_to:
        raise click.UsageError(f"the seal is not valid now (valid {seal.valid_from.isoformat()} … "
                               f"{seal.valid_to.isoformat()})")
    certs = read_certificates((cert_path,))
    if not certs:
        raise click.UsageError(f"{cert_path}: no certificate found")
    timestamper = None
    if tsa_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(tsa_url)
    revocation = None
    if crl_paths or ocsp_paths:
        try:
            crls = [der for path in crl_paths for der in read_der_objects(path, kind="CRL")]
            ocsps = [der for path in ocsp_paths for der in read_der_objects(path, kind="OCSP response")]
        except PolicyError as exc:
            raise click.UsageError(str(exc)) from exc
        revocation = (crls, ocsps)
    try:
        sealed = seal_pdf(
            read_file(pdf), seal, load_private_key(key_path), certs[0], chain=read_certificates(chain_paths),
            page=page, x_mm=x_mm, y_mm=y_mm, keyword=keyword, every_occurrence=every, cross_page=cross_page,
            timestamper=timestamper, embed_revocation=revocation, field_name=field_name, reason=reason,
            location=location,
        )
    except (ValueError, MalformedInput) as exc:
        raise click.UsageError(str(exc)) from exc
    Path(output).write_bytes(sealed)
    click.echo(f"{output}: sealed with seal {seal.es_id} ({seal.name})")
