"""The worker processes of one ``--jobs`` batch: forked, given tasks, read back in the parent's own thread.

Each worker is forked from the parent — it inherits the rule set, the history and the batch's state
(:mod:`cdv_prog.files.parallel`) — and has two pipes of its own: the parent writes tasks into one (a task
function and its chunk, pickled), the worker writes each result into the other, in the order the tasks
came. The parent reads results **in its own thread**, when it needs one and before it checks a chunk
itself (:meth:`Workers.recevoir`), straight into one buffer per result: no thread of the parent's takes
the interpreter's lock from the batch, and nothing is imported but light modules of the standard library.

Why not ``concurrent.futures.ProcessPoolExecutor`` (issue 17, ``cdv check --jobs 2`` on 10 000 dossiers):
its import (27 ms, with ``multiprocessing``) came before the first chunk could start, and its two threads
in the parent (the manager's, the call queue's feeder) received and unpickled the chunks while the
parent's thread was checking its own — 0.12 s of the parent's CPU, and the lock handed back and forth.

A message, either way, is its length (8 bytes, little-endian) and a pickle (protocol 5). A task's result
is ``(True, value)`` or ``(False, exception)``: the exception is raised in the parent when that result is
asked for, as a future's would be. A worker that dies (killed, out of memory) is noticed by the end of its
pipe: its tasks raise :class:`WorkerPerdu`.

No worker outlives the batch: :meth:`Workers.close` ends them (their task pipe closed when the batch is
done; stopped at once otherwise), :func:`arreter` stops them from a signal handler, and a worker whose
parent dies anyway is killed by the kernel (:func:`preparer`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

ENTETE = 8  # bytes of a message's length
PROTOCOLE = 5
TUBE_OCTETS = 1 << 20  # the pipe results come back through: Linux's largest by default (pipe-max-size)
LECTURE_MAX = 1 << 20  # at most this much read in one call when a message's length is not known yet
ATTENTE_ARRET = 5.0  # seconds a stopped worker is given to end before it is killed

_vivants: set[int] = set()  # the pids of this process's workers not yet reaped (arreter)
_a_recolter: set[int] = set()  # those of finished workers not waited for (recolter)


class WorkerPerdu(Exception):
    """A worker process ended before giving back a task's result (killed, out of memory…)."""

    def __init__(self, pid: int) -> None:
        super().__init__(f"un processus de travail (pid {pid}) s'est arrêté avant d'avoir rendu son travail")
        self.pid = pid


def agrandir_tube(fd: int, octets: int = TUBE_OCTETS) -> int | None:
    """Make the pipe of ``fd`` hold ``octets`` (Linux's ``F_SETPIPE_SZ``); its new size, or None.

    A chunk of written reports is about 1 MB (64 JSON reports of 16 KB): through Linux's default
    64 KB pipe it would go in sixteen writes, the worker waiting for the parent between them.
    Best effort: elsewhere, or beyond the system's ``pipe-max-size``, the pipe stays as it is.
    """
    try:
        import fcntl

        return fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), octets)
    except (ImportError, OSError, ValueError, TypeError):
        return None


def arreter() -> None:
    """Stop this process's workers now (SIGTERM; their tasks are abandoned). Safe in a signal handler."""
    for pid in tuple(_vivants):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def _attendre(*attentes: tuple[int, int]) -> None:
    """Wait until one of the descriptors is ready (``poll``: any descriptor number, unlike ``select``'s 1 024)."""
    sondage = select.poll()
    for fd, evenements in attentes:
        sondage.register(fd, evenements)
    sondage.poll()


def _ecrire(fd: int, donnees: bytes | bytearray | memoryview) -> None:
    """All of ``donnees`` into the blocking ``fd``."""
    vue = memoryview(donnees)
    while vue:
        vue = vue[os.write(fd, vue) :]


def _message(objet: object) -> bytes:
    corps = pickle.dumps(objet, PROTOCOLE)
    return len(corps).to_bytes(ENTETE, "little") + corps


class _Lecteur:
    """The messages coming out of one pipe, read as they arrive, each into a buffer of its own length."""

    __slots__ = ("corps", "entete", "fd", "fin", "lu", "prets")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.entete = bytearray(ENTETE)
        self.corps: bytearray | None = None  # the message being read, once its length is known
        self.lu = 0  # bytes of the header (or of the body) read so far
        self.fin = False  # the other end is closed
        self.prets: list[bytearray] = []  # whole messages, in order

    def lire(self, un: bool = False) -> bool:
        """Read what the pipe holds now (non-blocking descriptor); False when nothing was there.

        ``un``: stop once a whole message is read (a worker's blocking read of its next task)."""
        avance = False
        while not self.fin and not (un and self.prets):
            cible = self.entete if self.corps is None else self.corps
            try:
                n = os.readv(self.fd, [memoryview(cible)[self.lu :]])
            except BlockingIOError:
                return avance
            if n == 0:
                self.fin = True
                break
            avance = True
            self.lu += n
            if self.lu < len(cible):
                continue
            self.lu = 0
            if self.corps is None:
                self.corps = bytearray(int.from_bytes(self.entete, "little"))
                if self.corps:
                    continue
            self.prets.append(self.corps)
            self.corps = None
        return avance

    def attendre(self) -> None:
        """Wait until the pipe has something to read (or is closed)."""
        _attendre((self.fd, select.POLLIN))


class _Worker:
    __slots__ = ("envoyes", "lecteur", "pid", "recus", "taches")

    def __init__(self, pid: int, taches: int, resultats: int) -> None:
        self.pid = pid
        self.taches = taches  # the write end of its task pipe (non-blocking)
        self.lecteur = _Lecteur(resultats)
        self.envoyes = 0  # tasks sent
        self.recus = 0  # results taken from the pipe (in ``lecteur.prets`` or given)

    @property
    def en_cours(self) -> int:
        return self.envoyes - self.recus - len(self.lecteur.prets)


class Tache:
    """A task given to a worker: ``done()`` once its result is back, ``result()`` waits for it (in order)."""

    __slots__ = ("numero", "pool", "worker")

    def __init__(self, pool: Workers, worker: _Worker, numero: int) -> None:
        self.pool = pool
        self.worker = worker
        self.numero = numero  # its rank among the tasks sent to ``worker``

    def done(self) -> bool:
        worker = self.worker
        worker.lecteur.lire()
        return worker.recus + len(worker.lecteur.prets) > self.numero

    def result(self) -> Any:
        return self.pool.resultat(self.worker, self.numero)


class Workers:
    """``jobs`` worker processes, forked by :meth:`start`; each is prepared (:func:`preparer`), then runs ``init``."""

    def __init__(self, jobs: int, init: Callable[[], None] | None = None, *, tube_taches: int | None = None) -> None:
        self.jobs = jobs
        self.init = init
        self.tube_taches = tube_taches  # bytes the task pipe should hold (agrandir_tube), when tasks are big
        self.workers: list[_Worker] = []

    def start(self) -> None:
        """Fork the workers, the standard streams flushed first: nothing pending is copied into them."""
        for flux in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                flux.flush()
        recolter()
        a_fermer: list[int] = []  # the parent's ends of the pipes of the workers forked so far
        parent = os.getpid()
        for _ in range(self.jobs):
            taches_r, taches_w = os.pipe()
            resultats_r, resultats_w = os.pipe()
            agrandir_tube(resultats_w)
            if self.tube_taches is not None:
                agrandir_tube(taches_w, self.tube_taches)
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                code = 1
                try:
                    for fd in (*a_fermer, taches_w, resultats_r):
                        os.close(fd)
                    preparer(parent)
                    if self.init is not None:
                        self.init()
                    _servir(taches_r, resultats_w)
                    code = 0
                except BaseException:  # a worker ends here whatever happened
                    with contextlib.suppress(Exception):
                        import traceback

                        traceback.print_exc()
                finally:
                    os._exit(code)
            _vivants.add(pid)
            os.close(taches_r)
            os.close(resultats_w)
            os.set_blocking(taches_w, False)
            os.set_blocking(resultats_r, False)
            a_fermer += (taches_w, resultats_r)
            self.workers.append(_Worker(pid, taches_w, resultats_r))

    @property
    def started(self) -> bool:
        return bool(self.workers)

    def submit(self, task: Callable[..., Any], chunk: Sequence[Any]) -> Tache:
        """Give ``task(chunk)`` to the worker with the fewest tasks in hand."""
        if not self.workers:
            self.start()
        worker = min(self.workers, key=lambda w: w.en_cours)
        self._envoyer(worker, _message((task, chunk)))
        worker.envoyes += 1
        return Tache(self, worker, worker.envoyes - 1)

    def _envoyer(self, worker: _Worker, message: bytes) -> None:
        """Write a task; while its pipe is full, take in the worker's results (it may be waiting to write one)."""
        vue = memoryview(message)
        while vue:
            try:
                vue = vue[os.write(worker.taches, vue) :]
            except BlockingIOError:
                worker.lecteur.lire()
                if worker.lecteur.fin:
                    raise WorkerPerdu(worker.pid) from None
                _attendre((worker.lecteur.fd, select.POLLIN), (worker.taches, select.POLLOUT))
            except BrokenPipeError:
                raise WorkerPerdu(worker.pid) from None

    def recevoir(self) -> None:
        """Take in what every worker has sent back so far, without waiting (a worker never waits on a full pipe
        while the parent checks a chunk of its own)."""
        for worker in self.workers:
            worker.lecteur.lire()

    def resultat(self, worker: _Worker, numero: int) -> Any:
        """The result of ``worker``'s task ``numero`` (its results are taken in order), once it is back."""
        lecteur = worker.lecteur
        if numero != worker.recus:
            raise RuntimeError("les résultats d'un processus de travail se prennent dans l'ordre")
        while not lecteur.prets:
            if not lecteur.lire():
                if lecteur.fin:
                    raise WorkerPerdu(worker.pid)
                lecteur.attendre()
        corps = lecteur.prets.pop(0)
        worker.recus += 1
        ok, valeur = pickle.loads(corps)
        if not ok:
            raise valeur
        return valeur

    def close(self, finished: bool, attendre: bool = True) -> None:
        """End the workers: their task pipes closed (they finish and exit) if the batch is ``finished``, else
        stopped at once; then reaped, so that none is left a zombie. Bounded: one that does not end is killed.

        ``attendre=False`` (finished only): not waited for here — a finished worker ends at once, but a
        process's end takes milliseconds; it is reaped by the next pool's start or end (:func:`recolter`)."""
        workers, self.workers = self.workers, []
        if not finished:
            for worker in workers:
                with contextlib.suppress(OSError):
                    os.kill(worker.pid, signal.SIGTERM)
        for worker in workers:
            for fd in (worker.taches, worker.lecteur.fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
        if finished and not attendre:
            _a_recolter.update(worker.pid for worker in workers)
            return
        recolter()
        for worker in workers:
            _reap(worker.pid)


def preparer(parent: int) -> None:
    """In a worker, first thing: standard output goes nowhere (only the parent writes the payload),
    Ctrl-C is left to the parent, which stops the batch, SIGTERM and SIGHUP end the worker (not the
    parent's handlers, inherited by the fork), and the worker dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    _die_with_parent(parent)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """Never outlive the parent: the kernel kills this worker when the parent dies (Linux
    ``PR_SET_PDEATHSIG``); if that cannot be armed, a watcher thread checks ``getppid``."""
    armed = False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no C library to call, or no prctl in it
        armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def recolter() -> None:
    """Reap the finished workers whose end was not waited for (``close(attendre=False)``), if they are gone."""
    for pid in tuple(_a_recolter):
        try:
            fini = os.waitpid(pid, os.WNOHANG) != (0, 0)
        except ChildProcessError:
            fini = True
        if fini:
            _a_recolter.discard(pid)
            _vivants.discard(pid)


def _reap(pid: int) -> None:
    """Wait for worker ``pid`` to end (killed after :data:`ATTENTE_ARRET` seconds)."""
    limite = time.monotonic() + ATTENTE_ARRET
    pause = 0.001
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > limite:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
    except ChildProcessError:  # already reaped
        pass
    _vivants.discard(pid)


def _servir(taches: int, resultats: int) -> None:
    """A worker's loop: each task read, run, its result written back, until the task pipe is closed."""
    lecteur = _Lecteur(taches)
    os.set_blocking(taches, True)
    while True:
        lecteur.lire(un=True)  # blocking: returns with a message, or at the end
        if not lecteur.prets:
            return
        task, chunk = pickle.loads(lecteur.prets.pop(0))
        try:
            reponse = (True, task(chunk))
        except Exception as exc:  # sent to the parent, raised there when the result is asked for
            reponse = (False, exc)
        try:
            message = _message(reponse)
        except Exception as exc:  # an exception (or a value) that cannot be pickled: its text still goes back
            message = _message((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        _ecrire(resultats, message)
        del reponse, message, task, chunk
