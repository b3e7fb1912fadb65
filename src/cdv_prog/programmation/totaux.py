"""Per-financeur totals of an exercice against the enveloppes, accumulated one report at a time.

* **demandé**: Σ ``montant`` of the financeur's lines over the *valid* dossiers
  of the exercice (eligible and inéligible; an invalide file has no amounts to
  trust: it is counted apart, never summed);
* **retenu**: Σ montant retenu (``accorde`` if present, else ``montant``) over
  the **eligible** dossiers only;
* **solde** = enveloppe − retenu, **taux** = retenu / enveloppe (exact
  ``Decimal``; rounded only when written: cents, and 4 decimals for taux);
* **dossiers**: number of eligible dossiers the financeur finances (retenu > 0);
* **dépassement**: retenu > enveloppe, to the cent.

The financeurs listed are those of the rule set that appear in a valid dossier
of the exercice or are declared in ``enveloppes`` (even « non renseignée »),
in the rule set's order. Accumulators keep only sums: memory does not grow
with the batch (``cdv check`` streams through them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cdv_prog.core.money import ZERO
from cdv_prog.core.montants import TotalFinanceur
from cdv_prog.core.report import DossierReport, Resume

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles


def _add(sums: dict[str, Decimal], code: str, amount: Decimal) -> None:
    sums[code] = sums.get(code, ZERO) + amount


@dataclass
class Totaux:
    """The totals of one exercice; feed it that exercice's reports with :meth:`add`."""

    exercice: int
    regles: JeuDeRegles
    resume: Resume = field(default_factory=Resume)
    demande: dict[str, Decimal] = field(default_factory=dict)
    retenu: dict[str, Decimal] = field(default_factory=dict)
    finances: dict[str, int] = field(default_factory=dict)

    def add(self, report: DossierReport) -> None:
        self.resume.add(report)
        montants = report.montants
        if montants is None or report.verdict == "invalide":
            return
        for code, amount in montants.demandes.items():
            _add(self.demande, code, amount)
        if report.verdict != "eligible":
            return
        for code, amount in montants.retenus.items():
            _add(self.retenu, code, amount)
            if amount > ZERO:
                self.finances[code] = self.finances.get(code, 0) + 1

    def financeurs(self) -> list[TotalFinanceur]:
        regles = self.regles
        return [
            TotalFinanceur(
                code,
                regles.enveloppe(code, self.exercice),
                self.demande.get(code, ZERO),
                self.retenu.get(code, ZERO),
                self.finances.get(code, 0),
            )
            for code in regles.financeurs
            if code in self.demande or code in regles.enveloppes
        ]


class TotauxParExercice:
    """Totals for a batch spanning exercices (``cdv check``): one :class:`Totaux` per exercice.

    A report whose exercice is unknown (an unreadable file) belongs to none.
    """

    def __init__(self, regles: JeuDeRegles):
        self.regles = regles
        self._par_exercice: dict[int, Totaux] = {}

    def add(self, report: DossierReport) -> None:
        if report.exercice is None:
            return
        totaux = self._par_exercice.get(report.exercice)
        if totaux is None:
            totaux = self._par_exercice[report.exercice] = Totaux(report.exercice, self.regles)
        totaux.add(report)

    def follow(self, reports: Iterable[DossierReport]) -> Iterator[DossierReport]:
        """The same reports, added to the totals as they pass (for a streaming caller)."""
        for report in reports:
            self.add(report)
            yield report

    def exercices(self) -> list[Totaux]:
        return [self._par_exercice[year] for year in sorted(self._par_exercice)]

    def to_dict(self) -> dict[str, Any]:
        """``{"financeurs": [{"exercice": N, <entry of cdv programmation>}, …]}``, by exercice then rule-set order."""
        return {
            "financeurs": [{"exercice": t.exercice, **f.to_dict()} for t in self.exercices() for f in t.financeurs()]
        }

    @property
    def depassement(self) -> bool:
        return any(f.depassement for t in self.exercices() for f in t.financeurs())

    @property
    def exit_code(self) -> int:
        """1 when an enveloppe is exceeded (``docs/rapports.md``); the dossiers' verdicts are the caller's Resume."""
        return 1 if self.depassement else 0
