"""Loading affinity, topology spread, host ports and preemption policy, with upstream's validation
(``pkg/apis/core/validation/validation.go``: ``ValidateAffinity``, ``validateTopologySpreadConstraints``,
``validateContainerPorts``): every error names file, line, document and field."""

from __future__ import annotations

import io

import pytest

from kmodel.errors import InvalidManifest
from kmodel.manifests import load

POD = """apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web, rev: "2"}}
spec:
  containers: [{name: a, image: b}]
"""


def pod_with(extra: str):
    return load(["-"], stdin=io.StringIO(POD + extra)).objects[0]


def error(extra: str) -> InvalidManifest:
    with pytest.raises(InvalidManifest) as info:
        pod_with(extra)
    return info.value


def test_full_affinity_and_spread_are_read():
    p = pod_with("""  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: kernel, operator: Gt, values: ["3"]}]
          matchFields: [{key: metadata.name, operator: In, values: [n1]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - {weight: 10, preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}}
    podAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 5
        podAffinityTerm: {labelSelector: {matchLabels: {app: db}}, topologyKey: topology.kubernetes.io/zone,
                          namespaces: [data], namespaceSelector: {}}
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname, matchLabelKeys: [rev]}
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
     labelSelector: {matchLabels: {app: web}}, minDomains: 3, nodeAffinityPolicy: Ignore,
     nodeTaintsPolicy: Honor, matchLabelKeys: [rev]}
  preemptionPolicy: Never
""")
    a = p.spec.affinity
    assert a.node_affinity.required.node_selector_terms[0].match_expressions[0].operator == "Gt"
    assert a.node_affinity.required.node_selector_terms[0].match_fields[0].values == ("n1",)
    assert a.node_affinity.preferred[0].weight == 10
    term = a.pod_affinity.preferred[0].term
    assert term.namespaces == ("data",) and term.namespace_selector is not None and term.namespace_selector.empty
    assert a.pod_anti_affinity.required[0].match_label_keys == ("rev",)
    c = p.spec.topology_spread_constraints[0]
    assert (c.max_skew, c.min_domains, c.node_affinity_policy, c.node_taints_policy, c.match_label_keys) == \
        (1, 3, "Ignore", "Honor", ("rev",))
    assert p.spec.preemption_policy == "Never"


def test_host_ip_is_read_and_checked():
    p = pod_with("")
    assert p.spec.containers[0].ports == ()
    text = POD.replace("{name: a, image: b}", "{name: a, image: b, ports: [{containerPort: 80, hostPort: 80, hostIP: 10.0.0.1}]}")
    assert load(["-"], stdin=io.StringIO(text)).objects[0].spec.containers[0].ports[0].host_ip == "10.0.0.1"
    bad = POD.replace("{name: a, image: b}", "{name: a, image: b, ports: [{containerPort: 80, hostIP: nope}]}")
    with pytest.raises(InvalidManifest, match="spec.containers\\[0\\].ports\\[0\\].hostIP: must be a valid IP address"):
        load(["-"], stdin=io.StringIO(bad))


@pytest.mark.parametrize("extra, field, message", [
    ("  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}\n",
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
     "must have at least one node selector term"),
    ("  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
     "[{matchExpressions: [{key: a, operator: Gt, values: ['1', '2']}]}]}}}\n",
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
     "must be a single value when operator is Gt"),
    ("  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
     "[{matchExpressions: [{key: a, operator: Near}]}]}}}\n",
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator",
     "unsupported value 'Near'"),
    ("  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
     "[{matchFields: [{key: metadata.labels, operator: In, values: [x]}]}]}}}\n",
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key",
     "matchFields supports only metadata.name"),
    ("  affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 101, preference: {}}]}}\n",
     "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", "must be in the range 1-100"),
    ("  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}}]}}\n",
     "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
     "required field is missing"),
    ("  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: zone, "
     "matchLabelKeys: [rev]}]}}\n",
     "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys",
     "may not be set when labelSelector is not set"),
    ("  affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: 'bad key'}]}}\n",
     "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey", "name part"),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}]\n",
     "spec.topologySpreadConstraints[0].whenUnsatisfiable", "unsupported value 'Sometimes'"),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]\n",
     "spec.topologySpreadConstraints[0].minDomains", "can only be set when whenUnsatisfiable is DoNotSchedule"),
    ("  topologySpreadConstraints:\n  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n"
     "  - {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n",
     "spec.topologySpreadConstraints[1].topologyKey", "duplicate constraint"),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, "
     "labelSelector: {matchLabels: {rev: '1'}}, matchLabelKeys: [rev]}]\n",
     "spec.topologySpreadConstraints[0].matchLabelKeys[0]", "exists in both matchLabelKeys and labelSelector"),
    ("  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, "
     "nodeTaintsPolicy: Sometimes}]\n",
     "spec.topologySpreadConstraints[0].nodeTaintsPolicy", "unsupported value 'Sometimes'"),
    ("  preemptionPolicy: Always\n", "spec.preemptionPolicy", "unsupported value 'Always'"),
    ("  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
     "[{matchExpressions: [{key: a, operator: In, values: [x]}], matchFieldz: []}]}}}\n",
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFieldz",
     "unknown field 'matchFieldz'"),
])
def test_validation_names_the_field(extra, field, message):
    err = error(extra)
    assert err.field == field and message in err.message
    assert err.file == "-" and err.document == 1 and err.line is not None and err.line >= 6
