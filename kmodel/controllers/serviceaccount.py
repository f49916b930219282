"""The ServiceAccount, token and root-CA controllers.

* ``serviceaccount-controller`` (``pkg/controller/serviceaccount/serviceaccounts_controller.go``,
  ``syncNamespace``): every active namespace gets the ServiceAccount ``default``, re-created
  when deleted; a terminating namespace is left alone.
* ``root-ca-cert-publisher`` (``pkg/controller/certificates/rootcacertpublisher/publisher.go``,
  ``syncNamespace``): every active namespace gets the ConfigMap ``kube-root-ca.crt`` with key
  ``ca.crt``, re-created when deleted and repaired when its data differs.
* ``serviceaccount-token-controller`` (``pkg/controller/serviceaccount/tokens_controller.go``,
  ``syncSecret``): a Secret of type ``kubernetes.io/service-account-token`` is deleted when the
  ServiceAccount its ``kubernetes.io/service-account.name`` annotation names does not exist (or
  has another UID than ``kubernetes.io/service-account.uid``), and otherwise filled with
  ``token``, ``ca.crt`` and ``namespace`` (and the UID annotation). Since v1.24 no token Secret
  is generated for an account (``LegacyServiceAccountTokenNoAutoGeneration``, GA in v1.26): only
  Secrets a person creates are populated, and pods use bound tokens from the TokenRequest API
  (:mod:`kmodel.registry.serviceaccount`), projected into the ``kube-api-access-*`` volume the
  ServiceAccount admission adds (:mod:`kmodel.admission`) by the kubelet, which cannot start a
  pod before it has the token (:mod:`kmodel.agents.kubelet`). ``syncServiceAccount`` (delete the
  token Secrets of a deleted account) is the same level-based rule seen from the account: a
  Secret whose account is gone is deleted.

The ServiceAccount admission that refuses pods naming a missing account is in
:mod:`kmodel.admission`. Abstracted: the legacy-token tracking and clean-up labels
(``kubernetes.io/legacy-token-last-used``, ``-invalid-since``: ``legacy_serviceaccount_token_cleaner.go``
marks an auto-generated token unused for a year invalid, and deletes it a year later: year-long
timers that only touch pre-v1.24 auto-generated Secrets, which the model never creates), token
contents, the informer caches (so the races between them are not modelled: see below and
``docs/design.md``, "Bound tokens are computed, not stored").

**Duplicate-token race.** Before v1.24 ``ensureReferencedToken`` created a token Secret for every
account and then added it to the account's ``secrets``; a secrets cache lagging its own create
made the controller create a second token (fixed by adding the created Secret to a mutation
cache, ``updatedSecrets``). Since v1.24 the controller creates no Secret at all, so that race is
gone; what remains in v1.35 are stale-cache races between the tokens controller and an account
deleted and re-created under its name (a token Secret populated for, or deleted with, the wrong
incarnation), which need UIDs that differ between incarnations: the model derives UIDs from
names (:mod:`kmodel.objects.meta`).
"""

from __future__ import annotations

from typing import Any

from kmodel.api import Create, Delete, Request, Update
from kmodel.objects.access import (
    ROOT_CA_CONFIGMAP,
    SA_NAME_ANNOTATION,
    SA_UID_ANNOTATION,
    SERVICE_ACCOUNT_TOKEN,
    ConfigMap,
    ServiceAccount,
)
from kmodel.objects.meta import ObjectMeta, ObjectRef, replace

__all__ = ["sa_keys", "sync_service_accounts", "ca_keys", "sync_root_ca", "token_keys", "sync_secret",
           "bootstrap_objects", "TOKEN_DATA_KEYS", "CA_DATA_KEYS"]

TOKEN_DATA_KEYS = ("ca.crt", "namespace", "token")
CA_DATA_KEYS = ("ca.crt",)


def _active_namespaces(state: Any) -> list[Any]:
    return [ns for ns in state.list("Namespace") if ns.phase == "Active" and not ns.metadata.deleting]


def sa_keys(state: Any) -> list[ObjectRef]:
    return [ns.ref for ns in _active_namespaces(state)
            if state.get(ObjectRef("ServiceAccount", ns.metadata.name, "default")) is None]


def sync_service_accounts(state: Any, key: ObjectRef) -> tuple[Request, ...]:
    """``syncNamespace``: create the missing ``default`` ServiceAccount."""
    ns = state.get(key)
    if ns is None or ns.phase != "Active" or ns.metadata.deleting:
        return ()
    if state.get(ObjectRef("ServiceAccount", key.name, "default")) is not None:
        return ()
    return (Create(ServiceAccount(ObjectMeta("default", key.name))),)


def ca_keys(state: Any) -> list[ObjectRef]:
    return [ns.ref for ns in _active_namespaces(state) if sync_root_ca(state, ns.ref)]


def sync_root_ca(state: Any, key: ObjectRef) -> tuple[Request, ...]:
    """The root CA publisher's ``syncNamespace``."""
    ns = state.get(key)
    if ns is None or ns.phase != "Active" or ns.metadata.deleting:
        return ()
    cm = state.get(ObjectRef("ConfigMap", key.name, ROOT_CA_CONFIGMAP))
    if cm is None:
        return (Create(ConfigMap(ObjectMeta(ROOT_CA_CONFIGMAP, key.name), CA_DATA_KEYS)),)
    if cm.data != CA_DATA_KEYS:
        return (Update(replace(cm, data=CA_DATA_KEYS)),)
    return ()


def token_keys(state: Any) -> list[ObjectRef]:
    return [s.ref for s in state.list("Secret") if s.type == SERVICE_ACCOUNT_TOKEN and sync_secret(state, s.ref)]


def sync_secret(state: Any, key: ObjectRef) -> tuple[Request, ...]:
    """``syncSecret``: delete a token Secret whose account is gone, else populate it."""
    secret = state.get(key)
    if secret is None or secret.type != SERVICE_ACCOUNT_TOKEN:
        return ()
    name = secret.metadata.annotation(SA_NAME_ANNOTATION) or ""
    sa = state.get(ObjectRef("ServiceAccount", key.namespace, name)) if name else None
    uid = secret.metadata.annotation(SA_UID_ANNOTATION)
    if sa is None or (uid and uid != sa.metadata.uid):
        return (Delete(key),)
    annotations = dict(secret.metadata.annotations)
    annotations[SA_UID_ANNOTATION] = sa.metadata.uid
    want = replace(secret, data=tuple(sorted(set(secret.data) | set(TOKEN_DATA_KEYS))),
                   metadata=replace(secret.metadata, annotations=tuple(sorted(annotations.items()))))
    return (Update(want),) if want != secret else ()


def bootstrap_objects(namespaces: Any) -> list[Any]:
    """The ``default`` ServiceAccount and ``kube-root-ca.crt`` of namespaces on a running cluster
    (where these controllers have long since run)."""
    out: list[Any] = []
    for ns in namespaces:
        out.append(ServiceAccount(ObjectMeta("default", ns)))
        out.append(ConfigMap(ObjectMeta(ROOT_CA_CONFIGMAP, ns), CA_DATA_KEYS))
    return out
