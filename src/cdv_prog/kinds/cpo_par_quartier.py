"""Des CPO en vigueur répondant à des critères : au moins N par quartier d'un statut donné, et un total minimum.

Ce que la règle vérifie :
    Compte les **CPO en vigueur** dans l'exercice N : celles d'un dossier
    **éligible** de N, ou d'un dossier de l'historique (exercices
    précédents, quand il est fourni), dont ``action.cpo.annees`` contient N.
    Une CPO compte une fois, quel que soit le nombre de ses dossiers annuels :
    deux dossiers sont ceux d'une même CPO quand ils ont les mêmes années de
    CPO et que l'un nomme l'autre comme précédent (``action.precedent``,
    exercice N-1), ou qu'ils ont le même porteur (nom) et le même intitulé
    (sans tenir compte des majuscules, des accents ni des espaces répétés).

    Une CPO est retenue quand le dossier de sa première année satisfait les
    critères ``dossiers`` (mêmes clés que ``si:`` des règles de dossier :
    ``innovante``, ``renouvellement``, ``finance``…) et que le financent au
    moins ``financeurs-minimum`` financeurs distincts (total retenu > 0).
    Quand ce dossier n'est ni dans le lot ni dans l'historique, ce sont les
    dossiers connus de la CPO qui doivent satisfaire
    ``premiere-annee-inconnue`` (par défaut : ``dossiers``) et le minimum de
    financeurs.

    Chaque quartier dont le statut est dans ``statuts`` (défaut : ``[qpv]``)
    doit compter au moins ``minimum`` CPO retenues parmi ses actions (une
    action sur plusieurs quartiers compte pour chacun), et, si
    ``minimum-total`` est donné, il faut au moins ce nombre de CPO retenues
    distinctes en tout. Le message nomme les quartiers qui n'en ont pas
    assez et les CPO trouvées (par le dossier le plus récent de chacune).
    ``libelle`` nomme ces CPO dans le message.

Pourquoi :
    Les CPO s'adressent notamment « à de nouvelles actions expérimentales
    répondant à une fiche action avec un caractère innovant et
    multi-partenarial, à raison de 1 convention pluriannuelle d'objectifs
    (CPO) par quartier soit 5 conventions pluriannuelles d'objectifs (CPO)
    minimales » (ch. 2, CPO). Une CPO signée en 2024 court jusqu'en 2026 :
    elle compte chaque année où elle est en vigueur, pas seulement la
    première.

Exemple :
    .. code-block:: yaml

        cpo-innovante-par-quartier:
          type: cpo-par-quartier
          libelle: CPO nouvelle, innovante et multi-partenariale
          dossiers: {cpo: true, innovante: true, renouvellement: false}
          premiere-annee-inconnue: {cpo: true, innovante: true}
          financeurs-minimum: 2
          minimum: 1
          minimum-total: 5
          statuts: [qpv]
          gravite: avertissement

    Une seule CPO nouvelle et innovante, à Grazailles, financée par l'État et
    l'Agglo → avertissement nommant les 4 autres QPV ; une CPO 2024-2026
    dont le dossier 2024 est dans l'historique compte aussi en 2025.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from cdv_prog.core.context import ContexteProgrammation
from cdv_prog.core.findings import Resultat, echec, ok, sans_objet
from cdv_prog.core.historique import DossierAnterieur, nom_simplifie
from cdv_prog.core.vocab import STATUTS_QUARTIER_FR
from cdv_prog.kinds.base import parametres_du_type

if TYPE_CHECKING:
    from cdv_prog.core.conditions import Condition
    from cdv_prog.kinds.parametres.cpo_par_quartier import Parametres

TYPE: Final = "cpo-par-quartier"
PORTEE: Final = "programmation"
HISTORIQUE: Final = True  # the engine hands this kind the history (SPEC §5)


def _dossiers_cpo(ctx: ContexteProgrammation) -> list[DossierAnterieur]:
    """The dossiers under a CPO: the eligible ones of the exercice, then those of its history (records)."""
    found = list(ctx.cpo)
    if ctx.historique is not None:
        found += [h for h in ctx.historique.dossiers if h.annees_cpo is not None and h.exercice < ctx.exercice]
    return found


def _annees(d: DossierAnterieur) -> tuple[int, ...]:
    return d.annees_cpo or ()


def cpos(dossiers: list[DossierAnterieur]) -> list[list[DossierAnterieur]]:
    """The dossiers grouped by CPO: same years, and chained by ``precedent`` or same porteur and intitulé."""
    parent = list(range(len(dossiers)))

    def racine(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def unir(i: int, j: int) -> None:
        parent[racine(i)] = racine(j)

    par_cle: dict[tuple[object, ...], int] = {}
    par_id: dict[tuple[str, int, tuple[int, ...]], int] = {}
    for i, d in enumerate(dossiers):
        cle = (nom_simplifie(d.porteur.nom), nom_simplifie(d.intitule), _annees(d))
        if cle in par_cle:
            unir(i, par_cle[cle])
        else:
            par_cle[cle] = i
        par_id.setdefault((d.id, d.exercice, _annees(d)), i)
    for i, d in enumerate(dossiers):
        prec = d.precedent
        if prec is not None and (prec, d.exercice - 1, _annees(d)) in par_id:
            unir(i, par_id[(prec, d.exercice - 1, _annees(d))])
    groupes: dict[int, list[DossierAnterieur]] = {}
    for i, d in enumerate(dossiers):
        groupes.setdefault(racine(i), []).append(d)
    return list(groupes.values())


def _retenue(ctx: ContexteProgrammation, p: Parametres, cpo: list[DossierAnterieur]) -> bool:
    premiere = min(_annees(cpo[0]))
    debut = [d for d in cpo if d.exercice == premiere]
    # the parameters are Valeurs: their conditions, the plain records of the rules (not the models named by Parametres)
    criteres = cast("Condition", p.dossiers if debut else (p.premiere_annee_inconnue or p.dossiers))
    return all(criteres.retient(d, ctx.historique) and len(d.financent) >= p.financeurs_minimum for d in debut or cpo)


def __getattr__(name: str) -> Any:
    """``Parametres``, the kind's pydantic model: imported from ``kinds/parametres/`` when first asked."""
    return parametres_du_type(__name__, name)


def verifier(ctx: ContexteProgrammation, p: Parametres) -> Resultat:
    cibles = [code for code, q in ctx.regles.quartiers.items() if q.statut in p.statuts]
    statut = " ou ".join(STATUTS_QUARTIER_FR[s][0] for s in p.statuts)
    statuts = " ou ".join(STATUTS_QUARTIER_FR[s][1] for s in p.statuts)
    if not cibles:
        return sans_objet(f"aucun {statut} dans les règles")
    trouves: dict[str, list[str]] = {code: [] for code in cibles}
    retenues: list[str] = []
    for cpo in cpos(_dossiers_cpo(ctx)):
        if ctx.exercice not in _annees(cpo[0]) or not _retenue(ctx, p, cpo):
            continue
        recent = max(cpo, key=lambda d: (d.exercice, d.id)).id
        retenues.append(recent)
        quartiers = dict.fromkeys(q for d in cpo for q in d.quartiers)
        for code in quartiers:
            if code in trouves:
                trouves[code].append(recent)
    attendu = f"minimum {p.minimum} par quartier, soit {p.minimum * len(cibles)} pour les {len(cibles)} {statuts}"
    if p.minimum_total is not None:
        attendu += f", et {p.minimum_total} au total"
    ids = sorted(retenues)
    liste = f" ; {len(ids)} en vigueur en {ctx.exercice} : {', '.join(ids)}" if ids else " ; aucune trouvée"
    manquants = [code for code in cibles if len(trouves[code]) < p.minimum]
    problemes = []
    if manquants:
        noms = ", ".join(ctx.regles.quartiers[c].nom for c in manquants)
        manque = "pas de" if p.minimum == 1 else f"moins de {p.minimum}"
        problemes.append(f"{manque} « {p.libelle} » à {noms}")
    if p.minimum_total is not None and len(ids) < p.minimum_total:
        problemes.append(f"{len(ids)} « {p.libelle} » au total, moins de {p.minimum_total}")
    if problemes:
        return echec(f"{' ; '.join(problemes)} ({attendu}){liste}")
    return ok(f"chaque {statut} compte au moins {p.minimum} « {p.libelle} » ({attendu}){liste}")
