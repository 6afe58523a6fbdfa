"""Seal pictures: the drawn round seal, loading pictures and the picture sanity check."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from esealkit.errors import MalformedInput
from esealkit.seals import (
    SealPicture,
    check_picture,
    cjk_font_path,
    draw_round_seal,
    load_picture,
    parse_seal,
    vector_picture_reason,
)


def _image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (230, 0, 18)).save(out, format=fmt)
    return out.getvalue()


def _ofd_package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    return out.getvalue()


def _is_red(pixel: tuple[int, ...]) -> bool:
    r, g, b, a = pixel
    return a > 200 and r > 180 and g < 80 and b < 80


def test_draw_round_seal_is_a_red_ring_with_a_star() -> None:
    png = draw_round_seal("某某市某某有限公司", "合同专用章", "33010600000001", diameter_mm=42, dpi=300)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (496, 496)  # 42 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    rgba = image.convert("RGBA")
    c = image.width // 2
    assert _is_red(rgba.getpixel((c, c)))  # the star's centre
    assert rgba.getpixel((2, 2))[3] == 0  # transparent outside the ring
    assert _is_red(rgba.getpixel((c, 12)))  # the ring at the top
    assert not _is_red(rgba.getpixel((c, round(image.height * 0.33))))  # between star and owner name


def test_draw_round_seal_writes_the_owner_and_the_code() -> None:
    plain = Image.open(io.BytesIO(draw_round_seal("", "", ""))).convert("RGBA")
    text = Image.open(io.BytesIO(draw_round_seal("某某市某某有限公司", "合同专用章", "33010600000001"))).convert("RGBA")
    w, h = plain.size

    def red_count(image: Image.Image, box: tuple[int, int, int, int]) -> int:
        raw = image.crop(box).tobytes()
        return sum(1 for i in range(0, len(raw), 4) if _is_red(tuple(raw[i:i + 4])))

    upper, lower = (0, 0, w, h // 4), (0, h * 3 // 4, w, h)
    assert red_count(text, upper) > red_count(plain, upper) + 500
    assert red_count(text, lower) > red_count(plain, lower) + 300


def test_cjk_font_is_found_when_installed() -> None:
    path = cjk_font_path()
    if path is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei); the drawing falls back to Pillow's font")
    assert Path(path).is_file()


def test_draw_round_seal_rejects_nonsense_sizes() -> None:
    with pytest.raises(ValueError):
        draw_round_seal("a", "b", "c", diameter_mm=0)


def test_load_picture_of_a_corpus_seal(corpus: Path) -> None:
    seal = parse_seal((corpus / "UserV4.esl").read_bytes())
    image = load_picture(seal)
    assert image is not None and image.format == "PNG" and image.width > 0


def test_load_picture_of_vector_art_is_none_with_a_reason() -> None:
    class Holder:
        picture = SealPicture("ofd", _ofd_package(), 30, 20)

    assert load_picture(Holder()) is None
    assert "OFD" in (vector_picture_reason(Holder.picture) or "")


def test_load_picture_of_damaged_data_raises_malformed_input() -> None:
    class Holder:
        picture = SealPicture("PNG", b"\x89PNG\r\n\x1a\n damaged", 30, 20)

    with pytest.raises(MalformedInput):
        load_picture(Holder())


PICTURE_CASES = [
    ("png", SealPicture("PNG", _image_bytes("PNG"), 40, 40), None),
    ("png-lower-case", SealPicture("png", _image_bytes("PNG"), 40, 40), None),
    ("jpg", SealPicture("JPG", _image_bytes("JPEG"), 40, 40), None),
    ("gif", SealPicture("GIF", _image_bytes("GIF"), 40, 40), None),
    ("bmp", SealPicture("BMP", _image_bytes("BMP"), 40, 40), None),
    ("ofd-package", SealPicture("ofd", _ofd_package(), 30, 20), None),
    ("svg", SealPicture("SVG", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 30, 20), None),
    ("claims-png-is-jpeg", SealPicture("PNG", _image_bytes("JPEG"), 40, 40), "claims to be PNG"),
    ("ofd-not-zip", SealPicture("ofd", b"not a zip", 30, 20), "not a ZIP"),
    ("unknown-type", SealPicture("XYZ", b"data", 30, 20), "unknown picture type"),
    ("zero-size", SealPicture("PNG", _image_bytes("PNG"), 0, 40), "not positive"),
    ("empty", SealPicture("PNG", b"", 40, 40), "no data"),
    ("garbage", SealPicture("PNG", b"\x00" * 64, 40, 40), "does not decode"),
]


@pytest.mark.parametrize(("picture", "problem"), [c[1:] for c in PICTURE_CASES], ids=[c[0] for c in PICTURE_CASES])
def test_check_picture(picture: SealPicture, problem: str | None) -> None:
    found = check_picture(picture)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
