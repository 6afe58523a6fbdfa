"""Hypothesis strategies and the time budget shared by the fuzz tests.

    >>> data = st.binary()                                    # doctest: +SKIP
    >>> mutated(seed, hot=[1200]).example()                    # doctest: +SKIP

Each fuzz target has a quick test in the normal suite (``QUICK`` examples, seconds) and a
long one marked ``fuzz`` that ``make fuzz`` selects: it runs the same property again and
again, with fresh random examples each round, until its share of
``ESEALKIT_FUZZ_SECONDS`` is spent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

__all__ = ["LONG", "QUICK", "TARGETS", "mutated", "run_for_budget"]

# The long run's targets share the budget: keep this in step with the fuzz-marked tests.
TARGETS = 14

QUICK = settings(max_examples=40, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.data_too_large])
LONG = settings(max_examples=200, deadline=None, database=None,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck))


def fuzz_seconds() -> float:
    """The whole long run's length (ESEALKIT_FUZZ_SECONDS, default 120)."""
    try:
        return max(float(os.environ.get("ESEALKIT_FUZZ_SECONDS", "120")), 1.0)
    except ValueError:
        return 120.0


def run_for_budget(run_once: Callable[[], None], *, share: int = TARGETS) -> int:
    """Call ``run_once`` (a ``@given`` test) until this target's share of the budget is
    spent; at least once.  Returns the number of rounds."""
    end = time.monotonic() + fuzz_seconds() / share
    rounds = 0
    while True:
        run_once()
        rounds += 1
        if time.monotonic() >= end:
            return rounds


_TOKENS = (
    b"null", b"<<", b">>", b"[", b"]", b"(", b")", b"<", b">", b" 0 R", b"obj", b"endobj", b"stream\n",
    b"endstream", b"xref", b"trailer", b"startxref", b"%%EOF", b"/Contents", b"/ByteRange", b"/Kids",
    b"/Type", b"/Sig", b"/Prev", b"-1", b"0", b"4294967296", b"99999999999999999999", b"1e308", b"\x00",
    b"\xff" * 4, b"\x30\x80", b"\x30\x84\xff\xff\xff\xff", b"\x02\x00", b"\x06\x00",
    b"<?xml", b"<!DOCTYPE x>", b"&lt;", b"]]>", b"PK\x03\x04", b"PK\x01\x02",
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, hot: Sequence[int] = (), max_ops: int = 4) -> bytes:
    """``seed`` with 1 to ``max_ops`` byte-level mutations: flips, inserts, deletions,
    truncation, duplicated or moved chunks, syntax tokens and huge numbers.  Positions
    are uniform or near one of the ``hot`` offsets (where the structure is)."""
    data = bytearray(seed)

    def position() -> int:
        if not data:
            return 0
        if hot and draw(st.booleans()):
            centre = draw(st.sampled_from(list(hot)))
            return min(max(centre + draw(st.integers(-64, 64)), 0), len(data) - 1)
        return draw(st.integers(0, len(data) - 1))

    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "copy", "token", "digit"]))
        at = position()
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[at:]
        elif op == "copy" and data:
            start = position()
            chunk = bytes(data[start:start + draw(st.integers(1, 256))])
            data[at:at] = chunk
        elif op == "token":
            token = draw(st.sampled_from(_TOKENS))
            if draw(st.booleans()):
                data[at:at + len(token)] = token
            else:
                data[at:at] = token
        elif op == "digit" and data:
            # Numbers are where offsets, lengths and counts live.
            digits = [i for i in range(max(0, at - 256), min(len(data), at + 256)) if 0x30 <= data[i] <= 0x39]
            if digits:
                i = draw(st.sampled_from(digits))
                data[i] = draw(st.integers(0x30, 0x39))
    return bytes(data)
