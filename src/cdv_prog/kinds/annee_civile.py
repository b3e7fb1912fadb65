"""L'action se déroule dans une seule année civile, celle de l'exercice.

Ce que la règle vérifie :
    ``action.debut`` et ``action.fin`` tombent dans la même année civile, et
    cette année est l'``exercice`` du dossier (si ``egale-exercice`` vaut
    true, par défaut).

Pourquoi :
    « La présentation d'un budget sur l'année civile sera privilégiée, la Caf
    ne pouvant intervenir sur deux exercices » : une action de septembre N à
    mai N+1 se dépose en deux dossiers, l'un pour N, l'autre pour N+1 (ch. 5).

Exemple :
    .. code-block:: yaml

        caf-exercice-unique:
          type: annee-civile
          si: {finance: caf}

    Action du 2025-09-01 au 2026-06-30 → échec : à scinder en un dossier 2025
    (septembre-décembre) et un dossier 2026.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import date_fr, parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.annee_civile import Parametres

TYPE: Final = "annee-civile"
PORTEE: Final = "dossier"
CHAMP: Final = "action.debut"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    debut, fin = ctx.dossier.action.debut, ctx.dossier.action.fin
    span = f"action du {date_fr(debut)} au {date_fr(fin)}"
    if debut.year != fin.year:
        return echec(
            f"{span} : sur deux années civiles ; déposer un dossier pour {debut.year} "
            f"(jusqu'au 31/12/{debut.year}) et un autre pour {fin.year}"
        )
    if p.egale_exercice and debut.year != ctx.exercice:
        return echec(f"{span} : hors de l'exercice {ctx.exercice}")
    return ok(f"{span} : dans l'année {debut.year}")


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """Split over two years: this dossier keeps the exercice's part (« scinder : un dossier 2025 … et un dossier 2026 »)."""
    debut, fin = ctx.dossier.action.debut, ctx.dossier.action.fin
    if debut.year == fin.year:
        return None  # one year, but not the exercice's: the exercice or the dates are to check, no simple move
    n = ctx.exercice if debut.year <= ctx.exercice <= fin.year else debut.year
    garde_debut, garde_fin = max(debut, dt.date(n, 1, 1)), min(fin, dt.date(n, 12, 31))
    changements = []
    if garde_debut != debut:
        changements.append(Changement("action.debut", debut.isoformat(), garde_debut.isoformat()))
    if garde_fin != fin:
        changements.append(Changement("action.fin", fin.isoformat(), garde_fin.isoformat()))
    autres = ", ".join(str(y) for y in range(debut.year, fin.year + 1) if y != n)
    phrase = (
        f"scinder : un dossier {n} ({garde_debut:%d/%m}–{date_fr(garde_fin)}) et un dossier {autres} "
        f"pour le reste de l'action"
    )
    return Remede(phrase, tuple(changements))


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
