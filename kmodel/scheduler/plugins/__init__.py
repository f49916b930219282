"""The default scheduler plugins, one module per upstream plugin package.

Default filter order and score weights follow ``pkg/scheduler/apis/config/v1/default_plugins.go``.
"""

from kmodel.scheduler.plugins.node_affinity import NodeAffinity
from kmodel.scheduler.plugins.node_name import NodeName
from kmodel.scheduler.plugins.node_resources import BalancedAllocation, NodeResourcesFit
from kmodel.scheduler.plugins.node_unschedulable import NodeUnschedulable
from kmodel.scheduler.plugins.taint_toleration import TaintToleration

DEFAULT_FILTERS = (NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodeResourcesFit())
DEFAULT_SCORERS = (TaintToleration(), NodeResourcesFit(), BalancedAllocation())

__all__ = ["DEFAULT_FILTERS", "DEFAULT_SCORERS", "NodeAffinity", "NodeName", "NodeResourcesFit",
           "BalancedAllocation", "NodeUnschedulable", "TaintToleration"]
