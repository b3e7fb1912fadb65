"""What the CPO of an exercice already commit for the following years.

An eligible dossier of exercice N under a CPO with ``annees`` [N, N+1, N+2]
commits each of its financeurs for N+1 and N+2 too. The dossier format carries
one amount per financeur. For a later year N+k, the amounts are those of the
CPO's **real dossier of N+k** when the history holds it — found by following
the ``action.precedent`` chain forward from the dossier of N (the dossier of
N+1 names the one of N, that of N+2 names that of N+1), each link a dossier
under a CPO whose years include N+k; when several name the same one, the
first in (exercice, id, file) order. Its verdict does not matter: the CPO is
signed for its years and the later dossier says what it plans that year (its
own eligibility is judged in its own exercice). Otherwise (no later dossier
read, or the chain broken) the year-N montant retenu is taken as renewed
(« reconduit »). Every report says which, per year and financeur, and lists
the later dossiers used. Each later year is set against that year's enveloppe
(dated values of the rules).

Two exceptions (SPEC §3.4): a financeur marked ``annuel: true`` in the rules
(the CAF: « la Caf ne pouvant intervenir sur deux exercices ») votes each year
and commits nothing; and a financeur whose enveloppe has a périmètre commits
only the lines inside it (its droit commun is not set against its enveloppe of
crédits spécifiques, like the totals of the exercice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers, engages_cpo, suivant
from cdv_prog.core.money import ZERO, montant_json, taux_json
from cdv_prog.core.montants import Montants, solde, taux

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.ruleset import JeuDeRegles

HYPOTHESE = (
    "Chaque CPO éligible de l'exercice engage ses financeurs pour ses années suivantes "
    "au montant retenu du dossier de cette année-là quand il est lu (suivi par « precedent »), "
    "sinon au même montant retenu que cette année (reconduit), "
    "sur les lignes du périmètre de leur enveloppe ; les financeurs qui votent chaque année "
    "(la CAF) n'engagent pas les exercices suivants."
)
SOURCES_FR = {
    "dossier": "dossier de l'année",
    "reconduit": "reconduit",
    "mixte": "dossier de l'année et reconduit",
    "aucun": "",
}  # Engagement.source, as the reports say it
HORIZON = 2  # N+1 and N+2 are always shown (inside the contract period)


@dataclass(frozen=True)
class Engagement:
    """What a financeur has already committed for a later year, against that year's enveloppe."""

    annee: int
    engage: Decimal
    enveloppe: Decimal | None
    dossiers: int
    d_apres_dossier: int = 0  # of ``dossiers``: those whose amount is that of the CPO's real dossier of the year

    @property
    def reconduits(self) -> int:
        return self.dossiers - self.d_apres_dossier

    @property
    def source(self) -> str:
        """``dossier`` (all from the real later dossiers), ``reconduit`` (none), ``mixte``; ``aucun``: no dossier."""
        if self.dossiers == 0:
            return "aucun"
        if self.d_apres_dossier == self.dossiers:
            return "dossier"
        return "reconduit" if self.d_apres_dossier == 0 else "mixte"

    @property
    def solde(self) -> Decimal | None:
        return solde(self.enveloppe, self.engage)

    @property
    def taux(self) -> Decimal | None:
        return taux(self.enveloppe, self.engage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "annee": self.annee,
            "engage": montant_json(self.engage),
            "enveloppe": montant_json(self.enveloppe),
            "solde": montant_json(self.solde),
            "taux": taux_json(self.taux),
            "dossiers": self.dossiers,
            "source": self.source,
            "d-apres-dossier": self.d_apres_dossier,
            "reconduits": self.reconduits,
        }


@dataclass(frozen=True)
class EngagementsFinanceur:
    financeur: str
    annees: tuple[Engagement, ...]


@dataclass(frozen=True)
class Engagements:
    exercice: int
    annees: tuple[int, ...]
    financeurs: tuple[EngagementsFinanceur, ...]
    dossiers: tuple[str, ...]  # ids of the CPO dossiers that commit later years
    hypothese: str = HYPOTHESE
    suivants: tuple[str, ...] = ()  # ids of the later dossiers whose amounts were used (sorted)

    annees_dossiers: int = 0  # dossier-years committed (each CPO dossier once per later year of its CPO)

    @property
    def d_apres_dossier(self) -> int:
        """Dossier-years whose amounts are those of the real later dossier (one per later dossier used)."""
        return len(self.suivants)

    @property
    def reconduits(self) -> int:
        """Dossier-years whose amounts are the exercice's, taken as renewed."""
        return self.annees_dossiers - self.d_apres_dossier

    def phrase(self) -> str:
        """One short French sentence: how many dossier-years come from the real later dossiers, how many renewed."""
        if self.annees_dossiers == 0:
            return ""
        reel = f"{self.d_apres_dossier} d'après le dossier de l'année"
        reconduit = f"{self.reconduits} reconduit{'s' if self.reconduits > 1 else ''} (montant de {self.exercice})"
        return f"Années engagées : {reel}, {reconduit}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "hypothese": self.hypothese,
            "annees": list(self.annees),
            "dossiers": list(self.dossiers),
            "dossiers-suivants": list(self.suivants),
            "d-apres-dossier": self.d_apres_dossier,
            "reconduits": self.reconduits,
            "financeurs": [
                {"financeur": f.financeur, "annees": [e.to_dict() for e in f.annees]} for f in self.financeurs
            ],
        }


@dataclass
class EngagementsCpo:
    """Accumulates the eligible dossiers of exercice ``exercice``.

    ``suivants``: the history's index with the dossiers of later exercices
    (records only), where each CPO's real later dossiers are looked for.
    """

    exercice: int
    regles: JeuDeRegles
    sums: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    reels: dict[tuple[str, int], int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    suivants: HistoriqueDossiers | None = None
    utilises: list[str] = field(default_factory=list)
    annees_dossiers: int = 0

    def add(self, dossier: Dossier, montants: Montants) -> None:
        """Add an **eligible** dossier (those without CPO are ignored)."""
        cpo = dossier.action.cpo
        self.ajouter(dossier.id, tuple(cpo.annees) if cpo is not None else None, montants)

    def ajouter(self, id: str, annees_cpo: tuple[int, ...] | None, montants: Montants) -> None:
        """Add an **eligible** dossier by its id and its CPO's years (None: no CPO, ignored)."""
        if annees_cpo is None:
            return
        later = sorted({y for y in annees_cpo if y > self.exercice})
        if not later:
            return
        self.ids.append(id)
        propres = self._engages(montants)
        maillon: str | None = id
        for year in later:
            reel = suivant(self.suivants, maillon, year) if self.suivants is not None and maillon else None
            maillon = reel.id if reel is not None else None  # the chain stops at the first missing year
            self.annees_dossiers += 1
            if reel is not None:
                self.utilises.append(reel.id)
            engages = self._reels(reel) if reel is not None else propres
            for code, amount in engages.items():
                if amount <= ZERO:
                    continue
                key = (code, year)
                self.sums[key] = self.sums.get(key, ZERO) + amount
                self.counts[key] = self.counts.get(key, 0) + 1
                if reel is not None:
                    self.reels[key] = self.reels.get(key, 0) + 1

    def _reels(self, reel: DossierAnterieur) -> dict[str, Decimal]:
        """What the later dossier commits (its record read without the rules: its totals, no annual financeur)."""
        if reel.engages is not None:
            return dict(reel.engages)
        annuels = {code for code, f in self.regles.financeurs.items() if f.annuel}
        return {code: total for code, total in reel.retenus if code not in annuels}

    def _engages(self, montants: Montants) -> dict[str, Decimal]:
        """What the dossier commits per financeur: the lines of its enveloppe's périmètre, no annual financeur."""
        return dict(engages_cpo(montants, self.regles))

    def resultat(self) -> Engagements:
        last = self.regles.contrat.periode[1]
        default = {self.exercice + k for k in range(1, HORIZON + 1) if self.exercice + k <= last}
        annees = tuple(sorted(default | {year for _, year in self.sums}))
        engages = {code for code, _ in self.sums}
        financeurs = tuple(
            EngagementsFinanceur(
                code,
                tuple(
                    Engagement(
                        year,
                        self.sums.get((code, year), ZERO),
                        self.regles.enveloppe(code, year),
                        self.counts.get((code, year), 0),
                        self.reels.get((code, year), 0),
                    )
                    for year in annees
                ),
            )
            for code in self.regles.financeurs
            if code in engages
        )
        return Engagements(
            self.exercice,
            annees,
            financeurs,
            tuple(self.ids),
            suivants=tuple(sorted(set(self.utilises))),
            annees_dossiers=self.annees_dossiers,
        )
