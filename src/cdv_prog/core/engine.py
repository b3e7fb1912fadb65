"""The engine: a pure function from (dossier, rule set) to constats and a verdict.

No I/O here (the one rule of this package). The engine — not the rule kinds —
attaches each constat's rule id, gravité and source, applies the ``si:``
condition and the ``conseil`` text. The same :func:`appliquer` runs the
programmation rules over a whole exercice.
"""

from __future__ import annotations

from dataclasses import replace

from cdv_prog.core import derogations
from cdv_prog.core.context import Contexte, ContexteProgrammation
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.findings import Constat
from cdv_prog.core.historique import Historique
from cdv_prog.core.montants import Montants
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles, Regle
from cdv_prog.core.vocab import Statut, Verdict


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
        found = _CONSTATS[key] = Constat(regle.id, regle.gravite, statut, message, regle.source)
    return found


def evaluer(
    dossier: Dossier, regles: JeuDeRegles, montants: Montants | None = None, historique: Historique | None = None
) -> list[Constat]:
    """Every dossier rule of the set, in the order of the rules files (``historique``: earlier exercices, §5)."""
    montants = montants if montants is not None else Montants.of(dossier, regles)
    ctx = Contexte(dossier, regles, montants)
    if historique is None:
        return [evaluer_regle(regle, ctx) for regle in regles.regles.values()]
    # the history goes only to the rules that read it (their kind, or their ``si:``); the others never see it
    avec = Contexte(dossier, regles, montants, ctx.cache, historique=historique)
    return [evaluer_regle(regle, avec if lit_historique(regle) else ctx) for regle in regles.regles.values()]


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
    constats = evaluer(dossier, regles, montants, historique)
    report = DossierReport(
        fichier,
        verdict(constats),
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
