"""Coverage of the rules (``docs/couverture.md``).

* :func:`couverture_des_cas` — ``cdv regles tester --couverture``: for every rule
  of the rule set, which of the statuts it can give the passed test cases
  reached, and for every dated parameter, which of its year segments (within
  the contract period) they exercised;
* :class:`Bilan` — ``cdv regles couverture``: on a real batch of dossiers, how
  many dossiers each dossier rule finds ok, en échec, sans objet, and the rules
  that never apply, never fail, or fail for more than a quarter of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cdv_prog.core.vocab import STATUTS_FR

if TYPE_CHECKING:
    from cdv_prog.core.report import DossierReport
    from cdv_prog.core.ruleset import JeuDeRegles, Regle
    from cdv_prog.workflow.cases import CaseResult

NE_PEUT_ECHOUER = frozenset({"information"})  # kinds whose rule never fails
PART_ECHEC = (1, 4)  # a rule failing for more than this share of the dossiers is listed


def statuts_possibles(regle: Regle) -> tuple[str, ...]:
    """The statuts the cases must reach: ok; echec unless the kind never fails; sans-objet if the rule has ``si:``."""
    out = ["ok"]
    if regle.type not in NE_PEUT_ECHOUER:
        out.append("echec")
    if not regle.condition.vide:
        out.append("sans-objet")
    return tuple(out)


@dataclass(frozen=True)
class RegleCouverte:
    id: str
    portee: str  # "regles" (dossier) or "programmation"
    attendus: tuple[str, ...]
    atteints: frozenset[str]

    @property
    def manquants(self) -> list[str]:
        return [s for s in self.attendus if s not in self.atteints]


@dataclass(frozen=True)
class Segment:
    """The years ``debut``–``fin`` (within the contract) during which one value of a dated parameter applies."""

    regle: str
    parametre: str
    debut: int
    fin: int
    couvert: bool


@dataclass(frozen=True)
class Couverture:
    regles: list[RegleCouverte]
    segments: list[Segment]

    @property
    def total(self) -> int:
        return sum(len(r.attendus) for r in self.regles) + len(self.segments)

    @property
    def atteints(self) -> int:
        return sum(len(r.attendus) - len(r.manquants) for r in self.regles) + sum(s.couvert for s in self.segments)

    @property
    def pourcentage(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.atteints / self.total

    def sous(self, seuil: int) -> bool:
        """Whether the coverage is under ``seuil`` % (exact: no rounding)."""
        return self.atteints * 100 < seuil * self.total


def segments(regle: Regle, periode: Sequence[int]) -> list[tuple[str, int, int]]:
    """(parameter, first year, last year) of each value of the rule's dated parameters, within the contract."""
    debut, fin = periode[0], periode[1]
    out = []
    for nom, dated in regle.parametres_bruts.items():
        years = dated.years()
        for i, year in enumerate(years):
            start = max(year, debut)
            end = min(years[i + 1] - 1, fin) if i + 1 < len(years) else fin
            if start <= end:
                out.append((nom, start, end))
    return out


def couverture_des_cas(regles: JeuDeRegles, results: Iterable[CaseResult]) -> Couverture:
    """What the passed cases reached of the rule set (a failed case counts for nothing)."""
    atteints: dict[tuple[str, str], set[str]] = {}
    annees: dict[tuple[str, str], set[int]] = {}  # years a rule was judged ok or en échec
    for result in results:
        if not result.passed:
            continue
        for portee, rid, statut, exercice in result.constats:
            atteints.setdefault((portee, rid), set()).add(statut)
            if statut != "sans-objet":
                annees.setdefault((portee, rid), set()).add(exercice)
    rows = []
    segs = []
    for portee, rules in (("regles", regles.regles), ("programmation", regles.programmation)):
        for rid, regle in sorted(rules.items()):
            rows.append(
                RegleCouverte(rid, portee, statuts_possibles(regle), frozenset(atteints.get((portee, rid), ())))
            )
            years = annees.get((portee, rid), set())
            for nom, debut, fin in segments(regle, regles.contrat.periode):
                segs.append(Segment(rid, nom, debut, fin, any(debut <= y <= fin for y in years)))
    return Couverture(rows, segs)


# --------------------------------------------------------------------------- on a batch of dossiers


@dataclass
class RegleBilan:
    id: str
    peut_echouer: bool
    nombres: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUTS_FR, 0))


@dataclass
class Bilan:
    """Per dossier rule, how many valid dossiers of a batch it finds ok, en échec, sans objet."""

    regles: dict[str, RegleBilan]
    dossiers: int = 0  # valid dossiers judged
    invalides: int = 0  # dossiers no rule was applied to

    @classmethod
    def de(cls, regles: JeuDeRegles, reports: Iterable[DossierReport]) -> Bilan:
        bilan = cls({rid: RegleBilan(rid, r.type not in NE_PEUT_ECHOUER) for rid, r in sorted(regles.regles.items())})
        for report in reports:
            bilan.add(report)
        return bilan

    def add(self, report: DossierReport) -> None:
        if report.verdict == "invalide":
            self.invalides += 1
            return
        self.dossiers += 1
        for c in report.constats:
            row = self.regles.get(c.regle)
            if row is not None:
                row.nombres[c.statut] += 1

    @property
    def jamais_applicables(self) -> list[str]:
        """Rules sans objet for every dossier (none judged: no rule listed)."""
        if not self.dossiers:
            return []
        return [r.id for r in self.regles.values() if r.nombres["sans-objet"] == self.dossiers]

    @property
    def jamais_en_echec(self) -> list[str]:
        """Rules that can fail and failed for no dossier (none judged: no rule listed)."""
        if not self.dossiers:
            return []
        return [r.id for r in self.regles.values() if r.peut_echouer and r.nombres["echec"] == 0]

    @property
    def souvent_en_echec(self) -> list[str]:
        """Rules en échec for more than a quarter of the dossiers."""
        num, den = PART_ECHEC
        return [r.id for r in self.regles.values() if self.dossiers and r.nombres["echec"] * den > num * self.dossiers]
