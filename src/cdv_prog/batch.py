"""Reading dossier files into reports, one at a time, in path order.

This is the I/O edge around the pure engine: finding the files, reading each
one with the hardened loader, validating it against the models and the rule
set's référentiels, then running the engine. A bad file becomes an
``invalide`` report with its errors; the batch always goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from .constat import Constat
from .dossier import Dossier, siret_luhn_ok
from .engine import evaluer, verdict
from .errors import translate
from .loader import LoadError, LoadFailed, load_yaml_file
from .regles import RuleSet

SUFFIXES = (".yaml", ".yml")


class MissingPath(Exception):
    """A path given on the command line does not exist."""


@dataclass
class DossierReport:
    fichier: str
    verdict: str
    id: str | None = None
    exercice: int | None = None
    constats: list[Constat] = field(default_factory=list)
    erreurs: list[LoadError] = field(default_factory=list)
    alertes: list[str] = field(default_factory=list)
    dossier: Dossier | None = None
    lignes: dict[tuple, int] = field(default_factory=dict, repr=False)  # (key, key) → line, 2 levels deep

    def ligne(self, champ: str | None) -> int | None:
        """Line of a dossier field (``"budget.total"``), or of its nearest ancestor present."""
        path = tuple(champ.split(".")) if champ else ()
        while path not in self.lignes and path:
            path = path[:-1]
        return self.lignes.get(path)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "fichier": self.fichier,
            "exercice": self.exercice,
            "verdict": self.verdict,
            "constats": [c.to_dict() for c in self.constats],
            "erreurs": [e.to_dict() for e in self.erreurs],
        }
        if self.alertes:
            out["alertes"] = list(self.alertes)
        return out

    @property
    def echecs(self) -> list[Constat]:
        return [c for c in self.constats if c.statut == "echec" and c.gravite == "bloquant"]

    @property
    def reserves(self) -> list[Constat]:
        return [c for c in self.constats if c.statut == "echec" and c.gravite == "avertissement"]

    @property
    def informations(self) -> list[Constat]:
        return [c for c in self.constats if c.gravite == "information" and c.statut == "ok"]


def discover(paths: Iterable[Path]) -> list[Path]:
    """Dossier files under the given paths: files as given, folders searched recursively.

    Folders are walked in sorted order without following symbolic links to
    folders (no loops); a missing path raises MissingPath.
    """
    out: list[Path] = []
    seen: set[str] = set()
    for root in paths:
        if not root.exists() and not root.is_symlink():
            raise MissingPath(str(root))
        if root.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
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


def read_dossier(path: Path, regles: RuleSet, lignes: dict[tuple, int] | None = None) -> Dossier | DossierReport:
    """A validated Dossier, or an ``invalide`` report naming field, line and reason.

    ``lignes``, when given, receives the line of each field up to two levels deep.
    """
    shown = str(path)
    try:
        loaded = load_yaml_file(path)
    except LoadFailed as exc:
        return DossierReport(shown, "invalide", erreurs=exc.errors)
    if lignes is not None:
        lignes.update((k, v) for k, v in loaded.lines.items() if len(k) <= 2)
    data = loaded.data
    if not isinstance(data, dict):
        return DossierReport(shown, "invalide", erreurs=[LoadError("", loaded.line_of(()) or 1, "un dossier doit être un ensemble de clés (id, exercice, intitule…)")])
    try:
        return Dossier.model_validate(data, context={"regles": regles})
    except ValidationError as exc:
        ident = data.get("id") if isinstance(data.get("id"), str) else None
        exercice = data.get("exercice") if isinstance(data.get("exercice"), int) and not isinstance(data.get("exercice"), bool) else None
        errors = sorted(translate(exc, loaded, model=Dossier), key=lambda e: e.ligne or 0)
        return DossierReport(shown, "invalide", id=ident, exercice=exercice, erreurs=errors)


def check_dossier(dossier: Dossier, regles: RuleSet, fichier: str) -> DossierReport:
    constats = evaluer(dossier, regles)
    alertes = []
    if dossier.porteur.siret and not siret_luhn_ok(dossier.porteur.siret):
        alertes.append(f"SIRET {dossier.porteur.siret} : clé de contrôle (Luhn) incorrecte, numéro à vérifier")
    return DossierReport(
        fichier, verdict(constats), id=dossier.id, exercice=dossier.exercice,
        constats=constats, alertes=alertes, dossier=dossier,
    )


def check_file(path: Path, regles: RuleSet) -> DossierReport:
    lignes: dict[tuple, int] = {}
    result = read_dossier(path, regles, lignes)
    if isinstance(result, DossierReport):
        return result
    report = check_dossier(result, regles, str(path))
    report.lignes = lignes
    return report


def check_files(files: Iterable[Path], regles: RuleSet, exercice: int | None = None) -> Iterator[DossierReport]:
    """Reports in the given order; a repeated id makes the later dossier invalide.

    With ``exercice``, dossiers of other exercices are left out (invalid files
    whose exercice cannot be read are kept).
    """
    return filter_reports((check_file(path, regles) for path in files), exercice)


def filter_reports(reports: Iterable[DossierReport], exercice: int | None = None) -> Iterator[DossierReport]:
    """The batch rules over reports in path order (see :func:`check_files`), one at a time.

    Shared by the sequential and the parallel batch (:mod:`cdv_prog.parallel`),
    where it runs in the parent process, in order.
    """
    ids: dict[str, str] = {}
    for report in reports:
        if exercice is not None and report.exercice is not None and report.exercice != exercice:
            continue
        if report.id is not None and report.verdict != "invalide":
            first = ids.get(report.id)
            if first is not None:
                report = DossierReport(
                    report.fichier, "invalide", id=report.id, exercice=report.exercice,
                    erreurs=[LoadError("id", report.ligne("id"), f"identifiant « {report.id} » déjà utilisé par {first}")],
                )
            else:
                ids[report.id] = report.fichier
        yield report


@dataclass
class Resume:
    total: int = 0
    eligible: int = 0
    ineligible: int = 0
    invalide: int = 0
    reserves: int = 0

    def add(self, report: DossierReport) -> None:
        self.total += 1
        setattr(self, report.verdict, getattr(self, report.verdict) + 1)
        if report.verdict == "eligible" and report.reserves:
            self.reserves += 1

    def to_dict(self) -> dict[str, int]:
        return {"total": self.total, "eligible": self.eligible, "ineligible": self.ineligible, "invalide": self.invalide}

    @property
    def exit_code(self) -> int:
        return 1 if (self.ineligible or self.invalide) else 0
