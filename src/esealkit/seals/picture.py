"""Seal pictures (印章图像): draw a standard round red seal, load and sanity-check a seal's picture.

    >>> png = draw_round_seal("某某市某某有限公司", "合同专用章", "33010600000001")
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True

Drawing needs a CJK font: the first of wqy-zenhei / wqy-microhei / Noto Sans/Serif CJK found
under ``/usr/share/fonts`` (Debian: ``fonts-wqy-zenhei`` or ``fonts-noto-cjk``) is used.
Without one, Pillow's built-in font is used and Chinese characters come out as empty boxes;
:func:`cjk_font_path` tells which font (if any) was found.
"""

from __future__ import annotations

import functools
import io
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PIL import Image, ImageDraw, ImageFont

from esealkit.errors import MalformedInput

if TYPE_CHECKING:
    from esealkit.seals.model import SealPicture

__all__ = [
    "RASTER_TYPES",
    "VECTOR_TYPES",
    "check_picture",
    "cjk_font_path",
    "draw_round_seal",
    "load_picture",
    "vector_picture_reason",
]

SEAL_RED = (230, 0, 18, 255)
MAX_PICTURE_PIXELS = 25_000_000  # a seal picture is a few thousand pixels square at most

# SES picture type (lower case) → the format Pillow reports for it.
RASTER_TYPES: dict[str, str] = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "bmp": "BMP",
    "tif": "TIFF",
    "tiff": "TIFF",
}
VECTOR_TYPES = ("ofd", "svg")

_FONT_PATTERNS = ("wqy-zenhei*", "wqy-microhei*", "NotoSansCJK*", "NotoSerifCJK*", "NotoSansSC*", "*CJK*")


class _HasPicture(Protocol):
    @property
    def picture(self) -> SealPicture: ...


@functools.lru_cache(maxsize=1)
def cjk_font_path(root: str = "/usr/share/fonts") -> str | None:
    """The path of an installed CJK font, or ``None`` when there is none."""
    base = Path(root)
    if not base.is_dir():
        return None
    for pattern in _FONT_PATTERNS:
        for path in sorted(base.rglob(pattern)):
            if path.suffix.lower() in (".ttc", ".ttf", ".otf"):
                return str(path)
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def _glyph(char: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, size: int) -> Image.Image:
    """One character, centred on a transparent square tile, ready to rotate."""
    tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    draw.text((size, size), char, font=font, fill=SEAL_RED, anchor="mm")
    return tile


def _paste_centred(image: Image.Image, tile: Image.Image, x: float, y: float) -> None:
    image.alpha_composite(tile, (round(x - tile.width / 2), round(y - tile.height / 2)))


def _arc_text(image: Image.Image, text: str, *, radius: float, size: int, span_deg: float, upper: bool) -> None:
    """Characters along an arc: the upper arc reads clockwise with tops outwards, the lower
    arc reads left to right with tops towards the centre."""
    if not text:
        return
    cx, cy = image.width / 2, image.height / 2
    font = _font(size)
    n = len(text)
    step = span_deg / max(n - 1, 1) if n > 1 else 0.0
    start = -span_deg / 2 if n > 1 else 0.0
    for i, char in enumerate(text):
        angle = start + i * step
        rad = math.radians(angle)
        if upper:
            x, y, rotation = cx + radius * math.sin(rad), cy - radius * math.cos(rad), -angle
        else:
            x, y, rotation = cx + radius * math.sin(rad), cy + radius * math.cos(rad), angle
        tile = _glyph(char, font, size).rotate(rotation, resample=Image.Resampling.BICUBIC)
        _paste_centred(image, tile, x, y)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else inner
        a = math.radians(-90 + 36 * k)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=SEAL_RED)


def draw_round_seal(owner_name: str, seal_name: str, seal_code: str, *, diameter_mm: float = 42,
                    dpi: int = 300) -> bytes:
    """A PNG of a standard round red seal: ring, five-pointed star, ``owner_name`` along the
    upper arc, ``seal_name`` horizontally under the star and ``seal_code`` along the lower arc.

    The PNG records ``dpi`` so that it prints at ``diameter_mm``.  Uses the CJK font from
    :func:`cjk_font_path`; without one, Pillow's default font (no Chinese glyphs).
    """
    if diameter_mm <= 0 or dpi <= 0:
        raise ValueError("diameter_mm and dpi must be positive")
    size = max(32, round(diameter_mm / 25.4 * dpi))
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    ring = max(2, round(size * 0.03))
    draw.ellipse((ring / 2, ring / 2, size - ring / 2 - 1, size - ring / 2 - 1), outline=SEAL_RED, width=ring)
    _star(draw, c, c, size * 0.15)

    owner_span = min(220.0, 22.0 * max(len(owner_name), 1))
    owner_size = max(8, round(size * 0.12))
    if len(owner_name) > 1:  # shrink long names so neighbouring characters do not touch
        step = math.radians(owner_span / (len(owner_name) - 1))
        owner_size = max(8, min(owner_size, round(0.92 * (c - ring - owner_size * 0.75) * step)))
    _arc_text(image, owner_name, radius=c - ring - owner_size * 0.7, size=owner_size, span_deg=owner_span, upper=True)

    name_size = max(8, round(size * 0.09))
    if seal_name:
        width = name_size * len(seal_name)
        if width > size * 0.6:  # keep the name inside the ring
            name_size = max(8, int(size * 0.6 / len(seal_name)))
        draw.text((c, c + size * 0.26), seal_name, font=_font(name_size), fill=SEAL_RED, anchor="mm")

    code_size = max(6, round(size * 0.05))
    code_span = min(100.0, 5.5 * max(len(seal_code), 1))
    _arc_text(image, seal_code, radius=c - ring - code_size * 0.9, size=code_size, span_deg=code_span, upper=False)

    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def vector_picture_reason(picture: SealPicture) -> str | None:
    """Why a picture cannot be loaded as a raster image, or ``None`` when it can be."""
    kind = picture.type.strip().lower()
    if kind == "ofd":
        return "the seal picture is vector art in an OFD package; render it with an OFD renderer"
    if kind == "svg":
        return "the seal picture is SVG vector art; render it with an SVG renderer"
    return None


def _open_raster(data: bytes) -> Image.Image:
    # Pillow's decoders raise many exception types on damaged data; all mean "not an image".
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            probe.verify()
        if width * height > MAX_PICTURE_PIXELS:
            raise MalformedInput(f"the picture is {width}×{height} pixels, too large for a seal")
        image = Image.open(io.BytesIO(data))
        image.load()
    except MalformedInput:
        raise
    except Exception as exc:
        raise MalformedInput(f"the picture data does not decode: {exc}") from exc
    return image


def load_picture(seal: _HasPicture) -> Image.Image | None:
    """The seal's picture as a Pillow image (PNG, JPEG, GIF, BMP, TIFF).

    Returns ``None`` for vector pictures ("ofd" packages, "svg"): :func:`vector_picture_reason`
    says why.  Raises :class:`MalformedInput` when raster data does not decode.
    """
    picture = seal.picture
    if vector_picture_reason(picture) is not None:
        return None
    return _open_raster(picture.data)


def check_picture(picture: SealPicture) -> str | None:
    """What is wrong with a picture, or ``None`` when it looks sane.

    Sane means: a known type, data that decodes as that type (an OFD picture is a ZIP
    package, an SVG picture an ``<svg`` document) and a positive size in millimetres.
    """
    if picture.width_mm <= 0 or picture.height_mm <= 0:
        return f"the picture size {picture.width_mm}×{picture.height_mm} mm is not positive"
    if not picture.data:
        return "the picture has no data"
    kind = picture.type.strip().lower()
    if kind == "ofd":
        try:
            with zipfile.ZipFile(io.BytesIO(picture.data)) as package:
                if not package.namelist():
                    return "the OFD picture package is empty"
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            return f"the OFD picture is not a ZIP package: {exc}"
        return None
    if kind == "svg":
        return None if b"<svg" in picture.data[:4096] else "the SVG picture has no <svg element"
    expected = RASTER_TYPES.get(kind)
    if expected is None:
        return f"unknown picture type {picture.type!r}"
    try:
        image = _open_raster(picture.data)
    except MalformedInput as exc:
        return f"{picture.type} picture: {exc}"
    if image.format != expected:
        return f"the picture claims to be {picture.type} but its data is {image.format}"
    return None
