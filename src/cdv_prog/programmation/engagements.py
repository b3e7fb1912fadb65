"""What the CPO of an exercice already commit for the following years.

An eligible dossier of exercice N under a CPO with ``annees`` [N, N+1, N+2]
commits each of its financeurs for N+1 and N+2 too. The dossier format carries
one amount per financeur, so the assumption (stated in every report) is that
the same montant retenu is renewed each later year of the CPO. Each later year
is set against that year's enveloppe (dated values of the rules).

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

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.money import ZERO, montant_json, taux_json
from cdv_prog.core.montants import Montants, solde, taux

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles

HYPOTHESE = (
    "Chaque CPO éligible de l'exercice engage ses financeurs pour ses années suivantes "
    "au même montant retenu que cette année (le dossier ne donne pas de montant par année), "
    "sur les lignes du périmètre de leur enveloppe ; les financeurs qui votent chaque année "
    "(la CAF) n'engagent pas les exercices suivants."
)
HORIZON = 2  # N+1 and N+2 are always shown (inside the contract period)


@dataclass(frozen=True)
class Engagement:
    """What a financeur has already committed for a later year, against that year's enveloppe."""

    annee: int
    engage: Decimal
    enveloppe: Decimal | None
    dossiers: int

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "hypothese": self.hypothese,
            "annees": list(self.annees),
            "dossiers": list(self.dossiers),
            "financeurs": [
                {"financeur": f.financeur, "annees": [e.to_dict() for e in f.annees]} for f in self.financeurs
            ],
        }


@dataclass
class EngagementsCpo:
    """Accumulates the eligible dossiers of exercice ``exercice``."""

    exercice: int
    regles: JeuDeRegles
    sums: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def add(self, dossier: Dossier, montants: Montants) -> None:
        """Add an **eligible** dossier (those without CPO are ignored)."""
        if dossier.action.cpo is None:
            return
        later = sorted({y for y in dossier.action.cpo.annees if y > self.exercice})
        if not later:
            return
        self.ids.append(dossier.id)
        for code, amount in self._engages(montants).items():
            if amount <= ZERO:
                continue
            for year in later:
                key = (code, year)
                self.sums[key] = self.sums.get(key, ZERO) + amount
                self.counts[key] = self.counts.get(key, 0) + 1

    def _engages(self, montants: Montants) -> dict[str, Decimal]:
        """What the dossier commits per financeur: the lines of its enveloppe's périmètre, no annual financeur."""
        out: dict[str, Decimal] = {}
        for ligne in montants.lignes:
            f = self.regles.financeurs.get(ligne.financeur)
            if f is None or f.annuel:
                continue
            if self.regles.perimetre(ligne.financeur).contient(ligne.nature, montants.cpo):
                out[ligne.financeur] = out.get(ligne.financeur, ZERO) + ligne.retenu
        return out

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
                    )
                    for year in annees
                ),
            )
            for code in self.regles.financeurs
            if code in engages
        )
        return Engagements(self.exercice, annees, financeurs, tuple(self.ids))
