"""Pod IP addresses: what the kubelet writes to ``status.podIP`` when it starts a pod.

Upstream the kubelet asks the container runtime for a pod sandbox, the CNI plugin's IPAM picks
an address (on EKS the VPC CNI hands out a secondary IP of the node's ENIs; ``host-local``
takes the next free address of the node's pod CIDR) and the kubelet reports it in
``status.podIP`` (``pkg/kubelet/kubelet_pods.go``, ``generateAPIPodStatus``). Which free
address is picked is the plugin's choice.

The model derives the address from the pod's namespace and name (a fixed hash into
:data:`POD_CIDR`, the next free address on a collision with a live pod), as it derives UIDs
from names: it is one of the allowed choices, it makes a pod's address independent of the
order in which pods start (so no extra states), and a pod re-created under a freed name gets
its old address back, as IPAM reuses freed addresses. An address stays with the pod until the
pod is deleted.

Symmetry: the canonical form of a state (:meth:`kmodel.cluster.ClusterModel.representative`)
blanks an address equal to :func:`default_pod_ip` (a function of the name, which is renamed),
and maps references to live pods' addresses to the renamed pods (:mod:`kmodel.references`).

Examples
--------
>>> default_pod_ip("default", "web-1"), default_pod_ip("default", "web-2")
('192.168.131.192', '192.168.2.38')
"""

from __future__ import annotations

import ipaddress
import zlib

from kmodel.objects.workloads import Pod
from kmodel.state import ClusterState

__all__ = ["POD_CIDR", "default_pod_ip", "pod_ip_for"]

#: The pods' address range (EKS's VPC CNI gives pods addresses of the VPC, 192.168.0.0/16 by
#: default for ``eksctl``-made clusters).
POD_CIDR = ipaddress.IPv4Network("192.168.0.0/16")
_HOSTS = POD_CIDR.num_addresses - 2


def _index(namespace: str, name: str) -> int:
    return zlib.crc32(f"{namespace}/{name}".encode()) % _HOSTS


def _address(index: int) -> str:
    return str(POD_CIDR.network_address + 1 + index)


def default_pod_ip(namespace: str, name: str) -> str:
    """The address a pod of this name gets when no live pod holds it already."""
    return _address(_index(namespace, name))


def pod_ip_for(state: ClusterState, pod: Pod) -> str:
    """The address the kubelet reports for ``pod``: its default one, or the next free one.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, PodSpec
    >>> pod = Pod(ObjectMeta("web-1", "default"), PodSpec((Container("web"),)))
    >>> pod_ip_for(ClusterState.empty(), pod)
    '192.168.131.192'
    """
    taken = {p.status.pod_ip for p in state.list("Pod")
             if p.status.pod_ip and p.ref != pod.ref}
    index = _index(pod.metadata.namespace, pod.metadata.name)
    for step in range(_HOSTS):
        address = _address((index + step) % _HOSTS)
        if address not in taken:
            return address
    return ""  # the range is full: the pod gets no address (never reached in a model)
