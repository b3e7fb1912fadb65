"""La convention pluriannuelle (CPO) couvre le bon nombre d'années consécutives.

Ce que la règle vérifie :
    Si l'action est sous CPO (``action.cpo``), ses ``annees`` doivent être
    exactement ``duree`` années consécutives (3 par défaut), comprises dans la
    période du contrat, et contenir l'``exercice`` du dossier. Sans CPO, la
    règle est sans objet.

Pourquoi :
    « Pour certains projets ciblés, des financements pourront être accordés
    sur 3 ans à travers des conventions pluriannuelles d'objectifs (CPO) »
    (ch. 2, CPO).

Exemple :
    .. code-block:: yaml

        cpo-duree:
          type: duree-pluriannuelle
          duree: 3
          si: {cpo: true}

    ``annees: [2025, 2026, 2027]`` pour l'exercice 2025 → conforme ;
    ``[2025, 2027, 2028]`` → échec (années non consécutives).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.duree_pluriannuelle import Parametres

TYPE: Final = "duree-pluriannuelle"
PORTEE: Final = "dossier"
CHAMP: Final = "action.cpo"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    cpo = ctx.dossier.action.cpo
    if cpo is None:
        return sans_objet("l'action n'est pas sous CPO")
    annees = cpo.annees
    first, last = ctx.regles.contrat.periode
    shown = ", ".join(str(a) for a in annees)
    problems = []
    expected = list(range(min(annees), min(annees) + p.duree))
    if sorted(annees) != expected:
        problems.append(f"il faut {p.duree} années consécutives")
    outside = [a for a in annees if not first <= a <= last]
    if outside:
        problems.append(f"{', '.join(map(str, outside))} hors de la période du contrat ({first}-{last})")
    if ctx.exercice not in annees:
        problems.append(f"l'exercice {ctx.exercice} n'en fait pas partie")
    if problems:
        return echec(f"CPO sur {shown} : " + " ; ".join(problems))
    return ok(f"CPO sur {p.duree} ans : {shown}")


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The CPO's years set to ``duree`` consecutive years holding the exercice, inside the contract's period."""
    cpo = ctx.dossier.action.cpo
    if cpo is None:
        return None
    first, last = ctx.regles.contrat.periode
    debut = min(max(min(cpo.annees), ctx.exercice - p.duree + 1), ctx.exercice)  # keep its start when it can
    debut = max(first, min(debut, last - p.duree + 1))
    annees = list(range(debut, debut + p.duree))
    if ctx.exercice not in annees or annees == cpo.annees:
        return None
    avant, apres = "[" + ", ".join(map(str, cpo.annees)) + "]", "[" + ", ".join(map(str, annees)) + "]"
    return Remede(f"porter la CPO sur {', '.join(map(str, annees))}", (Changement("action.cpo.annees", avant, apres),))


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
