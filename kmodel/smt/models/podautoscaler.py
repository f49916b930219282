"""The HorizontalPodAutoscaler's legacy normalisation (``spec.behavior`` unset).

Upstream (v1.35): ``pkg/controller/podautoscaler/horizontal.go``: ``reconcileAutoscaler`` (the
branches for a target scaled to 0, above ``maxReplicas`` and below ``minReplicas``, which set
the size directly), ``stabilizeRecommendation`` (the maximum of the recommendations of the last
``--horizontal-pod-autoscaler-downscale-stabilization``, 5 minutes),
``normalizeDesiredReplicas``, ``convertDesiredReplicasWithRules`` and
``calculateScaleUpLimit`` (``max(scaleUpLimitFactor * current, scaleUpLimitMinimum)`` with
factor 2.0 and minimum 4.0); ``/work/shared/reference/k8s-workload-semantics.md`` §4.1, §4.3.

State: ``current`` (the target's ``scale.spec.replicas``), ``prev`` (its value before the last
HPA sync), ``rec`` (the largest recommendation still inside the stabilisation window, 0 for
none), ``last`` (1: the last step was an HPA rescale through the normalisation; 2: through one of
the direct branches; 0: anything else) and ``edits`` (user edits of the scale so far).

Nondeterministic inputs: the metrics' proposal at each sync (any value up to ``max_metric``),
recommendations leaving the window (``rec`` may drop to any smaller value: an
over-approximation of individual expiry), and user edits of the target's replicas.

Abstracted away: the metrics pipeline (``computeReplicasForMetrics``: any proposal is possible),
conditions and status, ``spec.behavior`` (scaling policies and per-direction windows).
``calculateScaleUpLimit`` converts ``2.0 * current`` to ``int32``; the models keep
``maxReplicas < 2**30`` so that the conversion is exact (beyond it Go's conversion of an
out-of-range float is implementation-defined).

Examples
--------
>>> m = HPALegacyNormalization(min_replicas=2, max_replicas=20, current=3, max_metric=40, max_edits=0)
>>> m.checker().bfs()["scale-up-limit"].verdict
'holds'
>>> m.with_params(current=1).checker().bfs()["scale-up-limit-any-branch"].verdict   # 1 -> minReplicas 2 <= 4
'holds'
>>> m.with_params(current=1, min_replicas=5).checker().bfs()["scale-up-limit-any-branch"].verdict  # 1 -> 5 > 4
'violated'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmodel.errors import InvalidArgument
from kmodel.model import Property, always
from kmodel.smt.symbolic import Action, Choice, Param, SymbolicModel, Var

__all__ = ["HPALegacyNormalization", "convert_desired_replicas_with_rules", "calculate_scale_up_limit",
           "SCALE_UP_LIMIT_FACTOR", "SCALE_UP_LIMIT_MINIMUM"]

SCALE_UP_LIMIT_FACTOR = 2
SCALE_UP_LIMIT_MINIMUM = 4
_MAX = 2**30 - 1


def calculate_scale_up_limit(o: Any, current: Any) -> Any:
    """``calculateScaleUpLimit``: ``max(2 * current, 4)``."""
    return o.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM)


def convert_desired_replicas_with_rules(o: Any, current: Any, desired: Any, min_replicas: Any, max_replicas: Any) -> Any:
    """``convertDesiredReplicasWithRules``: clamp to ``[minReplicas, min(maxReplicas, scaleUpLimit)]``
    (the minimum wins when they cross)."""
    scale_up_limit = calculate_scale_up_limit(o, current)
    maximum = o.ite(max_replicas > scale_up_limit, scale_up_limit, max_replicas)
    return o.ite(desired < min_replicas, min_replicas, o.ite(desired > maximum, maximum, desired))


class HPALegacyNormalization(SymbolicModel):
    """An HPA without ``spec.behavior`` resizing its target, metrics and user edits as inputs.

    Properties: ``scale-up-limit`` (a rescale through the normalisation never proposes more
    than ``max(2·current, 4)``), ``scale-up-limit-any-branch`` (the same for every rescale,
    including the direct ``minReplicas``/``maxReplicas`` branches: refuted when the target is
    below ``minReplicas``), ``normalised-within-bounds`` (a normalised size lies within
    ``[minReplicas, maxReplicas]``).

    Parameters
    ----------
    min_replicas, max_replicas, current :
        ``spec.minReplicas`` (0 needs the ``HPAScaleToZero`` gate), ``spec.maxReplicas`` and the
        target's initial replicas.
    max_metric : int
        Structural: the largest proposal, window value and edit a step can take (the explicit
        reading enumerates them all, so keep it small there; proofs use ``2**30 - 1``).
    max_edits : int or (lo, hi)
        User edits of the target's replicas (``kubectl scale``) allowed.
    """

    name = "hpa-legacy-normalization"
    upstream = ("pkg/controller/podautoscaler/horizontal.go",)
    PARAMS = (
        Param("min_replicas", 0, _MAX, "spec.minReplicas"),
        Param("max_replicas", 1, _MAX, "spec.maxReplicas"),
        Param("current", 0, _MAX, "the target's replicas at the start"),
        Param("max_edits", 0, 100, "user edits of the target's replicas"),
    )
    VARS = (
        Var("replicas", 0, _MAX, "the target's scale.spec.replicas"),
        Var("prev", 0, _MAX, "replicas before the last HPA sync"),
        Var("rec", 0, _MAX, "largest recommendation inside the stabilisation window (0: none)"),
        Var("last", 0, 2, "1: the last step rescaled through the normalisation; 2: directly; 0: other"),
        Var("edits", 0, 100, "user edits so far"),
    )

    def __init__(self, *, min_replicas: Any = 1, max_replicas: Any = 10, current: Any = 1, max_metric: int = 12,
                 max_edits: Any = 0) -> None:
        if isinstance(max_metric, bool) or not isinstance(max_metric, int) or not 0 <= max_metric <= _MAX:
            raise InvalidArgument(f"{self.name}: max_metric must be an int in [0, 2**30), got {max_metric!r}")
        self.max_metric = max_metric
        super().__init__(min_replicas=min_replicas, max_replicas=max_replicas, current=current, max_edits=max_edits)

    def valid(self, o: Any, s: Any) -> Any:
        return s.min_replicas <= s.max_replicas

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {"replicas": s.current, "prev": s.current, "rec": 0, "last": 0, "edits": 0}

    def transitions(self) -> Sequence[Action]:
        return (
            Action("sync", "horizontal-pod-autoscaler", _sync, (Choice("metric", 0, self.max_metric),),
                   doc="reconcileAutoscaler with the metrics proposing `metric` replicas"),
            Action("window-passes", "clock", _expire, (Choice("left", 0, self.max_metric),), fair=False,
                   doc="recommendations leave the stabilisation window"),
            Action("scale", "user", _edit, (Choice("to", 0, self.max_metric),), fair=False,
                   doc="kubectl scale of the target"),
        )

    def formulas(self) -> Sequence[Property[Any]]:
        return (
            always("scale-up-limit",
                   lambda o, s: o.or_(s.last != 1, s.replicas <= calculate_scale_up_limit(o, s.prev)),
                   description="the legacy normalisation never proposes more than max(2·current, 4)"),
            always("scale-up-limit-any-branch",
                   lambda o, s: o.or_(s.last == 0, s.replicas <= calculate_scale_up_limit(o, s.prev)),
                   description="no HPA rescale sets more than max(2·current, 4)"),
            always("normalised-within-bounds",
                   lambda o, s: o.or_(s.last != 1, o.and_(s.min_replicas <= s.replicas, s.replicas <= s.max_replicas)),
                   description="a normalised size lies within [minReplicas, maxReplicas]"),
        )

    def invariants(self) -> Mapping[str, Any]:
        return {"prev-non-negative": lambda o, s: o.and_(s.prev >= 0, s.replicas >= 0, s.rec >= 0)}


def _sync(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    current, lo, hi = s.replicas, s.min_replicas, s.max_replicas
    disabled = o.and_(current == 0, lo != 0)
    above, below = current > hi, current < lo
    normal = o.and_(o.not_(disabled), o.not_(above), o.not_(below))
    stabilized = o.max(c.metric, s.rec)
    normalised = convert_desired_replicas_with_rules(o, current, stabilized, lo, hi)
    desired = o.ite(above, hi, o.ite(below, lo, normalised))
    rescale = o.and_(o.not_(disabled), desired != current)
    return o.not_(disabled), {
        "replicas": o.ite(rescale, desired, current),
        "prev": current,
        "rec": o.ite(normal, o.max(s.rec, c.metric), s.rec),
        "last": o.ite(rescale, o.ite(normal, 1, 2), 0),
    }


def _expire(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return c.left < s.rec, {"rec": c.left, "last": 0}


def _edit(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.edits < s.max_edits, {"replicas": c.to, "edits": s.edits + 1, "last": 0}
