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

from typing import Annotated, Final

from pydantic import Field

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, ok
from cdv_prog.kinds.base import Parametres as BaseParametres

TYPE: Final = "information"
PORTEE: Final = "dossier"
CHAMP: str | None = None  # no dossier field: findings point at the top of the file


class Parametres(BaseParametres):
    message: Annotated[str, Field(min_length=1)]


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    return ok(p.message)


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
