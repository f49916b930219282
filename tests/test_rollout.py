"""The rollout properties (``kmodel.rollout``) on hand-built states."""

from __future__ import annotations

from kmodel.api import Create, UpdateStatus, apply
from kmodel.cluster import Env, World
from kmodel.controllers import deployment_util as du
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, OwnerReference, replace
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentCondition,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.properties import BUILTIN_IDS, DEFAULT_IDS, by_id, explain
from kmodel.rollout import (
    availability_violations,
    deployment_unstable,
    incomplete_rollouts,
    rollout_bound_violations,
)
from kmodel.state import ClusterState

T1 = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v1"),)))
T2 = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v2"),)))
READY = PodStatus("Running", (PodCondition("Ready", "True"),), containers="running")


def build(replicas=4, surge=1, unavailable=1, sets=(), pods=(), status=DeploymentStatus(), template=T2, paused=False):
    """A Deployment with ReplicaSets ``(name, template, spec, annotated (desired, max))`` and
    ``pods`` as ``(rs name, ready)``."""
    d = Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector((("app", "web"),)), template, replicas,
                                                               DeploymentStrategy("RollingUpdate", surge, unavailable),
                                                               paused=paused))
    state, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]), Create(d))
    d = state.get(d.ref)
    owner = OwnerReference("apps/v1", "Deployment", "web", d.metadata.uid, True)
    for name, t, n, annotated in sets:
        annotations = ((du.DESIRED_REPLICAS_ANNOTATION, str(annotated[0])), (du.MAX_REPLICAS_ANNOTATION, str(annotated[1])))
        rs = ReplicaSet(ObjectMeta(name, "default", annotations=annotations, owner_references=(owner,)),
                        ReplicaSetSpec(LabelSelector(t.labels), t, n))
        state, _ = apply(state, Create(rs))
    for i, (rs_name, ready) in enumerate(pods):
        rs = state.get(ReplicaSet(ObjectMeta(rs_name, "default"), None).ref)
        ref = OwnerReference("apps/v1", "ReplicaSet", rs_name, rs.metadata.uid, True)
        pod = Pod(ObjectMeta(f"{rs_name}-{i}", "default", labels=(("app", "web"),), owner_references=(ref,)),
                  PodSpec((Container("web"),), node_name="n"))
        state, _ = apply(state, Create(pod))
        if ready:
            state, _ = apply(state, UpdateStatus(replace(state.get(pod.ref), status=READY)))
    d = state.get(d.ref)
    state, _ = apply(state, UpdateStatus(replace(d, status=replace(status, observed_generation=d.metadata.generation))))
    return state


def test_rollout_bound_counts_spec_replicas_once_the_size_is_recorded():
    ok = build(sets=[("old", T1, 2, (4, 5)), ("new", T2, 3, (4, 5))])
    assert rollout_bound_violations(ok) == []
    over = build(sets=[("old", T1, 3, (4, 5)), ("new", T2, 3, (4, 5))])
    assert rollout_bound_violations(over) == [
        "Deployment/default/web: its ReplicaSets want 6 pods, more than replicas + maxSurge = 4 + 1"]
    stale = build(sets=[("old", T1, 3, (5, 6)), ("new", T2, 3, (4, 5))])  # a resize not yet absorbed
    assert rollout_bound_violations(stale) == []


AVAILABLE = DeploymentStatus(conditions=(DeploymentCondition("Available", "True", du.MINIMUM_REPLICAS_AVAILABLE),))


def test_availability_needs_replicas_minus_max_unavailable_available_pods_while_available():
    sets = [("old", T1, 2, (4, 5)), ("new", T2, 2, (4, 5))]
    enough = build(sets=sets, pods=[("old", True), ("old", True), ("new", True), ("new", False)], status=AVAILABLE)
    assert availability_violations(enough) == []
    short = build(sets=sets, pods=[("old", True), ("old", True), ("new", False), ("new", False)], status=AVAILABLE)
    assert availability_violations(short) == [
        "Deployment/default/web reports Available but has 2 available pods, fewer than replicas - maxUnavailable = 4 - 1"]
    assert availability_violations(short, Env(pod_crashes=1)) == []  # after a fault: not checked
    assert availability_violations(short, resized=True) == []  # after a resize: not checked
    unavailable = build(sets=sets, pods=[("old", True)], status=DeploymentStatus())
    assert availability_violations(unavailable) == []  # the controller already says so


def test_incomplete_rollouts_and_deployment_unstable():
    done = build(replicas=2, sets=[("old", T1, 0, (2, 3)), ("new", T2, 2, (2, 3))], pods=[("new", True), ("new", True)],
                 status=DeploymentStatus(2, 2, 2, 2, 0))
    assert incomplete_rollouts(done) == [] and deployment_unstable(done) == []
    mid = build(replicas=2, sets=[("old", T1, 1, (2, 3)), ("new", T2, 2, (2, 3))],
                pods=[("old", True), ("new", True), ("new", False)])
    assert incomplete_rollouts(mid) == ["Deployment/default/web rollout incomplete: 2 of 2 pods updated, 1 available, 1 old pods left"]
    assert deployment_unstable(mid) == incomplete_rollouts(mid)
    none = build(replicas=2, sets=[("old", T1, 2, (2, 3))])
    assert incomplete_rollouts(none) == ["Deployment/default/web has no ReplicaSet for its current template"]
    paused = build(replicas=2, sets=[("old", T1, 2, (2, 3))], paused=True)
    assert incomplete_rollouts(paused) == [] and deployment_unstable(paused) == []
    stale_status = build(replicas=2, sets=[("new", T2, 2, (2, 3))], pods=[("new", True), ("new", True)])
    assert deployment_unstable(stale_status) == ["Deployment/default/web status is stale"]


def test_rollout_properties_are_built_in_but_not_default():
    assert {"rollout-bounded", "availability", "rollout-completes"} <= set(BUILTIN_IDS)
    assert not {"rollout-bounded", "availability", "rollout-completes"} & set(DEFAULT_IDS)
    props = {p.name: p for p in by_id(["rollout-bounded", "availability", "rollout-completes"])}
    assert props["rollout-completes"].expectation.is_liveness
    over = World(build(sets=[("old", T1, 3, (4, 5)), ("new", T2, 3, (4, 5))]))
    assert not props["rollout-bounded"].condition(over)
    assert explain("rollout-bounded", over) == rollout_bound_violations(over.cluster)
