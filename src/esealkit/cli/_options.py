"""Options and readers shared by the ``esealkit`` subcommands (one way to read a time, a
key, a certificate or a database URL from the command line)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from esealkit.errors import PolicyError

__all__ = ["db_option", "load_private_key", "parse_time", "read_certificates", "read_file"]

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """``--db URL`` (env ``ESEALKIT_DB``; default: the SQLite file esealkit.db here)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="ESEALKIT_DB",
        default=None,
        help="Database URL (default: SQLite file esealkit.db in the working directory; env ESEALKIT_DB).",
    )(function)


def parse_time(_: click.Context, __: click.Parameter, value: str | None) -> datetime | None:
    """A click callback: an ISO 8601 time with a time zone, or None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-01-01T12:00:00+08:00")
    return parsed


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc


def load_private_key(path: str) -> Any:
    """A PEM or DER private key (PKCS#8 or traditional, unencrypted); SM2 keys through tongsuopy."""
    from cryptography.exceptions import UnsupportedAlgorithm as CryptographyUnsupported
    from cryptography.hazmat.primitives import serialization

    data = read_file(path)
    loaders = (serialization.load_pem_private_key, serialization.load_der_private_key)
    for load in loaders:
        try:
            return load(data, password=None)
        except CryptographyUnsupported:
            break  # an SM2 key: cryptography knows the format but not the curve
        except (ValueError, TypeError):
            continue
    try:
        from tongsuopy.crypto import serialization as sm_serialization
    except ImportError:
        raise click.UsageError(f"{path}: not a private key cryptography can read (SM2 needs tongsuopy)") from None
    for sm_load in (sm_serialization.load_pem_private_key, sm_serialization.load_der_private_key):
        try:
            return sm_load(data, password=None)
        except (ValueError, TypeError):
            continue
    raise click.UsageError(f"{path}: not an unencrypted PEM or DER private key")


def read_certificates(paths: tuple[str, ...]) -> list[bytes]:
    from esealkit.pki import read_der_objects

    try:
        return [der for path in paths for der in read_der_objects(path, kind="certificate")]
    except PolicyError as exc:
        raise click.UsageError(str(exc)) from exc
