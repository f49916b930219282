"""Replayable paths through a model's state graph."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kmodel.errors import InvalidModel
from kmodel.model import _hook

__all__ = ["Path"]

S = TypeVar("S")
A = TypeVar("A")


@dataclass(frozen=True)
class Path(Generic[S, A]):
    """A sequence of states joined by actions: ``states[i+1] = next_state(states[i], actions[i])``.

    Attributes
    ----------
    states : tuple
        ``len(actions) + 1`` states, the first one initial.
    actions : tuple
        The actions taken.
    loop_start : int or None
        For a lasso (a liveness counterexample that cycles), the index of the state the last
        state loops back to. Under symmetry reduction the last state equals ``states[loop_start]``
        up to renaming of interchangeable objects.

    Examples
    --------
    >>> p = Path(states=(0, 1, 2), actions=("inc", "inc"))
    >>> len(p), p.last_state
    (2, 2)
    """

    states: tuple[S, ...]
    actions: tuple[A, ...]
    loop_start: int | None = None

    def __post_init__(self) -> None:
        if len(self.states) != len(self.actions) + 1:
            raise InvalidModel(
                f"a path needs one more state than actions, got {len(self.states)} states and "
                f"{len(self.actions)} actions"
            )

    def __len__(self) -> int:
        """The number of steps."""
        return len(self.actions)

    @property
    def last_state(self) -> S:
        return self.states[-1]

    @classmethod
    def from_actions(cls, model: Any, init: S, actions: Sequence[A]) -> Path[S, A]:
        """Replay ``actions`` from ``init`` through ``model.next_state``.

        Raises
        ------
        InvalidModel
            When an action is disabled where the path takes it.
        """
        states = [init]
        for i, action in enumerate(actions):
            nxt = model.next_state(states[-1], action)
            if nxt is None:
                raise InvalidModel(f"step {i + 1}: action {action!r} is disabled in the state reached")
            states.append(nxt)
        return cls(tuple(states), tuple(actions))

    def replays(self, model: Any) -> bool:
        """Whether every step is reproduced by ``model.next_state`` (purity and determinism)."""
        if self.states[0] not in list(model.init_states()):
            return False
        for i, action in enumerate(self.actions):
            if model.next_state(self.states[i], action) != self.states[i + 1]:
                return False
        return True


def concretize(
    model: Any,
    fingerprint: Callable[[Any], int],
    fps: Sequence[int],
    init_states: Sequence[Any] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Turn a chain of fingerprints into concrete states and actions.

    The checker stores fingerprints only (as TLC does); this re-derives the concrete states by
    taking, at each step, the first enabled action (in the model's order) whose successor has
    the next fingerprint. Under symmetry reduction the result may be a renamed image of the
    states first seen, which is an equally valid trace.
    """
    inits = list(model.init_states()) if init_states is None else list(init_states)
    first = next((s for s in inits if fingerprint(s) == fps[0]), None)
    if first is None:
        raise InvalidModel("trace reconstruction: no initial state has the trace's first fingerprint")
    successors = _hook(model, "successors")
    states, actions = [first], []
    for target in fps[1:]:
        for action, nxt in successors(states[-1]):
            if fingerprint(nxt) == target:
                states.append(nxt)
                actions.append(action)
                break
        else:
            raise InvalidModel(
                f"trace reconstruction failed at step {len(actions) + 1}: no successor has the "
                "recorded fingerprint (is next_state pure and deterministic?)"
            )
    return states, actions


def fingerprint_function(model: Any, symmetry: bool) -> Callable[[Any], Hashable]:
    """The function mapping a state to its 64-bit fingerprint."""
    if symmetry:
        rep = _hook(model, "representative")
        return lambda s: hash(rep(s))
    return hash
