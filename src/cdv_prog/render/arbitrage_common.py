"""What every format of ``cdv arbitrage`` shares: the rows of its views, as plain values.

Views: Enveloppes (one row per enveloppe or sous-enveloppe), Dossiers (one row
per dossier: demandé, proposé, coupe, statut, motifs), Lignes (one row per
financement line of a candidate), Financeurs (demandé and proposé per financeur
over the candidates). Texts from the dossiers go out through each format's own
rule (``core.texte``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import ZERO, euros

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage

ENTETE_ENVELOPPES = ("Enveloppe", "Montant", "Demandé", "Proposé", "Reste", "Taux", "Saturée", "Valeur marginale")
ENTETE_DOSSIERS = ("Dossier", "Intitulé", "Statut", "Demandé", "Proposé", "Coupe", "Poids", "Motifs")
ENTETE_LIGNES = ("Dossier", "Ligne", "Financeur", "Dispositif", "Demandé", "Proposé", "Coupe")
ENTETE_FINANCEURS = ("Financeur", "Demandé", "Proposé", "Coupe")
NOTE = (
    "Demandé : dossiers de l'exercice éligibles sur leurs montants demandés ; proposé : la programmation "
    "proposée, en euros entiers ; une enveloppe est saturée quand il y reste moins de 1 €."
)


def resume(a: Arbitrage) -> str:
    if not a.faisable:
        return "Aucune programmation ne tient dans les enveloppes."
    return (
        f"{a.compte('retenu')} retenu(s) en entier, {a.compte('reduit')} réduit(s), {a.compte('ecarte')} écarté(s), "
        f"{a.compte('non-candidat')} non candidat(s)"
    )


def financeurs(a: Arbitrage, regles: JeuDeRegles) -> list[tuple[str, str, Decimal, Decimal]]:
    """Per financeur (in the rules' order): code, name, demandé and proposé over the candidates."""
    demande: dict[str, Decimal] = {}
    propose: dict[str, Decimal] = {}
    for d in a.dossiers:
        if d.statut == "non-candidat":
            continue
        for ligne in d.lignes:
            demande[ligne.financeur] = demande.get(ligne.financeur, ZERO) + ligne.demande
            propose[ligne.financeur] = propose.get(ligne.financeur, ZERO) + ligne.propose
    return [
        (code, regles.nom_court(code), demande[code], propose[code]) for code in regles.financeurs if code in demande
    ]


def modifications(a: Arbitrage) -> str:
    return ", ".join(f"{cle} = {euros(m)}" for cle, m in sorted(a.modifications.items()))
