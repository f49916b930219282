"""--view architecture: what is on the diagram, independent of layout."""

from __future__ import annotations

from kmodel.render.architecture import architecture
from kmodel.render.config import DiagramConfig, Subnet
from kmodel.render.inputs import load_inputs

BIG = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: big}
spec:
  replicas: 1
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: big, image: x, resources: {requests: {cpu: "3"}}}]
"""


def test_control_plane_nodes_by_zone_and_pods_collapsed(manifests, nodes_yaml, web_yaml):
    d = architecture(load_inputs([manifests(nodes_yaml + "---" + web_yaml)], settle_state=True))
    for comp in ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"):
        assert d.node(f"component:{comp}").cluster == "cluster:control-plane"
    assert d.edge("component:kube-apiserver", "component:etcd") is not None
    assert d.ancestors("Node/worker-a") == ["cluster:node/worker-a", "cluster:zone/zone-a"]
    assert d.node("Node/worker-a").label == "kubelet · kube-proxy"
    groups = [n for n in d.nodes if n.id.startswith("pods:")]
    assert sum(n.count for n in groups) == 2
    assert all(n.label == "web ×1" and n.cluster.startswith("cluster:node/") for n in groups)
    web = d.node("Deployment/default/web")
    assert web.cluster == "cluster:workloads/default"
    assert "×2 replicas, 2/2 ready" in web.badges and "requests 500m CPU · 256Mi per pod" in web.badges
    rows = d.node("component:kube-controller-manager").badges  # three controllers a line
    assert all(len(r.rstrip(",").split(", ")) <= 3 for r in rows)
    assert "replicaset-controller" in " ".join(rows).replace(",", "").split()


def test_unschedulable_pod_is_marked_with_the_schedulers_reason(manifests, nodes_yaml):
    d = architecture(load_inputs([manifests(nodes_yaml + "---" + BIG)], settle_state=True))
    (pid,) = d.marked("unschedulable")
    node = d.node(pid)
    assert node.cluster == "cluster:pending"
    assert "0/2 nodes are available: 2 Insufficient cpu." in node.badges
    assert any("cannot be scheduled" in f.message for f in d.findings)


def test_overcommitted_and_not_ready_nodes_are_marked(manifests, nodes_yaml):
    pinned = """
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: worker-a
  containers: [{name: a, image: x, resources: {requests: {cpu: "3"}}}]
"""
    down = nodes_yaml.replace("""  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
---""", """  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "False", reason: KubeletNotReady}]
---""", 1)
    d = architecture(load_inputs([manifests(down + "---" + pinned)]))
    assert "cluster:node/worker-a" in d.marked("overcommitted")
    assert "cluster:node/worker-a" in d.marked("not-ready-node")
    assert any("3 cpu requested of 2" in f.message for f in d.findings)


def test_subnets_vpc_and_public_hosts_from_the_config(manifests, nodes_yaml):
    cfg = DiagramConfig(vpc="VPC x", subnet_label="subnet", subnets=(
        Subnet("public-a", "zone-a", True, "10.0.0.0/24", (), ("bastion",)),
        Subnet("private-a", "zone-a", False, "10.0.16.0/20")))
    d = architecture(load_inputs([manifests(nodes_yaml)], config=cfg))
    assert d.ancestors("Node/worker-a") == ["cluster:node/worker-a", "cluster:subnet/private-a",
                                            "cluster:zone/zone-a", "cluster:vpc"]
    assert d.ancestors("host:public-a/bastion") == ["cluster:subnet/public-a", "cluster:zone/zone-a", "cluster:vpc"]
    assert d.cluster("cluster:subnet/private-a").badges == ("10.0.16.0/20",)


def test_alb_targets_pods_in_ip_mode(manifests, nodes_yaml, web_yaml):
    ingress = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {alb.ingress.kubernetes.io/scheme: internet-facing, alb.ingress.kubernetes.io/target-type: ip}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
"""
    d = architecture(load_inputs([manifests(nodes_yaml + "---" + web_yaml + "---" + ingress)], settle_state=True))
    lb = "loadbalancer:alb/default/web"
    assert d.node(lb).cluster == "cluster:edge"
    assert d.edge("client", lb) is not None
    targets = [e.dst for e in d.edges_from(lb) if e.kind == "routes"]
    assert targets and all(t.startswith("pods:worker-") for t in targets)
    assert d.node("component:aws-load-balancer-controller") is not None


def test_identical_namespaces_are_counted_not_repeated(manifests, nodes_yaml):
    app = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: api, namespace: NS}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: x, resources: {requests: {cpu: 10m}}}]
"""
    docs = "---".join(app.replace("NS", f"copy-{i:02d}") for i in range(1, 11))
    d = architecture(load_inputs([manifests(nodes_yaml + "---" + docs)], settle_state=True))
    workloads = [n for n in d.nodes if n.kind == "ReplicaSet"]
    assert [w.id for w in workloads] == ["ReplicaSet/copy-01/api"]
    assert "(×20 in 10 namespaces)" in workloads[0].badges[0]
    assert sum(n.count for n in d.nodes if n.id.startswith("pods:")) == 20
    assert "copy-01 … copy-10 (×10 identical)" in d.cluster("cluster:workloads/copy-01").label


def test_control_plane_above_the_nodes_and_controllers_only_when_they_have_work(manifests, nodes_yaml, web_yaml):
    """Layout intent, as data: the kubelets two ranks below the API server (under etcd), their
    edges stopping at the node's box (not running over its label), public hosts and load
    balancers below etcd; the cloud and ALB controllers only when the input gives them work."""
    cfg = DiagramConfig(subnets=(Subnet("pub-a", zone="zone-a", public=True, hosts=("bastion",)),))
    d = architecture(load_inputs([manifests(nodes_yaml + "---" + web_yaml)], config=cfg, settle_state=True))
    edge = d.edge("component:kube-apiserver", "Node/worker-a")  # in a VPC: one edge, to the VPC's box
    assert (edge.kind, edge.minlen, edge.lhead, edge.label) == ("watches", 2, "cluster:vpc", "kubelets watch")
    assert d.edge("component:kube-apiserver", "Node/worker-b").kind == "layout"
    assert d.edge("component:etcd", "host:pub-a/bastion").kind == "layout"
    assert d.edge("host:pub-a/bastion", "Node/worker-a").kind == "layout"  # its zone's nodes below it
    assert d.edge("host:pub-a/bastion", "Node/worker-b") is None
    assert d.node("component:cloud-controller-manager") is None
    assert d.node("component:aws-load-balancer-controller") is None
    from kmodel.render.dot import to_dot

    plain = architecture(load_inputs([manifests(nodes_yaml + "---" + web_yaml)], settle_state=True))
    edge = plain.edge("component:kube-apiserver", "Node/worker-b")  # no VPC: one edge per node
    assert (edge.kind, edge.minlen, edge.lhead) == ("watches", 2, "cluster:node/worker-b")
    assert 'minlen=2, lhead="cluster_cluster:node/worker-b"' in to_dot(plain)


def test_many_nodes_have_no_kubelet_edges_but_a_note(manifests):
    nodes = "".join(f"""
---
apiVersion: v1
kind: Node
metadata: {{name: n{i}}}
status: {{allocatable: {{cpu: "2", memory: 4Gi, pods: "10"}}}}
""" for i in range(5))
    d = architecture(load_inputs([manifests(nodes)]))
    assert all(e.kind == "layout" and e.minlen == 2 for e in d.edges_from("component:kube-apiserver")
               if e.dst.startswith("Node/"))
    assert "5 worker nodes: each kubelet talks to kube-apiserver (edges not drawn)" in d.notes
