"""Built-in properties of horizontal autoscaling (registered by id in :mod:`kmodel.properties`).

* ``hpa-within-bounds`` (always): once an HPA has acted (its controller has synced it with its
  target at hand: the controller's memory for it exists), its target's ``spec.replicas`` lies
  within ``[minReplicas, maxReplicas]``. The controller keeps it there (out-of-range sizes go
  to the bound at once); a user edit may move it out (``kubectl scale``, or a ``kubectl apply``
  whose last-applied configuration had ``replicas`` and whose file does not: the three-way merge
  deletes the field and the API server defaults it to 1), and the property reports exactly that.
  A target at 0 replicas is not a violation: upstream disables autoscaling for it
  (``ScalingDisabled``), which is how users switch an HPA off.
* ``no-replica-oscillation`` (always): no HPA rescales its target to ``minReplicas`` after having
  rescaled it to ``maxReplicas`` with no user event in between: a swing from max to min needs a
  change of load (a ``cpuUtilization`` event) or an edit. The controller's status keeps the
  load epoch (the number of user events done) of its last rescale to the maximum as a ghost
  (:mod:`kmodel.objects.autoscaling`); any user event counts as a possible cause, so the
  property is conservative in what it reports (an unrelated edit also excuses a swing).

Neither is in the default set: specs with HPAs list them.

Examples
--------
>>> from kmodel.state import ClusterState
>>> out_of_bounds(ClusterState.empty()), oscillations(ClusterState.empty())
([], [])
"""

from __future__ import annotations

from typing import Any

from kmodel.model import Property, always
from kmodel.objects.autoscaling import SCALABLE_KINDS
from kmodel.state import ClusterState

__all__ = ["CONSTRUCTORS", "explain", "out_of_bounds", "oscillations", "hpa_within_bounds", "no_replica_oscillation"]


def out_of_bounds(state: ClusterState) -> list[str]:
    """Why ``hpa-within-bounds`` fails (empty when it holds)."""
    out = []
    for hpa in state.list("HorizontalPodAutoscaler"):
        if hpa.status.recommendations is None or hpa.spec.scale_target_ref.kind not in SCALABLE_KINDS:
            continue
        target = state.get(hpa.target_ref)
        if target is None or target.metadata.deleting:
            continue
        replicas = 1 if target.spec.replicas is None else target.spec.replicas
        low, high = hpa.spec.min, hpa.spec.max_replicas
        if replicas != 0 and not low <= replicas <= high:
            out.append(f"{hpa.target_ref} has {replicas} replicas, outside [{low}, {high}] of {hpa.ref}")
    return out


def oscillations(state: ClusterState) -> list[str]:
    """Why ``no-replica-oscillation`` fails (empty when it holds)."""
    return [f"{hpa.ref} scaled {hpa.target_ref} from maxReplicas {hpa.spec.max_replicas} to minReplicas "
            f"{hpa.spec.min} with no change of load in between"
            for hpa in state.list("HorizontalPodAutoscaler") if hpa.status.swung]


def hpa_within_bounds() -> Property:
    return always("hpa-within-bounds", lambda w: not out_of_bounds(w.cluster),
                  description="an autoscaled workload's replicas stay within the HPA's [minReplicas, maxReplicas]")


def no_replica_oscillation() -> Property:
    return always("no-replica-oscillation", lambda w: not oscillations(w.cluster),
                  description="an HPA never swings its target from maxReplicas to minReplicas without a change of load")


CONSTRUCTORS = {
    "hpa-within-bounds": hpa_within_bounds,
    "no-replica-oscillation": no_replica_oscillation,
}


def explain(property_id: str, world: Any) -> list[str]:
    """Sentences saying why ``property_id`` fails in ``world`` (empty if not one of these)."""
    if property_id == "hpa-within-bounds":
        return out_of_bounds(world.cluster)
    if property_id == "no-replica-oscillation":
        return oscillations(world.cluster)
    return []
