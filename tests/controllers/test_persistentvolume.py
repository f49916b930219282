"""The PV controller and the scheduler's VolumeBinding plugin (cases after upstream's
``pv_controller_test.go``/``binder_test.go`` TestSync*, ``volume_binding_test.go``)."""

from __future__ import annotations

import pytest

from kmodel.api import Create, apply, apply_all
from kmodel.controllers import persistentvolume as pvc_ctrl
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.storage import (
    SELECTED_NODE_ANNOTATION,
    PersistentVolume,
    PersistentVolumeClaim,
    PersistentVolumeClaimSpec,
    PersistentVolumeSpec,
    StorageClass,
    Volume,
)
from kmodel.objects.workloads import Container, Pod, PodSpec
from kmodel.scheduler.framework import node_infos, schedule_one
from kmodel.scheduler.plugins.volume_binding import pre_bind
from kmodel.state import ClusterState

GI = 1 << 30
ZONE = "topology.kubernetes.io/zone"


def node(name, zone):
    return Node(ObjectMeta(name, labels=((ZONE, zone),)),
                status=NodeStatus(allocatable=(("cpu", 2000), ("memory", 4 * GI), ("pods", 110))))


def claim(name="data", sc="local", size=5 * GI):
    return PersistentVolumeClaim(ObjectMeta(name, "default"), PersistentVolumeClaimSpec(size, storage_class_name=sc))


def pv(name, size, sc="local", zones=(), claim_ref=""):
    return PersistentVolume(ObjectMeta(name), PersistentVolumeSpec(size, ("ReadWriteOnce",), sc, zones=zones,
                                                                   claim_ref=claim_ref))


def state_of(*objs):
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    for o in objs:
        s, r = apply(s, Create(o))
        assert r.ok, r
    return s


def sync(state, ref, choice=0):
    out = pvc_ctrl.reconcile(state, ref)
    reqs = out[choice] if out and isinstance(out[0], tuple) else out
    return apply_all(state, reqs)[0]


FIND_CASES = [  # TestFindingVolumeWithDifferentAccessModes / TestMatchVolume (index_test.go), rewritten
    ("TestMatchVolume/successful match pvc with the smallest volume", 5, [("big", 50), ("small", 8), ("tiny", 2)], "small"),
    ("TestMatchVolume/successful no match: all too small", 60, [("big", 50), ("small", 8)], None),
    ("TestMatchVolume/successful match exact size", 8, [("big", 50), ("small", 8)], "small"),
]


@pytest.mark.parametrize("request_gi,vols,want", [c[1:] for c in FIND_CASES], ids=[c[0] for c in FIND_CASES])
def test_find_matching_volume(request_gi, vols, want):
    found = pvc_ctrl.find_matching_volume(claim(size=request_gi * GI), [pv(n, c * GI) for n, c in vols])
    assert (found.metadata.name if found else None) == want


def test_immediate_claim_binds_to_an_available_volume():
    """TestSync 1-2 (pv_controller_test.go): an unbound claim binds to a matching volume."""
    s = state_of(StorageClass(ObjectMeta("local")), pv("pv-1", 10 * GI), claim())
    s = sync(s, ObjectRef("PersistentVolumeClaim", "default", "data"))
    c = s.get(ObjectRef("PersistentVolumeClaim", "default", "data"))
    v = s.get(ObjectRef("PersistentVolume", "", "pv-1"))
    assert (c.spec.volume_name, c.status.phase) == ("pv-1", "Bound")
    assert (v.spec.claim_ref, v.status.phase) == ("default/data", "Bound")


def test_immediate_claim_without_volume_or_provisioner_stays_pending():
    s = state_of(StorageClass(ObjectMeta("local")), claim())
    assert pvc_ctrl.reconcile(s, ObjectRef("PersistentVolumeClaim", "default", "data")) == ()


def test_immediate_provisioning_offers_every_allowed_zone():
    sc = StorageClass(ObjectMeta("ebs"), "ebs.csi.aws.com")
    s = state_of(node("a", "z1"), node("b", "z2"), sc, claim(sc="ebs"))
    alts = pvc_ctrl.reconcile(s, ObjectRef("PersistentVolumeClaim", "default", "data"))
    assert [alt[0].obj.spec.zones for alt in alts] == [("z1",), ("z2",)]


def test_delayed_claim_waits_for_the_scheduler_then_provisions_in_its_zone():
    sc = StorageClass(ObjectMeta("ebs"), "ebs.csi.aws.com", "WaitForFirstConsumer")
    p = Pod(ObjectMeta("db", "default"), PodSpec((Container("c"),), node_selector=((ZONE, "z2"),),
                                               volumes=(Volume("data", "data"),)))
    s = state_of(node("a", "z1"), node("b", "z2"), sc, claim(sc="ebs"), p)
    ref = ObjectRef("PersistentVolumeClaim", "default", "data")
    assert pvc_ctrl.reconcile(s, ref) == ()
    result = schedule_one(s.get(p.ref), node_infos(s))
    assert result.candidates == ("b",)
    s, _ = apply_all(s, pre_bind(s, s.get(p.ref), "b"))
    assert s.get(ref).metadata.annotation(SELECTED_NODE_ANNOTATION) == "b"
    s = sync(s, ref)
    bound = s.get(ObjectRef("PersistentVolume", "", s.get(ref).spec.volume_name))
    assert bound.spec.zones == ("z2",)


def test_volume_binding_filter_rejects_nodes_outside_the_volume_zone():
    """TestVolumeBinding: "PVC with bound PV, node affinity mismatch" -> volume node affinity conflict."""
    p = Pod(ObjectMeta("db", "default"), PodSpec((Container("c"),), volumes=(Volume("data", "data"),)))
    s = state_of(node("a", "z1"), node("b", "z2"), StorageClass(ObjectMeta("local")),
                 pv("pv-1", 10 * GI, zones=("z1",)), claim(), p)
    s = sync(s, ObjectRef("PersistentVolumeClaim", "default", "data"))
    r = schedule_one(s.get(p.ref), node_infos(s))
    assert r.candidates == ("a",)
    assert str(r.diagnosis["b"]) == "node(s) had volume node affinity conflict"


def test_volume_binding_prefilter_unbound_immediate_claim():
    """TestVolumeBinding: "unbound immediate PVC" -> pod has unbound immediate PersistentVolumeClaims."""
    p = Pod(ObjectMeta("db", "default"), PodSpec((Container("c"),), volumes=(Volume("data", "data"),)))
    s = state_of(node("a", "z1"), StorageClass(ObjectMeta("local")), claim(), p)
    r = schedule_one(s.get(p.ref), node_infos(s))
    assert not r.feasible and "unbound immediate PersistentVolumeClaims" in r.message(1)


def test_released_volume_is_deleted_or_kept_by_reclaim_policy():
    s = state_of(pv("pv-1", GI, claim_ref="default/gone"))
    from kmodel.api import UpdateStatus
    from kmodel.objects.meta import replace
    v = s.get(ObjectRef("PersistentVolume", "", "pv-1"))
    s, _ = apply(s, UpdateStatus(replace(v, status=replace(v.status, phase="Bound"))))
    s2 = sync(s, v.ref)
    assert s2.get(v.ref).status.phase == "Released"
