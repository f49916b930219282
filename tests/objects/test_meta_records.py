"""``record`` (:mod:`kmodel.objects.meta`): the fast ``__init__`` and ``replace`` it installs
behave as the ones :mod:`dataclasses` writes, for every record class kmodel defines."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmodel
from kmodel.objects.meta import ObjectMeta, ObjectRef, OwnerReference, _initializer, record, replace


def _record_classes() -> list[type]:
    out = {}
    for info in pkgutil.walk_packages(kmodel.__path__, "kmodel."):
        if ".smt" in info.name or info.name.endswith(("cli", "__main__")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and "_init_names" in vars(value) and value.__module__ == module.__name__:
                out[f"{value.__module__}.{value.__qualname__}"] = value
    return [out[k] for k in sorted(out)]


RECORDS = _record_classes()


def test_every_record_class_is_found() -> None:
    names = {c.__name__ for c in RECORDS}
    assert {"ObjectMeta", "ObjectRef", "Pod", "Node", "ReplicaSet", "Deployment"} <= names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_init_signature_is_the_dataclass_one(cls: type) -> None:
    fields = dataclasses.fields(cls)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in fields if f.init]
    for p, f in zip(params, [f for f in fields if f.init]):
        want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert p.default is want or p.default == want, (cls, f.name)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_init_false_fields_start_at_their_default(cls: type) -> None:
    for f in dataclasses.fields(cls):
        if not f.init and f.default is not dataclasses.MISSING:
            assert f.name in cls.__slots__


def test_fast_init_sets_every_slot_and_stays_frozen() -> None:
    m = ObjectMeta("web-1", "default", labels=(("app", "web"),))
    assert (m.name, m.namespace, m.labels, m.generation, m._hash, m.resource_version) == \
        ("web-1", "default", (("app", "web"),), 0, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ObjectMeta()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ObjectRef("Pod", "default", "a", "extra")  # type: ignore[call-arg]


def test_post_init_still_runs() -> None:
    @record
    class Checked:
        n: int
        _hash: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("negative")

    assert Checked(1).n == 1
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)


def test_classes_the_fast_init_does_not_handle_keep_the_dataclass_one() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        items: tuple = dataclasses.field(default_factory=tuple)
        _hash: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

    assert _initializer(WithFactory, dataclasses.fields(WithFactory)) is None

    @record
    class Plain:
        a: int
        b: str = "x"
        _hash: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

    assert Plain(1) == Plain(1, "x") and hash(Plain(1)) == hash(Plain(1, "x"))
    assert Plain(1) != Plain(2) and repr(Plain(1)) == "test_classes_the_fast_init_does_not_handle_keep_the_dataclass_one.<locals>.Plain(a=1, b='x')"


def test_replace_rejects_unknown_fields_by_name() -> None:
    with pytest.raises(TypeError, match="ObjectMeta has no field 'nam'"):
        replace(ObjectMeta("a"), nam="b")
    with pytest.raises(TypeError, match="has no field '_hash'"):
        replace(ObjectMeta("a"), _hash=3)


_text = st.text("abc-", max_size=4)
_meta = st.builds(ObjectMeta, _text, _text, _text, _text,
                  st.lists(st.tuples(_text, _text), max_size=2).map(lambda x: tuple(sorted(x))),
                  st.just(()), st.lists(st.builds(OwnerReference, _text, _text, _text, _text, st.booleans()),
                                        max_size=2).map(tuple),
                  st.integers(0, 3), st.booleans(), st.integers(0, 3), st.integers(0, 3))


@given(_meta, st.dictionaries(st.sampled_from(ObjectMeta._init_names), _text | st.integers(0, 3), max_size=4))
def test_replace_agrees_with_dataclasses_replace(meta: ObjectMeta, changes: dict) -> None:
    ours, theirs = replace(meta, **changes), dataclasses.replace(meta, **changes)
    assert ours == theirs and repr(ours) == repr(theirs) and hash(ours) == hash(theirs)
    assert ours.resource_version == theirs.resource_version and ours._hash == 0 or ours._hash == hash(ours)


def test_a_class_own_init_is_kept() -> None:
    @record
    class Custom:
        a: int
        _hash: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

        def __init__(self, text: str) -> None:
            object.__setattr__(self, "a", len(text))
            object.__setattr__(self, "_hash", 0)

    assert Custom("abc").a == 3
