"""Container probes (``k8s.io/api/core/v1`` ``Probe``): only the timing fields, which decide when
a probe result is published; the handler (exec, HTTP, TCP, gRPC) is abstracted into the
container's health, which a fault may break.

Defaults as ``pkg/apis/core/v1/defaults.go`` (``SetDefaults_Probe``): ``periodSeconds`` 10,
``timeoutSeconds`` 1, ``successThreshold`` 1, ``failureThreshold`` 3.

Examples
--------
>>> Probe().failure_threshold, Probe(period_seconds=5).period_seconds
(3, 5)
"""

from __future__ import annotations

from kmodel.objects.meta import _hash_field, record

__all__ = ["Probe"]


@record
class Probe:
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    _hash: int = _hash_field()
