"""Numeric models that are both explicit models and SMT encodings.

A :class:`SymbolicModel` describes a small transition system over integer parameters and
integer state variables, with its transitions, properties and invariants written once as
functions over an *ops* object (see :mod:`kmodel.smt.ops`). It is

* an ordinary :class:`kmodel.model.Model`: states are frozen named tuples of ints (parameters
  first, then variables), ``next_state`` runs the transitions over Python ints, so the explicit
  checker (``model.checker().bfs()``), replay and the reports work unchanged;
* a symbolic transition system: :meth:`SymbolicModel.smt` returns an
  :class:`kmodel.smt.encode.Encoding` (state variables per step, the initial condition, the
  transition relation as a disjunction of labelled actions, property formulas, and a decoder
  from a Z3 model back to concrete states and actions), used by bounded model checking
  (:mod:`kmodel.smt.bmc`), k-induction and Spacer (:mod:`kmodel.smt.induction`) and the search
  for minimal configurations (:mod:`kmodel.smt.minimal`).

**Parameters are state.** A parameter (``replicas``, ``maxSurge``, the number of node failures
allowed) is a state component that no transition changes. Given as a single value it is fixed;
given as a range it is left open: the explicit checker starts from every value in the range (one
initial state each), the solver leaves it symbolic. A counterexample therefore names concrete
parameter values, and is replayed in the model with the parameters fixed to them.

**A step that changes nothing is not a step** (as in the explicit checker): a transition whose
effect leaves the state unchanged is disabled, in both readings.

Every model has the property ``type-ok``: every variable stays within its declared range. The
ranges are chosen so that the bit-vector reading cannot overflow inside them, so a proof that
includes ``type-ok`` (every proof does) also proves that the bit-vector reading agrees with the
integer one on every reachable state.

Examples
--------
A counter that counts up to a symbolic limit:

>>> from kmodel.smt.symbolic import Action, Param, SymbolicModel, Var
>>> from kmodel.model import always
>>> class Counter(SymbolicModel):
...     name = "counter"
...     PARAMS = (Param("limit", 0, 100),)
...     VARS = (Var("n", 0, 100),)
...     def init(self, o, s): return {"n": 0}
...     def transitions(self):
...         return (Action("inc", "clock", lambda o, s, c: (s.n < s.limit, {"n": s.n + 1})),)
...     def formulas(self):
...         return (always("below limit", lambda o, s: s.n <= s.limit),)
>>> m = Counter(limit=3)
>>> m.init_states()
[CounterState(limit=3, n=0)]
>>> r = m.checker().bfs()
>>> r.verdict, r.stats.states
('holds', 4)
>>> Counter(limit=(0, 2)).init_states()
[CounterState(limit=0, n=0), CounterState(limit=1, n=0), CounterState(limit=2, n=0)]
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Expectation, Model, Property, always
from kmodel.objects.meta import _hash_field, record
from kmodel.smt.ops import CONCRETE

__all__ = [
    "Param",
    "Var",
    "Choice",
    "Action",
    "NumAction",
    "SymbolicModel",
    "TYPE_OK",
    "MAX_EXPLICIT_INITS",
]

#: The name of the range property every numeric model has.
TYPE_OK = "type-ok"
#: The most initial states the explicit reading enumerates (parameters with huge ranges are
#: for the solver: fix them to explore explicitly).
MAX_EXPLICIT_INITS = 200_000

Effect = Callable[[Any, Any, Any], tuple[Any, Mapping[str, Any]]]
Formula = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Param:
    """A parameter: a state component no transition changes; ``lo``..``hi`` is every value the
    model accepts (a Boolean parameter is 0..1)."""

    name: str
    lo: int
    hi: int
    doc: str = ""


@dataclass(frozen=True)
class Var:
    """A state variable with the range ``type-ok`` holds it to."""

    name: str
    lo: int
    hi: int
    doc: str = ""


@dataclass(frozen=True)
class Choice:
    """A nondeterministic input of a transition (how many creations succeed, which value a
    metric reports): the explicit reading enumerates ``lo``..``hi``; the solver picks one."""

    name: str
    lo: int
    hi: int


@dataclass(frozen=True)
class Action:
    """A labelled transition: ``effect(o, s, c)`` returns ``(guard, updates)``.

    ``s`` reads parameters and variables by attribute, ``c`` the choices; ``updates`` maps
    variable names to new values (others are unchanged). ``fair`` actions are controller steps
    (weak fairness, class = the action's name); unfair ones are the environment (faults, user
    edits, clocks that need not tick).
    """

    name: str
    actor: str
    effect: Effect
    choices: tuple[Choice, ...] = ()
    fair: bool = True
    doc: str = ""


@record
class NumAction:
    """One concrete step of a numeric model: the action's name and its choices.

    Examples
    --------
    >>> str(NumAction("sync", "replicaset-controller", (("created", 2),)))
    'replicaset-controller: sync (created=2)'
    """

    name: str
    actor: str
    choices: tuple[tuple[str, int], ...] = ()
    _hash: int = _hash_field()

    def __str__(self) -> str:
        extra = f" ({', '.join(f'{k}={v}' for k, v in self.choices)})" if self.choices else ""
        return f"{self.actor}: {self.name}{extra}"

    def choice(self, name: str) -> int:
        for k, v in self.choices:
            if k == name:
                return v
        raise KeyError(name)


class _Namespace:
    """Attribute access over a dict (the choices of a step, symbolic states)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


class SymbolicModel(Model[Any, NumAction]):
    """Base class of numeric models (see the module docstring).

    Subclasses set ``name``, ``PARAMS``, ``VARS`` (and ``width``, the bit-vector width, when 32
    bits are not enough) and implement :meth:`init`, :meth:`transitions` and :meth:`formulas`
    (and :meth:`valid` when parameters constrain each other).

    Parameters
    ----------
    **params :
        For each parameter: an int (fixed), a ``(lo, hi)`` pair or a ``range`` (left open over
        those values), or ``None`` (every value the parameter accepts). Booleans count as 0/1.
        Parameters not given take :meth:`defaults`.
    """

    name: ClassVar[str] = "numeric-model"
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    VARS: ClassVar[tuple[Var, ...]] = ()
    width: ClassVar[int | None] = None
    #: Upstream files the model follows (for reports).
    upstream: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: Any) -> None:
        known = {p.name: p for p in self.PARAMS}
        for key in params:
            if key not in known:
                raise InvalidArgument(f"{self.name}: unknown parameter {key!r} (known: {', '.join(known)})")
        merged = {**self.defaults(), **params}
        self._domains: dict[str, tuple[int, int]] = {}
        for p in self.PARAMS:
            self._domains[p.name] = _domain(self.name, p, merged.get(p.name))
        names = [p.name for p in self.PARAMS] + [v.name for v in self.VARS]
        if len(set(names)) != len(names):
            raise InvalidModel(f"{self.name}: parameter and variable names must be distinct")
        self.State = namedtuple(_camel(self.name) + "State", names)  # type: ignore[misc]
        self._param_names = tuple(p.name for p in self.PARAMS)
        self._var_names = tuple(v.name for v in self.VARS)
        self._actions = tuple(self.transitions())
        self._by_name = {a.name: a for a in self._actions}
        if len(self._by_name) != len(self._actions):
            raise InvalidModel(f"{self.name}: action names must be distinct")
        self._formulas = (self._type_ok(), *self.formulas())
        self._every_formula = self._formulas
        fnames = [f.name for f in self._formulas]
        if len(set(fnames)) != len(fnames):
            raise InvalidModel(f"{self.name}: property names must be distinct")

    # -- to be provided by subclasses ------------------------------------------------------------
    def defaults(self) -> dict[str, Any]:
        """Parameter values used when the caller gives none (default: each parameter's low end)."""
        return {p.name: p.lo for p in self.PARAMS}

    def valid(self, o: Any, s: Any) -> Any:
        """Constraints among parameters (validation rules); ``o.true`` by default."""
        return o.true

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        """The initial value of every variable, as a function of the parameters ``s``."""
        raise NotImplementedError

    def transitions(self) -> Sequence[Action]:
        """The labelled actions, in the order the explicit checker tries them."""
        raise NotImplementedError

    def formulas(self) -> Sequence[Property[Any]]:
        """Properties whose condition is ``f(o, s)`` (use :func:`kmodel.model.always`, ...)."""
        return ()

    def invariants(self) -> Mapping[str, Formula]:
        """Named strengthening invariants offered to k-induction (none by default)."""
        return {}

    # -- parameters ----------------------------------------------------------------------------
    @property
    def domains(self) -> dict[str, tuple[int, int]]:
        """Each parameter's ``(lo, hi)`` in this instance."""
        return dict(self._domains)

    @property
    def param_names(self) -> tuple[str, ...]:
        return self._param_names

    @property
    def var_names(self) -> tuple[str, ...]:
        return self._var_names

    def actions_list(self) -> tuple[Action, ...]:
        """The labelled actions (see :meth:`transitions`)."""
        return self._actions

    def formula(self, name: str) -> Property[Any]:
        """The property ``name`` with its ``(o, s)`` condition."""
        for f in self._every_formula:
            if f.name == name:
                return f
        raise InvalidArgument(f"{self.name}: no property {name!r} (known: "
                              f"{', '.join(f.name for f in self._every_formula)})")

    def all_formulas(self) -> tuple[Property[Any], ...]:
        """Every property checked, with its ``(o, s)`` condition (``type-ok`` first)."""
        return self._formulas

    def select(self, names: Sequence[str]) -> SymbolicModel:
        """The same model checking only the properties ``names`` (in the model's order)."""
        for n in names:
            self.formula(n)
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._formulas = tuple(f for f in self._every_formula if f.name in names)
        return clone

    def with_params(self, **params: Any) -> SymbolicModel:
        """The same model with some parameters changed (others keep this instance's domains) and
        the same actions."""
        current: dict[str, Any] = {k: (lo if lo == hi else (lo, hi)) for k, (lo, hi) in self._domains.items()}
        current.update(params)
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        SymbolicModel.__init__(clone, **current)
        # Keep this instance's actions: their choice ranges may have been sized from the
        # parameter domains, and a path found here must replay there.
        clone._actions, clone._by_name = self._actions, self._by_name
        keep = {f.name for f in self._formulas}
        clone._formulas = tuple(f for f in clone._every_formula if f.name in keep)
        return clone

    def fix(self, state: Any) -> SymbolicModel:
        """This model with every parameter fixed to its value in ``state``."""
        return self.with_params(**{k: getattr(state, k) for k in self._param_names})

    def params_of(self, state: Any) -> dict[str, int]:
        return {k: getattr(state, k) for k in self._param_names}

    def _type_ok(self) -> Property[Any]:
        variables = self.VARS

        def cond(o: Any, s: Any) -> Any:
            return o.and_(*[o.and_(getattr(s, v.name) >= v.lo, getattr(s, v.name) <= v.hi) for v in variables])

        return always(TYPE_OK, cond, description="every variable stays within its declared range")

    # -- the explicit reading -------------------------------------------------------------------
    def _param_states(self) -> Iterator[dict[str, int]]:
        ranges = [range(lo, hi + 1) for lo, hi in (self._domains[n] for n in self._param_names)]
        for values in itertools.product(*ranges):
            yield dict(zip(self._param_names, values, strict=True))

    def initial_state(self, **params: int) -> Any:
        """The initial state for concrete parameter values (``None`` if they are not valid)."""
        p = _Namespace(params)
        if not self.valid(CONCRETE, p):
            return None
        values = dict(self.init(CONCRETE, p))
        missing = set(self._var_names) - set(values)
        if missing:
            raise InvalidModel(f"{self.name}: init() gives no value for {', '.join(sorted(missing))}")
        return self.State(**params, **{k: int(values[k]) for k in self._var_names})

    def init_states(self) -> list[Any]:
        total = 1
        for lo, hi in self._domains.values():
            total *= hi - lo + 1
        if total > MAX_EXPLICIT_INITS:
            open_params = ", ".join(f"{k} in [{lo}, {hi}]" for k, (lo, hi) in self._domains.items() if lo != hi)
            raise InvalidModel(
                f"{self.name}: {total:,} initial states ({open_params}) are too many to explore "
                "explicitly: fix some parameters, or use the SMT engine (.checker().smt(depth))")
        out = []
        for params in self._param_states():
            state = self.initial_state(**params)
            if state is not None:
                out.append(state)
        return out

    def is_initial(self, state: Any) -> bool:
        """Whether ``state`` is an initial state of this instance (within the parameter domains)."""
        for k in self._param_names:
            lo, hi = self._domains[k]
            if not lo <= getattr(state, k) <= hi:
                return False
        return self.initial_state(**self.params_of(state)) == state

    def _apply(self, action: Action, state: Any, choices: Mapping[str, int]) -> Any:
        guard, updates = action.effect(CONCRETE, state, _Namespace(choices))
        if not guard:
            return None
        changes = {k: int(v) for k, v in updates.items() if v != getattr(state, k)}
        if not changes:
            return None
        unknown = set(changes) - set(self._var_names)
        if unknown:
            raise InvalidModel(f"{self.name}: action {action.name!r} updates unknown or constant "
                               f"components {', '.join(sorted(unknown))}")
        return state._replace(**changes)

    def _choice_sets(self, action: Action) -> Iterator[dict[str, int]]:
        ranges = [range(c.lo, c.hi + 1) for c in action.choices]
        names = [c.name for c in action.choices]
        for values in itertools.product(*ranges):
            yield dict(zip(names, values, strict=True))

    def actions(self, state: Any) -> list[NumAction]:
        out = []
        for action in self._actions:
            for ch in self._choice_sets(action):
                out.append(NumAction(action.name, action.actor, tuple(ch.items())))
        return out

    def successors(self, state: Any) -> Iterator[tuple[NumAction, Any]]:
        for action in self._actions:
            for ch in self._choice_sets(action):
                nxt = self._apply(action, state, ch)
                if nxt is not None:
                    yield NumAction(action.name, action.actor, tuple(ch.items())), nxt

    def next_state(self, state: Any, action: NumAction) -> Any:
        act = self._by_name.get(action.name)
        if act is None:
            return None
        ch = dict(action.choices)
        for c in act.choices:
            if c.name not in ch or not c.lo <= ch[c.name] <= c.hi:
                return None
        return self._apply(act, state, ch)

    def properties(self) -> list[Property[Any]]:
        out = []
        for f in self._formulas:
            cond = f.condition
            out.append(Property(f.name, f.expectation, _concrete(cond), f.description))
        return out

    def fairness(self, action: NumAction) -> Any:
        act = self._by_name.get(action.name)
        return action.name if act is not None and act.fair else None

    def describe_action(self, action: NumAction) -> str:
        return str(action)

    def describe_state(self, state: Any) -> str:
        params = ", ".join(f"{k}={getattr(state, k)}" for k in self._param_names)
        values = ", ".join(f"{k}={getattr(state, k)}" for k in self._var_names)
        return f"{values} [{params}]" if params else values

    def explain(self, name: str, state: Any) -> list[str]:
        """Why property ``name`` fails in ``state``, in a sentence (for reports)."""
        try:
            f = self.formula(name)
        except InvalidArgument:
            return []
        what = f.description or name
        return [f"{name} ({what}) is false in: {self.describe_state(state)}"]

    def changes(self, before: Any, after: Any) -> list[str]:
        """``name: old -> new`` for every variable a step changed."""
        return [f"{k}: {getattr(before, k)} -> {getattr(after, k)}" for k in self._var_names
                if getattr(before, k) != getattr(after, k)]

    # -- the symbolic reading -------------------------------------------------------------------
    def smt(self, *, width: int | None | str = "default") -> Any:
        """The SMT encoding (:class:`kmodel.smt.encode.Encoding`); ``width=None`` for ``Int``."""
        from kmodel.smt.encode import Encoding

        return Encoding(self, width=self.width if width == "default" else width)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        dom = ", ".join(f"{k}={lo}" if lo == hi else f"{k}=({lo}, {hi})" for k, (lo, hi) in self._domains.items())
        return f"{type(self).__name__}({dom})"


def _concrete(cond: Formula) -> Callable[[Any], bool]:
    return lambda s: bool(cond(CONCRETE, s))


def _camel(name: str) -> str:
    return "".join(w.capitalize() for w in name.replace("_", "-").split("-"))


def _domain(model: str, p: Param, value: Any) -> tuple[int, int]:
    if value is None:
        return p.lo, p.hi
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        lo = hi = value
    elif isinstance(value, range):
        if value.step != 1 or not value:
            raise InvalidArgument(f"{model}: parameter {p.name} must be a non-empty range with step 1")
        lo, hi = value.start, value.stop - 1
    elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        lo, hi = int(value[0]), int(value[1])
    else:
        raise InvalidArgument(f"{model}: parameter {p.name} must be an int, a (lo, hi) pair or a range, "
                              f"got {value!r}")
    if lo > hi or lo < p.lo or hi > p.hi:
        raise InvalidArgument(f"{model}: parameter {p.name} must lie within [{p.lo}, {p.hi}], got [{lo}, {hi}]")
    return lo, hi


def expectation_is_safety(prop: Property[Any]) -> bool:
    """Whether the SMT engines decide ``prop`` (invariants and reachability goals)."""
    return prop.expectation in (Expectation.ALWAYS, Expectation.SOMETIMES)
