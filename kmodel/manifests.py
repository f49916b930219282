"""Load Kubernetes manifests (YAML or JSON) into kmodel objects.

:func:`load` reads files, directories and standard input the way ``kubectl apply -f`` does,
maps every object of a kind kmodel models (Namespace, Node, Pod, ReplicaSet, Deployment) into
the frozen classes of :mod:`kmodel.objects`, counts the objects of other kinds, and hands back
kmodel's own documents (``apiVersion: kmodel.dev/v1alpha1``, e.g. ``kind: Scenario``) for the
caller to interpret. Anything it cannot understand is an :class:`~kmodel.errors.InvalidManifest`
naming the file, the 1-based line, the 1-based document and the dotted field path.

The loader only decodes and validates, as ``kubectl`` plus the API server's *validation* would;
*defaulting* and *admission* happen in :mod:`kmodel.api`. So an omitted ``spec.replicas`` stays
``None``, an omitted namespace stays ``""`` (admission puts ``"default"``), requests are not
copied from limits, and status is kept as given (object creation clears it;
:mod:`kmodel.cluster` writes it back through the status subresource).

Routine Listings
----------------
load
    Read paths (files, directories, ``-``) into a :class:`LoadResult`.
LoadResult
    The objects, their :class:`Source`, the counts of skipped kinds, kmodel's own documents.
Source
    File, line and document of an object.

Notes
-----
**Input.** Paths are files (any extension), directories (recursively: every file whose name
ends in ``.yaml``, ``.yml`` or ``.json``, in sorted order) or ``-`` for standard input; files
are UTF-8. A file holds any number of ``---``-separated YAML documents (JSON is YAML). Empty
documents (``---`` alone, comments only, ``null``) are not objects and are skipped, but they
count in document indices. ``kind: List`` and ``<Kind>List`` documents
(``kubectl get pods,nodes -o yaml``) are unpacked: each item is an object with its own line;
an item of a ``PodList`` that names no kind is a ``Pod``.

**Kinds.** ``v1`` Namespace, Node, Pod and ``apps/v1`` ReplicaSet, Deployment are loaded, and
the networking kinds ``v1`` Service and Endpoints, ``discovery.k8s.io/v1`` EndpointSlice and
``networking.k8s.io/v1`` Ingress and IngressClass (read and validated by
:mod:`kmodel.manifests_networking`, whose docstring lists their fields), and ``v1``
PersistentVolume, PersistentVolumeClaim, ServiceAccount, Secret, ConfigMap and
``storage.k8s.io/v1`` StorageClass (:mod:`kmodel.manifests_storage`), ``policy/v1``
PodDisruptionBudget (:mod:`kmodel.manifests_policy`), and
``autoscaling/v2`` (and ``v1``) HorizontalPodAutoscaler (:mod:`kmodel.manifests_autoscaling`). The
removed ``extensions/v1beta1``, ``apps/v1beta1`` and ``apps/v1beta2`` versions of the workloads
are errors saying so, as is any other version of a Kubernetes group (``v2``, ``apps/v2``,
``batch/v1``...) for these kinds. Every other kind is counted in :attr:`LoadResult.skipped`
(never dropped silently); a kind of a non-Kubernetes group (a CRD) that happens to share a
modelled kind's name is counted as ``Kind.group``. ``kmodel.dev/v1alpha1`` documents go to
:attr:`LoadResult.extras` unchecked; another ``kmodel.dev`` version is an error.

**YAML decoding.** The YAML is composed with PyYAML (the LibYAML ``CSafeLoader`` when
available) and turned into values here, so that every field knows its line. Kubernetes' strict
decoding is reproduced: **duplicate keys** in a mapping and **unknown fields** are errors. Fields
are checked against the field lists of the structures kmodel reads (``k8s.io/api`` as of
mid-2026, a superset of v1.35; a field added later is an error until added here: metadata, owner references, pod and container specs, ports,
resources, tolerations, taints, node spec, selectors, pod templates, ReplicaSet and Deployment
specs and strategy), not in ``status`` (written by the server) nor in structures kmodel does not
read (``volumes``...). A value of the wrong JSON type is an error (``image: 1.27``
needs quotes, ``replicas: "3"`` must not have them); ``null`` means "not given", as in Go; a
float with no fraction (``replicas: 3.0``) is accepted as an integer, as it is once
``sigs.k8s.io/yaml`` has turned it into JSON. Anchors, aliases and ``<<`` merge keys work.

Scalars are resolved by YAML 1.1 rules, as PyYAML does and as ``sigs.k8s.io/yaml`` (go-yaml v2)
mostly does. Known differences, all in plain (unquoted) scalars: ``y``/``n`` (booleans in
go-yaml, strings here); ``1:30`` (a base-60 integer here, a string in go-yaml); ``1e3`` (a
string here, a float in go-yaml: as a quantity both mean 1000, in an integer field it is an
error here); ``0o17`` (a string here); timestamps are kept as the text written (as go-yaml
does when decoding into JSON). Non-string mapping keys are turned into text (``1`` -> ``"1"``,
``true`` -> ``"true"``). Quote values to be sure.

**What is read, and what is ignored.**

metadata
    ``name``, ``namespace`` (ignored for Nodes and Namespaces, as ``kubectl`` does),
    ``generateName`` (may stand in for ``name`` only for Pods: other kinds must be named, as
    scenarios and reports refer to them by name), ``labels``, ``annotations``,
    ``ownerReferences`` and ``deletionTimestamp`` (present means ``deleting``). Accepted and
    ignored by design, as the API server sets them: ``uid`` (used only to match owner
    references, below), ``resourceVersion``, ``generation``, ``creationTimestamp``,
    ``managedFields``, ``selfLink``, ``deletionGracePeriodSeconds``. Ignored for now:
    ``finalizers``.
ownerReferences
    ``apiVersion``, ``kind``, ``name``, ``controller``, ``blockOwnerDeletion``; ``uid`` may be
    omitted. The model derives UIDs from names (:mod:`kmodel.objects.meta`), so a reference's
    ``uid`` is rewritten to the model's UID of the object it names, except when the input holds
    that object with a different ``metadata.uid``: then the reference names another incarnation
    (it is dangling, as upstream) and keeps its UID.
Pod spec
    ``containers``/``initContainers`` (``name``, ``image``, ``resources.requests``/``limits``
    with cpu in millicores (``MilliValue``) and everything else in whole units (``Value``),
    ``ports``, the sidecar ``restartPolicy: Always`` of init containers), ``nodeName``,
    ``nodeSelector``, ``tolerations``, ``restartPolicy`` (default ``Always``), ``priority``,
    ``priorityClassName``, ``serviceAccountName`` (or the deprecated ``serviceAccount``),
    ``schedulerName`` (default ``default-scheduler``), ``overhead``, ``affinity`` (node affinity
    with every operator and ``matchFields``, pod affinity and anti-affinity with namespaces,
    namespace selectors and match/mismatch label keys), ``topologySpreadConstraints`` (all
    fields), ``preemptionPolicy`` and ports' ``hostPort``/``hostIP`` (validated as upstream's
    ``ValidateAffinity``/``validateTopologySpreadConstraints``: weights 1-100, qualified keys,
    operator/value rules, at least one required node selector term, unique
    ``(topologyKey, whenUnsatisfiable)`` pairs, ``minDomains`` only with ``DoNotSchedule``, label
    keys only beside a ``labelSelector`` and not in it), a container's
    ``lifecycle.preStop.sleep.seconds``, probes' timing and claim volumes
    (:mod:`kmodel.manifests_storage`). Ignored for now: probe handlers, other volume sources,
    ``volumeMounts``, ``env``, ``command``/``args``, other ``lifecycle`` handlers, ``securityContext``,
    ``terminationGracePeriodSeconds``, ``activeDeadlineSeconds``, ``schedulingGates``,
    ``resourceClaims``, pod-level ``resources``, ``runtimeClassName``, host networking, DNS,
    ``ephemeralContainers``, ``readinessGates``.
Pod status
    ``phase``, ``conditions`` (``type``, ``status``, ``reason``; put in the model's canonical
    order), the restart count (the largest ``restartCount`` over ``containerStatuses``) and the
    containers' state: ``"running"`` when every container status is running, else
    ``"terminated"`` when one is terminated, else ``"waiting"``; without ``containerStatuses``
    it follows the phase (Running -> running, Succeeded/Failed -> terminated, else waiting).
    ``podIP`` (or the first of ``podIPs``; IPv4 only). No ``status`` gives the default
    ``PodStatus()``. Ignored: ``hostIP``, ``startTime``, ``qosClass``,
    ``reason``/``message`` (e.g. ``Evicted``), ``nominatedNodeName``, ``initContainerStatuses``
    (except the largest ``restartCount`` of the sidecar containers, which ranks pods for a
    ReplicaSet scale-down) and container status detail (``lastState``, ``ready``, images).
Node
    ``spec.unschedulable``, ``spec.taints`` (``timeAdded`` ignored), ``status.capacity``,
    ``status.allocatable`` (equal to capacity when absent), ``status.conditions``; labels such
    as ``topology.kubernetes.io/zone`` come with metadata. When neither capacity nor allocatable
    gives ``pods``, ``pods: 110`` is assumed (the kubelet's default ``maxPods``). Without
    ``status.conditions`` the node is Ready (the model's default, so that hand-written nodes
    work); ``conditions: []`` means no condition (not Ready). Ignored: addresses, ``nodeInfo``,
    images, ``podCIDR``, ``providerID``.
ReplicaSet, Deployment
    ``replicas`` (``None`` when omitted), ``selector`` (``matchLabels``, ``matchExpressions``),
    ``template`` (``metadata.labels``/``annotations`` and the pod spec), ``minReadySeconds``;
    Deployments also ``strategy`` (``type``, ``rollingUpdate.maxSurge``/``maxUnavailable`` as an
    integer or a percentage string), ``revisionHistoryLimit``, ``progressDeadlineSeconds``,
    ``paused`` (all ``None`` or unset when omitted). Status: the replica counts,
    ``observedGeneration`` and (ReplicaSet) conditions; ``terminatingReplicas``,
    ``collisionCount`` and Deployment conditions are ignored.
Namespace
    metadata and ``status.phase``.

**Validation** (upstream's, where kmodel relies on it): required fields; integer ranges
(``replicas >= 0``, int32 bounds, ports); enumerations (restart policy, pod phase, taint
effect, toleration operator and its key/value/``tolerationSeconds`` rules, selector operator
and its values, strategy type, condition status, port protocol); quantities
(``ParseQuantity``, non-negative, requests not above limits); unique container names, taints
and controller references; a non-empty selector that matches the template's labels and
``restartPolicy: Always`` in ReplicaSet and Deployment templates; the rolling-update bounds and
``progressDeadlineSeconds > minReadySeconds``; duplicate objects (same kind, namespace and
name, ``""`` counting as ``"default"``) across all inputs, naming both places. Not validated:
the syntax of names, label keys and values, and resource names; that images are given.

Examples
--------
>>> import io
>>> text = '''
... apiVersion: v1
... kind: Node
... metadata: {name: worker-a}
... status:
...   allocatable: {cpu: "2", memory: 4Gi}
... ---
... apiVersion: apps/v1
... kind: ReplicaSet
... metadata: {name: web}
... spec:
...   selector: {matchLabels: {app: web}}
...   template:
...     metadata: {labels: {app: web}}
...     spec:
...       containers:
...         - {name: web, image: "nginx:1.27", resources: {requests: {cpu: 250m}}}
... ---
... apiVersion: monitoring.coreos.com/v1
... kind: ServiceMonitor
... metadata: {name: web}
... '''
>>> result = load(["-"], stdin=io.StringIO(text))
>>> [str(o.ref) for o in result.objects]  # the namespace is set on admission
['Node/worker-a', 'ReplicaSet/web']
>>> result.objects[0].status.allocatable
(('cpu', 2000), ('memory', 4294967296), ('pods', 110))
>>> rs = result.objects[1]
>>> rs.spec.replicas is None, rs.spec.template.spec.containers[0].requests
(True, (('cpu', 250),))
>>> result.sources[rs.ref], result.skipped
(Source(file='-', line=8, document=2), {'ServiceMonitor': 1})
>>> bad = "apiVersion: v1\\nkind: Pod\\nmetadata: {name: x}\\nspec:\\n  containers:\\n  - {name: a, image: 1.27}\\n"
>>> try:
...     load(["-"], stdin=io.StringIO(bad))
... except InvalidManifest as err:
...     print(err.line, err.field)
...     print(err)
6 spec.containers[0].image
-:6: document 1: spec.containers[0].image: expected a string, got a number (1.27); quote it to make it a string
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NoReturn, TextIO

import yaml
from yaml.nodes import MappingNode, Node as _YamlNode, ScalarNode, SequenceNode

from kmodel.errors import InvalidManifest
from kmodel.objects.meta import (
    LabelSelector,
    LabelSelectorRequirement,
    Namespace,
    ObjectMeta,
    ObjectRef,
    OwnerReference,
    replace,
    uid_for,
)
from kmodel.objects.affinity import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PodAntiAffinity,
    PreferredSchedulingTerm,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
    label_key_error,
)
from kmodel.objects.nodes import Node, NodeCondition, NodeSpec, NodeStatus, Resources, Taint, Toleration
from kmodel.objects.quantity import quantity_from_yaml
from kmodel.objects.workloads import (
    RUNNING,
    TERMINATED,
    WAITING,
    Container,
    ContainerPort,
    Deployment,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetCondition,
    ReplicaSetSpec,
    ReplicaSetStatus,
)
from kmodel.state import CLUSTER_SCOPED_KINDS
from kmodel.manifests_networking import READERS as _NETWORK_READERS, ROOT_FIELDS as _NETWORK_ROOT_FIELDS
from kmodel import manifests_storage as _storage
from kmodel import manifests_policy as _policy
from kmodel import manifests_autoscaling as _autoscaling

__all__ = ["load", "LoadResult", "Source", "Document"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_EXTENSIONS = (".yaml", ".yml", ".json")
_KMODEL_API_VERSION = "kmodel.dev/v1alpha1"
_KMODEL_GROUP = "kmodel.dev"
_DEFAULT_MAX_PODS = 110

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT, _MERGE = (_TAG + t for t in ("str", "null", "bool", "int", "float", "merge"))

#: kind -> accepted apiVersion
_KINDS = {"Namespace": "v1", "Node": "v1", "Pod": "v1", "ReplicaSet": "apps/v1", "Deployment": "apps/v1",
          "Service": "v1", "Endpoints": "v1", "EndpointSlice": "discovery.k8s.io/v1",
          "Ingress": "networking.k8s.io/v1", "IngressClass": "networking.k8s.io/v1",
          **_storage.KINDS,  # storage and access kinds: kmodel.manifests_storage
          **_policy.KINDS,  # PodDisruptionBudget: kmodel.manifests_policy
          **_autoscaling.KINDS}  # HorizontalPodAutoscaler: kmodel.manifests_autoscaling
_REMOVED = {
    ("ReplicaSet", "extensions/v1beta1"): "1.16",
    ("ReplicaSet", "apps/v1beta2"): "1.16",
    ("Deployment", "extensions/v1beta1"): "1.16",
    ("Deployment", "apps/v1beta1"): "1.16",
    ("Deployment", "apps/v1beta2"): "1.16",
    ("Ingress", "extensions/v1beta1"): "1.22",
    ("Ingress", "networking.k8s.io/v1beta1"): "1.22",
    ("IngressClass", "networking.k8s.io/v1beta1"): "1.22",
    ("EndpointSlice", "discovery.k8s.io/v1beta1"): "1.25",
    **_policy.REMOVED,
    **_autoscaling.REMOVED,
}
_NAMESPACED = frozenset({"Pod", "ReplicaSet", "Deployment", "Service", "Endpoints", "EndpointSlice", "Ingress",
                         "PersistentVolumeClaim", "ServiceAccount", "Secret", "ConfigMap", "PodDisruptionBudget",
                         "HorizontalPodAutoscaler"})

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
_NAMESPACE_PHASES = ("Active", "Terminating")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_TOLERATION_OPERATORS = ("Equal", "Exists")
_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_STRATEGY_TYPES = ("RollingUpdate", "Recreate")
_CONDITION_STATUSES = ("True", "False", "Unknown")
_PROTOCOLS = ("TCP", "UDP", "SCTP")
#: The order kmodel.api keeps pod conditions in (``_sorted_conditions``).
_POD_CONDITION_ORDER = {"PodScheduled": 0, "Initialized": 1, "ContainersReady": 2, "Ready": 3}

# Field lists (JSON names, k8s.io/api main branch of mid-2026, a superset of v1.35) for the unknown-field
# check. A field Kubernetes adds later must be added here, or manifests that use it are refused.
_ROOT_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
_META_FIELDS = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
                "annotations", "ownerReferences", "finalizers", "managedFields")
_OWNER_FIELDS = ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")
_POD_SPEC_FIELDS = (
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork",
    "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
    "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName",
    "priority", "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks",
    "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers",
    "schedulingGates", "resourceClaims", "resources", "hostnameOverride", "workloadRef",
    "schedulingGroup", "evictionResponders")
_CONTAINER_FIELDS = (
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty")
_PORT_FIELDS = ("name", "hostPort", "containerPort", "protocol", "hostIP")
_RESOURCES_FIELDS = ("limits", "requests", "claims")
_TOLERATION_FIELDS = ("key", "operator", "value", "effect", "tolerationSeconds")
_TAINT_FIELDS = ("key", "value", "effect", "timeAdded")
_NODE_SPEC_FIELDS = ("podCIDR", "podCIDRs", "providerID", "unschedulable", "taints", "configSource",
                     "externalID", "podPreemptionPolicy")
_TEMPLATE_FIELDS = ("metadata", "spec")
_SELECTOR_FIELDS = ("matchLabels", "matchExpressions")
_REQUIREMENT_FIELDS = ("key", "operator", "values")
_RS_SPEC_FIELDS = ("replicas", "minReadySeconds", "selector", "template")
_DEPLOYMENT_SPEC_FIELDS = ("replicas", "selector", "template", "strategy", "minReadySeconds",
                           "revisionHistoryLimit", "paused", "progressDeadlineSeconds")
_STRATEGY_FIELDS = ("type", "rollingUpdate")
_ROLLING_UPDATE_FIELDS = ("maxUnavailable", "maxSurge")
_AFFINITY_FIELDS = ("nodeAffinity", "podAffinity", "podAntiAffinity")
_NODE_AFFINITY_FIELDS = ("requiredDuringSchedulingIgnoredDuringExecution",
                         "preferredDuringSchedulingIgnoredDuringExecution")
_POD_AFFINITY_FIELDS = _NODE_AFFINITY_FIELDS
_NODE_SELECTOR_FIELDS = ("nodeSelectorTerms",)
_NODE_SELECTOR_TERM_FIELDS = ("matchExpressions", "matchFields")
_PREFERRED_TERM_FIELDS = ("weight", "preference")
_POD_AFFINITY_TERM_FIELDS = ("labelSelector", "namespaces", "topologyKey", "namespaceSelector",
                             "matchLabelKeys", "mismatchLabelKeys")
_WEIGHTED_POD_AFFINITY_TERM_FIELDS = ("weight", "podAffinityTerm")
_SPREAD_FIELDS = ("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains",
                  "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys")
_NODE_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_UNSATISFIABLE_ACTIONS = ("DoNotSchedule", "ScheduleAnyway")
_INCLUSION_POLICIES = ("Honor", "Ignore")
_PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
_PERCENT = re.compile(r"[0-9]+%")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PATH_PART = re.compile(r'\.?([A-Za-z0-9_/-]+)|\[(\d+)\]|\["([^"]+)"\]')


@dataclass(frozen=True)
class Source:
    """Where an object came from.

    Parameters
    ----------
    file : str
        The file as the user named it (``"-"`` for standard input; for a file found in a
        directory, the directory as given joined with the file's relative path).
    line : int
        1-based line where the object's mapping starts.
    document : int
        1-based index of the YAML document within the file (a ``List``'s items share it).
    """

    file: str
    line: int
    document: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line} (document {self.document})"


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load` read.

    Attributes
    ----------
    objects : tuple
        The kmodel objects (Namespace, Node, Pod, ReplicaSet, Deployment), in input order.
    sources : dict
        ``ObjectRef -> Source``. Keys are the references objects get on admission (namespace
        ``"default"`` for a namespaced object that names none); a look-up with namespace ``""``
        finds them too. Pods named only by ``generateName`` have no entry (no name yet).
    skipped : dict
        ``kind -> count`` of the objects of kinds kmodel does not model.
    extras : tuple
        ``(Source, dict)`` for each document of ``kmodel.dev/v1alpha1`` (plain dicts and lists),
        for the caller to interpret (e.g. ``kind: Scenario``).
    """

    objects: tuple[Any, ...]
    sources: dict[ObjectRef, Source]
    skipped: dict[str, int] = field(default_factory=dict)
    extras: tuple[tuple[Source, dict[str, Any]], ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Document:
    """One Kubernetes object as written, of any kind (modelled or skipped), for checks that read
    fields kmodel does not model (a Service's selector, a ConfigMap reference in a volume).

    ``body`` is the decoded mapping (dicts and lists); :meth:`line` gives the 1-based line of a
    field by its dotted path (``spec.template.spec.volumes[0].configMap.name``), or of the
    closest enclosing field that exists.

    Examples
    --------
    >>> import io
    >>> text = "apiVersion: v1\\nkind: Service\\nmetadata:\\n  name: web\\nspec:\\n  selector:\\n    app: web\\n  ports: [{port: 80}]\\n"
    >>> doc = load(["-"], stdin=io.StringIO(text)).documents[0]
    >>> doc.kind, doc.name, doc.namespace, doc.line("spec.selector.app"), doc.get("spec.selector")
    ('Service', 'web', 'default', 7, {'app': 'web'})
    """

    source: Source
    api_version: str
    kind: str
    name: str
    namespace: str
    body: Any = field(repr=False, compare=False)

    def _walk(self, path: str) -> tuple[Any, int]:
        node, line = self.body, self.source.line
        for part in _PATH_PART.findall(path):
            key, index, quoted = part
            key = key or quoted
            if key:
                if not isinstance(node, dict) or key not in node:
                    return None, line
                line = getattr(node, "key_lines", {}).get(key, line)
                node = node[key]
            else:
                i = int(index)
                if not isinstance(node, list) or i >= len(node):
                    return None, line
                lines = getattr(node, "item_lines", None)
                line = lines[i] if lines else line
                node = node[i]
        return node, line

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path (``None``/``default`` when absent), as plain data."""
        value, _ = self._walk(path)
        return default if value is None else _plain(value, {})

    def line(self, path: str) -> int:
        """The line of the field at ``path`` (or of its closest existing ancestor)."""
        return self._walk(path)[1]


class _Sources(dict):  # type: ignore[type-arg]
    """``ObjectRef -> Source`` that also answers for the pre-admission namespace ``""``."""

    @staticmethod
    def _alt(key: Any) -> Any:
        if isinstance(key, ObjectRef) and key.namespace == "" and key.kind in _NAMESPACED:
            return ObjectRef(key.kind, "default", key.name)
        return None

    def __missing__(self, key: Any) -> Source:
        alt = self._alt(key)
        if alt is not None and dict.__contains__(self, alt):
            return dict.__getitem__(self, alt)  # type: ignore[no-any-return]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        alt = self._alt(key)
        return alt is not None and dict.__contains__(self, alt)


# --- YAML nodes to values, with lines ------------------------------------------------------


class _Map(dict):  # type: ignore[type-arg]
    """A mapping from the input; ``key_lines[key]`` is the 1-based line of the key."""

    __slots__ = ("key_lines",)


class _Seq(list):  # type: ignore[type-arg]
    """A sequence from the input; ``item_lines[i]`` is the 1-based line of item ``i``."""

    __slots__ = ("item_lines",)


def _join(path: str, key: str) -> str:
    part = key if _PLAIN_KEY.fullmatch(key) else f'["{key}"]'
    if not path:
        return part
    return f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


def _line(node: _YamlNode) -> int:
    return int(node.start_mark.line) + 1


class _Ctx:
    """The file and document being read, for errors."""

    __slots__ = ("file", "document")

    def __init__(self, file: str, document: int) -> None:
        self.file = file
        self.document = document

    def fail(self, message: str, path: str | None, line: int | None) -> NoReturn:
        raise InvalidManifest(message, file=self.file, line=line, document=self.document, field=path or None)

    def source(self, line: int) -> Source:
        return Source(self.file, line, self.document)


class _Builder:
    """Turns one document's nodes into :class:`_Map`, :class:`_Seq` and scalars."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx
        self.done: dict[int, Any] = {}
        self.active: set[int] = set()

    def build(self, node: _YamlNode, path: str, line: int | None = None) -> Any:
        """The value of ``node``; ``line`` is where it is used (an alias has its anchor's mark)."""
        if isinstance(node, ScalarNode):
            return _scalar(node)
        key = id(node)
        if key in self.done:
            return self.done[key]
        if key in self.active:
            self.ctx.fail("an alias refers to a node that contains it (recursive anchor)", path,
                          line or _line(node))
        self.active.add(key)
        if isinstance(node, SequenceNode):
            value: Any = self._sequence(node, path)
        else:
            value = self._mapping(node, path)
        self.active.discard(key)
        self.done[key] = value
        return value

    def _sequence(self, node: SequenceNode, path: str) -> _Seq:
        seq = _Seq()
        seq.item_lines = []
        for i, child in enumerate(node.value):
            seq.append(self.build(child, f"{path}[{i}]", _line(child)))
            seq.item_lines.append(_line(child))
        return seq

    def _mapping(self, node: MappingNode, path: str) -> _Map:
        out = _Map()
        out.key_lines = {}
        merges = []
        for knode, vnode in node.value:
            if knode.tag == _MERGE:
                merges.append((knode, vnode))
                continue
            kline = _line(knode)
            if not isinstance(knode, ScalarNode):
                self.ctx.fail("a mapping key must be a plain value, not a list or mapping", path, kline)
            key = _key_text(knode)
            kpath = _join(path, key)
            if key in out.key_lines:
                self.ctx.fail(f"duplicate key {key!r} (first at line {out.key_lines[key]}); Kubernetes' "
                              "strict decoding rejects duplicate fields", kpath, kline)
            out[key] = self.build(vnode, kpath, kline)
            out.key_lines[key] = kline
        for knode, vnode in merges:
            sources = vnode.value if isinstance(vnode, SequenceNode) else [vnode]
            for src in sources:
                if not isinstance(src, MappingNode):
                    self.ctx.fail("a merge key (<<) takes a mapping or a list of mappings", path, _line(knode))
                merged = self.build(src, path, _line(knode))
                for k, v in merged.items():
                    if k not in out:
                        out[k] = v
                        out.key_lines[k] = merged.key_lines[k]
        return out


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _CONSTRUCTOR.construct_yaml_bool(node)
    if tag == _INT:
        return _CONSTRUCTOR.construct_yaml_int(node)
    if tag == _FLOAT:
        return _CONSTRUCTOR.construct_yaml_float(node)
    # Timestamps, binary and application tags: the text as written (what go-yaml gives JSON).
    return node.value


def _key_text(node: ScalarNode) -> str:
    value = _scalar(node)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return str(node.value)


def _plain(value: Any, memo: dict[int, Any]) -> Any:
    """A :class:`_Map`/:class:`_Seq` tree as plain dicts and lists (shared nodes stay shared)."""
    if not isinstance(value, (dict, list)):
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    if isinstance(value, dict):
        out: Any = {}
        memo[key] = out
        for k, v in value.items():
            out[k] = _plain(v, memo)
    else:
        out = []
        memo[key] = out
        out.extend(_plain(v, memo) for v in value)
    return out


# --- typed access to located mappings -----------------------------------------------------


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({text!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Obj:
    """A mapping of the input with its field path and the line that names it."""

    __slots__ = ("ctx", "d", "path", "line")

    def __init__(self, ctx: _Ctx, d: _Map, path: str, line: int) -> None:
        self.ctx = ctx
        self.d = d
        self.path = path
        self.line = line

    # where things are
    def path_of(self, key: str) -> str:
        return _join(self.path, key)

    def line_of(self, key: str) -> int:
        return self.d.key_lines.get(key, self.line) if isinstance(self.d, _Map) else self.line

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        if key is None:
            self.ctx.fail(message, self.path, self.line)
        self.ctx.fail(message, self.path_of(key), self.line_of(key))

    def has(self, key: str) -> bool:
        return self.d.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.d.get(key)

    def known(self, allowed: Sequence[str]) -> None:
        for key in self.d:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail(f"unknown field {key!r}{hint}; Kubernetes' strict field validation rejects it", key)

    # typed values
    def str(self, key: str, default: str = "", *, required: bool = False) -> str:
        value = self.d.get(key)
        if value is None:
            if required:
                self.fail("required field is missing", key)
            return default
        if not isinstance(value, str):
            self.fail(f"expected a string, got {_what(value)}; quote it to make it a string", key)
        if required and not value:
            self.fail("required field is empty", key)
        return value

    def int(self, key: str, default: int | None = None, *, minimum: int | None = None,
            bits: int = 32, required: bool = False) -> int | None:
        value = self.d.get(key)
        if value is None:
            if required:
                self.fail("required field is missing", key)
            return default
        number = _as_int(value)
        if number is None:
            self.fail(f"expected an integer, got {_what(value)}", key)
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        if not low <= number <= high:
            self.fail(f"{number} is out of range for a {bits}-bit integer", key)
        if minimum is not None and number < minimum:
            self.fail(f"must be greater than or equal to {minimum}, got {number}", key)
        return number

    def count(self, key: str) -> int:
        """A non-negative int32 that defaults to 0 (status counters)."""
        value = self.int(key, 0, minimum=0)
        assert value is not None
        return value

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.d.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"expected a boolean (true or false), got {_what(value)}", key)
        return value

    def enum(self, key: str, allowed: Sequence[str], default: str, *, required: bool = False) -> str:
        value = self.str(key, "", required=required)
        if value == "":
            return default
        if value not in allowed:
            self.fail(f"unsupported value {value!r} (supported: {', '.join(allowed)})", key)
        return value

    def map(self, key: str, *, required: bool = False) -> _Obj:
        value = self.d.get(key)
        if value is None:
            if required:
                self.fail("required field is missing", key)
            empty = _Map()
            empty.key_lines = {}
            return _Obj(self.ctx, empty, self.path_of(key), self.line_of(key))
        if not isinstance(value, dict):
            self.fail(f"expected a mapping, got {_what(value)}", key)
        return _Obj(self.ctx, value, self.path_of(key), self.line_of(key))

    def list(self, key: str) -> list[tuple[Any, str, int]]:
        """``(item, path, line)`` for each item of the list at ``key`` (absent: empty)."""
        value = self.d.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"expected a list, got {_what(value)}", key)
        base = self.path_of(key)
        lines = getattr(value, "item_lines", None) or [self.line_of(key)] * len(value)
        return [(item, f"{base}[{i}]", lines[i]) for i, item in enumerate(value)]

    def objs(self, key: str) -> list[_Obj]:
        """The list at ``key``, each item a mapping."""
        out = []
        for item, path, line in self.list(key):
            if not isinstance(item, dict):
                self.ctx.fail(f"expected a mapping, got {_what(item)}", path, line)
            out.append(_Obj(self.ctx, item, path, line))
        return out

    def strings(self, key: str) -> tuple[str, ...]:
        out = []
        for item, path, line in self.list(key):
            if not isinstance(item, str):
                self.ctx.fail(f"expected a string, got {_what(item)}; quote it to make it a string", path, line)
            out.append(item)
        return tuple(out)

    def str_map(self, key: str) -> tuple[tuple[str, str], ...]:
        """A ``string -> string`` mapping (labels, annotations, nodeSelector) as sorted pairs."""
        m = self.map(key)
        for k, v in m.d.items():
            if v is not None and not isinstance(v, str):
                m.fail(f"expected a string, got {_what(v)}; quote it to make it a string", k)
        return tuple(sorted((k, v if v is not None else "") for k, v in m.d.items()))

    def resources(self, key: str) -> tuple[Resources, dict[str, Fraction]]:
        """A resource list in model units (cpu in millicores), and the exact amounts."""
        m = self.map(key)
        units: list[tuple[str, int]] = []
        exact: dict[str, Fraction] = {}
        for name, value in m.d.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                m.fail(f"expected a quantity (a string such as '500m' or '1Gi', or a number), "
                       f"got {_what(value)}", name)
            try:
                quantity = quantity_from_yaml(value)
            except (ValueError, TypeError) as exc:
                reason = str(exc)
                quantity = None
            if quantity is None:
                prefix = f"quantity '{value}': "
                reason = reason[len(prefix):] if reason.startswith(prefix) else reason
                m.fail(f"invalid quantity {value!r}: {reason}", name)
            if quantity.amount < 0:
                m.fail(f"must be greater than or equal to 0, got {value!r}", name)
            units.append((name, quantity.milli_value() if name == "cpu" else quantity.value()))
            exact[name] = quantity.amount
        return tuple(sorted(units)), exact


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --- objects -------------------------------------------------------------------------------


@dataclass
class _Pending:
    """Owner references whose UIDs are fixed once every input is read."""

    index: int
    namespace: str  # the dependent's namespace as admitted
    uids: tuple[str, ...]  # the UIDs as written ("" when omitted)


class _Loader:
    def __init__(self, read_objects: bool = True) -> None:
        self.read_objects = read_objects
        self.objects: list[Any] = []
        self.sources = _Sources()
        self.skipped: dict[str, int] = {}
        self.extras: list[tuple[Source, dict[str, Any]]] = []
        self.seen: dict[tuple[str, str, str], Source] = {}
        self.manifest_uids: dict[ObjectRef, str] = {}
        self.pending: list[_Pending] = []
        self.documents: list[Document] = []

    # -- inputs ------------------------------------------------------------------------------
    def path(self, path: str, stdin: TextIO | None) -> None:
        if path == "-":
            stream = stdin if stdin is not None else sys.stdin
            try:
                text = stream.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidManifest(f"cannot read standard input: {exc}", file="-") from None
            self.text(text, "-")
            return
        if os.path.isdir(path):
            for file in _walk(path):
                self.file(file)
            return
        if not os.path.exists(path):
            raise InvalidManifest("no such file or directory", file=path)
        self.file(path)

    def file(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise InvalidManifest(f"cannot read: {exc.strerror or exc}", file=path) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InvalidManifest(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                  file=path, line=line) from None
        if path.endswith(".json"):
            # JSON allows tabs between tokens; PyYAML's pure-Python scanner does not. A literal tab
            # cannot occur inside a JSON string, so replacing them changes no value or line.
            text = text.replace("\t", " ")
        self.text(text, path)

    def text(self, text: str, file: str) -> None:
        docs = yaml.compose_all(text, Loader=_LOADER)
        index = 0
        while True:
            try:
                node = next(docs)
            except StopIteration:
                break
            except yaml.YAMLError as exc:
                raise _yaml_error(exc, file, index + 1, text) from None
            index += 1
            ctx = _Ctx(file, index)
            value = _Builder(ctx).build(node, "")
            if value is None:
                continue  # an empty document: not an object
            if not isinstance(value, dict):
                ctx.fail(f"a document must be a mapping (a Kubernetes object), got {_what(value)}",
                         None, _line(node))
            self.document(_Obj(ctx, value, "", _line(node)))

    # -- documents ---------------------------------------------------------------------------
    def document(self, o: _Obj, list_kind: str = "", list_api_version: str = "") -> None:
        if list_kind and not o.has("kind") and not o.has("apiVersion"):
            # Items of a typed list (PodList from the API) do not repeat their kind.
            kind, api_version = list_kind, list_api_version
        else:
            api_version = o.str("apiVersion", required=True)
            kind = o.str("kind", required=True)
        if kind == "List" or (kind.endswith("List") and "items" in o.d):
            item_kind = kind[: -len("List")] if kind != "List" else ""
            for item in o.objs("items"):
                self.document(item, item_kind, api_version)
            return
        source = o.ctx.source(o.line)
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if group != _KMODEL_GROUP:
            self.documents.append(_document(o, source, api_version, kind))
        if group == _KMODEL_GROUP:
            if api_version != _KMODEL_API_VERSION:
                o.fail(f"unsupported apiVersion {api_version!r} (kmodel reads {_KMODEL_API_VERSION})",
                       "apiVersion")
            self.extras.append((source, _plain(o.d, {})))
            return
        if kind not in _KINDS:
            self.skip(kind)
            return
        if not self.read_objects:
            return  # documents only (kmodel check's assumption files)
        if api_version != _KINDS[kind] and (kind, api_version) not in _autoscaling.ALSO_SERVED:
            removed = _REMOVED.get((kind, api_version))
            if removed is not None:
                o.fail(f"{api_version} {kind} was removed in Kubernetes {removed}; use apiVersion: "
                       f"{_KINDS[kind]}", "apiVersion")
            if "." in group and not group.endswith(".k8s.io"):
                self.skip(f"{kind}.{group}")  # a custom resource that shares the name
                return
            o.fail(f"unsupported apiVersion {api_version!r} for {kind} (kmodel reads "
                   f"{_KINDS[kind]})", "apiVersion")
        o.known(_NETWORK_ROOT_FIELDS.get(kind) or _storage.ROOT_FIELDS.get(kind, _ROOT_FIELDS))  # kinds without spec
        obj, uid, owner_uids = _OBJECT_READERS[kind](o)
        self.add(obj, source, o, uid, owner_uids)

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def add(self, obj: Any, source: Source, o: _Obj, uid: str, owner_uids: tuple[str, ...]) -> None:
        meta: ObjectMeta = obj.metadata
        namespace = (meta.namespace or "default") if obj.kind in _NAMESPACED else ""
        if meta.name:
            key = (obj.kind, namespace, meta.name)
            first = self.seen.get(key)
            where = o.map("metadata")
            if first is not None:
                shown = f"{namespace}/{meta.name}" if namespace else meta.name
                where.fail(f"duplicate {obj.kind} {shown}: already defined at {first}", "name")
            self.seen[key] = source
            ref = ObjectRef(obj.kind, namespace, meta.name)
            self.sources[ref] = source
            if uid:
                self.manifest_uids[ref] = uid
        if owner_uids:
            self.pending.append(_Pending(len(self.objects), namespace, owner_uids))
        self.objects.append(obj)

    def result(self) -> LoadResult:
        for p in self.pending:
            obj = self.objects[p.index]
            refs = []
            for ref, written in zip(obj.metadata.owner_references, p.uids):
                owner_ns = "" if ref.kind in CLUSTER_SCOPED_KINDS else p.namespace
                actual = self.manifest_uids.get(ObjectRef(ref.kind, owner_ns, ref.name))
                if written and actual and written != actual:
                    uid = written  # names another incarnation of the owner: dangling
                else:
                    uid = uid_for(ref.kind, owner_ns, ref.name)
                refs.append(replace(ref, uid=uid))
            self.objects[p.index] = replace(obj, metadata=replace(obj.metadata, owner_references=tuple(refs)))
        return LoadResult(tuple(self.objects), self.sources, self.skipped, tuple(self.extras),
                          tuple(self.documents))


def _document(o: _Obj, source: Source, api_version: str, kind: str) -> Document:
    meta = o.d.get("metadata")
    name = namespace = ""
    if isinstance(meta, dict):
        name = meta.get("name") if isinstance(meta.get("name"), str) else ""
        namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
    if kind not in CLUSTER_SCOPED_KINDS and not namespace:
        namespace = "default"
    if kind in CLUSTER_SCOPED_KINDS:
        namespace = ""
    return Document(source, api_version, kind, name or "", namespace or "", o.d)


def _walk(directory: str) -> Iterator[str]:
    found = []

    def onerror(exc: OSError) -> None:
        raise InvalidManifest(f"cannot read directory: {exc.strerror or exc}",
                              file=exc.filename or directory) from None

    for root, dirs, files in os.walk(directory, onerror=onerror):
        dirs.sort()
        for name in files:
            if name.endswith(_EXTENSIONS):
                found.append(os.path.join(root, name))
    found.sort(key=lambda p: os.path.relpath(p, directory).split(os.sep))
    return iter(found)


def _yaml_error(exc: yaml.YAMLError, file: str, document: int, text: str) -> InvalidManifest:
    line = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line = mark.line + 1
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "invalid YAML: " + (", ".join(parts) if parts else str(exc))
        ctx = exc.context_mark
        if ctx is not None and exc.problem_mark is not None and ctx.line != exc.problem_mark.line:
            message += f" (the construct began at line {ctx.line + 1})"
    elif isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        message = f"invalid YAML: {exc.reason} (character {exc.character!r})"
    else:
        message = f"invalid YAML: {exc}"
    return InvalidManifest(message, file=file, line=line, document=document)


# --- kinds ----------------------------------------------------------------------------------


def _metadata(o: _Obj, kind: str, *, generate_name: bool = False) -> tuple[ObjectMeta, str, tuple[str, ...]]:
    """``metadata`` -> (ObjectMeta, uid as written, owner UIDs as written)."""
    if not o.has("metadata"):
        o.ctx.fail("required field is missing (there is no metadata)", o.path_of("metadata") + ".name", o.line)
    m = o.map("metadata")
    m.known(_META_FIELDS)
    name = m.str("name")
    generate = m.str("generateName")
    if not name:
        if not generate:
            m.fail("required field is missing" + (" (or set metadata.generateName)" if generate_name else ""),
                   "name")
        if not generate_name:
            m.fail(f"kmodel accepts generateName only for Pods: a {kind} needs metadata.name, as scenarios "
                   "and reports refer to it by name", "generateName")
    namespace = m.str("namespace") if kind in _NAMESPACED else ""
    owners = []
    uids = []
    for r in m.objs("ownerReferences"):
        r.known(_OWNER_FIELDS)
        owners.append(OwnerReference(
            api_version=r.str("apiVersion", required=True),
            kind=r.str("kind", required=True),
            name=r.str("name", required=True),
            uid="",
            controller=r.bool("controller"),
            block_owner_deletion=r.bool("blockOwnerDeletion"),
        ))
        uids.append(r.str("uid"))
    if sum(1 for r in owners if r.controller) > 1:
        m.fail("only one reference can have controller set to true", "ownerReferences")
    meta = ObjectMeta(
        name=name,
        namespace=namespace,
        generate_name=generate,
        labels=m.str_map("labels"),
        annotations=m.str_map("annotations"),
        owner_references=tuple(owners),
        deleting=m.has("deletionTimestamp"),
    )
    return meta, m.str("uid"), tuple(uids)


def _conditions(s: _Obj, cls: Any) -> tuple[Any, ...]:
    out = []
    for c in s.objs("conditions"):
        out.append(cls(c.str("type", required=True),
                       c.enum("status", _CONDITION_STATUSES, "", required=True),
                       c.str("reason")))
    return tuple(out)


def _read_namespace(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _metadata(o, "Namespace")
    o.map("spec").known(("finalizers",))
    phase = o.map("status").enum("phase", _NAMESPACE_PHASES, "Active")
    return Namespace(meta, phase), uid, owners


def _read_node(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _metadata(o, "Node")
    spec = o.map("spec")
    spec.known(_NODE_SPEC_FIELDS)
    taints = []
    seen: dict[tuple[str, str], str] = {}
    for t in spec.objs("taints"):
        t.known(_TAINT_FIELDS)
        taint = Taint(t.str("key", required=True), t.enum("effect", _TAINT_EFFECTS, "", required=True),
                      t.str("value"))
        if (taint.key, taint.effect) in seen:
            t.fail(f"taints must be unique by key and effect; {taint.key}:{taint.effect} is also at "
                   f"{seen[(taint.key, taint.effect)]}")
        seen[(taint.key, taint.effect)] = t.path
        taints.append(taint)
    status = o.map("status")
    capacity, _ = status.resources("capacity")
    if status.has("allocatable"):
        allocatable, _ = status.resources("allocatable")
    else:
        allocatable = capacity
    if not any(k == "pods" for k, _ in capacity) and not any(k == "pods" for k, _ in allocatable):
        allocatable = tuple(sorted(allocatable + (("pods", _DEFAULT_MAX_PODS),)))
        if capacity:
            capacity = tuple(sorted(capacity + (("pods", _DEFAULT_MAX_PODS),)))
    if status.raw("conditions") is not None:
        node_status = NodeStatus(capacity, allocatable, _conditions(status, NodeCondition))
    else:
        node_status = NodeStatus(capacity, allocatable)
    node = Node(meta, NodeSpec(spec.bool("unschedulable"), tuple(taints)), node_status)
    return node, uid, owners


def _container(c: _Obj, *, init: bool) -> tuple[Container, str]:
    c.known(_CONTAINER_FIELDS)
    name = c.str("name", required=True)
    resources = c.map("resources")
    resources.known(_RESOURCES_FIELDS)
    requests, exact_requests = resources.resources("requests")
    limits, exact_limits = resources.resources("limits")
    req_map = resources.map("requests")
    for res, amount in exact_requests.items():
        limit = exact_limits.get(res)
        if limit is not None and amount > limit:
            req_map.fail(f"must be less than or equal to {res} limit of {resources.map('limits').raw(res)}", res)
    ports = []
    for p in c.objs("ports"):
        p.known(_PORT_FIELDS)
        number = p.int("containerPort", required=True)
        assert number is not None
        if not 1 <= number <= 65535:
            p.fail(f"must be between 1 and 65535, inclusive, got {number}", "containerPort")
        host_port = p.int("hostPort", 0)
        assert host_port is not None
        if not 0 <= host_port <= 65535:
            p.fail(f"must be between 0 and 65535, inclusive, got {host_port}", "hostPort")
        host_ip = p.str("hostIP")
        if host_ip:
            try:
                ipaddress.ip_address(host_ip)
            except ValueError:
                p.fail(f"must be a valid IP address, got {host_ip!r}", "hostIP")
        ports.append(ContainerPort(number, p.str("name"), p.enum("protocol", _PROTOCOLS, "TCP"), host_port,
                                   host_ip))
    restart_policy = ""
    if c.has("restartPolicy"):
        if not init:
            c.fail("only init containers may set restartPolicy (the ContainerRestartRules feature "
                   "is not enabled by default)", "restartPolicy")
        restart_policy = c.enum("restartPolicy", ("Always",), "")
    container = Container(name, c.str("image"), requests, limits, tuple(ports), restart_policy,
                          _pre_stop_sleep(c), _storage.probe(c, "livenessProbe"),
                          _storage.probe(c, "readinessProbe"), _storage.probe(c, "startupProbe"))
    return container, c.path


def _optional_selector(o: _Obj, key: str) -> LabelSelector | None:
    """A ``metav1.LabelSelector`` that may be absent (``None``: nil) or empty (matches everything)."""
    if not o.has(key):
        return None
    return _selector_fields(o.map(key))


def _selector_fields(s: _Obj) -> LabelSelector:
    """The fields of a ``metav1.LabelSelector`` mapping, validated as upstream does."""
    s.known(_SELECTOR_FIELDS)
    requirements = []
    for r in s.objs("matchExpressions"):
        r.known(_REQUIREMENT_FIELDS)
        operator = r.enum("operator", _SELECTOR_OPERATORS, "", required=True)
        values = r.strings("values")
        if operator in ("In", "NotIn") and not values:
            r.fail(f"values must be non-empty when operator is {operator}", "values")
        if operator in ("Exists", "DoesNotExist") and values:
            r.fail(f"values must be empty when operator is {operator}", "values")
        requirements.append(LabelSelectorRequirement(r.str("key", required=True), operator,
                                                     tuple(sorted(set(values)))))
    return LabelSelector(s.str_map("matchLabels"), tuple(requirements))


def _qualified_key(o: _Obj, key: str, *, required: bool = True) -> str:
    value = o.str(key, required=required)
    if value:
        error = label_key_error(value)
        if error:
            o.fail(error, key)
    return value


def _node_selector_term(t: _Obj) -> NodeSelectorTerm:
    t.known(_NODE_SELECTOR_TERM_FIELDS)
    expressions = []
    for r in t.objs("matchExpressions"):
        r.known(_REQUIREMENT_FIELDS)
        key = _qualified_key(r, "key")
        operator = r.enum("operator", _NODE_SELECTOR_OPERATORS, "", required=True)
        values = r.strings("values")
        if operator in ("In", "NotIn") and not values:
            r.fail(f"values must be non-empty when operator is {operator}", "values")
        if operator in ("Exists", "DoesNotExist") and values:
            r.fail(f"values must be empty when operator is {operator}", "values")
        if operator in ("Gt", "Lt") and len(values) != 1:
            r.fail(f"must be a single value when operator is {operator}", "values")
        expressions.append(NodeSelectorRequirement(key, operator, values))
    fields_ = []
    for r in t.objs("matchFields"):
        r.known(_REQUIREMENT_FIELDS)
        key = r.str("key", required=True)
        if key != "metadata.name":
            r.fail(f"unsupported field {key!r}: matchFields supports only metadata.name", "key")
        operator = r.enum("operator", ("In", "NotIn"), "", required=True)
        values = r.strings("values")
        if len(values) != 1:
            r.fail("must have exactly one value for a field requirement", "values")
        fields_.append(NodeSelectorRequirement(key, operator, values))
    return NodeSelectorTerm(tuple(expressions), tuple(fields_))


def _weight(o: _Obj) -> int:
    weight = o.int("weight", required=True)
    assert weight is not None
    if not 1 <= weight <= 100:
        o.fail(f"must be in the range 1-100, got {weight}", "weight")
    return weight


def _label_keys(o: _Obj, key: str, selector: LabelSelector | None) -> tuple[str, ...]:
    keys = o.strings(key)
    if keys and selector is None:
        o.fail("may not be set when labelSelector is not set", key)
    seen = set()
    in_selector = ({k for k, _ in selector.match_labels} | {r.key for r in selector.match_expressions}
                   if selector is not None else set())
    for i, k in enumerate(keys):
        error = label_key_error(k)
        if error:
            o.ctx.fail(error, f"{o.path_of(key)}[{i}]", o.line_of(key))
        if k in seen:
            o.ctx.fail(f"duplicate key {k!r}", f"{o.path_of(key)}[{i}]", o.line_of(key))
        if k in in_selector:
            o.ctx.fail(f"{k!r} exists in both {key} and labelSelector", f"{o.path_of(key)}[{i}]", o.line_of(key))
        seen.add(k)
    return keys


def _pod_affinity_term(t: _Obj) -> PodAffinityTerm:
    t.known(_POD_AFFINITY_TERM_FIELDS)
    selector = _optional_selector(t, "labelSelector")
    match_keys = _label_keys(t, "matchLabelKeys", selector)
    mismatch_keys = _label_keys(t, "mismatchLabelKeys", selector)
    both = set(match_keys) & set(mismatch_keys)
    if both:
        t.fail(f"{sorted(both)[0]!r} exists in both matchLabelKeys and mismatchLabelKeys", "mismatchLabelKeys")
    return PodAffinityTerm(
        topology_key=_qualified_key(t, "topologyKey"),
        label_selector=selector,
        namespaces=t.strings("namespaces"),
        namespace_selector=_optional_selector(t, "namespaceSelector"),
        match_label_keys=match_keys,
        mismatch_label_keys=mismatch_keys,
    )


def _pod_affinity(o: _Obj, cls: Any) -> Any:
    o.known(_POD_AFFINITY_FIELDS)
    required = tuple(_pod_affinity_term(t) for t in o.objs("requiredDuringSchedulingIgnoredDuringExecution"))
    preferred = []
    for w in o.objs("preferredDuringSchedulingIgnoredDuringExecution"):
        w.known(_WEIGHTED_POD_AFFINITY_TERM_FIELDS)
        weight = _weight(w)
        preferred.append(WeightedPodAffinityTerm(weight, _pod_affinity_term(w.map("podAffinityTerm", required=True))))
    return cls(required, tuple(preferred))


def _affinity(s: _Obj) -> Affinity | None:
    """``spec.affinity`` with upstream's validation (``ValidateAffinity``)."""
    if not s.has("affinity"):
        return None
    a = s.map("affinity")
    a.known(_AFFINITY_FIELDS)
    node_affinity = None
    if a.has("nodeAffinity"):
        n = a.map("nodeAffinity")
        n.known(_NODE_AFFINITY_FIELDS)
        required = None
        if n.has("requiredDuringSchedulingIgnoredDuringExecution"):
            r = n.map("requiredDuringSchedulingIgnoredDuringExecution")
            r.known(_NODE_SELECTOR_FIELDS)
            terms = tuple(_node_selector_term(t) for t in r.objs("nodeSelectorTerms"))
            if not terms:
                r.fail("must have at least one node selector term", "nodeSelectorTerms")
            required = NodeSelector(terms)
        preferred = []
        for p in n.objs("preferredDuringSchedulingIgnoredDuringExecution"):
            p.known(_PREFERRED_TERM_FIELDS)
            weight = _weight(p)
            preferred.append(PreferredSchedulingTerm(weight, _node_selector_term(p.map("preference", required=True))))
        node_affinity = NodeAffinity(required, tuple(preferred))
    pod_affinity = _pod_affinity(a.map("podAffinity"), PodAffinity) if a.has("podAffinity") else None
    anti = _pod_affinity(a.map("podAntiAffinity"), PodAntiAffinity) if a.has("podAntiAffinity") else None
    return Affinity(node_affinity, pod_affinity, anti)


def _topology_spread_constraints(s: _Obj) -> tuple[TopologySpreadConstraint, ...]:
    """``spec.topologySpreadConstraints`` with upstream's validation
    (``validateTopologySpreadConstraints``)."""
    out = []
    seen: dict[tuple[str, str], str] = {}
    for c in s.objs("topologySpreadConstraints"):
        c.known(_SPREAD_FIELDS)
        max_skew = c.int("maxSkew", required=True)
        assert max_skew is not None
        if max_skew <= 0:
            c.fail(f"must be greater than zero, got {max_skew}", "maxSkew")
        key = _qualified_key(c, "topologyKey")
        action = c.enum("whenUnsatisfiable", _UNSATISFIABLE_ACTIONS, "", required=True)
        min_domains = c.int("minDomains", None)
        if min_domains is not None:
            if min_domains <= 0:
                c.fail(f"must be greater than zero, got {min_domains}", "minDomains")
            if action != "DoNotSchedule":
                c.fail("can only be set when whenUnsatisfiable is DoNotSchedule", "minDomains")
        if (key, action) in seen:
            c.fail(f"duplicate constraint for topologyKey {key!r} and whenUnsatisfiable {action} "
                   f"(also {seen[(key, action)]})", "topologyKey")
        seen[(key, action)] = c.path
        selector = _optional_selector(c, "labelSelector")
        affinity_policy = c.enum("nodeAffinityPolicy", _INCLUSION_POLICIES, "") or None
        taints_policy = c.enum("nodeTaintsPolicy", _INCLUSION_POLICIES, "") or None
        out.append(TopologySpreadConstraint(max_skew, key, action, selector, min_domains, affinity_policy,
                                            taints_policy, _label_keys(c, "matchLabelKeys", selector)))
    return tuple(out)


def _pre_stop_sleep(c: _Obj) -> int | None:
    """``lifecycle.preStop.sleep.seconds`` (other lifecycle handlers are not modelled)."""
    lifecycle = c.map("lifecycle")
    lifecycle.known(("postStart", "preStop", "stopSignal"))
    pre_stop = lifecycle.map("preStop")
    pre_stop.known(("exec", "httpGet", "tcpSocket", "sleep"))
    if not pre_stop.has("sleep"):
        return None
    sleep = pre_stop.map("sleep")
    sleep.known(("seconds",))
    return sleep.int("seconds", required=True, minimum=0, bits=64)


def _pod_spec(s: _Obj) -> PodSpec:
    s.known(_POD_SPEC_FIELDS)
    names: dict[str, str] = {}
    init_containers = []
    containers = []
    for c in s.objs("initContainers"):
        container, path = _container(c, init=True)
        if container.name in names:
            c.fail(f"duplicate container name {container.name!r} (also {names[container.name]})", "name")
        names[container.name] = path
        init_containers.append(container)
    for c in s.objs("containers"):
        container, path = _container(c, init=False)
        if container.name in names:
            c.fail(f"duplicate container name {container.name!r} (also {names[container.name]})", "name")
        names[container.name] = path
        containers.append(container)
    if not containers:
        s.fail("at least one container is required", "containers")
    tolerations = []
    for t in s.objs("tolerations"):
        t.known(_TOLERATION_FIELDS)
        key = t.str("key")
        operator = t.enum("operator", _TOLERATION_OPERATORS, "Equal")
        value = t.str("value")
        effect = t.enum("effect", _TAINT_EFFECTS, "")
        seconds = t.int("tolerationSeconds", None, bits=64)
        if not key and operator != "Exists":
            t.fail("operator must be Exists when key is empty (which means: tolerate every taint)", "operator")
        if operator == "Exists" and value:
            t.fail("value must be empty when operator is Exists", "value")
        if seconds is not None and effect != "NoExecute":
            t.fail("effect must be NoExecute when tolerationSeconds is set", "tolerationSeconds")
        tolerations.append(Toleration(key, operator, value, effect, seconds))
    overhead, _ = s.resources("overhead")
    priority = s.int("priority", 0)
    assert priority is not None
    return PodSpec(
        containers=tuple(containers),
        init_containers=tuple(init_containers),
        node_name=s.str("nodeName"),
        node_selector=s.str_map("nodeSelector"),
        tolerations=tuple(tolerations),
        restart_policy=s.enum("restartPolicy", _RESTART_POLICIES, "Always"),
        priority=priority,
        priority_class_name=s.str("priorityClassName"),
        service_account_name=s.str("serviceAccountName") or s.str("serviceAccount"),
        scheduler_name=s.str("schedulerName") or "default-scheduler",
        overhead=overhead,
        affinity=_affinity(s),
        topology_spread_constraints=_topology_spread_constraints(s),
        preemption_policy=s.enum("preemptionPolicy", _PREEMPTION_POLICIES, "PreemptLowerPriority"),
        volumes=_storage.pod_volumes(s),
        automount_service_account_token=(s.bool("automountServiceAccountToken")
                                         if s.raw("automountServiceAccountToken") is not None else None),
    )


def _pod_status(o: _Obj, sidecars: frozenset[str] = frozenset()) -> PodStatus:
    if not o.has("status"):
        return PodStatus()
    s = o.map("status")
    sidecar_restarts = max((cs.count("restartCount") for cs in s.objs("initContainerStatuses")
                            if cs.str("name") in sidecars), default=0)
    phase = s.enum("phase", _POD_PHASES, "Pending")
    conditions = tuple(sorted(_conditions(s, PodCondition),
                              key=lambda c: (_POD_CONDITION_ORDER.get(c.type, 9), c.type)))
    restart_count = 0
    states = []
    for cs in s.objs("containerStatuses"):
        restart_count = max(restart_count, cs.count("restartCount"))
        state = cs.map("state")
        states.append(next((k for k in (RUNNING, TERMINATED, WAITING) if state.has(k)), WAITING))
    if states:
        if all(st == RUNNING for st in states):
            containers = RUNNING
        elif TERMINATED in states:
            containers = TERMINATED
        else:
            containers = WAITING
    else:
        containers = {"Running": RUNNING, "Succeeded": TERMINATED, "Failed": TERMINATED}.get(phase, WAITING)
    return PodStatus(phase, conditions, restart_count, containers, _pod_ip(s),
                     sidecar_restart_count=sidecar_restarts)


def _pod_ip(s: _Obj) -> str:
    """``status.podIP`` (or the first of ``status.podIPs``): an IPv4 address, or ``""``."""
    from kmodel.manifests_networking import ipv4

    if s.has("podIP"):
        return ipv4(s, "podIP")
    for item in s.objs("podIPs")[:1]:
        item.known(("ip",))
        return ipv4(item, "ip")
    return ""


def _read_pod(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _metadata(o, "Pod", generate_name=True)
    spec = _pod_spec(o.map("spec", required=True))
    sidecars = frozenset(c.name for c in spec.init_containers if c.restart_policy == "Always")
    return Pod(meta, spec, _pod_status(o, sidecars)), uid, owners


def _selector(o: _Obj, key: str, what: str) -> LabelSelector:
    s = o.map(key, required=True)
    selector = _selector_fields(s)
    if selector.empty:
        s.fail(f"empty selector is invalid for a {what}: it would select every pod")
    return selector


def _template(o: _Obj, selector: LabelSelector) -> PodTemplateSpec:
    t = o.map("template", required=True)
    t.known(_TEMPLATE_FIELDS)
    tm = t.map("metadata")
    tm.known(_META_FIELDS)
    labels = tm.str_map("labels")
    spec = _pod_spec(t.map("spec", required=True))
    if spec.restart_policy != "Always":
        t.map("spec").fail(f"unsupported value {spec.restart_policy!r}: only Always is supported",
                           "restartPolicy")
    if not selector.matches(labels):
        tm.fail(f"selector does not match template labels (selector: {selector}; labels: "
                f"{','.join(f'{k}={v}' for k, v in labels) or 'none'})", "labels")
    return PodTemplateSpec(labels, spec, tm.str_map("annotations"))


def _read_replicaset(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _metadata(o, "ReplicaSet")
    s = o.map("spec", required=True)
    s.known(_RS_SPEC_FIELDS)
    replicas = s.int("replicas", None, minimum=0)
    min_ready = s.int("minReadySeconds", 0, minimum=0)
    assert min_ready is not None
    selector = _selector(s, "selector", "ReplicaSet")
    spec = ReplicaSetSpec(selector, _template(s, selector), replicas, min_ready)
    st = o.map("status")
    status = ReplicaSetStatus(
        replicas=st.count("replicas"),
        fully_labeled_replicas=st.count("fullyLabeledReplicas"),
        ready_replicas=st.count("readyReplicas"),
        available_replicas=st.count("availableReplicas"),
        observed_generation=st.int("observedGeneration", 0, minimum=0, bits=64) or 0,
        conditions=_conditions(st, ReplicaSetCondition),
    )
    return ReplicaSet(meta, spec, status), uid, owners


def _int_or_percent(o: _Obj, key: str) -> int | str | None:
    value = o.raw(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            o.fail(f"must be an integer or a percentage (e.g. '25%'), got {value!r}", key)
        return value
    return o.int(key, minimum=0)


def _percent_or_int_value(value: int | str | None) -> int | None:
    if value is None:
        return None
    return int(value[:-1]) if isinstance(value, str) else value


def _read_deployment(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _metadata(o, "Deployment")
    s = o.map("spec", required=True)
    s.known(_DEPLOYMENT_SPEC_FIELDS)
    replicas = s.int("replicas", None, minimum=0)
    min_ready = s.int("minReadySeconds", 0, minimum=0)
    assert min_ready is not None
    selector = _selector(s, "selector", "Deployment")
    template = _template(s, selector)
    st = s.map("strategy")
    st.known(_STRATEGY_FIELDS)
    strategy_type = st.enum("type", _STRATEGY_TYPES, "RollingUpdate")
    ru = st.map("rollingUpdate")
    ru.known(_ROLLING_UPDATE_FIELDS)
    if strategy_type == "Recreate" and st.has("rollingUpdate"):
        st.fail("may not be specified when strategy type is 'Recreate'", "rollingUpdate")
    max_surge = _int_or_percent(ru, "maxSurge")
    max_unavailable = _int_or_percent(ru, "maxUnavailable")
    unavailable = _percent_or_int_value(max_unavailable)
    if isinstance(max_unavailable, str) and unavailable is not None and unavailable > 100:
        ru.fail("must not be greater than 100%", "maxUnavailable")
    if unavailable == 0 and _percent_or_int_value(max_surge) == 0:
        ru.fail("may not be 0 when maxSurge is 0", "maxUnavailable")
    history = s.int("revisionHistoryLimit", None, minimum=0)
    deadline = s.int("progressDeadlineSeconds", None, minimum=1)
    if deadline is not None and deadline <= min_ready:
        s.fail(f"must be greater than minReadySeconds ({min_ready})", "progressDeadlineSeconds")
    spec = DeploymentSpec(
        selector=selector,
        template=template,
        replicas=replicas,
        strategy=DeploymentStrategy(strategy_type, max_surge, max_unavailable),
        min_ready_seconds=min_ready,
        revision_history_limit=history,
        progress_deadline_seconds=deadline,
        paused=s.bool("paused"),
    )
    sto = o.map("status")
    status = DeploymentStatus(
        replicas=sto.count("replicas"),
        updated_replicas=sto.count("updatedReplicas"),
        ready_replicas=sto.count("readyReplicas"),
        available_replicas=sto.count("availableReplicas"),
        unavailable_replicas=sto.count("unavailableReplicas"),
        observed_generation=sto.int("observedGeneration", 0, minimum=0, bits=64) or 0,
    )
    return Deployment(meta, spec, status), uid, owners


_OBJECT_READERS = {
    "Namespace": _read_namespace,
    "Node": _read_node,
    "Pod": _read_pod,
    "ReplicaSet": _read_replicaset,
    "Deployment": _read_deployment,
}
_OBJECT_READERS.update(_NETWORK_READERS)
_OBJECT_READERS.update(_storage.READERS)
_OBJECT_READERS.update(_policy.READERS)
_OBJECT_READERS.update(_autoscaling.READERS)


def load(paths: Sequence[str], *, stdin: TextIO | None = None, read_objects: bool = True) -> LoadResult:
    """Read manifests from files, directories and standard input.

    Parameters
    ----------
    paths : sequence of str
        Files, directories (read recursively: ``*.yaml``, ``*.yml``, ``*.json``, sorted) or
        ``"-"`` for standard input. A bare string is taken as one path.
    stdin : text stream, optional
        What ``"-"`` reads (default: ``sys.stdin``).
    read_objects : bool
        ``False`` collects the documents only (:attr:`LoadResult.documents`), without reading
        or validating objects of the modelled kinds: for files that describe objects in brief
        (``kmodel check``'s assumptions: kind, name and namespace).

    Returns
    -------
    LoadResult
        The objects in input order, where each came from, the counts of skipped kinds and
        kmodel's own documents.

    Raises
    ------
    InvalidManifest
        For a path that does not exist or cannot be read, broken YAML, or an object that is not
        valid (see the module docstring), naming file, line, document and field.
    """
    if isinstance(paths, str):
        paths = [paths]
    loader = _Loader(read_objects)
    for path in paths:
        loader.path(path, stdin)
    return loader.result()
