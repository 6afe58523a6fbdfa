"""Helpers for the PDF sealing tests: seals for the shared test PKI, the seal checks of
every signature of a PDF, rendering with poppler's pdftoppm, and a PDF with CJK text."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from esealkit import cms
from esealkit.engine import Verifier
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.seal import seal_checks
from esealkit.report import Check, SealSummary
from esealkit.seals import Seal, SealPicture, cjk_font_path, draw_round_seal, make_seal

PAGE_W, PAGE_H = 595, 842  # esealkit.testing.simple_pdf pages, in points (= pixels at 72 dpi)
SEAL_MM = 42
SEAL_PT = SEAL_MM * 72 / 25.4


def make_test_seal(pki: Any, signer_kind: str, *, valid_from: datetime | None = None,
                   valid_to: datetime | None = None, signers: list[bytes] | None = None,
                   es_id: str = "33010600000001", picture: SealPicture | None = None) -> Seal:
    """A round red 42 mm seal made by the ``ecdsa-p384`` signer of the shared PKI as maker."""
    maker = pki.signers["ecdsa-p384"]
    png = draw_round_seal("某某有限公司", "合同专用章", es_id, diameter_mm=SEAL_MM, dpi=150)
    return make_seal(
        es_id=es_id, name="合同专用章", type=4, maker_key=maker.key, maker_cert_der=maker.der,
        signer_certs=signers or [pki.signers[signer_kind].der],
        valid_from=valid_from or pki.now - timedelta(days=30),
        valid_to=valid_to or pki.now + timedelta(days=365),
        picture=picture or SealPicture("PNG", png, SEAL_MM, SEAL_MM),
    )


@dataclass(frozen=True)
class SealResult:
    field_name: str
    checks: list[Check]
    summary: SealSummary | None
    info: cms.SignedDataInfo

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


def seal_results(pdf: bytes, verifier: Verifier) -> list[SealResult]:
    """:func:`seal_checks` for every signature of ``pdf``, as the PDF verifier will call it."""
    doc = read_pdf(pdf)
    out = []
    for sig in doc.signatures:
        info = cms.parse_signed_data(sig.contents)
        checks, summary = seal_checks(info, verifier=verifier, signing_time=info.signing_time or sig.claimed_time,
                                      extra_certs=info.certificates + doc.dss_certs,
                                      extra_crls=info.crls + doc.dss_crls, extra_ocsps=info.ocsps + doc.dss_ocsps)
        out.append(SealResult(sig.field_name, checks, summary, info))
    return out


def render(pdf: bytes, page: int = 1) -> Image.Image:
    """Page ``page`` (1-based) rendered by pdftoppm at 72 dpi (1 pixel = 1 point)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                        str(source), str(Path(tmp) / "out")], check=True, capture_output=True, timeout=60)
        with Image.open(Path(tmp) / "out.png") as image:
            return image.convert("RGB")


def _bbox(image: Image.Image, test: Any) -> tuple[int, int, int, int] | None:
    mask = Image.new("1", image.size)
    mask.putdata([1 if test(p) else 0 for p in image.get_flattened_data()])
    return mask.getbbox()


def is_red(p: tuple[int, int, int]) -> bool:
    return p[0] > 150 and p[1] < 110 and p[2] < 110


def is_ink(p: tuple[int, int, int]) -> bool:
    """Dark grey or black: text, not the seal."""
    return max(p) < 100


def red_bbox(image: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) in pixels of every red pixel, or None."""
    return _bbox(image, is_red)


def ink_bbox(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """The bounding box of dark pixels inside ``box`` (pixels), in page pixels."""
    found = _bbox(image.crop(box), is_ink)
    if found is None:
        return None
    return found[0] + box[0], found[1] + box[1], found[2] + box[0], found[3] + box[1]


def count(image: Image.Image, test: Any, box: tuple[int, int, int, int] | None = None) -> int:
    region = image.crop(box) if box else image
    return sum(1 for p in region.get_flattened_data() if test(p))


def cjk_pdf(pages: list[list[tuple[float, float, str]]], size: float = 16) -> bytes:
    """A PDF whose pages show CJK text lines (x, y, text) in an embedded subset of the
    installed CJK font (Type0, Identity-H, with a ToUnicode map), like office PDFs do."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # it drops the bitmap tables, noisily
    path = cjk_font_path()
    if path is None:
        pytest.skip("no CJK font installed (Debian: fonts-wqy-zenhei)")
    chars = sorted({c for page in pages for _, _, text in page for c in text})
    font = TTFont(path, fontNumber=0)
    options = subset.Options()
    options.retain_gids = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars))
    subsetter.subset(font)
    cmap = font.getBestCmap()
    upem = font["head"].unitsPerEm
    gids = {c: font.getGlyphID(cmap[ord(c)]) for c in chars}
    widths = {gids[c]: round(font["hmtx"][cmap[ord(c)]][0] * 1000 / upem) for c in chars}
    data = io.BytesIO()
    font.save(data)

    pdf = pikepdf.new()
    file_stream = pdf.make_stream(data.getvalue())
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/ESKCJK"), Flags=4,
        FontBBox=[-100, -200, 1100, 900], ItalicAngle=0, Ascent=880, Descent=-120, CapHeight=700, StemV=80,
        FontFile2=file_stream))
    w_array = pikepdf.Array()
    for gid in sorted(widths):
        w_array.append(gid)
        w_array.append(pikepdf.Array([widths[gid]]))
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name("/ESKCJK"),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=descriptor, W=w_array, DW=1000, CIDToGIDMap=pikepdf.Name.Identity))
    bfchars = "\n".join(f"<{gids[c]:04X}> <{ord(c):04X}>" for c in chars)
    to_unicode = pdf.make_stream((
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /ESK-UCS def /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchars}\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode())
    type0 = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/ESKCJK"),
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[cid_font], ToUnicode=to_unicode))
    for lines in pages:
        ops = []
        for x, y, text in lines:
            codes = "".join(f"{gids[c]:04X}" for c in text)
            ops.append(f"BT /F1 {size:g} Tf {x:g} {y:g} Td <{codes}> Tj ET")
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, PAGE_W, PAGE_H],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=type0)),
            Contents=pdf.make_stream("\n".join(ops).encode()))
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
