"""What tests of processes share: wait for a condition, tell whether a child process is reaped."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Whether ``condition()`` became true within ``timeout`` seconds (asked every ``every``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def reaped(pid: int) -> bool:
    """Whether child process ``pid`` is gone and reaped (no longer this process's child)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
