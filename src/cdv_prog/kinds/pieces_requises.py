"""Les pièces obligatoires figurent au dossier.

Ce que la règle vérifie :
    Chaque code de la liste ``pieces`` doit figurer dans les ``pieces`` du
    dossier ; la règle nomme celles qui manquent.

Pourquoi :
    La CAF exige « l'attestation de déclaration en Préfecture, … la liste des
    membres du bureau, du RIB » (ch. 5) ; une CPO « intègre une évaluation
    annuelle » (ch. 2).

Exemple :
    .. code-block:: yaml

        caf-pieces:
          type: pieces-requises
          pieces: [attestation-prefecture, liste-bureau, rib]
          si: {finance: caf}

    Un dossier financé par la CAF avec ``pieces: [rib]`` → échec : manquent
    attestation-prefecture, liste-bureau.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.kinds.parametres.pieces_requises import Parametres

TYPE: Final = "pieces-requises"
PORTEE: Final = "dossier"
CHAMP: Final = "pieces"  # dossier field the rule is about (line of a finding)


def _piece(ctx: Contexte, code: str) -> str:
    """``Relevé d'identité bancaire (rib)``: the référentiel's words, then the code to write in the dossier."""
    nom = ctx.regles.pieces.get(code)
    return f"{nom} ({code})" if nom else code


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    missing = [piece for piece in p.pieces if piece not in ctx.dossier.pieces]
    if missing:
        return echec("pièce(s) manquante(s) : " + ", ".join(_piece(ctx, c) for c in missing))
    return ok("pièces présentes : " + ", ".join(_piece(ctx, c) for c in p.pieces))


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The missing pièces added (« ajouter la pièce rib »)."""
    missing = [piece for piece in p.pieces if piece not in ctx.dossier.pieces]
    if not missing:
        return None
    avant = list(ctx.dossier.pieces)
    quoi = f"la pièce {missing[0]}" if len(missing) == 1 else "les pièces " + ", ".join(missing)
    return Remede(f"ajouter {quoi}", (Changement("pieces", _liste(avant), _liste(avant + missing)),))


def _liste(codes: list[str]) -> str:
    return "[" + ", ".join(codes) + "]"


# ``cdv arbitrage``: the outcome does not depend on the proposed amounts (:mod:`cdv_prog.core.lineaire`)
DEPEND_DES_MONTANTS: Final = False
