"""Theorems about the ReplicaSet controller's expectations (``replica_set.go``,
``controller_utils.go``).

Model: :class:`kmodel.smt.models.replicaset.ReplicaSetExpectations`: the controller acts on its
informer cache, which lags the API server; after asking for ``n`` creations it waits until it has
observed them, or until the expectations record is older than ``ExpectationsTimeout`` (5 min).
"""

from kmodel.smt.models.replicaset import ReplicaSetExpectations
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/replicaset/replica_set.go", "pkg/controller/controller_utils.go")
ASSUMPTIONS = (
    "spec.replicas does not change; the ReplicaSet is the only creator of its pods",
    "BurstReplicas is 500; pod creations may fail (slow start stops at the failing batch)",
    "node failures may delete up to 5 pods the controller has already seen",
)

THEOREMS = (
    Theorem(
        "replicaset-never-exceeds-replicas",
        "For every replicas <= 10,000: if every informer event arrives before the 5-minute expectations "
        "timeout, the ReplicaSet never has more pods than spec.replicas.",
        ReplicaSetExpectations(replicas=(0, 10_000), slow_informer=0, api_errors=(0, 1), max_losses=(0, 5)),
        ("replicas-bounded",),
        assumptions=ASSUMPTIONS + ("informer delay shorter than ExpectationsTimeout (5 min)",),
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "replicaset-exceeds-replicas-past-expiry",
        "If an informer event can arrive after the expectations expire, the controller creates the same "
        "pods twice: more pods than spec.replicas.",
        ReplicaSetExpectations(replicas=(0, 10_000), slow_informer=1, api_errors=(0, 1), max_losses=(0, 5)),
        ("replicas-bounded",),
        expect="refuted",
        assumptions=ASSUMPTIONS + ("an informer event may be delayed past ExpectationsTimeout",),
        upstream=UPSTREAM,
        depth=4,
        minimize=("replicas",),
    ),
)
