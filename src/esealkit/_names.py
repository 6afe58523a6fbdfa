"""Readable X.509 names (证书名称) for reports: subjects and issuers of certificates.

    >>> name_text(certificate.subject)                            # doctest: +SKIP
    'Common Name: 淄博市周村区自然资源局, Country: CN'

Real certificates, Chinese government ones among them, put UTF-8 bytes in string types
that asn1crypto decodes otherwise, or carry attributes it cannot type: a name degrades
attribute by attribute instead of failing whole.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509

__all__ = ["NAME_ERRORS", "name_attributes", "name_text"]

# What asn1crypto raises on a value it cannot decode (its parsing is lazy).
NAME_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


def _value_text(value: Any) -> str:
    try:
        return str(value.native)
    except NAME_ERRORS:
        inner = getattr(value, "chosen", value)
        return bytes(inner.contents or b"").decode("utf-8", errors="replace")


def name_attributes(name: x509.Name) -> list[tuple[str, str, str]]:
    """(short key, human label, text) for each attribute, in DER order."""
    out = []
    for rdn in name.chosen:
        for atv in rdn:
            kind = atv["type"]
            key = kind.native if isinstance(kind.native, str) else kind.dotted
            out.append((key, str(kind.human_friendly), _value_text(atv["value"])))
    return out


def name_text(name: x509.Name) -> str:
    """asn1crypto's human-friendly form of a name, degrading attribute by attribute when a
    value does not decode (instead of failing the whole name), and to its DER in hex when
    even the attributes do not parse."""
    try:
        return str(name.human_friendly)
    except NAME_ERRORS:
        pass
    try:
        return ", ".join(f"{label}: {text}" for _, label, text in reversed(name_attributes(name)))
    except NAME_ERRORS:
        return "DER:" + bytes(name.dump()).hex()
