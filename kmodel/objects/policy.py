"""PodDisruptionBudgets (``k8s.io/api/policy/v1``) and their API-server validation.

A :class:`PodDisruptionBudget` keeps what the disruption controller
(:mod:`kmodel.controllers.disruption`), the Eviction API (:mod:`kmodel.registry.eviction`) and
the scheduler's preemption (:mod:`kmodel.scheduler.plugins.default_preemption`) read: the
selector, ``minAvailable`` or ``maxUnavailable`` (an int or a percentage string, as written),
``unhealthyPodEvictionPolicy`` and the status the controller writes.

Abstracted away:

* ``status.disruptedPods`` maps pod names to the time the Eviction API admitted the eviction;
  time is abstract, so the model keeps the sorted **names** only. The two-minute
  ``DeletionTimeout`` after which the controller forgets an entry whose pod was not deleted is
  an abstract timer (see :mod:`kmodel.controllers.disruption`).
* Conditions keep ``type``, ``status`` and ``reason`` (no message, no times; the condition's own
  ``observedGeneration`` is the status's).
* A nil ``unhealthyPodEvictionPolicy`` is kept as ``""`` and behaves as ``IfHealthyBudget``,
  as upstream's eviction handler treats nil.

Upstream: ``staging/src/k8s.io/api/policy/v1/types.go``; validation
``pkg/apis/policy/validation/validation.go`` (``ValidatePodDisruptionBudgetSpec``,
``ValidatePodDisruptionBudgetStatusUpdate``); conditions
``staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go``
(``UpdateDisruptionAllowedCondition``, ``ConditionsAreUpToDate``).

Examples
--------
>>> from kmodel.objects.meta import LabelSelector, ObjectMeta
>>> pdb = PodDisruptionBudget(ObjectMeta("web", "default"),
...                           PodDisruptionBudgetSpec(LabelSelector((("app", "web"),)), min_available=2))
>>> pdb.ref, validate_pod_disruption_budget(pdb)
(PodDisruptionBudget/default/web, [])
>>> bad = replace(pdb, spec=replace(pdb.spec, max_unavailable="110%"))
>>> validate_pod_disruption_budget(bad)  # doctest: +NORMALIZE_WHITESPACE
[('spec.maxUnavailable', 'minAvailable and maxUnavailable cannot be both set'),
 ('spec.maxUnavailable', 'must not be greater than 100%')]
"""

from __future__ import annotations

import re

from kmodel.objects.meta import LabelSelector, ObjectMeta, ObjectRef, _hash_field, record, replace

__all__ = [
    "PodDisruptionBudget",
    "PodDisruptionBudgetSpec",
    "PodDisruptionBudgetStatus",
    "PDBCondition",
    "DISRUPTION_ALLOWED",
    "UNHEALTHY_POD_EVICTION_POLICIES",
    "validate_pod_disruption_budget",
    "update_disruption_allowed_condition",
    "conditions_are_up_to_date",
]

#: ``policy.DisruptionAllowedCondition``.
DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"
IF_HEALTHY_BUDGET = "IfHealthyBudget"
ALWAYS_ALLOW = "AlwaysAllow"
#: ``spec.unhealthyPodEvictionPolicy`` values (``""``: unset, which behaves as IfHealthyBudget).
UNHEALTHY_POD_EVICTION_POLICIES = (IF_HEALTHY_BUDGET, ALWAYS_ALLOW)

_PERCENT = re.compile(r"^([0-9]+)%$")


@record
class PodDisruptionBudgetSpec:
    """``spec``: ``selector`` (``None``: nil, matches nothing), ``min_available`` /
    ``max_unavailable`` (int or ``"N%"``; ``None`` when unset) and
    ``unhealthy_pod_eviction_policy`` (``""``: unset)."""

    selector: LabelSelector | None
    min_available: int | str | None = None
    max_unavailable: int | str | None = None
    unhealthy_pod_eviction_policy: str = ""
    _hash: int = _hash_field()


@record
class PDBCondition:
    """``status.conditions[]`` (a ``metav1.Condition``: type, status, reason)."""

    type: str
    status: str
    reason: str = ""
    _hash: int = _hash_field()


@record
class PodDisruptionBudgetStatus:
    """``status`` as the disruption controller and the Eviction API write it.

    ``disrupted_pods`` are the names of pods whose eviction was admitted and that the controller
    has not yet seen being deleted (sorted; see the module docstring).
    """

    observed_generation: int = 0
    disrupted_pods: tuple[str, ...] = ()
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    conditions: tuple[PDBCondition, ...] = ()
    _hash: int = _hash_field()

    def condition(self, type_: str) -> PDBCondition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None


@record
class PodDisruptionBudget:
    """A PodDisruptionBudget (``policy/v1``), namespaced."""

    metadata: ObjectMeta
    spec: PodDisruptionBudgetSpec
    status: PodDisruptionBudgetStatus = PodDisruptionBudgetStatus()
    _hash: int = _hash_field()

    kind = "PodDisruptionBudget"
    api_version = "policy/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("PodDisruptionBudget", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


def _int_or_percent_errors(value: int | str | None, path: str) -> list[tuple[str, str]]:
    """``ValidatePositiveIntOrPercent`` and ``IsNotMoreThan100Percent``."""
    if value is None:
        return []
    if isinstance(value, bool):
        return [(path, f"must be an integer or percentage (e.g '5%'), got {value!r}")]
    if isinstance(value, int):
        return [(path, "must be greater than or equal to 0")] if value < 0 else []
    m = _PERCENT.match(value)
    if m is None:
        return [(path, f"must be an integer or percentage (e.g '5%'), got {value!r}")]
    return [(path, "must not be greater than 100%")] if int(m.group(1)) > 100 else []


def validate_pod_disruption_budget(pdb: PodDisruptionBudget) -> list[tuple[str, str]]:
    """``ValidatePodDisruptionBudgetSpec``: ``(field path, message)`` for each error.

    Both ``minAvailable`` and ``maxUnavailable`` set is invalid; each must be an integer >= 0
    or a percentage of at most 100%; the policy must be a supported value; status counts must
    not be negative (``ValidatePodDisruptionBudgetStatusUpdate``).

    >>> from kmodel.objects.meta import ObjectMeta
    >>> spec = PodDisruptionBudgetSpec(None, min_available=-1, unhealthy_pod_eviction_policy="Never")
    >>> validate_pod_disruption_budget(PodDisruptionBudget(ObjectMeta("p", "default"), spec))  # doctest: +NORMALIZE_WHITESPACE
    [('spec.minAvailable', 'must be greater than or equal to 0'),
     ('spec.unhealthyPodEvictionPolicy', "Unsupported value: 'Never': supported values: 'AlwaysAllow', 'IfHealthyBudget'")]
    """
    spec = pdb.spec
    errors: list[tuple[str, str]] = []
    if spec.min_available is not None and spec.max_unavailable is not None:
        # Upstream reports the pair at ``spec``; the second field is named so a manifest error
        # points at a line.
        errors.append(("spec.maxUnavailable", "minAvailable and maxUnavailable cannot be both set"))
    errors += _int_or_percent_errors(spec.min_available, "spec.minAvailable")
    errors += _int_or_percent_errors(spec.max_unavailable, "spec.maxUnavailable")
    policy = spec.unhealthy_pod_eviction_policy
    if policy and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errors.append(("spec.unhealthyPodEvictionPolicy",
                       f"Unsupported value: {policy!r}: supported values: 'AlwaysAllow', 'IfHealthyBudget'"))
    st = pdb.status
    for name, value in (("disruptionsAllowed", st.disruptions_allowed), ("currentHealthy", st.current_healthy),
                        ("desiredHealthy", st.desired_healthy), ("expectedPods", st.expected_pods)):
        if value < 0:
            errors.append((f"status.{name}", "must be greater than or equal to 0"))
    return errors


def update_disruption_allowed_condition(status: PodDisruptionBudgetStatus) -> PodDisruptionBudgetStatus:
    """``UpdateDisruptionAllowedCondition``: ``DisruptionAllowed`` True (``SufficientPods``)
    while ``disruptionsAllowed > 0``, else False (``InsufficientPods``); other conditions kept.

    >>> update_disruption_allowed_condition(PodDisruptionBudgetStatus(disruptions_allowed=1)).conditions
    (PDBCondition(type='DisruptionAllowed', status='True', reason='SufficientPods'),)
    """
    cond = (PDBCondition(DISRUPTION_ALLOWED, "True", SUFFICIENT_PODS) if status.disruptions_allowed > 0
            else PDBCondition(DISRUPTION_ALLOWED, "False", INSUFFICIENT_PODS))
    return replace(status, conditions=_set_condition(status.conditions, cond))


def _set_condition(conditions: tuple[PDBCondition, ...], cond: PDBCondition) -> tuple[PDBCondition, ...]:
    """``apimeta.SetStatusCondition``: replace the condition of that type in place, or append."""
    if any(c.type == cond.type for c in conditions):
        return tuple(cond if c.type == cond.type else c for c in conditions)
    return conditions + (cond,)


def conditions_are_up_to_date(pdb: PodDisruptionBudget) -> bool:
    """``ConditionsAreUpToDate``: the ``DisruptionAllowed`` condition agrees with the status
    and the status is for the current generation."""
    cond = pdb.status.condition(DISRUPTION_ALLOWED)
    if cond is None or pdb.status.observed_generation != pdb.metadata.generation:
        return False
    if pdb.status.disruptions_allowed > 0:
        return cond.status == "True" and cond.reason == SUFFICIENT_PODS
    return cond.status == "False" and cond.reason == INSUFFICIENT_PODS
