"""NodePorts (``pkg/scheduler/framework/plugins/nodeports/node_ports.go``) with the host-port
bookkeeping of ``pkg/scheduler/framework/types.go`` (``HostPortInfo``).

PreFilter: the pod's wanted host ports are the ports of its regular containers and of its
sidecars (restartable init containers) with ``hostPort > 0`` (``getContainerPorts``; ports of
other init containers do not count); none: *Skip*. Filter: a wanted ``(hostIP, protocol,
hostPort)`` conflicts with a port used on the node (by the same containers of the pods there)
when protocol and port are equal and the IPs are equal or either is ``0.0.0.0`` (an empty IP is
``0.0.0.0``, an empty protocol ``TCP``): Unschedulable, ``node(s) didn't have free ports for the
requested pod ports``.

Examples
--------
>>> check_conflict({("0.0.0.0", "TCP", 8080)}, "10.0.0.1", "TCP", 8080)
True
>>> check_conflict({("10.0.0.2", "TCP", 8080)}, "10.0.0.1", "TCP", 8080)
False
"""

from __future__ import annotations

from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SKIP, SUCCESS, Code, CycleState, NodeInfo, Snapshot, Status

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"
_KEY = "NodePorts"

HostPort = tuple[str, str, int]


def _sanitize(ip: str, protocol: str) -> tuple[str, str]:
    return ip or DEFAULT_BIND_ALL_HOST_IP, protocol or "TCP"


def get_container_ports(*pods: Pod) -> list[HostPort]:
    """``getContainerPorts``: ``(hostIP, protocol, hostPort)`` of every regular and sidecar container
    port with a host port, sanitised."""
    out = []
    for pod in pods:
        sidecars = tuple(c for c in pod.spec.init_containers if c.restart_policy == "Always")
        for c in pod.spec.containers + sidecars:
            for p in c.ports:
                if p.host_port > 0:
                    ip, proto = _sanitize(p.host_ip, p.protocol)
                    out.append((ip, proto, p.host_port))
    return out


def check_conflict(used: set[HostPort], ip: str, protocol: str, port: int) -> bool:
    """``HostPortInfo.CheckConflict``."""
    if port <= 0:
        return False
    ip, protocol = _sanitize(ip, protocol)
    if ip == DEFAULT_BIND_ALL_HOST_IP:
        return any(p == port and pr == protocol for _, pr, p in used)
    return (DEFAULT_BIND_ALL_HOST_IP, protocol, port) in used or (ip, protocol, port) in used


def used_ports(info: NodeInfo) -> set[HostPort]:
    """``NodeInfo.UsedPorts``."""
    return set(get_container_ports(*info.pods))


def fits_ports(wanted: list[HostPort], info: NodeInfo) -> bool:
    """``fitsPorts``: no wanted port conflicts with the node's used ports."""
    used = used_ports(info)
    return not any(check_conflict(used, ip, proto, port) for ip, proto, port in wanted)


class NodePorts:
    name = "NodePorts"

    def pre_filter(self, pod: Pod, snapshot: Snapshot, cycle: CycleState) -> tuple[Status, None]:
        wanted = get_container_ports(pod)
        if not wanted:
            return SKIP, None
        cycle[_KEY] = wanted
        return SUCCESS, None

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        wanted = cycle.get(_KEY) if cycle is not None else None
        if wanted is None:
            wanted = get_container_ports(pod)
        if not wanted or fits_ports(wanted, info):
            return SUCCESS
        return Status(Code.UNSCHEDULABLE, (ERR_REASON,), self.name)
