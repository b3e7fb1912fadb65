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
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import juger
from cdv_prog.core.findings import LoadError
from cdv_prog.core.historique import HistoriqueDossiers
from cdv_prog.core.report import DossierReport, R, WalkError
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.loader import LoadFailed, decode, load_yaml_text, os_error_fr, read_text
from cdv_prog.files.messages import translate

SUFFIXES = (".yaml", ".yml")


class MissingPath(Exception):
    """A path given on the command line does not exist."""


class UnreadablePath(Exception):
    """A folder could not be searched, and the caller gave no list to note it in (never skipped in silence)."""

    def __init__(self, error: WalkError):
        super().__init__(str(error))
        self.error = error


def discover(paths: Iterable[Path], errors: list[WalkError] | None = None) -> list[Path]:
    """Dossier files under the given paths: files as given, folders searched recursively.

    Folders are walked in sorted order without following symbolic links to
    folders (no loops); a missing path raises MissingPath. A folder that
    cannot be searched (permission refused, vanished meanwhile, path too
    long…) is never skipped in silence: it is appended to ``errors`` with its
    French reason, or raises UnreadablePath when no list is given. A path given
    that cannot even be examined is kept as a file when it names one (reading
    it then says why, as an ``invalide`` report), else noted the same way.
    """

    def note(error: WalkError) -> None:
        if errors is None:
            raise UnreadablePath(error)
        errors.append(error)

    out: list[Path] = []
    seen: set[str] = set()
    for root in paths:
        kind = _kind(root)
        if kind is None:
            raise MissingPath(str(root))
        if isinstance(kind, OSError):
            note(WalkError(str(root), f"chemin illisible ({os_error_fr(kind)}) : rien n'y a été vérifié"))
            continue
        if kind == "folder":
            found = []

            def unreadable(exc: OSError, root: Path = root) -> None:
                note(WalkError(exc.filename or str(root), _walk_message(exc)))

            for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
                dirnames.sort()
                for name in filenames:
                    if name.endswith(SUFFIXES) and not name.startswith("."):
                        found.append(Path(dirpath) / name)
                for name in dirnames:  # a folder named x.yaml is reported, not silently skipped
                    if name.endswith(SUFFIXES):
                        found.append(Path(dirpath) / name)
            files = sorted(found, key=lambda p: p.parts)
        else:
            files = [root]
        for f in files:
            key = os.path.normpath(str(f))
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


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
    path: Path, regles: JeuDeRegles, lignes: dict[tuple, int] | None = None, *, raw: bytes | None = None
) -> Dossier | DossierReport:
    """A validated Dossier, or an ``invalide`` report naming field, line and reason.

    ``lignes``, when given, receives the line of each field up to two levels deep. ``raw``: the
    file's bytes, already read (:func:`cdv_prog.files.loader.read_bytes`).
    """
    shown = str(path)
    try:
        text = read_text(path) if raw is None else decode(raw)
        loaded = load_yaml_text(text, profondeur=2)  # the lines a report keeps (a message may need more: below)
    except LoadFailed as exc:
        return DossierReport(shown, "invalide", erreurs=exc.errors)
    if lignes is not None:
        lignes.update(
            loaded.lines if loaded.profondeur == 2 else {k: v for k, v in loaded.lines.items() if len(k) <= 2}
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
    try:
        return Dossier.model_validate(data, context={"regles": regles})
    except ValidationError as exc:
        ident = data.get("id") if isinstance(data.get("id"), str) else None
        exercice = (
            data.get("exercice")
            if isinstance(data.get("exercice"), int) and not isinstance(data.get("exercice"), bool)
            else None
        )
        complet = load_yaml_text(text)  # every line: a message may name a deeper field
        errors = sorted(translate(exc, complet, model=Dossier), key=lambda e: e.ligne or 0)
        return DossierReport(shown, "invalide", id=ident, exercice=exercice, erreurs=errors)


def check_file(
    path: Path, regles: JeuDeRegles, historique: HistoriqueDossiers | None = None, *, raw: bytes | None = None
) -> DossierReport:
    """One file's report; ``historique``: the index of the history, seen as that of the dossier's exercice;
    ``raw``: the file's bytes, already read (the report then depends on them only)."""
    lignes: dict[tuple, int] = {}
    result = read_dossier(path, regles, lignes, raw=raw)
    if isinstance(result, DossierReport):
        return result
    vue = historique.vue(result.exercice) if historique is not None else None
    report = juger(result, regles, str(path), vue)
    report.lignes = lignes
    return report


def check_files(
    files: Iterable[Path],
    regles: JeuDeRegles,
    exercice: int | None = None,
    historique: HistoriqueDossiers | None = None,
) -> Iterator[DossierReport]:
    """Reports in the given order; a repeated id makes the later dossier invalide.

    With ``exercice``, dossiers of other exercices are left out (invalid files
    whose exercice cannot be read are kept).
    """
    if historique is None:
        return filter_reports((check_file(path, regles) for path in files), exercice)
    return filter_reports((check_file(path, regles, historique) for path in files), exercice)


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
