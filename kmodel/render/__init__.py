"""Diagrams drawn from the model: architecture, workload, traffic, counterexample traces, state graphs.

Each view builds a :class:`Diagram` (nodes, edges, nested clusters and findings, no layout):
:func:`architecture` and :func:`workload` from :class:`Inputs` (:func:`load_inputs`),
:func:`traffic` from a traffic-flow graph, :func:`trace` from a counterexample
:class:`~kmodel.check.Path`, :func:`states` from a model's explored state graph. :func:`to_dot`
and :func:`to_mermaid` give text; :func:`render_bytes` DOT, Mermaid, SVG or PNG bytes (graphviz
lays out SVG and PNG). ``kmodel diagram`` writes them stamped with the command that made them,
and ``kmodel diagram --check DIR`` fails when a committed diagram no longer matches its inputs
(:mod:`kmodel.render.command`). Settings come from a ``DiagramConfig`` (``--config``, or a
document of that kind among the inputs: :mod:`kmodel.render.config`); ``--icons`` puts the
Kubernetes community icons the package ships in the boxes (:mod:`kmodel.render.icons`).

Examples
--------
>>> from kmodel.render import architecture, load_inputs, to_dot
>>> d = architecture(load_inputs(["specs/replicaset-capacity-short"], settle_state=True))
>>> d.marked("unschedulable")
['pods:-/default/ReplicaSet/api/unschedulable']
>>> to_dot(d).startswith('digraph "kmodel"')
True
"""

from kmodel.render.architecture import architecture
from kmodel.render.command import Request, build, check_directory, update_directory
from kmodel.render.config import DiagramConfig, find_config, load_config
from kmodel.render.diagram import Cluster, Diagram, Edge, Finding, Node
from kmodel.render.dot import to_dot
from kmodel.render.inputs import Inputs, load_inputs
from kmodel.render.mermaid import to_mermaid
from kmodel.render.output import render_bytes
from kmodel.render.stategraph import states
from kmodel.render.trace import trace
from kmodel.render.traffic import traffic
from kmodel.render.workload import workload

__all__ = [
    "Diagram", "Node", "Edge", "Cluster", "Finding",
    "Inputs", "load_inputs", "DiagramConfig", "load_config", "find_config",
    "architecture", "workload", "traffic", "trace", "states",
    "to_dot", "to_mermaid", "render_bytes",
    "Request", "build", "check_directory", "update_directory",
]
