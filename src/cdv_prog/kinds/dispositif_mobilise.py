"""Un financeur intervient au titre d'un dispositif donné (par exemple l'État au titre du programme 147).

Ce que la règle vérifie :
    La somme des montants retenus des lignes de financement dont le
    ``dispositif`` désigne l'un des ``dispositifs`` (un code du référentiel
    des dispositifs, écrit par son code ou un de ses alias : « BOP 147 »,
    « P147 »…) et, si ``financeur`` est donné, dont le financeur est
    celui-là, doit être supérieure à zéro. Une ligne sans dispositif ne
    compte pas.

Pourquoi :
    Hors géographie prioritaire, le contrat ouvre « la possibilité de
    mobiliser une part de crédits spécifiques (enveloppe départementale du
    programme 147 de l'Etat) pour des quartiers qui ne relèvent pas de la
    géographie prioritaire mais qui constituent pour autant des « poches de
    pauvreté » » (ch. 2) : une telle action se finance par le programme 147.

Exemple :
    .. code-block:: yaml

        hors-qpv-etat-p147:
          type: dispositif-mobilise
          financeur: etat
          dispositifs: [bop-147]
          si: {hors-geographie-prioritaire: true}
          gravite: avertissement

    Action hors QPV, ligne État « BOP 147 » de 3 000 € → conforme ; ligne État
    sans dispositif, ou « FIPD » → échec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import ZERO, euros
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.dispositif_mobilise import Parametres

TYPE: Final = "dispositif-mobilise"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    lignes = [
        ligne
        for ligne in ctx.montants.lignes
        if ligne.code_dispositif in p.dispositifs and (p.financeur is None or ligne.financeur == p.financeur)
    ]
    total = sum((ligne.retenu for ligne in lignes), ZERO)
    noms = " ou ".join(ctx.regles.dispositifs[c].nom for c in p.dispositifs)
    qui = f"{ctx.nom(p.financeur)} au titre de" if p.financeur else "au titre de"
    if total > ZERO:
        return ok(f"{qui} {noms} : {euros(total)}")
    if lignes:
        return echec(f"{qui} {noms} : {euros(total)} retenu")
    return echec(f"aucune ligne de financement {qui} {noms}")


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The financeur's line named after the dispositif (« ligne État : dispositif bop-147 »)."""
    if p.financeur is None:
        return None
    lignes = [i for i, f in enumerate(ctx.dossier.financements) if f.financeur == p.financeur and f.retenu > ZERO]
    if not lignes:
        return None
    index = lignes[0]
    avant = ctx.dossier.financements[index].dispositif
    code = p.dispositifs[0]
    phrase = f"indiquer sur la ligne {ctx.nom(p.financeur)} le dispositif {ctx.regles.dispositifs[code].nom} ({code})"
    return Remede(phrase, (Changement(f"financements[{index}].dispositif", avant, code),))
