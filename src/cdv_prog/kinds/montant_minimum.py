"""Plancher : chaque financeur concerné qui finance apporte au moins un montant minimum.

Ce que la règle vérifie :
    Pour chaque financeur qui finance le dossier (total retenu > 0) et qui
    appartient aux ``groupes`` (ou à la liste ``financeurs``) visés — tous si
    aucun n'est donné —, hors ``sauf-groupes`` (par exemple ``[prive]``), son
    total retenu (somme de ses lignes, ``accorde`` sinon ``montant``) doit être
    supérieur ou égal à ``minimum``. Un financeur à 0 € ne finance pas et n'est
    pas concerné.

Pourquoi :
    « Un plancher minimal de 500 € par financeur est fixé pour le financement
    des actions » (contrat de ville, ch. 4) ; le Département fixe aussi un
    « octroi financier minimal de 500,00 euros ».

Exemple :
    .. code-block:: yaml

        plancher-financeur:
          type: montant-minimum
          minimum: {2024: 500}
          sauf-groupes: [prive]

    Ville 450,00 € → échec « Ville : 450,00 € < plancher de 500,00 € » ;
    Ville 500,00 € tout juste → conforme ; une fondation privée à 300,00 € →
    non concernée.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import ZERO, euros
from cdv_prog.core.remedes import Remede
from cdv_prog.kinds.base import parametres_du_type
from cdv_prog.kinds.moves import Brouillon

if TYPE_CHECKING:
    from cdv_prog.core.lineaire import Contrainte
    from cdv_prog.kinds.parametres.montant_minimum import Parametres

TYPE: Final = "montant-minimum"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    retenus = ctx.montants.retenus  # the financeurs that finance, with their totals (as ctx.financent, ctx.total)
    concerned = [(c, total) for c, total in retenus.items() if total > ZERO and _concerne(ctx, p, c)]
    plancher = euros(p.minimum)
    below = [(c, total) for c, total in concerned if total < p.minimum]
    if below:
        return echec(" ; ".join(f"{ctx.nom(c)} : {euros(total)} < plancher de {plancher}" for c, total in below))
    if not concerned:
        return ok(f"aucun financeur concerné par le plancher de {plancher}")
    parts = [f"{ctx.nom(c)} {euros(total)}" for c, total in concerned]
    return ok(f"tous au moins au plancher de {plancher} : " + ", ".join(parts))


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """Each financeur under the floor raised to it (« porter Ville à 500,00 € (+50,00 €) ou retirer sa ligne »)."""
    brouillon = Brouillon(ctx)
    parts = []
    for code in _concernes(ctx, p):
        total = ctx.total(code)
        if total < p.minimum:
            brouillon.porter(code, p.minimum - total)
            parts.append(
                f"porter {ctx.nom(code)} à {euros(p.minimum)} (+{euros(p.minimum - total)}) ou retirer sa ligne"
            )
    return brouillon.remede(" ; ".join(parts)) if parts else None


def _concernes(ctx: Contexte, p: Parametres) -> list[str]:
    """The financeurs that finance the dossier and that the floor concerns (as :func:`verifier` selects them)."""
    return [code for code in ctx.financent if _concerne(ctx, p, code)]


def _concerne(ctx: Contexte, p: Parametres, code: str) -> bool:
    """The floor concerns this financeur (its code, or its groupe, selected by the parameters)."""
    if p.financeurs is not None and code not in p.financeurs:
        return False
    groupe = ctx.regles.financeurs[code].groupe
    return not ((p.groupes is not None and groupe not in p.groupes) or groupe in p.sauf_groupes)


def contraintes(ctx: Contexte, p: Parametres) -> list[Contrainte]:
    """For ``cdv arbitrage``: each concerned financeur at 0 or at least at the floor (:mod:`cdv_prog.core.lineaire`)."""
    from cdv_prog.core.lineaire import Finance, Total, au_moins  # cdv arbitrage only: not at every start

    out = []
    for code in ctx.montants.demandes:
        if not _concerne(ctx, p, code):
            continue
        out.append(
            au_moins(
                [(Decimal(1), Total(code)), (-p.minimum, Finance(code))],
                Decimal(0),
                f"plancher de {euros(p.minimum)} pour {ctx.nom(code)}",
            )
        )
    return out
