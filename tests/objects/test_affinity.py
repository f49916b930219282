"""Node-affinity matching, against upstream's tables.

Sources: ``staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity_test.go``
(v0.35.0): TestNodeSelectorMatch, TestPreferredSchedulingTermsScore,
TestNodeSelectorRequirementsAsSelector, TestPodMatchesNodeSelectorAndAffinityTerms;
``staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go`` (Gt/Lt parsing).
"""

from __future__ import annotations

import pytest

from kmodel.objects.affinity import (
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    RequiredNodeAffinity,
    get_required_node_affinity,
    label_key_error,
    match_node_selector_terms,
    merge_label_keys,
    preferred_scheduling_terms_score,
    requirement_error,
)
from kmodel.objects.meta import LabelSelector, ObjectMeta
from kmodel.objects.nodes import Node
from kmodel.objects.workloads import Container, PodSpec


def R(key, op, *values):
    return NodeSelectorRequirement(key, op, tuple(values))


def T(*exprs, fields=()):
    return NodeSelectorTerm(tuple(exprs), tuple(fields))


def N(name="", **labels):
    return Node(ObjectMeta(name, labels=tuple(sorted(labels.items()))))


NAME_IN = lambda *v: R("metadata.name", "In", *v)  # noqa: E731


@pytest.mark.parametrize("selector, node, want", [
    pytest.param(NodeSelector(), None, False, id="TestNodeSelectorMatch-nil node"),
    pytest.param(NodeSelector((T(R("label_1", "In", "label_1_val"), fields=(NAME_IN("host_1"),)),)),
                 N("host_1"), False, id="TestNodeSelectorMatch-node matches field selector, but not labels"),
    pytest.param(NodeSelector((T(R("label_1", "In", "label_1_val"), fields=(NAME_IN("host_1"),)),)),
                 N("host_1", label_1="label_1_val"), True,
                 id="TestNodeSelectorMatch-node matches field selector and label selector"),
    pytest.param(NodeSelector((T(R("label_1", "In", "label_1_val")), T(fields=(NAME_IN("host_1"),)))),
                 N("host_1"), True, id="TestNodeSelectorMatch-second term matches"),
    pytest.param(NodeSelector((T(fields=(NAME_IN("host_1", "host_2"),)),
                               T(R("invalid key", "In", "label_value")))),
                 N("host_1"), False,
                 id="TestNodeSelectorMatch-invalid field selector and label selector (terms never match)"),
])
def test_match_node_selector_terms(selector, node, want):
    assert match_node_selector_terms(node, selector) is want


@pytest.mark.parametrize("terms, node, want", [
    pytest.param((PreferredSchedulingTerm(0, T(fields=(NAME_IN("host_1", "host_2"),))),), N("host_1"), 0,
                 id="TestPreferredSchedulingTermsScore-invalid field selector but no weight, error not reported"),
    pytest.param((PreferredSchedulingTerm(5, T(fields=(NAME_IN("host_1"),))),
                  PreferredSchedulingTerm(7, T(R("unknown_label", "In", "unknown_label_val"))),
                  PreferredSchedulingTerm(11, T(R("label_1", "In", "label_1_val")))),
                 N("host_1", label_1="label_1_val"), 16, id="TestPreferredSchedulingTermsScore-first and third term match"),
])
def test_preferred_scheduling_terms_score(terms, node, want):
    assert preferred_scheduling_terms_score(terms, node) == want


@pytest.mark.parametrize("requirement, error", [
    pytest.param(R("foo", "In", "bar", "baz"), None, id="TestNodeSelectorRequirementsAsSelector-in"),
    pytest.param(R("foo", "Exists", "bar", "baz"), "values set must be empty for exists and does not exist",
                 id="TestNodeSelectorRequirementsAsSelector-exists with values"),
    pytest.param(R("foo", "Gt", "1"), None, id="TestNodeSelectorRequirementsAsSelector-gt"),
    pytest.param(R("bar", "Lt", "7"), None, id="TestNodeSelectorRequirementsAsSelector-lt"),
    pytest.param(R("baz", "invalid", "5"), "unsupported operator",
                 id="TestNodeSelectorRequirementsAsSelector-invalid operator"),
    pytest.param(R("foo", "Gt", "1", "2"), "exactly one value", id="selector_test-Gt needs one value"),
    pytest.param(R("foo", "Lt", "x"), "must be an integer", id="selector_test-Lt needs an integer"),
    pytest.param(R("foo", "NotIn", "invalid value: ___@#$%^"), "not a valid label value",
                 id="TestNodeAffinity-invalid value in affinity term"),
])
def test_requirement_error(requirement, error):
    got = requirement_error(requirement)
    assert (got is None) if error is None else (error in got)


def _spec(selector=(), affinity_terms=None, nil_terms=False):
    from kmodel.objects.affinity import Affinity, NodeAffinity
    affinity = None
    if affinity_terms is not None or nil_terms:
        affinity = Affinity(node_affinity=NodeAffinity(NodeSelector(tuple(affinity_terms or ()))))
    return PodSpec((Container("c"),), node_selector=tuple(sorted(selector)), affinity=affinity)


# TestPodMatchesNodeSelectorAndAffinityTerms (component-helpers nodeaffinity_test.go)
MATCHES = [
    ("no selector", _spec(), {}, True),
    ("missing labels", _spec({"foo": "bar"}.items()), {}, False),
    ("same labels", _spec({"foo": "bar"}.items()), {"foo": "bar"}, True),
    ("node labels are superset", _spec({"foo": "bar"}.items()), {"foo": "bar", "baz": "blah"}, True),
    ("node labels are subset", _spec({"foo": "bar", "baz": "blah"}.items()), {"foo": "bar"}, False),
    ("Pod with matchExpressions using In operator that matches the existing node",
     _spec(affinity_terms=[T(R("foo", "In", "bar", "value2"))]), {"foo": "bar"}, True),
    ("Pod with matchExpressions using Gt operator that matches the existing node",
     _spec(affinity_terms=[T(R("kernel-version", "Gt", "0204"))]), {"kernel-version": "0206"}, True),
    ("Pod with matchExpressions using NotIn operator that matches the existing node",
     _spec(affinity_terms=[T(R("mem-type", "NotIn", "DDR", "DDR2"))]), {"mem-type": "DDR3"}, True),
    ("Pod with matchExpressions using Exists operator that matches the existing node",
     _spec(affinity_terms=[T(R("GPU", "Exists"))]), {"GPU": "NVIDIA-GRID-K1"}, True),
    ("Pod with affinity that don't match node's labels won't schedule onto the node",
     _spec(affinity_terms=[T(R("foo", "In", "value1", "value2"))]), {"foo": "bar"}, False),
    ("Pod with a nil []NodeSelectorTerm in affinity, can't match the node's labels",
     _spec(nil_terms=True), {"foo": "bar"}, False),
    ("Pod with empty MatchExpressions is not a valid value will match no objects",
     _spec(affinity_terms=[T()]), {"foo": "bar"}, False),
    ("Pod with multiple matchExpressions ANDed that matches the existing node",
     _spec(affinity_terms=[T(R("GPU", "Exists"), R("GPU", "NotIn", "AMD", "INTER"))]), {"GPU": "NVIDIA-GRID-K1"}, True),
    ("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
     _spec(affinity_terms=[T(R("GPU", "Exists"), R("GPU", "In", "AMD", "INTER"))]), {"GPU": "NVIDIA-GRID-K1"}, False),
    ("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels",
     _spec(affinity_terms=[T(R("foo", "In", "bar", "value2")), T(R("diffkey", "In", "wrong", "value2"))]),
     {"foo": "bar"}, True),
    ("Pod with an Affinity and a PodSpec.NodeSelector both are satisfied",
     _spec({"foo": "bar"}.items(), affinity_terms=[T(R("foo", "Exists"))]), {"foo": "bar"}, True),
    ("Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied",
     _spec({"foo": "bar"}.items(), affinity_terms=[T(R("foo", "Exists"))]), {"foo": "barrrrrr"}, False),
    ("Pod with an invalid value in Affinity term won't be scheduled onto the node",
     _spec(affinity_terms=[T(R("foo", "NotIn", "invalid value: ___@#$%^"))]), {"foo": "bar"}, False),
    ("Pod with matchFields using In operator that matches the existing node",
     _spec(affinity_terms=[T(fields=[NAME_IN("node_1")])]), ("node_1", {}), True),
    ("Pod with matchFields using In operator that does not match the existing node",
     _spec(affinity_terms=[T(fields=[NAME_IN("node_1")])]), ("node_2", {}), False),
    ("Pod with two terms: matchFields does not match, but matchExpressions matches",
     _spec(affinity_terms=[T(fields=[NAME_IN("node_1")]), T(R("foo", "In", "bar"))]), ("node_2", {"foo": "bar"}), True),
    ("Pod with one term: matchFields does not match, but matchExpressions matches",
     _spec(affinity_terms=[T(R("foo", "In", "bar"), fields=[NAME_IN("node_1")])]), ("node_2", {"foo": "bar"}), False),
    ("Pod with one term: both matchFields and matchExpressions match",
     _spec(affinity_terms=[T(R("foo", "In", "bar"), fields=[NAME_IN("node_1")])]), ("node_1", {"foo": "bar"}), True),
    ("Pod with two terms: both matchFields and matchExpressions do not match",
     _spec(affinity_terms=[T(fields=[NAME_IN("node_1")]), T(R("foo", "In", "not-match-to-bar"))]),
     ("node_2", {"foo": "bar"}), False),
]


@pytest.mark.parametrize("spec, node, want", [pytest.param(s, n, w, id=f"TestPodMatchesNodeSelectorAndAffinityTerms-{name}")
                                              for name, s, n, w in MATCHES])
def test_pod_matches_node_selector_and_affinity_terms(spec, node, want):
    name, labels = node if isinstance(node, tuple) else ("", node)
    assert get_required_node_affinity(spec).match(N(name, **labels)) is want


def test_gt_lt_compare_as_integers_and_absent_labels_do_not_match():
    n = N("n", kernel="10", bad="x1")
    assert RequiredNodeAffinity(required=NodeSelector((T(R("kernel", "Gt", "9")),))).match(n)
    assert not RequiredNodeAffinity(required=NodeSelector((T(R("kernel", "Lt", "9")),))).match(n)
    assert not RequiredNodeAffinity(required=NodeSelector((T(R("missing", "Lt", "9")),))).match(n)
    assert not RequiredNodeAffinity(required=NodeSelector((T(R("bad", "Gt", "0")),))).match(n)


def test_label_keys_are_qualified_names():
    assert label_key_error("example.com/key") is None
    assert label_key_error("-bad") is not None
    assert label_key_error("Bad_Prefix/key") is not None


def test_match_label_keys_merge_only_keys_the_pod_has():
    s = merge_label_keys(LabelSelector((("app", "web"),)), (("app", "web"), ("hash", "1")), ("hash", "absent"),
                         ("app",))
    assert s.matches((("app", "web"), ("hash", "1"))) is False  # mismatch on app=web rules itself out
    s = merge_label_keys(LabelSelector((("app", "web"),)), (("app", "web"), ("hash", "1")), ("hash",))
    assert s.matches((("app", "web"), ("hash", "1"))) and not s.matches((("app", "web"), ("hash", "2")))
    assert merge_label_keys(None, (("a", "b"),), ("a",)) is None
