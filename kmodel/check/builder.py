"""The immutable checker builder."""

from __future__ import annotations

import dataclasses
from typing import Any

from kmodel.check.explore import Config, explore, simulate
from kmodel.check.result import CheckResult
from kmodel.errors import InvalidArgument

__all__ = ["CheckerBuilder"]


class CheckerBuilder:
    """Configure and run a check; every setter returns a new builder.

    Parameters
    ----------
    model :
        Any object with the :class:`kmodel.model.Model` methods.

    Examples
    --------
    >>> from kmodel.model import Model, always
    >>> class Counter(Model):
    ...     def init_states(self): return [0]
    ...     def actions(self, s): return [1, 2]
    ...     def next_state(self, s, a): return s + a if s + a <= 6 else None
    ...     def properties(self): return [always("not five", lambda s: s != 5)]
    >>> base = Counter().checker()
    >>> r = base.max_depth(2).bfs()
    >>> r.verdict, r.stats.complete
    ('incomplete', False)
    >>> r = base.bfs()
    >>> r.verdict, r["not five"].path.states
    ('violated', (0, 1, 3, 5))
    """

    def __init__(self, model: Any, config: Config | None = None) -> None:
        for name in ("init_states", "next_state", "properties"):
            if not callable(getattr(model, name, None)):
                raise InvalidArgument(f"a model needs a {name}() method; {type(model).__name__} has none")
        self._model = model
        self._config = config or Config()

    @property
    def config(self) -> Config:
        return self._config

    def _with(self, **changes: Any) -> CheckerBuilder:
        return CheckerBuilder(self._model, dataclasses.replace(self._config, **changes))

    def max_depth(self, depth: int | None) -> CheckerBuilder:
        """Do not expand states deeper than ``depth`` steps (``None``: no bound)."""
        _positive("max_depth", depth, allow_zero=True)
        return self._with(max_depth=depth)

    def max_states(self, states: int | None) -> CheckerBuilder:
        """Stop after ``states`` distinct states (``None``: no bound)."""
        _positive("max_states", states)
        return self._with(max_states=states)

    def timeout(self, seconds: float | None) -> CheckerBuilder:
        """Stop after ``seconds`` of wall time (``None``: no bound)."""
        if seconds is not None and not seconds > 0:
            raise InvalidArgument(f"timeout must be a positive number of seconds, got {seconds!r}")
        return self._with(timeout=seconds)

    def symmetry(self, enabled: bool = True) -> CheckerBuilder:
        """Identify states with equal ``model.representative(state)`` (on by default)."""
        return self._with(symmetry=bool(enabled))

    def progress(self, enabled: bool | None) -> CheckerBuilder:
        """Show a progress line (``None``: only on a terminal outside CI)."""
        return self._with(progress=enabled)

    def bfs(self) -> CheckResult:
        """Breadth-first search: counterexamples to invariants are shortest."""
        return explore(self._model, self._config, strategy="bfs")

    def dfs(self) -> CheckResult:
        """Depth-first search: less memory for the frontier; counterexamples may be longer."""
        return explore(self._model, self._config, strategy="dfs")

    def simulate(self, *, seed: int = 0, runs: int = 100, steps: int | None = None) -> CheckResult:
        """Seeded random walks; ``steps`` defaults to ``max_depth`` or 100."""
        if steps is None:
            steps = self._config.max_depth if self._config.max_depth is not None else 100
        return simulate(self._model, self._config, seed=seed, runs=runs, steps=steps)

    def smt(self, depth: int | None = None) -> CheckResult:
        """Bounded model checking with Z3 to ``depth`` steps (default ``max_depth``).

        Only for models with an SMT encoding (:mod:`kmodel.smt.symbolic`); others raise
        :class:`~kmodel.errors.EncodingUnsupported`. Counterexamples are replayed through
        ``next_state`` before they are reported; no violation within ``depth`` is ``incomplete``.
        Imports z3 only when called (see :mod:`kmodel.smt.bmc`).
        """
        if depth is None:
            depth = self._config.max_depth
        if depth is None:
            raise InvalidArgument("smt() needs a depth: smt(depth=k) or max_depth(k)")
        _positive("depth", depth, allow_zero=True)
        from kmodel.smt.bmc import bmc

        return bmc(self._model, depth=depth, timeout=self._config.timeout)


def _positive(name: str, value: int | None, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        bound = "a non-negative" if allow_zero else "a positive"
        raise InvalidArgument(f"{name} must be {bound} integer or None, got {value!r}")
