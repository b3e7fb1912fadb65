"""Une date du dossier est présente et au plus tard à une échéance de l'année.

Ce que la règle vérifie :
    La date ``champ`` (``bilan-precedent.envoye-le``) doit être renseignée et
    tomber au plus tard le ``jour``/``mois`` de l'année de l'exercice
    (décalée de ``decalage-annees``, 0 par défaut). L'échéance elle-même est
    acceptée (« avant le 30 avril » : le 30 avril passe, le 1er mai non).
    Facultatif, ``au-plus-tot`` (``{mois, jour, decalage-annees}``) borne la
    date par en dessous, borne comprise : un bilan de l'action de N-1 ne peut
    être envoyé avant le 1er janvier de N-1.

Pourquoi :
    Pour renouveler une action financée l'année précédente, la CAF exige le
    bilan « avant le 30 avril de l'année suivante » (ch. 5, CAF).

Exemple :
    .. code-block:: yaml

        caf-bilan-renouvellement:
          type: date-limite
          champ: bilan-precedent.envoye-le
          mois: 4
          jour: 30
          au-plus-tot: {mois: 1, jour: 1, decalage-annees: -1}
          si: {finance: caf, renouvellement: true}

    Exercice 2025, bilan envoyé le 2025-04-30 → conforme ; le 2025-05-01 →
    échec ; le 2024-01-01 → conforme ; le 2023-12-31 → échec ; pas de bilan
    → échec.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.kinds.base import date_fr, parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.date_limite import Borne, Parametres

TYPE: Final = "date-limite"
PORTEE: Final = "dossier"
CHAMP: str | None = None  # the field is the rule's ``champ`` parameter (line of a finding)

CHAMPS = {
    "bilan-precedent.envoye-le": lambda d: d.bilan_precedent.envoye_le if d.bilan_precedent else None,
    "action.debut": lambda d: d.action.debut,
    "action.fin": lambda d: d.action.fin,
}
DATES = {  # each date in words, for the messages (the field stays the finding's location)
    "bilan-precedent.envoye-le": "date d'envoi du bilan de l'année précédente",
    "action.debut": "date de début de l'action",
    "action.fin": "date de fin de l'action",
}


def echeance(p: Parametres | Borne, exercice: int) -> dt.date:
    """The deadline for an exercice; never outside the calendar (years are bounded at load anyway)."""
    year = min(max(exercice + p.decalage_annees, dt.MINYEAR), dt.MAXYEAR)
    try:
        return dt.date(year, p.mois, p.jour)
    except ValueError:  # 29 February of a common year
        return dt.date(year, p.mois, 28)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    limit = echeance(p, ctx.exercice)
    value = CHAMPS[p.champ](ctx.dossier)
    what = DATES[p.champ]
    debut = echeance(p.au_plus_tot, ctx.exercice) if p.au_plus_tot is not None else None
    attendue = f"entre le {date_fr(debut)} et le {date_fr(limit)}" if debut else f"au plus tard le {date_fr(limit)}"
    if value is None:
        return echec(f"{what} non renseignée ; attendue {attendue}")
    if debut is not None and value < debut:
        return echec(f"{what} : {date_fr(value)}, avant le {date_fr(debut)} (attendue {attendue})")
    if value <= limit:
        return ok(f"{what} : {date_fr(value)}, {attendue}")
    return echec(f"{what} : {date_fr(value)}, après l'échéance du {date_fr(limit)}")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
