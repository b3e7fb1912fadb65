"""Le dispositif nommé par une ligne appartient à son financeur.

Ce que la règle vérifie :
    Pour chaque ligne de financement dont le ``dispositif`` est reconnu dans
    le référentiel des dispositifs (par son code ou un alias), le financeur
    de la ligne doit être l'un des financeurs de ce dispositif (un dispositif
    sans financeur, comme « droit commun », vaut pour tous). Une ligne sans
    dispositif, ou dont le dispositif n'est pas reconnu, n'est pas concernée ;
    sans aucune ligne concernée, la règle est sans objet.

Pourquoi :
    La nature d'une ligne (crédits spécifiques ou droit commun) se lit dans
    son dispositif, et les enveloppes de l'appel à projets ne comptent que les
    crédits spécifiques (ch. 5, « enveloppe prévisionnelle crédits
    spécifiques ») : une ligne Ville « BOP 147 » ou une ligne État « REAAP »
    est presque toujours une erreur de saisie à vérifier.

Exemple :
    .. code-block:: yaml

        dispositif-financeur:
          type: dispositif-financeur
          gravite: avertissement

    Ligne CAF « REAAP » → conforme ; ligne Ville « BOP 147 » → échec : le
    programme 147 est un dispositif de l'État.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.texte import short
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.dispositif_financeur import Parametres

TYPE: Final = "dispositif-financeur"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    reconnues = []
    ecarts = []
    for i, ligne in enumerate(ctx.montants.lignes, 1):
        if ligne.code_dispositif is None:
            continue
        d = ctx.regles.dispositifs[ligne.code_dispositif]
        reconnues.append(ligne)
        if d.financeurs is not None and ligne.financeur not in d.financeurs:
            ecarts.append(
                f"ligne {i} : {ctx.nom(ligne.financeur)} au titre de « {short(ligne.dispositif)} » "
                f"({d.nom}), dispositif de {ctx.noms(d.financeurs)}"
            )
    if ecarts:
        return echec(" ; ".join(ecarts) + " : financeur ou dispositif à vérifier")
    if not reconnues:
        return sans_objet("aucune ligne de financement ne nomme un dispositif du référentiel")
    return ok("chaque dispositif nommé appartient au financeur de sa ligne")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
