"""``ClusterState`` (:mod:`kmodel.state`): writes keep every kind sorted by namespace and name,
and reads agree with a plain dictionary of the same objects (the store's binary-search insert
and its whole-tuple answer for a single-namespace ``list`` are checked against it)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef
from kmodel.objects.workloads import Container, Pod, PodSpec
from kmodel.state import ClusterState

_names = st.sampled_from(["a", "b", "c", "web-1", "web-2"])
_namespaces = st.sampled_from(["default", "kube-system", "prod"])


def _pod(ns: str, name: str, gen: int) -> Pod:
    return Pod(ObjectMeta(name, ns, generation=gen), PodSpec((Container("c"),)))


_ops = st.lists(st.tuples(st.sampled_from(["put", "put", "delete"]), _namespaces, _names, st.integers(0, 2)),
                max_size=25)


@given(_ops)
def test_writes_agree_with_a_dictionary(ops: list[tuple[str, str, str, int]]) -> None:
    state = ClusterState.empty().with_(Namespace(ObjectMeta("default")))
    model: dict[tuple[str, str], Pod] = {}
    for op, ns, name, gen in ops:
        if op == "put":
            pod = _pod(ns, name, gen)
            state, model[(ns, name)] = state.with_(pod), pod
        else:
            state = state.without(ObjectRef("Pod", ns, name))
            model.pop((ns, name), None)
    assert state.revision == 1 + len(ops)
    assert [(p.metadata.namespace, p.name) for p in state.list("Pod")] == sorted(model)
    assert all(state.get(ObjectRef("Pod", ns, n)) is p for (ns, n), p in model.items())
    for ns in ("default", "kube-system", "prod", "other"):
        assert state.list("Pod", ns) == tuple(model[k] for k in sorted(model) if k[0] == ns)
    rebuilt = ClusterState.of([Namespace(ObjectMeta("default")), *model.values()])
    assert state == rebuilt and hash(state) == hash(rebuilt)


def test_single_namespace_list_is_the_kind_tuple() -> None:
    s = ClusterState.of([_pod("default", "a", 0), _pod("default", "b", 0)])
    assert s.list("Pod", "default") is s.list("Pod")
    assert s.list("Pod", "prod") == () and s.list("Node", "default") == ()


def test_derived_values_are_computed_once_and_not_compared() -> None:
    calls = []

    def count(state: ClusterState) -> int:
        calls.append(state)
        return len(state)

    s = ClusterState.of([_pod("default", "a", 0)])
    assert s.derived(count) == 1 and s.derived(count) == 1 and len(calls) == 1
    t = ClusterState.of([_pod("default", "a", 0)])
    assert t == s and hash(t) == hash(s)  # the cache takes no part in equality
    assert t.derived(count) == 1 and len(calls) == 2
