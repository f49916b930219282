"""Reading inputs for the views: upstream's PDB arithmetic, settling, identical namespaces, bad input."""

from __future__ import annotations

import pytest

from kmodel.errors import InvalidManifest
from kmodel.render.config import DiagramConfig
from kmodel.render.inputs import (
    disruptions_allowed,
    get_expected_pod_count,
    get_scaled_value_from_int_or_percent,
    load_inputs,
)

# TestGetValueFromIntOrPercent (apimachinery/pkg/util/intstr/intstr_test.go): value, total, roundUp, want
SCALED = [
    ("TestGetValueFromIntOrPercent/int", 123, 0, False, 123),
    ("TestGetValueFromIntOrPercent/90%-of-100-up", "90%", 100, True, 90),
    ("TestGetValueFromIntOrPercent/90%-of-95-up", "90%", 95, True, 86),
    ("TestGetValueFromIntOrPercent/90%-of-95-down", "90%", 95, False, 85),
]
SCALED_ERRORS = ["%", "90#", "#%"]


@pytest.mark.parametrize("case,value,total,round_up,want", SCALED, ids=[c[0] for c in SCALED])
def test_get_scaled_value_from_int_or_percent(case, value, total, round_up, want):
    assert get_scaled_value_from_int_or_percent(value, total, round_up) == want


@pytest.mark.parametrize("value", SCALED_ERRORS)
def test_get_scaled_value_from_int_or_percent_rejects(value):
    with pytest.raises(ValueError):
        get_scaled_value_from_int_or_percent(value, 10, True)


# pkg/controller/disruption/disruption_test.go, VerifyPdbStatus(disruptionsAllowed, currentHealthy,
# desiredHealthy, expectedPods): minAvailable, maxUnavailable, matching pods, controllers' scale, healthy
PDB = [
    ("TestNoSelector/no-pods", 3, None, 0, 0, 0, (0, 3, 0)),
    ("TestNoSelector/one-pod", 3, None, 1, 0, 1, (0, 3, 1)),
    ("TestUnavailable/four-ready", 3, None, 4, 0, 4, (1, 3, 4)),
    ("TestUnavailable/one-unready", 3, None, 4, 0, 3, (0, 3, 4)),
    ("TestIntegerMaxUnavailable", None, 1, 1, 0, 1, (0, None, 0)),
    ("TestIntegerMaxUnavailableWithScaling/7", None, 2, 1, 7, 1, (0, 5, 7)),
    ("TestIntegerMaxUnavailableWithScaling/5", None, 2, 1, 5, 1, (0, 3, 5)),
    ("TestPercentageMaxUnavailableWithScaling/7", None, "30%", 1, 7, 1, (0, 4, 7)),
    ("TestPercentageMaxUnavailableWithScaling/3", None, "30%", 1, 3, 1, (0, 2, 3)),
    ("TestReplicaSet", "20%", None, 1, 10, 1, (0, 2, 10)),
    ("TestReplicationController/three", "34%", None, 3, 3, 3, (1, 2, 3)),
    ("TestNakedPod", "28%", None, 1, 0, 1, (0, 0, 0)),
]


@pytest.mark.parametrize("case,min_available,max_unavailable,pods,scale,healthy,want", PDB, ids=[c[0] for c in PDB])
def test_pdb_counts(case, min_available, max_unavailable, pods, scale, healthy, want):
    expected, desired = get_expected_pod_count(min_available, max_unavailable, pods, scale)
    allowed_want, desired_want, expected_want = want
    assert expected == expected_want
    if desired_want is not None:
        assert desired == desired_want
    assert disruptions_allowed(healthy, desired, expected) == allowed_want


def test_settle_runs_controllers_and_scheduler(manifests, nodes_yaml, web_yaml):
    folder = manifests(nodes_yaml + "---" + web_yaml)
    raw = load_inputs([folder])
    assert not raw.pods() and not raw.settled
    settled = load_inputs([folder], settle_state=True)
    pods = settled.pods()
    assert settled.settled and settled.settle_steps > 0
    assert len(pods) == 2 and all(p.spec.node_name for p in pods)
    assert {p.status.phase for p in pods} == {"Running"}


APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: NS}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: NS}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def test_identical_namespaces_form_one_class(manifests, nodes_yaml):
    docs = [APP.replace("NS", f"team-{i}") for i in range(1, 6)]
    folder = manifests(nodes_yaml + "---" + "---".join(docs))
    inputs = load_inputs([folder])
    assert inputs.ns_members["team-1"] == ("team-1", "team-2", "team-3", "team-4", "team-5")
    assert not any(ns.startswith("team-") for ns in set(inputs.ns_members) - {"team-1"})
    assert inputs.rep("team-4") == "team-1"
    assert "×5 identical" in inputs.namespace_label("team-1")
    apart = load_inputs([folder], config=DiagramConfig(collapse=False))
    assert sum(1 for ns in apart.ns_members if ns.startswith("team-")) == 5


def test_a_field_of_the_wrong_type_names_file_line_and_field(manifests):
    folder = manifests("""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 1
          maxReplicas: [3]
        """)
    with pytest.raises(InvalidManifest) as err:
        from kmodel.render.workload import workload

        workload(load_inputs([folder]))
    e = err.value
    assert e.field == "spec.maxReplicas" and e.line == 8 and e.document == 1 and e.file.endswith("m.yaml")


def test_object_rejected_by_the_api_server_is_left_out_and_reported(manifests, nodes_yaml):
    folder = manifests(nodes_yaml + """---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: missing-ns-is-created}
        spec:
          containers: [{name: a, image: x}]
        """.replace("        ", ""))
    inputs = load_inputs([folder])
    assert inputs.rejected == ()  # namespaces the input uses are created, as kmodel explore does
