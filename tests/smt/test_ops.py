"""The two readings of :mod:`kmodel.smt.ops` agree: Python ints (Go semantics) and Z3 terms."""

from __future__ import annotations

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.errors import InvalidModel
from kmodel.smt.ops import CONCRETE, Z3Ops

INTS = st.integers(min_value=-(2**40), max_value=2**40)


def _z3_value(ops, term):
    s = ops.solver()
    v = ops.var("__v")
    s.add(v == term)
    assert s.check() == z3.sat
    return ops.to_int(s.model()[v])


@pytest.mark.parametrize("width", [None, 64], ids=["Int", "BV64"])
@settings(max_examples=60, deadline=None)
@given(a=INTS, b=INTS)
def test_arithmetic_agrees(width, a, b):
    o = Z3Ops(width)
    za, zb = o.const(a), o.const(b)
    for name in ("quo", "rem", "min", "max"):
        assert _z3_value(o, getattr(o, name)(za, zb)) == getattr(CONCRETE, name)(a, b), name
    assert _z3_value(o, o.int32(za)) == CONCRETE.int32(a)
    assert _z3_value(o, o.ite(za < zb, za + 1, zb - 1)) == CONCRETE.ite(a < b, a + 1, b - 1)


def test_go_division_truncates_toward_zero():
    assert [CONCRETE.quo(a, b) for a, b in [(7, 2), (-7, 2), (7, -2), (-7, -2), (5, 0)]] == [3, -3, -3, 3, 0]
    assert [CONCRETE.rem(a, b) for a, b in [(7, 2), (-7, 2), (7, -2), (-7, -2)]] == [1, -1, 1, -1]


def test_int32_wraps_like_go():
    assert CONCRETE.int32(2**31 - 1) == 2**31 - 1
    assert CONCRETE.int32(2**31) == -(2**31)
    assert CONCRETE.int32(2**32) == 0
    assert CONCRETE.int32(-(2**31) - 1) == 2**31 - 1


def test_python_booleans_short_circuit_in_both_readings():
    o = Z3Ops(None)
    x = o.var("x")
    assert o.and_(True, False, x > 0) is o.false or z3.is_false(o.and_(True, False, x > 0))
    assert o.ite(True, 1, x) == 1 and CONCRETE.ite(True, 1, 2) == 1


def test_a_constant_that_does_not_fit_the_bit_width_is_an_error():
    with pytest.raises(InvalidModel, match="does not fit 16-bit"):
        Z3Ops(16).const(2**20)
