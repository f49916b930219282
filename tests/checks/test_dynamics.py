"""The dynamic checks (:mod:`kmodel.checks.dynamics`): rollouts explored on the given nodes,
PodDisruptionBudgets decided over every replica count, HPAs against a pinned spec.replicas.

Budget arithmetic cases are upstream's ``pkg/controller/disruption/disruption_test.go``
(rewritten: the pods all healthy, the scale given); rollout cases mirror the bundled specs
``rollout-stuck-capacity`` and ``rollout-stuck-anti-affinity`` written as plain manifests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.checks import runner
from kmodel.checks.dynamics import blocking_counts, disruptions_allowed, next_image

ROOT = Path(__file__).resolve().parents[2]

NODES = """
apiVersion: kmodel.dev/v1alpha1
kind: NodePool
metadata: {name: worker}
spec: {count: %(count)d, cpu: "%(cpu)s", memory: 8Gi}
"""


def deployment(name: str = "web", *, replicas: int | None = 2, cpu: str = "600m", strategy: str = "",
               affinity: str = "", namespace: str = "default", port: bool = False) -> str:
    lines = [f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:"]
    if replicas is not None:
        lines.append(f"  replicas: {replicas}")
    lines.append(f"  selector: {{matchLabels: {{app: {name}}}}}")
    if strategy:
        lines.append(f"  strategy: {strategy}")
    lines.append(f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:")
    if affinity:
        lines.append(textwrap.indent(affinity.strip(), "      "))
    lines.append(f"      containers:\n        - name: main\n          image: example/{name}:1.0")
    if port:
        lines.append("          ports: [{name: http, containerPort: 8080}]")
    lines.append(f"          resources: {{requests: {{cpu: {cpu}, memory: 64Mi}}}}")
    return "\n".join(lines) + "\n"


ANTI_AFFINITY = """
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: web}}
        topologyKey: kubernetes.io/hostname
"""


def check(tmp_path: Path, *docs: str, select: str = "", options: dict | None = None) -> runner.CheckRun:
    path = tmp_path / "in.yaml"
    path.write_text("\n---\n".join(d.strip() for d in docs) + "\n")
    run = runner.run([str(path)], config=runner.Config(), select=select.split(",") if select else None)
    return run


def by_id(run: runner.CheckRun, check_id: str) -> list:
    return [f for f in run.findings if f.check == check_id]


ROLLOUT = "rollout-stuck,rollout-unavailable,service-unreachable-during-rollout"

# -- rollouts ---------------------------------------------------------------------------------------


def test_rollout_stuck_on_capacity_with_max_unavailable_zero(tmp_path):
    """specs/rollout-stuck-capacity as manifests: 2 x 600m on two nodes of 1 CPU."""
    run = check(tmp_path, NODES % {"count": 2, "cpu": "1"},
                deployment(strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"), select=ROLLOUT)
    (f,) = by_id(run, "rollout-stuck")
    assert f.field == "spec.strategy.rollingUpdate.maxUnavailable"
    assert "maxUnavailable: 0" in Path(f.file).read_text().splitlines()[f.line - 1]
    assert "kubectl set image deployment/web main=example/web:1.0-next never finishes" in f.message
    assert "Insufficient cpu" in f.message and "maxUnavailable 0" in f.message
    assert f.trace[0]["action"].startswith("user: kubectl set image deployment/web")
    assert all("kmodel-workload" not in str(step) for step in f.trace)  # canonical names renamed back
    assert not by_id(run, "rollout-unavailable") and not run.notes


def test_rollout_completes_when_one_pod_may_go_first(tmp_path):
    """specs/rollout-stuck-capacity-fixed: maxSurge 0, maxUnavailable 1."""
    run = check(tmp_path, NODES % {"count": 2, "cpu": "1"},
                deployment(strategy="{rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}"), select=ROLLOUT)
    assert not run.findings and not run.notes


def test_rollout_stuck_on_required_anti_affinity(tmp_path):
    """specs/rollout-stuck-anti-affinity as manifests: one replica per node, every node used."""
    run = check(tmp_path, NODES % {"count": 3, "cpu": "2"},
                deployment(replicas=3, affinity=ANTI_AFFINITY), select="rollout-stuck")
    (f,) = by_id(run, "rollout-stuck")
    assert "didn't match pod anti-affinity rules" in f.message
    assert "with maxUnavailable 0 no old pod may go" in f.message  # 25% of 3, rounded down
    assert f.field == "spec.replicas"  # no strategy written: the default 25%/25% resolves to 1/0 at 3


def test_recreate_leaves_no_ready_pod_and_no_endpoint(tmp_path):
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n" \
              "  ports: [{port: 80, targetPort: http}]"
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"},
                deployment(replicas=1, strategy="{type: Recreate}", port=True), service, select=ROLLOUT)
    (unavailable,) = by_id(run, "rollout-unavailable")
    assert "drop to 0, below 1" in unavailable.message and unavailable.field == "spec.strategy.type"
    (unreachable,) = by_id(run, "service-unreachable-during-rollout")
    assert unreachable.object.kind == "Service" and unreachable.field == "spec.selector"
    assert "Service/web has no ready endpoint" in unreachable.message
    assert not by_id(run, "rollout-stuck")


def test_a_service_without_endpoints_before_the_rollout_is_not_this_checks_finding(tmp_path):
    """A targetPort that names no container port is service-port-unresolved's finding."""
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n" \
              "  ports: [{port: 80, targetPort: metrics}]"
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"},
                deployment(replicas=1, strategy="{type: Recreate}", port=True), service,
                select="service-unreachable-during-rollout")
    assert not run.findings


def test_rollout_below_a_budget(tmp_path):
    pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n" \
          "spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}"
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"},
                deployment(replicas=3, cpu="100m", strategy="{rollingUpdate: {maxSurge: 0, maxUnavailable: 2}}"),
                pdb, select="rollout-unavailable,drain-blocked")
    (f,) = run.findings
    assert f.check == "rollout-unavailable"
    assert "drop to 1, below the 2 that PodDisruptionBudget/web requires (minAvailable 2)" in f.message
    # within the budget's slack: no finding
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"},
                deployment(replicas=3, cpu="100m", strategy="{rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}"),
                pdb, select="rollout-unavailable")
    assert not run.findings and not run.notes


def test_nodes_beyond_reach_are_left_out_without_changing_the_verdict(tmp_path):
    """Ten interchangeable nodes: the fourth leaves room for the surge pod; 2 * (3 + 1) are kept."""
    run = check(tmp_path, NODES % {"count": 10, "cpu": "2"},
                deployment(replicas=3, affinity=ANTI_AFFINITY), select="rollout-stuck")
    assert not run.findings and not run.notes
    (key,) = run.inventory.cache["dynamics"].memo
    assert key.count("Node(metadata=ObjectMeta(name='worker-") == 8


def test_a_service_shared_with_another_workload_is_not_this_rollouts(tmp_path):
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {tier: web}\n" \
              "  ports: [{port: 80, targetPort: 8080}]"
    web = deployment(replicas=1, strategy="{type: Recreate}").replace("labels: {app: web}", "labels: {app: web, tier: web}")
    canary = deployment("canary", replicas=1).replace("labels: {app: canary}", "labels: {app: canary, tier: web}")
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"}, web, canary, service,
                select="service-unreachable-during-rollout,rollout-unavailable")
    assert [f.check for f in run.findings] == ["rollout-unavailable"]  # the canary keeps serving


@pytest.mark.parametrize("extra", ["  paused: true\n", ""])
def test_paused_or_empty_deployments_have_no_rollout(tmp_path, extra):
    text = deployment(replicas=0 if not extra else 1, strategy="{type: Recreate}")
    text = text.replace("  selector:", extra + "  selector:")
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"}, text, select=ROLLOUT)
    assert not run.findings and not run.notes
    assert run.inventory.cache["dynamics"].explored == 0


def test_unschedulable_workload_is_noted_not_explored(tmp_path):
    run = check(tmp_path, NODES % {"count": 2, "cpu": "1"}, deployment(cpu="2"), select=ROLLOUT)
    assert not run.findings
    assert run.notes == ["rollout of Deployment/default/web not explored: its replicas do not all run on the "
                         "given nodes before it (see unschedulable)"]


def test_without_nodes_the_rollout_checks_do_not_run(tmp_path):
    run = check(tmp_path, deployment(strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"), select=ROLLOUT)
    assert not run.findings
    assert any("rollout checks" in n and "were not run" in n for n in run.notes)


def test_a_cut_search_is_a_note_never_a_pass(tmp_path):
    from kmodel.checks import Inventory, run_checks
    from kmodel.checks.dynamics import dynamics_notes

    path = tmp_path / "in.yaml"
    path.write_text(NODES % {"count": 2, "cpu": "1"} + "---\n" +
                    deployment(strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"))
    loaded = runner.run([str(path)], config=runner.Config(), select=["invalid-manifest"]).inventory.loaded
    inv = Inventory(loaded.documents, loaded)
    assert not run_checks(inv, select=["rollout-stuck"], options={"explore_max_states": 5})
    (note,) = dynamics_notes(inv)
    assert note.startswith("rollout of Deployment/default/web not decided within")


def test_a_spent_budget_is_a_note(tmp_path):
    from kmodel.checks import Inventory, run_checks
    from kmodel.checks.dynamics import dynamics_notes

    path = tmp_path / "in.yaml"
    path.write_text(NODES % {"count": 2, "cpu": "1"} + "---\n" +
                    deployment(strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"))
    loaded = runner.run([str(path)], config=runner.Config(), select=["invalid-manifest"]).inventory.loaded
    inv = Inventory(loaded.documents, loaded)
    assert not run_checks(inv, select=["rollout-stuck"], options={"explore_budget": 0})
    assert dynamics_notes(inv) == ["rollout of Deployment/default/web not explored: the exploration budget of 0 s "
                                   "was spent"]


def test_identical_workloads_share_one_exploration(tmp_path):
    docs = [NODES % {"count": 2, "cpu": "1"}]
    for ns in ("team-a", "team-b"):
        docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}")
        docs.append(deployment(namespace=ns, strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"))
    docs.append(deployment(namespace="team-b", strategy="{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}")
                .replace("{name: web,", "{name: api,"))  # another name, the same shape
    run = check(tmp_path, *docs, select="rollout-stuck")
    st = run.inventory.cache["dynamics"]
    assert (st.explored, st.reused) == (1, 2)  # names and namespaces do not matter, the shape does
    messages = sorted(f.message.split(" never")[0] for f in run.findings)
    assert messages == ["kubectl set image deployment/api main=example/web:1.0-next",
                        "kubectl set image deployment/web main=example/web:1.0-next",
                        "kubectl set image deployment/web main=example/web:1.0-next"]
    assert {f.object.namespace for f in run.findings} == {"team-a", "team-b"}
    assert any("Deployment/team-a/web" in str(f.trace) for f in run.findings)


def test_an_autoscaled_rollout_is_also_explored_at_max_replicas(tmp_path):
    """Completes at minReplicas 2 (a surge pod fits beside 2 x 600m on 2 CPU), stuck at
    maxReplicas 3: the finding names the count."""
    strategy = "{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}"
    run = check(tmp_path, NODES % {"count": 1, "cpu": "2"}, deployment(replicas=None, strategy=strategy),
                HPA.format(low=2, high=3), select=ROLLOUT)
    (f,) = by_id(run, "rollout-stuck")
    assert f.message.startswith("at 3 replicas (the maxReplicas of HorizontalPodAutoscaler/web): "
                                "kubectl set image deployment/web main=example/web:1.0-next never finishes")
    assert "Insufficient cpu" in f.message and not run.notes
    assert run.inventory.cache["dynamics"].explored == 2
    # the same at minReplicas 3: found at the first count only, said once
    run = check(tmp_path, NODES % {"count": 1, "cpu": "2"}, deployment(replicas=None, strategy=strategy),
                HPA.format(low=3, high=4), select=ROLLOUT)
    (f,) = by_id(run, "rollout-stuck")
    assert f.message.startswith("at 3 replicas (the minReplicas of HorizontalPodAutoscaler/web): ")


def test_max_replicas_where_the_pods_always_fit_is_not_explored(tmp_path):
    """2 x (6 + 2) pods of 100m fit on two nodes of 1 CPU: capacity cannot run out at 6."""
    run = check(tmp_path, NODES % {"count": 2, "cpu": "1"}, deployment(replicas=None, cpu="100m"),
                HPA.format(low=2, high=6), select=ROLLOUT)
    st = run.inventory.cache["dynamics"]
    assert not run.findings and not run.notes and (st.explored, st.fits) == (1, 1)


def test_a_cut_search_at_max_replicas_is_a_note(tmp_path):
    from kmodel.checks import Inventory, run_checks
    from kmodel.checks.dynamics import dynamics_notes

    path = tmp_path / "in.yaml"
    path.write_text(NODES % {"count": 1, "cpu": "2"} + "---\n" + deployment(replicas=None) + "---\n" +
                    HPA.format(low=1, high=3))
    loaded = runner.run([str(path)], config=runner.Config(), select=["invalid-manifest"]).inventory.loaded
    inv = Inventory(loaded.documents, loaded)
    assert not run_checks(inv, select=["rollout-stuck"], options={"explore_extra_max_states": 5})
    (note,) = dynamics_notes(inv)
    assert note == ("rollout of Deployment/default/web at 3 replicas (the maxReplicas of "
                    "HorizontalPodAutoscaler/web) not decided within 5 states")


def test_next_image():
    assert next_image("nginx") == "nginx:next"


# -- drain-blocked: the budget arithmetic -----------------------------------------------------------

@pytest.mark.parametrize("spec,count,allowed", [
    pytest.param({"minAvailable": 3}, 4, 1, id="TestUnavailable-4-pods"),
    pytest.param({"minAvailable": 3}, 3, 0, id="TestUnavailable-3-pods"),
    pytest.param({"minAvailable": 3}, 1, 0, id="TestNoSelector"),
    pytest.param({"maxUnavailable": 2}, 7, 2, id="TestIntegerMaxUnavailableWithScaling-7"),
    pytest.param({"maxUnavailable": 2}, 5, 2, id="TestIntegerMaxUnavailableWithScaling-5"),
    pytest.param({"maxUnavailable": "30%"}, 7, 3, id="TestPercentageMaxUnavailableWithScaling-7"),
    pytest.param({"maxUnavailable": "30%"}, 3, 1, id="TestPercentageMaxUnavailableWithScaling-3"),
    pytest.param({"minAvailable": "20%"}, 10, 8, id="TestReplicaSet"),
    pytest.param({"minAvailable": "34%"}, 3, 1, id="TestReplicationController"),
    pytest.param({"minAvailable": "34%"}, 3, 1, id="TestStatefulSetController"),
    pytest.param({"minAvailable": "28%"}, 11, 7, id="TestTwoControllers-one"),
    pytest.param({"minAvailable": "28%"}, 22, 15, id="TestTwoControllers-two"),
    pytest.param({"maxUnavailable": 5}, 10, 5, id="TestScaleResource"),
    pytest.param({"maxUnavailable": 0}, 10, 0, id="maxUnavailable-zero"),
    pytest.param({"minAvailable": "100%"}, 10, 0, id="minAvailable-all"),
    pytest.param({"minAvailable": "90%"}, 5, 0, id="percent-rounds-up"),
])
def test_disruptions_allowed_with_every_pod_healthy(spec, count, allowed):
    assert disruptions_allowed(spec, count) == allowed


def test_invalid_budgets_are_not_decided():
    assert disruptions_allowed({"minAvailable": 1, "maxUnavailable": 1}, 3) is None
    assert disruptions_allowed({"minAvailable": "x%"}, 3) is None
    assert disruptions_allowed({"minAvailable": "2"}, 3) is None  # a string must be a percentage
    assert disruptions_allowed({"maxUnavailable": "120%"}, 3) is None
    assert disruptions_allowed({}, 3) is None


_VALUES = st.one_of(st.integers(0, 12), st.integers(0, 100).map(lambda p: f"{p}%"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["minAvailable", "maxUnavailable"]), _VALUES, st.integers(1, 30), st.integers(0, 30))
def test_blocking_counts_are_a_prefix_of_the_range(key, value, low, width):
    """So the smallest blocking count is the range's minimum whenever any count blocks."""
    counts = list(range(low, low + width + 1))
    blocking = blocking_counts({key: value}, counts)
    assert blocking == counts[:len(blocking)]


PDB = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  {budget}\n" \
      "  selector: {{matchLabels: {{app: web}}}}"
HPA = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\nspec:\n" \
      "  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n" \
      "  minReplicas: {low}\n  maxReplicas: {high}"


def test_drain_blocked_names_the_smallest_count_in_the_hpa_range(tmp_path):
    run = check(tmp_path, deployment(replicas=None), HPA.format(low=2, high=6),
                PDB.format(budget="minAvailable: 2"), select="drain-blocked")
    (f,) = run.findings
    assert f.object.kind == "PodDisruptionBudget" and f.field == "spec.minAvailable"
    assert "at 2 replicas of Deployment/web (a count its HorizontalPodAutoscaler may choose, 2-6)" in f.message
    assert "of the counts 2-6 it blocks at 2" in f.message
    run = check(tmp_path, deployment(replicas=None), HPA.format(low=3, high=6),
                PDB.format(budget="minAvailable: 2"), select="drain-blocked")
    assert not run.findings


def test_drain_blocked_is_confirmed_by_exploring_the_drain(tmp_path):
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"}, deployment(replicas=2, cpu="100m"),
                PDB.format(budget="maxUnavailable: 0"), select="drain-blocked")
    (f,) = run.findings
    assert "Explored: kubectl drain worker-1 never completes" in f.message
    assert "The disruption budget web needs 2 healthy pods and has 2 currently" in f.message
    assert f.trace and f.trace[0]["action"] == "user: kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data"
    assert "kmodel" not in f.message.replace("kmodel check", "")  # canonical names renamed back


@pytest.mark.parametrize("budget,replicas,blocked", [
    ("maxUnavailable: 0", 5, True),
    ('maxUnavailable: "10%"', 5, False),  # rounds up to 1
    ('minAvailable: "80%"', 3, True),  # ceil(2.4) = 3 of 3
    ('minAvailable: "60%"', 3, False),  # ceil(1.8) = 2
    ("minAvailable: 1", 1, True),
    ("minAvailable: 1", 2, False),
])
def test_drain_blocked_without_hpa(tmp_path, budget, replicas, blocked):
    run = check(tmp_path, deployment(replicas=replicas), PDB.format(budget=budget), select="drain-blocked")
    assert bool(run.findings) == blocked


def test_a_budget_over_two_workloads_counts_both(tmp_path):
    other = deployment("web-canary", replicas=1).replace("app: web-canary", "app: web")
    run = check(tmp_path, deployment(replicas=2), other, PDB.format(budget="minAvailable: 2"),
                select="drain-blocked")
    assert not run.findings  # 3 pods, 2 required: one may go


# -- hpa-replicas-conflict --------------------------------------------------------------------------

@pytest.mark.parametrize("replicas,low,high,text", [
    (2, 2, 5, "apply sets replicas to 2 while the HPA holds 5: 3 pods deleted, then recreated"),
    (5, 2, 5, "apply sets replicas to 5 while the HPA holds 2: 3 pods created, then deleted"),
    (1, 2, 5, "spec.replicas 1 is outside the range"),
    (9, 2, 5, "moves them back to at most 5 (4 pods created, then deleted)"),
])
def test_hpa_replicas_conflict(tmp_path, replicas, low, high, text):
    run = check(tmp_path, deployment(replicas=replicas), HPA.format(low=low, high=high), select="hpa-replicas-conflict")
    (f,) = run.findings
    assert text in f.message and f.field == "spec.replicas"
    assert "replicas:" in Path(f.file).read_text().splitlines()[f.line - 1]


HPA_CPU = HPA + "\n  metrics:\n    - type: Resource\n" \
    "      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}"


@pytest.mark.parametrize("replicas,low,high,text", [
    (2, 2, 4, "Explored: with the HPA holding 4, kubectl apply -f {file} leaves 2 active pods after 3 steps "
              "(2 pods deleted)"),
    (4, 2, 4, "Explored: with the HPA holding 2, kubectl apply -f {file} leaves 4 active pods after 3 steps "
              "(2 pods created)"),
])
def test_hpa_replicas_conflict_is_confirmed_by_exploring_the_apply(tmp_path, replicas, low, high, text):
    run = check(tmp_path, NODES % {"count": 2, "cpu": "2"}, deployment(replicas=replicas, cpu="100m"),
                HPA_CPU.format(low=low, high=high), select="hpa-replicas-conflict")
    (f,) = run.findings
    assert text.format(file=tmp_path / "in.yaml") in f.message
    assert f.trace[0]["action"] == f"user: kubectl apply -f {tmp_path / 'in.yaml'}"
    assert "kmodel-" not in str(f.trace)


def test_no_hpa_replicas_conflict_without_replicas_or_with_invalid_bounds(tmp_path):
    assert not check(tmp_path, deployment(replicas=None), HPA.format(low=2, high=5),
                     select="hpa-replicas-conflict").findings
    # minReplicas > maxReplicas is invalid-manifest's finding
    assert not check(tmp_path, deployment(replicas=3), HPA.format(low=5, high=2),
                     select="hpa-replicas-conflict").findings


# -- agreement with the bundled rollout specs (kmodel explore decides the same question) ------------

@pytest.mark.parametrize("spec,stuck", [
    ("rollout-stuck-capacity", True),
    ("rollout-stuck-capacity-fixed", False),
    ("rollout-stuck-anti-affinity", True),
    ("rollout-stuck-anti-affinity-fixed", False),
])
def test_agrees_with_the_bundled_rollout_specs(spec, stuck):
    """The specs' verdict on rollout-completes, reached here from their Deployment manifest alone
    (the dumped ReplicaSets and pods are the steady state the check rebuilds)."""
    path = str(ROOT / "specs" / spec)
    run = runner.run([path], config=runner.Config(), select=[ROLLOUT.split(",")[0]])
    assert bool(by_id(run, "rollout-stuck")) == stuck
    assert not run.notes
