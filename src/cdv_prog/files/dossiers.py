"""Reading dossier files into reports, one at a time, in path order.

This is the I/O edge around the pure engine: finding the files, reading each
one with the hardened loader, validating it against the models and the rule
set's référentiels, then running the engine. A bad file becomes an
``invalide`` report with its errors; the batch always goes on.
"""

from __future__ import annotations

import errno
import os
import stat
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, islice
from pathlib import Path
from typing import Any, TypeVar, overload

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.dossier_simple import dossier_simple
from cdv_prog.core.engine import juger
from cdv_prog.core.findings import LoadError
from cdv_prog.core.historique import HistoriqueDossiers
from cdv_prog.core.report import PROFONDEUR_LIGNES, DossierReport, R, WalkError
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.loader import DejaLus, LoadFailed, decode, deja_lus_de, load_yaml_text, os_error_fr, read_text

SUFFIXES = (".yaml", ".yml")


class MissingPath(Exception):
    """A path given on the command line does not exist."""


class UnreadablePath(Exception):
    """A folder could not be searched, and the caller gave no list to note it in (never skipped in silence)."""

    def __init__(self, error: WalkError):
        super().__init__(str(error))
        self.error = error


class Chemins(Sequence[Path]):
    """The dossier files found, in order: a :class:`~pathlib.Path` built each time one is asked for.

    A batch of 100 000 files kept as ``Path`` objects weighs about 40 MB (some 400 bytes each) for the
    whole run, in the parent and, copied on write, in each worker. Here every path is kept as its
    text in one block (one ``str``), with the offset of its end: some 45 bytes a file (more, up to four
    times, when a name has characters beyond Latin-1). Indexing and iterating give ``Path`` objects equal
    to those given before; a slice is a ``list`` of them (a chunk of the batch, sent to a worker). Equal to
    a list or tuple of the same paths.

    The texts are those of ``str(Path)``: a name that is not UTF-8 keeps the escapes of ``os.fsdecode``,
    and comes back byte for byte. Each pass over them slices the block: no decoding, about 0.1 µs a
    path (the bytes block decoded each path again, 1 to 2 µs, at each of the six passes a batch makes
    before its first check: issue 17).
    """

    __slots__ = ("_fins", "_texte")

    def __init__(self, chemins: Iterable[str] = ()) -> None:
        textes = chemins if isinstance(chemins, list) else list(chemins)
        self._texte = "".join(textes)
        self._fins = array("q", accumulate(map(len, textes)))

    @classmethod
    def _de(cls, texte: str, fins: array[int]) -> Chemins:
        out = cls.__new__(cls)
        out._texte, out._fins = texte, fins
        return out

    def __len__(self) -> int:
        return len(self._fins)

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...
    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        fins = self._fins
        if index < 0:
            index += len(fins)
        end = fins[index]  # IndexError out of range, as a list
        start = fins[index - 1] if index > 0 else 0
        return Path(self._texte[start:end])

    def __iter__(self) -> Iterator[Path]:
        return map(Path, self.textes())

    def tranche(self, debut: int, fin: int) -> list[str]:
        """The texts of the paths ``debut`` to ``fin`` (excluded): a chunk of the batch, sent to a process as
        text (a ``Path`` is built, pickled and rebuilt for nothing: the checks read the text, issue 17)."""
        return list(self.textes(debut, fin))

    def textes(self, debut: int = 0, fin: int | None = None) -> Iterator[str]:
        """Each path as its text (``str`` of the ``Path``), without building the ``Path``; ``debut`` to ``fin``
        (excluded) for a part of them."""
        fins = self._fins[debut:fin]
        texte, start = self._texte, (self._fins[debut - 1] if 0 < debut <= len(self._fins) else 0)
        for end in fins:
            yield texte[start:end]
            start = end

    def filtre(self, garde: Callable[[str], bool]) -> Chemins:
        """The paths whose text ``garde`` keeps, in order, compact as well (no ``Path`` built)."""
        return Chemins([texte for texte in self.textes() if garde(texte)])

    def __add__(self, other: Iterable[Path]) -> Chemins:
        """These paths, then ``other``'s (the inputs of a command: the batch, the rules…), compact as well: the
        blocks joined, not each path copied."""
        ajout = other if isinstance(other, Chemins) else Chemins([str(p) for p in other])
        decalage = len(self._texte)
        fins = array("q", self._fins)
        fins.extend(fin + decalage for fin in ajout._fins)
        return Chemins._de(self._texte + ajout._texte, fins)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Chemins):
            return self._fins == other._fins and self._texte == other._texte
        if isinstance(other, list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list: unhashable as one

    def __reduce__(self) -> tuple[Any, ...]:
        return (Chemins._de, (self._texte, self._fins))

    def __repr__(self) -> str:
        return f"Chemins({[str(p) for p in self]!r})"


def textes(files: Iterable[Path]) -> Iterator[str]:
    """Each path's text (``str`` of the ``Path``), without building a ``Path`` from a :class:`Chemins`."""
    return files.textes() if isinstance(files, Chemins) else map(str, files)


def discover(paths: Iterable[Path], errors: list[WalkError] | None = None) -> Chemins:
    """Dossier files under the given paths: files as given, folders searched recursively.

    Folders are walked in sorted order without following symbolic links to
    folders (no loops); a missing path raises MissingPath. A folder that
    cannot be searched (permission refused, vanished meanwhile, path too
    long…) is never skipped in silence: it is appended to ``errors`` with its
    French reason, or raises UnreadablePath when no list is given. A path given
    that cannot even be examined is kept as a file when it names one (reading
    it then says why, as an ``invalide`` report), else noted the same way.
    The files come as a :class:`Chemins` (compact: no ``Path`` is kept per file).
    """

    def note(error: WalkError) -> None:
        if errors is None:
            raise UnreadablePath(error)
        errors.append(error)

    out: list[str] = []  # each path as str(Path): what a Path built from it gives back, equal
    seen: set[str] = set()
    for root in paths:
        kind = _kind(root)
        if kind is None:
            raise MissingPath(str(root))
        if isinstance(kind, OSError):
            note(WalkError(str(root), f"chemin illisible ({os_error_fr(kind)}) : rien n'y a été vérifié"))
            continue
        if kind == "folder":
            found: list[str] = []

            def unreadable(exc: OSError, root: Path = root) -> None:
                note(WalkError(exc.filename or str(root), _walk_message(exc)))

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
                dirnames.sort()
                prefix = _prefixe(dirpath)
                for name in filenames:
                    if name.endswith(SUFFIXES) and not name.startswith("."):
                        found.append(prefix + name)
                for name in dirnames:  # a folder named x.yaml is reported, not silently skipped
                    if name.endswith(SUFFIXES):
                        found.append(prefix + name)
            # in the order of the paths' parts: "\0", below any character of a name, stands for the separator
            files = sorted(found, key=lambda f: f.replace(os.sep, "\0"))
        else:
            files = [str(root)]
        for f in files:
            key = os.path.normpath(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return Chemins(out)


def _prefixe(dirpath: str) -> str:
    """What ``str(Path(dirpath) / name)`` puts before ``name`` (a name without a separator): one Path per folder."""
    return str(Path(dirpath) / "x")[:-1]


def _kind(root: Path) -> str | OSError | None:
    """``"folder"``, ``"file"`` (anything to read as a dossier), None (missing), or why it cannot be examined."""
    try:
        return "folder" if stat.S_ISDIR(os.stat(root).st_mode) else "file"
    except OSError as exc:
        if os.path.islink(root) or exc.errno == errno.ELOOP:
            return "file"  # a broken link or a loop of links: reading it says so
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if root.name.endswith(SUFFIXES):
            return "file"  # named like a dossier (name too long, access refused…): reading it says why
        return exc


def _walk_message(exc: OSError) -> str:
    """Why a folder could not be listed, in French: its dossiers are not checked."""
    reason = "disparu pendant la recherche" if exc.errno == errno.ENOENT else os_error_fr(exc)
    return f"répertoire non parcouru ({reason}) : ses dossiers ne sont pas vérifiés"


def read_dossier(
    path: str | Path,
    regles: JeuDeRegles,
    lignes: dict[tuple, int] | None = None,
    *,
    raw: bytes | None = None,
    profondeur: int = PROFONDEUR_LIGNES,
) -> Dossier | DossierReport:
    """A validated Dossier, or an ``invalide`` report naming field, line and reason.

    ``lignes``, when given, receives the line of each field up to ``profondeur`` levels deep (two; one
    for a format that names no line: :attr:`~cdv_prog.core.report.Encodeur.profondeur`). ``raw``: the
    file's bytes, already read (:func:`cdv_prog.files.loader.read_bytes`). ``path``: a ``Path`` or
    its text (a batch gives the text: no ``Path`` is built for each file, issue 17).
    """
    shown = os.fspath(path)
    try:
        text = read_text(path) if raw is None else decode(raw)
        loaded = load_yaml_text(text, profondeur=profondeur)  # the lines a report keeps (an error: every line)
    except LoadFailed as exc:
        return DossierReport(shown, "invalide", erreurs=exc.errors)
    if lignes is not None:
        lignes.update(
            loaded.lines
            if loaded.profondeur == profondeur
            else {k: v for k, v in loaded.lines.items() if len(k) <= profondeur}
        )
    data = loaded.data
    if not isinstance(data, dict):
        return DossierReport(
            shown,
            "invalide",
            erreurs=[
                LoadError(
                    "", loaded.line_of(()) or 1, "un dossier doit être un ensemble de clés (id, exercice, intitule…)"
                )
            ],
        )
    simple = dossier_simple(data, regles)  # a usual dossier, built without pydantic's validation (issue 17)
    if simple is not None:
        return simple
    # the slow path, for a dossier the builder declines: pydantic, its models and the French messages are
    # imported here only (a cdv check of usual dossiers imports none of them, issue 17)
    from pydantic import ValidationError

    from cdv_prog.core.modeles import dossier as modele
    from cdv_prog.files.messages import translate

    try:
        return Dossier.valider(data, regles)
    except ValidationError as exc:
        ident = data.get("id") if isinstance(data.get("id"), str) else None
        exercice = (
            data.get("exercice")
            if isinstance(data.get("exercice"), int) and not isinstance(data.get("exercice"), bool)
            else None
        )
        complet = load_yaml_text(text)  # every line: a message may name a deeper field
        errors = sorted(translate(exc, complet, model=modele.Dossier), key=lambda e: e.ligne or 0)
        return DossierReport(shown, "invalide", id=ident, exercice=exercice, erreurs=errors)


def check_file(
    path: str | Path,
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None = None,
    *,
    raw: bytes | None = None,
    profondeur: int = PROFONDEUR_LIGNES,
) -> DossierReport:
    """One file's report; ``historique``: the index of the history, seen as that of the dossier's exercice;
    ``raw``: the file's bytes, already read (the report then depends on them only); ``profondeur``: the
    depth of the lines the report keeps (:func:`read_dossier`)."""
    lignes: dict[tuple, int] = {}
    return _juge(read_dossier(path, regles, lignes, raw=raw, profondeur=profondeur), path, regles, historique, lignes)


def _juge(
    result: Dossier | DossierReport,
    path: str | Path,
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None,
    lignes: dict[tuple, int],
) -> DossierReport:
    """The report of a file read (:func:`read_dossier`): the engine's on a dossier, else the file's errors."""
    if isinstance(result, DossierReport):
        return result
    vue = historique.vue(result.exercice) if historique is not None else None
    report = juger(result, regles, os.fspath(path), vue)
    report.lignes = lignes
    return report


GROUPE = 16  # files checked stage by stage (check_group)

T = TypeVar("T")


def en_groupes(items: Iterable[T], taille: int = GROUPE) -> Iterator[list[T]]:
    """``items`` in consecutive lists of ``taille`` (the last one shorter), taken as needed: the groups
    of :func:`check_group` (``itertools.batched``, which Python 3.11 lacks)."""
    it = iter(items)
    while groupe := list(islice(it, taille)):
        yield groupe


def check_group(
    paths: Sequence[str | Path],
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None = None,
    raws: Sequence[bytes | None] | None = None,
    profondeur: int = PROFONDEUR_LIGNES,
) -> list[DossierReport]:
    """:func:`check_file` of each path (``raws``: the bytes of each, already read, or None: to be read),
    stage by stage: every file read, then every dossier judged.

    The same work and the same reports as one file after the other, in 6 to 8 % less time for groups
    of :data:`GROUPE` (issue 17): the reading's code and data, then the engine's, stay in the
    processor's caches from one dossier to the next instead of taking turns there.
    """
    lus = []
    for path, raw in zip(paths, raws or [None] * len(paths), strict=True):
        lignes: dict[tuple, int] = {}
        lus.append((read_dossier(path, regles, lignes, raw=raw, profondeur=profondeur), path, lignes))
    return [_juge(result, path, regles, historique, lignes) for result, path, lignes in lus]


def check_files(
    files: Iterable[Path],
    regles: JeuDeRegles,
    exercice: int | None = None,
    historique: HistoriqueDossiers | None = None,
    deja_lus: DejaLus | None = None,
    profondeur: int = PROFONDEUR_LIGNES,
) -> Iterator[DossierReport]:
    """Reports in the given order; a repeated id makes the later dossier invalide.

    With ``exercice``, dossiers of other exercices are left out (invalid files
    whose exercice cannot be read are kept). ``deja_lus``: the bytes of files already read
    (:class:`~cdv_prog.files.loader.DejaLus`), checked without reading them again. ``profondeur``:
    the depth of the lines the reports keep (:func:`read_dossier`).
    """
    reports = (  # in groups of GROUPE (check_group), each file's bytes taken from deja_lus if kept there
        report
        for groupe in en_groupes(textes(files))
        for report in check_group(groupe, regles, historique, deja_lus_de(deja_lus, groupe), profondeur)
    )
    return filter_reports(reports, exercice)


def filter_reports(reports: Iterable[R], exercice: int | None = None) -> Iterator[R | DossierReport]:
    """The batch rules over reports in path order (see :func:`check_files`), one at a time.

    Shared by the sequential and the parallel batch (:mod:`cdv_prog.parallel`),
    where it runs in the parent process, in order.
    """
    ids: dict[str, str] = {}
    for report in reports:
        if exercice is not None and report.exercice is not None and report.exercice != exercice:
            continue
        rid = report.id
        if rid is not None and report.verdict != "invalide":
            first = ids.get(rid)
            if first is not None:
                yield DossierReport(
                    report.fichier,
                    "invalide",
                    id=report.id,
                    exercice=report.exercice,
                    erreurs=[
                        LoadError("id", report.ligne("id"), f"identifiant « {report.id} » déjà utilisé par {first}")
                    ],
                )
                continue
            ids[rid] = report.fichier
        yield report
