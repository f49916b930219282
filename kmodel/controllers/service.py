"""The cloud provider's service controller (``service-lb-controller``): load balancers for
``type: LoadBalancer`` Services, as a pure function of the cluster state.

For every Service that wants a load balancer from the cloud provider
(:func:`wants_load_balancer`: ``type: LoadBalancer`` and no ``loadBalancerClass``, which hands
the Service to another controller), ``reconcile(state, key)`` is one
``syncLoadBalancerIfNeeded``: the cloud's ``EnsureLoadBalancer`` creates the load balancer (or
finds it) and the controller patches ``status.loadBalancer.ingress`` with its address. A Service
that no longer wants one (its type changed, or it was given a class) while this controller's
load balancer is in its status has it deleted (``EnsureLoadBalancerDeleted``) and its status
cleared. Until the controller has acted a new LoadBalancer Service has no load balancer: no
``LoadBalancer`` route (:mod:`kmodel.agents.kubeproxy`) and no entry from the internet in the
traffic graph (:mod:`kmodel.traffic`); provisioning lag is the interleaving of its steps with
others'.

The address is the cloud's: AWS names a Classic or Network Load Balancer after
``DefaultLoadBalancerName`` (``a`` + the Service's UID without dashes, 32 characters at most)
and gives it the DNS name ``<name>-<id>.<region>.elb.amazonaws.com``; the model derives a name
of that shape from the Service's UID (:func:`load_balancer_hostname`). A Service whose status
already lists load balancer addresses (a ``kubectl get -o yaml`` dump) keeps them: the load
balancer exists.

Abstracted: the ``service.kubernetes.io/load-balancer-cleanup`` finalizer (finalizers are not
modelled: Services are deleted at once, and "this controller's load balancer is in the status"
stands for the finalizer), the node set behind each load balancer (``updateLoadBalancerHosts``,
``StableLoadBalancerNodeSet``; the traffic graph sends to the nodes that are up), retries and
events, ``loadBalancerIP`` and ``loadBalancerSourceRanges``, and the cloud's own lag.

Upstream: ``staging/src/k8s.io/cloud-provider/controllers/service/controller.go``
(``syncLoadBalancerIfNeeded``, ``wantsLoadBalancer``, ``needsCleanup``, ``patchStatus``),
``staging/src/k8s.io/cloud-provider/cloud.go`` (``DefaultLoadBalancerName``).

Examples
--------
>>> from kmodel.api import Create, apply
>>> from kmodel.objects.meta import Namespace, ObjectMeta
>>> from kmodel.objects.networking import Service, ServicePort, ServiceSpec
>>> state = ClusterState.empty()
>>> for obj in (Namespace(ObjectMeta("default")),
...             Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80),), type="LoadBalancer"))):
...     state, _ = apply(state, Create(obj))
>>> (request,) = reconcile(state, ObjectRef("Service", "default", "web"))
>>> request.obj.status.load_balancer_ingress
('a6fcec846b003590bef32dd69a75ae63.us-east-1.elb.amazonaws.com',)
"""

from __future__ import annotations

import hashlib

from kmodel.api import Request, UpdateStatus
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.networking import Service
from kmodel.state import ClusterState

__all__ = ["keys", "reconcile", "wants_load_balancer", "default_load_balancer_name", "load_balancer_hostname",
           "sync_load_balancer_if_needed", "ENSURE_LOAD_BALANCER", "DELETE_LOAD_BALANCER"]

ENSURE_LOAD_BALANCER = "ensureLoadBalancer"
DELETE_LOAD_BALANCER = "deleteLoadBalancer"
_REGION = "us-east-1"  # the region the ALB controller's addresses use too (kmodel.controllers.ingress)


def wants_load_balancer(service: Service) -> bool:
    """``wantsLoadBalancer``: ``type: LoadBalancer`` and no ``loadBalancerClass``.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.networking import ServiceSpec
    >>> def svc(**kw): return Service(ObjectMeta("s", "default"), ServiceSpec(**kw))
    >>> wants_load_balancer(svc(type="LoadBalancer")), wants_load_balancer(svc(type="NodePort"))
    (True, False)
    >>> wants_load_balancer(svc(type="LoadBalancer", load_balancer_class="service.k8s.aws/nlb"))
    False
    """
    return service.spec.type == "LoadBalancer" and not service.spec.load_balancer_class


def default_load_balancer_name(service: Service) -> str:
    """``DefaultLoadBalancerName``: ``a`` + the UID without dashes, cut to 32 characters. The
    model's UIDs are paths (:mod:`kmodel.objects.meta`), so their SHA-256 stands for the UUID."""
    uid = hashlib.sha256(service.metadata.uid.encode()).hexdigest()
    return ("a" + uid)[:32]


def load_balancer_hostname(service: Service) -> str:
    """The DNS name of the cloud's load balancer for ``service``."""
    return f"{default_load_balancer_name(service)}.{_REGION}.elb.amazonaws.com"


def _ours(service: Service) -> bool:
    """This controller's load balancer is in the status (the cleanup finalizer's stand-in)."""
    return load_balancer_hostname(service) in service.status.load_balancer_ingress


def sync_load_balancer_if_needed(service: Service) -> tuple[str, tuple[str, ...]]:
    """``syncLoadBalancerIfNeeded``: the operation and the load balancer status it leaves.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.networking import ServiceSpec, ServiceStatus
    >>> svc = Service(ObjectMeta("s", "default", uid="u"), ServiceSpec(type="ClusterIP"))
    >>> sync_load_balancer_if_needed(svc)
    ('deleteLoadBalancer', ())
    >>> sync_load_balancer_if_needed(replace(svc, status=ServiceStatus(("8.8.8.8",))))  # not ours
    ('deleteLoadBalancer', ('8.8.8.8',))
    """
    status = service.status.load_balancer_ingress
    if not wants_load_balancer(service) or (service.metadata.deleting and _ours(service)):
        return DELETE_LOAD_BALANCER, () if _ours(service) else status
    return ENSURE_LOAD_BALANCER, status or (load_balancer_hostname(service),)


def keys(state: ClusterState) -> list[ObjectRef]:
    """The work queue: Services that want a load balancer or still hold this controller's."""
    return [s.ref for s in state.list("Service") if wants_load_balancer(s) or _ours(s)]


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The requests of one ``syncService(key)``: a status patch, or nothing."""
    service = state.get(key)
    if service is None or not (wants_load_balancer(service) or _ours(service)):
        return ()
    _, status = sync_load_balancer_if_needed(service)
    if status == service.status.load_balancer_ingress:
        return ()
    return (UpdateStatus(replace(service, status=replace(service.status, load_balancer_ingress=status))),)
