"""Theorems about the HorizontalPodAutoscaler's legacy normalisation (``horizontal.go``).

Model: :class:`kmodel.smt.models.podautoscaler.HPALegacyNormalization`: an HPA without
``spec.behavior``; metrics propose any size, recommendations enter and leave the stabilisation
window, users may edit the target's replicas.
"""

from kmodel.smt.models.podautoscaler import HPALegacyNormalization
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/podautoscaler/horizontal.go",)
ASSUMPTIONS = (
    "spec.behavior is unset (legacy normalisation); maxReplicas < 2**30",
    "the metrics may propose any replica count; users may edit the target's replicas any number of times",
)
ANY = dict(min_replicas=None, max_replicas=None, current=None, max_metric=2**30 - 1, max_edits=(0, 100))

THEOREMS = (
    Theorem(
        "hpa-legacy-scale-up-limit",
        "The legacy normalisation never proposes more than max(2 * currentReplicas, 4).",
        HPALegacyNormalization(**ANY),
        ("scale-up-limit", "normalised-within-bounds"),
        assumptions=ASSUMPTIONS,
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "hpa-below-min-bypasses-scale-up-limit",
        "The limit is the normalisation's, not the HPA's: a target below minReplicas is set to minReplicas "
        "directly, whatever max(2 * currentReplicas, 4) is.",
        HPALegacyNormalization(**ANY),
        ("scale-up-limit-any-branch",),
        expect="refuted",
        assumptions=ASSUMPTIONS,
        upstream=UPSTREAM,
        depth=2,
        minimize=("min_replicas",),
    ),
)
