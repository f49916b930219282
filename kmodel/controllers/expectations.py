"""Controller expectations: what a controller waits to see before it acts again.

A controller that creates or deletes pods reads them back from its informer cache, which lags
the API server. Upstream guards against acting twice on the same gap with *expectations*: before
asking for ``n`` creations the controller records "expect ``n`` adds" for its key, each pod add
event it observes lowers the count, and until the record is fulfilled (or older than
:data:`EXPECTATIONS_TIMEOUT`) ``syncReplicaSet`` skips ``manageReplicas``. Deletions are tracked by
pod key (``UIDTrackingControllerExpectations``), so one pod's deletion is counted once however
many events announce it.

Here a controller's expectations are a value: :class:`Expectations`, a sorted tuple of
``(controller key, ControlleeExpectations)`` pairs, and every operation returns a new one. Kept
in the model's environment (:mod:`kmodel.informer`), never in the API store.

Abstracted away:

* **Time.** The record's timestamp is a flag, ``expired``: the 5-minute timer is an abstract step
  (:mod:`kmodel.informer`), set by that step and cleared when a new record replaces the old one.
* **Fulfilled records are dropped.** A record with ``add <= 0`` and ``del <= 0`` answers
  :func:`satisfied_expectations` exactly as no record does, and the ReplicaSet controller only
  ever overwrites (``SetExpectations``) or lowers a record, which keeps it fulfilled, so the two
  are the same state here (a controller whose records are all fulfilled has none, so a model that
  never lags keeps none).
* ``RaiseExpectations`` and ``GetUIDs``/``DeleteExpectations`` of the UID store as separate calls
  (the ReplicaSet controller does not use the former; the latter is folded into
  :func:`delete_expectations`).

Upstream: ``pkg/controller/controller_utils.go`` (``ExpectationsTimeout``,
``ControllerExpectations``: ``SatisfiedExpectations``, ``SetExpectations``, ``ExpectCreations``,
``ExpectDeletions``, ``LowerExpectations``, ``CreationObserved``, ``DeletionObserved``,
``DeleteExpectations``; ``ControlleeExpectations.Fulfilled``, ``isExpired``;
``UIDTrackingControllerExpectations``: ``ExpectDeletions``, ``DeletionObserved``), v1.35.

Examples
--------
>>> exp = expect_creations((), "default/web", 2)
>>> satisfied_expectations(exp, "default/web")
False
>>> exp = creation_observed(creation_observed(exp, "default/web"), "default/web")
>>> exp, satisfied_expectations(exp, "default/web")
((), True)
>>> exp = expect_deletions((), "default/web", ("default/web-1",))
>>> exp = deletion_observed(deletion_observed(exp, "default/web", "default/web-1"), "default/web", "default/web-1")
>>> exp
()
"""

from __future__ import annotations

from collections.abc import Iterable

from kmodel.objects.meta import _hash_field, record

__all__ = ["EXPECTATIONS_TIMEOUT", "ControlleeExpectations", "Expectations", "get_expectations",
           "satisfied_expectations", "set_expectations", "expect_creations", "expect_deletions",
           "lower_expectations", "creation_observed", "deletion_observed", "delete_expectations", "expire"]

#: ``ExpectationsTimeout``: a record older than this no longer holds the controller back (seconds).
EXPECTATIONS_TIMEOUT = 5 * 60


@record
class ControlleeExpectations:
    """One controller key's record: adds and deletions still expected, the pod keys whose
    deletion is expected (``UIDTrackingControllerExpectations``), and whether the record is older
    than :data:`EXPECTATIONS_TIMEOUT`."""

    add: int = 0
    delete: int = 0
    deleted_keys: tuple[str, ...] = ()
    expired: bool = False
    _hash: int = _hash_field()

    def fulfilled(self) -> bool:
        """``Fulfilled``: no add and no deletion is still expected."""
        return self.add <= 0 and self.delete <= 0


#: Records by controller key (``namespace/name``), sorted.
Expectations = tuple[tuple[str, ControlleeExpectations], ...]


def get_expectations(exp: Expectations, key: str) -> ControlleeExpectations | None:
    """``GetExpectations``: the record of ``key``, or ``None``."""
    for k, v in exp:
        if k == key:
            return v
    return None


def _put(exp: Expectations, key: str, value: ControlleeExpectations | None) -> Expectations:
    rest = [(k, v) for k, v in exp if k != key]
    if value is not None and not value.fulfilled():
        rest.append((key, value))
    return tuple(sorted(rest, key=lambda kv: kv[0]))


def satisfied_expectations(exp: Expectations, key: str) -> bool:
    """``SatisfiedExpectations``: no record, a fulfilled one, or an expired one."""
    rec = get_expectations(exp, key)
    return rec is None or rec.fulfilled() or rec.expired


def set_expectations(exp: Expectations, key: str, add: int, delete: int,
                     deleted_keys: Iterable[str] = ()) -> Expectations:
    """``SetExpectations``: a fresh record (not expired) replaces whatever ``key`` had."""
    return _put(exp, key, ControlleeExpectations(add, delete, tuple(sorted(set(deleted_keys)))))


def expect_creations(exp: Expectations, key: str, adds: int) -> Expectations:
    """``ExpectCreations``: expect ``adds`` pod add events (and no deletion)."""
    return set_expectations(exp, key, adds, 0)


def expect_deletions(exp: Expectations, key: str, deleted_keys: Iterable[str]) -> Expectations:
    """``UIDTrackingControllerExpectations.ExpectDeletions``: expect the deletion of these pods
    (by ``namespace/name`` key; the count is their number)."""
    keys = tuple(sorted(set(deleted_keys)))
    return set_expectations(exp, key, 0, len(keys), keys)


def lower_expectations(exp: Expectations, key: str, add: int, delete: int) -> Expectations:
    """``LowerExpectations``: lower the counts of an existing record (no record: nothing)."""
    rec = get_expectations(exp, key)
    if rec is None:
        return exp
    return _put(exp, key, ControlleeExpectations(rec.add - add, rec.delete - delete, rec.deleted_keys, rec.expired))


def creation_observed(exp: Expectations, key: str) -> Expectations:
    """``CreationObserved``: one expected add was seen (or will never come: a skipped create)."""
    return lower_expectations(exp, key, 1, 0)


def deletion_observed(exp: Expectations, key: str, pod_key: str) -> Expectations:
    """``UIDTrackingControllerExpectations.DeletionObserved``: lower the deletion count once per
    expected pod key; a pod whose deletion was not expected changes nothing."""
    rec = get_expectations(exp, key)
    if rec is None or pod_key not in rec.deleted_keys:
        return exp
    kept = tuple(k for k in rec.deleted_keys if k != pod_key)
    return _put(exp, key, ControlleeExpectations(rec.add, rec.delete - 1, kept, rec.expired))


def delete_expectations(exp: Expectations, key: str) -> Expectations:
    """``DeleteExpectations`` (the ReplicaSet is gone)."""
    return _put(exp, key, None)


def expire(exp: Expectations, key: str) -> Expectations:
    """The record of ``key`` is now older than :data:`EXPECTATIONS_TIMEOUT` (the abstract timer)."""
    rec = get_expectations(exp, key)
    if rec is None or rec.expired:
        return exp
    return _put(exp, key, ControlleeExpectations(rec.add, rec.delete, rec.deleted_keys, True))
