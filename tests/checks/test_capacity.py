"""The capacity checks (``kmodel.checks.capacity``): scheduler-strands-pods, hpa-max-unschedulable,
node-loss-unsafe, zone-loss-unsafe, and the packing part of unschedulable.

Cases are small clusters written as manifests; where the behaviour comes from an upstream test,
the case id names it (``TestLeastAllocatedScoringStrategy``: the default scores spread pods over
the least allocated nodes, which is what strands a large pod; ``TestUpscaleCapGreaterThanMaxReplicas``:
the HPA never goes beyond ``maxReplicas``, so that is the most the nodes must hold).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmodel.checks import capacity
from kmodel.checks.runner import Config, run

POOL = """apiVersion: kmodel.dev/v1alpha1
kind: NodePool
metadata:
  name: {name}
spec:
  count: {count}
  cpu: "{cpu}"
  memory: 64Gi
  zones: {zones}
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: c
          image: busybox
          resources:
            requests: {{cpu: "{cpu}"}}
"""

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: {kind}, name: {target}}}
  minReplicas: {low}
  maxReplicas: {high}
"""

NODE = """apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels:
    kubernetes.io/hostname: {name}
    topology.kubernetes.io/zone: {zone}
status:
  allocatable: {{cpu: "{cpu}", memory: 64Gi, pods: "110"}}
"""


def pool(name: str = "w", count: int = 3, cpu: int = 4, zones: str = "[a, b, c]") -> str:
    return POOL.format(name=name, count=count, cpu=cpu, zones=zones)


def dep(name: str, replicas: int, cpu: str) -> str:
    return DEPLOYMENT.format(name=name, replicas=replicas, cpu=cpu)


def check(tmp_path: Path, files: dict[str, str], select: list[str] | None = None, **opts):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run([str(tmp_path)], config=Config(), select=select)
    return result


def located(result, tmp_path: Path) -> set[tuple[str, str, int]]:
    return {(f.check, Path(f.file).name, f.line) for f in result.findings}


CAPACITY = ["unschedulable", "scheduler-strands-pods", "hpa-max-unschedulable", "node-loss-unsafe", "zone-loss-unsafe"]

# (id, files, expected findings as (check, file, line))
CASES = [
    pytest.param({"nodes.yaml": pool(), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")},
                 {("scheduler-strands-pods", "app.yaml", 35), ("node-loss-unsafe", "nodes.yaml", 6),
                  ("zone-loss-unsafe", "nodes.yaml", 9)},
                 id="TestLeastAllocatedScoringStrategy-spread-strands-large-pod"),
    pytest.param({"nodes.yaml": pool(count=6), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")},
                 set(), id="TestLeastAllocatedScoringStrategy-room-for-all-and-for-a-loss"),
    pytest.param({"nodes.yaml": pool(count=5), "app.yaml": dep("b", 1, "4") + "---\n" + dep("c", 3, "2")},
                 set(), id="large-pod-queued-first-is-not-stranded"),
    pytest.param({"nodes.yaml": pool(count=4, zones="[a, b]"), "app.yaml": dep("a", 5, "2")},
                 {("zone-loss-unsafe", "nodes.yaml", 9)}, id="zone-loss-only-two-zones"),
    pytest.param({"nodes.yaml": pool(count=3, zones="[a]"), "app.yaml": dep("a", 5, "2")},
                 {("node-loss-unsafe", "nodes.yaml", 6)}, id="one-zone-no-zone-loss-check"),
    pytest.param({"nodes.yaml": pool(count=6), "app.yaml": dep("a", 3, "1") + "---\n" + HPA.format(
        name="a", kind="Deployment", target="a", low=1, high=30)},
                 {("hpa-max-unschedulable", "app.yaml", 26)}, id="TestUpscaleCapGreaterThanMaxReplicas-max-too-high"),
    pytest.param({"nodes.yaml": pool(count=6), "app.yaml": dep("a", 3, "1") + "---\n" + HPA.format(
        name="a", kind="Deployment", target="a", low=1, high=16)},
                 set(), id="TestUpscaleCapGreaterThanMaxReplicas-max-fits-with-a-node-to-spare"),
    pytest.param({"nodes.yaml": pool(count=3), "app.yaml": dep("a", 7, "2")},
                 {("unschedulable", "app.yaml", 6)}, id="packing-replicas-do-not-fit-together"),
    # the HPA raises a target below minReplicas to it: 7 replicas of 2 CPU on 12 CPU
    pytest.param({"nodes.yaml": pool(count=3), "app.yaml": dep("a", 1, "2") + "---\n" + HPA.format(
        name="a", kind="Deployment", target="a", low=7, high=8)},
                 {("unschedulable", "app.yaml", 6)}, id="TestMinReplicas-the-hpa-minimum-counts"),
]


@pytest.mark.parametrize("files,expected", CASES)
def test_capacity_checks(tmp_path, files, expected):
    result = check(tmp_path, files, CAPACITY)
    assert located(result, tmp_path) == expected, [f.message for f in result.findings]
    one_zone = "zones: [a]" in files["nodes.yaml"]
    assert result.notes == (["zone-loss-unsafe: not checked: the nodes are in 1 zone (topology.kubernetes.io/zone); "
                             "a zone loss needs at least two"] if one_zone else [])


def test_strands_names_pods_order_and_a_packing(tmp_path):
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")},
                   ["scheduler-strands-pods"])
    (f,) = result.findings
    assert f.field == 'spec.template.spec.containers[0].resources.requests.cpu'
    assert "can leave b-1 Pending" in f.message and "Insufficient cpu" in f.message
    assert "a-1 -> w-1, a-2 -> w-2, a-3 -> w-3" in f.message
    assert "A placement that fits every pod:" in f.message and "b-1" in f.message.split("A placement")[1]


def test_loss_messages_name_the_node_and_what_stays_pending(tmp_path):
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("a", 5, "2")},
                   ["node-loss-unsafe", "zone-loss-unsafe"])
    node, zone = sorted(result.findings, key=lambda f: f.check)
    assert node.object.kind == "NodePool" and node.field == "spec.count"
    assert node.message.startswith("after losing node w-1, at most 4 of the 5 pods of Deployment/a fit (Deployment/a 1 short)")
    assert "cpu free on w-2, w-3: 8 in all" in node.message and "Losing w-2, w-3 fails too." in node.message
    assert zone.field == "spec.zones" and zone.message.startswith("after losing zone a (nodes w-1)")


def test_node_objects_are_located_at_the_node(tmp_path):
    nodes = "---\n".join(NODE.format(name=f"n{i}", zone=z, cpu=4) for i, z in enumerate("ab"))
    result = check(tmp_path, {"nodes.yaml": nodes, "app.yaml": dep("a", 3, "2")},
                   ["node-loss-unsafe", "zone-loss-unsafe"])
    # each Node object is its own place to look: its name, and its zone label for a zone
    assert located(result, tmp_path) == {("node-loss-unsafe", "nodes.yaml", 4), ("node-loss-unsafe", "nodes.yaml", 14),
                                         ("zone-loss-unsafe", "nodes.yaml", 7), ("zone-loss-unsafe", "nodes.yaml", 17)}


def test_no_nodes_nothing_checked_and_said(tmp_path):
    result = check(tmp_path, {"app.yaml": dep("a", 30, "2")}, CAPACITY)
    assert result.findings == []
    assert any("scheduling checks had nothing to check against" in n for n in result.notes)


def test_the_analysis_runs_once_for_all_checks(tmp_path, monkeypatch):
    calls = []
    real = capacity._base_state
    monkeypatch.setattr(capacity, "_base_state", lambda *a: calls.append(1) or real(*a))
    import kmodel.checks.capacity as cap
    decided = []
    real_decide = cap._decide
    monkeypatch.setattr(cap, "_decide", lambda *a, **k: decided.append(1) or real_decide(*a, **k))
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")})
    assert len(calls) == 1
    # the base question, three node losses and three zone losses, each once (no HPA: nothing raised)
    assert len(decided) == 7
    assert {f.check for f in result.findings} >= {"scheduler-strands-pods", "node-loss-unsafe", "zone-loss-unsafe"}


def test_a_solver_without_an_answer_gives_a_note_never_a_pass(tmp_path, monkeypatch):
    from kmodel.smt import scheduling

    def unknown(problem, **_):
        return scheduling.FeasibilityResult("unknown", problem.pending, explanation=["no answer"])

    monkeypatch.setattr(scheduling, "feasibility", unknown)
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")},
                   CAPACITY)
    assert result.findings == []
    assert any("no answer within 10 s" in n for n in result.notes), result.notes
    # greedy fits the base, but not after a loss: each undecided loss is a note
    sub = tmp_path / "loss"
    sub.mkdir()
    result = check(sub, {"nodes.yaml": pool(), "app.yaml": dep("a", 5, "2")}, ["node-loss-unsafe"])
    assert result.findings == []
    assert [n for n in result.notes if n.startswith("node-loss-unsafe: losing node")] == [
        "node-loss-unsafe: losing node w-1, w-2, w-3: undecided (the solver gave no answer within 10 s)"]


def test_the_time_for_the_analysis_is_bounded_and_said(tmp_path):
    for name, text in {"nodes.yaml": pool(), "app.yaml": dep("a", 3, "2") + "---\n" + dep("b", 1, "4")}.items():
        (tmp_path / name).write_text(text)
    from kmodel.checks import Inventory, run_checks
    from kmodel.checks.runner import _node_pool
    from kmodel.manifests import LoadResult, load

    loaded = load([str(tmp_path / "app.yaml"), str(tmp_path / "nodes.yaml")])
    nodes = [n for source, doc in loaded.extras for n in _node_pool(source, doc)]
    loaded = LoadResult(loaded.objects + tuple(nodes), loaded.sources, loaded.skipped, loaded.extras, loaded.documents)
    inv = Inventory(loaded.documents, loaded)
    findings = run_checks(inv, select=["scheduler-strands-pods"], options={"solver_budget": 0})
    assert findings == []  # greedy strands, and no time is left to ask the solver: no claim either way
    assert capacity.capacity_notes(inv) == [
        "whether every pod fits was not decided (not attempted: the 0 s for the capacity analysis of this input "
        "were used up): scheduler-strands-pods, node-loss-unsafe, zone-loss-unsafe and hpa-max-unschedulable were "
        "not checked"]


def test_hpa_targets_the_model_does_not_load_are_noted(tmp_path):
    sts = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox}]}
"""
    hpa = HPA.format(name="db", kind="StatefulSet", target="db", low=1, high=5)
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("a", 1, "1") + "---\n" + sts + "---\n" + hpa},
                   ["hpa-max-unschedulable"])
    assert result.findings == []
    assert any("StatefulSet/db is a kind kmodel does not model yet" in n for n in result.notes)


def test_pods_that_fit_no_node_are_left_to_unschedulable(tmp_path):
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": dep("big", 1, "8") + "---\n" + dep("a", 3, "2")
                              + "---\n" + dep("b", 1, "4")}, CAPACITY)
    checks = sorted(f.check for f in result.findings)
    assert checks == ["node-loss-unsafe", "scheduler-strands-pods", "unschedulable", "zone-loss-unsafe"]
    assert all("big" not in f.message for f in result.findings if f.check != "unschedulable")


# --- a differential test against brute force ------------------------------------------------


def _fits(pods: list[int], nodes: list[int]) -> bool:
    """Any assignment of the pods (cpu) to the nodes (cpu) within capacity."""
    for assignment in itertools.product(range(len(nodes)), repeat=len(pods)):
        load = [0] * len(nodes)
        for p, n in zip(pods, assignment):
            load[n] += p
        if all(load[i] <= nodes[i] for i in range(len(nodes))):
            return True
    return False


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(st.sampled_from([2, 3, 4]), min_size=2, max_size=3),
       pods=st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=4))
def test_node_loss_agrees_with_brute_force(tmp_path_factory, nodes, pods):
    """node-loss-unsafe is reported exactly when some node's loss leaves no packing (given that
    everything fits with every node), and unschedulable's packing part exactly when nothing fits."""
    tmp = tmp_path_factory.mktemp("bf")
    node_docs = "---\n".join(NODE.format(name=f"n{i}", zone="a", cpu=c) for i, c in enumerate(nodes))
    apps = "---\n".join(dep(f"p{i}", 1, str(c)) for i, c in enumerate(pods))
    result = check(tmp, {"nodes.yaml": node_docs, "app.yaml": apps}, ["unschedulable", "node-loss-unsafe"])
    ids = {f.check for f in result.findings}
    fits = _fits(pods, nodes)
    alone = all(any(p <= n for n in nodes) for p in pods)
    if not alone:
        assert "unschedulable" in ids
        return
    assert ("unschedulable" in ids) == (not fits)
    if fits:
        unsafe = any(not _fits(pods, nodes[:i] + nodes[i + 1:]) for i in range(len(nodes)))
        assert ("node-loss-unsafe" in ids) == unsafe
    assert not result.notes


@settings(max_examples=20, deadline=None)
@given(nodes=st.lists(st.sampled_from([2000, 3000, 4000]), min_size=1, max_size=3),
       apps=st.lists(st.tuples(st.sampled_from([500, 1000, 2000]), st.integers(1, 3)), min_size=1, max_size=3),
       copies=st.integers(2, 3))
def test_merging_namespaced_copies_keeps_the_verdict(nodes, apps, copies):
    """Workloads alike but for their namespace are one group (capacity._merged): the solver's
    verdict is the same with and without merging, and a merged placement replays pod by pod."""
    from kmodel.objects.meta import LabelSelector, ObjectMeta
    from kmodel.objects.nodes import Node, NodeStatus
    from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
    from kmodel.smt.placement import problem_from_objects
    from kmodel.smt.scheduling import feasibility

    objs = [Node(ObjectMeta(f"n{i}"), status=NodeStatus(allocatable=(("cpu", c), ("pods", 110))))
            for i, c in enumerate(nodes)]
    for ns in range(copies):
        for i, (cpu, replicas) in enumerate(apps):
            tpl = PodTemplateSpec((("app", f"a{i}"),), PodSpec((Container("c", requests=(("cpu", cpu),)),)))
            objs.append(ReplicaSet(ObjectMeta(f"a{i}", f"ns{ns}"),
                                   ReplicaSetSpec(LabelSelector((("app", f"a{i}"),)), tpl, replicas=replicas)))
    problem = problem_from_objects(objs)
    merged = capacity._merged(problem)
    assert len(merged.groups) == len({cpu for cpu, _ in apps}) < len(problem.groups)
    assert sum(g.count for g in merged.groups) == problem.pending
    plain, joined = feasibility(problem, explain=False), feasibility(merged, explain=False)
    assert plain.status == joined.status
    if joined.feasible:
        assert sorted(p for p, _ in joined.order) == sorted(p.metadata.name for g in problem.groups for p in g.pods)


def test_a_loss_with_pod_affinity_is_decided_by_the_kept_binding(tmp_path, monkeypatch):
    """First-fit leaves pod affinity to the solver; after a loss the scheduler's own binding of
    the intact cluster, with the lost node's pods rescheduled, is the witness: no solver runs."""
    from kmodel.smt import scheduling

    def no_solver(*_a, **_k):
        raise AssertionError("the solver was asked")

    monkeypatch.setattr(scheduling, "feasibility", no_solver)
    cache = dep("cache", 2, "1").replace("""    spec:
      containers:""", """    spec:
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: cache}}
              topologyKey: kubernetes.io/hostname
      containers:""")
    result = check(tmp_path, {"nodes.yaml": pool(), "app.yaml": cache}, ["node-loss-unsafe", "zone-loss-unsafe"])
    assert result.findings == [] and result.notes == []
