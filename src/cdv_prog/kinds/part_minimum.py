"""Les financeurs listés couvrent au moins une part minimale du budget.

Ce que la règle vérifie :
    La somme des totaux retenus des ``financeurs`` listés doit être au moins
    égale à ``part`` (une fraction : 0.5 pour 50 %) du ``budget.total``,
    calculée exactement (pas d'arrondi : 49,999 % n'est pas 50 %). Le message
    donne aussi la part de ces financeurs dans l'ensemble des financements du
    dossier (totaux retenus de tous les financeurs).

Pourquoi :
    Les CPO « ont vocation à correspondre à un objectif minimal de 50 % de
    financements » publics (État, Ville, Agglo, avec la possibilité du
    Département, de la CAF, de la Région) (ch. 2, CPO).

Exemple :
    .. code-block:: yaml

        cpo-cofinancement:
          type: part-minimum
          part: 0.5
          financeurs: [etat, ville, agglo, departement, caf, region]
          si: {cpo: true}

    Budget 12 000 €, État 3 000 € + Ville 2 999 € = 5 999 € (49,99 %) → échec ;
    6 000 € tout juste (50 %) → conforme. Le message dit aussi, par exemple,
    « 85,71 % de l'ensemble des financements (7 000,00 €) ».
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import ZERO, euros, percent
from cdv_prog.core.remedes import Remede
from cdv_prog.kinds.base import parametres_du_type
from cdv_prog.kinds.moves import Brouillon, cents

if TYPE_CHECKING:
    from cdv_prog.core.lineaire import Contrainte, Quantite
    from cdv_prog.kinds.parametres.part_minimum import Parametres

TYPE: Final = "part-minimum"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    total_budget = ctx.dossier.budget.total
    somme = sum((ctx.total(c) for c in p.financeurs), ZERO)
    seuil = p.part * total_budget
    share = somme / total_budget
    present = [c for c in p.financeurs if ctx.total(c) > 0]
    financements = ctx.montants.total_retenu
    part_financements = (
        f"{percent(somme / financements)} de l'ensemble des financements ({euros(financements)})"
        if financements > ZERO
        else "aucun financement retenu"
    )
    detail = (
        f"{ctx.noms(present)} : {euros(somme)}, soit {percent(share)} du budget de "
        f"{euros(total_budget)} (minimum {percent(p.part)}, soit {euros(seuil)}) et {part_financements}"
    )
    if somme >= seuil:
        return ok(detail)
    return echec(detail)


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The shortfall brought by the listed financeur that gives most already (« apporter 13 000,00 € de plus… »)."""
    budget = ctx.dossier.budget
    somme = sum((ctx.total(c) for c in p.financeurs), ZERO)
    manque = p.part * budget.total - somme
    if manque <= 0:
        return None
    qui = max(p.financeurs, key=lambda c: (ctx.total(c), -p.financeurs.index(c)))
    apport = cents(manque)
    if budget.autres_produits < apport:  # a larger budget raises the threshold too: S + X >= part × (B + X)
        if p.part >= 1:
            return None
        apport = cents(manque / (1 - p.part))
    brouillon = Brouillon(ctx)
    brouillon.porter(qui, apport)
    noms = ", ".join(ctx.nom(c) for c in p.financeurs[:-1]) + f" ou {ctx.nom(p.financeurs[-1])}"
    phrase = (
        f"apporter {euros(apport)} de plus ({noms if len(p.financeurs) > 1 else ctx.nom(qui)}) "
        f"pour atteindre {percent(p.part)} : par exemple {ctx.nom(qui)} porté à {euros(ctx.total(qui) + apport)}"
    )
    return brouillon.remede(phrase)


def contraintes(ctx: Contexte, p: Parametres) -> list[Contrainte]:
    """For ``cdv arbitrage``: these financeurs' totals reach ``part`` of the budget (:mod:`cdv_prog.core.lineaire`)."""
    from cdv_prog.core.lineaire import Total, au_moins  # cdv arbitrage only: not at every start

    termes: list[tuple[Decimal, Quantite]] = [(Decimal(1), Total(c)) for c in p.financeurs]
    seuil = p.part * ctx.dossier.budget.total
    return [au_moins(termes, seuil, f"{ctx.noms(p.financeurs)} : au moins {percent(p.part)} du budget")]
