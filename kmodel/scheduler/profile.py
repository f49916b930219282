"""Scheduler profiles: the plugins, their order and score weights
(``pkg/scheduler/apis/config/v1/default_plugins.go``, ``.../v1/defaults.go``).

The default profile's filters, in upstream order: NodeUnschedulable, NodeName, TaintToleration,
NodeAffinity, NodePorts, NodeResourcesFit, VolumeBinding (with VolumeZone's zone check,
:mod:`kmodel.scheduler.plugins.volume_binding`), PodTopologySpread, InterPodAffinity
(VolumeRestrictions and NodeVolumeLimits, beside VolumeBinding upstream, are not modelled). Score plugins and
weights: TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1 (LeastAllocated over cpu and
memory, weight 1 each), PodTopologySpread 2 (system-default spreading), InterPodAffinity 2
(``hardPodAffinityWeight`` 1), NodeResourcesBalancedAllocation 1 (ImageLocality, weight 1, is
not modelled: node images are not in the model). ``percentageOfNodesToScore`` 0 (adaptive).

Examples
--------
>>> [p.name for p in DEFAULT_PROFILE.filters][:4]
['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity']
>>> [(p.name, p.weight) for p in profile(scoring_strategy="MostAllocated").scorers][2]
('NodeResourcesFit', 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kmodel.errors import InvalidArgument
from kmodel.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from kmodel.scheduler.plugins.node_affinity import NodeAffinity
from kmodel.scheduler.plugins.node_name import NodeName
from kmodel.scheduler.plugins.node_ports import NodePorts
from kmodel.scheduler.plugins.node_resources import (
    LEAST_ALLOCATED,
    MOST_ALLOCATED,
    BalancedAllocation,
    NodeResourcesFit,
)
from kmodel.scheduler.plugins.node_unschedulable import NodeUnschedulable
from kmodel.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kmodel.scheduler.plugins.taint_toleration import TaintToleration
from kmodel.scheduler.plugins.volume_binding import VolumeBinding

__all__ = ["Profile", "DEFAULT_PROFILE", "profile", "SCORING_STRATEGIES"]

SCORING_STRATEGIES = (LEAST_ALLOCATED, MOST_ALLOCATED)


@dataclass(frozen=True)
class Profile:
    """A scheduler profile: filter plugins in order, score plugins (each with its ``weight``)."""

    name: str
    filters: tuple[Any, ...]
    scorers: tuple[Any, ...]
    percentage_of_nodes_to_score: int = 0


def profile(*, scoring_strategy: str = LEAST_ALLOCATED, percentage_of_nodes_to_score: int = 0) -> Profile:
    """The default profile with a choice of ``NodeResourcesFit`` scoring strategy."""
    if scoring_strategy not in SCORING_STRATEGIES:
        raise InvalidArgument(f"unknown scoring strategy {scoring_strategy!r}; known: {', '.join(SCORING_STRATEGIES)}")
    if not 0 <= percentage_of_nodes_to_score <= 100:
        raise InvalidArgument(f"percentage_of_nodes_to_score must be 0-100, got {percentage_of_nodes_to_score}")
    fit = NodeResourcesFit(scoring_strategy)
    filters = (NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodePorts(), fit,
               VolumeBinding(), PodTopologySpread(), InterPodAffinity())
    scorers = (TaintToleration(3), NodeAffinity(2), fit, PodTopologySpread(2), InterPodAffinity(2),
               BalancedAllocation(1))
    return Profile("default-scheduler", filters, scorers, percentage_of_nodes_to_score)


DEFAULT_PROFILE = profile()
