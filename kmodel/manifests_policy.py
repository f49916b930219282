"""Loading PodDisruptionBudgets (``policy/v1``).

:mod:`kmodel.manifests` hands each ``kind: PodDisruptionBudget`` document to :func:`_read_pdb`;
errors name the file, line, document and field as for every other kind.

What is read: ``spec.selector`` (absent: nil, which selects nothing; ``{}``: every pod of the
namespace, for the controller), ``spec.minAvailable`` and ``spec.maxUnavailable`` (an integer
>= 0 or a percentage string such as ``"50%"``), ``spec.unhealthyPodEvictionPolicy``
(``IfHealthyBudget`` or ``AlwaysAllow``; absent: unset). From a ``kubectl get -o yaml`` dump
also ``status``: ``observedGeneration``, ``disruptedPods`` (the pod names; the times are
dropped, time is abstract), ``disruptionsAllowed``, ``currentHealthy``, ``desiredHealthy``,
``expectedPods`` and ``conditions`` (``type``, ``status``, ``reason``; ``message``,
``lastTransitionTime`` and ``observedGeneration`` accepted and ignored).

Rules that need the whole object (both ``minAvailable`` and ``maxUnavailable`` set, a
percentage above 100%) are the API server's (:func:`kmodel.objects.policy.validate_pod_disruption_budget`):
the object is refused when the model is built, and the error points at the field's line. The
format of each field is checked here. ``policy/v1beta1`` was removed in Kubernetes 1.25.

Examples
--------
>>> import io
>>> from kmodel.manifests import load
>>> text = '''
... apiVersion: policy/v1
... kind: PodDisruptionBudget
... metadata: {name: web}
... spec: {maxUnavailable: "25%", selector: {matchLabels: {app: web}}}
... '''
>>> pdb = load(["-"], stdin=io.StringIO(text)).objects[0]
>>> pdb.spec.max_unavailable, pdb.spec.min_available, str(pdb.spec.selector)
('25%', None, 'app=web')
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.policy import (
    UNHEALTHY_POD_EVICTION_POLICIES,
    PDBCondition,
    PodDisruptionBudget,
    PodDisruptionBudgetSpec,
    PodDisruptionBudgetStatus,
)

__all__ = ["KINDS", "READERS", "REMOVED"]

#: kind -> apiVersion.
KINDS = {"PodDisruptionBudget": "policy/v1"}
#: (kind, apiVersion) -> the Kubernetes release that removed it.
REMOVED = {("PodDisruptionBudget", "policy/v1beta1"): "1.25"}

_SPEC_FIELDS = ("selector", "minAvailable", "maxUnavailable", "unhealthyPodEvictionPolicy")
_STATUS_FIELDS = ("observedGeneration", "disruptedPods", "disruptionsAllowed", "currentHealthy", "desiredHealthy",
                  "expectedPods", "conditions")
_CONDITION_FIELDS = ("type", "status", "reason", "message", "lastTransitionTime", "observedGeneration")
_CONDITION_STATUSES = ("True", "False", "Unknown")


def _read_pdb(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    from kmodel import manifests as m

    meta, uid, owners = m._metadata(o, "PodDisruptionBudget")
    s = o.map("spec")
    s.known(_SPEC_FIELDS)
    spec = PodDisruptionBudgetSpec(
        m._optional_selector(s, "selector"),
        m._int_or_percent(s, "minAvailable"),
        m._int_or_percent(s, "maxUnavailable"),
        s.enum("unhealthyPodEvictionPolicy", UNHEALTHY_POD_EVICTION_POLICIES, ""),
    )
    status = PodDisruptionBudgetStatus()
    if o.has("status"):
        st = o.map("status")
        st.known(_STATUS_FIELDS)
        conditions = []
        for c in st.objs("conditions"):
            c.known(_CONDITION_FIELDS)
            conditions.append(PDBCondition(c.str("type", required=True),
                                           c.enum("status", _CONDITION_STATUSES, "", required=True), c.str("reason")))
        disrupted = st.map("disruptedPods")
        status = PodDisruptionBudgetStatus(
            observed_generation=st.int("observedGeneration", 0, minimum=0, bits=64) or 0,
            disrupted_pods=tuple(sorted(str(k) for k in disrupted.d)),
            disruptions_allowed=st.count("disruptionsAllowed"),
            current_healthy=st.count("currentHealthy"),
            desired_healthy=st.count("desiredHealthy"),
            expected_pods=st.count("expectedPods"),
            conditions=tuple(conditions),
        )
    return PodDisruptionBudget(meta, spec, status), uid, owners


#: kind -> reader, merged into the loader's table.
READERS = {"PodDisruptionBudget": _read_pdb}
