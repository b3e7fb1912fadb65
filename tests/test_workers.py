"""The worker processes of a ``--jobs`` batch (``files.workers``): forked, fed tasks, read back in order.

Real processes (fork, Linux): results come back in each worker's order whatever their size; a task's
exception is raised where its result is asked for; a killed worker is reported, not waited for; a full
task pipe never deadlocks with a worker waiting to write a result; every worker is reaped; the parent
starts no thread; the result pipes are enlarged to hold a chunk of written reports.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from cdv_prog.files import parallel, workers
from cdv_prog.files.parallel import can_fork
from cdv_prog.files.workers import TUBE_OCTETS, WorkerPerdu, Workers, agrandir_tube
from processus import reaped

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked on Linux only")


def _rien() -> None:
    pass


def _carre(chunk: list[int]) -> list[int]:
    return [x * x for x in chunk]


def _gros(chunk: list[int]) -> list[bytes]:
    return [bytes([x % 256]) * 300_000 for x in chunk]  # a result larger than any pipe


def _echec(chunk: list[int]) -> list[int]:
    if 13 in chunk:
        raise ValueError("treize n'est pas un bon nombre")
    return chunk


def _impicklable(chunk: list[int]) -> list[object]:
    return [lambda x=x: x for x in chunk]


def _pid(chunk: list[int]) -> list[int]:
    return [os.getpid()]


def _dort(chunk: list[int]) -> list[int]:
    time.sleep(chunk[0])
    return chunk


def _taille(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032))


def _max_tube() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):
        return 0


@pytest.fixture
def pool():
    made: list[Workers] = []

    def make(jobs: int = 2) -> Workers:
        made.append(Workers(jobs, _rien))
        return made[-1]

    yield make
    for p in made:
        p.close(False)


def test_results_come_back_in_order(pool) -> None:
    p = pool(2)
    taches = [p.submit(_carre, list(range(i, i + 5))) for i in range(0, 100, 5)]
    assert [x for t in taches for x in t.result()] == [x * x for x in range(100)]
    assert len({w.pid for w in p.workers}) == 2  # both took tasks
    pids = [w.pid for w in p.workers]
    p.close(True)
    assert all(reaped(pid) for pid in pids) and not workers._vivants


def test_results_larger_than_a_pipe(pool) -> None:
    p = pool(1)
    taches = [p.submit(_gros, [i, i + 1, i + 2]) for i in range(6)]  # 900 KB each, none read meanwhile
    time.sleep(0.2)
    p.recevoir()
    for i, t in enumerate(taches):
        assert t.result() == [bytes([x]) * 300_000 for x in (i, i + 1, i + 2)]


def test_a_full_task_pipe_does_not_deadlock(pool) -> None:
    """Tasks larger than the task pipe, while the worker waits to write results nobody has read yet."""
    p = pool(1)
    signal.alarm(60)  # a deadlock fails the test instead of hanging it
    try:
        gros = list(range(40_000))  # ~200 KB pickled: more than a 64 KB pipe holds
        taches = [p.submit(_gros, [0, 1, 2]) for _ in range(4)]  # 900 KB results: the worker waits to write
        taches += [p.submit(_carre, gros) for _ in range(4)]
        resultats = [t.result() for t in taches]
        assert resultats[:4] == [[bytes([x]) * 300_000 for x in (0, 1, 2)]] * 4
        assert resultats[4:] == [[x * x for x in gros]] * 4
    finally:
        signal.alarm(0)


def test_done_once_back(pool) -> None:
    p = pool(1)
    t = p.submit(_dort, [1.0])  # long enough that a loaded machine does not make it back at once
    assert not t.done()
    deadline = time.monotonic() + 30
    while not t.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert t.done() and t.result() == [1.0]


def test_a_task_error_is_raised_where_its_result_is_asked_for(pool) -> None:
    p = pool(1)
    avant, fautive, apres = p.submit(_echec, [1]), p.submit(_echec, [13]), p.submit(_echec, [2])
    assert avant.result() == [1]
    with pytest.raises(ValueError, match="treize"):
        fautive.result()
    assert apres.result() == [2]  # the worker goes on


def test_a_result_that_cannot_be_sent_says_why(pool) -> None:
    p = pool(1)
    with pytest.raises(RuntimeError, match=r"(?i)pickl"):
        p.submit(_impicklable, [1]).result()
    assert p.submit(_carre, [3]).result() == [9]


def test_a_killed_worker_is_reported(pool) -> None:
    p = pool(1)
    (pid,) = p.submit(_pid, [0]).result()
    t = p.submit(_dort, [30])
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerPerdu, match=r"processus de travail \(pid \d+\) s'est arrêté"):
        t.result()


def test_close_unfinished_stops_a_busy_worker(pool) -> None:
    p = pool(2)
    for _ in range(2):
        p.submit(_dort, [60])
    pids = [w.pid for w in p.workers]
    start = time.monotonic()
    p.close(False)
    assert time.monotonic() - start < 10
    assert all(reaped(pid) for pid in pids)


def test_arreter_stops_every_worker(pool) -> None:
    p = pool(2)
    taches = [p.submit(_dort, [60]) for _ in range(2)]
    workers.arreter()
    for t in taches:
        with pytest.raises(WorkerPerdu):
            t.result()


def test_the_parent_starts_no_thread(pool) -> None:
    before = threading.active_count()
    p = pool(2)
    taches = [p.submit(_carre, [i]) for i in range(8)]
    assert threading.active_count() == before
    assert [t.result() for t in taches] == [[i * i] for i in range(8)]


def test_the_result_pipe_is_enlarged(pool) -> None:
    if _max_tube() < TUBE_OCTETS:
        pytest.skip("pipe-max-size de ce système plus petit qu'un morceau")
    p = pool(1)
    p.submit(_carre, [1]).result()
    assert _taille(p.workers[0].lecteur.fd) == TUBE_OCTETS


def test_agrandir_tube_without_a_pipe() -> None:
    assert agrandir_tube(-1) is None  # not a descriptor: nothing happens, nothing raised


def test_each_batch_enlarges_its_pipes(cdv, monkeypatch) -> None:
    """The batch's workers get enlarged result pipes; the output is that of ``--jobs 1``."""
    vus: list[int | None] = []
    real = workers.agrandir_tube

    def espion(fd: int, octets: int = TUBE_OCTETS) -> int | None:
        vus.append(real(fd, octets))
        return vus[-1]

    monkeypatch.setattr(workers, "agrandir_tube", espion)
    deux = cdv("check", "data/dossiers", "--format", "json", "--jobs", "2", "--sans-cache")
    un = cdv("check", "data/dossiers", "--format", "json", "--jobs", "1", "--sans-cache")
    assert deux.out == un.out
    assert len(vus) == 3  # one worker per exercice of the examples (2024, 2025, 2026): its pipe enlarged
    if _max_tube() >= TUBE_OCTETS:
        assert vus == [TUBE_OCTETS] * 3
    assert not workers._vivants and not parallel._WORKER_STATE


def test_pipes_numbered_beyond_select_limit(pool) -> None:
    """A process with many files open gets pipes numbered past 1 024 (``select``'s limit): waited for by poll."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip("limite de fichiers ouverts trop basse")
    tenus = []
    try:
        while len(tenus) < 1100:
            tenus.append(os.open(os.devnull, os.O_RDONLY))
        p = pool(1)
        t = p.submit(_dort, [0.2])  # not back at once: the parent waits on the pipe
        p.submit(_gros, [1, 2, 3, 4])  # a task written while the worker is busy
        assert p.workers[0].lecteur.fd > 1024
        assert t.result() == [0.2]
    finally:
        for fd in tenus:
            os.close(fd)


_PARENT: list[int] = []


def _meurt_dans_le_travailleur(paths, etat=parallel._WORKER_STATE):  # type: ignore[no-untyped-def]
    """``_check_chunk``, except in a worker process: it dies there (as the system's OOM killer would kill it)."""
    if os.getpid() not in _PARENT:
        os._exit(9)
    return _VRAI_CHECK_CHUNK(paths, etat)


_VRAI_CHECK_CHUNK = parallel._check_chunk


def test_a_batch_whose_worker_dies_says_so_in_french(cdv, monkeypatch) -> None:
    _PARENT[:] = [os.getpid()]
    monkeypatch.setattr(parallel, "_check_chunk", _meurt_dans_le_travailleur)
    run = cdv("check", "data/dossiers", "--format", "json", "--jobs", "2", "--sans-cache")
    assert run.code == 2
    assert "s'est arrêté avant d'avoir rendu son travail" in run.err and "Relancer, ou avec --jobs 1" in run.err
    assert "Erreur interne" not in run.err
    assert not workers._vivants
