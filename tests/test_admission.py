"""The ServiceAccount admission's token volume (``kmodel.admission``), cases after upstream's
``plugin/pkg/admission/serviceaccount/admission_test.go``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmodel.admission import TOKEN_VOLUME_NAME, mount_service_account_token, token_volume_source
from kmodel.api import Create, apply
from kmodel.objects.access import ServiceAccount
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef
from kmodel.objects.storage import Volume
from kmodel.objects.workloads import Container, Pod, PodSpec
from kmodel.state import ClusterState

NS = Namespace(ObjectMeta("myns", uid="ns"))


def _state(automount=None):
    return ClusterState.of([NS, ServiceAccount(ObjectMeta("default", "myns", uid="12345"), automount)])


def _pod(automount=None, volumes=()):
    return Pod(ObjectMeta("myname", "myns"), PodSpec((Container("c"),), volumes=volumes,
                                                     automount_service_account_token=automount))


def test_token_volume_source():
    """TestAssignsDefaultServiceAccountAndBoundTokenWithNoSecretTokens: the three projections."""
    assert token_volume_source() == (("configMap", "kube-root-ca.crt"), ("downwardAPI", "metadata.namespace"),
                                     ("serviceAccountToken", "3607"))


MOUNT_CASES = [
    # (case id, SA automount, pod automount, existing volumes, expect a token volume added)
    ("TestAutomountsAPIToken", None, None, (), True),
    ("TestRespectsExistingMount (an existing kube-api-access volume)", None, None,
     (Volume("kube-api-access-abcde", projected=token_volume_source()),), False),
    ("TestAutomountServiceAccountToken/pod false", None, False, (), False),
    ("TestAutomountServiceAccountToken/sa false", False, None, (), False),
    ("TestAutomountServiceAccountToken/pod true overrides sa false", False, True, (), True),
    ("TestAutomountServiceAccountToken/pod false overrides sa true", True, False, (), False),
]


@pytest.mark.parametrize("sa_auto,pod_auto,volumes,added", [c[1:] for c in MOUNT_CASES], ids=[c[0] for c in MOUNT_CASES])
def test_mount_service_account_token(sa_auto, pod_auto, volumes, added):
    pod = _pod(pod_auto, volumes)
    out = mount_service_account_token(_state(sa_auto), pod)
    new = [v for v in out.spec.volumes if v not in volumes]
    assert new == ([Volume(TOKEN_VOLUME_NAME, projected=token_volume_source())] if added else [])


def test_api_server_adds_the_volume_on_create_only_with_the_plugin_on():
    s, r = apply(_state(), Create(_pod()))
    assert [v.name for v in s.get(r.ref).spec.volumes] == [TOKEN_VOLUME_NAME]
    bare = ClusterState.of([NS])  # no ServiceAccounts: the plugin is off (kmodel.admission)
    s, r = apply(bare, Create(_pod()))
    assert s.get(ObjectRef("Pod", "myns", "myname")).spec.volumes == ()


@given(sa_auto=st.sampled_from([None, True, False]), pod_auto=st.sampled_from([None, True, False]),
       existing=st.sampled_from([(), (Volume("data", "data"),), (Volume("kube-api-access-abcde", projected=token_volume_source()),)]))
def test_mount_is_idempotent_under_reinvocation(sa_auto, pod_auto, existing):
    """Upstream runs the plugin under ``admissiontesting.WithReinvocationTesting``: admitting the
    admitted pod again changes nothing, and at most one token volume is ever added."""
    state = _state(sa_auto)
    once = mount_service_account_token(state, _pod(pod_auto, existing))
    assert mount_service_account_token(state, once) == once
    assert sum(v.name.startswith("kube-api-access-") for v in once.spec.volumes) <= 1


def test_missing_account_refusal_names_the_generate_name_prefix():
    """``TestDeniesInvalidServiceAccount`` (a missing account is refused), with upstream's
    message: ``admission.NewForbidden`` names a pod created from ``generateName`` by its prefix
    (the name is generated after admission)."""
    state = ClusterState.of([NS, ServiceAccount(ObjectMeta("other", "myns", uid="1"))])
    _, resp = apply(state, Create(Pod(ObjectMeta("", "myns", generate_name="web-"), PodSpec((Container("c"),)))))
    assert (resp.code, resp.message) == (403, 'pods "web-" is forbidden: error looking up service account '
                                              'myns/default: serviceaccount "default" not found')
    _, resp = apply(state, Create(_pod()))
    assert resp.message.startswith('pods "myname" is forbidden')
