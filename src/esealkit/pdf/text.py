"""Find where a text sits on a PDF page (文本定位), e.g. the "（盖章）" a seal goes on.

    >>> from esealkit.testing import simple_pdf
    >>> [hit] = find_text(simple_pdf(["Signed: (Seal here)"]), "(Seal here)")
    >>> hit.page, round(hit.x0, 1), round(hit.x1, 1), round(hit.centre[1], 1)
    (0, 116.0, 175.4, 723.6)

A small reader of page content streams: it follows the text state (``Tf``, ``Tm``, ``Td``,
``TD``, ``T*``, ``TL``, ``Tc``, ``Tw``, ``Tz``, ``Ts``) and the graphics matrix (``cm``,
``q``/``Q``) through ``Tj``, ``TJ``, ``'`` and ``"``, decodes strings with the font's
``/ToUnicode`` map (Type0/CID fonts, 2-byte codes) or, for simple fonts, its encoding as
cp1252, and advances by the font's ``/Widths`` (``/W`` for CID fonts).  Standard 14 fonts
come without widths: Helvetica/Arial advance by Helvetica's published metrics (ASCII),
Courier by 600, others by half an em.  Text in form XObjects is found too; rotated or
vertical text is not located.  Coordinates are PDF points in the page's user space
(origin at the bottom left of the MediaBox).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pikepdf

from esealkit.errors import MalformedInput

__all__ = ["PageGeometry", "TextHit", "find_text", "page_boxes", "page_geometry"]

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class TextHit:
    """One occurrence of the searched text: its page (0-based) and box in points."""

    page: int
    x0: float
    y0: float  # baseline − 0.2 em (about the descender)
    x1: float
    y1: float  # baseline + 0.8 em (about the ascender)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    y: float
    size: float


def _mul(a: Matrix, b: Matrix) -> Matrix:
    """a × b in PDF's row-vector convention (apply a, then b)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


# Helvetica's advance widths (Adobe core 14 AFM) for ASCII 32..126, in 1/1000 em.
_HELVETICA = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _hex_values(line: bytes) -> list[bytes]:
    return [bytes.fromhex(h.decode() if len(h) % 2 == 0 else h.decode() + "0") for h in _HEX.findall(line)]


def _utf16(data: bytes) -> str:
    return data.decode("utf-16-be", "replace")


def _parse_cmap(data: bytes) -> dict[bytes, str]:
    """bfchar and bfrange entries of a ToUnicode CMap."""
    out: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for line in block.splitlines():
            values = _hex_values(line)
            if len(values) >= 2:
                out[values[0]] = _utf16(values[1])
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in block.splitlines():
            values = _hex_values(line)
            if len(values) < 3:
                continue
            start, end = int.from_bytes(values[0], "big"), int.from_bytes(values[1], "big")
            width = len(values[0])
            if end - start > 65535:
                continue
            if b"[" in line:  # an array of destinations, one per code
                for offset, dest in enumerate(values[2:]):
                    out[(start + offset).to_bytes(width, "big")] = _utf16(dest)
                continue
            first = values[2]
            base = int.from_bytes(first, "big")
            for offset in range(end - start + 1):
                code = (start + offset).to_bytes(width, "big")
                out[code] = _utf16((base + offset).to_bytes(len(first), "big"))
    return out


class _Font:
    """What locating text needs of a font: code length, code → text, code → width."""

    def __init__(self, font: Any) -> None:
        subtype = str(font.get("/Subtype", ""))
        self.composite = subtype == "/Type0"
        self.to_unicode: dict[bytes, str] = {}
        tu = font.get("/ToUnicode")
        if isinstance(tu, pikepdf.Stream):
            try:
                self.to_unicode = _parse_cmap(tu.read_bytes())
            except pikepdf.PdfError:
                self.to_unicode = {}
        self.widths: dict[int, float] = {}
        self.default_width = 500.0
        if self.composite:
            self.default_width = 1000.0
            descendants = font.get("/DescendantFonts")
            cid_font = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
            if cid_font is not None:
                self.default_width = float(cid_font.get("/DW", 1000))
                self._cid_widths(cid_font.get("/W"))
        else:
            widths = font.get("/Widths")
            first = int(font.get("/FirstChar", 0))
            if isinstance(widths, pikepdf.Array):
                for index, value in enumerate(widths):
                    self.widths[first + index] = float(value)
            else:
                base = str(font.get("/BaseFont", "")).lower()
                if "courier" in base:
                    self.default_width = 600.0
                elif "helvetica" in base or "arial" in base:
                    self.widths = {32 + index: float(w) for index, w in enumerate(_HELVETICA)}
                    self.default_width = 556.0

    def _cid_widths(self, w: Any) -> None:
        if not isinstance(w, pikepdf.Array):
            return
        items = list(w)
        i = 0
        while i + 1 < len(items):
            start = int(items[i])
            nxt = items[i + 1]
            if isinstance(nxt, pikepdf.Array):
                for offset, value in enumerate(nxt):
                    self.widths[start + offset] = float(value)
                i += 2
            elif i + 2 < len(items):
                end, value = int(nxt), float(items[i + 2])
                for cid in range(start, min(end, start + 65535) + 1):
                    self.widths[cid] = value
                i += 3
            else:
                break

    def codes(self, data: bytes) -> list[bytes]:
        if self.composite:
            return [data[i:i + 2] for i in range(0, len(data) - 1, 2)]
        return [data[i:i + 1] for i in range(len(data))]

    def text(self, code: bytes) -> str:
        if code in self.to_unicode:
            return self.to_unicode[code]
        if self.composite:
            return "\ufffd"
        return code.decode("cp1252", "replace")

    def width(self, code: bytes) -> float:
        return self.widths.get(int.from_bytes(code, "big"), self.default_width)


class _TextState:
    def __init__(self) -> None:
        self.font: _Font | None = None
        self.size = 0.0
        self.char_spacing = 0.0
        self.word_spacing = 0.0
        self.scale = 1.0
        self.leading = 0.0
        self.rise = 0.0
        self.tm: Matrix = _IDENTITY
        self.tlm: Matrix = _IDENTITY

    def copy(self) -> _TextState:
        other = _TextState()
        other.__dict__.update(self.__dict__)
        return other


def _numbers(operands: list[Any]) -> list[float]:
    return [float(o) for o in operands]


_MAX_FORM_DEPTH = 8


# bytes of text shown on one page, forms drawn again and again counted each time: a form
# drawn a million times must not take minutes (a real page shows some thousands of
# characters; a glyph costs some microseconds, a form drawn some hundreds)
_MAX_SHOWN = 200_000
_FORM_COST = 40  # (so at most 5,000 form drawings a page)


class _TooMuchText(Exception):
    pass


def _font(obj: Any) -> _Font:
    """The font a Tf selects; one with default widths and no text map when its dictionary
    is not one esealkit can read (a /DescendantFonts of numbers, a ToUnicode range past
    any code...): the glyphs still take room, their text is unknown."""
    try:
        return _Font(obj if isinstance(obj, pikepdf.Dictionary) else pikepdf.Dictionary())
    except (pikepdf.PdfError, TypeError, ValueError, AttributeError, ArithmeticError):
        return _Font(pikepdf.Dictionary())


def _page_glyphs(page: pikepdf.Page) -> list[_Glyph]:
    budget = [_MAX_SHOWN]
    return _glyphs(page, page.obj.get("/Resources"), _IDENTITY, 0, set(), budget)


def _glyphs(source: Any, resources: Any, ctm: Matrix, depth: int, seen: set[tuple[int, int]],
            budget: list[int]) -> list[_Glyph]:
    """The glyphs a page or form XObject shows, in user space (forms are followed);
    ``budget`` is how many more bytes of text the page may show."""
    fonts: dict[str, _Font] = {}
    font_dict = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    glyphs: list[_Glyph] = []
    ts = _TextState()
    stack: list[tuple[Matrix, _TextState]] = []

    def show(data: bytes) -> None:
        font = ts.font
        if font is None:
            return
        budget[0] -= len(data)
        if budget[0] < 0:
            raise _TooMuchText
        for code in font.codes(data):
            advance = font.width(code) / 1000.0 * ts.size + ts.char_spacing
            if code == b" " and not font.composite:
                advance += ts.word_spacing
            advance *= ts.scale
            m = _mul(ts.tm, ctm)
            x0, y = _apply(m, 0.0, ts.rise)
            x1, _ = _apply(m, advance, ts.rise)
            height = abs(_apply(m, 0.0, ts.size)[1] - _apply(m, 0.0, 0.0)[1])
            glyphs.append(_Glyph(font.text(code), min(x0, x1), max(x0, x1), y, height))
            ts.tm = _mul((1.0, 0.0, 0.0, 1.0, advance, 0.0), ts.tm)

    def next_line(tx: float, ty: float) -> None:
        ts.tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), ts.tlm)
        ts.tm = ts.tlm

    def draw_form(name: str) -> None:
        form = xobjects.get(name) if isinstance(xobjects, pikepdf.Dictionary) else None
        if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != pikepdf.Name.Form:
            return
        key = form.objgen
        if depth >= _MAX_FORM_DEPTH or (key != (0, 0) and key in seen):
            return  # a cycle, or nesting deeper than any real document has
        matrix = form.get("/Matrix")
        m = _IDENTITY
        if isinstance(matrix, pikepdf.Array) and len(matrix) == 6:
            a, b, c, d, e, f = (float(v) for v in matrix)
            m = (a, b, c, d, e, f)
        budget[0] -= _FORM_COST  # each drawing reads the form's content stream again
        if budget[0] < 0:
            raise _TooMuchText
        own = form.get("/Resources")
        glyphs.extend(_glyphs(form, own if isinstance(own, pikepdf.Dictionary) else resources, _mul(m, ctm),
                              depth + 1, seen | {key}, budget))

    try:
        instructions = pikepdf.parse_content_stream(source)
    except (pikepdf.PdfError, TypeError):
        # pikepdf raises TypeError for tokens it cannot group into instructions (``[\x01]``):
        # a content stream that does not parse shows no text esealkit can locate
        return []
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        operands, op = list(instruction.operands), instruction.operator.unparse().decode("latin-1")
        try:
            if op == "q":
                stack.append((ctm, ts.copy()))
            elif op == "Q" and stack:
                ctm, ts = stack.pop()
            elif op == "cm" and len(operands) == 6:
                a, b, c, d, e, f = _numbers(operands)
                ctm = _mul((a, b, c, d, e, f), ctm)
            elif op == "Do" and operands:
                draw_form(str(operands[0]))
            elif op == "BT":
                ts.tm = ts.tlm = _IDENTITY
            elif op == "Tf" and len(operands) == 2:
                name = str(operands[0])
                if name not in fonts:
                    obj = font_dict.get(name) if isinstance(font_dict, pikepdf.Dictionary) else None
                    fonts[name] = _font(obj)
                ts.font, ts.size = fonts[name], float(operands[1])
            elif op == "Tc" and operands:
                ts.char_spacing = float(operands[0])
            elif op == "Tw" and operands:
                ts.word_spacing = float(operands[0])
            elif op == "Tz" and operands:
                ts.scale = float(operands[0]) / 100.0
            elif op == "TL" and operands:
                ts.leading = float(operands[0])
            elif op == "Ts" and operands:
                ts.rise = float(operands[0])
            elif op == "Td" and len(operands) == 2:
                next_line(*_numbers(operands))
            elif op == "TD" and len(operands) == 2:
                tx, ty = _numbers(operands)
                ts.leading = -ty
                next_line(tx, ty)
            elif op == "Tm" and len(operands) == 6:
                a, b, c, d, e, f = _numbers(operands)
                ts.tm = ts.tlm = (a, b, c, d, e, f)
            elif op == "T*":
                next_line(0.0, -ts.leading)
            # (only strings are shown: bytes() of a number operand is that many zero bytes)
            elif op == "Tj" and operands and isinstance(operands[0], pikepdf.String):
                show(bytes(operands[0]))
            elif op == "'" and operands and isinstance(operands[0], pikepdf.String):
                next_line(0.0, -ts.leading)
                show(bytes(operands[0]))
            elif op == '"' and len(operands) == 3 and isinstance(operands[2], pikepdf.String):
                ts.word_spacing, ts.char_spacing = float(operands[0]), float(operands[1])
                next_line(0.0, -ts.leading)
                show(bytes(operands[2]))
            elif op == "TJ" and operands and isinstance(operands[0], pikepdf.Array):
                for item in operands[0]:
                    if isinstance(item, pikepdf.String):
                        show(bytes(item))
                    else:
                        shift = -float(item) / 1000.0 * ts.size * ts.scale
                        ts.tm = _mul((1.0, 0.0, 0.0, 1.0, shift, 0.0), ts.tm)
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            continue  # an operator with operands of the wrong type: skip it as viewers do
    return glyphs


@dataclass(frozen=True)
class PageGeometry:
    """A page's visible box (CropBox, else MediaBox) in points and its /Rotate (0, 90, 180
    or 270: how far viewers turn the page clockwise)."""

    x0: float
    y0: float
    x1: float
    y1: float
    rotate: int = 0

    @property
    def displayed_size(self) -> tuple[float, float]:
        """Width and height as a viewer shows the page."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        return (h, w) if self.rotate in (90, 270) else (w, h)

    def to_user(self, dx: float, dy: float) -> tuple[float, float]:
        """User-space point of the displayed point ``dx`` right of and ``dy`` below the
        displayed top left corner."""
        if self.rotate == 90:
            return self.x0 + dy, self.y0 + dx
        if self.rotate == 180:
            return self.x1 - dx, self.y0 + dy
        if self.rotate == 270:
            return self.x1 - dy, self.y1 - dx
        return self.x0 + dx, self.y1 - dy


def _rotation(page: pikepdf.Page) -> int:
    node: Any = page.obj
    for _ in range(64):  # /Rotate is inheritable from the page tree
        if not isinstance(node, pikepdf.Dictionary):
            break
        value = node.get("/Rotate")
        if value is not None:
            try:
                return int(value) % 360 if int(value) % 90 == 0 else 0
            except (TypeError, ValueError):
                return 0
        node = node.get("/Parent")
    return 0


def page_geometry(pdf: bytes) -> list[PageGeometry]:
    """Each page's :class:`PageGeometry`."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            out = []
            for page in doc.pages:
                x0, y0, x1, y1 = (float(v) for v in page.cropbox)
                out.append(PageGeometry(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), _rotation(page)))
            return out
    except (pikepdf.PdfError, ValueError, TypeError) as exc:
        raise MalformedInput(f"not a PDF pikepdf can read: {exc}") from exc


def page_boxes(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """Each page's visible box (CropBox, else MediaBox) as (x0, y0, x1, y1) in points."""
    return [(g.x0, g.y0, g.x1, g.y1) for g in page_geometry(pdf)]


def find_text(pdf: bytes, text: str, *, page: int | None = None) -> list[TextHit]:
    """Every occurrence of ``text`` on ``page`` (0-based) or on every page, in reading order
    of the content streams.  Whitespace in ``text`` must match the page's exactly."""
    if not text:
        raise ValueError("the text to find is empty")
    hits: list[TextHit] = []
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            count = len(doc.pages)
            if page is not None and not 0 <= page < count:
                raise ValueError(f"page {page} does not exist (the document has {count})")
            for number in range(count) if page is None else [page]:
                hits.extend(_matches(number, _page_glyphs(doc.pages[number]), text))
    except _TooMuchText:
        raise MalformedInput(f"a page shows more text, or draws forms more often, than esealkit reads "
                             f"({_MAX_SHOWN} bytes of text, {_MAX_SHOWN // _FORM_COST} form drawings)") from None
    except (pikepdf.PdfError, TypeError, AttributeError, ArithmeticError, RecursionError) as exc:
        raise MalformedInput(f"not a PDF pikepdf can read: {exc}") from exc
    return hits


def _matches(page: int, glyphs: list[_Glyph], text: str) -> list[TextHit]:
    joined = ""
    owner: list[int] = []  # the glyph each character of ``joined`` came from
    for index, glyph in enumerate(glyphs):
        joined += glyph.text
        owner.extend([index] * len(glyph.text))
    hits = []
    start = joined.find(text)
    while start >= 0:
        first, last = owner[start], owner[start + len(text) - 1]
        chosen = glyphs[first:last + 1]
        size = max(g.size for g in chosen)
        y = glyphs[first].y
        hits.append(TextHit(page, min(g.x0 for g in chosen), y - 0.2 * size, max(g.x1 for g in chosen), y + 0.8 * size))
        start = joined.find(text, start + len(text))
    return hits
