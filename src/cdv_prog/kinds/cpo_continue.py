"""Une CPO après sa première année continue le dossier de l'année précédente.

Ce que la règle vérifie :
    Pour une action sous CPO après la première année de la CPO, quand un
    historique des exercices précédents est fourni : le dossier nomme son
    dossier de l'année précédente (``action.precedent``), ce dossier est dans
    l'historique avec l'exercice N-1, il est sous CPO avec les mêmes
    ``annees``, et il a le même porteur (même SIRET quand les deux en ont un,
    sinon le même nom, sans tenir compte des majuscules, des accents ni des
    espaces répétés). Sans historique, la règle est sans objet
    (« historique non fourni »).

Pourquoi :
    La CPO porte « la volonté de financements simplifiés et lisibles sur 3
    ans » (ch. 2) : chaque dossier annuel d'une CPO prolonge le précédent, du
    même porteur, pour les mêmes années.

Exemple :
    .. code-block:: yaml

        cpo-continuite:
          type: cpo-continue
          si: {cpo-apres-premiere-annee: true, historique: true}
          gravite: avertissement

    Dossier 2025 d'une CPO 2024-2026 avec ``precedent: CDV-2024-007``, dossier
    2024 du même porteur sous CPO 2024-2026 → conforme ; CPO 2023-2025 dans le
    dossier 2024, autre porteur, ou pas de ``precedent`` → échec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.historique import HISTORIQUE_NON_FOURNI, meme_porteur, precedent
from cdv_prog.core.texte import short
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.cpo_continue import Parametres

TYPE: Final = "cpo-continue"
PORTEE: Final = "dossier"
CHAMP: Final = "action.precedent"  # dossier field the rule is about (line of a finding)
HISTORIQUE: Final = True  # the engine hands this kind the history (SPEC §5)


def _annees(annees: tuple[int, ...] | list[int]) -> str:
    return ", ".join(str(a) for a in sorted(annees))


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    d = ctx.dossier
    cpo = d.action.cpo
    if cpo is None:
        return sans_objet("l'action n'est pas sous CPO")
    if ctx.exercice <= min(cpo.annees):
        return sans_objet("première année de la CPO")
    if ctx.historique is None or not ctx.historique_disponible:
        return sans_objet(HISTORIQUE_NON_FOURNI)
    annee = ctx.exercice - 1
    if d.action.precedent is None:
        return echec(f"CPO sur {_annees(cpo.annees)} : le dossier ne nomme pas le dossier {annee} de l'action")
    ident = short(d.action.precedent)
    prec = precedent(ctx.historique, d)
    if prec is None:
        return echec(f"CPO sur {_annees(cpo.annees)} : dossier précédent « {ident} » de {annee} absent de l'historique")
    problemes = []
    if prec.annees_cpo is None:
        problemes.append("il n'est pas sous CPO")
    elif prec.annees_cpo != tuple(sorted(cpo.annees)):
        problemes.append(f"sa CPO porte sur {_annees(prec.annees_cpo)}")
    if not meme_porteur(prec.porteur, d.porteur):
        problemes.append(f"son porteur est « {short(prec.porteur.nom)} »")
    if problemes:
        return echec(f"CPO sur {_annees(cpo.annees)}, dossier précédent « {ident} » : " + " ; ".join(problemes))
    return ok(f"CPO sur {_annees(cpo.annees)} : continue le dossier « {ident} » de {annee}, même porteur")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
