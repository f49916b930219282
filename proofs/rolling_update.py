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
        "rolling-update-bounds-with-template-change",
        "The same bounds hold when the template changes once more in the middle of the rollout (the new "
        "ReplicaSet becomes old, possibly with pods that are not yet available, and a third one is created), "
        "for every replicas <= 10,000 and every valid integer maxSurge/maxUnavailable.",
        RollingUpdate(replicas=(0, 10_000), max_surge=ANY_INT, max_unavailable=ANY_INT, max_rollovers=1),
        ("surge-bound", "availability"),
        assumptions=ASSUMPTIONS[1:] + (
            "replicas and strategy do not change; the template changes once after the rollout started "
            "(kubectl set image during a rollout), at any step",
            "no node failure",
        ),
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "rolling-update-bounds-on-any-cluster",
        "The bounds do not depend on the cluster's size: on every cluster of up to 10,000 nodes of 110 pod slots "
        "(pods that find no free slot stay Pending), with one template change during the rollout, for every "
        "replicas <= 10,000 that fits and every valid integer maxSurge/maxUnavailable.",
        RollingUpdate(replicas=(0, 10_000), max_surge=ANY_INT, max_unavailable=ANY_INT, max_rollovers=1,
                      nodes=(0, 10_000), pods_per_node=110),
        ("surge-bound", "availability"),
        assumptions=ASSUMPTIONS[1:] + (
            "a pod becomes available only while fewer than nodes * 110 pods are available; the old ReplicaSet's "
            "pods all run before the rollout",
            "the template changes at most once after the rollout started; no node failure",
        ),
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "rolling-update-stalls-on-a-full-cluster",
        "Liveness: with maxUnavailable 0 and no free pod slot, the rollout never finishes: the surge pod stays "
        "Pending, the old ReplicaSet may not shrink, and no controller has anything left to do.",
        RollingUpdate(replicas=(1, 10_000), max_surge={"pct": 0, "value": (1, 100)}, max_unavailable=0,
                      nodes=(1, 10_000), pods_per_node=110),
        ("rollout-finishes",),
        expect="refuted",
        assumptions=ASSUMPTIONS[:3] + (
            "weak fairness for the controllers and the kubelet; a pod becomes available only while fewer than "
            "nodes * 110 pods are available",
        ),
        upstream=UPSTREAM,
        method="bmc",
        depth=3,
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
