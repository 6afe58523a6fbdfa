"""Exception hierarchy (异常).

Exceptions are for misuse and for input that cannot be used at all; a signature that
does not verify is a report, never an exception.  Every esealkit exception derives from
:class:`EsealkitError`; subclasses say whose fault it is.
"""

from __future__ import annotations

__all__ = [
    "EsealkitError",
    "InvalidIdentifier",
    "MalformedInput",
    "PolicyError",
    "StoreError",
]


class EsealkitError(Exception):
    """Root of every exception raised by esealkit."""


class MalformedInput(EsealkitError):
    """The document, structure or file given cannot be parsed (the input's fault).

    Inside the verification engines this is turned into a ``FORMAT_FAILURE`` check; it
    only reaches callers from the plain parsers (``parse_seal`` and friends).
    """


class PolicyError(EsealkitError):
    """The trust configuration or policy is unusable (the caller's configuration's fault),
    e.g. no trust anchors were given, or a trust anchor file does not parse."""


class InvalidIdentifier(EsealkitError, ValueError):
    """An identifier or check code (licence identifier, USCC, resident ID) is invalid.

    ``position`` is the 1-based character position that failed (``None`` when the whole
    value is wrong, e.g. its length) and ``rule`` names the rule that failed.
    """

    def __init__(self, message: str, *, position: int | None = None, rule: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.rule = rule


class StoreError(EsealkitError):
    """A storage operation failed (database unreachable, constraint violated, bad import)."""
