"""SIRET du porteur : quand il est donné, sa clé de contrôle (Luhn) est juste.

Ce que la règle vérifie :
    Si ``porteur.siret`` est renseigné (14 chiffres, vérifiés à la lecture du
    dossier), sa clé de contrôle doit être juste : la formule de Luhn sur les
    14 chiffres donne un multiple de 10. Sans SIRET, la règle est sans objet.
    Une clé fausse signale presque toujours une faute de frappe : le numéro
    est à vérifier avant la convention et le paiement.

Pourquoi :
    Le Cerfa n°12156 (demande de subvention) identifie l'association par son
    numéro SIRET, indispensable au versement de la subvention ; un numéro mal
    recopié retarde la convention et le paiement.

Exemple :
    .. code-block:: yaml

        siret-porteur:
          type: siret-valide
          gravite: avertissement

    SIRET ``12345678900012`` → échec « SIRET 12345678900012 : clé de contrôle
    (Luhn) incorrecte, numéro à vérifier » ; ``73282932000074`` → conforme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.kinds.base import Contexte, parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.siret_valide import Parametres

TYPE: Final = "siret-valide"
PORTEE: Final = "dossier"
CHAMP: Final = "porteur.siret"


def siret_luhn_ok(siret: str) -> bool:
    """The Luhn check of a SIRET (14 digits)."""
    total = 0
    for i, ch in enumerate(reversed(siret)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    siret = ctx.dossier.porteur.siret
    if siret is None:
        return sans_objet("pas de SIRET renseigné")
    if not siret_luhn_ok(siret):
        return echec(f"SIRET {siret} : clé de contrôle (Luhn) incorrecte, numéro à vérifier")
    return ok(f"SIRET {siret} : clé de contrôle juste")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
