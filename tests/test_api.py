"""The API server as a pure function."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.api import Bind, Create, Delete, Update, UpdateStatus, apply, apply_all
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace
from kmodel.objects.nodes import Node
from kmodel.objects.workloads import (
    Container,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
)
from kmodel.properties import type_ok_errors
from kmodel.state import ClusterState

LABELS = (("app", "web"),)
SPEC = PodSpec((Container("web", image="web:1", requests=(("cpu", 100),)),))


def base() -> ClusterState:
    s = ClusterState.empty()
    for obj in (Namespace(ObjectMeta("default")), Node(ObjectMeta("n1")), Node(ObjectMeta("n2"))):
        s, r = apply(s, Create(obj))
        assert r.code == 201
    return s


def rs(name="web", replicas=None):
    return ReplicaSet(ObjectMeta(name, "default"),
                      ReplicaSetSpec(LabelSelector(LABELS), PodTemplateSpec(LABELS, SPEC), replicas))


def test_create_defaults_and_metadata():
    s, r = apply(base(), Create(rs()))
    obj = s.get(r.ref)
    assert r.code == 201 and obj.spec.replicas == 1
    assert obj.metadata.uid and obj.metadata.generation == 1 and obj.metadata.namespace == "default"
    s2, r2 = apply(s, Create(rs()))
    assert r2.code == 409 and s2 is s


def test_create_needs_namespace():
    pod = Pod(ObjectMeta("p", "missing"), SPEC)
    s, r = apply(base(), Create(pod))
    assert r.code == 404 and "missing" in r.message


def test_generated_names_take_the_lowest_free_index():
    s = base()
    pod = Pod(ObjectMeta("", "default", generate_name="web-"), SPEC)
    s, a = apply(s, Create(pod))
    s, b = apply(s, Create(pod))
    s, _ = apply(s, Delete(a.ref))
    s, c = apply(s, Create(pod))
    assert (a.ref.name, b.ref.name, c.ref.name) == ("web-1", "web-2", "web-1")


def test_optimistic_concurrency():
    s, r = apply(base(), Create(rs()))
    obj = s.get(r.ref)
    stale = obj.metadata.resource_version
    s, r1 = apply(s, Update(replace(obj, spec=replace(obj.spec, replicas=3)), stale))
    assert r1.code == 200
    s2, r2 = apply(s, Update(replace(obj, spec=replace(obj.spec, replicas=4)), stale))
    assert r2.code == 409 and s2 is s


def test_spec_change_bumps_generation_status_is_a_subresource():
    s, r = apply(base(), Create(rs()))
    obj = s.get(r.ref)
    s, _ = apply(s, Update(replace(obj, spec=replace(obj.spec, replicas=3), status=ReplicaSetStatus(replicas=9))))
    obj = s.get(r.ref)
    assert obj.metadata.generation == 2 and obj.status.replicas == 0
    s, _ = apply(s, UpdateStatus(replace(obj, spec=replace(obj.spec, replicas=7), status=ReplicaSetStatus(replicas=2))))
    obj = s.get(r.ref)
    assert obj.spec.replicas == 3 and obj.status.replicas == 2 and obj.metadata.generation == 2


def test_selector_is_immutable():
    s, r = apply(base(), Create(rs()))
    obj = s.get(r.ref)
    s2, r2 = apply(s, Update(replace(obj, spec=replace(obj.spec, selector=LabelSelector((("app", "x"),))))))
    assert r2.code == 422 and "immutable" in r2.message


def test_graceful_pod_deletion():
    s, r = apply(base(), Create(Pod(ObjectMeta("p", "default"), SPEC)))
    s, _ = apply(s, Bind(r.ref, "n1"))
    s, d = apply(s, Delete(r.ref))
    assert d.code == 200 and s.get(r.ref).metadata.deleting
    s2, b = apply(s, Bind(r.ref, "n2"))
    assert b.code == 409
    s, _ = apply(s, Delete(r.ref, grace_period=0))
    assert s.get(r.ref) is None


def test_unbound_pod_is_deleted_at_once_and_bind_twice_conflicts():
    s, r = apply(base(), Create(Pod(ObjectMeta("p", "default"), SPEC)))
    s1, _ = apply(s, Delete(r.ref))
    assert s1.get(r.ref) is None
    s, _ = apply(s, Bind(r.ref, "n1"))
    assert s.get(r.ref).status.condition("PodScheduled").status == "True"
    _, again = apply(s, Bind(r.ref, "n2"))
    assert again.code == 409 and "already assigned" in again.message


def test_slow_start_skips_later_batches_after_a_failure():
    s = base()
    good = Pod(ObjectMeta("", "default", generate_name="a-"), SPEC)
    bad = Pod(ObjectMeta("", "nowhere", generate_name="b-"), SPEC)
    reqs = (Create(good, 0), Create(bad, 1), Create(good, 1), Create(good, 2), Create(good, 2))
    s, responses = apply_all(s, reqs)
    assert [r.code for r in responses] == [201, 404, 201, 0, 0]
    assert len(s.list("Pod")) == 2


# -- hypothesis: apply preserves type-ok ---------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c"])


@st.composite
def requests(draw, state):
    kind = draw(st.sampled_from(["pod", "rs", "bind", "delete", "update", "status"]))
    name = draw(NAMES)
    if kind == "pod":
        owner = draw(st.booleans())
        refs = (OwnerReference("apps/v1", "ReplicaSet", "web", "ReplicaSet/default/web", True, True),) if owner else ()
        gen = draw(st.booleans())
        meta = ObjectMeta("" if gen else name, draw(st.sampled_from(["default", "default", "other"])),
                          generate_name="web-" if gen else "", labels=LABELS, owner_references=refs)
        return Create(Pod(meta, SPEC, PodStatus(phase=draw(st.sampled_from(["Pending", "Running"])))))
    if kind == "rs":
        return Create(rs(name, draw(st.integers(0, 3))))
    pods = state.list("Pod")
    objs = list(state.objects())
    if kind == "bind" and pods:
        return Bind(draw(st.sampled_from(pods)).ref, draw(st.sampled_from(["n1", "n2"])))
    if kind == "delete" and objs:
        target = draw(st.sampled_from([o for o in objs if o.kind in ("Pod", "ReplicaSet")] or objs))
        return Delete(target.ref, draw(st.sampled_from([None, 0])))
    if kind == "update" and pods:
        p = draw(st.sampled_from(pods))
        return Update(replace(p, metadata=replace(p.metadata, labels=(("app", draw(NAMES)),))))
    if kind == "status" and pods:
        p = draw(st.sampled_from(pods))
        return UpdateStatus(replace(p, status=PodStatus(phase=draw(st.sampled_from(["Running", "Failed"])))))
    return Create(rs("web", 1))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_apply_preserves_type_ok(data):
    s, _ = apply(base(), Create(rs("web", 2)))
    assert not type_ok_errors(s)
    for _ in range(data.draw(st.integers(1, 12))):
        req = data.draw(requests(s))
        new, resp = apply(s, req)
        if not resp.ok:
            assert new is s, f"a refused request changed the state: {req} -> {resp}"
        # The structural part holds after every request.
        assert not type_ok_errors(new, referential=False), (req, type_ok_errors(new))
        # The referential part can break only by deleting an owner or a node (as upstream).
        deleted_owner = isinstance(req, Delete) and req.ref.kind in ("ReplicaSet", "Node") and resp.ok
        created_orphan = isinstance(req, Create) and req.obj.metadata.owner_references and \
            s.get(ObjectRef("ReplicaSet", "default", "web")) is None
        # Binding does not check that the node exists (pkg/registry/core/pod/storage), as upstream.
        bound_to_missing = isinstance(req, Bind) and s.get(ObjectRef("Node", "", req.node)) is None
        if not type_ok_errors(s) and not deleted_owner and not created_orphan and not bound_to_missing:
            assert not type_ok_errors(new), (req, type_ok_errors(new))
        s = new
