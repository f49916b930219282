"""Arithmetic written once, read two ways: over Python ints and over Z3 terms.

A numeric model's transitions and properties are plain Python functions that take an *ops*
object ``o`` first and do every branch and every Boolean connective through it
(``o.ite``, ``o.and_``, ``o.or_``, ``o.not_``, ``o.min``, ``o.max``, ``o.quo``, ...) and the
rest through Python's operators (``+ - * == != < <= > >=``). Run with :data:`CONCRETE` they
compute the successor of one concrete state (the explicit ``next_state``); run with a
:class:`Z3Ops` they build the formula of the transition relation. One text, two readings, so
the explicit checker and the solver cannot drift apart by construction; what remains to be
checked is the reading itself (bit-vector overflow, division), which is why every SMT
counterexample is replayed through the concrete reading before it is reported.

Integer semantics are Go's, where Kubernetes and Python differ:

* :meth:`ConcreteOps.quo` truncates toward zero (Go's ``/`` on ints), as Z3's signed
  bit-vector division does; Python's ``//`` floors;
* :meth:`ConcreteOps.int32` converts to ``int32`` by wrapping (Go's ``int32(x)`` of an ``int``).

Division by zero gives 0 (and a remainder equal to the dividend) in both readings: a model must
guard it; the value only keeps the two readings equal where the guard makes it irrelevant.

This module imports no C extension: :class:`Z3Ops` imports ``z3`` when it is instantiated.

Examples
--------
>>> def step(o, x, y):
...     return o.ite(x < y, o.min(y - x, 3), o.quo(x - y, 2))
>>> step(CONCRETE, 1, 10), step(CONCRETE, 9, 2), step(CONCRETE, -7, 0)
(3, 3, 3)
>>> CONCRETE.quo(-7, 2), -7 // 2
(-3, -4)
>>> CONCRETE.int32(2**32 + 5), CONCRETE.int32(2**31)
(5, -2147483648)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["ConcreteOps", "CONCRETE", "Z3Ops"]


class ConcreteOps:
    """The concrete reading: Python ints and bools, Go integer semantics."""

    symbolic = False
    true = True
    false = False

    @staticmethod
    def const(value: int) -> int:
        return int(value)

    @staticmethod
    def ite(cond: Any, then: Any, other: Any) -> Any:
        """``then if cond else other`` (both branches are evaluated: keep them pure)."""
        return then if cond else other

    @staticmethod
    def and_(*xs: Any) -> bool:
        return all(xs)

    @staticmethod
    def or_(*xs: Any) -> bool:
        return any(xs)

    @staticmethod
    def not_(x: Any) -> bool:
        return not x

    @staticmethod
    def implies(a: Any, b: Any) -> bool:
        return (not a) or bool(b)

    @staticmethod
    def min(a: Any, b: Any) -> Any:
        return a if a <= b else b

    @staticmethod
    def max(a: Any, b: Any) -> Any:
        return a if a >= b else b

    @staticmethod
    def quo(a: int, b: int) -> int:
        """Go's ``a / b`` on ints: truncation toward zero; 0 when ``b == 0``."""
        if b == 0:
            return 0
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q

    @staticmethod
    def rem(a: int, b: int) -> int:
        """Go's ``a % b``: the sign of ``a`` (``a`` when ``b == 0``, as ``a - quo(a, b) * b``)."""
        return a - ConcreteOps.quo(a, b) * b

    @staticmethod
    def int32(a: int) -> int:
        """Go's ``int32(a)``: the low 32 bits, two's complement."""
        return ((a + 2**31) % 2**32) - 2**31

    @staticmethod
    def sum(xs: Iterable[Any]) -> Any:
        total = 0
        for x in xs:
            total = total + x
        return total


CONCRETE = ConcreteOps()


class Z3Ops:
    """The symbolic reading: Z3 signed bit-vectors of ``width`` bits (or unbounded ``Int``).

    Python ints and bools mixed into expressions are lifted to the right sort. With bit-vectors,
    ``<``/``<=`` and ``/`` are signed (as Go's ints); a model picks ``width`` so that no value
    of a state within its declared ranges overflows (the ``type-ok`` property of every numeric
    model states those ranges, and proofs carry it as part of the invariant).

    Parameters
    ----------
    width : int or None
        Bit-vector width; ``None`` for mathematical integers (``Int``).
    ctx : z3.Context or None
        The Z3 context of every term (default: a fresh one). Each engine run works in its own
        context, so its search does not depend on what ran before it in the process: answers
        and times are reproducible run by run.
    """

    symbolic = True

    def __init__(self, width: int | None = 32, ctx: Any = None) -> None:
        import z3

        self.z3 = z3
        self.width = width
        self.ctx = ctx if ctx is not None else z3.Context()
        self.true = z3.BoolVal(True, self.ctx)
        self.false = z3.BoolVal(False, self.ctx)

    # -- sorts ----------------------------------------------------------------------------------
    def sort(self) -> Any:
        z3 = self.z3
        return z3.IntSort(self.ctx) if self.width is None else z3.BitVecSort(self.width, self.ctx)

    def solver(self, logic: str | None = None) -> Any:
        """A solver in this context (``logic``: ``"HORN"``, ...)."""
        z3 = self.z3
        return z3.SolverFor(logic, ctx=self.ctx) if logic else z3.Solver(ctx=self.ctx)

    def var(self, name: str) -> Any:
        z3 = self.z3
        return z3.Int(name, self.ctx) if self.width is None else z3.BitVec(name, self.width, self.ctx)

    def bool_var(self, name: str) -> Any:
        return self.z3.Bool(name, self.ctx)

    def const(self, value: int) -> Any:
        z3 = self.z3
        if self.width is None:
            return z3.IntVal(int(value), self.ctx)
        if not -(2 ** (self.width - 1)) <= value < 2 ** (self.width - 1):
            from kmodel.errors import InvalidModel

            raise InvalidModel(f"the constant {value} does not fit {self.width}-bit signed bit-vectors: "
                               "use a wider encoding (width=...) or Int (width=None)")
        return z3.BitVecVal(int(value), self.width, self.ctx)

    def lift(self, x: Any) -> Any:
        z3 = self.z3
        if isinstance(x, bool):
            return z3.BoolVal(x, self.ctx)
        if isinstance(x, int):
            return self.const(x)
        return x

    def to_int(self, value: Any) -> int:
        """The Python int of a numeral in a Z3 model."""
        z3 = self.z3
        if z3.is_true(value):
            return 1
        if z3.is_false(value):
            return 0
        if self.width is None:
            return int(value.as_long())
        return int(value.as_signed_long())

    # -- the operations ---------------------------------------------------------------------------
    def ite(self, cond: Any, then: Any, other: Any) -> Any:
        if isinstance(cond, bool):
            return then if cond else other
        then, other = self.lift(then), self.lift(other)
        return self.z3.If(cond, then, other)

    def and_(self, *xs: Any) -> Any:
        if any(x is False for x in xs):
            return self.false
        rest = [x for x in xs if x is not True]
        if not rest:
            return self.true
        return rest[0] if len(rest) == 1 else self.z3.And(*rest)

    def or_(self, *xs: Any) -> Any:
        if any(x is True for x in xs):
            return self.true
        rest = [x for x in xs if x is not False]
        if not rest:
            return self.false
        return rest[0] if len(rest) == 1 else self.z3.Or(*rest)

    def not_(self, x: Any) -> Any:
        if isinstance(x, bool):
            return not x
        return self.z3.Not(x)

    def implies(self, a: Any, b: Any) -> Any:
        return self.or_(self.not_(a), b)

    def min(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int):
            return min(a, b)
        return self.ite(a <= b, a, b)

    def max(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int):
            return max(a, b)
        return self.ite(a >= b, a, b)

    def quo(self, a: Any, b: Any) -> Any:
        z3 = self.z3
        if isinstance(a, int) and isinstance(b, int):
            return CONCRETE.quo(a, b)
        a, b = self.lift(a), self.lift(b)
        if self.width is None:
            # SMT-LIB ``div`` is Euclidean; Go truncates toward zero.
            q = z3.If(a >= 0, a / b, -((-a) / b))
            q = z3.If(b >= 0, q, z3.If(a >= 0, -(a / -b), (-a) / -b))
            return z3.If(b == 0, 0, q)
        return z3.If(b == 0, self.const(0), a / b)  # bvsdiv truncates toward zero

    def rem(self, a: Any, b: Any) -> Any:
        return a - self.quo(a, b) * b

    def int32(self, a: Any) -> Any:
        z3 = self.z3
        if isinstance(a, int):
            return CONCRETE.int32(a)
        if self.width is None:
            # Int % is Euclidean (non-negative here). The in-range case is spelt out, so that a
            # proof about values that fit an int32 never has to reason about the modulus.
            wrapped = (a + 2**31) % 2**32 - 2**31
            return z3.If(z3.And(a >= -(2**31), a < 2**31), a, wrapped)
        if self.width <= 32:
            return a
        return z3.SignExt(self.width - 32, z3.Extract(31, 0, a))

    def sum(self, xs: Iterable[Any]) -> Any:
        total: Any = 0
        for x in xs:
            total = total + x
        return total
