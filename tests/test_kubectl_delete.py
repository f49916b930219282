"""The ``delete`` scenario event (``kmodel.kubectl_delete``)."""

from __future__ import annotations

import pytest

from kmodel.errors import InvalidManifest
from kmodel.scenario import load_spec

BASE = ("apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\n"
        "apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n")


def test_delete_event_is_parsed_and_runs(tmp_path):
    (tmp_path / "s.yaml").write_text(BASE + "  events:\n    - delete: {kind: ServiceAccount, name: default}\n")
    spec = load_spec([str(tmp_path / "s.yaml")])
    (event,) = spec.model.events
    assert event.description == "kubectl delete serviceaccount/default -n default"
    state = spec.model.initial.cluster
    assert state.list("ServiceAccount") and not event.apply(state).list("ServiceAccount")


@pytest.mark.parametrize("body,field,message", [
    ("{kind: Pod, name: x}", "spec.events[0].delete.kind", "delete takes kind ServiceAccount, Secret, ConfigMap"),
    ("{kind: Secret}", "spec.events[0].delete.name", "delete needs a name"),
    ("{kind: Secret, name: x, force: true}", "spec.events[0].delete.force", "unknown field 'force'"),
])
def test_delete_event_errors(tmp_path, body, field, message):
    (tmp_path / "s.yaml").write_text(BASE + f"  events:\n    - delete: {body}\n")
    with pytest.raises(InvalidManifest) as err:
        load_spec([str(tmp_path / "s.yaml")])
    assert err.value.field == field and message in str(err.value)
