"""Scheduling constraints of a pod: node affinity, pod (anti-)affinity, topology spread
(``k8s.io/api/core/v1``), and node-affinity matching (``k8s.io/component-helpers``).

The records mirror ``Affinity``, ``NodeAffinity``, ``NodeSelector``, ``NodeSelectorTerm``,
``NodeSelectorRequirement``, ``PreferredSchedulingTerm``, ``PodAffinity``, ``PodAntiAffinity``,
``PodAffinityTerm``, ``WeightedPodAffinityTerm`` and ``TopologySpreadConstraint``. A *nil*
pointer is ``None``; an optional list that is absent is ``()`` (upstream treats nil and empty
lists alike for every field kept here).

The matching helpers follow ``staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go``
(``MatchNodeSelectorTerms``) and ``.../nodeaffinity/nodeaffinity.go`` (``LazyErrorNodeSelector``,
``PreferredSchedulingTerms``, ``GetRequiredNodeAffinity``), with the label requirement rules of
``staging/src/k8s.io/apimachinery/pkg/labels/selector.go`` (``NewRequirement``,
``Requirement.Matches``):

* terms are ORed; a term with neither expressions nor fields is dropped (matches nothing); a term
  with a *parse error* (an invalid key or value, ``In``/``NotIn`` without values,
  ``Exists``/``DoesNotExist`` with values, ``Gt``/``Lt`` without exactly one integer, a field
  requirement that is not ``In``/``NotIn`` with one value on ``metadata.name``) never matches;
* expressions of a term are ANDed over the node's labels; ``NotIn`` and ``DoesNotExist`` match an
  absent key; ``Gt``/``Lt`` parse the label value as a base-10 int64 (absent or unparsable: no
  match);
* field requirements match ``metadata.name`` and are skipped for a node with an empty name.

Abstracted: nothing of these types is dropped except ``PodAffinityTerm.namespaceSelector``
matching on namespaces that are not in the state (a selector matches the labels of the
Namespace objects kmodel holds).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.nodes import Node
>>> node = Node(ObjectMeta("n1", labels=(("disk", "ssd"), ("kernel", "0206"))))
>>> term = NodeSelectorTerm((NodeSelectorRequirement("kernel", "Gt", ("0204",)),))
>>> match_node_selector_terms(node, NodeSelector((term,)))
True
>>> match_node_selector_terms(node, NodeSelector((NodeSelectorTerm(),)))
False
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement, Labels, _hash_field, record
from kmodel.objects.nodes import Node

__all__ = [
    "NodeSelectorRequirement",
    "NodeSelectorTerm",
    "NodeSelector",
    "PreferredSchedulingTerm",
    "NodeAffinity",
    "PodAffinityTerm",
    "WeightedPodAffinityTerm",
    "PodAffinity",
    "PodAntiAffinity",
    "Affinity",
    "TopologySpreadConstraint",
    "RequiredNodeAffinity",
    "NODE_SELECTOR_OPERATORS",
    "match_node_selector_terms",
    "node_selector_term_matches",
    "preferred_scheduling_terms_score",
    "get_required_node_affinity",
    "requirement_error",
    "label_key_error",
    "label_value_error",
]

NODE_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = (-(2**63), 2**63 - 1)


def _parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: ``None`` on a syntax or range error."""
    if not _GO_INT.fullmatch(text):
        return None
    value = int(text)
    return value if _INT64[0] <= value <= _INT64[1] else None


def label_key_error(key: str) -> str | None:
    """Why ``key`` is not a qualified label key (``validation.IsQualifiedName``), or ``None``.

    Examples
    --------
    >>> label_key_error("topology.kubernetes.io/zone") is None, label_key_error("invalid key") is None
    (True, False)
    """
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return f"prefix part of {key!r} must be a DNS-1123 subdomain"
    if not name or len(name) > 63 or not _NAME.fullmatch(name):
        return (f"name part of {key!r} must consist of alphanumeric characters, '-', '_' or '.', and "
                "must start and end with an alphanumeric character (at most 63 characters)")
    return None


def label_value_error(value: str) -> str | None:
    """Why ``value`` is not a valid label value (``validation.IsValidLabelValue``), or ``None``."""
    if value == "":
        return None
    if len(value) > 63 or not _NAME.fullmatch(value):
        return (f"{value!r} is not a valid label value: at most 63 alphanumeric characters, '-', '_' "
                "or '.', starting and ending with an alphanumeric character")
    return None


@record
class NodeSelectorRequirement:
    """``matchExpressions[]``/``matchFields[]`` of a node selector term."""

    key: str
    operator: str
    values: tuple[str, ...] = ()
    _hash: int = _hash_field()


def requirement_error(req: NodeSelectorRequirement, *, fields: bool = False) -> str | None:
    """Why ``req`` does not parse (``NewRequirement`` for labels, the field selector rules for
    ``matchFields``), or ``None``.

    Examples
    --------
    >>> requirement_error(NodeSelectorRequirement("foo", "Exists", ("bar",)))
    'values set must be empty for exists and does not exist'
    >>> requirement_error(NodeSelectorRequirement("metadata.name", "In", ("a", "b")), fields=True)
    'must have one element'
    """
    op, values = req.operator, req.values
    if fields:
        if op not in ("In", "NotIn"):
            return f"unsupported operator {op!r} for a field requirement (supported: In, NotIn)"
        if len(values) != 1:
            return "must have one element"
        return None
    if op not in NODE_SELECTOR_OPERATORS:
        return f"unsupported operator {op!r} (supported: {', '.join(NODE_SELECTOR_OPERATORS)})"
    err = label_key_error(req.key)
    if err:
        return err
    if op in ("In", "NotIn") and not values:
        return "for 'in', 'notin' operators, values set can't be empty"
    if op in ("Exists", "DoesNotExist") and values:
        return "values set must be empty for exists and does not exist"
    if op in ("Gt", "Lt"):
        if len(values) != 1:
            return "for 'Gt', 'Lt' operators, exactly one value is required"
        if _parse_int64(values[0]) is None:
            return "for 'Gt', 'Lt' operators, the value must be an integer"
    for v in values:
        err = label_value_error(v)
        if err:
            return err
    return None


def _label_requirement_matches(req: NodeSelectorRequirement, labels: dict[str, str]) -> bool:
    op = req.operator
    present = req.key in labels
    if op == "In":
        return present and labels[req.key] in req.values
    if op == "NotIn":
        return not present or labels[req.key] not in req.values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if not present:
        return False
    have = _parse_int64(labels[req.key])
    want = _parse_int64(req.values[0])
    if have is None or want is None:
        return False
    return have > want if op == "Gt" else have < want


@record
class NodeSelectorTerm:
    """A node selector term: label expressions and field requirements, ANDed."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()
    _hash: int = _hash_field()
    _error: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        """``isEmptyNodeSelectorTerm``: no expressions and no fields (matches nothing)."""
        return not self.match_expressions and not self.match_fields

    def parse_error(self) -> str | None:
        """The first parse error of the term (cached), or ``None``."""
        cached = self._error
        if cached is None:
            cached = ""
            for r in self.match_expressions:
                cached = requirement_error(r) or ""
                if cached:
                    break
            if not cached:
                for r in self.match_fields:
                    cached = requirement_error(r, fields=True) or ""
                    if cached:
                        break
            object.__setattr__(self, "_error", cached)
        return cached or None


def node_selector_term_matches(term: NodeSelectorTerm, node: Node) -> bool:
    """Whether one non-empty, parseable term matches ``node`` (``nodeSelectorTerm.match``)."""
    if term.empty or term.parse_error():
        return False
    if term.match_expressions:
        labels = dict(node.metadata.labels)
        if not all(_label_requirement_matches(r, labels) for r in term.match_expressions):
            return False
    name = node.metadata.name
    if term.match_fields and name:
        for r in term.match_fields:
            have = name if r.key == "metadata.name" else ""
            equal = have == r.values[0]
            if (r.operator == "In") != equal:
                return False
    return True


@record
class NodeSelector:
    """``requiredDuringSchedulingIgnoredDuringExecution``: terms ORed."""

    node_selector_terms: tuple[NodeSelectorTerm, ...] = ()
    _hash: int = _hash_field()


def match_node_selector_terms(node: Node | None, selector: NodeSelector) -> bool:
    """``MatchNodeSelectorTerms``: whether any term of ``selector`` matches ``node``.

    A nil or empty list of terms matches no node; empty terms and terms that do not parse are
    skipped.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> n = Node(ObjectMeta("host_1"))
    >>> by_name = NodeSelectorTerm(match_fields=(NodeSelectorRequirement("metadata.name", "In", ("host_1",)),))
    >>> match_node_selector_terms(n, NodeSelector((by_name,))), match_node_selector_terms(n, NodeSelector())
    (True, False)
    """
    if node is None:
        return False
    return any(node_selector_term_matches(t, node) for t in selector.node_selector_terms)


@record
class PreferredSchedulingTerm:
    weight: int
    preference: NodeSelectorTerm
    _hash: int = _hash_field()


def preferred_scheduling_terms_score(terms: tuple[PreferredSchedulingTerm, ...], node: Node) -> int:
    """``PreferredSchedulingTerms.Score``: the sum of the weights of the terms matching ``node``
    (terms of weight 0 or with an empty preference are dropped).

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> n = Node(ObjectMeta("host_1", labels=(("label_1", "label_1_val"),)))
    >>> t = lambda w, k, v: PreferredSchedulingTerm(w, NodeSelectorTerm((NodeSelectorRequirement(k, "In", (v,)),)))
    >>> preferred_scheduling_terms_score((t(5, "label_1", "label_1_val"), t(7, "x", "y")), n)
    5
    """
    return sum(t.weight for t in terms
               if t.weight != 0 and not t.preference.empty and node_selector_term_matches(t.preference, node))


@record
class NodeAffinity:
    """``affinity.nodeAffinity``."""

    required: NodeSelector | None = None
    preferred: tuple[PreferredSchedulingTerm, ...] = ()
    _hash: int = _hash_field()


@record
class PodAffinityTerm:
    """A pod (anti-)affinity term. ``label_selector=None`` is a nil selector (matches no pod);
    ``namespaces=()`` with ``namespace_selector=None`` means the pod's own namespace; an empty
    ``namespace_selector`` matches every namespace."""

    topology_key: str
    label_selector: LabelSelector | None = None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    match_label_keys: tuple[str, ...] = ()
    mismatch_label_keys: tuple[str, ...] = ()
    _hash: int = _hash_field()


@record
class WeightedPodAffinityTerm:
    weight: int
    term: PodAffinityTerm
    _hash: int = _hash_field()


@record
class PodAffinity:
    """``affinity.podAffinity``: required terms ANDed; preferred terms scored."""

    required: tuple[PodAffinityTerm, ...] = ()
    preferred: tuple[WeightedPodAffinityTerm, ...] = ()
    _hash: int = _hash_field()


@record
class PodAntiAffinity:
    """``affinity.podAntiAffinity``."""

    required: tuple[PodAffinityTerm, ...] = ()
    preferred: tuple[WeightedPodAffinityTerm, ...] = ()
    _hash: int = _hash_field()


@record
class Affinity:
    """``spec.affinity``."""

    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAntiAffinity | None = None
    _hash: int = _hash_field()


@record
class TopologySpreadConstraint:
    """``spec.topologySpreadConstraints[]``. ``None`` stands for an omitted pointer field:
    ``min_domains`` (1), ``node_affinity_policy`` (``Honor``), ``node_taints_policy`` (``Ignore``)."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str | None = None
    node_taints_policy: str | None = None
    match_label_keys: tuple[str, ...] = ()
    _hash: int = _hash_field()


@record
class RequiredNodeAffinity:
    """``GetRequiredNodeAffinity``: a pod's ``nodeSelector`` and required node affinity, ANDed."""

    node_selector: Labels = ()
    required: NodeSelector | None = None
    _hash: int = _hash_field()

    def match(self, node: Node) -> bool:
        """Whether ``node`` passes both the node selector and the required terms.

        Examples
        --------
        >>> from kmodel.objects.meta import ObjectMeta
        >>> RequiredNodeAffinity((("foo", "bar"),)).match(Node(ObjectMeta("n", labels=(("foo", "bar"),))))
        True
        """
        if self.node_selector:
            labels = node.metadata.labels
            have = dict(labels)
            for k, v in self.node_selector:
                if have.get(k) != v:
                    return False
        if self.required is not None:
            return match_node_selector_terms(node, self.required)
        return True


def get_required_node_affinity(spec: Any) -> RequiredNodeAffinity:
    """``GetRequiredNodeAffinity(pod)`` for a :class:`~kmodel.objects.workloads.PodSpec`."""
    affinity = getattr(spec, "affinity", None)
    required = None
    if affinity is not None and affinity.node_affinity is not None:
        required = affinity.node_affinity.required
    return RequiredNodeAffinity(spec.node_selector, required)


def merge_label_keys(selector: LabelSelector | None, pod_labels: Labels, match_keys: tuple[str, ...],
                     mismatch_keys: tuple[str, ...] = ()) -> LabelSelector | None:
    """A selector with ``key in (value)`` for each ``match_keys`` key and ``key notin (value)``
    for each ``mismatch_keys`` key the pod has a label for (the ``matchLabelKeys`` merge the API
    server does at pod creation). A nil selector stays nil (validation forbids label keys then).

    Examples
    --------
    >>> s = merge_label_keys(LabelSelector((("app", "web"),)), (("app", "web"), ("hash", "v2")), ("hash",))
    >>> str(s)
    'app=web,hash in (v2)'
    """
    if selector is None or (not match_keys and not mismatch_keys):
        return selector
    have = dict(pod_labels)
    extra = [LabelSelectorRequirement(k, "In", (have[k],)) for k in match_keys if k in have]
    extra += [LabelSelectorRequirement(k, "NotIn", (have[k],)) for k in mismatch_keys if k in have]
    if not extra:
        return selector
    return LabelSelector(selector.match_labels, selector.match_expressions + tuple(extra))
