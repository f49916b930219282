"""The Deployment controller's numeric core: fenceposts, the rolling update, proportional scaling.

Upstream (v1.35): ``pkg/controller/deployment/rolling.go`` (``rolloutRolling``,
``reconcileNewReplicaSet``, ``reconcileOldReplicaSets``, ``cleanupUnhealthyReplicas``,
``scaleDownOldReplicaSetsForRollingUpdate``), ``pkg/controller/deployment/sync.go``
(``getNewReplicaSet``: a new ReplicaSet is created at ``NewRSNewReplicas``; ``scale``: proportional
scaling), ``pkg/controller/deployment/util/deployment_util.go`` (``ResolveFenceposts``,
``MaxSurge``, ``MaxUnavailable``, ``NewRSNewReplicas``, ``GetProportion``,
``getReplicaSetFraction``, ``IsSaturated``, ``FindActiveOrLatest``),
``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go``
(``GetScaledValueFromIntOrPercent``) and ``k8s.io/utils/integer`` (``RoundToInt32``);
``/work/shared/reference/k8s-workload-semantics.md`` §3.3 and §3.5.

The helpers below keep upstream's names in snake_case and are written over
:mod:`kmodel.smt.ops`, so each is at once a Python function over ints and a Z3 term; the tests
compare them with the explicit helpers of :mod:`kmodel.controllers.deployment_util`. Go's
integer semantics are kept where they matter: ``int(math.Ceil(float64(p) * float64(total) / 100))``
is computed exactly (it equals the integer ceiling while ``p * total < 2**53``, an assumption
of every model here), and the ``int32(...)`` conversions of ``ResolveFenceposts`` and the
``int32`` product in ``getReplicaSetFraction`` wrap as in Go.

An IntOrString is two parameters: ``<name>_pct`` (1 for a percentage) and ``<name>`` (the number).

Abstracted away, for :class:`RollingUpdate`: pods are counts per ReplicaSet (``spec``, live
``pods`` and ``avail``\\ able ones); ``minReadySeconds`` is 0 (available = ready), so the
ReplicaSet controller's scale-down removes not-ready pods before ready ones
(``getPodsToDelete``); ReplicaSet status is read fresh by the Deployment controller (no informer
lag); the ReplicaSet controller's expectations (see :mod:`kmodel.smt.models.replicaset`);
``progressDeadlineSeconds``, conditions, revision history and cleanup; pause; the Recreate
strategy; the feature-gated ``podReplacementPolicy``; a scaling event in the middle of a rollout
(:class:`ProportionalScaling` covers ``scale`` on its own).

Examples
--------
>>> from kmodel.smt.ops import CONCRETE as o
>>> resolve_fenceposts(o, 1, 25, 1, 25, 10), resolve_fenceposts(o, 0, 0, 1, 0, 3)
((3, 2), (0, 1))
>>> resolve_fenceposts(o, 1, 429496729600, 1, 0, 1)   # int32 wrap after the zero check
(0, 0)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Property, always, eventually, sometimes
from kmodel.smt.symbolic import Action, Choice, NumAction, Param, SymbolicModel, Var

__all__ = [
    "RollingUpdate",
    "Fenceposts",
    "ProportionalScaling",
    "ReplicaSetFraction",
    "get_scaled_value_from_int_or_percent",
    "resolve_fenceposts",
    "max_unavailable",
    "new_rs_new_replicas",
    "reconcile_new_replica_set",
    "reconcile_old_replica_sets",
    "get_replica_set_fraction",
    "get_proportion",
    "round_to_int32",
    "int_or_percent",
]

MAX_INT32 = 2**31 - 1
BURST_REPLICAS = 500


# -- helpers mirroring upstream ------------------------------------------------------------------
def get_scaled_value_from_int_or_percent(o: Any, is_pct: Any, value: Any, total: Any, round_up: bool) -> Any:
    """``intstr.GetScaledValueFromIntOrPercent``: ``value`` as is, or ``value%`` of ``total``.

    Exact integer ceiling/floor of ``value * total / 100`` (Go computes it in float64, which is
    exact while the product stays below 2**53).
    """
    product = value * total
    scaled = o.quo(product + 99, 100) if round_up else o.quo(product, 100)
    return o.ite(is_pct == 1, scaled, value)


def resolve_fenceposts(o: Any, surge_pct: Any, surge: Any, unav_pct: Any, unav: Any, desired: Any) -> tuple[Any, Any]:
    """``ResolveFenceposts``: ``(maxSurge, maxUnavailable)`` for ``desired`` replicas.

    Surge rounds up, unavailable down; both zero makes unavailable 1; then both are converted
    to ``int32`` (after the check: a value of 2**32 becomes 0).
    """
    s = get_scaled_value_from_int_or_percent(o, surge_pct, surge, desired, True)
    u = get_scaled_value_from_int_or_percent(o, unav_pct, unav, desired, False)
    u = o.ite(o.and_(s == 0, u == 0), 1, u)
    return o.int32(s), o.int32(u)


def max_unavailable(o: Any, unav: Any, replicas: Any) -> Any:
    """``MaxUnavailable``: the resolved value capped at ``replicas``; 0 for 0 replicas."""
    return o.ite(replicas == 0, 0, o.min(unav, replicas))


def new_rs_new_replicas(o: Any, replicas: Any, surge: Any, current: Any, new_spec: Any) -> Any:
    """``NewRSNewReplicas`` (RollingUpdate): up to ``replicas + maxSurge`` in all ReplicaSets
    (``current`` = Σ spec.replicas), never past ``replicas``."""
    max_total = o.int32(replicas + surge)
    scale_up = o.min(max_total - current, replicas - new_spec)
    return o.ite(current >= max_total, new_spec, new_spec + scale_up)


def reconcile_new_replica_set(o: Any, replicas: Any, surge: Any, specs: Sequence[Any], is_new: Sequence[Any]) -> tuple[list[Any], Any]:
    """``reconcileNewReplicaSet``: the new sizes and whether the new ReplicaSet was scaled."""
    new_spec = o.sum(o.ite(n, sp, 0) for n, sp in zip(is_new, specs, strict=True))
    current = o.sum(specs)
    target = o.ite(new_spec > replicas, replicas, new_rs_new_replicas(o, replicas, surge, current, new_spec))
    scaled = o.and_(new_spec != replicas, target != new_spec)
    return [o.ite(o.and_(n, scaled), target, sp) for n, sp in zip(is_new, specs, strict=True)], scaled


def reconcile_old_replica_sets(o: Any, replicas: Any, max_unav: Any, specs: Sequence[Any], avails: Sequence[Any],
                               is_old: Sequence[Any], is_new: Sequence[Any]) -> tuple[list[Any], Any]:
    """``reconcileOldReplicaSets`` with ``cleanupUnhealthyReplicas`` and
    ``scaleDownOldReplicaSetsForRollingUpdate``: the new sizes and whether any was scaled down.

    Old ReplicaSets are visited oldest first (slot order). ``oldRSs`` is filtered to the active
    ones (``spec > 0``) once, before both phases. A cleanup step whose size would grow (status
    reports more available pods than ``spec``) is upstream's "invalid request to scale down"
    error: the phase stops, the scale-downs already made stay, and nothing else happens.
    """
    specs = list(specs)
    active = [o.and_(old, sp > 0) for old, sp in zip(is_old, specs, strict=True)]
    old_count = o.sum(o.ite(a, sp, 0) for a, sp in zip(active, specs, strict=True))
    all_count = o.sum(specs)
    new_spec = o.sum(o.ite(n, sp, 0) for n, sp in zip(is_new, specs, strict=True))
    new_avail = o.sum(o.ite(n, av, 0) for n, av in zip(is_new, avails, strict=True))
    min_available = replicas - max_unav
    max_scaled_down = all_count - min_available - (new_spec - new_avail)
    go = o.and_(old_count != 0, max_scaled_down > 0)
    # phase 1: cleanupUnhealthyReplicas
    total = 0
    err: Any = o.false
    for i in range(len(specs)):
        sp, av = specs[i], avails[i]
        consider = o.and_(go, active[i], o.not_(err), total < max_scaled_down, sp != 0, sp != av)
        k = o.min(max_scaled_down - total, sp - av)
        bad = o.and_(consider, k < 0)
        do = o.and_(consider, o.not_(bad))
        err = o.or_(err, bad)
        specs[i] = o.ite(do, sp - k, sp)
        total = o.ite(do, total + k, total)
    # phase 2: scaleDownOldReplicaSetsForRollingUpdate over the active old ones and the new one
    available = o.sum(o.ite(a, av, 0) for a, av in zip(active, avails, strict=True)) + new_avail
    go2 = o.and_(go, o.not_(err), available > min_available)
    budget = available - min_available
    total2 = 0
    for i in range(len(specs)):
        sp = specs[i]
        consider = o.and_(go2, active[i], total2 < budget, sp != 0)
        k = o.min(sp, budget - total2)
        specs[i] = o.ite(consider, sp - k, sp)
        total2 = o.ite(consider, total2 + k, total2)
    return specs, o.or_(o.and_(go, total > 0), total2 > 0)


def round_to_int32(o: Any, num: Any, den: Any) -> Any:
    """``integer.RoundToInt32(float64(num) / float64(den))`` for ``den > 0``: half away from zero.

    Exact for ``|num|, den < 2**31`` (the float quotient is never close enough to a half-integer
    to round differently)."""
    up = o.quo(2 * num + den, 2 * den)
    down = 0 - o.quo(0 - 2 * num + den, 2 * den)
    return o.ite(num >= 0, up, down)


def get_replica_set_fraction(o: Any, rs_spec: Any, replicas: Any, surge: Any, annotated: Any, status_replicas: Any,
                             rounded: Any = None) -> Any:
    """``getReplicaSetFraction``: ``round(spec * (replicas + maxSurge) / max-replicas) - spec``.

    ``annotated`` is the max-replicas annotation (0 when absent or invalid: upstream then falls
    back to ``status.replicas``, and to a fraction of 0 when that is 0 too). The product is an
    ``int32`` product, as upstream's ``*(rs.Spec.Replicas) * deploymentReplicas``. ``rounded``
    replaces the rounded size (a proof's abstraction of it, see :class:`ProportionalScaling`).
    """
    deployment_replicas = o.int32(replicas + surge)
    old_max = o.ite(annotated == 0, status_replicas, annotated)
    if rounded is None:
        rounded = round_to_int32(o, o.int32(rs_spec * deployment_replicas), o.ite(old_max == 0, 1, old_max))
    fraction = rounded - rs_spec
    return o.ite(replicas == 0, 0 - rs_spec, o.ite(old_max == 0, 0, fraction))


def get_proportion(o: Any, rs_spec: Any, fraction: Any, to_add: Any, added: Any) -> Any:
    """``GetProportion``: the share of ``to_add`` for a ReplicaSet (``added`` handed out already)."""
    allowed = to_add - added
    share = o.ite(to_add > 0, o.min(fraction, allowed), o.max(fraction, allowed))
    return o.ite(o.or_(rs_spec == 0, to_add == 0, to_add == added), 0, share)


def int_or_percent(value: int | str) -> tuple[int, int]:
    """``(is_pct, number)`` of an IntOrString as a manifest writes it.

    Examples
    --------
    >>> int_or_percent("25%"), int_or_percent(3)
    ((1, 25), (0, 3))
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"an IntOrString is an int or 'N%', got {value!r}")
    if isinstance(value, int):
        return 0, value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return 1, int(value[:-1])
    raise InvalidArgument(f"an IntOrString is an int or 'N%', got {value!r}")


def _intstr_params(name: str, value: Any) -> dict[str, Any]:
    """Constructor sugar: ``"25%"``, ``3``, an int range ``(lo, hi)``, ``"any"`` (or ``None``), or
    explicit ``{"pct": ..., "value": ...}`` domains."""
    if value is None or value == "any":
        return {f"{name}_pct": None, name: None}
    if isinstance(value, (tuple, range)):
        return {f"{name}_pct": 0, name: value}
    if isinstance(value, dict):
        return {f"{name}_pct": value.get("pct"), name: value.get("value")}
    pct, number = int_or_percent(value)
    return {f"{name}_pct": pct, name: number}


def _valid_strategy(o: Any, s: Any) -> Any:
    """Apps validation of a rolling update: not both 0 (``getIntOrPercentValue``), maxUnavailable
    at most 100%, an int maxSurge an int32; and the float computation of percentages exact
    (``p * replicas < 2**53``)."""
    rules = [
        o.or_(s.max_surge != 0, s.max_unavailable != 0),
        o.or_(s.max_unavailable_pct == 0, s.max_unavailable <= 100),
        o.or_(s.max_surge_pct == 1, s.max_surge <= MAX_INT32),
    ]
    width = getattr(o, "width", None)
    if width is None or width > 54:  # narrower bit-vectors cannot hold 2**53 (their domains are small)
        rules += [s.max_surge * s.replicas < 2**53, s.max_unavailable * s.replicas < 2**53]
    return o.and_(*rules)


_STRATEGY_PARAMS = (
    Param("max_surge_pct", 0, 1, "maxSurge is a percentage"),
    Param("max_surge", 0, 2**40, "maxSurge (int32 for an int; a percentage's number may be larger)"),
    Param("max_unavailable_pct", 0, 1, "maxUnavailable is a percentage"),
    Param("max_unavailable", 0, MAX_INT32, "maxUnavailable"),
)


# -- ResolveFenceposts ---------------------------------------------------------------------------
class Fenceposts(SymbolicModel):
    """``ResolveFenceposts`` on its own: a model with parameters only (no steps).

    Properties: ``never-zero-zero`` (the fenceposts are never both 0, so a rolling update can
    always move), ``in-int32`` (the scaled values fit an ``int32``) and
    ``never-zero-zero-in-int32`` (the first under the second: the ``int32`` conversion after
    the zero check is what can make both 0).

    Parameters
    ----------
    replicas : int, (lo, hi) or None
    max_surge, max_unavailable : int, "N%", "any", or ``{"pct": ..., "value": ...}``
    """

    name = "fenceposts"
    width = 64
    upstream = ("pkg/controller/deployment/util/deployment_util.go", "staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go")
    # replicas < 2**22 and percentages < 2**40 keep every product inside 64-bit bit-vectors
    PARAMS = (Param("replicas", 0, 2**22, "spec.replicas"), *_STRATEGY_PARAMS)
    VARS = ()

    def __init__(self, *, replicas: Any = 10, max_surge: Any = "25%", max_unavailable: Any = "25%", **params: Any) -> None:
        super().__init__(replicas=replicas, **_intstr_params("max_surge", max_surge),
                         **_intstr_params("max_unavailable", max_unavailable), **params)

    def valid(self, o: Any, s: Any) -> Any:
        return _valid_strategy(o, s)

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {}

    def transitions(self) -> Sequence[Action]:
        return ()

    def formulas(self) -> Sequence[Property[Any]]:
        def never_zero_zero(o: Any, s: Any) -> Any:
            surge, unav = resolve_fenceposts(o, s.max_surge_pct, s.max_surge, s.max_unavailable_pct, s.max_unavailable,
                                             s.replicas)
            return o.or_(surge != 0, unav != 0)

        def in_int32(o: Any, s: Any) -> Any:
            surge = get_scaled_value_from_int_or_percent(o, s.max_surge_pct, s.max_surge, s.replicas, True)
            unav = get_scaled_value_from_int_or_percent(o, s.max_unavailable_pct, s.max_unavailable, s.replicas, False)
            return o.and_(surge <= MAX_INT32, unav <= MAX_INT32)

        return (
            always("never-zero-zero", never_zero_zero,
                   description="ResolveFenceposts never returns (0, 0)"),
            always("in-int32", in_int32, description="the scaled maxSurge and maxUnavailable fit an int32"),
            always("never-zero-zero-in-int32", lambda o, s: o.implies(in_int32(o, s), never_zero_zero(o, s)),
                   description="when the scaled values fit an int32, ResolveFenceposts never returns (0, 0)"),
        )


# -- getReplicaSetFraction's rounding --------------------------------------------------------------
def fraction_lemma_holds(o: Any, rs_spec: Any, new_max: Any, old_max: Any, rounded: Any) -> Any:
    """What proportional scaling needs of ``rounded = RoundToInt32(rs_spec * new_max / old_max)``:
    it lies within ``[0, new_max]``, at most ``rs_spec`` when the Deployment shrinks
    (``new_max <= old_max``) and at least ``rs_spec`` when it grows."""
    return o.and_(rounded >= 0, rounded <= new_max, o.implies(new_max <= old_max, rounded <= rs_spec),
                  o.implies(new_max >= old_max, rounded >= rs_spec))


def fraction_lemma_applies(o: Any, rs_spec: Any, new_max: Any, old_max: Any) -> Any:
    """When the lemma is claimed: ``0 <= rs_spec <= old_max`` (a ReplicaSet is never larger than
    the Deployment's maximum before the scale), ``0 < old_max``, ``0 <= new_max`` and the
    ``int32`` product ``rs_spec * new_max`` does not wrap."""
    return o.and_(rs_spec >= 0, rs_spec <= old_max, old_max > 0, old_max <= MAX_INT32, new_max >= 0,
                  new_max <= MAX_INT32, rs_spec * new_max <= MAX_INT32)


class ReplicaSetFraction(SymbolicModel):
    """``getReplicaSetFraction``'s rounding on its own: a model with parameters only (no steps).

    ``rounded = RoundToInt32(float64(int32(rs_spec * new_max)) / float64(old_max))`` is the size
    ``scale`` gives a ReplicaSet of ``rs_spec`` replicas when the Deployment's maximum (replicas +
    maxSurge) goes from ``old_max`` (the max-replicas annotation) to ``new_max``.

    Properties: ``fraction-bounds-in-int32`` (:func:`fraction_lemma_holds` whenever
    :func:`fraction_lemma_applies`: the lemma the proportional-scaling proof rests on) and
    ``fraction-bounds`` (the same without the no-wrap hypothesis: refuted, the ``int32`` product).

    Examples
    --------
    >>> from kmodel.smt.ops import CONCRETE as o
    >>> m = ReplicaSetFraction(rs_spec=50, new_max=130, old_max=110)
    >>> [f.name for f in m.all_formulas()]
    ['type-ok', 'fraction-bounds-in-int32', 'fraction-bounds']
    >>> round_to_int32(o, o.int32(50 * 130), 110), round_to_int32(o, o.int32(40_000 * 60_000), 50_000)  # wraps
    (59, -37899)
    """

    name = "replica-set-fraction"
    upstream = ("pkg/controller/deployment/util/deployment_util.go",)
    PARAMS = (
        Param("rs_spec", 0, MAX_INT32, "spec.replicas of the ReplicaSet"),
        Param("new_max", 0, MAX_INT32, "replicas + maxSurge after the edit"),
        Param("old_max", 0, MAX_INT32, "the max-replicas annotation (replicas + maxSurge before)"),
    )
    VARS = ()

    def __init__(self, *, rs_spec: Any = 5, new_max: Any = 12, old_max: Any = 10) -> None:
        super().__init__(rs_spec=rs_spec, new_max=new_max, old_max=old_max)

    def valid(self, o: Any, s: Any) -> Any:
        return o.and_(s.rs_spec <= s.old_max, s.old_max > 0)

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {}

    def transitions(self) -> Sequence[Action]:
        return ()

    def rounded(self, o: Any, s: Any) -> Any:
        return round_to_int32(o, o.int32(s.rs_spec * s.new_max), s.old_max)

    def formulas(self) -> Sequence[Property[Any]]:
        def bounds(o: Any, s: Any) -> Any:
            return fraction_lemma_holds(o, s.rs_spec, s.new_max, s.old_max, self.rounded(o, s))

        return (
            always("fraction-bounds-in-int32",
                   lambda o, s: o.implies(fraction_lemma_applies(o, s.rs_spec, s.new_max, s.old_max), bounds(o, s)),
                   description="without int32 wrap, the rounded size lies in [0, new max] and moves with the "
                               "Deployment"),
            always("fraction-bounds", bounds,
                   description="the rounded size lies in [0, new max] and moves with the Deployment"),
        )


# -- the rolling update --------------------------------------------------------------------------
class RollingUpdate(SymbolicModel):
    """A Deployment rolling out a new template, as counts per ReplicaSet.

    The ReplicaSets are slots in creation order: slot 0 is the old ReplicaSet (``replicas``
    pods, all available), slot ``gen`` the new one (created by the Deployment controller's first
    sync), later slots are for rollovers (the template changed again mid-rollout: the new
    ReplicaSet becomes old and another is created).

    Steps: the Deployment controller's sync (``rolloutRolling``); the ReplicaSet controller of
    each slot creating or deleting pods towards ``spec`` (not-ready pods deleted first, at most
    500 per sync); a pod of a slot becoming available (kubelet); and, from the environment, a
    pod becoming unavailable (a node failure, at most ``max_failures``) and a rollover (at most
    ``max_rollovers``).

    Properties: ``surge-bound`` (Σ spec ≤ replicas + maxSurge), ``availability`` (available pods
    ≥ replicas − maxUnavailable), ``pods-bound`` (Σ live pods ≤ replicas + maxSurge: not a
    guarantee upstream makes) and ``rollout-completes`` (an example of a finished rollout).

    **Node capacity** (``nodes`` given): the cluster has ``nodes`` nodes of ``pods_per_node``
    pod slots each, and a pod becomes available only while fewer than ``nodes * pods_per_node``
    pods are available (a pod that is not available is taken to be Pending, holding no slot: the
    scheduler places it as soon as a slot is free). This is where the node count matters: with
    ``maxUnavailable`` 0 and no spare slot, the surge pod never starts and the rollout never
    ends. Such an instance also has the liveness property ``rollout-finishes`` (every fair
    behaviour reaches a finished rollout); without ``nodes`` the model is unchanged.

    Parameters
    ----------
    replicas : int, (lo, hi) or None
    max_surge, max_unavailable : int, "N%", "any", or ``{"pct": ..., "value": ...}``
    max_failures : int or (lo, hi)
    max_rollovers : int
        Structural (the number of slots is ``2 + max_rollovers``).
    nodes : int, (lo, hi) or None
        The number of nodes (a parameter: a range means every value); ``None``: unlimited capacity.
    pods_per_node : int
        Structural: pod slots per node (the kubelet's ``maxPods`` defaults to 110).

    Examples
    --------
    >>> m = RollingUpdate(replicas=2, max_surge=1, max_unavailable=0, nodes=(2, 3))
    >>> r = m.checker().bfs()
    >>> r["rollout-finishes"].verdict, r["rollout-finishes"].kind, r["rollout-finishes"].path.states[0].nodes
    ('violated', 'stuck', 2)
    >>> m.with_params(nodes=3).checker().bfs()["rollout-finishes"].verdict
    'holds'
    """

    name = "rolling-update"
    upstream = ("pkg/controller/deployment/rolling.go", "pkg/controller/deployment/sync.go",
                "pkg/controller/deployment/util/deployment_util.go", "pkg/controller/replicaset/replica_set.go")
    PARAMS = (
        Param("replicas", 0, 100_000, "spec.replicas"),
        *_STRATEGY_PARAMS,
        Param("max_failures", 0, 1_000, "pods node failures may make unavailable"),
    )
    _BIG = 2**33

    def __init__(self, *, replicas: Any = 3, max_surge: Any = "25%", max_unavailable: Any = "25%",
                 max_failures: Any = 0, max_rollovers: int = 0, nodes: Any = None, pods_per_node: int = 1) -> None:
        if isinstance(max_rollovers, bool) or not isinstance(max_rollovers, int) or not 0 <= max_rollovers <= 3:
            raise InvalidArgument(f"rolling-update: max_rollovers must be 0..3, got {max_rollovers!r}")
        if isinstance(pods_per_node, bool) or not isinstance(pods_per_node, int) or not 1 <= pods_per_node <= 1_000:
            raise InvalidArgument(f"rolling-update: pods_per_node must be an int in 1..1000, got {pods_per_node!r}")
        self.capacity = nodes is not None
        self.pods_per_node = pods_per_node
        extra: dict[str, Any] = {}
        if self.capacity:
            self.PARAMS = (*type(self).PARAMS, Param("nodes", 0, 10_000, "nodes in the cluster"))  # type: ignore[misc]
            extra["nodes"] = nodes
        self.slots = 2 + max_rollovers
        self.max_rollovers = max_rollovers
        big = self._BIG
        self.VARS = tuple(  # type: ignore[misc]
            v for i in range(self.slots) for v in (
                Var(f"spec{i}", 0, big, f"spec.replicas of ReplicaSet {i}"),
                Var(f"pods{i}", 0, big, f"live pods of ReplicaSet {i}"),
                Var(f"avail{i}", 0, big, f"available pods of ReplicaSet {i}"),
            )
        ) + (
            Var("gen", 1, self.slots - 1, "slot of the new ReplicaSet"),
            Var("created", 0, 1, "the new ReplicaSet exists"),
            Var("failures", 0, 1_000, "pods made unavailable by node failures"),
            Var("rollovers", 0, max_rollovers, "template changes after the first"),
        )
        super().__init__(replicas=replicas, **_intstr_params("max_surge", max_surge),
                         **_intstr_params("max_unavailable", max_unavailable), max_failures=max_failures, **extra)

    def __repr__(self) -> str:
        text = super().__repr__()
        return text[:-1] + f", pods_per_node={self.pods_per_node})" if self.capacity else text

    def valid(self, o: Any, s: Any) -> Any:
        surge, _ = self.fenceposts(o, s)
        rules = [_valid_strategy(o, s), s.replicas + surge <= MAX_INT32, surge >= 0]
        if self.capacity:  # the old ReplicaSet's pods all run before the rollout
            rules.append(s.replicas <= s.nodes * self.pods_per_node)
        return o.and_(*rules)

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        out: dict[str, Any] = {}
        for i in range(self.slots):
            for k in ("spec", "pods", "avail"):
                out[f"{k}{i}"] = s.replicas if i == 0 else 0
        out.update(gen=1, created=0, failures=0, rollovers=0)
        return out

    # -- derived values --------------------------------------------------------------------------
    def fenceposts(self, o: Any, s: Any) -> tuple[Any, Any]:
        return resolve_fenceposts(o, s.max_surge_pct, s.max_surge, s.max_unavailable_pct, s.max_unavailable, s.replicas)

    def max_unavailable(self, o: Any, s: Any) -> Any:
        return max_unavailable(o, self.fenceposts(o, s)[1], s.replicas)

    def slot(self, s: Any, kind: str) -> list[Any]:
        return [getattr(s, f"{kind}{i}") for i in range(self.slots)]

    # -- steps -----------------------------------------------------------------------------------
    def transitions(self) -> Sequence[Action]:
        acts = [Action("sync", "deployment-controller", self._sync, doc="rolloutRolling")]
        for i in range(self.slots):
            acts.append(Action(f"sync-rs{i}", "replicaset-controller", self._rs_sync(i),
                               doc=f"manageReplicas of ReplicaSet {i}"))
        for i in range(self.slots):
            acts.append(Action(f"ready-rs{i}", "kubelet", self._ready(i), doc=f"a pod of ReplicaSet {i} becomes available"))
        for i in range(self.slots):
            acts.append(Action(f"fail-rs{i}", "node-failure", self._fail(i), fair=False,
                               doc=f"a node failure makes an available pod of ReplicaSet {i} unavailable"))
        if self.max_rollovers:
            acts.append(Action("rollover", "user", self._rollover, fair=False, doc="kubectl set image (again)"))
        return acts

    def _sync(self, o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
        replicas = s.replicas
        surge, _ = self.fenceposts(o, s)
        max_unav = self.max_unavailable(o, s)
        specs, avails = self.slot(s, "spec"), self.slot(s, "avail")
        is_new = [s.gen == i for i in range(self.slots)]
        is_old = [s.gen > i for i in range(self.slots)]
        # getAllReplicaSetsAndSyncRevision(createIfNotExisted=true): the new ReplicaSet is created
        # with NewRSNewReplicas replicas.
        size = new_rs_new_replicas(o, replicas, surge, o.sum(specs), 0)
        specs = [o.ite(o.and_(is_new[i], s.created == 0), size, specs[i]) for i in range(self.slots)]
        specs, scaled_up = reconcile_new_replica_set(o, replicas, surge, specs, is_new)
        down, _scaled_down = reconcile_old_replica_sets(o, replicas, max_unav, specs, avails, is_old, is_new)
        specs = [o.ite(scaled_up, specs[i], down[i]) for i in range(self.slots)]
        updates: dict[str, Any] = {f"spec{i}": specs[i] for i in range(self.slots)}
        updates["created"] = 1
        return o.true, updates

    def _rs_sync(self, i: int) -> Any:
        def effect(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
            spec, pods, avail = getattr(s, f"spec{i}"), getattr(s, f"pods{i}"), getattr(s, f"avail{i}")
            create = o.min(spec - pods, BURST_REPLICAS)
            delete = o.min(pods - spec, BURST_REPLICAS)
            new_pods = o.ite(pods < spec, pods + create, pods - delete)
            return pods != spec, {f"pods{i}": new_pods, f"avail{i}": o.min(avail, new_pods)}
        return effect

    def _ready(self, i: int) -> Any:
        def effect(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
            avail = getattr(s, f"avail{i}")
            guard = avail < getattr(s, f"pods{i}")
            if self.capacity:  # a free pod slot on some node
                guard = o.and_(guard, o.sum(self.slot(s, "avail")) < s.nodes * self.pods_per_node)
            return guard, {f"avail{i}": avail + 1}
        return effect

    def _fail(self, i: int) -> Any:
        def effect(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
            avail = getattr(s, f"avail{i}")
            return o.and_(avail > 0, s.failures < s.max_failures), {f"avail{i}": avail - 1, "failures": s.failures + 1}
        return effect

    def _rollover(self, o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
        guard = o.and_(s.rollovers < self.max_rollovers, s.created == 1, s.gen < self.slots - 1)
        return guard, {"gen": s.gen + 1, "created": 0, "rollovers": s.rollovers + 1}

    # -- properties ------------------------------------------------------------------------------
    def formulas(self) -> Sequence[Property[Any]]:
        def surge_bound(o: Any, s: Any) -> Any:
            return o.sum(self.slot(s, "spec")) <= s.replicas + self.fenceposts(o, s)[0]

        def availability(o: Any, s: Any) -> Any:
            return o.sum(self.slot(s, "avail")) >= s.replicas - self.max_unavailable(o, s)

        def pods_bound(o: Any, s: Any) -> Any:
            return o.sum(self.slot(s, "pods")) <= s.replicas + self.fenceposts(o, s)[0]

        def completes(o: Any, s: Any) -> Any:
            new_avail = o.sum(o.ite(s.gen == i, a, 0) for i, a in enumerate(self.slot(s, "avail")))
            new_spec = o.sum(o.ite(s.gen == i, a, 0) for i, a in enumerate(self.slot(s, "spec")))
            old_pods = o.sum(o.ite(s.gen > i, a, 0) for i, a in enumerate(self.slot(s, "pods")))
            return o.and_(s.created == 1, new_spec == s.replicas, new_avail == s.replicas, old_pods == 0)

        out = [
            always("surge-bound", surge_bound, description="Σ spec.replicas ≤ replicas + maxSurge"),
            always("availability", availability, description="available pods ≥ replicas − maxUnavailable"),
            always("pods-bound", pods_bound, description="Σ live pods ≤ replicas + maxSurge"),
            sometimes("rollout-completes", completes, description="the new ReplicaSet has every pod, available"),
        ]
        if self.capacity:
            out.append(eventually("rollout-finishes", completes,
                                  description="every fair behaviour finishes the rollout (all pods new and available)"))
        return out

    def invariants(self) -> Mapping[str, Any]:
        """Strengthening that makes ``surge-bound`` and ``availability`` 1-inductive, with no
        rollover or one (with two, k-induction finds counterexamples to induction where an older
        former new ReplicaSet is still creating pods while a younger one has pods to delete: open).

        The facts about slot 0 (the ReplicaSet that was complete before the rollout) are what a
        rollover needs: its pods were all available and it only ever deletes, so it never has
        fewer pods than ``spec`` and its unavailable pods are those node failures made so.
        """
        def counts(o: Any, s: Any) -> Any:
            parts = [s.gen == 1 + s.rollovers, s.gen <= self.slots - 1, o.or_(s.created == 0, s.created == 1),
                     s.failures >= 0, s.failures <= s.max_failures, s.rollovers >= 0, s.rollovers <= self.max_rollovers,
                     s.pods0 >= s.spec0, s.avail0 >= s.pods0 - s.failures]
            for i in range(self.slots):
                sp, po, av = getattr(s, f"spec{i}"), getattr(s, f"pods{i}"), getattr(s, f"avail{i}")
                parts += [sp >= 0, sp <= s.replicas, po <= s.replicas, av >= 0, av <= po]
                # the new ReplicaSet and later slots never have more pods than spec
                parts.append(o.implies(s.gen <= i, po <= sp))
                parts.append(o.implies(s.gen < i, sp == 0))
            parts.append(o.implies(s.created == 0, o.and_(*[o.implies(s.gen == i, getattr(s, f"spec{i}") == 0)
                                                             for i in range(self.slots)])))
            return o.and_(*parts)

        def surviving_available(o: Any, s: Any) -> Any:
            # available pods that no pending scale-down will remove
            keep = o.sum(o.min(a, sp) for a, sp in zip(self.slot(s, "avail"), self.slot(s, "spec"), strict=True))
            return keep >= s.replicas - self.max_unavailable(o, s)

        return {"counts": counts, "surviving-available": surviving_available}


# -- proportional scaling ------------------------------------------------------------------------
class ProportionalScaling(SymbolicModel):
    """``DeploymentController.scale`` on a Deployment with an old and a new ReplicaSet.

    The Deployment was at ``old_replicas`` (both ReplicaSets carry the max-replicas annotation
    ``old_replicas + maxSurge(old_replicas)``, as ``scaleReplicaSet`` leaves it) mid-rollout,
    with ``spec0`` (old) and ``spec1`` (new, ``avail1`` available) replicas; the user sets
    ``replicas``. The single step is the controller's ``scale``, taken only on a scaling event
    (``replicas != old_replicas``, as ``isScalingEvent``); the properties compare the sizes it
    writes with ``replicas + maxSurge``.

    Abstracted: one old ReplicaSet (ties in size are broken newer-first on the way up and
    older-first on the way down, as ``ReplicaSetsBySizeNewer``/``Older``); the new ReplicaSet's
    desired-replicas annotation equals ``old_replicas`` (for ``IsSaturated``).

    Properties: ``scaled-surge-bound`` (after ``scale``, Σ spec ≤ replicas + maxSurge),
    ``sizes-non-negative``, and both again under the hypothesis that nothing wraps in ``int32``
    (``*-in-int32``: the scaled maxSurge values and both products ``spec * (replicas +
    maxSurge)`` fit an int32).

    ``rounding="lemma"`` (for proofs) replaces each ``RoundToInt32(...)`` of
    ``getReplicaSetFraction`` by a choice of the step constrained only by what
    :func:`fraction_lemma_holds` says of it whenever :func:`fraction_lemma_applies`: an
    over-approximation of the exact step for the ``*-in-int32`` claims, sound because
    :class:`ReplicaSetFraction` proves the lemma, and linear where the exact step needs
    non-linear division. Such an instance replays paths (``next_state``) but cannot enumerate
    its steps (2**31 choices): it is for the SMT engines only.

    Examples
    --------
    Scaling from 10 to 20 replicas (25%/25%: maximum 13 before, 25 after) mid-rollout:

    >>> m = ProportionalScaling(old_replicas=10, replicas=20, spec0=5, spec1=8)
    >>> [(str(a), n.size0, n.size1) for a, n in m.successors(m.init_states()[0])]
    [('deployment-controller: scale', 10, 15)]
    """

    name = "proportional-scaling"
    width = 64
    upstream = ("pkg/controller/deployment/sync.go", "pkg/controller/deployment/util/deployment_util.go")
    PARAMS = (
        Param("old_replicas", 0, MAX_INT32, "spec.replicas before the edit"),
        Param("replicas", 0, MAX_INT32, "spec.replicas after the edit"),
        *_STRATEGY_PARAMS,
        Param("spec0", 0, MAX_INT32, "spec.replicas of the old ReplicaSet"),
        Param("spec1", 0, MAX_INT32, "spec.replicas of the new ReplicaSet"),
        Param("avail1", 0, MAX_INT32, "status.availableReplicas of the new ReplicaSet"),
    )
    VARS = (
        Var("size0", -(2**32), 2**32, "old ReplicaSet after scale"),
        Var("size1", -(2**32), 2**32, "new ReplicaSet after scale"),
        Var("scaled", 0, 1, "scale ran"),
    )

    def __init__(self, *, old_replicas: Any = 10, replicas: Any = 20, max_surge: Any = "25%",
                 max_unavailable: Any = "25%", spec0: Any = 5, spec1: Any = 8, avail1: Any = 0,
                 rounding: str = "exact") -> None:
        if rounding not in ("exact", "lemma"):
            raise InvalidArgument(f"proportional-scaling: rounding must be 'exact' or 'lemma', got {rounding!r}")
        self.rounding = rounding
        super().__init__(old_replicas=old_replicas, replicas=replicas, spec0=spec0, spec1=spec1, avail1=avail1,
                         **_intstr_params("max_surge", max_surge), **_intstr_params("max_unavailable", max_unavailable))

    def actions(self, state: Any) -> list[NumAction]:
        self._explicit_only()
        return super().actions(state)

    def successors(self, state: Any) -> Iterator[tuple[NumAction, Any]]:
        self._explicit_only()
        return super().successors(state)

    def _explicit_only(self) -> None:
        if self.rounding == "lemma":
            raise InvalidModel("proportional-scaling with rounding='lemma' is an abstraction for the SMT engines "
                               "(2**31 choices per step); explore the exact model (rounding='exact')")

    def no_wrap(self, o: Any, s: Any) -> Any:
        """Nothing wraps in ``int32``: the scaled maxSurge for both sizes, and ``spec * (replicas +
        maxSurge)`` for both ReplicaSets."""
        def scaled(total: Any) -> Any:
            return get_scaled_value_from_int_or_percent(o, s.max_surge_pct, s.max_surge, total, True)

        new_max = s.replicas + scaled(s.replicas)
        return o.and_(scaled(s.replicas) <= MAX_INT32, scaled(s.old_replicas) <= MAX_INT32,
                      s.spec0 * new_max <= MAX_INT32, s.spec1 * new_max <= MAX_INT32)

    def surge(self, o: Any, s: Any, replicas: Any) -> Any:
        return resolve_fenceposts(o, s.max_surge_pct, s.max_surge, s.max_unavailable_pct, s.max_unavailable,
                                  replicas)[0]

    def valid(self, o: Any, s: Any) -> Any:
        old_max = s.old_replicas + self.surge(o, s, s.old_replicas)
        return o.and_(
            _valid_strategy(o, s),
            s.max_surge * s.old_replicas < 2**53,
            # the state a rolling update at old_replicas leaves: Σ spec within the old bound
            s.spec0 + s.spec1 <= old_max, s.spec1 <= s.old_replicas, s.avail1 <= s.spec1,
            old_max <= MAX_INT32, s.replicas + self.surge(o, s, s.replicas) <= MAX_INT32,
        )

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {"size0": s.spec0, "size1": s.spec1, "scaled": 0}

    def transitions(self) -> Sequence[Action]:
        choices = ()
        if self.rounding == "lemma":
            choices = (Choice("round_first", 0, MAX_INT32), Choice("round_second", 0, MAX_INT32))
        return (Action("scale", "deployment-controller", self._scale, choices, doc="sync -> scale (a scaling event)"),)

    def _scale(self, o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
        d = s.replicas
        surge = self.surge(o, s, d)
        old_max = o.int32(s.old_replicas + self.surge(o, s, s.old_replicas))  # the annotation
        spec0, spec1 = s.spec0, s.spec1
        active0, active1 = spec0 > 0, spec1 > 0
        # FindActiveOrLatest: at most one active -> that one (or the newest) goes to replicas.
        one = o.not_(o.and_(active0, active1))
        single0 = o.ite(o.and_(active0, o.not_(active1)), d, spec0)
        single1 = o.ite(o.and_(active0, o.not_(active1)), spec1, d)
        # IsSaturated(new): spec == replicas, desired annotation == replicas, available == replicas.
        saturated = o.and_(spec1 == d, s.old_replicas == d, s.avail1 == d)
        # Proportional: allowed = replicas + maxSurge (0 for 0 replicas).
        allowed = o.ite(d > 0, o.int32(d + surge), 0)
        to_add = allowed - (spec0 + spec1)
        # order: by size, descending; ties newer first when adding, older first when removing
        new_first = o.or_(spec1 > spec0, o.and_(spec1 == spec0, to_add > 0))
        first_spec = o.ite(new_first, spec1, spec0)
        second_spec = o.ite(new_first, spec0, spec1)
        lemma: list[Any] = []

        def fraction(rs_spec: Any, which: str) -> Any:
            if self.rounding == "exact":
                return get_replica_set_fraction(o, rs_spec, d, surge, old_max, 0)
            rounded = getattr(c, f"round_{which}")
            new_max = o.int32(d + surge)
            lemma.append(o.implies(fraction_lemma_applies(o, rs_spec, new_max, old_max),
                                   fraction_lemma_holds(o, rs_spec, new_max, old_max, rounded)))
            return get_replica_set_fraction(o, rs_spec, d, surge, old_max, 0, rounded=rounded)

        f_first = fraction(first_spec, "first")
        p_first = get_proportion(o, first_spec, f_first, to_add, 0)
        f_second = fraction(second_spec, "second")
        p_second = get_proportion(o, second_spec, f_second, to_add, p_first)
        added = p_first + p_second
        size_first = o.ite(to_add != 0, first_spec + p_first + (to_add - added), first_spec)
        size_first = o.max(size_first, 0)
        size_second = o.ite(to_add != 0, second_spec + p_second, second_spec)
        prop0 = o.ite(new_first, size_second, size_first)
        prop1 = o.ite(new_first, size_first, size_second)
        size0 = o.ite(one, single0, o.ite(saturated, 0, prop0))
        size1 = o.ite(one, single1, o.ite(saturated, spec1, prop1))
        # sync calls scale only on a scaling event (isScalingEvent: an active ReplicaSet's
        # desired-replicas annotation differs from spec.replicas; here they say old_replicas).
        return o.and_(s.scaled == 0, d != s.old_replicas, *lemma), {"size0": size0, "size1": size1, "scaled": 1}

    def formulas(self) -> Sequence[Property[Any]]:
        def bound(o: Any, s: Any) -> Any:
            return o.or_(s.scaled == 0, s.size0 + s.size1 <= s.replicas + self.surge(o, s, s.replicas))

        def non_negative(o: Any, s: Any) -> Any:
            return o.and_(s.size0 >= 0, s.size1 >= 0)

        return (
            always("scaled-surge-bound", bound, description="after scale, Σ spec.replicas ≤ replicas + maxSurge"),
            always("sizes-non-negative", non_negative, description="scale never writes a negative size"),
            always("scaled-surge-bound-in-int32", lambda o, s: o.implies(self.no_wrap(o, s), bound(o, s)),
                   description="when nothing wraps in int32, after scale Σ spec.replicas ≤ replicas + maxSurge"),
            always("sizes-non-negative-in-int32", lambda o, s: o.implies(self.no_wrap(o, s), non_negative(o, s)),
                   description="when nothing wraps in int32, scale never writes a negative size"),
        )
