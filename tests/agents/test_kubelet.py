"""The kubelet: getPhase, flowcontrol.Backoff and the prober's thresholds against upstream's
tables (``pkg/kubelet/kubelet_pods_test.go``, ``staging/src/k8s.io/client-go/util/flowcontrol/
backoff_test.go``, ``pkg/kubelet/prober/worker_test.go``), and the model's pod lifecycle."""

from __future__ import annotations

import pytest

from kmodel.agents.kubelet import (
    INITIAL_BACKOFF,
    MAX_BACKOFF,
    Backoff,
    ContainerStatus,
    backoff_delays,
    do_probe,
    get_phase,
    reconcile,
)
from kmodel.api import Create, UpdateStatus, apply, apply_all
from kmodel.objects.meta import Namespace, ObjectMeta, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.probes import Probe
from kmodel.objects.workloads import (
    BACKOFF,
    RUNNING,
    TERMINATED,
    UNHEALTHY,
    Container,
    Pod,
    PodSpec,
)
from kmodel.state import ClusterState

A, B = "containerA", "containerB"


def running(n, started=True):
    return ContainerStatus(n, "running", started=started)


def succeeded(n):
    return ContainerStatus(n, "terminated", 0)


def failed(n):
    return ContainerStatus(n, "terminated", -1)


def waiting(n):
    return ContainerStatus(n, "waiting")


def waiting_after(n, code=-1):
    """``waitingStateWithLastTermination``: crash-looping."""
    return ContainerStatus(n, "waiting", last_exit_code=code)


def spec(policy, init=(), sidecars=()):
    inits = tuple(Container(c) for c in init) + tuple(Container(c, restart_policy="Always") for c in sidecars)
    return PodSpec((Container(A), Container(B)), init_containers=inits, restart_policy=policy)


PHASE_CASES = [
    # TestPodPhaseWithRestartAlways
    ("TestPodPhaseWithRestartAlways/waiting", "Always", [], False, "Pending"),
    ("TestPodPhaseWithRestartAlways/all running", "Always", [running(A), running(B)], False, "Running"),
    ("TestPodPhaseWithRestartAlways/all stopped with restart always", "Always", [succeeded(A), failed(B)], False,
     "Running"),
    ("TestPodPhaseWithRestartAlways/all succeeded with restart always, pod terminal", "Always",
     [succeeded(A), succeeded(B)], True, "Succeeded"),
    ("TestPodPhaseWithRestartAlways/all stopped with restart always, pod terminal", "Always",
     [succeeded(A), failed(B)], True, "Failed"),
    ("TestPodPhaseWithRestartAlways/mixed state #1 with restart always", "Always", [running(A), succeeded(B)], False,
     "Running"),
    ("TestPodPhaseWithRestartAlways/mixed state #2 with restart always", "Always", [running(A)], False, "Pending"),
    ("TestPodPhaseWithRestartAlways/mixed state #3 with restart always", "Always", [running(A), waiting(B)], False,
     "Pending"),
    ("TestPodPhaseWithRestartAlways/backoff crashloop container with restart always", "Always",
     [running(A), waiting_after(B)], False, "Running"),
    # TestPodPhaseWithRestartNever
    ("TestPodPhaseWithRestartNever/waiting", "Never", [], False, "Pending"),
    ("TestPodPhaseWithRestartNever/all running with restart never", "Never", [running(A), running(B)], False,
     "Running"),
    ("TestPodPhaseWithRestartNever/all succeeded with restart never", "Never", [succeeded(A), succeeded(B)], False,
     "Succeeded"),
    ("TestPodPhaseWithRestartNever/all failed with restart never", "Never", [failed(A), failed(B)], False, "Failed"),
    ("TestPodPhaseWithRestartNever/mixed state #1 with restart never", "Never", [running(A), succeeded(B)], False,
     "Running"),
    ("TestPodPhaseWithRestartNever/mixed state #2 with restart never", "Never", [running(A)], False, "Pending"),
    ("TestPodPhaseWithRestartNever/mixed state #3 with restart never", "Never", [running(A), waiting(B)], False,
     "Pending"),
    # TestPodPhaseWithRestartOnFailure
    ("TestPodPhaseWithRestartOnFailure/waiting", "OnFailure", [], False, "Pending"),
    ("TestPodPhaseWithRestartOnFailure/all running with restart onfailure", "OnFailure", [running(A), running(B)],
     False, "Running"),
    ("TestPodPhaseWithRestartOnFailure/all succeeded with restart onfailure", "OnFailure",
     [succeeded(A), succeeded(B)], False, "Succeeded"),
    ("TestPodPhaseWithRestartOnFailure/all failed with restart never", "OnFailure", [failed(A), failed(B)], False,
     "Running"),
    ("TestPodPhaseWithRestartOnFailure/mixed state #1 with restart onfailure", "OnFailure",
     [running(A), succeeded(B)], False, "Running"),
    ("TestPodPhaseWithRestartOnFailure/mixed state #2 with restart onfailure", "OnFailure", [running(A)], False,
     "Pending"),
    ("TestPodPhaseWithRestartOnFailure/mixed state #3 with restart onfailure", "OnFailure",
     [running(A), waiting(B)], False, "Pending"),
    ("TestPodPhaseWithRestartOnFailure/backoff crashloop container with restart onfailure", "OnFailure",
     [running(A), waiting_after(B)], False, "Running"),
]


@pytest.mark.parametrize("policy,statuses,terminal,want", [c[1:] for c in PHASE_CASES], ids=[c[0] for c in PHASE_CASES])
def test_get_phase(policy, statuses, terminal, want):
    assert get_phase(spec(policy), statuses, terminal) == want


INIT_CASES = [
    # TestPodPhaseWithRestartAlwaysInitContainers / ...NeverInitContainers
    ("TestPodPhaseWithRestartAlwaysInitContainers/init container running", "Always", [running("init")], "Pending"),
    ("TestPodPhaseWithRestartAlwaysInitContainers/init container terminated non-zero", "Always",
     [failed("init")], "Pending"),
    ("TestPodPhaseWithRestartAlwaysInitContainers/init container waiting, terminated zero", "Always",
     [waiting_after("init", 0)], "Pending"),
    ("TestPodPhaseWithRestartAlwaysInitContainers/init container waiting, not terminated", "Always",
     [waiting("init")], "Pending"),
    ("TestPodPhaseWithRestartAlwaysInitContainers/init container succeeded", "Always",
     [succeeded("init"), running(A), running(B)], "Running"),
    ("TestPodPhaseWithRestartNeverInitContainers/init container terminated non-zero", "Never",
     [failed("init")], "Failed"),
    ("TestPodPhaseWithRestartNeverInitContainers/init container waiting, terminated non-zero", "Never",
     [waiting_after("init", 1)], "Failed"),
]


@pytest.mark.parametrize("policy,statuses,want", [c[1:] for c in INIT_CASES], ids=[c[0] for c in INIT_CASES])
def test_get_phase_init_containers(policy, statuses, want):
    assert get_phase(spec(policy, init=("init",)), statuses) == want


SIDECAR_CASES = [
    # TestPodPhaseWithRestartAlwaysRestartableInitContainers
    ("TestPodPhaseWithRestartAlwaysRestartableInitContainers/restartable init container running, not started",
     [running("sidecar", started=False)], "Pending"),
    ("TestPodPhaseWithRestartAlwaysRestartableInitContainers/restartable init container started, "
     "regular containers running", [running("sidecar"), running(A), running(B)], "Running"),
    ("TestPodPhaseWithRestartAlwaysRestartableInitContainers/restartable init container waiting, "
     "regular containers running", [waiting_after("sidecar"), running(A), running(B)], "Running"),
    ("TestPodPhaseWithRestartAlwaysRestartableInitContainers/restartable init container not started, "
     "regular containers already ran", [running("sidecar", started=False), running(A), running(B)], "Running"),
]


@pytest.mark.parametrize("statuses,want", [c[1:] for c in SIDECAR_CASES], ids=[c[0] for c in SIDECAR_CASES])
def test_get_phase_sidecars(statuses, want):
    assert get_phase(spec("Always", sidecars=("sidecar",)), statuses) == want


# --- flowcontrol.Backoff (backoff_test.go) ------------------------------------------------------


def test_slow_backoff():
    """TestSlowBackoff: 0, 1, 2, 4, ..., capped at 50; Reset clears."""
    b = Backoff(1, 50)
    t = 0
    for want in (0, 1, 2, 4, 8, 16, 32, 50, 50, 50):
        t += 1
        assert b.get("_idSlow") == want
        b = b.next("_idSlow", t)
    b = b.next("_idSlow", t).reset("_idSlow")
    assert b.get("_idSlow") == 0


def test_backoff_reset():
    """TestBackoffReset: after 2 x max without an update the entry no longer backs off."""
    b = Backoff(1, 5)
    t = 0
    for _ in range(6):
        t += 1
        b = b.next("_idReset", t)
    assert b.is_in_backoff_since("_idReset", t, now=t)
    last = t
    t += 2 * 5 + 1
    assert not b.is_in_backoff_since("_idReset", last, now=t)


def test_backoff_high_water_mark():
    """TestBackoffHighWaterMark: within 2 x max the entry stays at the maximum."""
    b = Backoff(1, 5)
    t = 0
    for _ in range(6):
        t += 1
        b = b.next("_idHiWaterMark", t)
    t += 5 + 1
    b = b.next("_idHiWaterMark", t)
    assert b.get("_idHiWaterMark") == 5


def test_backoff_gc():
    """TestBackoffGC: an entry is collected only after 2 x max without update."""
    b = Backoff(1, 5)
    t = 0
    for _ in range(6):
        t += 1
        b = b.next("_idGC", t)
    t += 5 + 1
    assert b.gc(t).get("_idGC") == 5
    t += 5 + 1
    assert b.gc(t).get("_idGC") == 0


IS_IN_BACKOFF_SINCE_UPDATE = [  # TestIsInBackOffSinceUpdate: (tick, in back-off, value)
    (0, False, 0), (1, False, 1), (2, True, 2), (3, False, 2), (4, True, 4), (5, True, 4), (6, True, 4),
    (7, False, 4), (8, True, 8), (9, True, 8), (10, True, 8), (11, True, 8), (12, True, 8), (13, True, 8),
    (14, True, 8), (15, False, 8), (16, True, 10), (17, True, 10), (18, True, 10), (19, True, 10),
    (20, True, 10), (21, True, 10), (22, True, 10), (23, True, 10), (24, True, 10), (25, False, 10),
    (26, True, 10), (27, True, 10), (28, True, 10), (29, True, 10), (30, True, 10), (31, True, 10),
    (32, True, 10), (33, True, 10), (34, True, 10), (35, False, 10), (56, False, 0), (57, False, 1),
]


def test_is_in_backoff_since_update():
    """TestIsInBackOffSinceUpdate: the 38-step trace with max 10."""
    b = Backoff(1, 10)
    for tick, in_backoff, value in IS_IN_BACKOFF_SINCE_UPDATE:
        assert b.is_in_backoff_since_update("_id", tick) == in_backoff, tick
        if in_backoff:
            assert b.get("_id") == value, tick
        else:
            b = b.next("_id", tick)


def test_kubelet_backoff_delays():
    assert (INITIAL_BACKOFF, MAX_BACKOFF) == (10, 300)
    assert backoff_delays() == (10, 20, 40, 80, 160, 300)


# --- prober worker thresholds (worker_test.go) --------------------------------------------------


def test_failure_threshold():
    """TestFailureThreshold: failures are published only after failureThreshold in a row."""
    last, run, published = "Success", 1, []
    for result in ("Failure", "Failure", "Failure", "Failure"):
        pub, last, run = do_probe(result, last, run, failure_threshold=3)
        published.append(pub)
    assert published == [None, None, "Failure", "Failure"]


def test_success_threshold():
    """TestSuccessThreshold: a readiness probe needs successThreshold successes in a row."""
    last, run, published = "Failure", 0, []
    for result in ("Success", "Success", "Failure", "Success", "Success", "Success"):
        pub, last, run = do_probe(result, last, run, success_threshold=3, failure_threshold=1)
        published.append(pub)
    assert published == [None, None, "Failure", None, None, "Success"]


# --- the model's lifecycle ----------------------------------------------------------------------

NODE = Node(ObjectMeta("n1"), status=NodeStatus(allocatable=(("cpu", 2000), ("memory", 4 << 30), ("pods", 110))))


def _state(pod):
    s = ClusterState.of([Namespace(ObjectMeta("default")), NODE])
    s, r = apply(s, Create(pod))
    assert r.ok
    return s, r.ref


def _pod(policy="Always", probes=None, **status):
    c = Container("app", **(probes or {}))
    return Pod(ObjectMeta("p", "default"), PodSpec((c,), node_name="n1", restart_policy=policy))


def _run(state, ref, **status):
    pod = state.get(ref)
    state, _ = apply(state, UpdateStatus(replace(pod, status=replace(pod.status, **status))))
    return state


def _step(state, ref, choice=0):
    out = reconcile(state, ref)
    reqs = out[choice] if out and isinstance(out[0], tuple) else out
    return apply_all(state, reqs)[0], out


def test_start_is_ready_at_once_without_probes_and_waits_for_a_readiness_probe():
    s, ref = _state(_pod())
    s, _ = _step(s, ref)
    assert s.get(ref).status.phase == "Running" and s.get(ref).status.condition("Ready").status == "True"
    s, ref = _state(_pod(probes={"readiness_probe": Probe()}))
    s, _ = _step(s, ref)
    assert s.get(ref).status.condition("Ready").status == "False"
    s, _ = _step(s, ref)  # the readiness probe passes (a timer)
    assert s.get(ref).status.condition("Ready").status == "True"


def test_crash_restarts_at_once_then_backs_off_doubling():
    s, ref = _state(_pod())
    s, _ = _step(s, ref)
    s = _run(s, ref, containers=TERMINATED)
    s, _ = _step(s, ref)  # no entry: restart now, entry 10 s
    st = s.get(ref).status
    assert (st.containers, st.restart_count, st.backoff) == (RUNNING, 1, 10)
    s = _run(s, ref, containers=TERMINATED)
    s, alts = _step(s, ref, choice=0)  # within the window: CrashLoopBackOff
    assert len(alts) == 2 and s.get(ref).status.containers == BACKOFF
    s, _ = _step(s, ref)  # the window ends: restart, entry doubled
    st = s.get(ref).status
    assert (st.containers, st.restart_count, st.backoff) == (RUNNING, 2, 20)
    assert st.backoff_earned == st.backoff  # the ghost follows the entry while the kubelet keeps it


def test_kubelet_restart_forgets_the_backoff_entry():
    """``klet.crashLoopBackOff`` is kubelet memory: after the kubelet process restarts, an exit
    finds no entry and ``doBackOff`` lets the container start at once (upstream
    ``pkg/kubelet/kubelet.go`` ``NewMainKubelet``, ``kuberuntime_manager.go`` ``doBackOff``)."""
    from kmodel.faults import _kubelet_restarted

    s, ref = _state(_pod())
    assert _kubelet_restarted(s, "n1") is None  # no entry yet: the restart changes nothing kept
    s, _ = _step(s, ref)
    s = _run(s, ref, containers=TERMINATED)
    s, _ = _step(s, ref)  # first exit: restart now, entry 10 s (earned 10 s)
    assert (s.get(ref).status.backoff, s.get(ref).status.backoff_earned) == (10, 10)
    forgot = _kubelet_restarted(s, "n1")
    assert (forgot.get(ref).status.backoff, forgot.get(ref).status.backoff_earned) == (0, 10)
    crashed = _run(forgot, ref, containers=TERMINATED)
    alts = reconcile(crashed, ref)
    assert len(alts) == 2  # restart at once either way: the earned entry expired, or not (too early)
    expired, early = (apply_all(crashed, a)[0].get(ref).status for a in alts)
    assert (expired.containers, expired.backoff, expired.backoff_earned) == (RUNNING, 10, 10)
    assert (early.containers, early.backoff, early.backoff_earned, early.restart_count) == (RUNNING, 10, 20, 2)
    # Waiting in CrashLoopBackOff when the kubelet restarts: its first sync starts the container.
    s = _run(s, ref, containers=TERMINATED)
    s, _ = _step(s, ref, choice=0)
    assert s.get(ref).status.containers == BACKOFF
    s, _ = _step(_kubelet_restarted(s, "n1"), ref)
    st = s.get(ref).status
    assert (st.containers, st.backoff, st.backoff_earned) == (RUNNING, 10, 20)


@pytest.mark.parametrize("policy,exit_state,phase", [("Never", TERMINATED, "Failed"), ("OnFailure", "completed", "Succeeded"),
                                                     ("Never", "completed", "Succeeded")])
def test_no_restart_makes_the_phase_terminal(policy, exit_state, phase):
    s, ref = _state(_pod(policy))
    s, _ = _step(s, ref)
    s = _run(s, ref, containers=exit_state)
    s, _ = _step(s, ref)
    assert s.get(ref).status.phase == phase


def test_hung_container_is_killed_only_with_a_liveness_probe():
    s, ref = _state(_pod(probes={"liveness_probe": Probe()}))
    s, _ = _step(s, ref)
    s = _run(s, ref, containers=UNHEALTHY)
    s, _ = _step(s, ref)
    assert s.get(ref).status.containers == TERMINATED
    s, ref = _state(_pod())
    s, _ = _step(s, ref)
    s = _run(s, ref, containers=UNHEALTHY)
    assert reconcile(s, ref) == ()  # nothing notices


def test_kubelet_of_a_stopped_machine_does_nothing():
    from kmodel.cluster import Env, World

    s, ref = _state(_pod())
    assert reconcile(World(s, Env(machines=(("n1", "down"),))), ref) == ()
    assert reconcile(World(s, Env(machines=(("n1", "partitioned"),))), ref) == ()
    assert reconcile(World(s, Env()), ref) != ()


def test_stale_kubelet_misses_deletions_and_new_pods():
    """The staleViews fault: a deleted pod keeps running, a newly bound pod is not started."""
    from kmodel.api import Delete
    from kmodel.cluster import Env, World

    stale = Env(machines=(("n1", "stale"),))
    s, ref = _state(_pod())
    assert reconcile(World(s, stale), ref) == ()  # bound since the view went stale: unseen
    s, _ = _step(s, ref)  # started while the view was fresh
    s, _ = apply(s, Delete(ref))  # graceful deletion: deletionTimestamp set
    assert s.get(ref).metadata.deleting
    assert reconcile(World(s, stale), ref) == ()  # it does not see the deletion: keeps running
    s2 = _run(s, ref, containers=TERMINATED)
    assert reconcile(World(s2, stale), ref) != ()  # and even restarts the deleted pod's container
    assert [type(r).__name__ for r in reconcile(World(s, Env()), ref)] == ["Delete"]  # after resync


def test_stale_view_fault_and_resync_steps():
    from kmodel.cluster import ClusterModel, Faults
    from kmodel.objects.meta import LabelSelector
    from kmodel.objects.workloads import PodTemplateSpec, ReplicaSet, ReplicaSetSpec

    labels = (("app", "web"),)
    rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(
        labels, PodSpec((Container("web"),))), 1))
    model = ClusterModel([Namespace(ObjectMeta("default")), NODE, rs], faults=Faults(stale_views=1))
    step, w = next((s, w) for s, w in model.successors(model.initial) if s.verb == "stale-view")
    assert w.env.machines == (("n1", "stale"),)
    assert [s.verb for s, _ in model.successors(w) if s.actor == "node-recovery"] == ["resync"]
    assert model.checker().bfs().verdict == "holds"


def test_kubelet_waits_for_the_token_volume():
    """The admission's kube-api-access volume: the kubelet needs the account's token
    (TokenRequest) and the kube-root-ca.crt ConfigMap before it starts the pod."""
    from kmodel.admission import TOKEN_VOLUME_NAME, token_volume_source
    from kmodel.objects.access import ConfigMap, ServiceAccount
    from kmodel.objects.storage import Volume

    pod = Pod(ObjectMeta("p", "default"), PodSpec((Container("app"),), node_name="n1",
                                                  volumes=(Volume(TOKEN_VOLUME_NAME, projected=token_volume_source()),)))
    s, ref = _state(pod)
    assert reconcile(s, ref) == ()  # no account, no ConfigMap: MountVolume.SetUp fails, retried
    s = s.with_(ServiceAccount(ObjectMeta("default", "default", uid="sa")))
    assert reconcile(s, ref) == ()  # the token is granted, kube-root-ca.crt is still missing
    s = s.with_(ConfigMap(ObjectMeta("kube-root-ca.crt", "default", uid="cm"), ("ca.crt",)))
    s, _ = _step(s, ref)
    assert s.get(ref).status.phase == "Running"


def test_backoff_ghost_equals_the_entry_without_kubelet_restarts():
    """Without the kubeletRestarts fault the ghost ``backoff_earned`` is the entry itself in every
    reachable state (crashes, reboots), so it adds no states to existing specs."""
    from pathlib import Path

    import kmodel
    from kmodel.cluster import ClusterModel, Faults

    spec = kmodel.load_spec([str(Path(__file__).resolve().parents[2] / "specs/crash-loop-backoff")])
    for faults in (Faults(pod_crashes=3), Faults(pod_crashes=2, node_failures=1)):
        model = ClusterModel(spec.model.initial.cluster, faults=faults, properties=())
        seen, frontier = {model.initial}, [model.initial]
        while frontier:
            world = frontier.pop()
            for p in world.cluster.list("Pod"):
                assert p.status.backoff_earned == p.status.backoff, p
            for _, nxt in model.successors(world):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert len(seen) > 20
