"""Theorems about ``ResolveFenceposts`` (``deployment_util.go``).

Model: :class:`kmodel.smt.models.deployment.Fenceposts` (parameters only, 64-bit bit-vectors):
``GetScaledValueFromIntOrPercent`` with surge rounded up and unavailable rounded down, both zero
turned into unavailable 1, then both converted to ``int32``.

Checked against the sources (issue 9's question (a)): ``GetScaledValueFromIntOrPercent`` returns
a Go ``int`` (64-bit) and parses the percentage with ``strconv.Atoi`` in
``kubernetes/apimachinery`` v0.35.2 (the staging copy of v1.35), and a percentage is any
``[0-9]+%`` (``IsValidPercent``); apps validation (``ValidateRollingUpdateDeployment``) rejects
only both values 0 and a maxUnavailable above 100%, so a maxSurge of thousands of billions of
percent is valid. ``ResolveFenceposts`` converts with ``int32(surge)`` after the zero check in
every version of ``deployment_util.go`` that could be read here (``kubernetes/kubernetes`` at
v1.35 itself is not in the stored index); the refutation holds as far as v1.35 keeps that order.
The wrap needs an absurd percentage (the scaled maxSurge must reach 2**32): whenever the scaled
values fit an int32 it cannot happen (``fenceposts-resolve-to-int32``).
"""

from kmodel.smt.models.deployment import Fenceposts
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/deployment/util/deployment_util.go",
            "staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go", "pkg/apis/apps/validation/validation.go")
ASSUMPTIONS = (
    "replicas <= 10,000; percentages up to 2**40 % (maxUnavailable at most 100%, as validation requires)",
    "Go's float64 percentage arithmetic is exact (percentage * replicas < 2**53)",
)

THEOREMS = (
    Theorem(
        "fenceposts-resolve-to-int32",
        "Whenever the scaled values fit an int32, ResolveFenceposts never returns (0, 0), for every valid "
        "maxSurge/maxUnavailable (ints or percentages) and replicas <= 10,000.",
        Fenceposts(replicas=(0, 10_000), max_surge="any", max_unavailable="any"),
        ("never-zero-zero-in-int32",),
        assumptions=ASSUMPTIONS + ("the scaled maxSurge and maxUnavailable are below 2**31",),
        upstream=UPSTREAM,
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "fenceposts-int32-wrap",
        "Without that assumption it can: a valid Deployment (maxSurge a huge percentage, maxUnavailable 0%) "
        "scales maxSurge to a multiple of 2**32, the zero check passes, and the int32 conversion that follows "
        "yields (0, 0): neither surge nor unavailability is allowed and the rollout cannot progress.",
        Fenceposts(replicas=(0, 10_000), max_surge="any", max_unavailable="any"),
        ("never-zero-zero",),
        expect="refuted",
        assumptions=ASSUMPTIONS,
        upstream=UPSTREAM,
        depth=0,
    ),
)
