"""The default scheduler plugins, one module per upstream plugin package.

Default filter order and score weights follow ``pkg/scheduler/apis/config/v1/default_plugins.go``
(see :mod:`kmodel.scheduler.profile`).
"""

from kmodel.scheduler.plugins.default_preemption import DefaultPreemption
from kmodel.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from kmodel.scheduler.plugins.node_affinity import NodeAffinity
from kmodel.scheduler.plugins.node_name import NodeName
from kmodel.scheduler.plugins.node_ports import NodePorts
from kmodel.scheduler.plugins.node_resources import BalancedAllocation, NodeResourcesFit
from kmodel.scheduler.plugins.node_unschedulable import NodeUnschedulable
from kmodel.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kmodel.scheduler.plugins.taint_toleration import TaintToleration
from kmodel.scheduler.plugins.volume_binding import VolumeBinding

DEFAULT_FILTERS = (NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodePorts(),
                   NodeResourcesFit(), VolumeBinding(), PodTopologySpread(), InterPodAffinity())
DEFAULT_SCORERS = (TaintToleration(3), NodeAffinity(2), NodeResourcesFit(), PodTopologySpread(2),
                   InterPodAffinity(2), BalancedAllocation(1))

__all__ = ["DEFAULT_FILTERS", "DEFAULT_SCORERS", "NodeAffinity", "NodeName", "NodePorts", "NodeResourcesFit",
           "BalancedAllocation", "NodeUnschedulable", "TaintToleration", "PodTopologySpread",
           "InterPodAffinity", "DefaultPreemption", "VolumeBinding"]
