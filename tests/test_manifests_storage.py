"""Loading storage and access kinds, claim volumes and probes; bad input names file, line and field."""

from __future__ import annotations

import io
import textwrap

import pytest

from kmodel.errors import InvalidManifest
from kmodel.manifests import load


def from_text(text):
    return load(["-"], stdin=io.StringIO(textwrap.dedent(text)))


def test_storage_kinds_are_loaded():
    result = from_text("""\
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: ebs}
        provisioner: ebs.csi.aws.com
        volumeBindingMode: WaitForFirstConsumer
        allowedTopologies:
          - matchLabelExpressions:
              - {key: topology.kubernetes.io/zone, values: [eu-1b, eu-1a]}
        ---
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: local-1}
        spec:
          capacity: {storage: 100Gi}
          accessModes: [ReadWriteOnce]
          storageClassName: local
          local: {path: /mnt/disk1}
          nodeAffinity:
            required:
              nodeSelectorTerms:
                - matchExpressions:
                    - {key: kubernetes.io/hostname, operator: In, values: [worker-a]}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 10Gi}}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: builder, namespace: shop}
        automountServiceAccountToken: false
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: tok, namespace: shop}
        type: kubernetes.io/service-account-token
        stringData: {token: abc}
        """)
    sc, pv, pvc, sa, secret = result.objects
    assert (sc.volume_binding_mode, sc.allowed_zones, sc.dynamic) == ("WaitForFirstConsumer", ("eu-1a", "eu-1b"), True)
    assert (pv.spec.capacity, pv.spec.node, pv.status.phase) == (100 << 30, "worker-a", "Available")
    assert (pvc.spec.request, pvc.spec.storage_class_name, str(pvc.ref)) == (10 << 30, None,
                                                                             "PersistentVolumeClaim/shop/data")
    assert sa.automount_token is False and secret.data == ("token",)


def test_pod_claim_volumes_and_probes():
    result = from_text("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: db}
        spec:
          containers:
            - name: db
              image: postgres:16
              readinessProbe: {exec: {command: [pg_isready]}, periodSeconds: 5}
              livenessProbe: {tcpSocket: {port: 5432}, failureThreshold: 6}
          volumes:
            - name: data
              persistentVolumeClaim: {claimName: data}
            - name: scratch
              emptyDir: {}
        """)
    pod = result.objects[0]
    c = pod.spec.containers[0]
    assert c.readiness_probe.period_seconds == 5 and c.liveness_probe.failure_threshold == 6
    assert c.startup_probe is None
    assert [(v.name, v.claim_name) for v in pod.spec.volumes] == [("data", "data"), ("scratch", "")]


@pytest.mark.parametrize("doc,line,field,words", [
    ("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              livenessProbe:
                successThreshold: 2
        """, 8, "spec.containers[0].livenessProbe.successThreshold", "must be 1"),
    ("""\
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          accessModes: [ReadWriteSometimes]
          resources: {requests: {storage: 1Gi}}
        """, 5, "spec.accessModes[0]", "unsupported value"),
    ("""\
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {cpu: "1"}}
        """, 6, "spec.resources.requests.storage", "required"),
    ("""\
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: x}
        provisioner: p
        volumeBindingMode: Later
        """, 5, "volumeBindingMode", "Later"),
])
def test_bad_storage_input_names_file_line_and_field(doc, line, field, words):
    with pytest.raises(InvalidManifest) as err:
        from_text(doc)
    assert (err.value.line, err.value.field) == (line, field), str(err.value)
    assert words in str(err.value)


def test_projected_token_volume_and_automount_are_loaded():
    """A ``kubectl get pod -o yaml`` dump: the admission's kube-api-access volume is read with its
    sources (the kubelet must be able to fill it), and ``automountServiceAccountToken`` is kept."""
    from kmodel.admission import token_volume_source

    result = from_text("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: default}
        spec:
          automountServiceAccountToken: false
          containers: [{name: web, image: nginx}]
          volumes:
            - name: kube-api-access-x7q2z
              projected:
                defaultMode: 420
                sources:
                  - serviceAccountToken: {expirationSeconds: 3607, path: token}
                  - configMap:
                      name: kube-root-ca.crt
                      items: [{key: ca.crt, path: ca.crt}]
                  - downwardAPI:
                      items:
                        - path: namespace
                          fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
                  - configMap: {name: optional-extra, optional: true}
        """)
    (pod,) = result.objects
    (volume,) = pod.spec.volumes
    assert volume.name == "kube-api-access-x7q2z" and volume.projected == token_volume_source()
    assert pod.spec.automount_service_account_token is False


def test_projected_token_expiration_below_ten_minutes_is_refused():
    with pytest.raises(InvalidManifest) as err:
        from_text("""\
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers: [{name: web, image: nginx}]
              volumes:
                - name: token
                  projected:
                    sources:
                      - serviceAccountToken: {expirationSeconds: 60, path: token}
            """)
    assert "expirationSeconds" in err.value.field and "greater than or equal to 600" in str(err.value)
    assert err.value.line == 10
