"""``cdv suivi``: one action across its exercices (SPEC §5), as a computation.

From the history's index (every dossier read, as compact records), the chain
of an action's yearly dossiers: back from the dossier asked for through each
``action.precedent``, forward through the dossiers that name it. Per year:
the verdict (given by the caller, who judged each dossier with its history),
each financeur's retained amount, the CPO years, the bilan sent and the
annual evaluation; and the **breaks**: a ``precedent`` that names no dossier,
or a dossier of another exercice than N-1, a year of the CPO without its
dossier, two dossiers that both continue the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers, nom_simplifie
from cdv_prog.core.money import montant_json
from cdv_prog.core.vocab import VERDICTS_FR, Verdict


@dataclass(frozen=True)
class AnneeSuivi:
    """One exercice of the action."""

    dossier: DossierAnterieur
    verdict: Verdict | None = None
    derogation: str | None = None  # éligible par dérogation: the decision (« COPIL du 12/03/2025, relevé n°4 »)

    @property
    def verdict_fr(self) -> str:
        """« éligible », « éligible par dérogation (COPIL du …) », « non jugé »…"""
        if self.verdict is None:
            return "non jugé"
        text = VERDICTS_FR.get(self.verdict, self.verdict)
        return f"{text} par dérogation ({self.derogation})" if self.derogation else text

    def to_dict(self, noms: dict[str, str]) -> dict[str, Any]:
        d = self.dossier
        return {
            "exercice": d.exercice,
            "id": d.id,
            "fichier": d.fichier,
            "intitule": d.intitule,
            "porteur": d.porteur.nom,
            "verdict": self.verdict,
            "derogation": self.derogation,
            "precedent": d.precedent,
            "cpo": list(d.annees_cpo) if d.annees_cpo is not None else None,
            "financeurs": [
                {"financeur": code, "nom": noms.get(code, code), "retenu": montant_json(total)}
                for code, total in d.retenus
            ],
            "total-retenu": montant_json(sum((t for _, t in d.retenus), Decimal(0))),
            "bilan-envoye-le": d.bilan_envoye_le.isoformat() if d.bilan_envoye_le is not None else None,
            "evaluation-annuelle": d.evaluation_annuelle,
        }


@dataclass
class Suivi:
    """An action's story: its years in order and the breaks of its chain."""

    ident: str
    annees: list[AnneeSuivi] = field(default_factory=list)
    ruptures: list[str] = field(default_factory=list)  # French, one sentence each

    def to_dict(self, noms: dict[str, str]) -> dict[str, Any]:
        return {
            "id": self.ident,
            "annees": [a.to_dict(noms) for a in self.annees],
            "ruptures": list(self.ruptures),
        }


def chaine(index: HistoriqueDossiers, ident: str) -> tuple[list[DossierAnterieur], list[str]]:
    """The action's dossiers, oldest first, and the breaks found (French sentences)."""
    depart = index.trouver(ident)
    if depart is None:
        return [], []
    ruptures: list[str] = []
    arriere = [depart]
    vus = {depart.id}
    courant = depart
    while courant.precedent is not None:
        prec = index.trouver(courant.precedent)
        attendu = courant.exercice - 1
        if prec is None:
            ruptures.append(
                f"{courant.exercice} : {courant.id} nomme le dossier précédent « {courant.precedent} », introuvable"
                + _peut_etre(index, courant)
            )
            break
        if prec.exercice != attendu or prec.id in vus:
            ruptures.append(
                f"{courant.exercice} : {courant.id} nomme « {prec.id} », de l'exercice {prec.exercice} et non {attendu}"
            )
            break
        arriere.append(prec)
        vus.add(prec.id)
        courant = prec
    suivants: dict[str, list[DossierAnterieur]] = {}
    for d in index.dossiers:
        if d.precedent is not None:
            suivants.setdefault(d.precedent, []).append(d)
    avant = list(reversed(arriere))
    courant = depart
    while True:
        candidats = sorted(
            (d for d in suivants.get(courant.id, []) if d.exercice == courant.exercice + 1 and d.id not in vus),
            key=lambda d: d.id,
        )
        if not candidats:
            break
        if len(candidats) > 1:
            autres = ", ".join(d.id for d in candidats[1:])
            ruptures.append(
                f"{candidats[0].exercice} : plusieurs dossiers continuent {courant.id} "
                f"({candidats[0].id}, {autres}) ; suivi de {candidats[0].id}"
            )
        courant = candidats[0]
        vus.add(courant.id)
        avant.append(courant)
    ruptures += _annees_cpo_manquantes(avant)
    return avant, ruptures


def _peut_etre(index: HistoriqueDossiers, d: DossierAnterieur) -> str:
    """`` ; peut-être CDV-2025-001 (même porteur, même intitulé)``: a dossier of N-1 that looks like this action's."""
    cle = (nom_simplifie(d.porteur.nom), nom_simplifie(d.intitule))
    for autre in index.dossiers:
        if (
            autre.exercice == d.exercice - 1
            and (nom_simplifie(autre.porteur.nom), nom_simplifie(autre.intitule)) == cle
        ):
            return f" ; peut-être {autre.id} (même porteur, même intitulé)"
    return ""


def _annees_cpo_manquantes(dossiers: list[DossierAnterieur]) -> list[str]:
    """The years of a CPO of the chain (up to the last year read) without a dossier."""
    presentes = {d.exercice for d in dossiers}
    derniere = max(presentes)
    out = []
    for annees in dict.fromkeys(d.annees_cpo for d in dossiers if d.annees_cpo is not None):
        assert annees is not None
        for annee in annees:
            if annee not in presentes and annee <= derniere:
                out.append(f"{annee} : année de la CPO {'-'.join(map(str, (annees[0], annees[-1])))} sans dossier")
    return out


def suivre(
    index: HistoriqueDossiers,
    ident: str,
    verdicts: dict[str, Verdict] | None = None,
    derogations: dict[str, str] | None = None,
) -> Suivi | None:
    """The story of the action of dossier ``ident`` (None: no such dossier in the index); ``derogations``:
    id → the decision of the dérogation that made that year eligible."""
    dossiers, ruptures = chaine(index, ident)
    if not dossiers:
        return None
    verdicts, derogations = verdicts or {}, derogations or {}
    return Suivi(ident, [AnneeSuivi(d, verdicts.get(d.id), derogations.get(d.id)) for d in dossiers], ruptures)
