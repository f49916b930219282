"""The generic model protocol and named properties.

This module knows nothing of Kubernetes: any Python transition system can be checked by
:mod:`kmodel.check`. The shapes follow stateright's ``Model``/``Property`` and TLA+'s
``Init``/``Next``:

* ``init_states()`` gives the initial states; ``actions(state)`` the actions in a deterministic
  order; ``next_state(state, action)`` the successor, or ``None`` when the action is disabled.
  A successor equal to its state is a stutter and is not an edge of the state graph.
* ``properties()`` gives named properties built with :func:`always`, :func:`sometimes`,
  :func:`eventually` and :func:`eventually_always`.

Optional hooks (a model that lacks them gets the default of :class:`Model`):

* ``successors(state)``: ``(action, next_state)`` pairs at once, when computing each successor
  separately would repeat work;
* ``representative(state)``: a hashable canonical form for symmetry reduction: two states with
  equal representatives must be interchangeable (same future up to renaming), and every property
  must give the same answer on both;
* ``fairness(action)``: the weak-fairness class of an action, or ``None`` for an environment
  step (a fault, a user edit) that is never forced to happen. Liveness is checked over fair
  behaviours only: a behaviour that keeps a fair class enabled forever must take it infinitely
  often;
* ``describe_action(action)`` and ``describe_state(state)``: text for traces.

States must be hashable and immutable. Transitions must be pure: no I/O, clocks, randomness or
global state, so that a trace replays to the same states in any process.

Examples
--------
A counter that may be incremented up to 3 and reset:

>>> from kmodel.model import Model, always, eventually
>>> class Counter(Model):
...     def init_states(self): return [0]
...     def actions(self, s): return ["inc", "reset"]
...     def next_state(self, s, a):
...         if a == "inc": return s + 1 if s < 3 else None
...         return 0 if s else None
...     def properties(self): return [always("small", lambda s: s <= 3)]
>>> Counter().checker().bfs().verdict
'holds'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kmodel.errors import InvalidArgument

if TYPE_CHECKING:
    from kmodel.check import CheckerBuilder

__all__ = [
    "Expectation",
    "Property",
    "Model",
    "always",
    "sometimes",
    "eventually",
    "eventually_always",
]

S = TypeVar("S")
A = TypeVar("A")


class Expectation(enum.Enum):
    """What a property demands of the state graph."""

    ALWAYS = "always"
    """Every reachable state satisfies the condition (an invariant)."""
    SOMETIMES = "sometimes"
    """Some reachable state satisfies the condition (a reachability goal; an example is found)."""
    EVENTUALLY = "eventually"
    """Every fair behaviour reaches a state that satisfies the condition (``<>p``)."""
    EVENTUALLY_ALWAYS = "eventually always"
    """Every fair behaviour reaches a point after which the condition holds forever (``<>[]p``).

    This is the shape of eventual stable reconciliation (ESR)."""

    @property
    def is_liveness(self) -> bool:
        return self in (Expectation.EVENTUALLY, Expectation.EVENTUALLY_ALWAYS)


@dataclass(frozen=True)
class Property(Generic[S]):
    """A named condition over states with an expectation.

    Use the constructors :func:`always`, :func:`sometimes`, :func:`eventually` and
    :func:`eventually_always` rather than building one directly.
    """

    name: str
    expectation: Expectation
    condition: Callable[[S], bool]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise InvalidArgument(f"a property needs a non-empty name, got {self.name!r}")
        if not callable(self.condition):
            raise InvalidArgument(f"property {self.name!r}: condition must be callable")


def always(name: str, condition: Callable[[S], bool], *, description: str = "") -> Property[S]:
    """An invariant: ``condition`` holds in every reachable state.

    Examples
    --------
    >>> always("non-negative", lambda s: s >= 0).expectation.value
    'always'
    """
    return Property(name, Expectation.ALWAYS, condition, description)


def sometimes(name: str, condition: Callable[[S], bool], *, description: str = "") -> Property[S]:
    """A reachability goal: some reachable state satisfies ``condition``.

    The verdict is ``holds`` with an example path when one is found.

    Examples
    --------
    >>> sometimes("reaches two", lambda s: s == 2).expectation.value
    'sometimes'
    """
    return Property(name, Expectation.SOMETIMES, condition, description)


def eventually(name: str, condition: Callable[[S], bool], *, description: str = "") -> Property[S]:
    """Liveness ``<>p``: every fair behaviour reaches a state satisfying ``condition``.

    Examples
    --------
    >>> eventually("done", lambda s: s == 3).expectation.is_liveness
    True
    """
    return Property(name, Expectation.EVENTUALLY, condition, description)


def eventually_always(
    name: str, condition: Callable[[S], bool], *, description: str = ""
) -> Property[S]:
    """Liveness ``<>[]p``: every fair behaviour ends up satisfying ``condition`` forever.

    Counterexamples are a reachable *stuck* state (no fair action enabled) violating the
    condition, or a fair cycle through a violating state.

    Examples
    --------
    >>> eventually_always("stable", lambda s: s == 0).expectation.value
    'eventually always'
    """
    return Property(name, Expectation.EVENTUALLY_ALWAYS, condition, description)


class Model(Generic[S, A]):
    """Base class for models; subclass it or provide the same methods (duck typing works).

    Subclasses must implement :meth:`init_states`, :meth:`actions`, :meth:`next_state` and
    :meth:`properties`. The other methods have defaults.
    """

    def init_states(self) -> Sequence[S]:
        raise NotImplementedError

    def actions(self, state: S) -> Iterable[A]:
        raise NotImplementedError

    def next_state(self, state: S, action: A) -> S | None:
        raise NotImplementedError

    def properties(self) -> Sequence[Property[S]]:
        return ()

    def successors(self, state: S) -> Iterator[tuple[A, S]]:
        """Enabled ``(action, next_state)`` pairs in the order of :meth:`actions`."""
        for action in self.actions(state):
            nxt = self.next_state(state, action)
            if nxt is not None:
                yield action, nxt

    def representative(self, state: S) -> Hashable:
        """Canonical form for symmetry reduction; the state itself by default."""
        return state

    def fairness(self, action: A) -> Hashable | None:
        """Weak-fairness class of ``action``; by default every action is its own fair class."""
        return action

    def describe_action(self, action: A) -> str:
        return str(action)

    def describe_state(self, state: S) -> str:
        return repr(state)

    def checker(self) -> CheckerBuilder:
        """An immutable checker builder for this model (see :class:`kmodel.check.CheckerBuilder`)."""
        from kmodel.check import CheckerBuilder

        return CheckerBuilder(self)


def _hook(model: Any, name: str) -> Any:
    """The model's hook ``name`` or the :class:`Model` default bound to it."""
    method = getattr(model, name, None)
    if method is not None:
        return method
    return getattr(Model, name).__get__(model)
