"""Theorems about the Deployment controller's rolling update (``rolling.go``).

Model: :class:`kmodel.smt.models.deployment.RollingUpdate`: a Deployment rolling out a new
template, counts per ReplicaSet, the Deployment controller's ``rolloutRolling``, the ReplicaSet
controller creating and deleting pods (not-ready ones first), pods becoming available, node
failures and rollovers as inputs.

The main theorem quantifies over integer ``maxSurge``/``maxUnavailable``; the percentage forms
are covered by ``fenceposts.py``'s lemma ``fenceposts-resolve-to-int32``: every valid percentage
resolves (without ``int32`` overflow) to a pair of non-negative ``int32`` values that are not both
0, which ``ResolveFenceposts`` maps to itself when given as ints, so the rolling update behaves
exactly as with those ints.
"""

from kmodel.smt.models.deployment import RollingUpdate
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/deployment/rolling.go", "pkg/controller/deployment/sync.go",
            "pkg/controller/deployment/util/deployment_util.go", "pkg/controller/replicaset/replica_set.go")
ASSUMPTIONS = (
    "the Deployment's spec (replicas, template, strategy) does not change during the rollout",
    "the Deployment controller reads ReplicaSet status as it is (no informer lag)",
    "minReadySeconds is 0: available means ready, and the ReplicaSet controller deletes not-ready pods first",
    "D + maxSurge fits an int32 (upstream adds them in int32)",
)
ANY_INT = {"pct": 0, "value": None}

THEOREMS = (
    Theorem(
        "rolling-update-bounds",
        "For every replicas <= 10,000 and every valid maxSurge/maxUnavailable, at every step of a rolling "
        "update, Σ spec.replicas <= replicas + maxSurge and available pods >= replicas - maxUnavailable.",
        RollingUpdate(replicas=(0, 10_000), max_surge=ANY_INT, max_unavailable=ANY_INT),
        ("surge-bound", "availability"),
        assumptions=ASSUMPTIONS + ("no node failure and no second template change during the rollout",),
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "rolling-update-pods-exceed-surge",
        "The surge bound is on spec.replicas, not on pods: live pods can exceed replicas + maxSurge while "
        "the ReplicaSet controller of an old ReplicaSet has not yet deleted the pods it was told to.",
        RollingUpdate(replicas=(0, 10_000), max_surge={"pct": 0, "value": (0, 100)},
                      max_unavailable={"pct": 0, "value": (0, 100)}),
        ("pods-bound",),
        expect="refuted",
        assumptions=ASSUMPTIONS,
        upstream=UPSTREAM,
        depth=6,
        minimize=("replicas", "max_surge"),
    ),
    Theorem(
        "rolling-update-availability-needs-no-failures",
        "Availability is protected against the controller's own scale-downs only: one node failure can take "
        "available pods below replicas - maxUnavailable.",
        RollingUpdate(replicas=(0, 10_000), max_surge={"pct": 0, "value": (0, 100)},
                      max_unavailable={"pct": 0, "value": (0, 100)}, max_failures=1),
        ("availability",),
        expect="refuted",
        assumptions=ASSUMPTIONS + ("at most one pod becomes unavailable through a node failure",),
        upstream=UPSTREAM,
        depth=6,
        minimize=("replicas",),
    ),
)
