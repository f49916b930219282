"""Admission plugins of the API server that the self-healing, service-account and storage
models need, as pure functions called from :mod:`kmodel.api`.

* **DefaultTolerationSeconds** (``plugin/pkg/admission/defaulttolerationseconds/admission.go``):
  on pod create and update, a pod that has no toleration for ``node.kubernetes.io/not-ready``
  (a toleration whose key is that key or empty, and whose effect is NoExecute or empty; the
  operator is not checked) gets ``{key: node.kubernetes.io/not-ready, operator: Exists, effect:
  NoExecute, tolerationSeconds: 300}``; the same for ``node.kubernetes.io/unreachable``
  (``--default-not-ready-toleration-seconds`` and ``--default-unreachable-toleration-seconds``,
  both 300).
* **ServiceAccount** (``plugin/pkg/admission/serviceaccount/admission.go``): a pod's
  ``serviceAccountName`` defaults to ``default`` (done in :mod:`kmodel.api`) and the account must
  exist, else the create is refused with 403 Forbidden (``error looking up service account``).
  The plugin is enforced once the store holds ServiceAccounts: a :class:`kmodel.cluster.ClusterModel`
  always does (every namespace of a running cluster has its ``default`` account); bare stores
  built in Python for unit tests do not, and there the plugin is off. The projected token volume
  (``kube-api-access-*``) it adds is not kept: the kubelet's token refresh is not modelled.
* **DefaultStorageClass** (``plugin/pkg/admission/storage/storageclass/setdefault/admission.go``):
  a claim whose ``storageClassName`` is nil gets the default class (annotated
  ``storageclass.kubernetes.io/is-default-class: "true"``; with several, upstream takes the
  newest, ties by name; the model has no times and takes the first by name).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.workloads import Container, Pod, PodSpec
>>> pod = Pod(ObjectMeta("web", "default"), PodSpec((Container("web"),)))
>>> [(t.key, t.toleration_seconds) for t in default_toleration_seconds(pod).spec.tolerations]
[('node.kubernetes.io/not-ready', 300), ('node.kubernetes.io/unreachable', 300)]
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import TAINT_NOT_READY, TAINT_UNREACHABLE, Toleration

__all__ = ["default_toleration_seconds", "service_account_error", "default_storage_class",
           "DEFAULT_NOT_READY_TOLERATION_SECONDS", "DEFAULT_UNREACHABLE_TOLERATION_SECONDS",
           "IS_DEFAULT_CLASS_ANNOTATION"]

DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300
IS_DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"

_NOT_READY = Toleration(TAINT_NOT_READY, "Exists", "", "NoExecute", DEFAULT_NOT_READY_TOLERATION_SECONDS)
_UNREACHABLE = Toleration(TAINT_UNREACHABLE, "Exists", "", "NoExecute", DEFAULT_UNREACHABLE_TOLERATION_SECONDS)


def _tolerates(tolerations: Any, key: str) -> bool:
    return any((t.key == key or not t.key) and t.effect in ("NoExecute", "") for t in tolerations)


def default_toleration_seconds(pod: Any) -> Any:
    """The pod with the DefaultTolerationSeconds tolerations added where missing."""
    tolerations = pod.spec.tolerations
    extra = []
    if not _tolerates(tolerations, TAINT_NOT_READY):
        extra.append(_NOT_READY)
    if not _tolerates(tolerations, TAINT_UNREACHABLE):
        extra.append(_UNREACHABLE)
    if not extra:
        return pod
    return replace(pod, spec=replace(pod.spec, tolerations=tolerations + tuple(extra)))


def service_account_error(state: Any, pod: Any) -> str:
    """Why the ServiceAccount admission refuses ``pod`` (``""``: admitted)."""
    if not state.list("ServiceAccount"):
        return ""
    ns = pod.metadata.namespace
    name = pod.spec.service_account_name or "default"
    if state.get(ObjectRef("ServiceAccount", ns, name)) is not None:
        return ""
    return (f'pods "{pod.metadata.name or pod.metadata.generate_name}" is forbidden: error looking up '
            f'service account {ns}/{name}: serviceaccount "{name}" not found')


def default_storage_class(state: Any, claim: Any) -> Any:
    """The claim with the default StorageClass filled in when its class is nil."""
    if claim.spec.storage_class_name is not None:
        return claim
    for sc in state.list("StorageClass"):
        if sc.metadata.annotation(IS_DEFAULT_CLASS_ANNOTATION) == "true":
            return replace(claim, spec=replace(claim.spec, storage_class_name=sc.metadata.name))
    return claim
