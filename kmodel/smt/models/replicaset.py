"""The ReplicaSet controller's numeric core: replicas, owned pods and expectations.

Upstream: ``pkg/controller/replicaset/replica_set.go`` (``syncReplicaSet``, ``manageReplicas``:
``diff := len(filteredPods) - int(*(rs.Spec.Replicas))``, ``BurstReplicas``, ``slowStartBatch``,
the pod event handlers that call ``CreationObserved``/``DeletionObserved``) and
``pkg/controller/controller_utils.go`` (``ControllerExpectations``,
``UIDTrackingControllerExpectations``, ``ExpectationsTimeout = 5 * time.Minute``,
``SatisfiedExpectations``), v1.35.

The controller reads pods from its informer cache, which lags the API server: a pod it created
is invisible to it until the pod's add event arrives. Expectations bridge the gap: after asking
for ``n`` creations the controller does nothing more until it has observed them, unless the
record is older than 5 minutes. The model keeps counts:

* ``pods``: active pods owned by the ReplicaSet in the API server;
* ``unseen_adds`` / ``unseen_cdels`` / ``unseen_xdels``: events not yet delivered to the
  informer (pods the controller created, pods it deleted, pods deleted by someone else);
  the controller's view of its pods is ``pods - unseen_adds + unseen_cdels + unseen_xdels``;
* the expectations record: ``has_record``, ``exp_add``, ``exp_del`` and ``expired`` (older
  than ``ExpectationsTimeout``; the 5-minute timer is the nondeterministic ``expire`` step).

``slow_informer`` says whether an event can arrive later than the expiry: when 0, ``expire`` is
only enabled once every event of the controller's own creations and deletions has been
delivered (the informer's delay is shorter than 5 minutes); when 1, any time.

Abstracted away: pod identities (counts only; victims of a scale-down are live pods, which
``getPodsToDelete`` picks from the cache), adoption/release, status, ``minReadySeconds``,
deletion of pods whose add event the informer has not delivered (an external deletion removes a
pod the controller has seen), failed deletions. Creations may partially fail when
``api_errors`` is 1: ``slowStartBatch`` stops at the first failing batch and the skipped
creations are ``CreationObserved``, so any number of successes from 0 to ``n`` can result.

Examples
--------
>>> m = ReplicaSetExpectations(replicas=2, slow_informer=1)
>>> r = m.checker().max_depth(4).bfs()
>>> r["replicas-bounded"].verdict, [str(a) for a in r["replicas-bounded"].path.actions]
('violated', ['replicaset-controller: sync (done=2)', 'clock: expire', 'replicaset-controller: sync (done=2)'])
>>> ReplicaSetExpectations(replicas=2).checker().bfs()["replicas-bounded"].verdict
'holds'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmodel.model import Property, always, eventually_always, sometimes
from kmodel.smt.symbolic import Action, Choice, Param, SymbolicModel, Var

__all__ = ["ReplicaSetExpectations", "BURST_REPLICAS"]

#: ``BurstReplicas``: the most pods one sync creates or deletes.
BURST_REPLICAS = 500
_BIG = 2**20


class ReplicaSetExpectations(SymbolicModel):
    """Replicas vs owned pods under informer delay, with expectations and their expiry.

    Parameters
    ----------
    replicas, burst, slow_informer, api_errors, max_losses :
        ``spec.replicas``; ``BurstReplicas`` (500 upstream; smaller values keep explicit runs
        small); whether events may arrive after the 5-minute expiry; whether pod creations may
        fail; how many pods node failures may delete.
    """

    name = "replicaset-expectations"
    upstream = ("pkg/controller/replicaset/replica_set.go", "pkg/controller/controller_utils.go")
    PARAMS = (
        Param("replicas", 0, 100_000, "spec.replicas"),
        Param("burst", 1, BURST_REPLICAS, "BurstReplicas"),
        Param("slow_informer", 0, 1, "an informer event may arrive after the 5-minute expectations timeout"),
        Param("api_errors", 0, 1, "pod creations may fail (slow start stops at the failing batch)"),
        Param("max_losses", 0, 1_000, "pods node failures may delete"),
    )
    VARS = (
        Var("pods", 0, _BIG, "active pods owned by the ReplicaSet"),
        Var("unseen_adds", 0, _BIG, "created pods whose add event the informer has not delivered"),
        Var("unseen_cdels", 0, _BIG, "pods the controller deleted, delete event not delivered"),
        Var("unseen_xdels", 0, _BIG, "pods deleted by node failures, delete event not delivered"),
        Var("exp_add", -_BIG, _BIG, "expectations: creations still expected"),
        Var("exp_del", -_BIG, _BIG, "expectations: deletions still expected"),
        Var("has_record", 0, 1, "an expectations record exists"),
        Var("expired", 0, 1, "the record is older than ExpectationsTimeout (5 min)"),
        Var("losses", 0, _BIG, "pods deleted by node failures so far"),
    )

    def defaults(self) -> dict[str, Any]:
        return {"replicas": 3, "burst": BURST_REPLICAS, "slow_informer": 0, "api_errors": 0, "max_losses": 0}

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {"pods": 0, "unseen_adds": 0, "unseen_cdels": 0, "unseen_xdels": 0, "exp_add": 0, "exp_del": 0,
                "has_record": 0, "expired": 0, "losses": 0}

    def transitions(self) -> Sequence[Action]:
        # The choice ``done`` (successful creations) never exceeds replicas or the burst.
        most = min(self.domains["burst"][1], self.domains["replicas"][1])
        return (
            Action("sync", "replicaset-controller", _sync, (Choice("done", 0, most),),
                   doc="syncReplicaSet: manageReplicas when expectations are satisfied"),
            Action("observe-add", "informer", _observe_add, doc="pod add event: CreationObserved"),
            Action("observe-delete", "informer", _observe_delete, doc="pod delete event: DeletionObserved"),
            Action("observe-lost", "informer", _observe_lost, doc="delete event of a pod lost to a node failure"),
            Action("expire", "clock", _expire, fair=False, doc="the record passes ExpectationsTimeout"),
            Action("lose-pod", "node-failure", _lose_pod, fair=False, doc="a node failure deletes a pod"),
        )

    def formulas(self) -> Sequence[Property[Any]]:
        return (
            always("replicas-bounded", lambda o, s: s.pods <= s.replicas,
                   description="the ReplicaSet never has more pods than spec.replicas"),
            sometimes("reaches-replicas", lambda o, s: o.and_(s.pods == s.replicas, s.replicas > 0),
                      description="the ReplicaSet gets all its pods"),
            eventually_always("converges", lambda o, s: s.pods == s.replicas,
                              description="every fair behaviour ends with spec.replicas pods, for good (ESR)"),
        )

    def invariants(self) -> Mapping[str, Any]:
        return {"counts-non-negative": counts_non_negative,
                "expectations-cover-unseen-creations": expectations_cover_unseen_creations}


def counts_non_negative(o: Any, s: Any) -> Any:
    """Pod counts and undelivered events are never negative."""
    return o.and_(s.pods >= 0, s.unseen_adds >= 0, s.unseen_cdels >= 0, s.unseen_xdels >= 0)


def expectations_cover_unseen_creations(o: Any, s: Any) -> Any:
    """While created pods are unseen, an unexpired record expects at least that many.

    The strengthening that makes ``replicas-bounded`` 1-inductive when the informer is faster
    than the expiry (it is false when it is not: that is the refutation).
    """
    return o.or_(s.unseen_adds == 0, o.and_(s.has_record == 1, s.expired == 0, s.exp_add >= s.unseen_adds))


def satisfied_expectations(o: Any, s: Any) -> Any:
    """``SatisfiedExpectations``: no record, nothing outstanding, or the record expired."""
    return o.or_(s.has_record == 0, o.and_(s.exp_add <= 0, s.exp_del <= 0), s.expired == 1)


def _cache(s: Any) -> Any:
    """The number of pods in the controller's informer cache."""
    return s.pods - s.unseen_adds + s.unseen_cdels + s.unseen_xdels


def _sync(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    diff = _cache(s) - s.replicas
    create = diff < 0
    n = o.ite(create, o.min(0 - diff, s.burst), o.min(diff, s.burst))
    # Creations: ExpectCreations(n), then CreationObserved for each skipped/failed one.
    # Deletions: ExpectDeletions(victims), victims are live pods.
    deleted = o.min(n, s.pods)
    done = o.ite(create, c.done, deleted)
    ok_choice = o.ite(create, o.or_(c.done == n, o.and_(s.api_errors == 1, c.done < n)), c.done == 0)
    guard = o.and_(satisfied_expectations(o, s), diff != 0, ok_choice)
    return guard, {
        "pods": o.ite(create, s.pods + done, s.pods - done),
        "unseen_adds": o.ite(create, s.unseen_adds + done, s.unseen_adds),
        "unseen_cdels": o.ite(create, s.unseen_cdels, s.unseen_cdels + done),
        "exp_add": o.ite(create, done, 0),
        "exp_del": o.ite(create, 0, done),
        "has_record": 1,
        "expired": 0,
    }


def _observe_add(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.unseen_adds > 0, {"unseen_adds": s.unseen_adds - 1, "exp_add": s.exp_add - 1}


def _observe_delete(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.unseen_cdels > 0, {"unseen_cdels": s.unseen_cdels - 1, "exp_del": s.exp_del - 1}


def _observe_lost(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    # UIDTrackingControllerExpectations lowers deletions only for pods it expects to go.
    return s.unseen_xdels > 0, {"unseen_xdels": s.unseen_xdels - 1}


def _expire(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    outstanding = o.or_(s.exp_add > 0, s.exp_del > 0)
    delivered = o.and_(s.unseen_adds == 0, s.unseen_cdels == 0)
    guard = o.and_(s.has_record == 1, s.expired == 0, outstanding, o.or_(s.slow_informer == 1, delivered))
    return guard, {"expired": 1}


def _lose_pod(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    guard = o.and_(s.losses < s.max_losses, s.pods - s.unseen_adds > 0)
    return guard, {"pods": s.pods - 1, "unseen_xdels": s.unseen_xdels + 1, "losses": s.losses + 1}
