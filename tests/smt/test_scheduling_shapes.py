"""Smallest failing cluster shapes (kmodel.smt.shapes)."""

from __future__ import annotations

import pytest

from kmodel.errors import EncodingUnsupported
from kmodel.objects.affinity import Affinity, PodAffinityTerm, PodAntiAffinity, TopologySpreadConstraint
from kmodel.objects.meta import LabelSelector, ObjectMeta
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, NodeSpec, NodeStatus, Taint
from kmodel.objects.workloads import Container, PodSpec
from kmodel.smt.shapes import smallest_failing_shape

LABELS = (("app", "web"),)
SEL = LabelSelector(LABELS)
NODE = Node(ObjectMeta("tpl"), status=NodeStatus(allocatable=(("cpu", 4000), ("memory", 8 << 30), ("pods", 110))))


def spec(cpu=500, **kw):
    return PodSpec((Container("web", requests=(("cpu", cpu),)),), **kw)


def test_conflicting_zone_and_hostname_spread_within_an_autoscaler_max():
    both = (TopologySpreadConstraint(1, ZONE_LABEL, "DoNotSchedule", SEL),
            TopologySpreadConstraint(1, HOSTNAME_LABEL, "DoNotSchedule", SEL))
    r = smallest_failing_shape(spec(topology_spread_constraints=both), LABELS, NODE, zones=2,
                               nodes_per_zone=(1, 3), replicas=(2, 10))
    assert (r.status, r.nodes_per_zone, r.replicas) == ("fails", (2, 1), 6)
    assert r.explanation and "spreads over" in r.explanation[0]


def test_anti_affinity_with_a_surge_pod():
    anti = Affinity(pod_anti_affinity=PodAntiAffinity(required=(PodAffinityTerm(HOSTNAME_LABEL, SEL),)))
    r = smallest_failing_shape(spec(affinity=anti), LABELS, NODE, zones=3, nodes_per_zone=(1, 3),
                               replicas=(3, 6), surge=1)
    assert (r.status, r.nodes_per_zone, r.replicas) == ("fails", (1, 1, 1), 3)
    r = smallest_failing_shape(spec(affinity=anti), LABELS, NODE, zones=3, nodes_per_zone=(2, 3), replicas=(3, 4),
                               surge=1)
    assert r.status == "always-fits"  # six nodes hold four replicas plus a surge pod


def test_resources_only_fail_when_replicas_outgrow_the_nodes():
    r = smallest_failing_shape(spec(cpu=3000), LABELS, NODE, zones=2, nodes_per_zone=(1, 2), replicas=(1, 5))
    assert (r.nodes_per_zone, r.replicas) == ((1, 1), 3)


def test_a_pod_that_fits_no_node_fails_on_the_smallest_shape():
    tainted = Node(ObjectMeta("tpl"), NodeSpec(taints=(Taint("x", "NoSchedule"),)), NODE.status)
    r = smallest_failing_shape(spec(), LABELS, tainted, zones=2)
    assert r.status == "fails" and r.nodes_per_zone == (1, 1)


def test_unsupported_features_are_named():
    other = Affinity(pod_anti_affinity=PodAntiAffinity(
        required=(PodAffinityTerm("rack", LabelSelector((("app", "db"),))),)))
    with pytest.raises(EncodingUnsupported, match="'rack'"):
        smallest_failing_shape(spec(affinity=other), LABELS, NODE)
