"""Metrics as scenario inputs: the CPU utilization of a workload's pods (the load).

The HPA controller (:mod:`kmodel.controllers.podautoscaler`) reads metrics; the model has no
metrics server and no traffic, so the load is an input of the environment (``World.env``, not
the store), written by the scenario:

* ``spec.cpuUtilization: [{name: web, percent: 40}]`` sets the load at the start;
* an event ``{cpuUtilization: {name: web, percent: 90}}`` changes it, in order with the other
  events (a change of load is a step of the environment, like a fault; it is never refused).

``name`` (and ``namespace``, default ``default``) is the **workload** whose pods carry the load:
the HPA's ``scaleTargetRef`` (a Deployment or ReplicaSet), not the HPA, because load is a
property of the pods: two autoscalers of one workload see the same load, and the load stays when
an HPA is replaced. ``percent`` is the utilization of each pod's CPU request (every pod of the
workload carries the same load); a workload without an entry reports no metrics.

Examples
--------
>>> from kmodel.cluster import Env
>>> ev = cpu_utilization_event("default", "web", 90)
>>> ev.description
"load: the CPU utilization of web's pods becomes 90%"
>>> ev.env(Env(cpu_utilization=(("default/web", 40),))).cpu_utilization
(('default/web', 90),)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmodel.cluster import Env, Event
from kmodel.objects.meta import replace
from kmodel.state import ClusterState

__all__ = ["EVENT", "FIELDS", "cpu_utilization_event", "check_load", "load_entries"]

EVENT = "cpuUtilization"
FIELDS = ("name", "namespace", "percent")


def check_load(body: Any, fail: Callable[[str, str], Exception], path: str) -> tuple[str, int]:
    """Validate one ``{name, namespace, percent}`` mapping; ``("namespace/name", percent)``.
    ``fail(message, field)`` builds the error to raise (naming file, line, document and field)."""
    if not isinstance(body, dict):
        raise fail("expected a mapping {name: WORKLOAD, percent: N}", path)
    for key in body:
        if key not in FIELDS:
            raise fail(f"unknown field {key!r} (known: {', '.join(FIELDS)})", f"{path}.{key}")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise fail("needs the name of the workload (the HPA's scaleTargetRef) whose pods carry the load",
                   f"{path}.name")
    namespace = body.get("namespace", "default")
    if not isinstance(namespace, str) or not namespace:
        raise fail("expected a namespace name", f"{path}.namespace")
    percent = body.get("percent")
    if isinstance(percent, bool) or not isinstance(percent, int) or percent < 0:
        raise fail(f"expected a non-negative integer (percent of the CPU request), got {percent!r}",
                   f"{path}.percent")
    return f"{namespace}/{name}", percent


def load_entries(value: Any, fail: Callable[[str, str], Exception], path: str) -> dict[str, int]:
    """``spec.cpuUtilization``: a list of ``{name, namespace, percent}``; each workload once."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise fail("expected a list of {name: WORKLOAD, percent: N}", path)
    out: dict[str, int] = {}
    for i, item in enumerate(value):
        key, percent = check_load(item, fail, f"{path}[{i}]")
        if key in out:
            raise fail(f"the load of {key} is given twice", f"{path}[{i}].name")
        out[key] = percent
    return out


def cpu_utilization_event(namespace: str, name: str, percent: int) -> Event:
    """The event that sets the CPU utilization of the pods of workload ``namespace/name``."""
    key = f"{namespace}/{name}"

    def run(state: ClusterState) -> ClusterState:
        return state

    def env(e: Env) -> Env:
        values = dict(e.cpu_utilization)
        values[key] = percent
        return replace(e, cpu_utilization=tuple(sorted(values.items())))

    return Event(EVENT, run, f"load: the CPU utilization of {name}'s pods becomes {percent}%", env=env)
