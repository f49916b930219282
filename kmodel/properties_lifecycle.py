"""Built-in properties of self-healing, service accounts and storage (registered by id in
:mod:`kmodel.properties`).

* ``pods-replaced`` (eventually always): once faults stop, every ReplicaSet (not being deleted)
  has ``spec.replicas`` active pods that are Running and Ready on nodes that are Ready and whose
  machine runs and reaches the control plane (:mod:`kmodel.faults`): pods of a failed node are
  replaced elsewhere when capacity allows. A crashed node that recovers counts once it is back.
* ``no-mass-eviction`` (always): while every worker node (a node not labelled
  ``node-role.kubernetes.io/control-plane``) is not Ready (a control-plane partition looks like
  this from the API server), not every pod bound to the workers is being evicted by the taint
  manager (``DisruptionTarget`` reason ``DeletionByTaintManager``). The node lifecycle
  controller's full-disruption rule is what keeps it.
* ``serviceaccount-ready`` (eventually always): every active namespace has its ``default``
  ServiceAccount and its ``kube-root-ca.crt`` ConfigMap, and every running pod's ServiceAccount
  exists (a pod whose account was deleted runs on, but the authenticator rejects its bound
  token: :func:`kmodel.registry.serviceaccount.authenticate`).
* ``volume-topology`` (always): no pod is bound to a node from which a volume of one of its bound
  claims cannot be reached (its zone or node), and a ``WaitForFirstConsumer`` claim is bound to
  a volume reachable from the node the scheduler selected for it.
* ``restart-backoff`` (always): every pod's CrashLoopBackOff entry is one of the back-off
  delays (10, 20, 40, 80, 160, 300 s, or none), a container waiting in CrashLoopBackOff has
  earned an entry, and no container was restarted before the back-off its crashes earned ran
  out (:mod:`kmodel.agents.kubelet`). The last part reads a ghost, ``status.backoff_earned``:
  the entry a kubelet that never lost its memory would hold (it doubles with every restart
  inside the window and starts anew when the entry expires or the machine reboots). The
  kubelet's own entry differs from it only after a restart inside the earned window, which
  happens when the kubelet process restarts (the ``kubeletRestarts`` fault: upstream keeps the
  entries in memory only) and the next exit comes less than 10 minutes after the last one.
  The table tests check the delays against upstream's ``Backoff``.
"""

from __future__ import annotations

from typing import Any

from kmodel.model import Property, always, eventually_always
from kmodel.objects.meta import ObjectRef
from kmodel.objects.workloads import BACKOFF, is_pod_active, is_pod_ready

__all__ = ["CONSTRUCTORS", "explain", "unreplaced", "mass_evicted", "serviceaccount_problems",
           "volume_topology_violations", "backoff_violations"]


def _owned(state: Any, rs: Any) -> list[Any]:
    return [p for p in state.list("Pod", rs.metadata.namespace)
            if is_pod_active(p) and (r := p.metadata.controller_ref()) is not None and r.uid == rs.metadata.uid]


def unreplaced(world: Any) -> list[str]:
    """ReplicaSets without ``replicas`` healthy pods on healthy nodes."""
    from kmodel.faults import reachable

    state = world.cluster
    out = []
    for rs in state.list("ReplicaSet"):
        if rs.metadata.deleting:
            continue
        good = 0
        for p in _owned(state, rs):
            node = state.get(ObjectRef("Node", "", p.spec.node_name)) if p.spec.node_name else None
            if node is not None and node.ready and reachable(world.env, node.name) \
                    and p.status.phase == "Running" and is_pod_ready(p):
                good += 1
        if good != rs.replicas:
            out.append(f"{rs.ref} has {good} of {rs.replicas} pods running and ready on healthy nodes")
    return out


def mass_evicted(world: Any) -> list[str]:
    from kmodel.faults import CONTROL_PLANE_LABEL

    state = world.cluster
    workers = [n for n in state.list("Node") if n.metadata.label(CONTROL_PLANE_LABEL) is None]
    if not workers or any(n.ready for n in workers):
        return []
    names = {n.name for n in workers}
    pods = [p for p in state.list("Pod") if p.spec.node_name in names]
    evicted = [p for p in pods if (c := p.status.condition("DisruptionTarget")) is not None
               and c.reason == "DeletionByTaintManager"]
    if pods and len(evicted) == len(pods):
        return [f"every worker is not Ready and the taint manager is evicting all {len(pods)} pods on them"]
    return []


def serviceaccount_problems(world: Any) -> list[str]:
    from kmodel.objects.access import ROOT_CA_CONFIGMAP

    state = world.cluster
    out = []
    for ns in state.list("Namespace"):
        if ns.phase != "Active" or ns.metadata.deleting:
            continue
        name = ns.metadata.name
        if state.get(ObjectRef("ServiceAccount", name, "default")) is None:
            out.append(f"namespace {name} has no default ServiceAccount")
        if state.get(ObjectRef("ConfigMap", name, ROOT_CA_CONFIGMAP)) is None:
            out.append(f"namespace {name} has no {ROOT_CA_CONFIGMAP} ConfigMap")
    for p in state.list("Pod"):
        if p.status.phase == "Running" and not p.metadata.deleting:
            sa = p.spec.service_account_name or "default"
            if state.get(ObjectRef("ServiceAccount", p.metadata.namespace, sa)) is None:
                token = any(k == "serviceAccountToken" for v in p.spec.volumes for k, _ in v.projected)
                out.append(f"{p.ref} runs as ServiceAccount {sa}, which does not exist"
                           + (": the API server rejects its bound token" if token else ""))
    return out


def volume_topology_violations(world: Any) -> list[str]:
    from kmodel.controllers.persistentvolume import is_delayed_binding
    from kmodel.objects.storage import SELECTED_NODE_ANNOTATION

    state = world.cluster
    out = []
    for p in state.list("Pod"):
        if not p.spec.node_name:
            continue
        node = state.get(ObjectRef("Node", "", p.spec.node_name))
        if node is None:
            continue
        for v in p.spec.volumes:
            claim = state.get(ObjectRef("PersistentVolumeClaim", p.metadata.namespace, v.claim_name)) \
                if v.claim_name else None
            if claim is None or not claim.spec.volume_name:
                continue
            pv = state.get(ObjectRef("PersistentVolume", "", claim.spec.volume_name))
            if pv is not None and not pv.reachable_from(node.zone, node.name):
                out.append(f"{p.ref} is on {node.name} (zone {node.zone}) but its volume {pv.metadata.name} "
                           f"is in {', '.join(pv.spec.zones) or pv.spec.node}")
    for claim in state.list("PersistentVolumeClaim"):
        selected = claim.metadata.annotation(SELECTED_NODE_ANNOTATION)
        if not (selected and claim.spec.volume_name and is_delayed_binding(state, claim)):
            continue
        node = state.get(ObjectRef("Node", "", selected))
        pv = state.get(ObjectRef("PersistentVolume", "", claim.spec.volume_name))
        if node is not None and pv is not None and not pv.reachable_from(node.zone, node.name):
            out.append(f"{claim.ref} waited for its first consumer on {selected} but is bound to "
                       f"{pv.metadata.name} in {', '.join(pv.spec.zones)}")
    return out


def backoff_violations(world: Any) -> list[str]:
    from kmodel.agents.kubelet import backoff_delays

    allowed = {0, *backoff_delays()}
    out = []
    for p in world.cluster.list("Pod"):
        st = p.status
        if st.backoff not in allowed:
            out.append(f"{p.ref} has a back-off of {st.backoff} s, not one of {sorted(allowed)}")
        elif st.containers == BACKOFF and not st.backoff_earned:
            out.append(f"{p.ref} waits in CrashLoopBackOff without a back-off entry")
        elif st.backoff and st.backoff != st.backoff_earned:
            out.append(f"{p.ref} was restarted (restart {st.restart_count}) before the back-off its crashes had "
                       f"earned ran out: its kubelet lost its CrashLoopBackOff entry and holds {st.backoff} s "
                       f"where its restarts call for {st.backoff_earned} s")
    return out


def pods_replaced() -> Property:
    return eventually_always("pods-replaced", lambda w: not unreplaced(w),
                             description="pods of a failed node are replaced elsewhere when capacity allows")


def no_mass_eviction() -> Property:
    return always("no-mass-eviction", lambda w: not mass_evicted(w),
                  description="a control-plane partition does not evict every pod")


def serviceaccount_ready() -> Property:
    return eventually_always("serviceaccount-ready", lambda w: not serviceaccount_problems(w),
                             description="every namespace gets its default ServiceAccount and root CA ConfigMap")


def volume_topology() -> Property:
    return always("volume-topology", lambda w: not volume_topology_violations(w),
                  description="no pod is bound to a node its volumes cannot be reached from")


def restart_backoff() -> Property:
    return always("restart-backoff", lambda w: not backoff_violations(w),
                  description="container restarts follow the CrashLoopBackOff delays")


CONSTRUCTORS = {
    "pods-replaced": pods_replaced,
    "no-mass-eviction": no_mass_eviction,
    "serviceaccount-ready": serviceaccount_ready,
    "volume-topology": volume_topology,
    "restart-backoff": restart_backoff,
}

_EXPLAIN = {
    "pods-replaced": unreplaced,
    "no-mass-eviction": mass_evicted,
    "serviceaccount-ready": serviceaccount_problems,
    "volume-topology": volume_topology_violations,
    "restart-backoff": backoff_violations,
}


def explain(property_id: str, world: Any) -> list[str]:
    """Sentences saying why one of these properties fails in ``world`` (empty if unknown)."""
    fn = _EXPLAIN.get(property_id)
    if fn is None:
        return []
    out = fn(world)
    if property_id == "pods-replaced":
        from kmodel.properties import explain as base

        out = out + [r for r in base("eventually-stable", world) if "unschedulable" in r]
    return out
