"""A one-line progress report on a terminal; silent in CI and when not on a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

__all__ = ["Progress"]


def _enabled_by_default(stream: TextIO) -> bool:
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Prints ``states, depth, rate`` at most every ``interval`` seconds, overwriting one line."""

    def __init__(self, enabled: bool | None = None, *, stream: TextIO | None = None,
                 interval: float = 0.5) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _enabled_by_default(self.stream) if enabled is None else enabled
        self.interval = interval
        self.start = time.monotonic()
        self._last = self.start
        self._shown = False

    def update(self, states: int, depth: int, frontier: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        rate = states / max(now - self.start, 1e-9)
        self.stream.write(
            f"\r{states:,} states  depth {depth}  frontier {frontier:,}  {rate:,.0f} states/s   "
        )
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
