"""Loading HorizontalPodAutoscalers (:mod:`kmodel.manifests_autoscaling`), their defaults and
validation by the API server, the ``cpuUtilization`` scenario inputs (:mod:`kmodel.metrics`) and
the autoscaling properties (:mod:`kmodel.properties_autoscaling`)."""

from __future__ import annotations

import io
import textwrap
from fractions import Fraction

import pytest

from kmodel.api import Create, Update, apply
from kmodel.errors import InvalidManifest
from kmodel.manifests import load
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, replace
from kmodel.state import ClusterState


def from_text(text: str):
    return load(["-"], stdin=io.StringIO(textwrap.dedent(text)))


def fails(text: str) -> InvalidManifest:
    with pytest.raises(InvalidManifest) as e:
        from_text(text)
    return e.value


HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
    - type: Resource
      resource: {name: memory, target: {type: AverageValue, averageValue: 512Mi}}
    - type: External
      external:
        metric: {name: queue_depth, selector: {matchLabels: {queue: jobs}}}
        target: {type: AverageValue, averageValue: "30"}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      selectPolicy: Max
      policies:
        - {type: Pods, value: 4, periodSeconds: 15}
        - {type: Percent, value: 100, periodSeconds: 15}
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{type: Percent, value: 10, periodSeconds: 60}]
      tolerance: "0.05"
status:
  currentReplicas: 3
  desiredReplicas: 3
  conditions:
    - {type: AbleToScale, status: "True", reason: ReadyForNewScale}
"""


def test_reads_everything_and_keeps_unmodelled_metrics():
    hpa = from_text(HPA).objects[0]
    spec = hpa.spec
    assert hpa.ref == ObjectRef("HorizontalPodAutoscaler", "shop", "web")
    assert (spec.scale_target_ref.kind, spec.scale_target_ref.name, spec.min_replicas, spec.max_replicas) == \
        ("Deployment", "web", 2, 10)
    cpu, memory, external = spec.metrics
    assert (cpu.modelled, cpu.target.average_utilization) == (True, 60)
    assert (memory.modelled, memory.target.average_value) == (True, 512 * 2**20)
    assert (external.type, external.name, external.modelled) == ("External", "queue_depth", False)
    assert [(p.type, p.value, p.period_seconds) for p in spec.behavior.scale_up.policies] == [("Pods", 4, 15),
                                                                                               ("Percent", 100, 15)]
    assert spec.behavior.scale_down.tolerance == Fraction(1, 20)
    assert hpa.status.current_replicas == 3 and hpa.status.conditions[0].reason == "ReadyForNewScale"


def test_autoscaling_v1_is_read_as_converted():
    hpa = from_text("""\
        apiVersion: autoscaling/v1
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          maxReplicas: 4
          targetCPUUtilizationPercentage: 70
        """).objects[0]
    assert hpa.spec.metrics[0].target.average_utilization == 70 and hpa.spec.min_replicas is None


@pytest.mark.parametrize("text,field,line,message", [
    ("  minReplicas: two\n", "spec.minReplicas", 6, "expected an integer"),
    ("  maxReplicaz: 3\n", "spec.maxReplicaz", 6, "unknown field"),
    ("  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization}}}]\n",
     "spec.metrics[0].resource.target.averageUtilization", 6, "required for a target of type Utilization"),
    ("  metrics: [{type: Custom}]\n", "spec.metrics[0].type", 6, "unsupported value 'Custom'"),
    ("  behavior: {scaleDown: {selectPolicy: Fastest}}\n", "spec.behavior.scaleDown.selectPolicy", 6,
     "unsupported value 'Fastest'"),
    ("  behavior: {scaleUp: {policies: [{type: Pods, value: 0, periodSeconds: 15}]}}\n",
     "spec.behavior.scaleUp.policies[0].value", 6, "greater than or equal to 1"),
    ("  behavior: {scaleUp: {stabilizationWindowSeconds: 7200}}\n",
     "spec.behavior.scaleUp.stabilizationWindowSeconds", 6, "less than or equal to 3600"),
    ("  behavior: {scaleUp: {tolerance: '-0.1'}}\n", "spec.behavior.scaleUp.tolerance", 6,
     "greater than or equal to 0"),
])
def test_bad_fields_name_file_line_document_and_field(text, field, line, message):
    base = ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n"
            "  scaleTargetRef: {kind: Deployment, name: web}\n")
    e = fails(base + text + ("  maxReplicas: 3\n" if "maxReplica" not in text else ""))
    assert (e.field, e.line, e.document, e.file) == (field, line, 1, "-")
    assert message in str(e)


def test_missing_max_replicas_and_removed_versions():
    e = fails("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
              "spec: {scaleTargetRef: {kind: Deployment, name: web}}\n")
    assert e.field == "spec.maxReplicas" and "required" in str(e)
    e = fails("apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n")
    assert e.field == "apiVersion" and "removed in Kubernetes 1.26" in str(e)


def _admit(text):
    hpa = from_text(text).objects[0]
    state = ClusterState.of([Namespace(ObjectMeta("default"))])
    return apply(state, Create(hpa))


def test_api_server_defaults_and_validates():
    state, resp = _admit("""\
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {kind: Deployment, name: web}
          maxReplicas: 3
          behavior: {scaleDown: {stabilizationWindowSeconds: 60}}
        """)
    hpa = state.get(resp.ref)
    assert hpa.spec.min_replicas == 1 and hpa.spec.metrics[0].target.average_utilization == 80
    assert hpa.spec.behavior.scale_up.stabilization_window_seconds == 0
    assert hpa.spec.behavior.scale_down.select_policy == "Max"
    _, resp = _admit("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
                     "spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 5, maxReplicas: 3}\n")
    assert resp.code == 422 and "spec.maxReplicas: Invalid value: 3" in resp.message
    new, resp = apply(state, Update(replace(hpa, spec=replace(hpa.spec, min_replicas=0))))
    assert resp.code == 422 and "spec.minReplicas" in resp.message and new is state


def test_explore_refuses_an_invalid_hpa_naming_its_line(tmp_path):
    from kmodel.scenario import load_spec

    (tmp_path / "hpa.yaml").write_text("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                                       "metadata: {name: web}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n"
                                       "  minReplicas: 0\n  maxReplicas: 3\n")
    with pytest.raises(InvalidManifest) as e:
        load_spec([str(tmp_path)])
    assert e.value.field == "spec.minReplicas" and e.value.line == 6


SCENARIO = """\
apiVersion: kmodel.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  cpuUtilization: %s
  events: %s
  properties: [hpa-within-bounds]
"""


@pytest.mark.parametrize("load_,events,field", [
    ("[{name: web, percent: -1}]", "[]", "spec.cpuUtilization[0].percent"),
    ("[{name: web, percent: 1, pods: 3}]", "[]", "spec.cpuUtilization[0].pods"),
    ("[{name: web, percent: 1}, {name: web, percent: 2}]", "[]", "spec.cpuUtilization[1].name"),
    ("[]", "[{cpuUtilization: {percent: 90}}]", "spec.events[0].cpuUtilization.name"),
    ("[]", "[{cpuUtilization: {name: web, percent: '90'}}]", "spec.events[0].cpuUtilization.percent"),
])
def test_scenario_load_inputs_are_checked(tmp_path, load_, events, field):
    from kmodel.scenario import load_spec

    (tmp_path / "scenario.yaml").write_text(SCENARIO % (load_, events))
    with pytest.raises(InvalidManifest) as e:
        load_spec([str(tmp_path)])
    assert e.value.field == field and e.value.line == 1


def test_cpu_utilization_event_changes_the_environment(tmp_path):
    from kmodel.scenario import load_spec

    (tmp_path / "scenario.yaml").write_text(SCENARIO % ("[{name: web, percent: 40}]",
                                                        "[{cpuUtilization: {name: web, percent: 90}}]"))
    model = load_spec([str(tmp_path)]).model
    assert model.initial.env.cpu_utilization == (("default/web", 40),)
    (step, world), = [s for s in model.successors(model.initial) if s[0].actor == "user"]
    assert world.env.cpu_utilization == (("default/web", 90),) and world.cluster == model.initial.cluster
    assert model.describe_action(step) == "user: load: the CPU utilization of web's pods becomes 90%"


def test_properties_report_out_of_bounds_and_swings():
    from kmodel.cluster import World
    from kmodel.properties import by_id, explain
    from kmodel.objects.autoscaling import (CrossVersionObjectReference, HorizontalPodAutoscaler,
                                            HorizontalPodAutoscalerSpec, HorizontalPodAutoscalerStatus)
    from kmodel.objects.meta import LabelSelector
    from kmodel.objects.workloads import Container, Deployment, DeploymentSpec, PodSpec, PodTemplateSpec

    t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web"),)))
    d = Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector(t.labels), t, 1))
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 5, 2)
    fresh = HorizontalPodAutoscaler(ObjectMeta("web", "default"), spec)
    acted = replace(fresh, status=HorizontalPodAutoscalerStatus(recommendations=(2,)))
    within, oscillation = by_id(["hpa-within-bounds", "no-replica-oscillation"])
    assert within.condition(World(ClusterState.of([d, fresh])))      # the HPA has not acted yet
    w = World(ClusterState.of([d, acted]))
    assert not within.condition(w)
    assert explain("hpa-within-bounds", w) == ["Deployment/default/web has 1 replicas, outside [2, 5] of "
                                               "HorizontalPodAutoscaler/default/web"]
    zero = World(ClusterState.of([replace(d, spec=replace(d.spec, replicas=0)), acted]))
    assert within.condition(zero)                                    # scaling disabled on purpose
    swung = replace(acted, status=replace(acted.status, swung=True))
    assert not oscillation.condition(World(ClusterState.of([d, swung])))
    assert "with no change of load" in explain("no-replica-oscillation", World(ClusterState.of([d, swung])))[0]
