"""The generic explicit-state checker (knows nothing of Kubernetes).

Use ``model.checker()`` or ``CheckerBuilder(model)``, set bounds, then run ``bfs()``, ``dfs()``
or ``simulate(seed=...)``.
"""

from kmodel.check.builder import CheckerBuilder
from kmodel.check.path import Path
from kmodel.check.result import HOLDS, INCOMPLETE, VIOLATED, CheckResult, PropertyResult, Stats

__all__ = ["CheckerBuilder", "CheckResult", "PropertyResult", "Path", "Stats",
           "HOLDS", "VIOLATED", "INCOMPLETE"]
