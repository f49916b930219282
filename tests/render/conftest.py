"""Helpers for the render tests: small manifests written to a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def manifests(tmp_path: Path):
    """``manifests(text, name="m.yaml")`` writes YAML into a fresh folder and returns the folder."""
    def write(text: str, name: str = "m.yaml") -> str:
        folder = tmp_path / "in"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
        return str(folder)

    return write


NODES = """
apiVersion: v1
kind: Node
metadata:
  name: worker-a
  labels: {topology.kubernetes.io/zone: zone-a, kubernetes.io/hostname: worker-a, subnet: private-a}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-b
  labels: {topology.kubernetes.io/zone: zone-b, kubernetes.io/hostname: worker-b, subnet: private-b}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
"""

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{name: http, containerPort: 8080}]
          resources: {requests: {cpu: 500m, memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"""


@pytest.fixture
def nodes_yaml() -> str:
    return NODES


@pytest.fixture
def web_yaml() -> str:
    return WEB
