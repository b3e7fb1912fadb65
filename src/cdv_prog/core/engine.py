"""The engine: a pure function from (dossier, rule set) to constats and a verdict.

No I/O here (the one rule of this package). The engine — not the rule kinds —
attaches each constat's rule id, gravité and source, applies the ``si:``
condition and the ``conseil`` text. The same :func:`appliquer` runs the
programmation rules over a whole exercice.
"""

from __future__ import annotations

import operator
from dataclasses import replace
from typing import TYPE_CHECKING

from cdv_prog.core import derogations
from cdv_prog.core.context import Contexte, ContexteProgrammation
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.findings import Constat
from cdv_prog.core.historique import Historique
from cdv_prog.core.montants import Montants
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles, Regle
from cdv_prog.core.vocab import Statut, Verdict

if TYPE_CHECKING:
    from cdv_prog.core.valeurs import Valeurs


def evaluer_regle(regle: Regle, ctx: Contexte) -> Constat:
    condition = regle.condition
    if not condition.vide:  # most rules have no ``si:``
        reason = condition.non_applicable(ctx)
        if reason is not None:
            return constat(regle, "sans-objet", "sans objet : " + reason)
    result = appliquer(regle, ctx)
    if condition.finance_n_1 is not None and result.statut != "sans-objet":
        hypotheses = condition.hypotheses(ctx)
        if hypotheses:  # what the condition assumed, said with the result
            return constat(regle, result.statut, f"{result.message} ({' ; '.join(hypotheses)})")
    return result


def appliquer(regle: Regle, ctx: Contexte | ContexteProgrammation) -> Constat:
    """The rule's kind on ``ctx``: one dossier, or one exercice for a programmation rule."""
    params, missing = regle.parametres(ctx.exercice, ctx.regles)
    if params is None:
        return constat(regle, "sans-objet", f"sans objet : {missing}")
    statut, message = regle.kind.verifier(ctx, params)
    if statut == "echec":
        if regle.conseil:
            message = f"{message}. {regle.conseil}"
    elif statut == "sans-objet" and not message.startswith("sans objet"):
        message = "sans objet : " + message
    return constat(regle, statut, message)


_CONSTATS: dict[tuple[str, str, str, str, str], Constat] = {}
_CONSTATS_MAX = 4096
_ETAPE_MAX = 128  # per rule and statut: the messages that repeat are few (the others hold memory for nothing)


def constat(regle: Regle, statut: Statut, message: str) -> Constat:
    """The constat of ``regle`` with this statut and message: one object for equal values.

    A rule says the same thing of many dossiers (« sans objet : CAF ne finance pas le
    dossier »): the constat is built once and shared — it is frozen, and keyed by every
    one of its fields, so a shared one is equal in all to the one it stands for. The
    table is bounded: when full it starts again (the messages with amounts rarely repeat).
    """
    key = (regle.id, regle.gravite, statut, message, regle.source)
    found = _CONSTATS.get(key)
    if found is None:
        if len(_CONSTATS) >= _CONSTATS_MAX:
            _CONSTATS.clear()
        found = _CONSTATS[key] = Constat.nouveau(regle.id, regle.gravite, statut, message, regle.source)
    return found


def evaluer(
    dossier: Dossier, regles: JeuDeRegles, montants: Montants | None = None, historique: Historique | None = None
) -> list[Constat]:
    """Every dossier rule of the set, in the order of the rules files (``historique``: earlier exercices, §5)."""
    return _evaluer(dossier, regles, montants if montants is not None else Montants.of(dossier, regles), historique)[0]


class _Etape:
    """What the engine needs of one rule for one exercice, computed once (:func:`_plan`).

    The same as :func:`evaluer_regle` gives, without asking the rule again for each dossier: its
    ``si:`` (None when empty), its parameters in force (or the constat saying why it has none), its
    kind's check, its advice, and its constats already made, by message (bounded, as
    :func:`constat`'s table: a shared constat is equal in all to the one it stands for).
    """

    __slots__ = (
        "condition",
        "conseil",
        "constats",
        "exercice",
        "fixe",
        "historique",
        "hypotheses",
        "params",
        "regle",
        "regles",
        "verifier",
    )

    def __init__(self, regle: Regle, exercice: int, regles: JeuDeRegles) -> None:
        condition = regle.condition
        self.regle = regle
        self.regles = regles
        self.exercice = exercice
        self.condition = None if condition.vide else condition.epreuve(regles)  # its ``si:`` (non_applicable)
        self.hypotheses = condition.finance_n_1 is not None
        self.historique = lit_historique(regle)
        self.params: Valeurs | None = None  # read when a dossier first reaches them (:meth:`parametres`)
        self.fixe: Constat | None = None  # the constat of a rule without parameters for the exercice
        self.verifier = regle.kind.verifier
        self.conseil = f". {regle.conseil}" if regle.conseil else None
        # one table per statut, keyed by message; "raison" keyed by the reason a ``si:`` gives
        self.constats: dict[str, dict[str, Constat]] = {"ok": {}, "echec": {}, "sans-objet": {}, "raison": {}}

    def parametres(self) -> Valeurs | None:
        """The rule's parameters in force, read once (as :func:`appliquer` reads them); None: :attr:`fixe` says why."""
        params, missing = self.regle.parametres(self.exercice, self.regles)
        if params is None:
            self.fixe = constat(self.regle, "sans-objet", f"sans objet : {missing}")
        else:
            self.params = params
        return params

    def constat(self, statut: Statut, message: str) -> Constat:
        table = self.constats[statut]
        found = table.get(message)
        if found is None:
            if len(table) >= _ETAPE_MAX:
                table.clear()
            regle = self.regle
            found = table[message] = Constat.nouveau(regle.id, regle.gravite, statut, message, regle.source)
        return found


# (id of the rule set, exercice) → (its rules, kept alive so that their ids are not reused; their steps)
_PLANS: dict[tuple[int, int], tuple[tuple[Regle, ...], list[_Etape]]] = {}
_PLANS_MAX = 64


def _plan(regles: JeuDeRegles, exercice: int) -> list[_Etape]:
    """The steps of the set's dossier rules for ``exercice``, in order: made once per rule set and exercice.

    Kept while the set holds the very same rule objects (a rule set given other rules gets new steps).
    """
    rules = tuple(regles.regles.values())
    key = (id(regles), exercice)
    found = _PLANS.get(key)
    if found is not None and len(found[0]) == len(rules) and all(map(operator.is_, found[0], rules)):
        return found[1]
    etapes = [_Etape(regle, exercice, regles) for regle in rules]
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[key] = (rules, etapes)
    return etapes


def _evaluer(
    dossier: Dossier, regles: JeuDeRegles, montants: Montants, historique: Historique | None
) -> tuple[list[Constat], bool]:
    """:func:`evaluer`, and whether a bloquant rule failed (the verdict): each rule as :func:`evaluer_regle` does.

    The history goes only to the rules that read it (their kind, or their ``si:``); the others never see it.
    """
    ctx = Contexte(dossier, regles, montants)
    avec = ctx if historique is None else Contexte(dossier, regles, montants, ctx.cache, historique=historique)
    out: list[Constat] = []
    bloque = False
    for etape in _plan(regles, dossier.exercice):
        c = avec if etape.historique else ctx
        condition = etape.condition
        if condition is not None:
            reason = condition(c)
            if reason is not None:
                table = etape.constats["raison"]
                found = table.get(reason)
                if found is None:
                    if len(table) >= _ETAPE_MAX:
                        table.clear()
                    found = table[reason] = etape.constat("sans-objet", "sans objet : " + reason)
                out.append(found)
                continue
        params = etape.params
        if params is None:
            fixe = etape.fixe
            if fixe is not None or (params := etape.parametres()) is None:
                out.append(fixe or etape.fixe)  # type: ignore[arg-type]  # set when there are no parameters
                continue
        statut, message = etape.verifier(c, params)
        if statut == "echec":
            if etape.conseil is not None:
                message += etape.conseil
            if etape.regle.gravite == "bloquant":
                bloque = True
        elif statut == "sans-objet" and not message.startswith("sans objet"):
            message = "sans objet : " + message
        if etape.hypotheses and statut != "sans-objet":
            hypotheses = etape.regle.condition.hypotheses(c)
            if hypotheses:  # what the condition assumed, said with the result
                message = f"{message} ({' ; '.join(hypotheses)})"
        out.append(etape.constat(statut, message))
    return out, bloque


def lit_historique(regle: Regle) -> bool:
    """The rule reads the history (SPEC §5): its kind declares ``HISTORIQUE = True``, or its condition does."""
    return regle.condition.historique_lu or bool(getattr(regle.kind, "HISTORIQUE", False))


def evaluer_programmation(ctx: ContexteProgrammation) -> list[Constat]:
    """Every programmation rule of the set, over one exercice, in the order of the rules files."""
    sans = replace(ctx, historique=None) if ctx.historique is not None else ctx
    return [appliquer(regle, ctx if lit_historique(regle) else sans) for regle in ctx.regles.programmation.values()]


def verdict(constats: list[Constat]) -> Verdict:
    if any(c.statut == "echec" and c.gravite == "bloquant" for c in constats):
        return "ineligible"
    return "eligible"


def juger(dossier: Dossier, regles: JeuDeRegles, fichier: str, historique: Historique | None = None) -> DossierReport:
    """The report of a valid dossier: its amounts (computed here, once), constats and verdict."""
    montants = Montants.of(dossier, regles)
    constats, bloque = _evaluer(dossier, regles, montants, historique)
    report = DossierReport(
        fichier,
        "ineligible" if bloque else "eligible",
        id=dossier.id,
        exercice=dossier.exercice,
        constats=constats,
        montants=montants,
        dossier=dossier,
    )
    appliquer_derogations(report, regles)
    return report


def appliquer_derogations(report: DossierReport, regles: JeuDeRegles) -> None:
    """The COPIL's dérogations (core/derogations.py) on a judged report: the constats stay ``echec``.

    Applied to the constats as computed (never to an already-derogated report): by :func:`juger`, and
    by the cache on a report read back, which stores the computed truth only.
    """
    if report.id is None or report.exercice is None or report.verdict == "invalide":
        return
    recorded = regles.derogations.get(report.id)
    if not recorded:
        return
    effet = derogations.appliquer(report.constats, recorded, report.id, report.exercice)
    if effet is not None:
        report.constats = effet.constats
        report.derogations_sans_objet = effet.sans_objet
        if effet.eligible:
            report.verdict = "eligible"
            report.derogation = effet.derogation
