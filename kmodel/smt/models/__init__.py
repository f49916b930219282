"""Numeric models of the controllers' cores, each an explicit model and an SMT encoding.

* :mod:`~kmodel.smt.models.replicaset`: replicas vs owned pods, creations per sync, expectations
  with informer delay and the 5-minute expiry;
* :mod:`~kmodel.smt.models.deployment`: the rolling update (new/old ReplicaSet sizes, available
  pods, maxSurge/maxUnavailable as ints or percentages, template changes mid-rollout, node
  capacity), ``ResolveFenceposts``, proportional scaling and ``getReplicaSetFraction``'s
  rounding;
* :mod:`~kmodel.smt.models.podautoscaler`: the HPA's legacy normalisation;
* :mod:`~kmodel.smt.models.disruption`: the PodDisruptionBudget status and the eviction decision.

These modules import no solver (they are written over :mod:`kmodel.smt.ops`); ``MODELS`` maps
the name a Scenario or the command line uses to the class.
"""

from __future__ import annotations

from kmodel.smt.models.deployment import Fenceposts, ProportionalScaling, ReplicaSetFraction, RollingUpdate
from kmodel.smt.models.disruption import DisruptionBudget
from kmodel.smt.models.podautoscaler import HPALegacyNormalization
from kmodel.smt.models.replicaset import ReplicaSetExpectations

__all__ = ["MODELS", "ReplicaSetExpectations", "RollingUpdate", "Fenceposts", "ProportionalScaling", "ReplicaSetFraction",
           "HPALegacyNormalization", "DisruptionBudget"]

MODELS = {
    m.name: m
    for m in (ReplicaSetExpectations, RollingUpdate, Fenceposts, ProportionalScaling, ReplicaSetFraction,
              HPALegacyNormalization, DisruptionBudget)
}
