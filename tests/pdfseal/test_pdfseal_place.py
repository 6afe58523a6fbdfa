"""Where stamps land: rendered with poppler's pdftoppm at 72 dpi (1 pixel = 1 point), the
seal's red pixels must be where they were placed, and nowhere else."""

from __future__ import annotations

import io

import pytest
from pdfseal_helpers import (
    PAGE_H,
    PAGE_W,
    SEAL_PT,
    cjk_pdf,
    count,
    ink_bbox,
    is_ink,
    is_red,
    make_test_seal,
    red_bbox,
    render,
    seal_results,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from esealkit.engine import Verifier
from esealkit.pdf.seal import seal_pdf, stamp_placements
from esealkit.pdf.text import find_text
from esealkit.report import Indication
from esealkit.testing import simple_pdf

TOLERANCE = 4  # pixels: anti-aliasing and the ring's own edge


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _near(a: tuple[float, float], b: tuple[float, float], tolerance: float = TOLERANCE) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


@pytest.fixture(scope="module")
def signer(pki):
    return pki.signers["ecdsa-p256"]


@pytest.fixture(scope="module")
def seal(pki):
    return make_test_seal(pki, "ecdsa-p256")


def test_the_stamp_is_visible_at_its_place_and_true_size(signer, seal) -> None:
    document = simple_pdf(["Contract between A and B."])
    assert red_bbox(render(document)) is None
    sealed = seal_pdf(document, seal, signer.key, signer.der, x_mm=120, y_mm=200)
    image = render(sealed)
    box = red_bbox(image)
    assert box is not None
    expected_centre = (120 * 72 / 25.4, 200 * 72 / 25.4)  # from the top left, as pixels are
    assert _near(_centre(box), expected_centre), (box, expected_centre)
    assert abs((box[2] - box[0]) - SEAL_PT) <= TOLERANCE and abs((box[3] - box[1]) - SEAL_PT) <= TOLERANCE
    assert render(sealed, page=1).size == (PAGE_W, PAGE_H)


def test_the_stamp_lies_over_the_text_not_in_a_white_box(signer, seal) -> None:
    lines = [f"Line {n} of the contract, text text text text text." for n in range(12)]
    document = simple_pdf(lines)
    text_box = (72, 842 - 730, 400, 842 - 500)
    before = count(render(document), is_ink, text_box)
    assert before > 500
    # the stamp's centre on the text block: 150 pt from the left, 842-650 from the top
    sealed = seal_pdf(document, seal, signer.key, signer.der, x_mm=150 * 25.4 / 72, y_mm=(842 - 650) * 25.4 / 72)
    image = render(sealed)
    assert count(image, is_red) > 500
    assert count(image, is_ink, text_box) > before * 0.7  # the text still shows through


def test_default_placement_is_the_lower_right(signer, seal) -> None:
    sealed = seal_pdf(simple_pdf(["x"]), seal, signer.key, signer.der)
    box = red_bbox(render(sealed))
    assert box is not None
    right_margin = PAGE_W - box[2]
    bottom_margin = PAGE_H - box[3]
    assert abs(right_margin - 20 * 72 / 25.4) <= TOLERANCE
    assert abs(bottom_margin - 40 * 72 / 25.4) <= TOLERANCE


def test_keyword_placement_on_ascii_text(signer, seal) -> None:
    document = simple_pdf(["Contract between A and B.", "Signed for A: (Seal here)", "Signed for B:"])
    [hit] = find_text(document, "(Seal here)")
    # where the words are drawn, measured on the unsealed page: the second line's ink
    baseline_px = PAGE_H - 702
    line_ink = ink_bbox(render(document), (0, baseline_px - 14, PAGE_W, baseline_px + 5))
    assert line_ink is not None
    assert hit.x1 == pytest.approx(line_ink[2], abs=12)  # "(Seal here)" ends the line
    sealed = seal_pdf(document, seal, signer.key, signer.der, keyword="(Seal here)")
    box = red_bbox(render(sealed))
    assert box is not None
    assert _near(_centre(box), (hit.centre[0], PAGE_H - hit.centre[1]))
    assert abs(_centre(box)[1] - (line_ink[1] + line_ink[3]) / 2) <= 6


def test_keyword_placement_on_chinese_text_every_occurrence(pki, signer, seal) -> None:
    document = cjk_pdf([[(72, 700, "甲方：某某有限公司"), (350, 300, "（盖章）")],
                        [(72, 700, "乙方：另一家公司"), (120, 200, "（盖章）")]])
    expected = []
    for page, (x, y) in ((1, (350, 300)), (2, (120, 200))):
        ink = ink_bbox(render(document, page=page), (x - 5, PAGE_H - y - 20, x + 80, PAGE_H - y + 8))
        assert ink is not None, "the keyword is drawn"
        expected.append(_centre(ink))
    sealed = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain, keyword="（盖章）", every_occurrence=True)
    for page, centre in zip((1, 2), expected, strict=True):
        box = red_bbox(render(sealed, page=page))
        assert box is not None
        assert _near(_centre(box), centre, 6), (page, box, centre)
    results = seal_results(sealed, Verifier(trust=pki.trust()))
    assert len(results) == 2
    for result in results:
        assert all(c.indication is Indication.TOTAL_PASSED for c in result.checks), result.checks
    # only the first occurrence by default
    first_only = seal_pdf(document, seal, signer.key, signer.der, keyword="（盖章）")
    assert red_bbox(render(first_only, page=2)) is None
    assert red_bbox(render(first_only, page=1)) is not None


def test_a_missing_keyword_is_an_error(signer, seal) -> None:
    with pytest.raises(ValueError, match="not found"):
        seal_pdf(simple_pdf(["nothing to see"]), seal, signer.key, signer.der, keyword="（盖章）")


def test_cross_page_seal_strips_on_the_right_edge_of_every_page(pki, signer, seal) -> None:
    document = simple_pdf(["Contract between A and B."], pages=3)
    sealed = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain, cross_page=True)
    strip = SEAL_PT / 3
    for page in (1, 2, 3):
        image = render(sealed, page=page)
        box = red_bbox(image)
        assert box is not None, page
        assert box[0] >= PAGE_W - strip - TOLERANCE and box[2] >= PAGE_W - TOLERANCE, (page, box)
        assert abs((box[1] + box[3]) / 2 - PAGE_H / 2) <= TOLERANCE + SEAL_PT * 0.1
    # the strips are the three thirds of one picture: together they hold the whole seal's red
    whole = count(render(seal_pdf(document, seal, signer.key, signer.der, x_mm=100, y_mm=100)), is_red)
    parts = sum(count(render(sealed, page=p), is_red) for p in (1, 2, 3))
    assert abs(parts - whole) <= whole * 0.1
    results = seal_results(sealed, Verifier(trust=pki.trust()))
    assert [r.field_name for r in results] == ["Seal_1", "Seal_2", "Seal_3"]
    for result in results:
        assert all(c.indication is Indication.TOTAL_PASSED for c in result.checks), result.checks
    report = Verifier(trust=pki.trust()).verify(sealed)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    context = ValidationContext(trust_roots=[pki.root.certificate], crls=list(pki.crls()), allow_fetching=False)
    for embedded in PdfFileReader(io.BytesIO(sealed)).embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()


def test_placement_arguments_are_checked(seal) -> None:
    document = simple_pdf(["x"], pages=2)
    with pytest.raises(ValueError, match="page 5 does not exist"):
        stamp_placements(document, seal, page=5)
    with pytest.raises(ValueError, match="either a keyword or coordinates"):
        stamp_placements(document, seal, keyword="x", x_mm=10)
    with pytest.raises(ValueError, match="cross-page"):
        stamp_placements(document, seal, cross_page=True, keyword="x")
    [placement] = stamp_placements(document, seal, page=1, x_mm=50, y_mm=50)
    assert placement.page == 1
    assert placement.x1 - placement.x0 == pytest.approx(SEAL_PT)


def test_red_detection_sees_nothing_on_a_plain_page() -> None:
    image = render(simple_pdf(["plain"]))
    assert count(image, is_red) == 0


def test_a_picture_without_alpha_gets_its_white_paper_made_transparent(pki) -> None:
    from PIL import Image, ImageDraw

    from esealkit.pdf.seal import stamp_image
    from esealkit.seals import SealPicture

    picture = Image.new("RGB", (100, 100), (255, 255, 255))
    ImageDraw.Draw(picture).ellipse((5, 5, 95, 95), outline=(220, 0, 0), width=8)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=95)
    seal = make_test_seal(pki, "ecdsa-p256", picture=SealPicture("JPG", out.getvalue(), 42, 42))
    image = stamp_image(seal)
    assert image.mode == "RGBA"
    assert image.getpixel((50, 50))[3] == 0  # the paper inside the ring
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((50, 7))[3] == 255  # the red ring
    assert image.getpixel((50, 7))[0] > 150


def test_sealing_twice_keeps_both_signatures_valid(pki, signer, seal) -> None:
    other_signer = pki.signers["rsa"]
    other_seal = make_test_seal(pki, "rsa", es_id="33010600000002")
    document = simple_pdf(["Contract between A and B."])
    once = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain, x_mm=50, y_mm=250)
    twice = seal_pdf(once, other_seal, other_signer.key, other_signer.der, chain=pki.chain, x_mm=150, y_mm=250)
    results = seal_results(twice, Verifier(trust=pki.trust()))
    assert [(r.field_name, r.summary.es_id if r.summary else None) for r in results] == [
        ("Seal", "33010600000001"), ("Seal_1", "33010600000002")]
    report = Verifier(trust=pki.trust()).verify(twice)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    image = render(twice)
    left, right = red_bbox(image.crop((0, 0, PAGE_W // 2, PAGE_H))), red_bbox(image.crop((PAGE_W // 2, 0, PAGE_W, PAGE_H)))
    assert left is not None and right is not None


def test_cross_page_height_follows_y(seal) -> None:
    placements = stamp_placements(simple_pdf(["x"], pages=2), seal, cross_page=True, y_mm=50)
    for placement in placements:
        assert (placement.y0 + placement.y1) / 2 == pytest.approx(PAGE_H - 50 * 72 / 25.4)
    assert [p.strip for p in placements] == [0, 1] and {p.strips for p in placements} == {2}


def _rotated(pdf: bytes, degrees: int) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            page.obj.Rotate = degrees
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _red_mask(image, box):
    return [is_red(p) for p in image.crop(box).resize((60, 60)).get_flattened_data()]


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_on_a_rotated_page_the_stamp_is_placed_as_shown_and_upright(signer, seal, degrees: int) -> None:
    document = simple_pdf(["Contract between A and B."])
    upright = render(seal_pdf(document, seal, signer.key, signer.der, x_mm=60, y_mm=50))
    reference = _red_mask(upright, red_bbox(upright))
    sealed = seal_pdf(_rotated(document, degrees), seal, signer.key, signer.der, x_mm=60, y_mm=50)
    image = render(sealed)
    assert image.size == ((PAGE_H, PAGE_W) if degrees in (90, 270) else (PAGE_W, PAGE_H))
    box = red_bbox(image)
    assert box is not None
    assert _near(_centre(box), (60 * 72 / 25.4, 50 * 72 / 25.4)), box
    shown = _red_mask(image, box)
    turned = image.crop(box).rotate(90)
    other = _red_mask(turned, (0, 0, *turned.size))
    assert _iou(reference, shown) > 0.6
    assert _iou(reference, shown) > _iou(reference, other) + 0.1, (_iou(reference, shown), _iou(reference, other))


def _iou(a: list[bool], b: list[bool]) -> float:
    both = sum(x and y for x, y in zip(a, b, strict=True))
    either = sum(x or y for x, y in zip(a, b, strict=True))
    return both / either


def test_cross_page_strips_follow_the_shown_right_edge_of_rotated_pages(signer, seal) -> None:
    sealed = seal_pdf(_rotated(simple_pdf(["x"], pages=2), 90), seal, signer.key, signer.der, cross_page=True)
    for page in (1, 2):
        image = render(sealed, page=page)
        box = red_bbox(image)
        assert box is not None
        assert box[2] >= PAGE_H - TOLERANCE and box[0] >= PAGE_H - SEAL_PT / 2 - TOLERANCE, box
