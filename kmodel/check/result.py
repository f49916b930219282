"""Check results: a verdict per property, a replayable path where there is one, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kmodel.check.path import Path
from kmodel.model import Expectation

__all__ = ["HOLDS", "VIOLATED", "INCOMPLETE", "PropertyResult", "Stats", "CheckResult"]

HOLDS = "holds"
VIOLATED = "violated"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class PropertyResult:
    """The verdict on one property.

    Attributes
    ----------
    name, expectation :
        The property checked.
    verdict : str
        ``"holds"``, ``"violated"`` or ``"incomplete"`` (a bound cut the search before the
        property was decided; never reported as holding).
    path : Path or None
        For a violated invariant, the shortest path (under BFS) to a violating state; for a
        ``sometimes`` property that holds, an example; for a liveness violation, a path to a
        stuck state or a lasso (``path.loop_start`` set).
    kind : str or None
        ``"state"`` (the last state violates), ``"example"``, ``"stuck"`` (the last state has no
        fair step enabled and violates forever) or ``"cycle"`` (a fair cycle that never satisfies
        the property).
    """

    name: str
    expectation: Expectation
    verdict: str
    path: Path[Any, Any] | None = None
    kind: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Stats:
    """What an exploration did.

    ``states`` counts distinct states (after symmetry reduction when it is on), ``transitions``
    the edges generated, ``depth`` the largest depth reached.
    """

    states: int
    transitions: int
    depth: int
    seconds: float
    strategy: str
    symmetry: bool
    complete: bool
    cut: str = ""

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float(self.states)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check.

    Examples
    --------
    >>> from kmodel.model import Model, always
    >>> class Two(Model):
    ...     def init_states(self): return [0]
    ...     def actions(self, s): return [1]
    ...     def next_state(self, s, a): return s + a if s < 2 else None
    ...     def properties(self): return [always("below two", lambda s: s < 2)]
    >>> r = Two().checker().bfs()
    >>> r.verdict, len(r.discoveries["below two"])
    ('violated', 2)
    """

    properties: Mapping[str, PropertyResult]
    stats: Stats
    _order: tuple[str, ...] = field(default=(), repr=False)

    @property
    def verdict(self) -> str:
        verdicts = [r.verdict for r in self.properties.values()]
        if VIOLATED in verdicts:
            return VIOLATED
        if INCOMPLETE in verdicts or (not verdicts and not self.stats.complete):
            return INCOMPLETE
        return HOLDS

    @property
    def discoveries(self) -> dict[str, Path[Any, Any]]:
        """Paths by property name: counterexamples, and examples for ``sometimes``."""
        return {name: r.path for name, r in self.properties.items() if r.path is not None}

    def __getitem__(self, name: str) -> PropertyResult:
        return self.properties[name]
