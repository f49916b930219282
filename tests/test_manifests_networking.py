"""Loading Services, EndpointSlices, Endpoints, Ingresses and IngressClasses: what is read, and
bad input named by file, line, document and field (upstream validation)."""

from __future__ import annotations

import io
import textwrap

import pytest

from kmodel.errors import InvalidManifest
from kmodel.manifests import load


def from_text(text: str):
    return load(["-"], stdin=io.StringIO(textwrap.dedent(text)))


def fails(text: str) -> InvalidManifest:
    with pytest.raises(InvalidManifest) as e:
        from_text(text)
    return e.value


SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  externalTrafficPolicy: Local
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
  ports:
    - {name: http, port: 80, targetPort: http, nodePort: 30080}
    - {name: metrics, port: 9100, protocol: TCP, targetPort: 9100}
status:
  loadBalancer:
    ingress: [{hostname: a1b2.elb.amazonaws.com}]
"""


def test_service_is_read():
    (svc,) = from_text(SERVICE).objects
    spec = svc.spec
    assert (spec.type, spec.selector, spec.external_traffic_policy, spec.session_affinity,
            spec.session_affinity_timeout) == ("LoadBalancer", (("app", "web"),), "Local", "ClientIP", 600)
    assert [(p.name, p.port, p.target_port, p.node_port) for p in spec.ports] == [
        ("http", 80, "http", 30080), ("metrics", 9100, 9100, 0)]
    assert svc.status.load_balancer_ingress == ("a1b2.elb.amazonaws.com",)


def test_empty_selector_means_none():
    (svc,) = from_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {}\n  ports: [{port: 80}]\n").objects
    assert svc.spec.selector is None and not svc.spec.has_selector


BAD_SERVICES = [
    ("node port on a ClusterIP Service", "spec:\n  ports: [{port: 80, nodePort: 30001}]\n", "spec.ports[0].nodePort", 5,
     "may not be used when `type` is 'ClusterIP'"),
    ("no ports", "spec:\n  selector: {app: a}\n", "spec.ports", 4, "at least one port"),
    ("unnamed ports", "spec:\n  ports:\n    - {port: 80}\n    - {port: 81}\n", "spec.ports[0].name", 6,
     "required when a Service has more than one port"),
    ("bad target port name", "spec:\n  ports: [{port: 80, targetPort: HTTP}]\n", "spec.ports[0].targetPort", 5,
     "not a valid port name"),
    ("duplicate port", "spec:\n  ports:\n    - {name: a, port: 80}\n    - {name: b, port: 80}\n", "spec.ports[1].port",
     7, "duplicate port 80/TCP"),
    ("ExternalName without a name", "spec:\n  type: ExternalName\n", "spec.externalName", 4, "required"),
    ("affinity config without ClientIP", "spec:\n  ports: [{port: 80}]\n  sessionAffinityConfig: {clientIP: {}}\n",
     "spec.sessionAffinityConfig", 6, "not 'ClientIP'"),
    ("IPv6", "spec:\n  ports: [{port: 80}]\n  ipFamilies: [IPv6]\n", "spec.ipFamilies", 6, "IPv4 only"),
    ("external policy on ClusterIP", "spec:\n  ports: [{port: 80}]\n  externalTrafficPolicy: Local\n",
     "spec.externalTrafficPolicy", 6, "externally-accessible"),
    ("headless NodePort", "spec:\n  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n", "spec.clusterIP", 6,
     "may not be set to 'None'"),
    ("port out of range", "spec:\n  ports: [{port: 70000}]\n", "spec.ports[0].port", 5, "between 1 and 65535"),
    ("unknown field", "spec:\n  ports: [{port: 80, targtPort: 8080}]\n", "spec.ports[0].targtPort", 5, "unknown field"),
]


@pytest.mark.parametrize("body,field,line,message", [c[1:] for c in BAD_SERVICES], ids=[c[0] for c in BAD_SERVICES])
def test_bad_service(body, field, line, message):
    err = fails("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n" + body)
    assert (err.field, err.line, err.document) == (field, line, 1) and message in str(err)


def test_endpoint_slice_and_endpoints_are_read():
    result = from_text("""\
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        endpoints:
          - addresses: [10.0.0.7]
            conditions: {ready: true, serving: true, terminating: false}
            nodeName: worker-a
            targetRef: {kind: Pod, namespace: default, name: web-1}
        ports: [{name: http, port: 8080, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Endpoints
        metadata: {name: web}
        subsets:
          - addresses: [{ip: 10.0.0.7, targetRef: {kind: Pod, name: web-1, namespace: default}}]
            notReadyAddresses: [{ip: 10.0.0.8}]
            ports: [{name: http, port: 8080}]
        """)
    sl, eps = result.objects
    assert sl.service_name == "web" and str(sl.endpoints[0]) == "10.0.0.7 (Pod/default/web-1 on worker-a, ready)"
    assert [a.ip for a in eps.subsets[0].addresses] == ["10.0.0.7"] and eps.subsets[0].ports[0].port == 8080


def test_endpoint_slice_ipv6_is_refused():
    err = fails("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv6\n")
    assert err.field == "addressType" and "IPv4 only" in str(err)


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: alb
  defaultBackend: {service: {name: web, port: {name: http}}}
  tls: [{hosts: [shop.example.com], secretName: tls}]
  rules:
    - host: "*.example.com"
      http:
        paths:
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""


def test_ingress_is_read():
    (ing,) = from_text(INGRESS).objects
    assert ing.spec.ingress_class_name == "alb" and ing.spec.rules[0].host == "*.example.com"
    assert [str(b) for b in ing.spec.backends()] == ["service web:http", "service api:8080"]


BAD_INGRESSES = [
    ("both service and resource", "defaultBackend: {service: {name: a, port: {number: 1}}, resource: {kind: K, name: n}}",
     "spec.defaultBackend", "exactly one of `service` or `resource`"),
    ("port name and number", "defaultBackend: {service: {name: a, port: {number: 1, name: b}}}",
     "spec.defaultBackend.service.port", "exactly one of `name` or `number`"),
    ("no path type", "rules: [{http: {paths: [{path: /, backend: {service: {name: a, port: {number: 1}}}}]}}]",
     "spec.rules[0].http.paths[0].pathType", "required"),
    ("relative prefix path", "rules: [{http: {paths: [{path: api, pathType: Prefix, backend: {service: {name: a, port: {number: 1}}}}]}}]",
     "spec.rules[0].http.paths[0].path", "absolute path"),
    ("host is an IP", "rules: [{host: 10.0.0.1}]", "spec.rules[0].host", "not an IP address"),
    ("nothing to route", "tls: []", "spec", "either `defaultBackend` or `rules`"),
]


@pytest.mark.parametrize("body,field,message", [c[1:] for c in BAD_INGRESSES], ids=[c[0] for c in BAD_INGRESSES])
def test_bad_ingress(body, field, message):
    err = fails(f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: i}}\nspec:\n  {body}\n")
    assert err.field == field and message in str(err) and err.line is not None


def test_ingress_class_needs_a_controller_and_removed_versions_are_named():
    err = fails("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: alb}\nspec: {}\n")
    assert err.field == "spec.controller"
    err = fails("apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: i}\n")
    assert "removed in Kubernetes 1.22" in str(err)


def test_documents_only_mode_reads_brief_objects():
    result = load(["-"], stdin=io.StringIO("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: alb}\n"),
                  read_objects=False)
    assert result.objects == () and [d.kind for d in result.documents] == ["IngressClass"]


def test_pod_ip_and_pre_stop_sleep_are_read():
    (pod,) = from_text("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              lifecycle: {preStop: {sleep: {seconds: 15}}}
        status: {phase: Running, podIP: 10.0.0.3}
        """).objects
    assert pod.status.pod_ip == "10.0.0.3" and pod.spec.containers[0].pre_stop_sleep == 15


def test_admission_conflict_is_reported_at_the_object(tmp_path):
    import kmodel

    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: NodePort\n"
                                     "  ports: [{port: 80, nodePort: 30080}]\n---\n"
                                     "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  type: NodePort\n"
                                     "  ports: [{port: 80, nodePort: 30080}]\n")
    with pytest.raises(InvalidManifest) as e:
        kmodel.load_spec([str(tmp_path)])
    assert (e.value.line, e.value.field) == (13, "spec.ports[0].nodePort")
    assert "provided port is already allocated" in str(e.value)
