"""User edits as kubectl makes them (``kmodel.kubectl``) and their scenario form."""

from __future__ import annotations

import json
import textwrap

import pytest

import kmodel
from kmodel.api import Create, apply
from kmodel.controllers import deployment_util as du
from kmodel.errors import InvalidManifest
from kmodel.kubectl import apply_manifests, rollout_pause, rollout_resume, rollout_undo, set_image
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentSpec,
    PodSpec,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.state import ClusterState

KEY = ObjectRef("Deployment", "default", "web")


def template(image="web:v1", extra=()):
    return PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image=image), *extra)))


def cluster(*, paused=False, images=("web:v1",)):
    """A Deployment on ``images[-1]`` with one owned ReplicaSet per image (revisions 1, 2, ...)."""
    d = Deployment(ObjectMeta("web", "default", annotations=(("team", "a"),)),
                   DeploymentSpec(LabelSelector((("app", "web"),)), template(images[-1]), 3, paused=paused))
    state, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]), Create(d))
    uid = state.get(KEY).metadata.uid
    for i, image in enumerate(images, start=1):
        t = template(image)
        labels = t.labels + ((du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, f"h{i}"),)
        rs = ReplicaSet(ObjectMeta(f"web-h{i}", "default", labels=labels,
                                   annotations=((du.REVISION_ANNOTATION, str(i)), (f"note-{i}", "x")),
                                   owner_references=(OwnerReference("apps/v1", "Deployment", "web", uid, True),)),
                        ReplicaSetSpec(LabelSelector(labels), replace(t, labels=labels), 0))
        state, resp = apply(state, Create(rs))
        assert resp.ok
    return state


def image_of(state):
    return state.get(KEY).spec.template.spec.containers[0].image


# -- set image ---------------------------------------------------------------------------------
def test_set_image_updates_the_named_container_and_bumps_the_generation():
    state = cluster()
    after = set_image("default", "web", "web", "web:v2").apply(state)
    assert image_of(after) == "web:v2" and after.get(KEY).metadata.generation == 2


def test_set_image_with_a_wildcard_and_on_init_containers():
    d = Deployment(ObjectMeta("web", "default"), DeploymentSpec(
        LabelSelector((("app", "web"),)), PodTemplateSpec((("app", "web"),), PodSpec(
            (Container("web", image="a:1"), Container("side", image="b:1")), init_containers=(Container("init", image="c:1"),))), 1))
    state, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]), Create(d))
    after = set_image("default", "web", "*", "z:9").apply(state)
    spec = after.get(KEY).spec.template.spec
    assert [c.image for c in spec.containers + spec.init_containers] == ["z:9", "z:9", "z:9"]
    assert set_image("default", "web", "init", "c:2").apply(state).get(KEY).spec.template.spec.init_containers[0].image == "c:2"


def test_set_image_refuses_an_unknown_container_or_object():
    assert set_image("default", "web", "nope", "x").apply(cluster()) is None
    assert set_image("default", "db", "web", "x").apply(cluster()) is None


# -- rollout undo ------------------------------------------------------------------------------
def test_undo_restores_the_previous_revision_template_and_its_annotations():
    state = cluster(images=("web:v1", "web:v2"))
    after = rollout_undo("default", "web").apply(state)
    d = after.get(KEY)
    assert image_of(after) == "web:v1"
    assert dict(d.spec.template.labels) == {"app": "web"}  # the hash label is dropped
    assert dict(d.metadata.annotations) == {"note-1": "x"}  # the RS's annotations replace the others


def test_undo_to_a_revision():
    state = cluster(images=("web:v1", "web:v2", "web:v3"))
    assert image_of(rollout_undo("default", "web", 1).apply(state)) == "web:v1"
    assert image_of(rollout_undo("default", "web", 2).apply(state)) == "web:v2"


def test_undo_skips_when_the_template_already_matches():
    state = cluster(images=("web:v1", "web:v2"))
    assert rollout_undo("default", "web", 2).apply(state) is state


def test_undo_is_refused_without_history_for_a_missing_revision_or_when_paused():
    assert rollout_undo("default", "web").apply(cluster()) is None  # no rollout history
    assert rollout_undo("default", "web", 7).apply(cluster(images=("web:v1", "web:v2"))) is None
    assert rollout_undo("default", "web").apply(cluster(paused=True, images=("web:v1", "web:v2"))) is None


# -- pause / resume ----------------------------------------------------------------------------
def test_pause_and_resume():
    state = cluster()
    paused = rollout_pause("default", "web").apply(state)
    assert paused.get(KEY).spec.paused
    assert rollout_pause("default", "web").apply(paused) is None  # already paused
    assert rollout_resume("default", "web").apply(state) is None  # not paused
    assert not rollout_resume("default", "web").apply(paused).get(KEY).spec.paused


# -- apply -------------------------------------------------------------------------------------
def _manifest(replicas: int | None = 3, image="web:v1", extra=""):
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}
    if replicas is not None:
        body["spec"]["replicas"] = replicas
    return body


def _loaded(body):
    import io

    from kmodel.manifests import load

    loaded = load(["-"], stdin=io.StringIO(json.dumps(body)))
    return list(loaded.objects), [loaded.documents[0].get("")]


def _applied(initial_body, new_body, *, live_replicas=None):
    objects, bodies = _loaded(initial_body)
    state, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]), Create(objects[0]))
    if live_replicas is not None:  # e.g. an autoscaler set it
        d = state.get(KEY)
        from kmodel.api import Update

        state, _ = apply(state, Update(replace(d, spec=replace(d.spec, replicas=live_replicas))))
    new_objects, new_bodies = _loaded(new_body)
    return apply_manifests(new_objects, new_bodies, initial_bodies={KEY: bodies[0]}).apply(state)


def test_apply_without_replicas_after_applying_them_resets_to_one():
    """The well-known fight with an autoscaler: the field is deleted, the API server defaults it."""
    after = _applied(_manifest(3), _manifest(None, image="web:v2"), live_replicas=7)
    assert after.get(KEY).spec.replicas == 1 and image_of(after) == "web:v2"


def test_apply_without_replicas_never_applied_keeps_the_live_value():
    after = _applied(_manifest(None), _manifest(None, image="web:v2"), live_replicas=7)
    assert after.get(KEY).spec.replicas == 7


def test_apply_with_replicas_sets_them_and_records_the_last_applied_configuration():
    after = _applied(_manifest(3), _manifest(5))
    d = after.get(KEY)
    assert d.spec.replicas == 5
    last = json.loads(d.metadata.annotation(du.LAST_APPLIED_CONFIG_ANNOTATION))
    assert last["spec"]["replicas"] == 5 and "annotations" not in last["metadata"]


def test_apply_keeps_a_pause_it_does_not_mention():
    objects, bodies = _loaded(_manifest(3))
    state, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]), Create(objects[0]))
    state = rollout_pause("default", "web").apply(state)
    new_objects, new_bodies = _loaded(_manifest(3, image="web:v2"))
    after = apply_manifests(new_objects, new_bodies, initial_bodies={KEY: bodies[0]}).apply(state)
    assert after.get(KEY).spec.paused and image_of(after) == "web:v2"


def test_apply_creates_what_does_not_exist_and_refuses_an_immutable_change():
    new_objects, new_bodies = _loaded(_manifest(2))
    state = ClusterState.of([Namespace(ObjectMeta("default"))])
    created = apply_manifests(new_objects, new_bodies).apply(state)
    assert created.get(KEY).spec.replicas == 2
    body = _manifest(2)
    body["spec"]["selector"]["matchLabels"]["tier"] = "x"
    body["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    objects, bodies = _loaded(body)
    assert apply_manifests(objects, bodies).apply(created) is None  # spec.selector is immutable


# -- scenarios ---------------------------------------------------------------------------------
SPEC_DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "web:v1"}]
    """)


def _spec(tmp_path, events, extra_files=None):
    (tmp_path / "web.yaml").write_text(SPEC_DEPLOYMENT)
    (tmp_path / "scenario.yaml").write_text(textwrap.dedent(f"""\
        apiVersion: kmodel.dev/v1alpha1
        kind: Scenario
        metadata: {{name: t}}
        spec:
          events:
        """) + "".join(f"    - {e}\n" for e in events))
    for name, text in (extra_files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return kmodel.load_spec([str(tmp_path)])


def test_scenario_events_become_kubectl_commands(tmp_path):
    spec = _spec(tmp_path, ["setImage: {name: web, container: web, image: 'web:v2'}", "pause: {name: web}",
                            "resume: {name: web}", "rollback: {name: web}", "scale: {kind: Deployment, name: web, replicas: 4}"])
    assert [e.description for e in spec.model.events] == [
        "kubectl set image deployment/web web=web:v2", "kubectl rollout pause deployment/web",
        "kubectl rollout resume deployment/web", "kubectl rollout undo deployment/web",
        "kubectl scale deployment/web --replicas=4"]


def test_apply_files_are_edits_not_initial_objects(tmp_path):
    v2 = SPEC_DEPLOYMENT.replace("web:v1", "web:v2").replace("  replicas: 2\n", "")
    spec = _spec(tmp_path, ["apply: {file: edits/web-v2.yaml}"], {"edits/web-v2.yaml": v2})
    assert [o.kind for o in spec.loaded.objects] == ["Deployment"]
    after = spec.model.events[0].apply(spec.model.initial.cluster)
    assert after.get(KEY).spec.replicas == 1 and image_of(after) == "web:v2"


@pytest.mark.parametrize("event,field,message", [
    ("setImage: {name: web, image: x}", "spec.events[0].setImage.container", "needs a container"),
    ("setImage: {name: web, container: web, image: x, replicas: 3}", "spec.events[0].setImage.replicas", "unknown field"),
    ("rollback: {name: web, toRevision: -1}", "spec.events[0].rollback.toRevision", "non-negative"),
    ("pause: {kind: ReplicaSet, name: web}", "spec.events[0].pause.kind", "takes kind Deployment"),
    ("resume: {}", "spec.events[0].resume.name", "needs a name"),
    ("apply: {file: missing.yaml}", "spec.events[0].apply.file", "file not found"),
    ("apply: {}", "spec.events[0].apply.file", "needs a file"),
    ("restart: {name: web}", "spec.events[0]", "unknown event"),
])
def test_bad_events_name_file_line_and_field(tmp_path, event, field, message):
    with pytest.raises(InvalidManifest) as info:
        _spec(tmp_path, [event])
    err = info.value
    assert err.field == field and message in str(err)
    assert err.file.endswith("scenario.yaml") and err.line >= 1


# -- cluster-scoped kinds (one list: kmodel.state.CLUSTER_SCOPED_KINDS) --------------------------
_STORAGE_CLASS = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
                  "provisioner": "ebs.csi.aws.com", "volumeBindingMode": "WaitForFirstConsumer"}


def test_apply_finds_a_live_cluster_scoped_object_of_any_kind():
    """``kubectl apply`` of a StorageClass that exists patches it (it used to look for it in the
    ``default`` namespace, find nothing, and fail to create it again: the event never ran)."""
    objects, bodies = _loaded(_STORAGE_CLASS)
    state = ClusterState.of([Namespace(ObjectMeta("default"))])
    created = apply_manifests(objects, bodies).apply(state)
    ref = ObjectRef("StorageClass", "", "fast")
    assert created is not None and created.get(ref) is not None
    assert [o.metadata.namespace for o in created.list("StorageClass")] == [""]
    again = apply_manifests(objects, bodies).apply(created)
    assert again is not None and len(again.list("StorageClass")) == 1
    assert again.get(ref).metadata.annotation(du.LAST_APPLIED_CONFIG_ANNOTATION)


@pytest.mark.parametrize("kind,api_version", [
    ("ClusterRole", "rbac.authorization.k8s.io/v1"), ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    ("PriorityClass", "scheduling.k8s.io/v1"), ("CustomResourceDefinition", "apiextensions.k8s.io/v1"),
    ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"), ("CSIDriver", "storage.k8s.io/v1"),
    ("RuntimeClass", "node.k8s.io/v1"),
])
def test_cluster_scoped_kinds_have_no_namespace_in_the_loader(kind, api_version):
    """The loader's documents (and so ``kubectl apply``, the checks and the diagrams) give a
    cluster-scoped object no namespace, whichever kind it is and whatever it says."""
    import io

    from kmodel.manifests import load
    from kmodel.state import CLUSTER_SCOPED_KINDS

    assert kind in CLUSTER_SCOPED_KINDS
    body = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "team-a"}}
    loaded = load(["-"], stdin=io.StringIO(json.dumps(body)))
    assert [(d.kind, d.namespace) for d in loaded.documents] == [(kind, "")]
