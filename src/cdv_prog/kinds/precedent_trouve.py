"""Le dossier précédent que nomme le dossier est dans l'historique, pour l'exercice N-1.

Ce que la règle vérifie :
    Quand le dossier nomme son dossier de l'année précédente
    (``action.precedent``) et qu'un historique des exercices précédents est
    fourni, ce dossier doit figurer dans l'historique avec l'exercice N-1. Un
    dossier d'un autre exercice ne compte pas comme précédent (pour cette
    règle comme pour toutes celles qui lisent le précédent). Sans
    ``action.precedent`` ou sans historique, la règle est sans objet
    (« historique non fourni »).

Pourquoi :
    Les années d'une CPO (ch. 2) et le renouvellement d'une action financée
    par la CAF l'année précédente (ch. 5) se lisent dans le dossier de
    l'année précédente : un lien qui ne mène nulle part est une faute de
    frappe ou un dossier manquant.

Exemple :
    .. code-block:: yaml

        precedent-coherent:
          type: precedent-trouve
          si: {precedent: true, historique: true}
          gravite: avertissement

    Dossier 2025 avec ``precedent: CDV-2024-031`` : CDV-2024-031 de 2024 dans
    l'historique → conforme ; absent, ou de 2023 → échec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.historique import HISTORIQUE_NON_FOURNI
from cdv_prog.core.texte import short
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.precedent_trouve import Parametres

TYPE: Final = "precedent-trouve"
PORTEE: Final = "dossier"
CHAMP: Final = "action.precedent"  # dossier field the rule is about (line of a finding)
HISTORIQUE: Final = True  # the engine hands this kind the history (SPEC §5)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    ident = ctx.dossier.action.precedent
    if ident is None:
        return sans_objet("le dossier ne nomme pas le dossier de l'action de l'année précédente")
    if ctx.historique is None or not ctx.historique_disponible:
        return sans_objet(HISTORIQUE_NON_FOURNI)
    attendu = ctx.exercice - 1
    found = ctx.historique.trouver(ident)
    if found is None:
        return echec(f"dossier précédent « {short(ident)} » absent de l'historique (exercice {attendu} attendu)")
    if found.exercice != attendu:
        return echec(
            f"dossier précédent « {short(ident)} » de l'exercice {found.exercice}, pas de {attendu} : "
            "il n'est pas retenu comme précédent"
        )
    return ok(f"dossier précédent « {short(ident)} » : exercice {attendu}, « {short(found.intitule)} »")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
