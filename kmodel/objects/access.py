"""ServiceAccounts, Secrets and ConfigMaps (``k8s.io/api/core/v1``), as far as the ServiceAccount,
token and root-CA controllers and the ServiceAccount admission read them.

A Secret's and a ConfigMap's ``data`` keep their *keys* only: contents (tokens, certificates)
are opaque to every modelled rule. A ServiceAccount keeps ``automountServiceAccountToken``.

Upstream: ``staging/src/k8s.io/api/core/v1/types.go`` (``ServiceAccount``, ``Secret``,
``ConfigMap``, ``SecretTypeServiceAccountToken``).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> ServiceAccount(ObjectMeta("default", "shop")).ref
ServiceAccount/shop/default
"""

from __future__ import annotations

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record

__all__ = ["ServiceAccount", "Secret", "ConfigMap", "SERVICE_ACCOUNT_TOKEN", "SA_NAME_ANNOTATION",
           "SA_UID_ANNOTATION", "ROOT_CA_CONFIGMAP"]

SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
SA_UID_ANNOTATION = "kubernetes.io/service-account.uid"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"


@record
class ServiceAccount:
    metadata: ObjectMeta
    automount_token: bool | None = None
    _hash: int = _hash_field()

    kind = "ServiceAccount"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ServiceAccount", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class Secret:
    """A Secret: ``type`` and the keys of ``data``."""

    metadata: ObjectMeta
    type: str = "Opaque"
    data: tuple[str, ...] = ()
    _hash: int = _hash_field()

    kind = "Secret"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Secret", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class ConfigMap:
    """A ConfigMap: the keys of ``data``."""

    metadata: ObjectMeta
    data: tuple[str, ...] = ()
    _hash: int = _hash_field()

    kind = "ConfigMap"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ConfigMap", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name
