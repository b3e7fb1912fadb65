"""The pipe a ``--jobs`` pool sends its chunks back through is enlarged (``files.parallel.agrandir_retour``).

A chunk of written reports is about 1 MB: through Linux's default 64 KB pipe it
went in sixteen partial writes, each followed by a copy of what was left. The
pool's result pipe is made 1 MB (Linux's default ``pipe-max-size``) when the
system allows it; the output is unchanged whatever the pipe's size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cdv_prog.files import parallel
from cdv_prog.files.parallel import RETOUR_OCTETS, agrandir_retour, can_fork

linux = pytest.mark.skipif(not sys.platform.startswith("linux") or not can_fork(), reason="Linux, fork")


def _max_tube() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):
        return 0


def _taille(executor) -> int:
    import fcntl

    return fcntl.fcntl(executor._result_queue._writer.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032))


@linux
def test_le_tube_de_retour_est_agrandi() -> None:
    if _max_tube() < RETOUR_OCTETS:
        pytest.skip("pipe-max-size de ce système plus petit qu'un morceau")
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        before = _taille(executor)
        assert agrandir_retour(executor) == RETOUR_OCTETS
        assert _taille(executor) == RETOUR_OCTETS > before
        assert executor.submit(len, "x" * 100).result() == 100  # the pool still works
    finally:
        executor.shutdown()


def test_sans_tube_rien_ne_casse() -> None:
    class Ailleurs:  # a pool without the private attribute (another Python): nothing happens
        pass

    assert agrandir_retour(Ailleurs()) is None  # type: ignore[arg-type]


@linux
def test_chaque_pool_agrandit_son_tube(cdv, monkeypatch) -> None:
    """The batch's pool enlarges its pipe as it starts; the output is that of ``--jobs 1``."""
    vus: list[int | None] = []

    def espion(executor):
        vus.append(agrandir_retour(executor))
        return vus[-1]

    monkeypatch.setattr(parallel, "agrandir_retour", espion)
    deux = cdv("check", "data/dossiers", "--format", "json", "--jobs", "2", "--sans-cache")
    un = cdv("check", "data/dossiers", "--format", "json", "--jobs", "1", "--sans-cache")
    assert deux.out == un.out
    assert len(vus) == 3  # one pool per exercice of the examples (2024, 2025, 2026), each enlarged
    if _max_tube() >= RETOUR_OCTETS:
        assert vus == [RETOUR_OCTETS] * 3
