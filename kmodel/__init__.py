"""kmodel: a formal model and verification toolkit for Kubernetes reconciliation logic.

The public API (everything else is private or reached through its module):

* the generic model-checking core: :class:`Model`, the property constructors :func:`always`,
  :func:`sometimes`, :func:`eventually`, :func:`eventually_always`, :class:`CheckerBuilder`,
  :class:`CheckResult`, :class:`Path`;
* the Kubernetes layer: :class:`ClusterModel`, :class:`Controller`, :class:`Faults`,
  :class:`ClusterState`, :class:`ObjectRef`, :func:`load` (manifests) and :func:`load_spec`
  (a spec folder with its Scenario);
* the errors: :class:`KmodelError` and its subclasses.

Examples
--------
>>> import kmodel
>>> spec = kmodel.load_spec(["specs/replicaset-capacity-short"])
>>> result = spec.model.checker().bfs()
>>> result["eventually-stable"].verdict, result["eventually-stable"].kind
('violated', 'stuck')
"""

from kmodel.check import CheckerBuilder, CheckResult, Path
from kmodel.cluster import ClusterModel, Controller, Faults
from kmodel.errors import EncodingUnsupported, InvalidArgument, InvalidManifest, InvalidModel, KmodelError
from kmodel.manifests import load
from kmodel.model import Model, Property, always, eventually, eventually_always, sometimes
from kmodel.objects.meta import ObjectRef
from kmodel.scenario import load_spec
from kmodel.state import ClusterState

__version__ = "0.1.0"

__all__ = [
    "Model",
    "Property",
    "always",
    "sometimes",
    "eventually",
    "eventually_always",
    "CheckerBuilder",
    "CheckResult",
    "Path",
    "ClusterModel",
    "Controller",
    "Faults",
    "ClusterState",
    "ObjectRef",
    "load",
    "load_spec",
    "KmodelError",
    "InvalidArgument",
    "InvalidModel",
    "InvalidManifest",
    "EncodingUnsupported",
]
