"""Loading PodDisruptionBudgets (``kmodel.manifests_policy``) and the API server's validation of
them when a spec is built: every error names file, line, document and field."""

from __future__ import annotations

import io

import pytest

from kmodel.errors import InvalidManifest
from kmodel.manifests import load
from kmodel.scenario import load_spec

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
%s
"""


def _load(spec: str):  # type: ignore[no-untyped-def]
    return load(["-"], stdin=io.StringIO(PDB % spec)).objects[0]


def test_reads_spec_fields():
    pdb = _load("  minAvailable: 50%\n  unhealthyPodEvictionPolicy: AlwaysAllow\n  selector: {matchLabels: {app: web}}")
    assert (pdb.spec.min_available, pdb.spec.max_unavailable, pdb.spec.unhealthy_pod_eviction_policy) == \
        ("50%", None, "AlwaysAllow")
    assert pdb.metadata.name == "web" and pdb.kind == "PodDisruptionBudget"


def test_absent_selector_is_nil_and_empty_selects_all():
    assert _load("  minAvailable: 1").spec.selector is None
    assert _load("  minAvailable: 1\n  selector: {}").spec.selector.empty


def test_reads_status_of_a_dump():
    text = PDB % "  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}"
    text += """status:
  observedGeneration: 1
  disruptionsAllowed: 1
  currentHealthy: 3
  desiredHealthy: 2
  expectedPods: 3
  disruptedPods: {web-1: "2024-01-01T00:00:00Z"}
  conditions:
    - {type: DisruptionAllowed, status: "True", reason: SufficientPods, message: "", lastTransitionTime: "2024-01-01T00:00:00Z", observedGeneration: 1}
"""
    pdb = load(["-"], stdin=io.StringIO(text)).objects[0]
    st = pdb.status
    assert (st.observed_generation, st.disruptions_allowed, st.current_healthy, st.desired_healthy,
            st.expected_pods, st.disrupted_pods) == (1, 1, 3, 2, 3, ("web-1",))
    assert st.condition("DisruptionAllowed").reason == "SufficientPods"


@pytest.mark.parametrize("spec,field,line", [
    ("  minAvailable: half", "spec.minAvailable", 5),
    ("  maxUnavailable: -1", "spec.maxUnavailable", 5),
    ("  minAvailable: 1\n  maxUnavailible: 1", "spec.maxUnavailible", 6),
    ("  minAvailable: 1\n  unhealthyPodEvictionPolicy: Never", "spec.unhealthyPodEvictionPolicy", 6),
    ("  minAvailable: 1\n  selector: {matchExpressions: [{key: a, operator: In}]}", "spec.selector.matchExpressions[0].values", 6),
])
def test_format_errors_name_the_field(spec, field, line):
    with pytest.raises(InvalidManifest) as exc:
        _load(spec)
    assert exc.value.field == field and exc.value.line == line and exc.value.document == 1


def test_policy_v1beta1_was_removed():
    with pytest.raises(InvalidManifest, match="removed in Kubernetes 1.25"):
        load(["-"], stdin=io.StringIO((PDB % "  minAvailable: 1").replace("policy/v1", "policy/v1beta1")))


def test_api_server_refuses_both_fields_at_their_line(tmp_path):
    """ValidatePodDisruptionBudgetSpec: minAvailable and maxUnavailable both set (422), reported
    as a manifest error at the second field's line when the spec's model is built."""
    (tmp_path / "pdb.yaml").write_text(PDB % "  minAvailable: 1\n  maxUnavailable: 1\n  selector: {}")
    with pytest.raises(InvalidManifest) as exc:
        load_spec([str(tmp_path)])
    assert "cannot be both set" in str(exc.value)
    assert exc.value.field == "spec.maxUnavailable" and exc.value.line == 6


def test_percent_above_100_is_refused(tmp_path):
    (tmp_path / "pdb.yaml").write_text(PDB % "  minAvailable: 150%")
    with pytest.raises(InvalidManifest) as exc:
        load_spec([str(tmp_path)])
    assert exc.value.field == "spec.minAvailable" and "100%" in str(exc.value)
