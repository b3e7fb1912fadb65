"""Stopping cleanly on SIGINT, SIGTERM and SIGHUP: an exception rather than a sudden death.

By default SIGTERM and SIGHUP kill a Python process on the spot: no ``finally``
runs, so worker processes are left running and temporary files stay behind.
Under :func:`interruptible`, these signals raise :class:`Interrupted` in the
main thread instead; the command line (``cli/app.py``) prints « Interrompu. »
and exits with 128 + the signal's number (130 Ctrl-C, 129 SIGHUP, 143
SIGTERM), the shell's convention.

Only the standard library, and only light modules: ``cli/app.py`` imports this
module at start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)  # SIGHUP: not on Windows


class Interrupted(BaseException):
    """A stop signal arrived (a BaseException, like KeyboardInterrupt: ``except Exception`` does not swallow it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _Block:
    """One open :func:`interruptible` block and what it runs on a signal."""

    def __init__(self, on_signal: Callable[[], None] | None):
        self.on_signal = on_signal


_open: list[_Block] = []  # the open blocks, oldest first: the handler is installed while there is one
_saved: dict[int, Any] = {}  # the handlers found when the first block opened
_owner = 0  # the process that installed the handler
_recu: list[int] = []  # the stop signals this process's handler received (see recu)


def _handler(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _owner:  # a child forked before it reset its handlers: die as by default
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _recu.append(signum)
    for block in reversed(_open):
        if block.on_signal is not None:
            block.on_signal()
    raise Interrupted(signum)


def recu() -> int | None:
    """The first stop signal this process received under :func:`interruptible`, or None.

    Its :class:`Interrupted` may have been lost: raised while Python ran a finalizer (``__del__``, a
    weakref callback), it is printed as « Exception ignored » and the program goes on. The command
    line asks here before it exits (``cli/process.py``): stopped is stopped.
    """
    return _recu[0] if _recu else None


@contextlib.contextmanager
def interruptible(on_signal: Callable[[], None] | None = None) -> Iterator[None]:
    """Inside the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in this process.

    ``on_signal`` runs first, in the handler (e.g. to stop worker processes at
    once, wherever the main thread is then). Blocks may nest, and close in any
    order (a generator holding one may be closed late): the handlers found
    when the first block opened are put back when the last one closes. A
    signal ignored on purpose (``nohup``, a background job) stays ignored. A
    process forked meanwhile does not inherit the behaviour: there, the
    signal gets its default action. Outside the main thread (where Python
    allows no handler) the block runs unchanged.
    """
    global _owner
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    block = _Block(on_signal)
    if not _open:
        _owner = os.getpid()
        _recu.clear()  # a new outermost block (a new command, in a test): no signal received yet
        for signum in SIGNALS:
            current = signal.getsignal(signum)
            if current == signal.SIG_IGN:
                continue
            _saved[signum] = current
            signal.signal(signum, _handler)
    _open.append(block)
    try:
        yield
    finally:
        _open[:] = [b for b in _open if b is not block]
        if not _open:
            for signum, current in _saved.items():
                with contextlib.suppress(ValueError):  # closed from another thread: nothing to put back there
                    signal.signal(signum, current if current is not None else signal.SIG_DFL)
            _saved.clear()
