"""The HPA legacy normalisation model (:mod:`kmodel.smt.models.podautoscaler`).

Cases from ``pkg/controller/podautoscaler/horizontal_test.go`` ``TestConvertDesiredReplicasWithRules``;
its case "1 is minLimit because hpaMinReplicas < 1" predates ``HPAScaleToZero`` (v1.16), after
which ``minimumAllowedReplicas`` is ``minReplicas`` as given, and is left out.
"""

from __future__ import annotations

import pytest

from kmodel.smt.models.podautoscaler import (
    HPALegacyNormalization,
    calculate_scale_up_limit,
    convert_desired_replicas_with_rules,
)
from kmodel.smt.ops import CONCRETE as o

CONVERT = [
    ("prenormalized desired replicas within range", 5, 7, 3, 8, 7),
    ("prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10),
    ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas", 3, 1000, 1, 2000, 6),
]


@pytest.mark.parametrize("current,desired,lo,hi,expected", [c[1:] for c in CONVERT],
                         ids=[f"TestConvertDesiredReplicasWithRules/{c[0]}" for c in CONVERT])
def test_convert_desired_replicas_with_rules(current, desired, lo, hi, expected):
    assert convert_desired_replicas_with_rules(o, current, desired, lo, hi) == expected


def test_scale_up_limit():
    assert [calculate_scale_up_limit(o, c) for c in (0, 1, 2, 3, 10)] == [4, 4, 4, 6, 20]


def test_explicit_checks():
    m = HPALegacyNormalization(min_replicas=(1, 3), max_replicas=(1, 8), current=(1, 8), max_metric=9)
    r = m.checker().bfs()
    assert r["scale-up-limit"].verdict == "holds" and r["normalised-within-bounds"].verdict == "holds"
    below = m.with_params(min_replicas=5, max_replicas=8, current=1).checker().bfs()["scale-up-limit-any-branch"]
    assert below.verdict == "violated" and len(below.path) == 1
