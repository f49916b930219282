"""Loading and validating HorizontalPodAutoscalers.

:mod:`kmodel.manifests` hands each ``HorizontalPodAutoscaler`` document to :func:`read_hpa`;
errors name the file, line, document and field as for every other kind.

What is read
------------
``autoscaling/v2``
    ``spec.scaleTargetRef`` (``kind``, ``name`` required; ``apiVersion``), ``minReplicas``,
    ``maxReplicas`` (required), ``metrics`` (``type`` required, one of Object, Pods, Resource,
    ContainerResource, External, and the source of that type: for ``Resource`` and
    ``ContainerResource`` its ``name``, ``target`` (``type`` Utilization, Value or
    AverageValue with ``averageUtilization``, ``value``, ``averageValue``) and ``container``; for
    the others the metric's name and target), ``behavior`` (``scaleUp``/``scaleDown``:
    ``stabilizationWindowSeconds`` 0-3600, ``selectPolicy`` Max/Min/Disabled, ``policies``
    (``type`` Pods/Percent, ``value`` > 0, ``periodSeconds`` 1-1800), ``tolerance`` a
    non-negative quantity); ``status.currentReplicas``, ``desiredReplicas`` and ``conditions``
    (a dump's status is kept; metrics statuses and times are accepted and not kept).
``autoscaling/v1`` (still served)
    ``scaleTargetRef``, ``minReplicas``, ``maxReplicas`` and
    ``targetCPUUtilizationPercentage``, read as the API server converts them: a ``Resource``
    ``cpu`` ``Utilization`` metric (none given: the controller's default of 80%).

Other metric types, and Resource metrics on other resources than ``cpu`` and ``memory``, are
kept (never dropped) and reported by the controller as not modelled
(:mod:`kmodel.controllers.podautoscaler`). The removed ``autoscaling/v2beta1`` (1.25) and
``autoscaling/v2beta2`` (1.26) are errors saying so (:mod:`kmodel.manifests`).

Validation left to the API server (:mod:`kmodel.api`, as a 422 naming the field; ``kmodel
check`` reports it as ``invalid-manifest``): ``minReplicas`` at least 1 (0 needs the alpha
``HPAScaleToZero`` gate) and at most ``maxReplicas``, ``maxReplicas`` at least 1
(``validateHorizontalPodAutoscalerSpec``). Structural errors (types, unknown fields, missing or
unsupported values) are the loader's.

Upstream: ``staging/src/k8s.io/api/autoscaling/v2/types.go``, ``.../autoscaling/v1/types.go``,
``pkg/apis/autoscaling/validation/validation.go``, ``pkg/apis/autoscaling/v1/conversion.go``.

Examples
--------
>>> import io
>>> from kmodel.manifests import load
>>> text = '''
... apiVersion: autoscaling/v2
... kind: HorizontalPodAutoscaler
... metadata: {name: web}
... spec:
...   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
...   minReplicas: 2
...   maxReplicas: 5
...   metrics:
...   - type: Resource
...     resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
...   behavior:
...     scaleDown: {stabilizationWindowSeconds: 60, tolerance: "0.05"}
... '''
>>> hpa = load(["-"], stdin=io.StringIO(text)).objects[0]
>>> hpa.spec.min_replicas, hpa.spec.metrics[0].target.average_utilization, hpa.spec.behavior.scale_down.tolerance
(2, 50, Fraction(1, 20))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kmodel.objects.autoscaling import (
    METRIC_SOURCE_TYPES,
    CrossVersionObjectReference,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior,
    HorizontalPodAutoscalerCondition,
    HorizontalPodAutoscalerSpec,
    HorizontalPodAutoscalerStatus,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricSpec,
    MetricTarget,
    cpu_utilization_metric,
)
from kmodel.objects.quantity import quantity_from_yaml

if TYPE_CHECKING:
    from kmodel.manifests import _Obj

__all__ = ["READERS", "KINDS", "ALSO_SERVED", "REMOVED", "read_hpa"]

#: kind -> apiVersion.
KINDS = {"HorizontalPodAutoscaler": "autoscaling/v2"}
#: Other served versions, read here.
ALSO_SERVED = frozenset({("HorizontalPodAutoscaler", "autoscaling/v1")})
#: Removed versions -> the release that removed them.
REMOVED = {("HorizontalPodAutoscaler", "autoscaling/v2beta1"): "1.25",
           ("HorizontalPodAutoscaler", "autoscaling/v2beta2"): "1.26"}

_SPEC_FIELDS = ("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior")
_V1_SPEC_FIELDS = ("scaleTargetRef", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage")
_REF_FIELDS = ("kind", "name", "apiVersion")
_METRIC_FIELDS = ("type", "object", "pods", "resource", "containerResource", "external")
_SOURCE_KEY = {"Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource",
               "External": "external"}
_SOURCE_FIELDS = {"object": ("describedObject", "target", "metric"), "pods": ("metric", "target"),
                  "resource": ("name", "target"), "containerResource": ("name", "target", "container"),
                  "external": ("metric", "target")}
_TARGET_FIELDS = ("type", "value", "averageValue", "averageUtilization")
_TARGET_TYPES = ("Utilization", "Value", "AverageValue")
_METRIC_ID_FIELDS = ("name", "selector")
_BEHAVIOR_FIELDS = ("scaleUp", "scaleDown")
_RULES_FIELDS = ("stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance")
_POLICY_FIELDS = ("type", "value", "periodSeconds")
_STATUS_FIELDS = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas", "currentMetrics",
                  "conditions")
_V1_STATUS_FIELDS = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas",
                     "currentCPUUtilizationPercentage")
_CONDITION_FIELDS = ("type", "status", "lastTransitionTime", "reason", "message")


def _manifests() -> Any:
    from kmodel import manifests

    return manifests


def _quantity(o: _Obj, key: str, *, milli: bool) -> int | None:
    raw = o.raw(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        o.fail(f"expected a quantity (a string such as '500m' or '1Gi', or a number), got {type(raw).__name__}", key)
    try:
        q = quantity_from_yaml(raw)
    except (ValueError, TypeError) as exc:
        o.fail(f"invalid quantity {raw!r}: {exc}", key)
    if q.amount < 0:
        o.fail(f"must be greater than or equal to 0, got {raw!r}", key)
    return q.milli_value() if milli else q.value()


def _target(src: _Obj, resource: str) -> MetricTarget:
    t = src.map("target", required=True)
    t.known(_TARGET_FIELDS)
    kind = t.enum("type", _TARGET_TYPES, "", required=True)
    milli = resource in ("cpu", "")  # cpu in millicores (model units); custom metrics as milli-values
    target = MetricTarget(kind, t.int("averageUtilization", minimum=1),
                          _quantity(t, "averageValue", milli=milli), _quantity(t, "value", milli=milli))
    need = {"Utilization": "averageUtilization", "AverageValue": "averageValue", "Value": "value"}[kind]
    if not t.has(need):
        t.fail(f"required for a target of type {kind}", need)
    return target


def _metric(m: _Obj) -> MetricSpec:
    m.known(_METRIC_FIELDS)
    kind = m.enum("type", METRIC_SOURCE_TYPES, "", required=True)
    key = _SOURCE_KEY[kind]
    for other in _SOURCE_KEY.values():
        if other != key and m.has(other):
            m.fail(f"must not be set for a metric of type {kind}", other)
    src = m.map(key, required=True)
    src.known(_SOURCE_FIELDS[key])
    if kind in ("Resource", "ContainerResource"):
        name = src.str("name", required=True)
        container = src.str("container", required=kind == "ContainerResource")
        target = _target(src, name)
        if kind == "Resource" and target.type == "Value":
            src.map("target").fail("must be either Utilization or AverageValue for a Resource metric", "type")
        return MetricSpec(kind, name, target, container)
    metric = src.map("metric", required=True)
    metric.known(_METRIC_ID_FIELDS)
    name = metric.str("name", required=True)
    if key == "object":
        d = src.map("describedObject", required=True)
        d.known(_REF_FIELDS)
        d.str("kind", required=True)
        d.str("name", required=True)
    return MetricSpec(kind, name, _target(src, ""))


def _rules(r: _Obj) -> HPAScalingRules:
    r.known(_RULES_FIELDS)
    window = r.int("stabilizationWindowSeconds", minimum=0)
    if window is not None and window > 3600:
        r.fail(f"must be less than or equal to 3600, got {window}", "stabilizationWindowSeconds")
    select = r.enum("selectPolicy", ("Max", "Min", "Disabled"), "") or None
    policies = None
    if r.has("policies"):
        items = []
        for p in r.objs("policies"):
            p.known(_POLICY_FIELDS)
            kind = p.enum("type", ("Pods", "Percent"), "", required=True)
            value = p.int("value", required=True, minimum=1)
            period = p.int("periodSeconds", required=True, minimum=1)
            assert value is not None and period is not None
            if period > 1800:
                p.fail(f"must be less than or equal to 1800, got {period}", "periodSeconds")
            items.append(HPAScalingPolicy(kind, value, period))
        if not items:
            r.fail("must specify at least one policy", "policies")
        policies = tuple(items)
    tolerance = None
    if r.has("tolerance"):
        _quantity(r, "tolerance", milli=True)  # validates
        tolerance = quantity_from_yaml(r.raw("tolerance")).amount
    return HPAScalingRules(window, select, policies, tolerance)


def _status(o: _Obj, v1: bool) -> HorizontalPodAutoscalerStatus:
    s = o.map("status")
    s.known(_V1_STATUS_FIELDS if v1 else _STATUS_FIELDS)
    conditions = []
    if not v1:
        for c in s.objs("conditions"):
            c.known(_CONDITION_FIELDS)
            conditions.append(HorizontalPodAutoscalerCondition(
                c.enum("type", ("AbleToScale", "ScalingActive", "ScalingLimited"), "", required=True),
                c.enum("status", ("True", "False", "Unknown"), "", required=True), c.str("reason")))
    return HorizontalPodAutoscalerStatus(s.count("currentReplicas"), s.count("desiredReplicas"),
                                         conditions=tuple(conditions))


def read_hpa(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    """Read one ``HorizontalPodAutoscaler`` (``autoscaling/v2`` or ``v1``)."""
    v1 = o.raw("apiVersion") == "autoscaling/v1"
    meta, uid, owners = _manifests()._metadata(o, "HorizontalPodAutoscaler")
    s = o.map("spec", required=True)
    s.known(_V1_SPEC_FIELDS if v1 else _SPEC_FIELDS)
    ref = s.map("scaleTargetRef", required=True)
    ref.known(_REF_FIELDS)
    target = CrossVersionObjectReference(ref.str("kind", required=True), ref.str("name", required=True),
                                         ref.str("apiVersion"))
    minimum = s.int("minReplicas")
    maximum = s.int("maxReplicas", required=True)
    assert maximum is not None
    behavior = None
    if v1:
        percent = s.int("targetCPUUtilizationPercentage", minimum=1)
        metrics: tuple[MetricSpec, ...] = () if percent is None else (cpu_utilization_metric(percent),)
    else:
        metrics = tuple(_metric(m) for m in s.objs("metrics"))  # none: defaulted by kmodel.api
        if s.has("behavior"):
            b = s.map("behavior")
            b.known(_BEHAVIOR_FIELDS)
            behavior = HorizontalPodAutoscalerBehavior(_rules(b.map("scaleUp")) if b.has("scaleUp") else None,
                                                       _rules(b.map("scaleDown")) if b.has("scaleDown") else None)
    spec = HorizontalPodAutoscalerSpec(target, maximum, minimum, metrics, behavior)
    return HorizontalPodAutoscaler(meta, spec, _status(o, v1)), uid, owners


READERS = {"HorizontalPodAutoscaler": read_hpa}
