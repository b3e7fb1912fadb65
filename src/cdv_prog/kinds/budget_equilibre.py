"""Le budget prévisionnel est équilibré : produits = charges, au centime.

Ce que la règle vérifie :
    La somme des montants demandés (``montant`` de chaque ligne de
    financement) plus les ``autres-produits`` doit être égale au
    ``budget.total`` (les charges). Les contributions en nature (comptes 86/87)
    ne comptent pas. Un écart d'au plus ``tolerance`` (0 par défaut) est admis.

Pourquoi :
    Le budget prévisionnel du Cerfa n°12156 est présenté à l'équilibre : un
    dossier dont les financements ne couvrent pas exactement les charges n'est
    pas instructible en l'état.

Exemple :
    .. code-block:: yaml

        budget-equilibre:
          type: budget-equilibre

    Charges 12 000 €, financements demandés 10 500 € et autres produits
    1 000 € : échec, il manque 500,00 €.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import ZERO, euros
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import parametres_du_type
from cdv_prog.kinds.moves import texte

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.budget_equilibre import Parametres

TYPE: Final = "budget-equilibre"
PORTEE: Final = "dossier"
CHAMP: Final = "budget.total"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    budget = ctx.dossier.budget
    demande = sum((line.montant for line in ctx.dossier.financements), ZERO)
    produits = demande + budget.autres_produits
    ecart = produits - budget.total
    detail = (
        f"produits {euros(produits)} (financements demandés {euros(demande)} + autres produits "
        f"{euros(budget.autres_produits)}) ; charges {euros(budget.total)}"
    )
    if abs(ecart) <= p.tolerance:
        return ok(detail)
    sens = "excédent" if ecart > 0 else "manque"
    return echec(f"budget déséquilibré : {detail} ; {sens} de {euros(abs(ecart))}")


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """A shortfall made up by autres produits; a surplus taken off them, or off the budget's other side."""
    budget = ctx.dossier.budget
    demande = sum((line.montant for line in ctx.dossier.financements), ZERO)
    ecart = demande + budget.autres_produits - budget.total
    if abs(ecart) <= p.tolerance:
        return None
    autres = budget.autres_produits
    if ecart < 0:
        phrase = f"ajouter {euros(-ecart)} d'autres produits (ou ramener le budget à {euros(budget.total + ecart)})"
        return Remede(phrase, (Changement("budget.autres-produits", texte(autres), texte(autres - ecart)),))
    if autres >= ecart:
        phrase = f"retirer {euros(ecart)} des autres produits (ou porter le budget à {euros(budget.total + ecart)})"
        return Remede(phrase, (Changement("budget.autres-produits", texte(autres), texte(autres - ecart)),))
    phrase = f"porter le budget à {euros(budget.total + ecart)} (ou réduire les financements demandés)"
    return Remede(phrase, (Changement("budget.total", texte(budget.total), texte(budget.total + ecart)),))


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
