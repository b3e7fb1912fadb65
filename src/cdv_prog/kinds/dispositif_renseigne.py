"""Chaque ligne des financeurs listés précise son dispositif (la nature de l'aide).

Ce que la règle vérifie :
    Chaque ligne de financement de l'un des ``financeurs`` doit avoir un
    ``dispositif`` renseigné. La règle nomme les lignes qui n'en ont pas et
    rappelle les dispositifs du référentiel connus pour ce financeur.

Pourquoi :
    La CAF demande « la précision de la nature de l'aide apportée. Par exemple
    aide au titre du REAAP, prestation de service Caf (PSU, PSO) » (ch. 5).

Exemple :
    .. code-block:: yaml

        caf-nature-aide:
          type: dispositif-renseigne
          financeurs: [caf]
          si: {finance: caf}
          gravite: avertissement

    Ligne CAF de 2 000 € avec ``dispositif: REAAP`` → conforme ; sans
    dispositif → échec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import euros
from cdv_prog.core.texte import short
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.dispositif_renseigne import Parametres

TYPE: Final = "dispositif-renseigne"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def _connus(ctx: Contexte, financeurs: list[str]) -> str:
    """The référentiel's dispositifs of these financeurs, in words (« REAAP, CLAS… »)."""
    alias = [
        d.alias[0] if d.alias else code
        for code, d in ctx.regles.dispositifs.items()
        if d.financeurs is not None and any(f in d.financeurs for f in financeurs)
    ]
    return f" (par exemple : {', '.join(alias)})" if alias else ""


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    lignes = [(i, ligne) for i, ligne in enumerate(ctx.montants.lignes, 1) if ligne.financeur in p.financeurs]
    sans = [(i, ligne) for i, ligne in lignes if ligne.dispositif is None]
    if sans:
        noms = ", ".join(f"ligne {i} ({ctx.nom(ligne.financeur)}, {euros(ligne.demande)})" for i, ligne in sans)
        return echec(f"dispositif non précisé : {noms} ; préciser la nature de l'aide{_connus(ctx, p.financeurs)}")
    if not lignes:
        return ok(f"aucune ligne de {ctx.noms(p.financeurs)}")
    noms = ", ".join(f"{ctx.nom(ligne.financeur)} : {short(ligne.dispositif)}" for _, ligne in lignes)
    return ok(f"dispositif précisé sur chaque ligne ({noms})")


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
