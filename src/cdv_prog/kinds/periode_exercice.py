"""La période de l'action rencontre l'année de l'exercice.

Ce que la règle vérifie :
    L'action (``action.debut`` à ``action.fin``) doit avoir au moins un jour
    dans l'année civile de l'``exercice`` : ``debut`` au plus tard le 31
    décembre de l'exercice et ``fin`` au plus tôt le 1er janvier. Une action
    qui déborde sur l'année suivante ou précédente reste conforme (la règle
    ``annee-civile`` dit, elle, quand une seule année est exigée).

Pourquoi :
    L'enveloppe de l'Agglo distingue des « crédits spécifiques pour l'appel à
    projets annuel » (ch. 5) : un dossier de l'exercice N finance une action
    qui se déroule, au moins en partie, en N. Une action entièrement en 2024
    déposée sur l'exercice 2025 est presque toujours une erreur d'exercice ou
    de dates.

Exemple :
    .. code-block:: yaml

        action-exercice:
          type: periode-exercice
          gravite: avertissement

    Exercice 2025 : action du 2024-09-01 au 2025-01-01 → conforme ; du
    2024-09-01 au 2024-12-31 → échec ; du 2026-01-01 au 2026-06-30 → échec.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.kinds.base import date_fr, parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.periode_exercice import Parametres

TYPE: Final = "periode-exercice"
PORTEE: Final = "dossier"
CHAMP: Final = "action.debut"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    debut, fin, n = ctx.dossier.action.debut, ctx.dossier.action.fin, ctx.exercice
    span = f"action du {date_fr(debut)} au {date_fr(fin)}"
    if debut > dt.date(n, 12, 31):
        return echec(f"{span} : commence après l'exercice {n} ; exercice ou dates à vérifier")
    if fin < dt.date(n, 1, 1):
        return echec(f"{span} : terminée avant l'exercice {n} ; exercice ou dates à vérifier")
    return ok(f"{span} : se déroule au moins en partie en {n}")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
