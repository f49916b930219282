"""The manifest loader: inputs, mapping into kmodel objects, and every bad-input error."""

from __future__ import annotations

import io
import os
import textwrap
from pathlib import Path

import pytest

from kmodel import manifests
from kmodel.errors import InvalidManifest
from kmodel.manifests import LoadResult, Source, load
from kmodel.objects.meta import LabelSelectorRequirement, Namespace, ObjectRef
from kmodel.objects.nodes import NodeCondition, Taint, Toleration
from kmodel.objects.workloads import Container, ContainerPort, Deployment, PodStatus, ReplicaSet

FIXTURES = Path(__file__).parent / "fixtures" / "manifests"

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: app
      image: nginx:1.27
"""

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def from_text(text: str) -> LoadResult:
    return load(["-"], stdin=io.StringIO(textwrap.dedent(text)))


# --- inputs --------------------------------------------------------------------------------


def test_multi_document_file_keeps_order_lines_and_document_indices(tmp_path):
    path = write(tmp_path, "all.yaml", "# leading comment\n---\n" + POD.format(name="a")
                 + "---\n---\n# only a comment\n---\nnull\n---\n" + POD.format(name="b"))
    result = load([path])
    assert [o.metadata.name for o in result.objects] == ["a", "b"]
    a, b = (o.ref for o in result.objects)
    assert result.sources[a] == Source(path, 3, 1)
    # Empty documents are skipped but counted, so indices match the ---s the user sees.
    assert result.sources[b] == Source(path, 17, 5)
    assert result.skipped == {} and result.extras == ()


def test_directory_is_read_recursively_in_sorted_order(tmp_path):
    write(tmp_path, "b.yaml", POD.format(name="b"))
    write(tmp_path, "a/z.yml", POD.format(name="az"))
    write(tmp_path, "a/nested/x.json",
          '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json"},\n'
          '\t"spec": {"containers": [{"name": "c"}]}}\n')
    write(tmp_path, "c.yaml.txt", POD.format(name="ignored"))
    write(tmp_path, "README.md", "# not a manifest\n")
    result = load([str(tmp_path)])
    assert [o.metadata.name for o in result.objects] == ["json", "az", "b"]
    files = [result.sources[o.ref].file for o in result.objects]
    assert files == [os.path.join(str(tmp_path), "a", "nested", "x.json"),
                     os.path.join(str(tmp_path), "a", "z.yml"),
                     os.path.join(str(tmp_path), "b.yaml")]


def test_stdin_is_read_for_dash_and_named_dash():
    result = load(["-"], stdin=io.StringIO(POD.format(name="from-stdin")))
    (pod,) = result.objects
    assert pod.metadata.name == "from-stdin"
    assert result.sources[pod.ref] == Source("-", 1, 1)


def test_files_and_stdin_combine_in_the_order_given(tmp_path):
    path = write(tmp_path, "one.yaml", POD.format(name="file"))
    result = load(["-", path], stdin=io.StringIO(POD.format(name="stdin")))
    assert [o.metadata.name for o in result.objects] == ["stdin", "file"]


def test_kubectl_list_dump_is_unpacked_with_status_and_owners():
    path = str(FIXTURES / "kubectl-get-pods-nodes.yaml")
    result = load([path])
    rs, pod, node, svc = result.objects
    assert result.skipped == {}
    assert (svc.kind, svc.spec.cluster_ip, svc.spec.ports[0].target_port) == ("Service", "10.96.0.1", 6443)
    assert (rs.kind, pod.kind, node.kind) == ("ReplicaSet", "Pod", "Node")
    # Each item has its own line, all in document 1.
    assert result.sources[rs.ref] == Source(path, 4, 1)
    assert result.sources[pod.ref] == Source(path, 59, 1)
    assert result.sources[node.ref] == Source(path, 206, 1)

    assert rs.spec.replicas == 2 and rs.status.ready_replicas == 2 and rs.status.observed_generation == 1
    assert rs.spec.template.spec.containers[0].requests == (("cpu", 250), ("memory", 128 * 2**20))

    m = pod.metadata
    assert m.namespace == "default" and m.generate_name == "web-7d4b9c8f6d-"
    assert m.uid == "" and m.resource_version == 0 and m.generation == 0  # set by the API server
    (owner,) = m.owner_references
    # The manifest's UID matches the ReplicaSet's: rewritten to the model's UID of that object.
    assert owner.uid == "ReplicaSet/default/web-7d4b9c8f6d"
    assert owner.controller and owner.block_owner_deletion
    spec = pod.spec
    assert spec.node_name == "kind-worker" and spec.service_account_name == "default"
    assert spec.containers[0] == Container("nginx", "nginx:1.27", (("cpu", 250), ("memory", 134217728)),
                                           (("memory", 268435456),), (ContainerPort(80),))
    assert spec.tolerations[0] == Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300)
    st = pod.status
    assert st.phase == "Running" and st.restart_count == 2 and st.containers == "running"
    assert [c.type for c in st.conditions] == ["PodScheduled", "Initialized", "ContainersReady", "Ready",
                                               "PodReadyToStartContainers"]

    assert node.zone == "zone-a" and node.ready
    assert node.spec.taints == (Taint("example.com/spot", "PreferNoSchedule", "true"),)
    alloc = dict(node.status.allocatable)
    assert alloc["cpu"] == 8000 and alloc["pods"] == 110 and alloc["memory"] == 16270268 * 1024
    assert node.status.conditions[0] == NodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory")


def test_typed_list_items_without_kind_take_it_from_the_list():
    result = from_text("""\
        apiVersion: v1
        kind: PodList
        items:
          - metadata: {name: a, namespace: team}
            spec: {containers: [{name: c}]}
          - metadata: {name: b}
            spec: {containers: [{name: c}]}
        """)
    assert [str(o.ref) for o in result.objects] == ["Pod/team/a", "Pod/b"]
    assert result.sources[result.objects[1].ref].line == 6


def test_nested_and_empty_lists():
    result = from_text("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: Namespace, metadata: {name: team}}
        ---
        apiVersion: v1
        kind: ConfigMapList
        items: []
        """)
    assert [str(o.ref) for o in result.objects] == ["Namespace/team"]
    assert isinstance(result.objects[0], Namespace)


def test_unmodelled_kinds_are_counted_not_dropped():
    result = from_text("""\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: web}
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: a}
        ---
        apiVersion: v1
        kind: LimitRange
        metadata: {name: b}
        ---
        apiVersion: example.com/v1
        kind: Pod
        metadata: {name: not-a-core-pod}
        """)
    assert result.objects == ()
    assert result.skipped == {"Job": 1, "LimitRange": 2, "Pod.example.com": 1}


def test_kmodel_documents_are_returned_as_extras():
    result = from_text("""\
        apiVersion: kmodel.dev/v1alpha1
        kind: Scenario
        metadata: {name: crash}
        spec:
          faults: {nodeFailures: 1}
          events:
            - scale: {kind: ReplicaSet, name: web, replicas: 3}
        """)
    ((source, doc),) = result.extras
    assert source == Source("-", 1, 1)
    assert doc == {"apiVersion": "kmodel.dev/v1alpha1", "kind": "Scenario", "metadata": {"name": "crash"},
                   "spec": {"faults": {"nodeFailures": 1},
                            "events": [{"scale": {"kind": "ReplicaSet", "name": "web", "replicas": 3}}]}}
    assert type(doc) is dict and type(doc["spec"]["events"]) is list


def test_sources_answer_for_the_namespace_before_and_after_admission():
    result = from_text(POD.format(name="web"))
    assert result.sources[ObjectRef("Pod", "default", "web")] == Source("-", 1, 1)
    assert result.sources[ObjectRef("Pod", "", "web")] == Source("-", 1, 1)
    assert result.sources.get(ObjectRef("Pod", "", "web")) == Source("-", 1, 1)
    assert ObjectRef("Pod", "", "web") in result.sources
    assert result.sources.get(ObjectRef("Pod", "", "other")) is None
    assert ObjectRef("Pod", "other", "web") not in result.sources


def test_pods_named_by_generate_name_are_not_duplicates():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {generateName: w-}\nspec: {containers: [{name: c}]}\n"
    result = from_text(text + "---\n" + text)
    assert [o.metadata.generate_name for o in result.objects] == ["w-", "w-"]
    assert len(result.sources) == 0


# --- mapping -------------------------------------------------------------------------------


def test_node_defaults_pods_and_allocatable_and_readiness():
    result = from_text("""\
        apiVersion: v1
        kind: Node
        metadata: {name: a}
        status:
          capacity: {cpu: 1.5, memory: 2Gi}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: b}
        spec:
          unschedulable: true
        status:
          capacity: {cpu: "4", pods: "20"}
          allocatable: {cpu: 3900m}
          conditions: []
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: bare}
        """)
    a, b, bare = result.objects
    assert a.status.capacity == a.status.allocatable == (("cpu", 1500), ("memory", 2**31), ("pods", 110))
    assert a.ready
    assert b.status.allocatable == (("cpu", 3900),)  # capacity gives pods: no default
    assert b.spec.unschedulable and not b.ready and b.status.conditions == ()
    assert bare.status.capacity == () and bare.status.allocatable == (("pods", 110),) and bare.ready


def test_pod_fields():
    result = from_text("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          namespace: team
          labels: {app: web, "app.kubernetes.io/name": web}
          annotations: {note: "x"}
          deletionTimestamp: "2025-01-01T00:00:00Z"
        spec:
          initContainers:
            - {name: setup, resources: {requests: {cpu: "1"}}}
            - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 64Mi}}}
          containers:
            - name: app
              image: example/app:2
              resources:
                requests: {cpu: 0.5, memory: 1Gi, nvidia.com/gpu: 1}
                limits: {cpu: 1, memory: 1Gi}
              ports:
                - {containerPort: 8080, name: http, protocol: UDP, hostPort: 80}
          nodeSelector: {disk: ssd}
          tolerations:
            - {operator: Exists}
            - {key: dedicated, value: gpu, effect: NoSchedule}
          restartPolicy: OnFailure
          priority: 1000
          priorityClassName: high
          serviceAccount: legacy
          schedulerName: custom
          overhead: {cpu: 10m}
        """)
    (pod,) = result.objects
    assert pod.metadata.deleting and pod.metadata.namespace == "team"
    assert pod.metadata.labels == (("app", "web"), ("app.kubernetes.io/name", "web"))
    s = pod.spec
    assert [c.name for c in s.init_containers] == ["setup", "proxy"]
    assert s.init_containers[1].restart_policy == "Always" and s.init_containers[0].restart_policy == ""
    app = s.containers[0]
    assert app.requests == (("cpu", 500), ("memory", 2**30), ("nvidia.com/gpu", 1))
    assert app.limits == (("cpu", 1000), ("memory", 2**30))
    assert app.ports == (ContainerPort(8080, "http", "UDP", 80),)
    assert s.node_selector == (("disk", "ssd"),)
    assert s.tolerations == (Toleration("", "Exists"), Toleration("dedicated", "Equal", "gpu", "NoSchedule"))
    assert (s.restart_policy, s.priority, s.priority_class_name) == ("OnFailure", 1000, "high")
    assert (s.service_account_name, s.scheduler_name, s.overhead) == ("legacy", "custom", (("cpu", 10),))
    assert pod.status == PodStatus()


def test_pod_defaults_leave_admission_to_the_api():
    (pod,) = from_text(POD.format(name="p")).objects
    assert pod.metadata.namespace == ""
    assert (pod.spec.restart_policy, pod.spec.scheduler_name, pod.spec.service_account_name) == (
        "Always", "default-scheduler", "")


@pytest.mark.parametrize(("statuses", "phase", "expected"), [
    ("[{state: {running: {}}}, {state: {running: {startedAt: x}}}]", "Running", "running"),
    ("[{state: {running: {}}}, {state: {terminated: {exitCode: 1}}}]", "Running", "terminated"),
    ("[{state: {running: {}}}, {state: {waiting: {reason: CrashLoopBackOff}}}]", "Running", "waiting"),
    ("[{state: {}}]", "Pending", "waiting"),
    ("null", "Running", "running"),
    ("null", "Succeeded", "terminated"),
    ("null", "Pending", "waiting"),
])
def test_pod_container_state(statuses, phase, expected):
    (pod,) = from_text(POD.format(name="p") + f"status:\n  phase: {phase}\n  containerStatuses: {statuses}\n").objects
    assert pod.status.containers == expected and pod.status.phase == phase


def test_replicaset_and_deployment_fields():
    result = load(["-"], stdin=io.StringIO(RS + textwrap.dedent("""\
          minReadySeconds: 5
        status: {replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1,
                 conditions: [{type: ReplicaFailure, status: "True", reason: FailedCreate}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 0
          selector:
            matchExpressions:
              - {key: app, operator: In, values: [web, api]}
              - {key: canary, operator: DoesNotExist}
          template:
            metadata: {labels: {app: web}, annotations: {a: b}}
            spec: {containers: [{name: c}]}
          strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: "50%"}}
          revisionHistoryLimit: 3
          progressDeadlineSeconds: 60
          paused: true
        """)))
    rs, dep = result.objects
    assert isinstance(rs, ReplicaSet) and isinstance(dep, Deployment)
    assert rs.spec.replicas is None and rs.spec.min_ready_seconds == 5 and rs.status.replicas == 1
    assert rs.status.conditions[0].reason == "FailedCreate"
    d = dep.spec
    assert d.replicas == 0 and d.paused and (d.revision_history_limit, d.progress_deadline_seconds) == (3, 60)
    assert (d.strategy.type, d.strategy.max_surge, d.strategy.max_unavailable) == ("RollingUpdate", 1, "50%")
    assert d.selector.match_expressions == (LabelSelectorRequirement("app", "In", ("api", "web")),
                                            LabelSelectorRequirement("canary", "DoesNotExist"))
    assert d.template.annotations == (("a", "b"),)


def test_deployment_defaults_are_left_unset():
    text = RS.replace("ReplicaSet", "Deployment")
    (dep,) = from_text(text).objects
    s = dep.spec
    assert s.replicas is None and s.revision_history_limit is None and s.progress_deadline_seconds is None
    assert s.strategy.type == "RollingUpdate" and s.strategy.max_surge is None


def test_owner_references_get_model_uids_unless_they_name_another_incarnation():
    result = load(["-"], stdin=io.StringIO(RS.replace("  name: web\n", "  name: web\n  uid: real-uid\n", 1)
                                           + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: same
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: real-uid, controller: true}]
        spec: {containers: [{name: c}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: stale
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: older-uid}]
        spec: {containers: [{name: c}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: handwritten
          namespace: team
          ownerReferences: [{apiVersion: v1, kind: Node, name: n1}, {apiVersion: apps/v1, kind: ReplicaSet, name: x}]
        spec: {containers: [{name: c}]}
        """)))
    _, same, stale, hand = result.objects
    assert same.metadata.owner_references[0].uid == "ReplicaSet/default/web"
    assert stale.metadata.owner_references[0].uid == "older-uid"
    assert [r.uid for r in hand.metadata.owner_references] == ["Node//n1", "ReplicaSet/team/x"]


def test_yaml_anchors_merge_keys_and_json_quirks():
    result = from_text("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          labels: &labels {app: web, tier: front}
          annotations:
            <<: *labels
            tier: back
        spec:
          containers:
            - &c {name: a, resources: {requests: {cpu: 100m}}}
            - <<: *c
              name: b
          priority: 3.0
        """)
    (pod,) = result.objects
    assert pod.metadata.annotations == (("app", "web"), ("tier", "back"))
    assert [c.name for c in pod.spec.containers] == ["a", "b"]
    assert pod.spec.containers[1].requests == (("cpu", 100),)
    assert pod.spec.priority == 3


def test_windows_bom_and_crlf(tmp_path):
    path = tmp_path / "win.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + POD.format(name="w").replace("\n", "\r\n").encode())
    (pod,) = load([str(path)]).objects
    assert pod.metadata.name == "w"


def test_paths_may_be_a_single_string(tmp_path):
    path = write(tmp_path, "p.yaml", POD.format(name="one"))
    assert [o.metadata.name for o in load(path).objects] == ["one"]


# --- errors --------------------------------------------------------------------------------

BAD = {
    # name: (text, line, field, message fragment)
    "broken yaml": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n", 5, None, "invalid YAML"),
    "bad indentation": ("apiVersion: v1\nkind: Pod\n  metadata: x\n", 3, None, "invalid YAML"),
    "not a mapping": ("- apiVersion: v1\n  kind: Pod\n", 1, None, "must be a mapping"),
    "scalar document": ("just text\n", 1, None, "must be a mapping"),
    "missing apiVersion": ("kind: Pod\nmetadata: {name: a}\n", 1, "apiVersion", "required field is missing"),
    "missing kind": ("apiVersion: v1\nmetadata: {name: a}\n", 1, "kind", "required field is missing"),
    "kind not a string": ("apiVersion: v1\nkind: [Pod]\n", 2, "kind", "expected a string, got a list"),
    "missing metadata": ("apiVersion: v1\nkind: Node\n", 1, "metadata.name", "required field is missing"),
    "missing name": ("apiVersion: v1\nkind: Node\nmetadata:\n  labels: {a: b}\n", 3, "metadata.name",
                     "required field is missing"),
    "empty name": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: ''\n", 4, "metadata.name",
                   "required field is missing"),
    "generateName for a ReplicaSet": (RS.replace("  name: web", "  generateName: web-"), 4,
                                      "metadata.generateName", "only for Pods"),
    "string where int": (RS.replace("spec:\n", 'spec:\n  replicas: "3"\n', 1), 6, "spec.replicas",
                         "expected an integer, got a string ('3')"),
    "fractional int": (RS.replace("spec:\n", "spec:\n  replicas: 2.5\n", 1), 6, "spec.replicas",
                       "expected an integer"),
    "list where mapping": (POD.format(name="p") + "      resources: [cpu]\n", 9,
                           "spec.containers[0].resources", "expected a mapping, got a list"),
    "number where string": (POD.format(name="p").replace("nginx:1.27", "1.27"), 8,
                            "spec.containers[0].image", "expected a string, got a number (1.27); quote it"),
    "label value number": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  labels:\n    version: 1.0\n", 6,
                           "metadata.labels.version", "expected a string"),
    "bool where string": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  labels:\n    enabled: yes\n", 6,
                          "metadata.labels.enabled", "expected a string, got a boolean (true)"),
    "invalid quantity": (POD.format(name="p") + "      resources:\n        requests:\n          cpu: 2x\n", 11,
                         "spec.containers[0].resources.requests.cpu", "invalid quantity '2x'"),
    "quantity of wrong type": (POD.format(name="p") + "      resources:\n        requests:\n          cpu: [1]\n",
                               11, "spec.containers[0].resources.requests.cpu", "expected a quantity"),
    "negative quantity": (POD.format(name="p") + "      resources: {limits: {memory: -1Gi}}\n", 9,
                          "spec.containers[0].resources.limits.memory", "greater than or equal to 0"),
    "request above limit": (POD.format(name="p") + "      resources:\n        limits: {cpu: 1}\n"
                            "        requests:\n          cpu: 1500m\n", 12,
                            "spec.containers[0].resources.requests.cpu", "less than or equal to cpu limit"),
    "template quantity": (RS + "          resources:\n            requests:\n              memory: 1Gb\n", 17,
                          "spec.template.spec.containers[0].resources.requests.memory", "invalid quantity"),
    "node quantity": ("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n  allocatable:\n"
                      "    cpu: lots\n", 6, "status.allocatable.cpu", "invalid quantity"),
    "negative replicas": (RS.replace("spec:\n", "spec:\n  replicas: -1\n", 1), 6, "spec.replicas",
                          "must be greater than or equal to 0"),
    "replicas beyond int32": (RS.replace("spec:\n", "spec:\n  replicas: 3000000000\n", 1), 6, "spec.replicas",
                              "out of range"),
    "restartPolicy": (POD.format(name="p") + "  restartPolicy: Sometimes\n", 9, "spec.restartPolicy",
                      "unsupported value 'Sometimes' (supported: Always, OnFailure, Never)"),
    "template restartPolicy": (RS + "      restartPolicy: Never\n", 15, "spec.template.spec.restartPolicy",
                               "only Always is supported"),
    "taint effect": ("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec:\n  taints:\n"
                     "    - key: k\n      effect: NoRun\n", 7, "spec.taints[0].effect", "unsupported value 'NoRun'"),
    "taint without effect": ("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec:\n  taints:\n"
                             "    - key: k\n", 6, "spec.taints[0].effect", "required field is missing"),
    "duplicate taint": ("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec:\n  taints:\n"
                        "    - {key: k, effect: NoSchedule}\n    - {key: k, effect: NoSchedule, value: v}\n", 7,
                        "spec.taints[1]", "unique by key and effect"),
    "toleration operator": (POD.format(name="p") + "  tolerations:\n    - key: k\n      operator: Equals\n", 11,
                            "spec.tolerations[0].operator", "unsupported value 'Equals' (supported: Equal, Exists)"),
    "toleration empty key": (POD.format(name="p") + "  tolerations:\n    - value: v\n", 10,
                             "spec.tolerations[0].operator", "must be Exists when key is empty"),
    "toleration seconds": (POD.format(name="p") + "  tolerations:\n    - key: k\n"
                           "      effect: NoSchedule\n      tolerationSeconds: 30\n", 12,
                           "spec.tolerations[0].tolerationSeconds", "effect must be NoExecute"),
    "selector operator": (RS.replace("    matchLabels: {app: web}",
                                     "    matchExpressions:\n      - {key: app, operator: Equals, values: [web]}"), 8,
                          "spec.selector.matchExpressions[0].operator", "unsupported value 'Equals'"),
    "selector without values": (RS.replace("    matchLabels: {app: web}",
                                           "    matchExpressions:\n      - key: app\n        operator: In"), 8,
                                "spec.selector.matchExpressions[0].values", "values must be non-empty"),
    "empty selector": (RS.replace("    matchLabels: {app: web}", "    matchLabels: {}"), 6, "spec.selector",
                       "empty selector is invalid"),
    "missing selector": (RS.replace("  selector:\n    matchLabels: {app: web}\n", ""), 5, "spec.selector",
                         "required field is missing"),
    "selector mismatch": (RS.replace("labels: {app: web}", "labels: {app: api}"), 10,
                          "spec.template.metadata.labels", "selector does not match template labels"),
    "strategy type": (RS.replace("ReplicaSet", "Deployment") + "  strategy:\n    type: BlueGreen\n", 16,
                      "spec.strategy.type", "unsupported value 'BlueGreen' (supported: RollingUpdate, Recreate)"),
    "rollingUpdate with Recreate": (RS.replace("ReplicaSet", "Deployment")
                                    + "  strategy:\n    type: Recreate\n    rollingUpdate: {maxSurge: 1}\n", 17,
                                    "spec.strategy.rollingUpdate", "Recreate"),
    "maxSurge not a percentage": (RS.replace("ReplicaSet", "Deployment")
                                  + "  strategy:\n    rollingUpdate:\n      maxSurge: 'half'\n", 17,
                                  "spec.strategy.rollingUpdate.maxSurge", "integer or a percentage"),
    "both zero": (RS.replace("ReplicaSet", "Deployment")
                  + "  strategy:\n    rollingUpdate:\n      maxSurge: 0\n      maxUnavailable: 0%\n", 18,
                  "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0"),
    "pod phase": (POD.format(name="p") + "status:\n  phase: Done\n", 10, "status.phase", "unsupported value 'Done'"),
    "condition status": (POD.format(name="p") + "status:\n  conditions:\n    - {type: Ready, status: yes}\n", 11,
                         "status.conditions[0].status", "expected a string, got a boolean (true)"),
    "no containers": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n", 5,
                      "spec.containers", "at least one container"),
    "missing pod spec": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", 1, "spec", "required field is missing"),
    "container without name": (POD.format(name="p").replace("name: app\n      ", ""), 7,
                               "spec.containers[0].name", "required field is missing"),
    "duplicate container": (POD.format(name="p") + "    - name: app\n", 9, "spec.containers[1].name",
                            "duplicate container name 'app'"),
    "sidecar policy on a regular container": (POD.format(name="p") + "      restartPolicy: Always\n", 9,
                                              "spec.containers[0].restartPolicy", "only init containers"),
    "port out of range": (POD.format(name="p") + "      ports: [{containerPort: 70000}]\n", 9,
                          "spec.containers[0].ports[0].containerPort", "between 1 and 65535"),
    "unknown field": (RS.replace("spec:\n", "spec:\n  replica: 3\n", 1), 6, "spec.replica",
                      "unknown field 'replica' (did you mean 'replicas'?)"),
    "unknown container field": (POD.format(name="p") + "      resource: {}\n", 9, "spec.containers[0].resource",
                                "unknown field 'resource'"),
    "duplicate key": (POD.format(name="p") + "  nodeName: a\n  nodeName: b\n", 10, "spec.nodeName",
                      "duplicate key 'nodeName' (first at line 18)"),
    "duplicate key in a list item": ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Node\n"
                                     "    kind: Pod\n", 6, "items[0].kind", "duplicate key 'kind'"),
    "removed apiVersion": (RS.replace("apps/v1", "extensions/v1beta1"), 1, "apiVersion",
                           "extensions/v1beta1 ReplicaSet was removed in Kubernetes 1.16; use apiVersion: apps/v1"),
    "removed apps/v1beta2": (RS.replace("apps/v1", "apps/v1beta2").replace("ReplicaSet", "Deployment"), 1,
                             "apiVersion", "was removed"),
    "unknown apiVersion": (POD.format(name="p").replace("v1", "v2", 1), 1, "apiVersion",
                           "unsupported apiVersion 'v2' for Pod"),
    "wrong group": (POD.format(name="p").replace("apiVersion: v1", "apiVersion: apps/v1"), 1, "apiVersion",
                    "unsupported apiVersion 'apps/v1' for Pod"),
    "unknown kmodel version": ("apiVersion: kmodel.dev/v1\nkind: Scenario\n", 1, "apiVersion",
                               "kmodel reads kmodel.dev/v1alpha1"),
    "list items not mappings": ("apiVersion: v1\nkind: List\nitems:\n  - 3\n", 4, "items[0]",
                                "expected a mapping, got an integer (3)"),
    "two controllers": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences:\n"
                        "    - {apiVersion: v1, kind: Node, name: a, controller: true}\n"
                        "    - {apiVersion: v1, kind: Node, name: b, controller: true}\n"
                        "spec: {containers: [{name: c}]}\n", 5, "metadata.ownerReferences", "only one reference"),
    "recursive alias": ("apiVersion: v1\nkind: ConfigMap\ndata: &a\n  self: *a\n", 4, "data.self", "recursive"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_names_file_line_document_and_field(tmp_path, case):
    text, line, fieldpath, fragment = BAD[case]
    path = tmp_path / "bad.yaml"
    path.write_text(POD.format(name="fine") + "---\n" + text)
    offset = POD.count("\n") + 1
    with pytest.raises(InvalidManifest) as e:
        load([str(path)])
    message = str(e.value)
    assert e.value.file == str(path) and str(path) in message
    assert e.value.line == line + offset
    assert f"{path}:{line + offset}:" in message
    assert e.value.document == 2 and "document 2" in message
    assert e.value.field == fieldpath
    if fieldpath:
        assert fieldpath in message
    assert fragment in message


def test_duplicate_objects_name_both_locations(tmp_path):
    first = write(tmp_path, "a.yaml", POD.format(name="web"))
    second = write(tmp_path, "b.yaml", "# the same pod, namespace spelt out\n"
                   + POD.format(name="web").replace("  name: web", "  name: web\n  namespace: default"))
    with pytest.raises(InvalidManifest) as e:
        load([first, second])
    assert (e.value.file, e.value.line, e.value.document, e.value.field) == (second, 5, 1, "metadata.name")
    message = str(e.value)
    assert f"{second}:5:" in message and f"already defined at {first}:1 (document 1)" in message
    assert "duplicate Pod default/web" in message


def test_same_name_in_other_namespaces_or_kinds_is_fine():
    result = from_text(POD.format(name="web") + "---\n"
                       + POD.format(name="web").replace("  name: web", "  name: web\n  namespace: team")
                       + "---\n" + RS)
    assert len(result.objects) == 3


def test_missing_path():
    with pytest.raises(InvalidManifest) as e:
        load(["no/such/manifest.yaml"])
    assert e.value.line is None and e.value.file == "no/such/manifest.yaml"
    assert str(e.value) == "no/such/manifest.yaml: no such file or directory"


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.yaml", POD.format(name="p"))

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(manifests, "open", deny, raising=False)
    with pytest.raises(InvalidManifest) as e:
        load([path])
    assert e.value.line is None and e.value.file == path
    assert str(e.value) == f"{path}: cannot read: Permission denied"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(InvalidManifest) as e:
        load([str(path)])
    assert e.value.line == 3 and "not UTF-8" in str(e.value) and f"{path}:3:" in str(e.value)


def test_stdin_errors_are_reported_as_dash():
    with pytest.raises(InvalidManifest) as e:
        from_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 2}]}\n")
    assert str(e.value).startswith("-:4: document 1: spec.containers[0].image: expected a string")


def test_error_in_list_item_has_the_item_path_and_line():
    with pytest.raises(InvalidManifest) as e:
        load([str(FIXTURES / "kubectl-get-pods-nodes.yaml"), "-"],
             stdin=io.StringIO("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Node\n"
                               "    metadata: {name: kind-worker}\n"))
    assert (e.value.file, e.value.line, e.value.field) == ("-", 6, "items[0].metadata.name")
    assert "kubectl-get-pods-nodes.yaml:206 (document 1)" in str(e.value)


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_pure_python_yaml_loader_gives_the_same_result(tmp_path, monkeypatch, loader):
    import yaml

    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML without {loader}")
    monkeypatch.setattr(manifests, "_LOADER", getattr(yaml, loader))
    write(tmp_path, "x.json", '{\n\t"apiVersion": "v1", "kind": "Namespace",\n\t"metadata": {"name": "x"}}\n')
    result = load([str(FIXTURES / "kubectl-get-pods-nodes.yaml"), str(tmp_path)])
    assert [str(o.ref) for o in result.objects] == ["ReplicaSet/default/web-7d4b9c8f6d",
                                                    "Pod/default/web-7d4b9c8f6d-x2k9p", "Node/kind-worker",
                                                    "Service/default/kubernetes", "Namespace/x"]
    assert result.sources[result.objects[2].ref].line == 206
    with pytest.raises(InvalidManifest) as e:
        from_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
    assert e.value.line == 5
