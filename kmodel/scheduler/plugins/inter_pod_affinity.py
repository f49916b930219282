"""InterPodAffinity (``pkg/scheduler/framework/plugins/interpodaffinity/{filtering.go,scoring.go,
plugin.go}``, ``pkg/scheduler/framework/types.go``: ``AffinityTerm``).

A term (``newAffinityTerm``) matches a pod when the pod's namespace is in the term's namespaces
(the owning pod's own namespace when the term names none and has no namespace selector) or its
namespace's labels match the namespace selector (an empty selector: every namespace), and the
pod's labels match the label selector (nil: nothing), with ``matchLabelKeys`` /
``mismatchLabelKeys`` resolved against the owning pod's labels as ``key in/notin (value)``.

Filter (PreFilter counts, then per node; *Skip* when the pod has no required terms and no
existing pod's required anti-affinity matches it):

* required affinity: the node carries every term's topology key and, for each term, some
  existing pod that matches *all* the terms sits in the node's domain; otherwise, when no pod
  anywhere matches all the terms and the incoming pod matches them itself (the first pod of a
  self-affine group), the node passes. UnschedulableAndUnresolvable,
  ``node(s) didn't match pod affinity rules``;
* required anti-affinity: no existing pod matching a term in the node's domain for that term's
  key. Unschedulable, ``node(s) didn't match pod anti-affinity rules``;
* existing pods' required anti-affinity: no existing pod whose term matches the incoming pod
  sits in the node's domain for that term. Unschedulable,
  ``node(s) didn't satisfy existing pods anti-affinity rules``.

Score: for every existing pod on a node with labels, the incoming pod's preferred affinity
(+weight) and anti-affinity (-weight) terms it matches, the existing pod's required affinity
terms the incoming pod matches (+``hardPodAffinityWeight``, 1) and its preferred terms the
incoming pod matches (±weight), added to the existing pod's domain per topology key; a node's
raw score is the sum over its labels; min-max normalised to [0, 100]. Weight 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kmodel.objects.affinity import PodAffinityTerm, merge_label_keys
from kmodel.objects.meta import LabelSelector, Labels
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    SUCCESS,
    Code,
    CycleState,
    NodeInfo,
    Snapshot,
    Status,
)

ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"
DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1
_PRE_FILTER = "PreFilterInterPodAffinity"
_PRE_SCORE = "PreScoreInterPodAffinity"


@dataclass(frozen=True)
class AffinityTerm:
    """``framework.AffinityTerm``: a processed pod (anti-)affinity term."""

    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None
    selector: LabelSelector | None
    topology_key: str

    def matches(self, pod: Pod, namespace_labels: dict[str, Labels]) -> bool:
        """``AffinityTerm.Matches``."""
        ns = pod.metadata.namespace
        if ns in self.namespaces or (self.namespace_selector is not None and
                                     self.namespace_selector.matches(namespace_labels.get(ns, ()))):
            return self.selector is not None and self.selector.matches(pod.metadata.labels)
        return False


def new_affinity_term(pod: Pod, term: PodAffinityTerm) -> AffinityTerm:
    """``newAffinityTerm`` (with the ``matchLabelKeys`` merge done at admission upstream)."""
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset((pod.metadata.namespace,))
    else:
        namespaces = frozenset(term.namespaces)
    selector = merge_label_keys(term.label_selector, pod.metadata.labels, term.match_label_keys,
                                term.mismatch_label_keys)
    return AffinityTerm(namespaces, term.namespace_selector, selector, term.topology_key)


@dataclass(frozen=True)
class PodTerms:
    """``PodInfo``'s processed terms."""

    required_affinity: tuple[AffinityTerm, ...] = ()
    required_anti_affinity: tuple[AffinityTerm, ...] = ()
    preferred_affinity: tuple[tuple[int, AffinityTerm], ...] = ()
    preferred_anti_affinity: tuple[tuple[int, AffinityTerm], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.required_affinity or self.required_anti_affinity or self.preferred_affinity
                    or self.preferred_anti_affinity)


_NO_TERMS = PodTerms()


def pod_terms(pod: Pod) -> PodTerms:
    """The processed affinity terms of ``pod`` (``NewPodInfo``)."""
    a = pod.spec.affinity
    if a is None or (a.pod_affinity is None and a.pod_anti_affinity is None):
        return _NO_TERMS
    pa, anti = a.pod_affinity, a.pod_anti_affinity
    return PodTerms(
        tuple(new_affinity_term(pod, t) for t in pa.required) if pa else (),
        tuple(new_affinity_term(pod, t) for t in anti.required) if anti else (),
        tuple((w.weight, new_affinity_term(pod, w.term)) for w in pa.preferred) if pa else (),
        tuple((w.weight, new_affinity_term(pod, w.term)) for w in anti.preferred) if anti else (),
    )


def pod_matches_all_affinity_terms(terms: tuple[AffinityTerm, ...], pod: Pod,
                                   namespace_labels: dict[str, Labels]) -> bool:
    """``podMatchesAllAffinityTerms``: false for no terms."""
    return bool(terms) and all(t.matches(pod, namespace_labels) for t in terms)


Pair = tuple[str, str]


def _add(m: dict[Pair, int], pair: Pair, value: int) -> None:
    m[pair] = m.get(pair, 0) + value
    if m[pair] == 0:
        del m[pair]


@dataclass
class PreFilterState:
    terms: PodTerms
    existing_anti_affinity_counts: dict[Pair, int] = field(default_factory=dict)
    affinity_counts: dict[Pair, int] = field(default_factory=dict)
    anti_affinity_counts: dict[Pair, int] = field(default_factory=dict)


def _cached_terms(pod: Pod, snapshot: Snapshot) -> PodTerms:
    """``pod_terms`` memoised in the snapshot's cache (shared by the snapshots derived from it)."""
    if pod.spec.affinity is None:
        return _NO_TERMS
    hit = snapshot.cache.get(("terms", id(pod)))
    if hit is not None and hit[0] is pod:
        return hit[1]  # type: ignore[no-any-return]
    terms = pod_terms(pod)
    snapshot.cache[("terms", id(pod))] = (pod, terms)
    return terms


def cal_pre_filter_state(pod: Pod, snapshot: Snapshot) -> PreFilterState:
    """``PreFilter``: the three topology-pair counts."""
    terms = pod_terms(pod)
    ns_labels = snapshot.namespace_labels
    s = PreFilterState(terms)
    # getExistingAntiAffinityCounts: only pods with affinity can carry anti-affinity terms
    for existing, info in snapshot.pods_with_affinity():
        et = _cached_terms(existing, snapshot)
        if not et.required_anti_affinity:
            continue
        node_labels = dict(info.node.metadata.labels)
        for t in et.required_anti_affinity:
            if t.matches(pod, ns_labels) and t.topology_key in node_labels:
                _add(s.existing_anti_affinity_counts, (t.topology_key, node_labels[t.topology_key]), 1)
    # getIncomingAffinityAntiAffinityCounts
    if not terms.required_affinity and not terms.required_anti_affinity:
        return s
    for info in snapshot.values():
        node_labels = dict(info.node.metadata.labels)
        for existing in info.pods:
            if terms.required_affinity and pod_matches_all_affinity_terms(terms.required_affinity, existing, ns_labels):
                for t in terms.required_affinity:
                    if t.topology_key in node_labels:
                        _add(s.affinity_counts, (t.topology_key, node_labels[t.topology_key]), 1)
            for t in terms.required_anti_affinity:
                if t.matches(existing, ns_labels) and t.topology_key in node_labels:
                    _add(s.anti_affinity_counts, (t.topology_key, node_labels[t.topology_key]), 1)
    return s


def satisfy_pod_affinity(state: PreFilterState, info: NodeInfo, pod: Pod, namespace_labels: dict[str, Labels]) -> bool:
    """``satisfyPodAffinity``."""
    labels = dict(info.node.metadata.labels)
    pods_exist = True
    for t in state.terms.required_affinity:
        value = labels.get(t.topology_key)
        if value is None:
            return False
        if state.affinity_counts.get((t.topology_key, value), 0) <= 0:
            pods_exist = False
    if not pods_exist:
        # The first pod of a group with affinity to itself.
        return not state.affinity_counts and pod_matches_all_affinity_terms(
            state.terms.required_affinity, pod, namespace_labels)
    return True


def satisfy_pod_anti_affinity(state: PreFilterState, info: NodeInfo) -> bool:
    """``satisfyPodAntiAffinity``."""
    if state.anti_affinity_counts:
        labels = dict(info.node.metadata.labels)
        for t in state.terms.required_anti_affinity:
            value = labels.get(t.topology_key)
            if value is not None and state.anti_affinity_counts.get((t.topology_key, value), 0) > 0:
                return False
    return True


def satisfy_existing_pods_anti_affinity(state: PreFilterState, info: NodeInfo) -> bool:
    """``satisfyExistingPodsAntiAffinity``."""
    if state.existing_anti_affinity_counts:
        for pair in info.node.metadata.labels:
            if state.existing_anti_affinity_counts.get(pair, 0) > 0:
                return False
    return True


class InterPodAffinity:
    name = "InterPodAffinity"
    weight = 2

    def __init__(self, weight: int = 2, *, hard_pod_affinity_weight: int = DEFAULT_HARD_POD_AFFINITY_WEIGHT,
                 ignore_preferred_terms_of_existing_pods: bool = False) -> None:
        self.weight = weight
        self.hard_pod_affinity_weight = hard_pod_affinity_weight
        self.ignore_preferred_terms_of_existing_pods = ignore_preferred_terms_of_existing_pods

    # -- filter ----------------------------------------------------------------------------
    def pre_filter(self, pod: Pod, snapshot: Snapshot, cycle: CycleState) -> tuple[Status, None]:
        state = cal_pre_filter_state(pod, snapshot)
        if not state.existing_anti_affinity_counts and not state.terms.required_affinity \
                and not state.terms.required_anti_affinity:
            return SKIP, None
        cycle[_PRE_FILTER] = (state, snapshot.namespace_labels)
        return SUCCESS, None

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        entry = cycle.get(_PRE_FILTER) if cycle is not None else None
        if entry is None:
            return SUCCESS
        state, ns_labels = entry
        if not satisfy_pod_affinity(state, info, pod, ns_labels):
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_AFFINITY_RULES_NOT_MATCH,), self.name)
        if not satisfy_pod_anti_affinity(state, info):
            return Status(Code.UNSCHEDULABLE, (ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,), self.name)
        if not satisfy_existing_pods_anti_affinity(state, info):
            return Status(Code.UNSCHEDULABLE, (ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,), self.name)
        return SUCCESS

    # -- score -----------------------------------------------------------------------------
    def pre_score(self, pod: Pod, snapshot: Snapshot, nodes: list[NodeInfo], cycle: CycleState) -> Status:
        terms = pod_terms(pod)
        has_constraints = bool(terms.preferred_affinity or terms.preferred_anti_affinity)
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return SKIP
        ns_labels = snapshot.namespace_labels
        scores: dict[str, dict[str, int]] = {}
        produced = False

        def process(term: AffinityTerm, weight: int, target: Pod, node_labels: dict[str, str]) -> None:
            nonlocal produced
            if term.matches(target, ns_labels) and term.topology_key in node_labels:
                per_key = scores.setdefault(term.topology_key, {})
                value = node_labels[term.topology_key]
                per_key[value] = per_key.get(value, 0) + weight
                produced = True

        if has_constraints:
            pairs = [(p, info) for info in snapshot.values() for p in info.pods]
        else:
            pairs = snapshot.pods_with_affinity()
        for existing, info in pairs:
            node_labels = dict(info.node.metadata.labels)
            if not node_labels:
                continue
            et = _cached_terms(existing, snapshot)
            if et.empty and not has_constraints:
                continue
            for w, t in terms.preferred_affinity:
                process(t, w, existing, node_labels)
            for w, t in terms.preferred_anti_affinity:
                process(t, -w, existing, node_labels)
            if self.hard_pod_affinity_weight > 0:
                for t in et.required_affinity:
                    process(t, self.hard_pod_affinity_weight, pod, node_labels)
            for w, t in et.preferred_affinity:
                process(t, w, pod, node_labels)
            for w, t in et.preferred_anti_affinity:
                process(t, -w, pod, node_labels)
        if not produced:
            return SKIP
        cycle[_PRE_SCORE] = scores
        return SUCCESS

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        scores = cycle.get(_PRE_SCORE) if cycle is not None else None
        if not scores:
            return 0
        total = 0
        for key, value in info.node.metadata.labels:
            per_key = scores.get(key)
            if per_key is not None:
                total += per_key.get(value, 0)
        return total

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        topology = cycle.get(_PRE_SCORE) if cycle is not None else None
        if not topology or not scores:
            return scores
        low, high = min(scores.values()), max(scores.values())
        diff = high - low
        return {n: int(MAX_NODE_SCORE * ((s - low) / diff)) if diff > 0 else 0 for n, s in scores.items()}
