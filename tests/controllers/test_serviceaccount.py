"""ServiceAccount, root-CA and token controllers, the ServiceAccount admission and its effect on
the ReplicaSet controller (cases after ``serviceaccounts_controller_test.go``
TestServiceAccountCreation, ``tokens_controller_test.go`` TestTokenCreation,
``publisher_test.go`` TestConfigMapCreation, ``admission_test.go`` TestMissingServiceAccount)."""

from __future__ import annotations

from kmodel.api import Create, apply, apply_all
from kmodel.controllers import replicaset
from kmodel.controllers.serviceaccount import sync_root_ca, sync_secret, sync_service_accounts
from kmodel.objects.access import SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN, ConfigMap, Secret, ServiceAccount
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef
from kmodel.objects.workloads import Container, Pod, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
from kmodel.state import ClusterState

NS = Namespace(ObjectMeta("shop"))


def test_service_account_creation_for_an_active_namespace():
    """TestServiceAccountCreation: "new active namespace missing serviceaccounts"."""
    s = ClusterState.of([NS])
    s, _ = apply_all(s, sync_service_accounts(s, NS.ref))
    assert s.get(ObjectRef("ServiceAccount", "shop", "default")) is not None
    assert sync_service_accounts(s, NS.ref) == ()
    terminating = ClusterState.of([Namespace(ObjectMeta("gone"), phase="Terminating")])
    assert sync_service_accounts(terminating, ObjectRef("Namespace", "", "gone")) == ()


def test_root_ca_configmap_created_and_repaired():
    """TestConfigMapCreation: create on a new namespace, update when the data changed."""
    s = ClusterState.of([NS])
    s, _ = apply_all(s, sync_root_ca(s, NS.ref))
    cm = s.get(ObjectRef("ConfigMap", "shop", "kube-root-ca.crt"))
    assert cm.data == ("ca.crt",)
    s = s.with_(ConfigMap(cm.metadata, ("other",)))
    s, _ = apply_all(s, sync_root_ca(s, NS.ref))
    assert s.get(cm.ref).data == ("ca.crt",)


def test_token_secret_populated_or_deleted():
    """TestTokenCreation: "new serviceaccount token secret" is filled; a token secret whose
    ServiceAccount is missing is deleted."""
    sa = ServiceAccount(ObjectMeta("builder", "shop", uid="ServiceAccount/shop/builder"))
    tok = Secret(ObjectMeta("builder-token", "shop", annotations=((SA_NAME_ANNOTATION, "builder"),)),
                 SERVICE_ACCOUNT_TOKEN)
    s = ClusterState.of([NS, sa, tok])
    s, _ = apply_all(s, sync_secret(s, tok.ref))
    assert s.get(tok.ref).data == ("ca.crt", "namespace", "token")
    assert sync_secret(s, tok.ref) == ()
    orphan = ClusterState.of([NS, tok])
    assert [type(r).__name__ for r in sync_secret(orphan, tok.ref)] == ["Delete"]


def _rs(sa=""):
    labels = (("app", "cart"),)
    return ReplicaSet(ObjectMeta("cart", "shop"), ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(
        labels, PodSpec((Container("c"),), service_account_name=sa)), 1))


def test_missing_service_account_refuses_pods_and_sets_replica_failure():
    """TestMissingServiceAccount (admission) and the ReplicaSet's ReplicaFailure condition."""
    s = ClusterState.of([NS, ServiceAccount(ObjectMeta("default", "shop"))])
    s, r = apply(s, Create(_rs("missing")))
    reqs = replicaset.sync(s, r.ref)
    s2, responses = apply_all(s, reqs)
    assert responses[0].code == 403 and "serviceaccount \"missing\" not found" in responses[0].message
    cond = s2.get(r.ref).status.conditions
    assert [(c.type, c.status, c.reason) for c in cond] == [("ReplicaFailure", "True", "FailedCreate")]
    # the account appears: the next sync creates the pod and clears the condition
    s3, _ = apply(s2, Create(ServiceAccount(ObjectMeta("missing", "shop"))))
    s4, responses = apply_all(s3, replicaset.sync(s3, r.ref))
    assert responses[0].code == 201 and s4.get(r.ref).status.conditions == ()


def test_admission_is_off_without_service_accounts():
    s = ClusterState.of([NS])
    s, r = apply(s, Create(Pod(ObjectMeta("p", "shop"), PodSpec((Container("c"),), service_account_name="x"))))
    assert r.ok
