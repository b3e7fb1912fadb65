"""A dossier's report — the one record every output format is drawn from — and the batch summary.

A :class:`DossierReport` is what checking one file gives: the verdict, the
constats, the reading errors of an ``invalide`` file, and for a valid dossier
its :class:`~cdv_prog.core.montants.Montants` (always) and the dossier itself
(unless a parallel batch was asked to send back only the amounts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cdv_prog.core.derogations import Derogation
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.findings import Constat, LoadError
from cdv_prog.core.montants import Montants
from cdv_prog.core.remedes import Remede
from cdv_prog.core.vocab import Verdict

R = TypeVar("R", bound="DossierReport | RapportEncode")

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
    # « pour être éligible » (cdv check --remedes): one verified combined remedy, or why there is none
    remedes_calcules: bool = False
    pour_etre_eligible: Remede | None = None
    pour_etre_eligible_impossible: str | None = None
    derogation: Derogation | None = None  # applied: the verdict is « éligible par dérogation »
    derogations_sans_objet: tuple[Derogation, ...] = ()  # recorded for this dossier, matching no failure
    # what a caller keeps of the dossier, made where the report is made (``check_reports(resumer=…)``):
    # it travels in place of the dossier (``cdv programmation``); None when not asked for
    sommaire: object | None = field(default=None, repr=False)

    @property
    def par_derogation(self) -> bool:
        """Éligible only thanks to a dérogation (its failed bloquant rules are all covered)."""
        return self.derogation is not None and self.verdict == "eligible"

    def ligne(self, champ: str | None) -> int | None:
        """Line of a dossier field (``"budget.total"``), or of its nearest ancestor present."""
        path: tuple[str | int, ...] = tuple(champ.split(".")) if champ else ()
        while path not in self.lignes and path:
            path = path[:-1]
        return self.lignes.get(path)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "fichier": self.fichier,
            "exercice": self.exercice,
            "verdict": self.verdict,
            "constats": [c.to_dict() for c in self.constats],
            "erreurs": [e.to_dict() for e in self.erreurs],
        }
        out.update(self.extra_dict())
        return out

    def extra_dict(self) -> dict[str, Any]:
        """The keys present only when they say something: dérogations, and remedies when computed."""
        out: dict[str, Any] = {}
        if self.derogation is not None:
            out["par-derogation"] = self.par_derogation
            out["derogation"] = self.derogation.to_dict()
        if self.derogations_sans_objet:
            out["derogations-sans-objet"] = [d.to_dict() for d in self.derogations_sans_objet]
        if self.remedes_calcules and self.verdict == "ineligible":
            out["pour-etre-eligible"] = self.pour_etre_eligible.to_dict() if self.pour_etre_eligible else None
            out["pour-etre-eligible-impossible"] = self.pour_etre_eligible_impossible
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


class RapportEncode:
    """A dossier's report once written in the output's format (:class:`Encodeur`): its text, and
    the little the batch still needs of it — the summary's counts, the totals' amounts, the
    batch rules' id and exercice.

    What a ``--jobs`` worker (or the cache) gives back instead of the whole report: the parent
    only adds it up and writes its text. Plain slots, cheap to send between processes.
    """

    __slots__ = ("exercice", "fichier", "id", "ligne_id", "montants", "par_derogation", "reserves", "texte", "verdict")

    def __init__(
        self,
        fichier: str,
        verdict: Verdict,
        id: str | None,
        exercice: int | None,
        montants: Montants | None,
        reserves: int,
        par_derogation: bool,
        ligne_id: int | None,
        texte: str | bytes,
    ) -> None:
        self.fichier = fichier
        self.verdict = verdict
        self.id = id
        self.exercice = exercice
        self.montants = montants
        self.reserves = reserves  # how many réserves (Resume counts the éligibles that have one)
        self.par_derogation = par_derogation
        self.ligne_id = ligne_id  # the line of the id, for « identifiant déjà utilisé »
        self.texte = texte  # bytes (UTF-8) for a data format (JSON, SARIF): written as they are

    @classmethod
    def of(cls, report: DossierReport, texte: str | bytes) -> RapportEncode:
        return cls(
            report.fichier,
            report.verdict,
            report.id,
            report.exercice,
            report.montants,
            len(report.reserves),
            report.par_derogation,
            report.lignes.get(("id",)),
            texte,
        )

    @property
    def en_texte(self) -> str:
        """The written report as text (a data format's bytes decoded)."""
        return self.texte if isinstance(self.texte, str) else self.texte.decode("utf-8")

    def ligne(self, champ: str | None) -> int | None:
        """The line of the id (the only field the batch rules name), else None."""
        return self.ligne_id if champ == "id" else None

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            RapportEncode,
            (
                self.fichier,
                self.verdict,
                self.id,
                self.exercice,
                self.montants,
                self.reserves,
                self.par_derogation,
                self.ligne_id,
                self.texte,
            ),
        )


class Encodeur:
    """How one dossier's report is written in the output's format (``encode``), and what that text
    depends on besides the report and the rules (``cle``: the format, the width…), for the cache.

    ``octets``: a data format, whose text goes out as UTF-8 whatever the terminal (JSON, SARIF): the
    written report carries those bytes (``encode`` gives text that UTF-8 can encode). ``en_octets``,
    when given, gives those bytes directly (the text encoded once, not checked and then encoded).
    ``profondeur``: the depth of the fields whose lines the text names — 2 for a format that points
    at each finding's field (SARIF, GitHub), 1 for one that names no line (JSON, text: the batch
    still needs the top-level keys', the id's for « identifiant déjà utilisé »). A valid dossier's
    report then keeps only those lines, and reading it records no others (issue 17: the line map
    built only when a finding needs a line).
    """

    __slots__ = ("cle", "en_octets", "encode", "octets", "profondeur")

    def __init__(
        self,
        cle: str,
        encode: Callable[[DossierReport], str],
        octets: bool = False,
        en_octets: Callable[[DossierReport], bytes] | None = None,
        profondeur: int = 2,
    ) -> None:
        self.cle = cle
        self.encode = encode
        self.octets = octets or en_octets is not None
        self.en_octets = en_octets
        self.profondeur = profondeur

    def __call__(self, report: DossierReport) -> RapportEncode:
        if self.en_octets is not None:
            return RapportEncode.of(report, self.en_octets(report))
        text = self.encode(report)
        return RapportEncode.of(report, text.encode("utf-8") if self.octets else text)


Rapport = DossierReport | RapportEncode
"""What flows through a check batch: a report, or its text already written (``--jobs``, the cache)."""

PROFONDEUR_LIGNES = 2
"""The depth of the fields whose lines a valid dossier's report keeps, unless its format needs fewer
(:attr:`Encodeur.profondeur`): what the cache stores, what a report read from it can be written in."""


def profondeur_lignes(encodeur: Encodeur | None) -> int:
    """The depth of the lines to record for reports written by ``encodeur`` (all of them without one)."""
    return PROFONDEUR_LIGNES if encodeur is None else encodeur.profondeur


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
    par_derogation: int = 0  # of the éligibles, by a dérogation of the COPIL

    def add(self, report: DossierReport | RapportEncode) -> None:
        self.total += 1
        if report.verdict == "eligible":
            self.eligible += 1
            if report.par_derogation:
                self.par_derogation += 1
            if report.reserves:
                self.reserves += 1
        elif report.verdict == "ineligible":
            self.ineligible += 1
        else:
            self.invalide += 1

    def follow(self, reports: Iterable[R]) -> Iterator[R]:
        """The same reports, counted as they pass (for a streaming caller)."""
        for report in reports:
            self.add(report)
            yield report

    def to_dict(self) -> dict[str, int]:
        out = {
            "total": self.total,
            "eligible": self.eligible,
            "ineligible": self.ineligible,
            "invalide": self.invalide,
        }
        if self.par_derogation:
            out["par-derogation"] = self.par_derogation
        return out

    @property
    def exit_code(self) -> int:
        return 1 if (self.ineligible or self.invalide) else 0
