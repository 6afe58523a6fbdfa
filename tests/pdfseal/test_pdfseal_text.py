"""Locating text on PDF pages (esealkit.pdf.text), and the runnable docstring examples."""

from __future__ import annotations

import doctest
import importlib
import io

import pikepdf
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pdfseal_helpers import cjk_pdf

from esealkit.errors import MalformedInput
from esealkit.pdf.text import find_text, page_boxes
from esealkit.testing import simple_pdf

# Helvetica advance widths (1/1000 em) of the characters used below, from Adobe's AFM
_W = {"S": 667, "i": 222, "g": 556, "n": 556, "e": 556, "d": 556, ":": 278, " ": 278, "(": 333, ")": 333,
      "a": 556, "l": 222, "h": 556, "r": 333}


def _width(text: str, size: float) -> float:
    return sum(_W[c] for c in text) * size / 1000


def test_ascii_text_in_a_standard_font() -> None:
    [hit] = find_text(simple_pdf(["Signed: (Seal here)"]), "(Seal here)")
    assert hit.page == 0
    assert hit.x0 == pytest.approx(72 + _width("Signed: ", 12))
    assert hit.x1 == pytest.approx(72 + _width("Signed: (Seal here)", 12))
    assert hit.y0 < 720 < hit.y1  # the line's baseline is 720


def test_every_page_and_one_page() -> None:
    pdf = simple_pdf(["(Seal here)"], pages=3)
    assert [h.page for h in find_text(pdf, "(Seal here)")] == [0, 1, 2]
    assert [h.page for h in find_text(pdf, "(Seal here)", page=1)] == [1]
    assert find_text(pdf, "absent") == []
    with pytest.raises(ValueError, match="empty"):
        find_text(pdf, "")
    with pytest.raises(ValueError, match="page 7"):
        find_text(pdf, "x", page=7)


def test_cjk_text_through_to_unicode_and_cid_widths() -> None:
    pdf = cjk_pdf([[(100, 500, "甲方（盖章）乙方（盖章）")]], size=20)
    hits = find_text(pdf, "（盖章）")
    assert len(hits) == 2
    # full-width characters advance by one em (20 pt) in this font
    assert hits[0].x0 == pytest.approx(140) and hits[0].x1 == pytest.approx(220)
    assert hits[1].x0 == pytest.approx(260) and hits[1].x1 == pytest.approx(340)


def test_matrices_td_tj_and_cm_are_followed() -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Courier))
    content = (b"q 2 0 0 2 10 20 cm BT /F1 10 Tf 5 5 Td 12 TL (ab) Tj T* [(c) -1000 (KEY)] TJ ET Q "
               b"BT /F1 10 Tf 1 0 0 1 300 300 Tm (KEY) Tj ET")
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 400, 400],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    first, second = find_text(out.getvalue(), "KEY")
    # scaled by 2 and moved by (10, 20): "c" (6 pt) then a 10 pt gap, on the second line
    assert first.x0 == pytest.approx(10 + 2 * (5 + 6 + 10))
    assert first.x1 == pytest.approx(first.x0 + 2 * 18)
    assert first.y0 == pytest.approx(20 + 2 * (5 - 12) - 0.2 * 20)
    assert (second.x0, second.x1) == (pytest.approx(300), pytest.approx(318))
    assert page_boxes(out.getvalue()) == [(0.0, 0.0, 400.0, 400.0)]


def test_text_inside_form_xobjects_is_found() -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Courier))
    form = pdf.make_stream(b"BT /F1 10 Tf 0 0 Td (KEY) Tj ET /Self Do")
    form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 100, 100]
    form.Matrix = [1, 0, 0, 1, 40, 50]
    form.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Self=form))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 400, 400],
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm=form)),
                              Contents=pdf.make_stream(b"q 1 0 0 1 100 100 cm /Fm Do Q"))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    [hit] = find_text(out.getvalue(), "KEY")  # the form draws itself: followed once, not forever
    assert (hit.x0, hit.x1) == (pytest.approx(140), pytest.approx(158))


def test_not_a_pdf() -> None:
    with pytest.raises(MalformedInput):
        find_text(b"%PDF-1.7 nothing else", "x")
    with pytest.raises(MalformedInput):
        page_boxes(b"not a pdf")


_OPERATORS = [b"BT", b"ET", b"q", b"Q", b"T*", b"/F1 12 Tf", b"/F9 12 Tf", b"1 2 Td", b"-3 4 TD", b"14 TL",
              b"1 0 0 1 50 50 Tm", b"2 0 0 2 0 0 cm", b"(Seal) Tj", b"(here) '", b"1 2 (x) \"", b"[(a) 120 (b)] TJ",
              b"<feff> Tj", b"3 Tc", b"4 Tw", b"50 Tz", b"2 Ts", b"(x) Tf", b"Tj", b"[/x] TJ", b"1 Td", b"() Tj"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_OPERATORS), max_size=30), st.binary(max_size=40))
@example(ops=[], noise=b"[\x01]\x01")  # pikepdf raised TypeError on it (CI, fifth session)
def test_any_content_stream_gives_hits_or_nothing_never_a_crash(ops: list[bytes], noise: bytes) -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 100, 100],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(b"\n".join(ops) + b"\n" + noise))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    try:
        hits = find_text(out.getvalue(), "Seal")
    except MalformedInput:
        return
    assert all(h.page == 0 for h in hits)


@pytest.mark.parametrize("name", ["esealkit.pdf.text", "esealkit.pdf.seal", "esealkit.store.seals", "esealkit.cli.sign"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    assert doctest.testmod(module).failed == 0
