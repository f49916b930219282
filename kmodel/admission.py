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
  built in Python for unit tests do not, and there the plugin is off. When the token is to be
  automounted (:func:`should_automount`: the pod's ``automountServiceAccountToken``, else the
  account's, else true) and the pod has no ``kube-api-access-*`` volume yet, it adds one
  (:func:`mount_service_account_token`): a projected volume of a bound ``serviceAccountToken``
  (``expirationSeconds: 3607``, ``WarnOnlyBoundTokenExpirationSeconds``), the ``ca.crt`` of the
  ``kube-root-ca.crt`` ConfigMap and the namespace through the downward API
  (``TokenVolumeSource``). The kubelet must obtain the token (TokenRequest,
  :mod:`kmodel.registry.serviceaccount`) and find the ConfigMap before it can start the pod.
  Upstream names the volume with a random 5-character suffix; the model takes one fixed suffix
  (:data:`TOKEN_VOLUME_NAME`, one of upstream's choices), so look-alike pods stay alike. The
  per-container ``volumeMounts`` are not kept: a container that already mounts something at
  ``/var/run/secrets/kubernetes.io/serviceaccount`` is not recognised (upstream then adds no
  volume for it).
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
           "should_automount", "mount_service_account_token", "token_volume_source",
           "DEFAULT_NOT_READY_TOLERATION_SECONDS", "DEFAULT_UNREACHABLE_TOLERATION_SECONDS",
           "IS_DEFAULT_CLASS_ANNOTATION", "TOKEN_VOLUME_PREFIX", "TOKEN_VOLUME_NAME",
           "WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS"]

DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300
IS_DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
#: ``ServiceAccountVolumeName + "-"``: the prefix of the admission's token volume.
TOKEN_VOLUME_PREFIX = "kube-api-access-"
#: The model's name for it (upstream: the prefix and 5 random characters of ``bcdfghjklmnpqrstvwxz2456789``).
TOKEN_VOLUME_NAME = TOKEN_VOLUME_PREFIX + "kmdl2"
#: ``serviceaccount.WarnOnlyBoundTokenExpirationSeconds``: 1 h 7 s.
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607

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
    """Why the ServiceAccount admission refuses ``pod`` (``""``: admitted): upstream's 403
    message, naming a pod created from ``generateName`` by its prefix, as upstream's
    ``extractResourceName`` does before the name is generated.

    Examples
    --------
    >>> from kmodel.objects.access import ServiceAccount
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, Pod, PodSpec
    >>> from kmodel.state import ClusterState
    >>> s = ClusterState.of([ServiceAccount(ObjectMeta("other", "shop"))])
    >>> pod = Pod(ObjectMeta("web-1", "shop", generate_name="web-"), PodSpec((Container("c"),)))
    >>> service_account_error(s, pod)
    'pods "web-" is forbidden: error looking up service account shop/default: serviceaccount "default" not found'
    """
    if not state.list("ServiceAccount"):
        return ""
    ns = pod.metadata.namespace
    name = pod.spec.service_account_name or "default"
    if state.get(ObjectRef("ServiceAccount", ns, name)) is not None:
        return ""
    # admission.NewForbidden names the object as admission sees it: a pod created from
    # generateName has no name yet (the registry generates it after admission), so the prefix.
    shown = pod.metadata.generate_name or pod.metadata.name
    return (f'pods "{shown}" is forbidden: error looking up '
            f'service account {ns}/{name}: serviceaccount "{name}" not found')


def should_automount(sa: Any, pod: Any) -> bool:
    """``shouldAutomount``: the pod's ``automountServiceAccountToken`` if set, else the
    ServiceAccount's, else true.

    Examples
    --------
    >>> from kmodel.objects.access import ServiceAccount
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, Pod, PodSpec
    >>> sa = ServiceAccount(ObjectMeta("build", "ci"), automount_token=False)
    >>> pod = Pod(ObjectMeta("p", "ci"), PodSpec((Container("c"),), service_account_name="build"))
    >>> should_automount(sa, pod), should_automount(sa, replace(pod, spec=replace(pod.spec,
    ...     automount_service_account_token=True)))
    (False, True)
    """
    if pod.spec.automount_service_account_token is not None:
        return bool(pod.spec.automount_service_account_token)
    if sa is not None and sa.automount_token is not None:
        return bool(sa.automount_token)
    return True


def token_volume_source() -> tuple[tuple[str, str], ...]:
    """``TokenVolumeSource``: the sources of the ``kube-api-access-*`` projected volume, as
    :class:`kmodel.objects.storage.Volume` keeps them."""
    return tuple(sorted((("serviceAccountToken", str(WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS)),
                         ("configMap", "kube-root-ca.crt"), ("downwardAPI", "metadata.namespace"))))


def mount_service_account_token(state: Any, pod: Any) -> Any:
    """The pod with the ``kube-api-access-*`` projected volume added (``mountServiceAccountToken``)
    when its ServiceAccount's token is to be automounted and it has none yet; unchanged
    otherwise, and while the plugin is off (a store without ServiceAccounts)."""
    from kmodel.objects.storage import Volume

    if not state.list("ServiceAccount"):
        return pod
    sa = state.get(ObjectRef("ServiceAccount", pod.metadata.namespace, pod.spec.service_account_name or "default"))
    if not should_automount(sa, pod):
        return pod
    if any(v.name.startswith(TOKEN_VOLUME_PREFIX) for v in pod.spec.volumes):
        return pod  # hasTokenVolume
    volume = Volume(TOKEN_VOLUME_NAME, projected=token_volume_source())
    return replace(pod, spec=replace(pod.spec, volumes=pod.spec.volumes + (volume,)))


def default_storage_class(state: Any, claim: Any) -> Any:
    """The claim with the default StorageClass filled in when its class is nil."""
    if claim.spec.storage_class_name is not None:
        return claim
    for sc in state.list("StorageClass"):
        if sc.metadata.annotation(IS_DEFAULT_CLASS_ANNOTATION) == "true":
            return replace(claim, spec=replace(claim.spec, storage_class_name=sc.metadata.name))
    return claim
