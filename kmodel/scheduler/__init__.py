"""The kube-scheduler: framework, default plugins and profile, ``schedule_one``, the scheduler as a
controller (:mod:`kmodel.scheduler.scheduler`) and its greedy sequence (:mod:`kmodel.scheduler.simulate`)."""

from kmodel.scheduler.framework import (
    Code,
    NodeInfo,
    ScheduleResult,
    Snapshot,
    Status,
    filter_one_node,
    node_infos,
    num_feasible_nodes_to_find,
    schedule_one,
)

__all__ = ["Code", "NodeInfo", "ScheduleResult", "Snapshot", "Status", "filter_one_node", "node_infos",
           "num_feasible_nodes_to_find", "schedule_one"]
