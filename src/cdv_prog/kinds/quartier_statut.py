"""Au moins un quartier de l'action a l'un des statuts demandés (QPV par défaut).

Ce que la règle vérifie :
    Parmi les ``quartiers`` de l'action, au moins un doit avoir un statut de
    la liste ``statuts`` (défaut : ``[qpv]``) dans le référentiel des
    quartiers des règles, ou figurer dans la liste facultative ``quartiers``
    (codes du référentiel : une lettre de cadrage peut y ouvrir un quartier
    de veille précis). ``hors-qpv`` n'a aucun statut. En échec, le message
    nomme le cas de l'action : pour chaque cas présent parmi ses quartiers
    (un statut du référentiel, ``veille`` par exemple, ou ``hors-qpv`` : hors
    géographie prioritaire), il ajoute le texte que ``precisions`` donne à ce
    cas.

Pourquoi :
    Les crédits spécifiques de la politique de la ville vont aux quartiers
    prioritaires ; une action ailleurs (quartier de veille, « poche de
    pauvreté ») ne peut être financée que par l'enveloppe départementale du
    programme 147 de l'État (ch. 2 « Intelligence du territoire et des
    situations »).

Exemple :
    .. code-block:: yaml

        quartier-prioritaire:
          type: quartier-statut
          statuts: [qpv]
          precisions:
            veille: le contrat « sera attentif et mobilisé » sur les quartiers de veille
            hors-qpv: seule l'enveloppe départementale du programme 147 peut la financer
          gravite: avertissement

    Une action à Aiguille-Trèbes (veille) seulement → réserve, avec la
    précision du cas « quartier de veille ».
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.vocab import HORS_QPV, STATUTS_QUARTIER_FR
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.quartier_statut import Parametres

TYPE: Final = "quartier-statut"
PORTEE: Final = "dossier"
CHAMP: Final = "action.quartiers"  # dossier field the rule is about (line of a finding)


def _cas(ctx: Contexte, code: str) -> str:
    """The case of a quartier for ``precisions``: its statut, or ``hors-qpv``."""
    q = ctx.regles.quartiers.get(code)
    return q.statut if q else HORS_QPV


def _label(ctx: Contexte, code: str) -> str:
    """``L'Aiguille (Trèbes) (quartier de veille)``; ``hors géographie prioritaire`` for ``hors-qpv``."""
    q = ctx.regles.quartiers.get(code)
    return f"{q.nom} ({STATUTS_QUARTIER_FR[q.statut][0]})" if q else "hors géographie prioritaire"


def _nom(ctx: Contexte, code: str) -> str:
    q = ctx.regles.quartiers.get(code)
    return q.nom if q else code


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    quartiers = ctx.dossier.action.quartiers
    by_statut = [c for c in quartiers if c in ctx.regles.quartiers and ctx.regles.quartiers[c].statut in p.statuts]
    matching = [c for c in quartiers if c in by_statut or c in p.quartiers]
    wanted = " ou ".join(STATUTS_QUARTIER_FR[s][0] for s in p.statuts)
    also = ", ".join(_nom(ctx, c) for c in p.quartiers)
    if matching:
        shown = ", ".join(_nom(ctx, c) if c in by_statut else _label(ctx, c) for c in matching)
        return ok(f"action en {wanted}{f' ou à {also}' if also else ''} : {shown}")
    cas = dict.fromkeys(_cas(ctx, c) for c in quartiers)
    precisions = "".join(f" ; {p.precisions[c]}" for c in cas if c in p.precisions)
    return echec(
        f"aucun quartier de l'action n'est un {wanted}{f' ni {also}' if also else ''} : "
        + ", ".join(_label(ctx, c) for c in dict.fromkeys(quartiers))
        + precisions
    )


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
