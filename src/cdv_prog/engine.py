"""The engine: a pure function from (dossier, rule set) to constats and a verdict.

No I/O here. The engine — not the rule kinds — attaches each constat's rule id,
gravité and source, applies the ``si:`` condition and the ``conseil`` text.
"""

from __future__ import annotations

from typing import Any, Literal

from .constat import Constat
from .dossier import Dossier
from .kinds.base import Contexte
from .regles import Regle, RuleSet

Verdict = Literal["eligible", "ineligible", "invalide"]


def evaluer_regle(regle: Regle, ctx: Contexte) -> Constat:
    reason = regle.condition.non_applicable(ctx)
    if reason is not None:
        return Constat(regle.id, regle.gravite, "sans-objet", f"sans objet : {reason}", regle.source)
    return appliquer(regle, ctx)


def appliquer(regle: Regle, ctx: Any) -> Constat:
    """The rule's kind on ``ctx`` (anything with ``exercice`` and ``regles``: a dossier, a programmation)."""
    params, missing = regle.parametres(ctx.exercice, ctx.regles)
    if params is None:
        return Constat(regle.id, regle.gravite, "sans-objet", f"sans objet : {missing}", regle.source)
    result = regle.kind.verifier(ctx, params)
    message = result.message
    if result.statut == "echec" and regle.conseil:
        message = f"{message}. {regle.conseil}"
    elif result.statut == "sans-objet" and not message.startswith("sans objet"):
        message = f"sans objet : {message}"
    return Constat(regle.id, regle.gravite, result.statut, message, regle.source)


def evaluer(dossier: Dossier, regles: RuleSet) -> list[Constat]:
    """Every rule of the set, in the order of the rules files."""
    ctx = Contexte(dossier, regles)
    return [evaluer_regle(regle, ctx) for regle in regles.regles.values()]


def verdict(constats: list[Constat]) -> Verdict:
    if any(c.statut == "echec" and c.gravite == "bloquant" for c in constats):
        return "ineligible"
    return "eligible"
