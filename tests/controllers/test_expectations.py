"""Controller expectations (``kmodel.controllers.expectations``) against upstream's tests.

Cases rewritten from ``pkg/controller/controller_utils_test.go`` (v1.35: TestControllerExpectations,
TestUIDExpectations; the upstream test function starts each case id), plus a hypothesis check
that dropping fulfilled records changes no answer of ``SatisfiedExpectations`` compared with a
direct transcription of upstream's record-keeping.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.controllers.expectations import (
    EXPECTATIONS_TIMEOUT,
    creation_observed,
    delete_expectations,
    deletion_observed,
    expect_creations,
    expect_deletions,
    expire,
    get_expectations,
    lower_expectations,
    satisfied_expectations,
    set_expectations,
)

KEY = "default/rc"


def test_expectations_timeout_is_five_minutes():
    assert EXPECTATIONS_TIMEOUT == 300


def _after_observations():
    """TestControllerExpectations' preamble: expect 10 adds and 30 deletions, observe 11 adds
    (still waiting on deletions), then 31 deletions."""
    exp = set_expectations((), KEY, 10, 30)
    for _ in range(11):
        exp = creation_observed(exp, KEY)
    assert not satisfied_expectations(exp, KEY)  # "Rc will sync before expectations are met"
    for _ in range(31):
        exp = lower_expectations(exp, KEY, 0, 1)  # ControllerExpectations.DeletionObserved
    return exp


@pytest.mark.parametrize("to_set,expire_it,want_counts,want_satisfied", [
    pytest.param(None, False, None, True, id="TestControllerExpectations/Expectations have been surpassed"),
    pytest.param((1, 2), True, (1, 2), True, id="TestControllerExpectations/Old expectations are cleared because of ttl"),
])
def test_controller_expectations(to_set, expire_it, want_counts, want_satisfied):
    exp = _after_observations()
    if to_set is not None:
        exp = set_expectations(exp, KEY, *to_set)
    if expire_it:
        assert not satisfied_expectations(exp, KEY)
        exp = expire(exp, KEY)
    rec = get_expectations(exp, KEY)
    # Upstream keeps a surpassed record at (-1, -1); the model drops fulfilled records (same answers).
    assert (None if rec is None else (rec.add, rec.delete)) == want_counts
    assert satisfied_expectations(exp, KEY) is want_satisfied


@pytest.mark.parametrize("replicas", [2, 1, 1, 5], ids=[f"TestUIDExpectations/rc-{i}" for i in range(4)])
def test_uid_expectations(replicas):
    pods = [f"default/pod{i}-rc" for i in range(5)]
    exp = expect_deletions((), KEY, pods)
    assert not satisfied_expectations(exp, KEY)  # "satisfied expectations before deletion"
    for p in pods:
        exp = deletion_observed(exp, KEY, p)
    assert satisfied_expectations(exp, KEY)
    exp = delete_expectations(exp, KEY)
    assert get_expectations(exp, KEY) is None


def test_a_deletion_is_counted_once_per_pod_key():
    """``UIDTrackingControllerExpectations.DeletionObserved``: a second event for the same pod (a
    deletionTimestamp update, then the delete) and a pod never expected change nothing."""
    exp = expect_deletions((), KEY, ["default/a", "default/b"])
    exp = deletion_observed(deletion_observed(exp, KEY, "default/a"), KEY, "default/a")
    exp = deletion_observed(exp, KEY, "default/other")
    rec = get_expectations(exp, KEY)
    assert (rec.delete, rec.deleted_keys) == (1, ("default/b",)) and not satisfied_expectations(exp, KEY)


def test_expect_creations_overwrites_an_expired_record():
    """``SetExpectations`` replaces the record: after an expiry the controller's next creations
    give a fresh, unexpired record."""
    exp = expire(expect_creations((), KEY, 2), KEY)
    assert satisfied_expectations(exp, KEY)
    exp = expect_creations(exp, KEY, 2)
    assert not satisfied_expectations(exp, KEY) and not get_expectations(exp, KEY).expired


def test_observations_without_a_record_change_nothing():
    assert creation_observed((), KEY) == () and deletion_observed((), KEY, "default/a") == ()
    assert satisfied_expectations((), KEY)


# -- dropping fulfilled records is invisible --------------------------------------------------
_OPS = st.lists(st.one_of(
    st.tuples(st.just("expect_creations"), st.sampled_from(["a", "b"]), st.integers(0, 3)),
    st.tuples(st.just("expect_deletions"), st.sampled_from(["a", "b"]), st.sets(st.sampled_from("xyz"))),
    st.tuples(st.just("creation_observed"), st.sampled_from(["a", "b"]), st.none()),
    st.tuples(st.just("deletion_observed"), st.sampled_from(["a", "b"]), st.sampled_from("xyz")),
    st.tuples(st.just("expire"), st.sampled_from(["a", "b"]), st.none()),
    st.tuples(st.just("delete_expectations"), st.sampled_from(["a", "b"]), st.none()),
), max_size=25)


class _Upstream:
    """A direct transcription of upstream's records: kept when fulfilled, counts may go negative."""

    def __init__(self) -> None:
        self.records: dict[str, list] = {}  # key -> [add, del, uids, expired]

    def apply(self, op: str, key: str, arg) -> None:
        rec = self.records.get(key)
        if op == "expect_creations":
            self.records[key] = [arg, 0, set(), False]
        elif op == "expect_deletions":
            self.records[key] = [0, len(arg), set(arg), False]
        elif op == "creation_observed" and rec is not None:
            rec[0] -= 1
        elif op == "deletion_observed" and rec is not None and arg in rec[2]:
            rec[2].discard(arg)
            rec[1] -= 1
        elif op == "expire" and rec is not None:
            rec[3] = True
        elif op == "delete_expectations":
            self.records.pop(key, None)

    def satisfied(self, key: str) -> bool:
        rec = self.records.get(key)
        return rec is None or (rec[0] <= 0 and rec[1] <= 0) or rec[3]


@settings(max_examples=300, deadline=None)
@given(ops=_OPS)
def test_satisfied_expectations_agree_with_upstreams_records(ops):
    upstream = _Upstream()
    exp = ()
    for op, key, arg in ops:
        upstream.apply(op, key, arg)
        if op == "expect_creations":
            exp = expect_creations(exp, key, arg)
        elif op == "expect_deletions":
            exp = expect_deletions(exp, key, arg)
        elif op == "creation_observed":
            exp = creation_observed(exp, key)
        elif op == "deletion_observed":
            exp = deletion_observed(exp, key, arg)
        elif op == "expire":
            # the model's timer fires only on a pending record; on a fulfilled one it changes no answer
            exp = expire(exp, key)
        else:
            exp = delete_expectations(exp, key)
        for k in ("a", "b"):
            assert satisfied_expectations(exp, k) == upstream.satisfied(k), (ops, k)
