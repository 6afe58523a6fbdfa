"""Differential fuzzing of the recogniser of signing updates against pyHanko's analysis:
whatever the mutated later revisions look like, the recogniser never raises, and what it
accepts pyHanko's analysis accepts the same way; what it refuses pyHanko does not accept."""

from __future__ import annotations

import re

import pytest
from fuzz_support import LONG, QUICK, mutated, run_for_budget
from hypothesis import given
from hypothesis import strategies as st

from esealkit.pdf.changes import ChangeResult, analyse_changes
from esealkit.pdf.reader import read_pdf, revision_ends
from esealkit.pdf.seal import _add_dss
from esealkit.pdf.sign import sign_pdf
from esealkit.pdf.signing_updates import recognise_updates
from esealkit.testing import simple_pdf


@pytest.fixture(scope="module", params=["signed twice", "validation data added, then more"])
def two_signatures(pki, request) -> tuple[bytes, tuple[int, int, int, int], tuple[int, ...]]:
    """A document signed twice (and, in the second seed, made long-term after each
    signature: a DSS added, then more appended to it), the first signature's byte range,
    and where the later revisions' structure is (the mutations aim there: the first
    revision stays signed)."""
    s1, s2 = pki.signers["ecdsa-p256"], pki.signers["rsa"]
    one = sign_pdf(simple_pdf(["fuzz"]), key=s1.key, cert_der=s1.der, chain=pki.chain)
    if request.param != "signed twice":
        one = _add_dss(one, [s1.der, *pki.chain], list(pki.crls()), [])
    two = sign_pdf(one, key=s2.key, cert_der=s2.der, chain=pki.chain, field_name="Signature2")
    if request.param != "signed twice":
        two = _add_dss(two, [s2.der], list(pki.crls()), [])
    first = read_pdf(two).signatures[0]
    hot = tuple(sorted({m.start() for m in re.finditer(
        rb"obj|/Fields|/Annots|/V |/P |/Type|/DSS|/Certs|/CRLs|xref|trailer|startxref| R", two[first.covered_end:])}))
    return two, first.byte_range, tuple(first.covered_end + h for h in hot)


def _check(data: bytes, first: tuple[int, int, int, int]) -> None:
    end = first[2] + first[3]
    recognise_updates(data, [end], revision_ends(data))  # never raises
    quick = analyse_changes(data, [first])[first]
    full = analyse_changes(data, [first], quick=False)[first]
    if isinstance(full, str):
        # pyHanko could not read the file: the quick analysis must not pass it either (the
        # recogniser declines what pyHanko's strict reader refuses, even where qpdf reads
        # it as the standard says, such as an escape of an ordinary character)
        assert not (isinstance(quick, ChangeResult) and quick.level is not None), (quick, full)
        return
    if isinstance(quick, ChangeResult) and quick.level is not None:  # the later revisions pass
        assert (full.level, full.changed_fields, full.refilled) == (quick.level, quick.changed_fields, quick.refilled)
    else:  # they fail
        assert full.level is None, (quick, full)


def _mutants(seed: tuple[bytes, tuple[int, int, int, int], tuple[int, ...]]) -> st.SearchStrategy[bytes]:
    data, first, hot = seed
    end = first[2] + first[3]
    # only the later revision changes: the first signature's bytes stay as signed
    return mutated(data[end:], [h - end for h in hot]).map(lambda tail: data[:end] + tail)


def test_recogniser_agrees_with_pyhanko_on_mutants(two_signatures):
    @QUICK
    @given(data=_mutants(two_signatures))
    def run(data):
        _check(data, two_signatures[1])
    run()


@pytest.mark.fuzz
def test_long_recogniser_agrees_with_pyhanko(two_signatures):
    @LONG
    @given(data=_mutants(two_signatures))
    def run(data):
        _check(data, two_signatures[1])
    run_for_budget(run)
