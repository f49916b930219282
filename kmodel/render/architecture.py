"""``--view architecture``: the control plane, the worker nodes by zone and subnet, and the pods on them.

What is drawn (from :class:`~kmodel.render.inputs.Inputs`):

* **Control plane**: ``kube-apiserver`` with ``etcd``, ``kube-scheduler``,
  ``kube-controller-manager`` listing the controllers the model runs and, marked "not modelled",
  those the input's kinds need that kmodel does not model yet; ``cloud-controller-manager`` when
  a Service of type LoadBalancer needs one or the scenario takes nodes away (its node lifecycle
  controller deletes them), the ``aws-load-balancer-controller`` when an Ingress or Service is
  handled by it (controllers the model runs but the input gives nothing to do are not drawn).
* **Worker nodes** as boxes, grouped by availability zone (the ``zoneLabel`` label) and subnet
  (the ``subnetLabel`` label or the config's ``subnets``), inside the config's VPC; each with its
  allocatable and requested resources, its ``kubelet · kube-proxy``, and its pods collapsed per
  workload and state: ``frontend ×3``. Colours tie pods to their workload.
* **Pending pods** (bound to no node), with the model's scheduler's reason when it cannot place
  them now (``0/2 nodes are available: 2 Insufficient cpu.``).
* **Workloads** per namespace with their replica counts, per-pod requests, HPA range and PDB as
  badges.
* **Load balancers** (an ALB per Ingress group, one per LoadBalancer Service) in the public
  subnets, with their targets: pods for target type ``ip``, nodes (NodePort) for ``instance``.

Marks: ``overcommitted`` and ``not-ready-node`` on nodes, ``unschedulable`` on pending pods,
``pdb-blocked`` on workloads whose budget allows no eviction, ``not-ready`` and ``terminating``
on pod groups.

Upstream: the component layout of a kubeadm/EKS cluster (``cmd/kube-apiserver``,
``cmd/kube-controller-manager`` and its controller names in ``cmd/kube-controller-manager/names``,
``cmd/kube-scheduler``, ``cmd/kubelet``, ``cmd/kube-proxy``); the AWS Load Balancer
Controller's IngressGroups (``pkg/ingress/group_loader.go``) and target types
(``pkg/backend/endpoint_resolver.go``). Abstracted: the controller manager's full controller
list (only those the input needs are shown), node pools and autoscaling groups, NAT and routing.
"""

from __future__ import annotations

from collections import defaultdict

from kmodel.objects.nodes import format_resource, resource_get
from kmodel.properties import overcommitted
from kmodel.render import _shared as sh
from kmodel.render.diagram import Diagram, DiagramBuilder
from kmodel.render.inputs import Inputs, pods_of

__all__ = ["architecture"]

#: Above this many worker nodes, kubelets are not each joined to the API server by an edge (the
#: edges would cross the whole picture; a note says so instead).
MAX_AGENT_EDGES = 4


def _title(inputs: Inputs) -> str:
    return inputs.config.title or "architecture: " + inputs.name


def _control_plane(b: DiagramBuilder, inputs: Inputs, needs_ccm: bool, needs_albc: bool) -> None:
    b.cluster("cluster:control-plane", "control plane", "control-plane")
    cp = "cluster:control-plane"
    b.node("component:kube-apiserver", "kube-apiserver", "component", cluster=cp)
    b.node("component:etcd", "etcd", "component", cluster=cp)
    b.edge("component:kube-apiserver", "component:etcd", "", "stores")
    names = [c.name for c in inputs.model.controllers]
    b.node("component:kube-scheduler", "kube-scheduler", "component", cluster=cp,
           badges=() if "scheduler" in names else ("not modelled",))
    kinds = {d.kind for d in inputs.documents} | {o.kind for o in inputs.state.objects()}
    albc = [n for n in names if n.startswith(("alb-", "aws-"))]
    ccm = [n for n in names if n.startswith("cloud-")]
    controllers = [n for n in names if n not in ("scheduler", "kubelet") and n not in albc and n not in ccm]
    for kind, ctrl in sorted(sh.CONTROLLER_FOR_KIND.items(), key=lambda kv: kv[1]):
        if kind in kinds and ctrl not in controllers:
            controllers.append(f"{ctrl} (not modelled)")
    rows = [controllers[i:i + 3] for i in range(0, len(controllers), 3)]  # three a line: a box wider than tall
    b.node("component:kube-controller-manager", "kube-controller-manager", "component", cluster=cp,
           badges=tuple(", ".join(row) + ("," if i < len(rows) - 1 else "") for i, row in enumerate(rows)))
    for comp in ("kube-scheduler", "kube-controller-manager"):
        b.edge(f"component:{comp}", "component:kube-apiserver", "", "watches")
    node_faults = any(getattr(getattr(inputs.model, "faults", None), f, 0)
                      for f in ("node_losses", "zone_losses", "node_failures", "zone_outages"))
    if needs_ccm or (ccm and node_faults):  # what it does matters: load balancers, or nodes that go away
        b.node("component:cloud-controller-manager", "cloud-controller-manager", "component", cluster=cp,
               badges=tuple(ccm) + (("service controller (not modelled)",) if needs_ccm else ()))
        b.edge("component:cloud-controller-manager", "component:kube-apiserver", "", "watches")
    if needs_albc or (albc and kinds & {"Ingress", "TargetGroupBinding", "AWSLoadBalancer", "AWSTargetGroup"}):
        b.node("component:aws-load-balancer-controller", "aws-load-balancer-controller", "component", cluster=cp,
               badges=("add-on in kube-system",) + (tuple(albc) or ("not modelled",)))
        b.edge("component:aws-load-balancer-controller", "component:kube-apiserver", "", "watches")


def _node_cluster_parent(b: DiagramBuilder, inputs: Inputs, node: object, vpc: str) -> str:
    cfg = inputs.config
    labels = dict(node.metadata.labels)  # type: ignore[attr-defined]
    zone = labels.get(cfg.zone_label, "")
    parent = vpc
    if zone:
        zid = f"cluster:zone/{zone}"
        b.cluster(zid, f"availability zone {zone}", "zone", parent=vpc)
        parent = zid
    subnet_name = labels.get(cfg.subnet_label, "") if cfg.subnet_label else ""
    subnet = next((s for s in cfg.subnets if s.name == subnet_name), None)
    if subnet is None and not subnet_name:
        subnet = next((s for s in cfg.subnets if not s.public and (not s.zone or s.zone == zone)
                       and all(labels.get(k) == v for k, v in s.node_selector)), None)
    if subnet is not None or subnet_name:
        name = subnet.name if subnet is not None else subnet_name
        sid = f"cluster:subnet/{name}"
        badges = (subnet.cidr,) if subnet is not None and subnet.cidr else ()
        b.cluster(sid, f"private subnet {name}", "subnet-private", parent=parent, badges=badges)
        parent = sid
    return parent


def _node_badges(info: object, node: object) -> list[str]:
    alloc = node.status.allocatable  # type: ignore[attr-defined]
    badges = []
    itype = node.metadata.label("node.kubernetes.io/instance-type")  # type: ignore[attr-defined]
    if itype:
        badges.append(itype)
    parts = [f"{format_resource('cpu', resource_get(alloc, 'cpu'))} CPU"] if resource_get(alloc, "cpu") else []
    if resource_get(alloc, "memory"):
        parts.append(format_resource("memory", resource_get(alloc, "memory")))
    if resource_get(alloc, "pods"):
        parts.append(f"{resource_get(alloc, 'pods')} pods")
    if parts:
        badges.append("allocatable " + " · ".join(parts))
    req = info.requested if info is not None else {}  # type: ignore[attr-defined]
    cpu, alloc_cpu = req.get("cpu", 0), resource_get(alloc, "cpu")
    if cpu and alloc_cpu:
        badges.append(f"requested {format_resource('cpu', cpu)} CPU ({100 * cpu // alloc_cpu}%)"
                      + (f" · {format_resource('memory', req['memory'])}" if req.get("memory") else ""))
    if node.spec.unschedulable:  # type: ignore[attr-defined]
        badges.append("cordoned (unschedulable)")
    for t in node.spec.taints:  # type: ignore[attr-defined]
        badges.append(f"taint {t}")
    return badges


def architecture(inputs: Inputs) -> Diagram:
    """The architecture diagram of ``inputs`` (see the module docstring)."""
    from kmodel.scheduler.framework import node_infos

    cfg = inputs.config
    b = DiagramBuilder("architecture", _title(inputs))
    services = inputs.services()
    ingresses = inputs.ingresses()
    albs = [i for i in ingresses if i.alb]
    lb_services = [s for s in services if s.type == "LoadBalancer"]
    aws_nlb = [s for s in lb_services if any(k.startswith("service.beta.kubernetes.io/aws-load-balancer-type")
                                             and v in ("external", "nlb-ip") for k, v in s.annotations)]
    _control_plane(b, inputs, needs_ccm=len(lb_services) > len(aws_nlb), needs_albc=bool(albs or aws_nlb))

    vpc = ""
    if cfg.vpc or cfg.subnets:
        vpc = "cluster:vpc"
        b.cluster(vpc, cfg.vpc or "VPC", "vpc")
    nodes = [n for n in inputs.state.list("Node")]
    infos = node_infos(inputs.state)
    over = defaultdict(list)
    for name, resource, req, alloc in overcommitted(inputs.state):
        over[name].append(f"{format_resource(resource, req)} {resource} requested of {format_resource(resource, alloc)}")
    for node in nodes:
        parent = _node_cluster_parent(b, inputs, node, vpc)
        nid = f"cluster:node/{node.name}"
        b.cluster(nid, f"node {node.name}", "worker", parent=parent, badges=_node_badges(infos.get(node.name), node))
        agent = f"Node/{node.name}"
        b.node(agent, "kubelet · kube-proxy", "agent", cluster=nid)
        if not node.ready:
            cond = node.condition("Ready")
            b.mark(nid, "not-ready-node", f"node {node.name} is not Ready"
                   + (f" ({cond.status}, {cond.reason})" if cond is not None and cond.reason else ""))
        if over[node.name]:
            b.mark(nid, "overcommitted", f"node {node.name} is overcommitted: {'; '.join(over[node.name])}")
    for subnet in cfg.subnets:
        if subnet.public:
            parent = vpc
            if subnet.zone:
                b.cluster(f"cluster:zone/{subnet.zone}", f"availability zone {subnet.zone}", "zone", parent=vpc)
                parent = f"cluster:zone/{subnet.zone}"
            sid = f"cluster:subnet/{subnet.name}"
            b.cluster(sid, f"public subnet {subnet.name}", "subnet-public", parent=parent,
                      badges=(subnet.cidr,) if subnet.cidr else ())
            for host in subnet.hosts:
                b.node(f"host:{subnet.name}/{host}", host, "host", cluster=sid)
    for i, node in enumerate(nodes):  # the kubelets watch the API server; it is drawn above them, below etcd
        if vpc and i == 0:  # one edge to the VPC says it for every node (per-node edges would cross it)
            b.edge("component:kube-apiserver", f"Node/{node.name}", "kubelets watch", "watches", minlen=2,
                   lhead=vpc)
            continue
        kind = "watches" if len(nodes) <= MAX_AGENT_EDGES and not vpc else "layout"
        b.edge("component:kube-apiserver", f"Node/{node.name}", "", kind, minlen=2,
               lhead=f"cluster:node/{node.name}" if kind == "watches" else "")
    zones = {n.name: n.metadata.label(cfg.zone_label) for n in nodes}
    for subnet in cfg.subnets:  # public subnets above the control plane's rows, and above their zone's nodes
        for host in subnet.hosts if subnet.public else ():
            b.edge("component:etcd", f"host:{subnet.name}/{host}", "", "layout")
            for node in nodes:
                if subnet.zone and zones[node.name] == subnet.zone:
                    b.edge(f"host:{subnet.name}/{host}", f"Node/{node.name}", "", "layout")
    if len(nodes) > MAX_AGENT_EDGES and not vpc:
        b.notes.append(f"{len(nodes)} worker nodes: each kubelet talks to kube-apiserver (edges not drawn)")
    if not nodes:
        b.notes.append("no Node objects in the input: add `kubectl get nodes -o yaml` output or a NodePool")

    colours = sh.palette(inputs)
    pending = sh.pending_reasons(inputs)
    _pods(b, inputs, colours, pending)
    _workloads(b, inputs, colours)
    _arrange(b, nodes)
    _load_balancers(b, inputs, albs, lb_services, vpc)
    if inputs.unsettled:
        b.finding("unsettled", "component:kube-controller-manager",
                  f"the model's controllers do not settle: after {inputs.settle_steps} steps (no faults) they "
                  "still have work (a cycle); drawn there")
    elif inputs.settled:
        b.notes.append(f"drawn after {inputs.settle_steps} controller steps (no faults), where kmodel's "
                       "controllers and scheduler leave it")
    else:
        b.notes.append("drawn as written: controllers not run (kmodel diagram --settle shows where the pods land)")
    if any(len(m) > 1 for m in inputs.ns_members.values()):
        b.notes.append("namespaces with identical manifests are drawn once; counts cover every copy")
    return b.build()


#: Pod boxes per row inside a worker node.
POD_COLUMNS = 3


def _arrange(b: DiagramBuilder, nodes: list) -> None:
    """Invisible edges: a node's pods in rows under its agents, pending pods under the API
    server, workloads under their pods (or under the controller manager)."""
    groups = [n for n in b.nodes() if n.id.startswith("pods:")]
    for node in nodes:
        mine = [g.id for g in groups if g.cluster == f"cluster:node/{node.name}"]
        for gid in mine[:POD_COLUMNS]:
            b.edge(f"Node/{node.name}", gid, "", "layout")
        b.grid(mine, POD_COLUMNS)
    pending = [g.id for g in groups if g.cluster == "cluster:pending"]
    for gid in pending[:POD_COLUMNS]:
        b.edge("component:kube-apiserver", gid, "", "layout")
    b.grid(pending, POD_COLUMNS)
    b.same_rank(w.id for w in b.nodes() if w.cluster.startswith("cluster:workloads/"))
    for w in b.nodes():
        if w.cluster.startswith("cluster:workloads/"):
            ns, name = w.cluster[len("cluster:workloads/"):], w.label
            below = [g.id for g in groups if g.id.split("/", 4)[1:4] == [ns, w.kind, name]]
            for gid in below or ["component:kube-controller-manager"]:
                b.edge(gid, w.id, "", "layout")


def _pods(b: DiagramBuilder, inputs: Inputs, colours: dict, pending: dict[str, str]) -> None:
    groups: dict[tuple[str, str, str, str, str], list] = defaultdict(list)
    for pod in inputs.pods():
        ns = inputs.rep(pod.metadata.namespace)
        owner = sh.top_owner(inputs, pod)
        okind, oname = owner if owner is not None else ("Pod", pod.metadata.name)
        status = sh.status_class(pod)
        where = pod.spec.node_name or ""
        if status == "pending" and f"{pod.metadata.namespace}/{pod.metadata.name}" in pending:
            status = "unschedulable"
        groups[(where, ns, okind, oname, status)].append(pod)
    if any(not k[0] for k in groups):
        b.cluster("cluster:pending", "pending pods (not bound to a node)", "pending")
    multi_ns = len({k[1] for k in groups}) > 1
    for (where, ns, okind, oname, status), pods in sorted(groups.items()):
        cluster = f"cluster:node/{where}" if where and b.has_cluster(f"cluster:node/{where}") else "cluster:pending"
        if where and cluster == "cluster:pending":
            b.cluster("cluster:pending", "pending pods (not bound to a node)", "pending")
        nid = f"pods:{where or '-'}/{ns}/{okind}/{oname}/{status}"
        label = f"{oname} ×{len(pods)}" if okind != "Pod" or len(pods) > 1 else oname
        badges = []
        spaces = {p.metadata.namespace for p in pods}
        if len(spaces) > 1:
            badges.append(f"in {len(spaces)} namespaces ({ns} …)")
        elif multi_ns:
            badges.append(f"namespace {ns}")
        if status == "unschedulable":
            reason = pending[f"{pods[0].metadata.namespace}/{pods[0].metadata.name}"]
            badges.append(reason)
            marks: tuple[str, ...] = ("unschedulable",)
        else:
            badges.append(sh.STATUS_TEXT[status])
            marks = sh.STATUS_MARKS.get(status, ())
        if where and cluster == "cluster:pending":
            badges.append(f"bound to missing node {where}")
        b.node(nid, label, "Pod", cluster=cluster, badges=badges, marks=marks, count=len(pods),
               color=colours.get((okind, ns, oname), ""))
        if status == "unschedulable":
            names = ", ".join(sorted(f"{p.metadata.namespace}/{p.metadata.name}" for p in pods)[:3])
            more = f" and {len(pods) - 3} more" if len(pods) > 3 else ""
            b.finding("unschedulable", nid, f"Pod {names}{more} cannot be scheduled: {badges[-1]}")


def _workloads(b: DiagramBuilder, inputs: Inputs, colours: dict) -> None:
    workloads = [w for w in inputs.workloads() if w.owner is None and inputs.rep(w.namespace) == w.namespace]
    if not workloads:
        return
    b.cluster("cluster:workloads", "workloads", "workloads")
    hpa_list, pdb_list = sh.hpas(inputs), sh.pdbs(inputs)
    for w in workloads:
        ns_cluster = f"cluster:workloads/{w.namespace}"
        b.cluster(ns_cluster, inputs.namespace_label(w.namespace), "namespace", parent="cluster:workloads")
        pods = pods_of(inputs, w)
        b.node(w.id, w.name, w.kind, cluster=ns_cluster, badges=sh.workload_badges(inputs, w, hpa_list, pdb_list, pods),
               color=colours.get((w.kind, w.namespace, w.name), ""))
    for pdb in pdb_list:
        if inputs.rep(pdb.namespace) != pdb.namespace:
            continue
        why = sh.pdb_blocked(inputs, pdb)
        if not why:
            continue
        for w in sh.selected_workloads(inputs, pdb.namespace, pdb.selector):
            if b.has(w.id):
                b.mark(w.id, "pdb-blocked")
        b.finding("pdb-blocked", f"PodDisruptionBudget/{pdb.namespace}/{pdb.name}", why)


def _load_balancers(b: DiagramBuilder, inputs: Inputs, albs: list, lb_services: list, vpc: str) -> None:
    if not albs and not lb_services:
        return
    public = [s.name for s in inputs.config.subnets if s.public]
    label = "load balancers" + (f" (public subnets {', '.join(public)})" if public else "")
    b.cluster("cluster:edge", label, "edge", parent=vpc)
    b.node("client", "clients", "client")
    groups: dict[str, list] = defaultdict(list)
    for ing in albs:
        group = ing.annotation("alb.ingress.kubernetes.io/group.name") or f"{ing.namespace}/{ing.name}"
        groups[group].append(ing)
    services = {(s.namespace, s.name): s for s in inputs.services()}
    nodes = [n for n in inputs.state.list("Node") if n.ready]
    routes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for group, members in sorted(groups.items()):
        lb = f"loadbalancer:alb/{group}"
        scheme = members[0].annotation("alb.ingress.kubernetes.io/scheme", "internal")
        target = members[0].annotation("alb.ingress.kubernetes.io/target-type", "instance")
        b.node(lb, f"ALB {group}", "loadbalancer", cluster="cluster:edge",
               badges=(f"{scheme}, target type {target}", "Ingress " + ", ".join(f"{i.namespace}/{i.name}" for i in members)))
        b.edge("component:aws-load-balancer-controller", lb, "provisions", "watches", constraint=False)
        b.edge("component:etcd", lb, "", "layout")  # load balancers below the control plane
        if scheme == "internet-facing":
            b.edge("client", lb, "HTTP(S)", "routes")
        for ing in members:
            for path in ing.paths:
                svc = services.get((ing.namespace, path.service))
                if svc is None:
                    continue  # drawn as missing in the workload view
                _lb_targets(b, inputs, lb, svc, target, nodes, path.path,
                            routes)
    for svc in lb_services:
        if inputs.rep(svc.namespace) != svc.namespace:
            continue
        lb = f"loadbalancer:service/{svc.namespace}/{svc.name}"
        nlb = any(v in ("external", "nlb-ip") for k, v in svc.annotations
                  if k.startswith("service.beta.kubernetes.io/aws-load-balancer-type"))
        target = "ip" if dict(svc.annotations).get("service.beta.kubernetes.io/aws-load-balancer-nlb-target-type") == "ip" \
            else "instance"
        b.node(lb, f"{'NLB' if nlb else 'load balancer'} {svc.namespace}/{svc.name}", "loadbalancer",
               cluster="cluster:edge", badges=(f"Service type LoadBalancer, externalTrafficPolicy "
                                                f"{svc.external_traffic_policy}",))
        b.edge("component:etcd", lb, "", "layout")
        owner = "component:aws-load-balancer-controller" if nlb else "component:cloud-controller-manager"
        if b.has(owner):
            b.edge(owner, lb, "provisions", "watches", constraint=False)
        b.edge("client", lb, "TCP", "routes")
        _lb_targets(b, inputs, lb, svc, target, nodes, ", ".join(str(p.port) for p in svc.ports), routes)
    for (lb, dst), labels in sorted(routes.items()):
        b.edge(lb, dst, ", ".join(sorted(set(labels))), "routes")


def _lb_targets(b: DiagramBuilder, inputs: Inputs, lb: str, svc: object, target: str, nodes: list, label: str,
                routes: dict[tuple[str, str], list[str]]) -> None:
    if target == "ip":
        selector = svc.selector  # type: ignore[attr-defined]
        if selector is None:
            return
        for node in b.nodes():  # pod groups drawn on worker nodes
            if node.id.startswith("pods:") and node.kind == "Pod" and not node.id.startswith("pods:-/"):
                where, ns, okind, oname, _status = node.id[len("pods:"):].split("/", 4)
                if ns != inputs.rep(svc.namespace):  # type: ignore[attr-defined]
                    continue
                w = next((w for w in inputs.workloads() if w.kind == okind and w.name == oname and w.namespace == ns), None)
                labels = dict(w.template_labels) if w is not None else {}
                if w is not None and all(labels.get(k) == v for k, v in selector):
                    routes[(lb, node.id)].append(label)
        return
    for node in nodes:
        routes[(lb, f"Node/{node.name}")].append(f"{label} (NodePort)")
