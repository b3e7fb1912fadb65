"""A list that goes on disk beyond a size: the lines of a programmation of 100 000 dossiers (issue 17).

``cdv programmation`` in HTML, xlsx or SCDL lists every dossier of the exercice in reading order, after
sections (the key figures, the enveloppes) that only the whole batch gives: its lines are kept until
then. In memory they weighed some 1.8 KB a dossier (the line, its texts, its amounts): the HTML report
of 100 000 dossiers peaked at 301 MB. :class:`SpillList` keeps the first :data:`EN_MEMOIRE` items in memory and writes the
others, a block at a time, to an anonymous temporary file of this process (removed by the system
when it is closed, even after a crash), from which each pass reads them back in order.

A temporary file that cannot be made or written (a full or read-only disk) is not an error: the
items then stay in memory, as before.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")

EN_MEMOIRE = 5_000  # items kept in memory before any goes to disk (a programmation of ≤ 5 000 dossiers: none)
BLOC = 2_000  # items written to disk at a time


class SpillList(Generic[T]):
    """Items appended in order, iterated in that order as many times as asked (passes may interleave).

    ``len`` (so ``bool``) and iteration as a list; no indexing. Beyond ``en_memoire`` items, blocks of
    ``bloc`` items are pickled to a temporary file and read back at each pass, with ``os.pread``
    at their own offsets: two passes under way at once do not disturb each other.
    """

    __slots__ = ("_bloc", "_blocs", "_en_memoire", "_fichier", "_n", "_refus", "_taille_bloc", "_tete")

    def __init__(self, en_memoire: int | None = None, bloc: int | None = None) -> None:
        self._en_memoire = EN_MEMOIRE if en_memoire is None else en_memoire
        self._taille_bloc = max(1, BLOC if bloc is None else bloc)
        self._tete: list[T] = []  # the first items, in memory
        self._bloc: list[T] = []  # the items after them not written yet
        self._blocs: list[tuple[int, int]] = []  # (offset, size) of each block written
        self._fichier: IO[bytes] | None = None
        self._refus = False  # the disk refused a block: every item from then on stays in memory
        self._n = 0

    def append(self, item: T) -> None:
        self._n += 1
        if not self._blocs and not self._bloc and len(self._tete) < self._en_memoire:
            self._tete.append(item)
            return
        self._bloc.append(item)
        if len(self._bloc) >= self._taille_bloc and not self._refus:
            self._ecrire()

    def _ecrire(self) -> None:
        """The pending block to disk; kept in memory when the disk refuses it (never an error)."""
        try:
            if self._fichier is None:
                self._fichier = tempfile.TemporaryFile(prefix="cdv-lignes-")  # noqa: SIM115 - kept open while the list lives
            data = pickle.dumps(self._bloc, protocol=pickle.HIGHEST_PROTOCOL)
            fichier = self._fichier
            debut = fichier.seek(0, os.SEEK_END)
            fichier.write(data)
            fichier.flush()
        except OSError:
            self._refus = True  # the pending items stay in memory, after the blocks written (if any)
            return
        self._blocs.append((debut, len(data)))
        self._bloc = []

    @property
    def sur_disque(self) -> int:
        """How many items are on disk (0: all in memory)."""
        return self._n - len(self._tete) - len(self._bloc)

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[T]:
        yield from self._tete
        if self._blocs:
            assert self._fichier is not None
            fd = self._fichier.fileno()
            for debut, taille in list(self._blocs):
                yield from pickle.loads(_lire(fd, debut, taille))  # this process's own file, written above
        yield from list(self._bloc)

    def close(self) -> None:
        """Remove the temporary file (also done when the list is collected, or the process ends)."""
        if self._fichier is not None:
            self._fichier.close()
            self._fichier = None
            self._blocs = []

    def __repr__(self) -> str:
        return f"SpillList({self._n} items, {self.sur_disque} on disk)"


def _lire(fd: int, debut: int, taille: int) -> bytes:
    morceaux = []
    while taille > 0:
        lu = os.pread(fd, taille, debut)
        if not lu:
            raise OSError("fichier temporaire des lignes tronqué")
        morceaux.append(lu)
        debut += len(lu)
        taille -= len(lu)
    return b"".join(morceaux)
