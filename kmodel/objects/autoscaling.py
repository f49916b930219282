"""The HorizontalPodAutoscaler (``autoscaling/v2``).

What is kept is what the HPA controller (:mod:`kmodel.controllers.podautoscaler`) reads and
writes:

* **spec**: ``scaleTargetRef`` (kind, name, apiVersion), ``minReplicas`` (``None``: not given;
  the controller reads 1, as upstream's ``reconcileAutoscaler`` does), ``maxReplicas``,
  ``metrics`` and ``behavior``. A metric is kept whatever its type: ``Resource`` metrics on
  ``cpu`` or ``memory`` with a ``Utilization`` or ``AverageValue`` target are modelled; every
  other metric (``Pods``, ``Object``, ``External``, ``ContainerResource``, other resources) is
  kept with its type and name and the controller reports it as not modelled (it counts as a
  metric it could not compute, as a metrics API that does not answer would), never dropped.
* **behavior** (``HorizontalPodAutoscalerBehavior``): per direction, the stabilization window,
  the policies (``Pods``/``Percent`` with ``periodSeconds``), ``selectPolicy``
  (``Max``/``Min``/``Disabled``) and ``tolerance`` (``HPAConfigurableTolerance``, beta and on by
  default in v1.35). :func:`default_behavior` applies the API server's defaults
  (``pkg/apis/autoscaling/v2/defaults.go``, ``SetDefaults_HorizontalPodAutoscalerBehavior``):
  scale up: window 0, ``Max``, 4 pods and 100% per 15 s; scale down: window ``None`` (the
  controller's ``--horizontal-pod-autoscaler-downscale-stabilization``, 300 s), ``Max``, 100%
  per 15 s. The loader keeps what the manifest says; :mod:`kmodel.api` defaults on admission.
* **status**: ``currentReplicas``, ``desiredReplicas``, ``currentMetrics`` and the conditions
  ``AbleToScale``, ``ScalingActive``, ``ScalingLimited`` (type, status, reason; messages and
  times are not kept).

**Controller memory, kept with the object.** Upstream keeps the recommendation history and
the scale-up and scale-down event histories in the controller's memory, keyed by the HPA;
the model keeps them in the status record (fields ``recommendations``, ``scale_up_events``,
``scale_down_events``), which only the HPA controller writes. They are not API fields (a
``kubectl get -o yaml`` dump has none; a controller restart, which loses them upstream, is not
modelled). Time is abstract (see :mod:`kmodel.controllers.podautoscaler`): ``recommendations``
holds the smallest and largest recommendation recorded since the windows last passed
(``None``: the controller has no entry for the HPA yet, upstream's nil slice), the event
fields the replicas added and removed since then. ``peak`` and ``swung`` are ghosts for the
``no-replica-oscillation`` property (:mod:`kmodel.properties_autoscaling`).

Abstracted: ``lastScaleTime`` and condition times (time is abstract), metric selectors,
``describedObject``, container names of ``ContainerResource`` metrics beyond recording them.

Upstream: ``staging/src/k8s.io/api/autoscaling/v2/types.go``,
``pkg/apis/autoscaling/v2/defaults.go``.

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> hpa = HorizontalPodAutoscaler(ObjectMeta("web", "default"), HorizontalPodAutoscalerSpec(
...     CrossVersionObjectReference("Deployment", "web"), max_replicas=5, min_replicas=2,
...     metrics=(cpu_utilization_metric(50),)))
>>> hpa.ref, hpa.spec.min, hpa.spec.metrics[0].modelled
(HorizontalPodAutoscaler/default/web, 2, True)
>>> b = default_behavior(HorizontalPodAutoscalerBehavior())
>>> b.scale_up.stabilization_window_seconds, [(p.type, p.value, p.period_seconds) for p in b.scale_up.policies]
(0, [('Pods', 4, 15), ('Percent', 100, 15)])
"""

from __future__ import annotations

from fractions import Fraction

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record, replace

__all__ = ["CrossVersionObjectReference", "MetricTarget", "MetricSpec", "HPAScalingPolicy", "HPAScalingRules",
           "HorizontalPodAutoscalerBehavior", "HorizontalPodAutoscalerSpec", "HorizontalPodAutoscalerCondition",
           "MetricStatus", "HorizontalPodAutoscalerStatus", "HorizontalPodAutoscaler", "default_behavior",
           "cpu_utilization_metric", "defaulted", "validate_horizontal_pod_autoscaler", "METRIC_SOURCE_TYPES", "SCALABLE_KINDS", "DEFAULT_TOLERANCE"]

#: ``MetricSourceType`` values.
METRIC_SOURCE_TYPES = ("Object", "Pods", "Resource", "ContainerResource", "External")
#: Kinds whose scale subresource the model serves (``apps/v1``).
SCALABLE_KINDS = ("Deployment", "ReplicaSet")
#: ``--horizontal-pod-autoscaler-tolerance``.
DEFAULT_TOLERANCE = Fraction(1, 10)


@record
class CrossVersionObjectReference:
    """``spec.scaleTargetRef``."""

    kind: str
    name: str
    api_version: str = "apps/v1"
    _hash: int = _hash_field()


@record
class MetricTarget:
    """``target``: ``type`` Utilization (``average_utilization``, percent of the request),
    AverageValue (``average_value``) or Value (``value``); quantities in model units (cpu in
    millicores, memory in bytes)."""

    type: str
    average_utilization: int | None = None
    average_value: int | None = None
    value: int | None = None
    _hash: int = _hash_field()


@record
class MetricSpec:
    """``spec.metrics[]``: ``type`` and, for Resource (and ContainerResource) metrics, the
    resource ``name``, ``target`` and ``container``; for other types ``name`` is the metric's
    name and ``target`` is kept as written."""

    type: str
    name: str = ""
    target: MetricTarget | None = None
    container: str = ""
    _hash: int = _hash_field()

    @property
    def modelled(self) -> bool:
        """A Resource metric on cpu or memory with a Utilization or AverageValue target."""
        return (self.type == "Resource" and self.name in ("cpu", "memory") and self.target is not None
                and self.target.type in ("Utilization", "AverageValue"))


def cpu_utilization_metric(percent: int) -> MetricSpec:
    """A ``Resource`` metric on ``cpu`` with a ``Utilization`` target of ``percent``."""
    return MetricSpec("Resource", "cpu", MetricTarget("Utilization", average_utilization=percent))


@record
class HPAScalingPolicy:
    """``policies[]``: ``type`` Pods or Percent, ``value``, ``periodSeconds``."""

    type: str
    value: int
    period_seconds: int
    _hash: int = _hash_field()


@record
class HPAScalingRules:
    """``behavior.scaleUp`` / ``behavior.scaleDown``; ``None`` fields are "not given"."""

    stabilization_window_seconds: int | None = None
    select_policy: str | None = None
    policies: tuple[HPAScalingPolicy, ...] | None = None
    tolerance: Fraction | None = None
    _hash: int = _hash_field()


@record
class HorizontalPodAutoscalerBehavior:
    """``spec.behavior``."""

    scale_up: HPAScalingRules | None = None
    scale_down: HPAScalingRules | None = None
    _hash: int = _hash_field()


@record
class HorizontalPodAutoscalerSpec:
    scale_target_ref: CrossVersionObjectReference
    max_replicas: int
    min_replicas: int | None = None
    metrics: tuple[MetricSpec, ...] = ()
    behavior: HorizontalPodAutoscalerBehavior | None = None
    _hash: int = _hash_field()

    @property
    def min(self) -> int:
        """``minReplicas`` as the controller reads it (1 when not given)."""
        return 1 if self.min_replicas is None else self.min_replicas


@record
class HorizontalPodAutoscalerCondition:
    type: str
    status: str
    reason: str = ""
    _hash: int = _hash_field()


@record
class MetricStatus:
    """``status.currentMetrics[]``: a Resource metric's current average utilization (percent)
    and average value (model units)."""

    type: str
    name: str = ""
    average_utilization: int | None = None
    average_value: int | None = None
    _hash: int = _hash_field()


@record
class HorizontalPodAutoscalerStatus:
    current_replicas: int = 0
    desired_replicas: int = 0
    current_metrics: tuple[MetricStatus, ...] = ()
    conditions: tuple[HorizontalPodAutoscalerCondition, ...] = ()
    # Controller memory (see the module docstring): not API fields.
    recommendations: tuple[int, ...] | None = None
    scale_up_events: int = 0
    scale_down_events: int = 0
    # Ghosts for ``no-replica-oscillation``: the load epoch of the last rescale to maxReplicas
    # (-1: none) and whether a rescale to minReplicas followed in the same epoch.
    peak: int = -1
    swung: bool = False
    _hash: int = _hash_field()

    def condition(self, type_: str) -> HorizontalPodAutoscalerCondition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None


@record
class HorizontalPodAutoscaler:
    """A HorizontalPodAutoscaler (reconciled by :mod:`kmodel.controllers.podautoscaler`)."""

    metadata: ObjectMeta
    spec: HorizontalPodAutoscalerSpec
    status: HorizontalPodAutoscalerStatus = HorizontalPodAutoscalerStatus()
    _hash: int = _hash_field()

    kind = "HorizontalPodAutoscaler"
    api_version = "autoscaling/v2"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("HorizontalPodAutoscaler", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def target_ref(self) -> ObjectRef:
        """The scale target's reference in the store (the HPA's namespace)."""
        t = self.spec.scale_target_ref
        return ObjectRef(t.kind, self.metadata.namespace, t.name)


_SCALE_UP_POLICIES = (HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15))
_SCALE_DOWN_POLICIES = (HPAScalingPolicy("Percent", 100, 15),)


def _default_rules(rules: HPAScalingRules | None, window: int | None,
                   policies: tuple[HPAScalingPolicy, ...]) -> HPAScalingRules:
    if rules is None:
        return HPAScalingRules(window, "Max", policies)
    return replace(rules,
                   stabilization_window_seconds=(window if rules.stabilization_window_seconds is None
                                                 else rules.stabilization_window_seconds),
                   select_policy=rules.select_policy or "Max",
                   policies=policies if rules.policies is None else rules.policies)


def default_behavior(behavior: HorizontalPodAutoscalerBehavior) -> HorizontalPodAutoscalerBehavior:
    """``SetDefaults_HorizontalPodAutoscalerBehavior``: fill each direction's unset fields.

    The scale-down window stays ``None`` when not given: the controller reads its own flag
    (``maybeInitScaleDownStabilizationWindow``). Tolerances stay ``None`` (the controller's
    ``--horizontal-pod-autoscaler-tolerance``).
    """
    return HorizontalPodAutoscalerBehavior(
        _default_rules(behavior.scale_up, 0, _SCALE_UP_POLICIES),
        _default_rules(behavior.scale_down, None, _SCALE_DOWN_POLICIES))


def defaulted(hpa: HorizontalPodAutoscaler) -> HorizontalPodAutoscaler:
    """``SetDefaults_HorizontalPodAutoscaler`` (``autoscaling/v2``): ``minReplicas`` 1, a CPU
    Utilization metric of 80% when none is given, and the behavior's unset fields
    (:func:`default_behavior`) when a behavior is given.

    >>> from kmodel.objects.meta import ObjectMeta
    >>> h = defaulted(HorizontalPodAutoscaler(ObjectMeta("web", "default"), HorizontalPodAutoscalerSpec(
    ...     CrossVersionObjectReference("Deployment", "web"), max_replicas=5)))
    >>> h.spec.min_replicas, h.spec.metrics[0].target.average_utilization
    (1, 80)
    """
    spec = hpa.spec
    new = replace(spec, min_replicas=1 if spec.min_replicas is None else spec.min_replicas,
                  metrics=spec.metrics or (cpu_utilization_metric(80),),
                  behavior=None if spec.behavior is None else default_behavior(spec.behavior))
    return hpa if new == spec else replace(hpa, spec=new)


def validate_horizontal_pod_autoscaler(hpa: HorizontalPodAutoscaler) -> list[tuple[str, str]]:
    """``validateHorizontalPodAutoscalerSpec``'s replica rules: ``(field, message)`` pairs.

    ``minReplicas`` 0 needs the alpha ``HPAScaleToZero`` gate (off by default): refused.
    """
    spec = hpa.spec
    errors = []
    if spec.min_replicas is not None and spec.min_replicas < 1:
        errors.append(("spec.minReplicas", f"{spec.min_replicas}: must be greater than or equal to 1"))
    if spec.max_replicas < 1:
        errors.append(("spec.maxReplicas", f"{spec.max_replicas}: must be greater than 0"))
    elif spec.min_replicas is not None and spec.max_replicas < spec.min_replicas:
        errors.append(("spec.maxReplicas", f"{spec.max_replicas}: must be greater than or equal to `minReplicas`"))
    return errors
