"""ServiceAccount tokens: the TokenRequest subresource and the token authenticator, as pure
functions of the store.

* **TokenRequest** (``pkg/registry/core/serviceaccount/storage/token.go``, ``TokenREST.Create``;
  validation in ``pkg/apis/authentication/validation``): ``POST .../serviceaccounts/NAME/token``
  mints a token for an existing ServiceAccount. :func:`token_request` keeps upstream's checks,
  their order and messages: the account must exist (looked up first); ``expirationSeconds`` at
  least 600 (10 minutes) and at most 2^32 (``ValidateTokenRequest``); a bound object must be a
  Pod (the model's kubelet only binds to pods; upstream also allows Secrets and Nodes), must
  exist, must have the UID the request names, and must run as that account. The token is bound
  to the account's and the pod's UIDs.
* **Authentication** (``pkg/serviceaccount/claims.go``, ``validator.Validate``):
  :func:`authenticate` accepts a bound token while its account exists with the UID it was
  issued for and its pod exists with the UID it was bound to (upstream keeps accepting it for
  60 s past the pod's ``deletionTimestamp``: the model accepts it until the pod is gone). Hence
  a pod whose ServiceAccount is deleted holds a token that is rejected (401), while the pod runs
  on: nothing deletes pods whose account is gone.

The kubelet (:mod:`kmodel.agents.kubelet`) asks for a token for each ``serviceAccountToken``
projection before it starts a pod (``pkg/kubelet/token/token_manager.go``), and refreshes it once
80 % of its life (or 24 h) has passed. The refresh is a timer whose only observable outcomes are
"a new valid token" (no change in the model) or "TokenRequest refused because the account is
gone", which :func:`authenticate` already rejects: so it is not a step of its own.

Abstracted: token contents (JWT claims, audiences, the ``kube-api-access`` expiry extension to a
year, ``--service-account-max-token-expiration``), expiry itself (a token is refreshed before it
expires while its account exists), node-bound and secret-bound tokens. UIDs are derived from
names (:mod:`kmodel.objects.meta`): a ServiceAccount deleted and re-created under its name keeps
its UID, so tokens issued before the deletion count as valid again once it is back, where
upstream rejects them until the kubelet's next refresh.

Examples
--------
>>> from kmodel.objects.access import ServiceAccount
>>> from kmodel.objects.meta import Namespace, ObjectMeta
>>> from kmodel.state import ClusterState
>>> s = ClusterState.of([Namespace(ObjectMeta("shop", uid="ns")), ServiceAccount(ObjectMeta("web", "shop", uid="sa-1"))])
>>> token, error = token_request(s, "shop", "web")
>>> token, error
(BoundToken(namespace='shop', service_account='web', service_account_uid='sa-1', pod='', pod_uid=''), '')
>>> token_request(s, "shop", "web", expiration_seconds=60)[1]
'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'
>>> authenticate(s, token), authenticate(s.without(ServiceAccount(ObjectMeta("web", "shop")).ref), token)
('', 'serviceaccounts "web" not found')
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.meta import ObjectRef, _hash_field, record

__all__ = ["BoundToken", "token_request", "authenticate", "MIN_EXPIRATION_SECONDS"]

#: ``expirationSeconds`` may not be shorter than 10 minutes (``ValidateTokenRequest``).
MIN_EXPIRATION_SECONDS = 600
_MAX_EXPIRATION_SECONDS = 1 << 32


@record
class BoundToken:
    """A token from TokenRequest: the account (name and UID) and the pod (name and UID; empty
    when not bound to a pod) it was issued for."""

    namespace: str
    service_account: str
    service_account_uid: str
    pod: str = ""
    pod_uid: str = ""
    _hash: int = _hash_field()


def token_request(state: Any, namespace: str, name: str, *, pod: str = "", pod_uid: str = "",
                  expiration_seconds: int = 3600) -> tuple[BoundToken | None, str]:
    """``TokenREST.Create``: the token, or ``None`` and upstream's error message.

    ``pod``/``pod_uid``: the ``boundObjectRef`` (a Pod; an empty ``pod_uid`` skips the UID check).
    """
    sa = state.get(ObjectRef("ServiceAccount", namespace, name))
    if sa is None:  # looked up before the request is validated, as upstream
        return None, f'serviceaccounts "{name}" not found'
    if expiration_seconds < MIN_EXPIRATION_SECONDS:
        return None, (f"spec.expirationSeconds: Invalid value: {expiration_seconds}: "
                      "may not specify a duration less than 10 minutes")
    if expiration_seconds > _MAX_EXPIRATION_SECONDS:  # 2^32 itself is allowed
        return None, (f"spec.expirationSeconds: Invalid value: {expiration_seconds}: "
                      "may not specify a duration larger than 2^32 seconds")
    if not pod:
        return BoundToken(namespace, name, sa.metadata.uid), ""
    bound = state.get(ObjectRef("Pod", namespace, pod))
    if bound is None:
        return None, f'pods "{pod}" not found'
    if pod_uid and bound.metadata.uid != pod_uid:
        return None, (f"the UID in the bound object reference ({pod_uid}) does not match the UID in record. "
                      "The object might have been deleted and then recreated")
    if (bound.spec.service_account_name or "default") != name:
        return None, (f'cannot bind token for serviceaccount "{name}" to pod running with different '
                      f'serviceaccount name.')
    return BoundToken(namespace, name, sa.metadata.uid, pod, bound.metadata.uid), ""


def authenticate(state: Any, token: BoundToken) -> str:
    """``validator.Validate``: ``""`` when the token is accepted, else why it is rejected."""
    sa = state.get(ObjectRef("ServiceAccount", token.namespace, token.service_account))
    if sa is None:
        return f'serviceaccounts "{token.service_account}" not found'
    if sa.metadata.uid != token.service_account_uid:
        return f"service account UID ({sa.metadata.uid}) does not match claim ({token.service_account_uid})"
    if token.pod:
        bound = state.get(ObjectRef("Pod", token.namespace, token.pod))
        if bound is None:
            return "service account token has been invalidated"
        if bound.metadata.uid != token.pod_uid:
            return (f"pod UID ({bound.metadata.uid}) does not match service account pod ref claim "
                    f"({token.pod_uid})")
    return ""
