"""--view workload: the Deployment → ReplicaSet → Pod ← Service schematic and its findings."""

from __future__ import annotations

from kmodel.render.config import DiagramConfig
from kmodel.render.inputs import load_inputs
from kmodel.render.workload import workload

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""


def test_schematic_with_selectors_and_ports_on_edges(manifests, nodes_yaml, web_yaml):
    d = workload(load_inputs([manifests(nodes_yaml + "---" + web_yaml)], settle_state=True))
    (rs,) = [n for n in d.nodes if n.kind == "ReplicaSet"]
    assert d.edge("Deployment/default/web", rs.id).kind == "owns"
    pods = f"pods:default/ReplicaSet/{rs.label}/running"
    assert d.node(pods).count == 2 and d.edge(rs.id, pods).label == "×2"
    sel = d.edge("Service/default/web", pods)
    assert sel.kind == "selects" and sel.label == "app=web  80→http (8080)"
    assert d.ancestors("Deployment/default/web") == ["cluster:ns=default/app.kubernetes.io/name=web", "cluster:ns=default"]
    assert not d.findings


def test_without_settle_templates_stand_for_the_pods(manifests, nodes_yaml, web_yaml):
    d = workload(load_inputs([manifests(nodes_yaml + "---" + web_yaml)]))
    tid = "template:Deployment/default/web"
    assert d.node(tid).kind == "PodTemplate" and "desired ×2 (controllers not run)" in d.node(tid).badges
    assert d.edge("Service/default/web", tid) is not None
    assert not d.marked("no-ready-endpoints")


def test_missing_backend_is_a_ghost_with_the_checks_message(manifests, nodes_yaml, web_yaml):
    d = workload(load_inputs([manifests(nodes_yaml + "---" + web_yaml + "---" + INGRESS)]))
    ghost = d.node("missing:Service/default/api")
    assert ghost.kind == "ghost" and ghost.label == "missing: Service/api"
    edge = d.edge("Ingress/default/shop", "missing:Service/default/api")
    assert edge.marks == ("missing",) and edge.label == "shop.example.com/api"
    assert d.edge("Ingress/default/shop", "Service/default/web").label == "shop.example.com/ → :80"
    (f,) = [f for f in d.findings if f.subject == "missing:Service/default/api"]
    assert "[ingress-backend-missing]" in f.message


def test_references_missing_optional_and_assumed(manifests):
    folder = manifests("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers:
        - name: api
          image: x
          envFrom: [{configMapRef: {name: api-config}}, {configMapRef: {name: flags, optional: true}}]
          env: [{name: P, valueFrom: {secretKeyRef: {name: db, key: p}}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: apii}
  minReplicas: 2
  maxReplicas: 5
""")
    d = workload(load_inputs([folder]))
    dep = "Deployment/default/api"
    assert d.edge(dep, "ServiceAccount/default/api").label == "runs as"
    assert d.edge(dep, "missing:ConfigMap/default/api-config").marks == ("missing",)
    assert d.edge(dep, "missing:Secret/default/db") is not None
    assert d.node("missing:ConfigMap/default/flags") is None
    assert "optional ConfigMap flags absent" in d.node(dep).badges
    assert d.edge("HorizontalPodAutoscaler/default/api", "missing:Deployment/default/apii").label == "scales"
    assert len([f for f in d.findings if f.mark == "missing"]) == 3


def test_service_that_selects_nothing_and_unresolved_port(manifests, web_yaml):
    extra = """
apiVersion: v1
kind: Service
metadata: {name: typo}
spec:
  selector: {app: wbe}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: named}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: metrics}]
"""
    d = workload(load_inputs([manifests(web_yaml + "---" + extra)]))
    assert "Service/default/typo" in d.marked("selects-nothing")
    assert "Service/default/named" in d.marked("port-unresolved")
    edge = d.edge("Service/default/named", "template:Deployment/default/web")
    assert edge.marks == ("port-unresolved",) and "80→metrics (no such port)" in edge.label


def test_no_ready_endpoints_and_blocked_pdb(manifests, nodes_yaml):
    folder = manifests(nodes_yaml + """---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: big}
spec:
  replicas: 2
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: big, image: x, resources: {requests: {cpu: "3"}}}]
---
apiVersion: v1
kind: Service
metadata: {name: big}
spec:
  selector: {app: big}
  ports: [{port: 80}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: big}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: big}}
""")
    d = workload(load_inputs([folder], settle_state=True))
    assert "Service/default/big" in d.marked("no-ready-endpoints")
    assert "PodDisruptionBudget/default/big" in d.marked("pdb-blocked")
    # the pods the model could not place, and the template kmodel check finds fits no node at all
    assert d.marked("unschedulable") == ["ReplicaSet/default/big", "pods:default/ReplicaSet/big/unschedulable"]
    assert d.edge("PodDisruptionBudget/default/big", "pods:default/ReplicaSet/big/unschedulable").label == \
        "minAvailable 1"


def test_group_by_is_configurable_and_unknown_kinds_are_counted(manifests, web_yaml):
    role = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: []
"""
    folder = manifests(web_yaml + "---" + role)
    d = workload(load_inputs([folder], config=DiagramConfig(group_by=("app.kubernetes.io/name",))))
    assert d.ancestors("Deployment/default/web") == ["cluster:app.kubernetes.io/name=web"]
    assert any(n == "not drawn: 1 Role" for n in d.notes)
