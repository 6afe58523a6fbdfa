"""Hypothesis strategies for valid Chinese identifiers, built from the check algorithms."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from esealkit.certs.checkcodes import (
    ALNUM36,
    GB32100_ALPHABET,
    gb11643_check_char,
    gb11714_check_char,
    gb32100_check_char,
)
from esealkit.certs.identifiers import LicenceId
from esealkit.certs.model import Holder, HolderKind, Issuer, Licence, LicenceStatus, Validity

PROVINCES = ["11", "31", "32", "33", "37", "44", "50", "53", "65", "81"]


@st.composite
def usccs(draw: st.DrawFn) -> str:
    head = draw(st.text(GB32100_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text("0123456789", min_size=6, max_size=6))
    org = draw(st.text(GB32100_ALPHABET, min_size=8, max_size=8))
    body = head + division + org + gb11714_check_char(org)
    return body + gb32100_check_char(body)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    body = province + rest + birth.strftime("%Y%m%d") + sequence
    return body + gb11643_check_char(body)


@st.composite
def licence_ids(draw: st.DrawFn) -> LicenceId:
    type_code = draw(usccs()) + draw(st.text("0123456789", min_size=3, max_size=3))
    serial = draw(st.text(ALNUM36, min_size=1, max_size=32))
    version = draw(st.text("0123456789", min_size=3, max_size=3))
    return LicenceId.build(type_code, draw(usccs()), serial, version)


_TEXT_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"
)
names = st.text(_TEXT_CHARS, min_size=1, max_size=30).filter(lambda s: s.strip() != "")
multiline = st.text(st.one_of(_TEXT_CHARS, st.sampled_from("\n\t")), max_size=40)
field_keys = st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True)


@st.composite
def holders(draw: st.DrawFn) -> Holder:
    if draw(st.booleans()):
        return Holder(draw(names), HolderKind.PERSON, "111", draw(resident_ids()))
    if draw(st.booleans()):
        return Holder(draw(names), HolderKind.ORGANISATION, "001", draw(usccs()))
    id_type = draw(st.sampled_from(["414", "516", "990"]))
    return Holder(draw(names), HolderKind.PERSON, id_type, draw(names))


@st.composite
def licences(draw: st.DrawFn) -> Licence:
    lid = draw(licence_ids())
    start = draw(st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)))
    end = draw(st.one_of(st.none(), st.dates(start, dt.date(2099, 12, 31))))
    return Licence(
        type_code=lid.type_code,
        type_name=draw(names),
        identifier=lid,
        number=draw(names),
        holder=draw(holders()),
        issuer=Issuer(draw(names), lid.issuer_code),
        issue_date=draw(st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1))),
        validity=Validity(start, end),
        status=draw(st.sampled_from(LicenceStatus)),
        fields=draw(st.dictionaries(field_keys, multiline, max_size=5)),
    )
