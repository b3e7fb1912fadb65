"""Le total retenu de chaque financeur tient dans son enveloppe de l'exercice.

Ce que la règle vérifie :
    Pour chaque financeur dont l'enveloppe de l'exercice est renseignée (section
    ``enveloppes`` des règles, valeurs datées) — ou seulement ceux de la liste
    ``financeurs`` si elle est donnée —, la somme des montants retenus
    (``accorde`` sinon ``montant``) sur les dossiers **éligibles** de l'exercice
    ne doit pas dépasser l'enveloppe, au centime près. Seules comptent les
    lignes du **périmètre** de l'enveloppe (``perimetre`` : nature
    ``specifique`` ou ``droit-commun`` de la ligne, dossier sous CPO ou non) ;
    sans périmètre, toutes les lignes du financeur. Chaque **sous-enveloppe**
    renseignée pour l'exercice est vérifiée de même, sur son propre périmètre,
    et le message la nomme. Un financeur sans enveloppe renseignée n'est pas
    concerné ; sans aucune enveloppe, la règle est sans objet.

Pourquoi :
    Les fiches des financeurs (ch. 5) fixent une « enveloppe prévisionnelle
    crédits spécifiques allouée à l'appel à projets "engagement quartier
    2030" » (Agglo « 261 000 € dont 185 000 € de crédits spécifiques pour
    l'appel à projets annuel », Ville 100 000 €…) : le COPIL ne peut pas
    valider une programmation qui la dépasse.

Exemple :
    .. code-block:: yaml

        enveloppe-respectee:
          type: enveloppe-respectee
          gravite: bloquant

    Agglo, sous-enveloppe « Appel à projets annuel » (crédits spécifiques,
    hors CPO) : 185 000,01 € retenus pour 185 000,00 € → échec (dépassement
    de 0,01 €) ; 185 000,00 € tout juste → conforme. Une ligne FIPD de l'État
    (droit commun) ne compte pas dans une enveloppe de crédits spécifiques.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import ContexteProgrammation
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.money import euros, percent
from cdv_prog.core.montants import TotalFinanceur, TotalSousEnveloppe
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.enveloppe_respectee import Parametres

TYPE: Final = "enveloppe-respectee"
PORTEE: Final = "programmation"


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: ContexteProgrammation, p: Parametres) -> Resultat:
    concernes: list[tuple[str, TotalFinanceur | TotalSousEnveloppe, Decimal]] = []
    for t in ctx.financeurs:
        if p.financeurs is not None and t.financeur not in p.financeurs:
            continue
        if t.enveloppe is not None:
            concernes.append((ctx.nom(t.financeur), t, t.enveloppe))
        for s in t.sous_enveloppes:
            if s.enveloppe is not None:
                concernes.append((f"{ctx.nom(t.financeur)}, sous-enveloppe « {s.nom} »", s, s.enveloppe))
    if not concernes:
        return sans_objet(f"aucune enveloppe renseignée pour l'exercice {ctx.exercice}")
    depasses = [(nom, t, enveloppe) for nom, t, enveloppe in concernes if t.retenu > enveloppe]
    if depasses:
        return echec(
            " ; ".join(
                f"{nom} : {euros(t.retenu)} retenus pour une enveloppe de {euros(enveloppe)} "
                f"(dépassement de {euros(t.retenu - enveloppe)})"
                for nom, t, enveloppe in depasses
            )
        )
    return ok(
        "dans l'enveloppe : "
        + ", ".join(
            f"{nom} {euros(t.retenu)} sur {euros(enveloppe)}" + (f" ({percent(t.taux)})" if t.taux is not None else "")
            for nom, t, enveloppe in concernes
        )
    )
