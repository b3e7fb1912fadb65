"""A dossier's report — the one record every output format is drawn from — and the batch summary.

A :class:`DossierReport` is what checking one file gives: the verdict, the
constats, the reading errors of an ``invalide`` file, and for a valid dossier
its :class:`~cdv_prog.core.montants.Montants` (always) and the dossier itself
(unless a parallel batch was asked to send back only the amounts).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.findings import Constat, LoadError
from cdv_prog.core.montants import Montants
from cdv_prog.core.vocab import Verdict

RAPPORT_FORMAT = "cdv.rapport/2"
"""The versioned name written at the top of the JSON report of ``cdv check`` (``docs/rapport.md``)."""


@dataclass
class DossierReport:
    fichier: str
    verdict: Verdict
    id: str | None = None
    exercice: int | None = None
    constats: list[Constat] = field(default_factory=list)
    erreurs: list[LoadError] = field(default_factory=list)
    montants: Montants | None = None
    dossier: Dossier | None = None
    lignes: dict[tuple[str | int, ...], int] = field(default_factory=dict, repr=False)  # field → line, 2 levels

    def ligne(self, champ: str | None) -> int | None:
        """Line of a dossier field (``"budget.total"``), or of its nearest ancestor present."""
        path: tuple[str | int, ...] = tuple(champ.split(".")) if champ else ()
        while path not in self.lignes and path:
            path = path[:-1]
        return self.lignes.get(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fichier": self.fichier,
            "exercice": self.exercice,
            "verdict": self.verdict,
            "constats": [c.to_dict() for c in self.constats],
            "erreurs": [e.to_dict() for e in self.erreurs],
        }

    @property
    def echecs(self) -> list[Constat]:
        return [c for c in self.constats if c.statut == "echec" and c.gravite == "bloquant"]

    @property
    def reserves(self) -> list[Constat]:
        return [c for c in self.constats if c.statut == "echec" and c.gravite == "avertissement"]

    @property
    def informations(self) -> list[Constat]:
        return [c for c in self.constats if c.gravite == "information" and c.statut == "ok"]


@dataclass(frozen=True)
class WalkError:
    """A folder (or a path given) that could not be searched for dossiers: its dossiers were not checked.

    Not a dossier, so never counted in the :class:`Resume`; it makes the exit
    code 1 and every format shows it (JSON key ``erreurs-lecture``).
    """

    chemin: str
    message: str  # the French reason: « permission refusée », « nom de fichier trop long »…

    def to_dict(self) -> dict[str, str]:
        return {"chemin": self.chemin, "message": self.message}

    def __str__(self) -> str:
        return f"{self.chemin} : {self.message}"


def invalide(
    fichier: str, erreurs: list[LoadError], id: str | None = None, exercice: int | None = None
) -> DossierReport:
    """The report of a file that could not be read as a dossier: no rule is run."""
    return DossierReport(fichier, "invalide", id=id, exercice=exercice, erreurs=erreurs)


@dataclass
class Resume:
    total: int = 0
    eligible: int = 0
    ineligible: int = 0
    invalide: int = 0
    reserves: int = 0

    def add(self, report: DossierReport) -> None:
        self.total += 1
        if report.verdict == "eligible":
            self.eligible += 1
            if report.reserves:
                self.reserves += 1
        elif report.verdict == "ineligible":
            self.ineligible += 1
        else:
            self.invalide += 1

    def follow(self, reports: Iterable[DossierReport]) -> Iterator[DossierReport]:
        """The same reports, counted as they pass (for a streaming caller)."""
        for report in reports:
            self.add(report)
            yield report

    def to_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "eligible": self.eligible,
            "ineligible": self.ineligible,
            "invalide": self.invalide,
        }

    @property
    def exit_code(self) -> int:
        return 1 if (self.ineligible or self.invalide) else 0
