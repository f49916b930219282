"""The progress line: on a terminal only, never in CI."""

import io

from kmodel.check.progress import Progress


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_writes_states_depth_rate_on_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    out = Tty()
    p = Progress(stream=out, interval=0)
    p.update(1234, 7, 55)
    p.done()
    text = out.getvalue()
    assert "1,234 states" in text and "depth 7" in text and "states/s" in text


def test_progress_is_silent_in_ci_and_off_a_terminal(monkeypatch):
    monkeypatch.setenv("CI", "true")
    out = Tty()
    Progress(stream=out, interval=0).update(10, 1, 1)
    assert out.getvalue() == ""
    monkeypatch.delenv("CI")
    plain = io.StringIO()
    Progress(stream=plain, interval=0).update(10, 1, 1)
    assert plain.getvalue() == ""
