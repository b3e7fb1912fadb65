"""Le total retenu de chaque financeur tient dans son enveloppe de l'exercice.

Ce que la règle vérifie :
    Pour chaque financeur dont l'enveloppe de l'exercice est renseignée (section
    ``enveloppes`` des règles, valeurs datées) — ou seulement ceux de la liste
    ``financeurs`` si elle est donnée —, la somme des montants retenus
    (``accorde`` sinon ``montant``) sur les dossiers **éligibles** de l'exercice
    ne doit pas dépasser l'enveloppe, au centime près. Un financeur sans
    enveloppe renseignée n'est pas concerné ; sans aucune enveloppe, la règle
    est sans objet.

Pourquoi :
    Les fiches des financeurs (ch. 5) fixent une « enveloppe prévisionnelle
    crédits spécifiques allouée à l'appel à projets "engagement quartier
    2030" » (Agglo 185 000 € pour l'appel à projets annuel, Ville 100 000 €…) :
    le COPIL ne peut pas valider une programmation qui la dépasse.

Exemple :
    .. code-block:: yaml

        enveloppe-respectee:
          type: enveloppe-respectee
          gravite: bloquant

    Agglo : 185 000,01 € retenus pour une enveloppe de 185 000,00 € → échec
    (dépassement de 0,01 €) ; 185 000,00 € tout juste → conforme.
"""

from __future__ import annotations

from typing import Final

from cdv_prog.core.context import ContexteProgrammation
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.money import euros, percent
from cdv_prog.kinds.base import CodeFinanceur
from cdv_prog.kinds.base import Parametres as BaseParametres

TYPE: Final = "enveloppe-respectee"
PORTEE: Final = "programmation"


class Parametres(BaseParametres):
    financeurs: list[CodeFinanceur] | None = None


def verifier(ctx: ContexteProgrammation, p: Parametres) -> Resultat:
    concernes = [
        (t, t.enveloppe)
        for t in ctx.financeurs
        if t.enveloppe is not None and (p.financeurs is None or t.financeur in p.financeurs)
    ]
    if not concernes:
        return sans_objet(f"aucune enveloppe renseignée pour l'exercice {ctx.exercice}")
    depasses = [(t, enveloppe) for t, enveloppe in concernes if t.depassement]
    if depasses:
        return echec(
            " ; ".join(
                f"{ctx.nom(t.financeur)} : {euros(t.retenu)} retenus pour une enveloppe de {euros(enveloppe)} "
                f"(dépassement de {euros(t.retenu - enveloppe)})"
                for t, enveloppe in depasses
            )
        )
    return ok(
        "dans l'enveloppe : "
        + ", ".join(
            f"{ctx.nom(t.financeur)} {euros(t.retenu)} sur {euros(enveloppe)}"
            + (f" ({percent(t.taux)})" if t.taux is not None else "")
            for t, enveloppe in concernes
        )
    )
