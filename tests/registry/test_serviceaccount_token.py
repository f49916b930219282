"""TokenRequest and the bound-token authenticator (``kmodel.registry.serviceaccount``), cases after
upstream's ``pkg/apis/authentication/validation/validation_test.go`` (TestValidateTokenRequest),
``pkg/registry/core/serviceaccount/storage/token.go`` and ``pkg/serviceaccount/claims_test.go``
(TestValidatePrivateClaims)."""

from __future__ import annotations

import pytest

from kmodel.objects.access import ServiceAccount
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.workloads import Container, Pod, PodSpec
from kmodel.registry.serviceaccount import BoundToken, authenticate, token_request
from kmodel.state import ClusterState

SA = ServiceAccount(ObjectMeta("web", "shop", uid="sa-uid"))
POD = Pod(ObjectMeta("web-1", "shop", uid="pod-uid"), PodSpec((Container("c"),), service_account_name="web"))
STATE = ClusterState.of([Namespace(ObjectMeta("shop", uid="ns")), SA, POD])

REQUEST_CASES = [
    # (case id, request keyword arguments, expected error substring or "" for success)
    ("TestValidateTokenRequest/success", {"expiration_seconds": 2_000_000_000}, ""),
    ("TestValidateTokenRequest/specify larger time", {"expiration_seconds": 7_000_000_000},
     "may not specify a duration larger than 2^32 seconds"),
    ("ValidateTokenRequest/less than 10 minutes", {"expiration_seconds": 599},
     "may not specify a duration less than 10 minutes"),
    ("TokenREST.Create/service account not found", {"name": "ghost"}, 'serviceaccounts "ghost" not found'),
    ("TokenREST.Create/bound pod not found", {"pod": "gone"}, 'pods "gone" not found'),
    ("TokenREST.Create/bound pod UID mismatch", {"pod": "web-1", "pod_uid": "old-uid"},
     "does not match the UID in record"),
    ("TokenREST.Create/pod runs as another account", {"name": "other", "pod": "web-1"},
     'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name'),
    ("TokenREST.Create/bound to pod", {"pod": "web-1", "pod_uid": "pod-uid"}, ""),
    # ValidateTokenRequest refuses ``> 1<<32``: 2^32 itself is valid, one more is not.
    ("ValidateTokenRequest/exactly 2^32 seconds", {"expiration_seconds": 1 << 32}, ""),
    ("ValidateTokenRequest/2^32 + 1 seconds", {"expiration_seconds": (1 << 32) + 1},
     "may not specify a duration larger than 2^32 seconds"),
    # TokenREST.Create looks the account up before it validates the request.
    ("TokenREST.Create/missing account before validation", {"name": "ghost", "expiration_seconds": 60},
     'serviceaccounts "ghost" not found'),
]


@pytest.mark.parametrize("kwargs,error", [c[1:] for c in REQUEST_CASES], ids=[c[0] for c in REQUEST_CASES])
def test_token_request(kwargs, error):
    state = STATE.with_(ServiceAccount(ObjectMeta("other", "shop", uid="other-uid")))
    name = kwargs.pop("name", "web")
    token, message = token_request(state, "shop", name, **kwargs)
    if error:
        assert token is None and error in message
    else:
        assert message == "" and token.service_account_uid == state.get(ObjectRef("ServiceAccount", "shop", name)).metadata.uid


VALIDATE_CASES = [
    ("TestValidatePrivateClaims/good", lambda s: s, ""),
    ("TestValidatePrivateClaims/missing serviceaccount", lambda s: s.without(SA.ref), 'serviceaccounts "web" not found'),
    ("TestValidatePrivateClaims/different uid serviceaccount",
     lambda s: s.with_(replace(SA, metadata=replace(SA.metadata, uid="new-uid"))),
     "service account UID (new-uid) does not match claim (sa-uid)"),
    ("TestValidatePrivateClaims/missing pod", lambda s: s.without(POD.ref), "service account token has been invalidated"),
    ("TestValidatePrivateClaims/different uid pod",
     lambda s: s.with_(replace(POD, metadata=replace(POD.metadata, uid="new-pod"))),
     "pod UID (new-pod) does not match service account pod ref claim (pod-uid)"),
]


@pytest.mark.parametrize("change,error", [c[1:] for c in VALIDATE_CASES], ids=[c[0] for c in VALIDATE_CASES])
def test_authenticate(change, error):
    token, _ = token_request(STATE, "shop", "web", pod="web-1", pod_uid="pod-uid")
    assert token == BoundToken("shop", "web", "sa-uid", "web-1", "pod-uid")
    assert authenticate(change(STATE), token) == error
