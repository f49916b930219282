"""The kube-scheduler: framework, default plugins and ``schedule_one``."""

from kmodel.scheduler.framework import Code, NodeInfo, ScheduleResult, Status, node_infos, schedule_one

__all__ = ["Code", "NodeInfo", "ScheduleResult", "Status", "node_infos", "schedule_one"]
