"""The parent is one of the ``--jobs`` processes (``files/parallel.py``): it checks chunks itself.

With ``--jobs N`` (no cache), N − 1 workers are forked and the parent checks a chunk whenever the
next one to write is not back yet. Whoever checks a chunk, the items come back in path order, and
an error in a chunk the parent checked is raised in its turn, as a worker's would be.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from cdv_prog.files import parallel
from cdv_prog.files.parallel import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="the --jobs batch forks its workers (Linux)")

_PARENT: list[int] = []  # the pid of the process running the test (read by the forked workers)


def _qui(paths: Sequence[Path], etat: object = None) -> list[tuple[int, str]]:
    """Who checked each file: a worker is made slow, so that the parent has time to help."""
    if os.getpid() != _PARENT[0]:
        time.sleep(0.05)
    return [(os.getpid(), str(p)) for p in paths]


def _casse(paths: Sequence[Path], etat: object = None) -> list[tuple[int, str]]:
    """As :func:`_qui`, and the chunk of ``f-0110`` fails (the parent checks it: the fifth chunk, the first one
    after the four the worker is given ahead)."""
    if any(p.name == "f-0110" for p in paths):
        raise RuntimeError("panne du lot de f-0110")
    return _qui(paths)


def _fichiers(n: int) -> list[Path]:
    return [Path(f"/nulle-part/f-{i:04d}") for i in range(n)]


def _lot(task, files: list[Path], jobs: int) -> list[tuple[int, str]]:
    _PARENT[:] = [os.getpid()]
    return list(parallel._parallel(files, None, jobs, False, task=task, unpack_item=lambda item: item))  # type: ignore[arg-type]


def test_the_parent_checks_chunks_too_and_the_order_is_the_paths() -> None:
    files = _fichiers(400)
    items = _lot(_qui, files, 2)
    assert [f for _, f in items] == [str(p) for p in files]
    pids = {pid for pid, _ in items}
    assert os.getpid() in pids  # the parent checked some chunks itself
    assert len(pids) == 2  # and its one worker the others


def test_with_one_job_per_core_there_are_jobs_minus_one_workers() -> None:
    items = _lot(_qui, _fichiers(600), 3)
    assert len({pid for pid, _ in items} - {os.getpid()}) <= 2


def test_an_error_in_a_chunk_the_parent_checked_comes_in_its_turn() -> None:
    files = _fichiers(400)
    _PARENT[:] = [os.getpid()]
    given: list[str] = []
    items = parallel._parallel(files, None, 2, False, task=_casse, unpack_item=lambda item: item)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="f-0110"):
        given.extend(f for _, f in items)
    size = parallel.chunk_size(len(files), 2)
    assert given == [str(p) for p in files[: 110 // size * size]]  # every file before the failed chunk, in order


# --------------------------------------------------------------------------- the C heap of a --jobs batch


def test_the_heap_is_made_stable_once_before_the_workers_are_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    appels: list[int] = []
    monkeypatch.setattr(parallel, "tas_stable", lambda: appels.append(len(_PARENT)) or True)
    items = _lot(_qui, _fichiers(200), 2)
    assert [f for _, f in items] == [str(p) for p in _fichiers(200)]
    assert appels == [1]  # once for the batch, in the parent, when its first worker is forked


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt: glibc")
def test_glibc_takes_the_heap_settings() -> None:
    assert parallel.tas_stable() is True


def test_without_mallopt_the_batch_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes

    def refus(*args: object, **kwargs: object) -> None:
        raise OSError("pas de libc ici")

    monkeypatch.setattr(ctypes, "CDLL", refus)
    assert parallel.tas_stable() is False
    items = _lot(_qui, _fichiers(200), 2)
    assert [f for _, f in items] == [str(p) for p in _fichiers(200)]
