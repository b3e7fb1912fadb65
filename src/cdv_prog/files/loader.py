"""Hardened YAML loading, shared by dossiers and rules files.

* two readers, one result: the plain block YAML of a usual dossier is read
  line by line (:mod:`.yaml_simple`), anything else by libyaml's C parser
  with our own resolver and our own construction from the node tree
  (:mod:`.yaml_complet`, imported only then; no PyYAML constructor ever runs);
* YAML 1.2-like scalars: only ``true``/``false`` are booleans, so ``no``,
  ``on``, ``yes`` stay text; ``12:30`` stays text; ``3_000`` stays text;
* numbers with a fraction or exponent become ``Decimal`` read from the text,
  never binary floats;
* dates ``AAAA-MM-JJ`` are checked (``2025-02-30`` is an error, with its line);
* duplicate mapping keys are errors at every depth;
* anchors/aliases, explicit tags other than the standard ones, several
  documents in one file, and excessive nesting are refused;
* every value keeps its line: :class:`Loaded` maps a path to a line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdv_prog.core.findings import LoadError, PathParts
from cdv_prog.files.yaml_simple import lire_simple

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_ERRORS = 100  # per file: enough to fix it, bounded for hostile files

Path_ = PathParts


class LoadFailed(Exception):
    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass
class Loaded:
    """Plain Python data from a YAML file, plus the line of every path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    profondeur: int | None = None  # lines kept only for paths of at most so many parts (None: every path)

    def line_of(self, path: Path_) -> int | None:
        """Line of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_text(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a YAML file as text with clear French errors; never opens devices or pipes (:func:`read_bytes`)."""
    return decode(read_bytes(path, max_bytes))


def read_bytes(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a YAML file's bytes with clear French errors; never opens devices or pipes.

    The kind and size of the file are checked with ``stat`` before it is
    opened; it is then opened without blocking and checked again on the open
    descriptor (a file swapped for a pipe in between is still refused).
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    _check_kind(st, max_bytes)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    try:
        st = os.fstat(fd)
        _check_kind(st, max_bytes)
        chunks: list[bytes] = []
        size = 0
        request = st.st_size + 1  # one byte more than announced: a file that grew is noticed
        while size <= max_bytes:  # never more than the maximum, whatever the file does meanwhile
            chunk = os.read(fd, min(request, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size == st.st_size and len(chunk) < request:
                break  # the whole file as announced, and less than asked: its end (no second read to learn it)
            request = 65536
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros (plus de {max_bytes} octets)")])
    return b"".join(chunks)


DEJA_LUS_OCTETS = 8 << 20  # the bytes a batch keeps from its quick look: ~12 000 dossiers of 0.7 KB


class DejaLus:
    """Files' bytes a batch has already read, kept so that checking a file does not read it again.

    The quick look at each file's exercice (:func:`cdv_prog.files.historique.exercice_annonce`) reads
    a usual dossier in full; it keeps those bytes here and the check takes them (issue 17: one read of
    each file instead of two, some 10 µs a dossier). The report is then that of the bytes the batch
    was grouped by. Bounded: at most ``budget`` bytes held (the files beyond are read again, as
    before), and each entry is given once (:meth:`prendre` drops it).
    """

    __slots__ = ("_lus", "budget", "octets")

    def __init__(self, budget: int | None = None) -> None:
        self._lus: dict[str, bytes] = {}
        self.budget = DEJA_LUS_OCTETS if budget is None else budget
        self.octets = 0  # held now

    def garder(self, texte: str, raw: bytes) -> None:
        """Keep the bytes of the file whose path's text is ``texte``, if the budget allows."""
        if self.octets + len(raw) <= self.budget and texte not in self._lus:
            self._lus[texte] = raw
            self.octets += len(raw)

    def voir(self, path: str | Path) -> bytes | None:
        """The bytes kept for ``path``, left here for whoever checks the file (:meth:`prendre`)."""
        return self._lus.get(os.fspath(path))

    def prendre(self, path: str | Path) -> bytes | None:
        """The bytes kept for ``path`` (dropped from here), or None: to be read."""
        raw = self._lus.pop(os.fspath(path), None)
        if raw is not None:
            self.octets -= len(raw)
        return raw

    def oublier(self, paths: Iterable[str | Path]) -> None:
        """Drop what is kept for ``paths`` (another process checks them: it has its own copy)."""
        for path in paths:
            self.prendre(path)

    def __len__(self) -> int:
        return len(self._lus)


def deja_lus_de(deja_lus: DejaLus | None, paths: Sequence[str | Path]) -> list[bytes | None] | None:
    """The bytes ``deja_lus`` kept for each of ``paths`` (taken), or None: the file is to be read
    (None for them all: no bytes kept)."""
    return None if deja_lus is None else [deja_lus.prendre(path) for path in paths]


_ERRNO_FR = {
    "ENOENT": "fichier introuvable",
    "EACCES": "permission refusée",
    "EPERM": "opération non permise",
    "ELOOP": "boucle de liens symboliques",
    "ENAMETOOLONG": "nom de fichier trop long",
    "ENOTDIR": "un élément du chemin n'est pas un dossier",
    "EISDIR": "c'est un dossier",
    "EIO": "erreur d'entrée-sortie",
    "ENXIO": "périphérique absent",
    "EAGAIN": "ressource momentanément indisponible",
    "EMFILE": "trop de fichiers ouverts",
    "ENFILE": "trop de fichiers ouverts",
    "ENOMEM": "mémoire insuffisante",
}


def os_error_fr(exc: OSError) -> str:
    """A French reason for a system error (the system's own text is in English here)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _ERRNO_FR.get(name) or f"erreur système {name or exc.errno} ({exc.strerror or exc})"


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _check_kind(st: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise LoadFailed([LoadError("", None, "c'est un dossier, pas un fichier YAML")])
    if not stat.S_ISREG(st.st_mode):
        raise LoadFailed([LoadError("", None, "ce n'est pas un fichier ordinaire (tube, périphérique…) : non lu")])
    if st.st_size > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros ({st.st_size} octets ; maximum {max_bytes} octets)")])


def decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadFailed([LoadError("", None, "encodage UTF-16 non accepté : enregistrez le fichier en UTF-8")])
    if b"\x00" in raw:
        raise LoadFailed([LoadError("", None, "fichier binaire (octets nuls) : ce n'est pas un fichier YAML")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadFailed(
            [LoadError("", line, "le fichier n'est pas en UTF-8 (Latin-1 ou Windows-1252 ?) : enregistrez-le en UTF-8")]
        ) from None


def load_yaml_file(path: Path, profondeur: int | None = None) -> Loaded:
    return load_yaml_text(read_text(path), profondeur)


def load_yaml_text(text: str, profondeur: int | None = None, *, simple: bool = True) -> Loaded:
    """Parse one YAML document into plain data with line numbers. Raises LoadFailed.

    ``profondeur``: only the lines of paths of at most so many parts are kept (what a caller needs
    of a file without errors: the others cost a path each). A file with errors gets every line: its
    messages may name a deeper one. The data and the errors are the same.

    ``simple``: the plain block YAML of a usual dossier is read first without libyaml's node tree
    (:mod:`cdv_prog.files.yaml_simple`, same result); False forces the full reading (tests).
    """
    if simple:
        lu = lire_simple(text, profondeur)
        if lu is not None:
            return Loaded(*lu)
    from cdv_prog.files.yaml_complet import lire_complet  # libyaml: only for what the simple reader declines

    return lire_complet(text, profondeur)
