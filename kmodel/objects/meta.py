"""Object metadata, references, labels and selectors (``k8s.io/apimachinery/pkg/apis/meta/v1``).

Every object kmodel keeps in a :class:`kmodel.state.ClusterState` is a frozen, slotted dataclass
whose hash is computed once and cached, so a state that shares most objects with its parent is
fingerprinted in time proportional to its number of objects, not their depth. Records are built
on every model step, so :func:`record` also writes each class a faster ``__init__`` (the slots
filled through their descriptors) and a per-class :func:`replace`, both equivalent to what
:mod:`dataclasses` writes (``tests/objects/test_meta_records.py`` checks every record class).

Abstractions:

* ``metadata.resourceVersion`` is kept (the API server sets it from the store's revision and
  checks it for optimistic concurrency) but is **excluded from equality and hashing**: two
  states that differ only in resource versions are the same model state. This keeps the state
  space finite; it is sound while no part of the state holds an old resource version (stale
  views, a later fault, will compare against the object's version where it matters).
* ``metadata.deletionTimestamp`` is a boolean ``deleting``: time is abstract.
* ``metadata.creationTimestamp`` is a logical clock, kept only where a modelled controller
  orders objects by it: the API server gives a created ReplicaSet 1 + the largest
  ``creation_timestamp`` among its namespace's ReplicaSets (the Deployment controller sorts
  ReplicaSets oldest first, ties by name); every other object keeps 0 (equally old).
* UIDs are derived from the object's name (``<kind>/<namespace>/<name>``): an object deleted and
  re-created with the same name gets the same UID. Nothing modelled so far re-creates an owner
  under a reused name; the garbage collector compares UIDs as upstream does.

Upstream: ``staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`` and
``.../meta/v1/helpers.go`` (``LabelSelectorAsSelector``), ``.../labels/selector.go``.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "record",
    "ObjectRef",
    "OwnerReference",
    "ObjectMeta",
    "LabelSelectorRequirement",
    "LabelSelector",
    "Namespace",
    "labels_of",
]

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, slotted dataclass with a cached hash.

    The class must declare a last field ``_hash: int = field(default=0, init=False,
    repr=False, compare=False)`` to hold the cache. Equality compares cached hashes first, so
    telling two different objects apart is cheap; the hash is needed anyway for fingerprints.
    """
    own_init = "__init__" in cls.__dict__  # a class's own __init__ is kept, as dataclass keeps it
    cls = dataclass(frozen=True, slots=True)(cls)  # type: ignore[assignment]
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    compared = attrgetter(*[f.name for f in fields if f.compare])
    init_names = tuple(f.name for f in fields if f.init)
    set_hash = cls.__dict__["_hash"].__set__  # the slot's own setter (the class is frozen)

    def __hash__(self: Any) -> int:
        h = self._hash
        if h == 0:
            value = compared(self)
            h = hash(value if isinstance(value, tuple) else (value,)) or 1
            set_hash(self, h)
        return h

    def __eq__(self: Any, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        if (self._hash or hash(self)) != (other._hash or hash(other)):  # type: ignore[attr-defined]
            return False
        return bool(compared(self) == compared(other))

    fast_init = None if own_init else _initializer(cls, fields)
    if fast_init is not None:
        cls.__init__ = fast_init  # type: ignore[misc]
    cls.__hash__ = __hash__  # type: ignore[assignment]
    cls.__eq__ = __eq__  # type: ignore[assignment]
    cls._init_names = init_names  # type: ignore[attr-defined]
    cls._init_set = frozenset(init_names)  # type: ignore[attr-defined]
    cls._replace = staticmethod(_replacer(init_names))  # type: ignore[attr-defined]
    return cls


def _initializer(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Any:
    """An ``__init__`` equivalent to the one :mod:`dataclasses` writes for a frozen, slotted
    class (same parameters and defaults, ``__post_init__`` called, fields with ``init=False`` set
    to their default), that fills the slots through their descriptors instead of
    ``object.__setattr__``: about twice as fast, and records are built on every model step.
    ``None`` (keep the dataclass's own) for fields with a default factory, keyword-only fields
    or ``InitVar`` pseudo-fields."""
    if any(f.default_factory is not dataclasses.MISSING or f.kw_only is True for f in fields):
        return None
    if any(isinstance(v, dataclasses.InitVar) for v in getattr(cls, "__annotations__", {}).values()):
        return None
    namespace: dict[str, Any] = {}
    params, body = [], []
    for i, f in enumerate(fields):
        namespace[f"_s{i}"] = cls.__dict__[f.name].__set__
        if f.init:
            if f.default is dataclasses.MISSING:
                params.append(f.name)
            else:
                namespace[f"_d{i}"] = f.default
                params.append(f"{f.name}=_d{i}")
            body.append(f"    _s{i}(self, {f.name})")
        elif f.default is not dataclasses.MISSING:
            namespace[f"_d{i}"] = f.default
            body.append(f"    _s{i}(self, _d{i})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(src, namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _replacer(names: tuple[str, ...]) -> Any:
    """``(obj, changes) -> a copy of obj with changes``, written out for the class's fields (as
    :mod:`dataclasses` writes ``__init__``): :func:`replace` is on the model's hottest path."""
    args = ", ".join(f"c[{n!r}] if {n!r} in c else o.{n}" for n in names)
    namespace: dict[str, Any] = {}
    exec(f"def _replace(o, c):\n    return o.__class__({args})\n", namespace)  # noqa: S102
    return namespace["_replace"]


def _hash_field() -> Any:
    return field(default=0, init=False, repr=False, compare=False)


@record
class ObjectRef:
    """Identifies an object in the store: kind, namespace (``""`` if cluster-scoped), name.

    Ordered, so iteration over a state is deterministic.

    Examples
    --------
    >>> ObjectRef("Pod", "default", "web-1")
    Pod/default/web-1
    """

    kind: str
    namespace: str
    name: str
    _hash: int = _hash_field()

    def __lt__(self, other: ObjectRef) -> bool:
        return (self.kind, self.namespace, self.name) < (other.kind, other.namespace, other.name)

    def __repr__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"

    __str__ = __repr__


def uid_for(kind: str, namespace: str, name: str) -> str:
    """The model's UID of an object (see the module docstring)."""
    return f"{kind}/{namespace}/{name}"


@record
class OwnerReference:
    """``metadata.ownerReferences[]``."""

    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool = False
    block_owner_deletion: bool = False
    _hash: int = _hash_field()


Labels = tuple[tuple[str, str], ...]


def labels_of(mapping: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Labels:
    """Labels as a sorted tuple of pairs (the form kept in state)."""
    if mapping is None:
        return ()
    items = mapping.items() if isinstance(mapping, Mapping) else mapping
    return tuple(sorted((str(k), str(v)) for k, v in items))


@record
class ObjectMeta:
    """``metadata``: the fields kmodel models.

    ``labels`` and ``annotations`` are sorted tuples of pairs; ``deleting`` stands for a set
    ``deletionTimestamp``; ``resource_version`` is excluded from equality (see module docs).
    """

    name: str
    namespace: str = ""
    uid: str = ""
    generate_name: str = ""
    labels: Labels = ()
    annotations: Labels = ()
    owner_references: tuple[OwnerReference, ...] = ()
    generation: int = 0
    deleting: bool = False
    creation_timestamp: int = 0
    resource_version: int = field(default=0, compare=False, repr=False)
    _hash: int = _hash_field()

    def label(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.labels:
            if k == key:
                return v
        return default

    def annotation(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.annotations:
            if k == key:
                return v
        return default

    def controller_ref(self) -> OwnerReference | None:
        """The owner reference with ``controller: true`` (``GetControllerOf``)."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


@record
class LabelSelectorRequirement:
    """``matchExpressions[]``: operator In, NotIn, Exists or DoesNotExist."""

    key: str
    operator: str
    values: tuple[str, ...] = ()
    _hash: int = _hash_field()

    def matches(self, labels: Labels) -> bool:
        present = False
        value = None
        for k, v in labels:
            if k == self.key:
                present, value = True, v
                break
        op = self.operator
        if op == "In":
            return present and value in self.values
        if op == "NotIn":
            return not present or value not in self.values
        if op == "Exists":
            return present
        if op == "DoesNotExist":
            return not present
        return False


@record
class LabelSelector:
    """A ``metav1.LabelSelector``: ``matchLabels`` and ``matchExpressions`` ANDed.

    As ``LabelSelectorAsSelector``: an empty selector (no labels, no expressions) matches
    everything; a *nil* selector is represented by ``None`` where a field may be nil, and
    matches nothing.

    Examples
    --------
    >>> sel = LabelSelector(match_labels=(("app", "web"),))
    >>> sel.matches((("app", "web"), ("tier", "front"))), sel.matches((("app", "db"),))
    (True, False)
    """

    match_labels: Labels = ()
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()
    _hash: int = _hash_field()

    def matches(self, labels: Labels) -> bool:
        if self.match_labels:
            have = dict(labels)
            for k, v in self.match_labels:
                if have.get(k) != v:
                    return False
        return all(req.matches(labels) for req in self.match_expressions)

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for r in self.match_expressions:
            if r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(r.values)})")
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts) or "<everything>"


@record
class Namespace:
    """A Namespace (cluster-scoped)."""

    metadata: ObjectMeta
    phase: str = "Active"
    _hash: int = _hash_field()

    kind = "Namespace"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Namespace", "", self.metadata.name)


def replace(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for records, faster (the cached hash is reset).

    Examples
    --------
    >>> replace(ObjectRef("Pod", "default", "a"), name="b")
    Pod/default/b
    """
    if not changes.keys() <= obj._init_set:  # type: ignore[attr-defined]
        for key in changes:
            if key not in obj._init_set:  # type: ignore[attr-defined]
                raise TypeError(f"{type(obj).__name__} has no field {key!r}")
    return obj._replace(obj, changes)  # type: ignore[attr-defined,no-any-return]
