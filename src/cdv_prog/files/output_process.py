"""A batch of new files put on disk by a process of its own while the command goes on (``cdv importer``).

Writing 10 000 imported dossiers costs the kernel, for each file, an unnamed file created in the
target folder, its bytes written, then its name given: 35 to 70 µs a file on a calm disk, hundreds
on a busy one, as much again as building the dossier itself. :class:`ProcessOutputBatch` is an
:class:`~cdv_prog.files.output.OutputBatch` whose files are put on disk by one forked process
(:class:`cdv_prog.files.workers.Workers`, the ``--jobs`` workers' machinery), on the second core,
while the command builds and validates the next dossiers.

What stays in the command: every check of :meth:`OutputBatch.add` (the folder's listing, an input
never written, an existing file replaced only when asked) — it raises as before. What the writing
process does, with the same functions as a batch written in-process: it puts each file's bytes on
disk under no final name (:func:`~cdv_prog.files.output._stage`), and every :data:`TOUR` files
flushes the file system once and names them (:func:`~cdv_prog.files.output._flush_data`, then
:func:`~cdv_prog.files.output._name`); at the end, the rest, then one ``fsync`` per folder. The
outcome of each file (named, there meanwhile, an error) comes back in rounds and marks its
:class:`~cdv_prog.files.output.Staged` ``done``, as :meth:`OutputBatch.publish` does.

The guarantees are the batch's: a name is only given to bytes already flushed; an existing file is
never touched unless asked; after :meth:`close` every file reported written is on disk. One
difference: when the batch is abandoned (an error, Ctrl-C), the rounds already flushed keep their
names — whole files, as a rerun finds them (« inchangé ») — and the rest is removed. A writing
process that dies is an error of the whole batch (:meth:`publish` raises :class:`OSError`).

Worth a process only for a batch of some size (:func:`batch_for`), on a system that forks
(Linux) with two CPUs or more; otherwise the batch is written in-process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cdv_prog.files.output import (
    AlreadyExists,
    OutputBatch,
    Staged,
    _drop,
    _flush_data,
    _Folder,
    _fsync_folder,
    _name,
    _open_file_budget,
    _stage,
)
from cdv_prog.files.workers import Tache, WorkerPerdu, Workers

SEUIL = 200
"""Files to write from which a process of its own is worth its start (a fork: a few milliseconds)."""
TOUR = 1024
"""Files the writing process names after each flush of the file system (the last round: fewer)."""
ENVOI = 1 << 16
"""Bytes of files sent to the writing process at once (about 64 dossiers)."""
ARRET = getattr(signal, "SIGUSR1", signal.SIGTERM)  # no SIGUSR1 and no fork on Windows: never sent there
"""The signal by which an abandoned batch (:meth:`ProcessOutputBatch.discard`) stops its writing process at once."""
TUBE = 1 << 20
"""Bytes the pipe to the writing process holds: sixteen sendings ahead, not one (Linux's 64 KB)."""

_LA, _PROBLEME = 1, 2  # a problem: the file existed meanwhile, or an error (errno, message)

# What the writing process gives back for each task: the files named since the last answer (their
# ranks), the problems ``(rank, kind, errno, message)``, a failed flush of the file system and a
# failed flush of a folder ``(errno, message)``.
Reponse = tuple[list[int], list[tuple[int, int, int, str]], tuple[int, str] | None, tuple[int, str] | None]
Fichier = tuple[str, str, bool, int | None, bytes]  # resolved folder, name, replace, mode, bytes


def batch_for(files: int, inputs: Iterable[Path] = ()) -> OutputBatch:
    """The batch for about ``files`` new files: written by a process of its own when that is worth it."""
    if files >= SEUIL:
        from cdv_prog.files.parallel import can_fork, cpu_count  # 14 ms: only for a batch that may need it

        if can_fork() and cpu_count() > 1:
            return ProcessOutputBatch(inputs)
    return OutputBatch(inputs)


class ProcessOutputBatch(OutputBatch):
    """An :class:`OutputBatch` whose files one forked process puts on disk (module's docstring)."""

    def __init__(self, inputs: Iterable[Path] = ()) -> None:
        super().__init__(inputs)
        self._workers: Workers | None = None
        self._ici = False  # no process (it could not be started, or the batch ended): in-process
        self._envoyes: dict[int, Staged] = {}  # by rank, until their outcome is back
        self._rang = 0
        self._lot: list[Fichier] = []
        self._octets = 0
        self._taches: deque[Tache] = deque()
        self._flush: OSError | None = None  # the file system's flush failed: raised by publish
        self._dossiers: OSError | None = None  # a folder's flush failed: raised by close

    def _put(self, staged: Staged, data: bytes, mode: int | None) -> None:
        if self._ici:
            super()._put(staged, data, mode)
            return
        if self._workers is None:
            self._workers = Workers(1, _preparer, tube_taches=TUBE)
            try:
                self._workers.start()
            except OSError:  # no process to be had (a limit of processes, of memory): written here
                self._workers.close(finished=False)
                self._workers, self._ici = None, True
                super()._put(staged, data, mode)
                return
        self._envoyes[self._rang] = staged
        self._rang += 1
        if self._flush is not None:  # the process is lost: the file stays unwritten (publish raises)
            return
        self._lot.append((staged.folder.real, staged.name, staged.replace, mode, data))
        self._octets += len(data)
        if self._octets >= ENVOI:
            self._envoyer(_poser, self._lot)
            self._recevoir(attendre=False)

    def publish(self) -> None:
        """The end of the writing process's batch: the last files named, each folder flushed.

        Raises :class:`OSError` when the file system could not be flushed (the files of that round
        and after are not named) or the writing process was lost.
        """
        if self._workers is not None and not self._ici:
            self._ici = True  # files added after this are written in-process
            try:
                if self._lot:
                    self._envoyer(_poser, self._lot)
                self._envoyer(_finir, [])
                self._recevoir(attendre=True)
            finally:
                self._workers.close(finished=True)
                self._workers = None
            self._envoyes.clear()  # those left have no outcome: not done
            erreur, self._flush = self._flush, None
            if erreur is not None:
                raise erreur
        super().publish()

    def close(self) -> None:
        self.publish()
        erreur, self._dossiers = self._dossiers, None
        if erreur is not None:  # the files are named; what is left to forget, leaving the batch forgets
            raise erreur
        super().close()

    def discard(self) -> None:
        """Forget what was not named: the writing process removes it, then ends."""
        workers, self._workers = self._workers, None
        taches, self._taches = self._taches, deque()
        if workers is not None:
            with contextlib.suppress(Exception):  # already failing: its answers no longer matter
                os.kill(workers.workers[0].pid, ARRET)  # the files sent and not yet put on disk: dropped
                taches.append(workers.submit(_abandonner, []))
                for tache in taches:  # in order; then the process has nothing left to write back
                    tache.result()
            workers.close(finished=True)
        self._envoyes.clear()
        super().discard()

    def _envoyer(self, task: Callable[[Sequence[Any]], Any], lot: Sequence[Fichier]) -> None:
        assert self._workers is not None
        self._lot, self._octets = [], 0
        if self._flush is not None:
            return
        try:
            self._taches.append(self._workers.submit(task, lot))
        except WorkerPerdu as exc:
            self._perdu(exc)

    def _recevoir(self, attendre: bool) -> None:
        """Take the answers back, in order: those already there, or (``attendre``) all of them."""
        while self._taches and (attendre or self._taches[0].done()):
            try:
                reponse: Reponse = self._taches.popleft().result()
            except WorkerPerdu as exc:
                self._perdu(exc)
                return
            nommes, problemes, flush, dossier = reponse
            for rang in nommes:
                self._envoyes.pop(rang).done = True
            for rang, genre, code, message in problemes:
                staged = self._envoyes.pop(rang)
                staged.done = True
                staged.error = AlreadyExists(f"{staged.target} existe déjà") if genre == _LA else OSError(code, message)
            if flush is not None:
                self._flush = OSError(*flush)
            if dossier is not None:
                self._dossiers = OSError(*dossier)

    def _perdu(self, exc: WorkerPerdu) -> None:
        self._taches.clear()
        if self._flush is None:
            self._flush = OSError(errno.EPIPE, f"le processus qui écrit les fichiers s'est arrêté ({exc})")


# ----------------------------------------------------------------------------- in the writing process


class _Ecriture:
    """The writing process's batch: files on disk under no name yet, named every round."""

    def __init__(self) -> None:
        self.dossiers: dict[str, _Folder] = {}
        self.poses: list[tuple[int, Staged]] = []
        self.rang = 0
        self.tour = max(1, min(TOUR, _open_file_budget()))
        self.nommes: list[int] = []
        self.problemes: list[tuple[int, int, int, str]] = []
        self.flush: tuple[int, str] | None = None

    def poser(self, fichier: Fichier) -> None:
        real, name, replace, mode, data = fichier
        rang, self.rang = self.rang, self.rang + 1
        if self.flush is not None:  # the batch failed: nothing more is written
            return
        dossier = self.dossiers.get(real)
        if dossier is None:
            dossier = self.dossiers[real] = _Folder(real)
        staged = Staged(Path(name), dossier, name, replace)
        try:
            _stage(staged, data, mode)
        except OSError as exc:
            self.problemes.append((rang, _PROBLEME, exc.errno or 0, exc.strerror or str(exc)))
            return
        self.poses.append((rang, staged))
        if len(self.poses) >= self.tour and not _ARRETE:
            self.nommer()

    def nommer(self) -> None:
        """Flush the file system once, then name every file put on disk since the last round."""
        poses, self.poses = self.poses, []
        if not poses:
            return
        try:
            _flush_data([s for _, s in poses])
        except OSError as exc:
            self.flush = (exc.errno or errno.EIO, exc.strerror or str(exc))
            for _, s in poses:
                _drop(s)
            return
        except BaseException:
            for _, s in poses:
                _drop(s)
            raise
        for rang, s in poses:
            try:
                _name(s)
                s.folder.wrote = True
                self.nommes.append(rang)
            except AlreadyExists:
                self.problemes.append((rang, _LA, 0, ""))
            except OSError as exc:
                self.problemes.append((rang, _PROBLEME, exc.errno or 0, exc.strerror or str(exc)))
            finally:
                _drop(s)

    def reponse(self, dossier: tuple[int, str] | None = None) -> Reponse:
        reponse = (self.nommes, self.problemes, self.flush, dossier)
        self.nommes, self.problemes = [], []
        return reponse

    def finir(self) -> Reponse:
        self.nommer()
        dossier = None
        try:
            for folder in self.dossiers.values():
                if folder.wrote and folder.fd is not None and self.flush is None:
                    try:
                        _fsync_folder(folder.fd)
                    except OSError as exc:
                        dossier = dossier or (exc.errno or errno.EIO, exc.strerror or str(exc))
        finally:
            self.fermer()
        return self.reponse(dossier)

    def abandonner(self) -> None:
        poses, self.poses = self.poses, []
        for _, s in poses:
            _drop(s)
        self.fermer()

    def fermer(self) -> None:
        for folder in self.dossiers.values():
            if folder.fd is not None:
                os.close(folder.fd)
                folder.fd = None


_ECRITURE: list[_Ecriture] = []  # the writing process's one batch (empty in the command's process)
_ARRETE: list[bool] = []  # the batch was abandoned: nothing more is put on disk nor named


def _preparer() -> None:
    """In the writing process, first thing: the signal that says the batch is abandoned (:meth:`discard`)."""
    signal.signal(ARRET, lambda signum, frame: _ARRETE.append(True))


def _ecriture() -> _Ecriture:
    if not _ECRITURE:
        _ECRITURE.append(_Ecriture())
    return _ECRITURE[0]


def _poser(fichiers: Sequence[Fichier]) -> Reponse:
    """Task of the writing process: put these files on disk (named by rounds)."""
    ecriture = _ecriture()
    for fichier in fichiers:
        if _ARRETE:
            break
        ecriture.poser(fichier)
    return ecriture.reponse()


def _finir(_: Sequence[object]) -> Reponse:
    """Task of the writing process: name the last files, flush each folder."""
    return _ecriture().finir()


def _abandonner(_: Sequence[object]) -> None:
    """Task of the writing process: remove what has no name yet (the batch is abandoned)."""
    _ecriture().abandonner()
