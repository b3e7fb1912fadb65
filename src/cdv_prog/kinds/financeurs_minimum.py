"""Au moins N financeurs, parmi une liste, financent le dossier.

Ce que la règle vérifie :
    Compte les financeurs dont le total retenu sur le dossier est supérieur à
    zéro, parmi la liste ``parmi`` (tous les financeurs si elle est absente),
    en écartant ceux de ``sauf`` ; il en faut au moins ``minimum``.

Pourquoi :
    Le contrat de ville exige un cofinancement : « 2 financeurs obligatoires
    sur les 3 principaux » (État, Ville, Agglo) ; la CAF ne peut être le seul
    financeur ; le Département intervient en complément d'au moins deux
    partenaires.

Exemple :
    .. code-block:: yaml

        financeurs-principaux:
          type: financeurs-minimum
          parmi: [etat, ville, agglo]
          minimum: 2

    Un dossier financé par l'État (3 000 €) et la CAF (4 000 €) échoue :
    un seul financeur principal (État) sur les 2 exigés.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from cdv_prog.core.context import Contexte
from cdv_prog.core.findings import Resultat, echec, ok
from cdv_prog.core.money import ZERO, euros
from cdv_prog.core.remedes import Remede
from cdv_prog.kinds.base import parametres_du_type
from cdv_prog.kinds.moves import Brouillon, plancher

if TYPE_CHECKING:
    from cdv_prog.core.lineaire import Contrainte, Quantite
    from cdv_prog.kinds.parametres.financeurs_minimum import Parametres

TYPE: Final = "financeurs-minimum"
PORTEE: Final = "dossier"
CHAMP: Final = "financements"  # dossier field the rule is about (line of a finding)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: Contexte, p: Parametres) -> Resultat:
    scope = p.parmi if p.parmi is not None else list(ctx.regles.financeurs)
    retenus = ctx.montants.retenus  # ctx.total(c), read once per line of the rule set (issue 17)
    found = [c for c in scope if c not in p.sauf and retenus.get(c, ZERO) > 0]
    if p.parmi is not None:
        where = f"parmi {ctx.noms(p.parmi)}"
    else:
        where = "en dehors de " + ctx.noms(p.sauf) if p.sauf else "au total"
    n = len(found)
    who = f" ({ctx.noms(found)})" if found else ""
    detail = f"{n if n else 'aucun'} financeur{'s' if n > 1 else ''} {where}{who}"
    if n >= p.minimum:
        return ok(f"{detail}, minimum {p.minimum}")
    return echec(f"{detail} ; il en faut au moins {p.minimum}")


def remede(ctx: Contexte, p: Parametres) -> Remede | None:
    """The missing financeurs added, each at its floor (« ajouter une ligne Agglo de 500,00 € »)."""
    scope = [c for c in (p.parmi if p.parmi is not None else list(ctx.regles.financeurs)) if c not in p.sauf]
    manquants = [c for c in scope if ctx.total(c) <= 0]
    besoin = p.minimum - (len(scope) - len(manquants))
    if besoin <= 0 or besoin > len(manquants):
        return None
    brouillon = Brouillon(ctx)
    parts = []
    for code in manquants[:besoin]:
        montant = max(plancher(ctx, code), Decimal("0.01"))
        brouillon.porter(code, montant - ctx.total(code))
        parts.append(f"{ctx.nom(code)} pour {euros(montant)}")
    autres = [ctx.nom(c) for c in manquants[besoin:]]
    ou = f" (ou {', '.join(autres[:3])}{', …' if len(autres) > 3 else ''})" if autres else ""
    return brouillon.remede("ajouter " + " et ".join(parts) + ou)


def contraintes(ctx: Contexte, p: Parametres) -> list[Contrainte]:
    """For ``cdv arbitrage``: at least ``minimum`` of these financeurs keep a total > 0 (:mod:`cdv_prog.core.lineaire`)."""
    from cdv_prog.core.lineaire import Finance, au_moins  # cdv arbitrage only: not at every start

    scope = p.parmi if p.parmi is not None else list(ctx.regles.financeurs)
    termes: list[tuple[Decimal, Quantite]] = [
        (Decimal(1), Finance(c)) for c in scope if c not in p.sauf and ctx.montants.demande(c) > 0
    ]
    where = f"parmi {ctx.noms(p.parmi)}" if p.parmi is not None else "en dehors de " + ctx.noms(p.sauf)
    return [au_moins(termes, Decimal(p.minimum), f"au moins {p.minimum} financeur(s) {where}")]
