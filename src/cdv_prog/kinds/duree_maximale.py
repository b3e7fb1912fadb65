"""L'action dure moins qu'un nombre d'années donné.

Ce que la règle vérifie :
    ``action.fin`` doit précéder ``action.debut`` + ``annees`` ans (1 par
    défaut), « + 1 an » étant le même jour du même mois l'année suivante ; le
    29 février + 1 an est le 1er mars. Une action du 2025-03-01 au 2026-02-28
    est conforme ; jusqu'au 2026-03-01, elle dure un an ou plus : échec.

Pourquoi :
    « Des financements pourront être accordés sur 3 ans à travers des
    conventions pluriannuelles d'objectifs (CPO) » (ch. 2) : hors CPO, le
    financement est annuel. Une action d'un an ou plus sans CPO est à scinder
    par exercice, ou à proposer en CPO.

Exemple :
    .. code-block:: yaml

        pluriannuelle-hors-cpo:
          type: duree-maximale
          annees: 1
          si: {cpo: false}
          gravite: avertissement

    Action du 2024-02-29 au 2025-02-28 → conforme ; au 2025-03-01 → échec.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import date_fr, parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.duree_maximale import Parametres

TYPE: Final = "duree-maximale"
PORTEE: Final = "dossier"
CHAMP: Final = "action.fin"  # dossier field the rule is about (line of a finding)


def plus_annees(date: dt.date, annees: int) -> dt.date:
    """The same day and month ``annees`` years later; 29 February becomes 1 March in a common year."""
    try:
        return date.replace(year=date.year + annees)
    except ValueError:  # 29 February
        return dt.date(date.year + annees, 3, 1)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    debut, fin = ctx.dossier.action.debut, ctx.dossier.action.fin
    limite = plus_annees(debut, p.annees)
    duree = "un an" if p.annees == 1 else f"{p.annees} ans"
    span = f"action du {date_fr(debut)} au {date_fr(fin)}"
    if fin < limite:
        return ok(f"{span} : moins de {duree}")
    return echec(
        f"{span} : {duree} ou plus (pour moins de {duree}, fin au plus tard le {date_fr(limite - dt.timedelta(days=1))})"
    )


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The end brought back under the limit (or the action split by exercice)."""
    debut, fin = ctx.dossier.action.debut, ctx.dossier.action.fin
    nouvelle = plus_annees(debut, p.annees) - dt.timedelta(days=1)
    if fin <= nouvelle:
        return None
    phrase = f"ramener la fin au {date_fr(nouvelle)} et déposer la suite dans un autre dossier"
    return Remede(phrase, (Changement("action.fin", fin.isoformat(), nouvelle.isoformat()),))


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
