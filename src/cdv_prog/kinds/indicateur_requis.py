"""Un indicateur oui/non du dossier a la valeur attendue.

Ce que la règle vérifie :
    Le champ ``champ`` du dossier (``elan``, ``action.innovante``,
    ``action.parentalite``, ``action.renouvellement``) doit valoir ``valeur``
    (true par défaut).

Pourquoi :
    « Les dossiers qui concerneraient des actions de soutien à la parentalité
    devront être déposés également sur la plateforme Elan afin de pouvoir
    bénéficier de financement au titre du REAAP » (ch. 5, CAF).

Exemple :
    .. code-block:: yaml

        caf-parentalite-elan:
          type: indicateur-requis
          champ: elan
          si: {finance: caf, parentalite: true}

    Action de parentalité financée par la CAF avec ``elan: false`` → réserve
    « le dossier n'est pas déposé sur la plateforme Elan ».
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.conditions import phrase
from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.indicateur_requis import Parametres

TYPE: Final = "indicateur-requis"
PORTEE: Final = "dossier"
CHAMP: str | None = None  # the field is the rule's ``champ`` parameter (line of a finding)

CHAMPS = {
    "elan": lambda d: d.elan,
    "action.innovante": lambda d: d.action.innovante,
    "action.parentalite": lambda d: d.action.parentalite,
    "action.renouvellement": lambda d: d.action.renouvellement,
}


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    actual = CHAMPS[p.champ](ctx.dossier)
    said = phrase(p.champ.removeprefix("action."), actual)  # « le dossier n'est pas déposé sur la plateforme Elan »
    return ok(said) if actual == p.valeur else echec(said)


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The indicator set (« déposer aussi sur Elan (elan: true) »)."""
    actual = CHAMPS[p.champ](ctx.dossier)
    if actual == p.valeur:
        return None
    avant, apres = ("true" if actual else "false"), ("true" if p.valeur else "false")
    quoi = "déposer aussi sur Elan" if p.champ == "elan" and p.valeur else f"indiquer {p.champ.removeprefix('action.')}"
    return Remede(f"{quoi} ({p.champ.removeprefix('action.')}: {apres})", (Changement(p.champ, avant, apres),))


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
