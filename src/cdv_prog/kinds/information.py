"""Une information donnée au chargé de mission quand la condition s'applique.

Ce que la règle vérifie :
    Rien : la règle est toujours conforme quand sa condition ``si`` est
    remplie, et son ``message`` est alors affiché ; sinon elle est sans objet.

Pourquoi :
    Certaines dispositions du contrat n'excluent rien mais ouvrent une
    possibilité à signaler à l'instruction, par exemple le « bonus financier »
    des projets innovants annuels hors CPO (ch. 4).

Exemple :
    .. code-block:: yaml

        bonus-innovation:
          type: information
          gravite: information
          message: "action innovante annuelle hors CPO : peut recevoir le bonus financier"
          si: {innovante: true, cpo: false}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, ok
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.information import Parametres

TYPE: Final = "information"
PORTEE: Final = "dossier"
CHAMP: str | None = None  # no dossier field: findings point at the top of the file


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    return ok(p.message)


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
