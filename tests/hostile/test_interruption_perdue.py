"""A stop signal whose exception was lost still stops the command with 128 + its number.

Python runs a signal's handler between two bytecodes, wherever the main thread is: inside a
finalizer (``__del__``, a weakref callback), the :class:`Interrupted` it raises is printed as
« Exception ignored » and the program goes on — a batch then ended « normally », exit 1, with its
workers already stopped.
``cli/process.protected`` asks :func:`cdv_prog.files.interrupt.recu` before it exits.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time

import pytest

from cdv_prog.cli.process import protected
from cdv_prog.files.interrupt import Interrupted

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")


def _attendre_le_gestionnaire() -> None:
    for _ in range(200):  # the handler runs at the next bytecode boundaries
        time.sleep(0.001)


class _Finaliseur:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        _attendre_le_gestionnaire()  # the Interrupted is raised here: ignored, as Python does in __del__


def _signal_avale() -> None:
    """SIGTERM to this process, its Interrupted swallowed (as a finalizer would lose it)."""
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        _attendre_le_gestionnaire()
    except Interrupted:
        pass


def _code(action) -> int:
    with pytest.raises(SystemExit) as exc:
        protected(action)
    return int(exc.value.code)


def test_perdue_dans_un_finaliseur(capsys, monkeypatch) -> None:
    perdues: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: perdues.append(u.exc_type))

    def action() -> int:
        objet = _Finaliseur()
        del objet
        gc.collect()
        return 1  # the batch would end « normally »

    assert _code(action) == 143
    assert perdues == [Interrupted]  # it really was lost
    assert "Interrompu." in capsys.readouterr().err


def test_avalee_puis_un_tube_casse() -> None:
    def action() -> int:
        _signal_avale()
        raise BrokenPipeError  # writing to a worker the signal stopped

    assert _code(action) == 143


def test_avalee_puis_une_erreur() -> None:
    def action() -> int:
        _signal_avale()
        raise RuntimeError("le pool est cassé")  # a stopped worker's pool: not a bug of cdv

    assert _code(action) == 143


def test_la_commande_suivante_n_est_pas_interrompue() -> None:
    def interrompue() -> int:
        _signal_avale()
        return 0

    assert _code(interrompue) == 143
    assert _code(lambda: 1) == 1  # a new command: no signal received
    assert sys.stdout is not sys.__stdout__  # (under pytest: protected returned rather than os._exit)
