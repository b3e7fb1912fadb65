"""Per-financeur totals of an exercice against the enveloppes, accumulated one report at a time.

* **demandé**: Σ ``montant`` of the financeur's lines over the *valid* dossiers
  of the exercice (eligible and inéligible; an invalide file has no amounts to
  trust: it is counted apart, never summed);
* **retenu**: Σ montant retenu (``accorde`` if present, else ``montant``) over
  the **eligible** dossiers only;
* **solde** = enveloppe − retenu, **taux** = retenu / enveloppe (exact
  ``Decimal``; rounded only when written: cents, and 4 decimals for taux);
* **dossiers**: number of eligible dossiers the financeur finances (retenu > 0);
* **dépassement**: retenu > enveloppe, to the cent — of the enveloppe or of
  one of its sous-enveloppes.

Where the financeur's enveloppe has a **périmètre** (``docs/regles.md``: the
lines it counts, by nature and CPO), demandé, retenu and dossiers count only
the lines inside it (a line's nature is its dispositif's, else its
financeur's; CPO: the dossier is under one); the retained lines outside it
are the **droit commun mobilisé**, summed apart. Each **sous-enveloppe**
counts the lines inside both its périmètre and its enveloppe's.

The financeurs listed are those of the rule set that appear in a valid dossier
of the exercice or are declared in ``enveloppes`` (even « non renseignée »),
in the rule set's order. Accumulators keep only sums: memory does not grow
with the batch (``cdv check`` streams through them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from cdv_prog.core.money import ZERO
from cdv_prog.core.montants import TotalFinanceur, TotalSousEnveloppe
from cdv_prog.core.report import R, Rapport, Resume

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.core.vocab import Nature


K = TypeVar("K")


def _add(sums: dict[K, Decimal], code: K, amount: Decimal) -> None:
    sums[code] = sums.get(code, ZERO) + amount


@dataclass
class Totaux:
    """The totals of one exercice; feed it that exercice's reports with :meth:`add`."""

    exercice: int
    regles: JeuDeRegles
    resume: Resume = field(default_factory=Resume)
    demande: dict[str, Decimal] = field(default_factory=dict)  # inside the enveloppe's périmètre
    retenu: dict[str, Decimal] = field(default_factory=dict)  # inside the enveloppe's périmètre
    finances: dict[str, int] = field(default_factory=dict)
    droit_commun: dict[str, Decimal] = field(default_factory=dict)  # retained outside the périmètre
    sous_demande: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (financeur, sous-enveloppe)
    sous_retenu: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    vus: set[str] = field(default_factory=set)  # financeurs of a line of a valid dossier

    # (financeur, nature, CPO) → (the line is inside the enveloppe's périmètre, the sous-enveloppes it counts in):
    # what the rules say of a kind of line, worked out once per Totaux (its rule set)
    _routes: dict[tuple[str, str, bool], tuple[bool, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def add(self, report: Rapport) -> None:
        self.resume.add(report)
        montants = report.montants
        if montants is None or report.verdict == "invalide":
            return
        eligible = report.verdict == "eligible"
        retenus: dict[str, Decimal] = {}
        cpo = montants.cpo
        routes = self._routes
        demande = self.demande  # the sums added in place (no call per amount: issue 17)
        for ligne in montants.lignes:
            code = ligne.financeur
            self.vus.add(code)
            route = routes.get((code, ligne.nature, cpo))
            if route is None:
                route = routes[(code, ligne.nature, cpo)] = self._route(code, ligne.nature, cpo)
            dedans, sous = route
            if dedans:
                demande[code] = demande.get(code, ZERO) + ligne.demande
                if eligible:
                    retenus[code] = retenus.get(code, ZERO) + ligne.retenu
            elif eligible:
                _add(self.droit_commun, code, ligne.retenu)
            for cle in sous:
                _add(self.sous_demande, cle, ligne.demande)
                if eligible:
                    _add(self.sous_retenu, cle, ligne.retenu)
        for code, amount in retenus.items():
            _add(self.retenu, code, amount)
            if amount > ZERO:
                self.finances[code] = self.finances.get(code, 0) + 1

    def _route(self, code: str, nature: Nature, cpo: bool) -> tuple[bool, tuple[tuple[str, str], ...]]:
        """Where a line of ``code``, of this nature, on a dossier under a CPO or not, counts (see :meth:`add`)."""
        env = self.regles.enveloppes.get(code)
        if env is None:
            return True, ()
        sous = tuple((code, s.code) for s in env.sous_enveloppes.values() if env.dans(s, nature, cpo))
        return env.contient(nature, cpo), sous

    def financeurs(self) -> list[TotalFinanceur]:
        regles, exercice = self.regles, self.exercice
        out = []
        for code in regles.financeurs:
            env = regles.enveloppes.get(code)
            if code not in self.vus and env is None:
                continue
            sous = tuple(
                TotalSousEnveloppe(
                    s.code,
                    s.nom,
                    s.at(exercice),
                    self.sous_demande.get((code, s.code), ZERO),
                    self.sous_retenu.get((code, s.code), ZERO),
                )
                for s in (env.sous_enveloppes.values() if env is not None else ())
            )
            out.append(
                TotalFinanceur(
                    code,
                    regles.enveloppe(code, exercice),
                    self.demande.get(code, ZERO),
                    self.retenu.get(code, ZERO),
                    self.finances.get(code, 0),
                    self.droit_commun.get(code, ZERO),
                    sous,
                )
            )
        return out


class TotauxParExercice:
    """Totals for a batch spanning exercices (``cdv check``): one :class:`Totaux` per exercice.

    A report whose exercice is unknown (an unreadable file) belongs to none.
    """

    def __init__(self, regles: JeuDeRegles):
        self.regles = regles
        self._par_exercice: dict[int, Totaux] = {}

    def add(self, report: Rapport) -> None:
        if report.exercice is None:
            return
        totaux = self._par_exercice.get(report.exercice)
        if totaux is None:
            totaux = self._par_exercice[report.exercice] = Totaux(report.exercice, self.regles)
        totaux.add(report)

    def follow(self, reports: Iterable[R]) -> Iterator[R]:
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
