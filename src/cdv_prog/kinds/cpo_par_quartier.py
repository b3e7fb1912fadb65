"""Au moins N dossiers répondant à des critères dans chaque quartier d'un statut donné.

Ce que la règle vérifie :
    Parmi les dossiers **éligibles** de l'exercice, retient ceux qui
    satisfont les critères ``dossiers`` (mêmes clés que ``si:`` des règles de
    dossier : ``cpo``, ``innovante``, ``renouvellement``, ``finance``…) et que
    financent au moins ``financeurs-minimum`` financeurs distincts (total
    retenu > 0). Chaque quartier dont le statut est dans ``statuts`` (défaut :
    ``[qpv]``) doit compter au moins ``minimum`` de ces dossiers parmi ses
    actions (une action sur plusieurs quartiers compte pour chacun). Le
    message nomme les quartiers qui n'en ont pas assez et les dossiers
    trouvés. ``libelle`` nomme ces dossiers dans le message.

Pourquoi :
    Les CPO s'adressent notamment « à de nouvelles actions expérimentales
    répondant à une fiche action avec un caractère innovant et
    multi-partenarial, à raison de 1 convention pluriannuelle d'objectifs
    (CPO) par quartier soit 5 conventions pluriannuelles d'objectifs (CPO)
    minimales » (ch. 2, CPO) : un QPV sans une telle CPO mérite l'attention du
    COPIL.

Exemple :
    .. code-block:: yaml

        cpo-innovante-par-quartier:
          type: cpo-par-quartier
          libelle: CPO nouvelle, innovante et multi-partenariale
          dossiers: {cpo: true, innovante: true, renouvellement: false}
          financeurs-minimum: 2
          minimum: 1
          statuts: [qpv]
          gravite: avertissement

    Une seule CPO nouvelle et innovante, à Grazailles, financée par l'État et
    l'Agglo → avertissement nommant les 4 autres QPV.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

from cdv_prog.core.conditions import Condition
from cdv_prog.core.context import ContexteProgrammation, DossierRetenu
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.vocab import STATUTS_QUARTIER_FR
from cdv_prog.kinds.base import Parametres as BaseParametres

TYPE: Final = "cpo-par-quartier"
PORTEE: Final = "programmation"


class Parametres(BaseParametres):
    dossiers: Condition = Condition()
    financeurs_minimum: Annotated[int, Field(ge=1, le=50, alias="financeurs-minimum")] = 1
    minimum: Annotated[int, Field(ge=1, le=50)] = 1
    statuts: Annotated[list[Annotated[str, Field(pattern=r"^(qpv|veille)$")]], Field(min_length=1)] = ["qpv"]  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
    libelle: Annotated[str, Field(min_length=1, max_length=200)] = "dossier répondant aux critères"


def _retenu(ctx: ContexteProgrammation, p: Parametres, retenu: DossierRetenu) -> bool:
    vue = ctx.contexte(retenu)
    return p.dossiers.non_applicable(vue) is None and len(vue.financent) >= p.financeurs_minimum


def verifier(ctx: ContexteProgrammation, p: Parametres) -> Resultat:
    cibles = [code for code, q in ctx.regles.quartiers.items() if q.statut in p.statuts]
    statut = " ou ".join(STATUTS_QUARTIER_FR[s][0] for s in p.statuts)
    statuts = " ou ".join(STATUTS_QUARTIER_FR[s][1] for s in p.statuts)
    if not cibles:
        return sans_objet(f"aucun {statut} dans les règles")
    trouves: dict[str, list[str]] = {code: [] for code in cibles}
    for retenu in ctx.dossiers:
        if _retenu(ctx, p, retenu):
            dossier = retenu.dossier
            for code in dict.fromkeys(dossier.action.quartiers):
                if code in trouves:
                    trouves[code].append(dossier.id)
    attendu = f"minimum {p.minimum} par quartier, soit {p.minimum * len(cibles)} pour les {len(cibles)} {statuts}"
    ids = sorted({i for found in trouves.values() for i in found})
    liste = f" ; {len(ids)} trouvé(s) : {', '.join(ids)}" if ids else " ; aucun trouvé"
    manquants = [code for code in cibles if len(trouves[code]) < p.minimum]
    if manquants:
        noms = ", ".join(ctx.regles.quartiers[c].nom for c in manquants)
        manque = "pas de" if p.minimum == 1 else f"moins de {p.minimum}"
        return echec(f"{manque} « {p.libelle} » à {noms} ({attendu}){liste}")
    return ok(f"chaque {statut} compte au moins {p.minimum} « {p.libelle} » ({attendu}){liste}")
