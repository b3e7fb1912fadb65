"""Retained totals broken down the way the contract's evaluation asks: quartier, défi, objectif, porteur…

Only **eligible** dossiers count, with their montants retenus, per financeur.
An action in several quartiers is split evenly between them, financeur by
financeur: each share is rounded down to the cent and the remaining cents go
to the first quartiers in the dossier's order, so the shares add up exactly to
the amount (100,00 € over 3 quartiers → 33,34 + 33,33 + 33,33). A row's
``dossiers`` counts the dossiers that touch it (an action in 3 quartiers counts
in each), so the quartier counts may add up to more than the dossiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cdv_prog.core.money import ZERO, montant_json
from cdv_prog.core.vocab import HORS_QPV, TYPES_PORTEUR, TYPES_PORTEUR_FR
from cdv_prog.programmation.fiche import Fiche

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.montants import Montants
    from cdv_prog.core.ruleset import JeuDeRegles

NOTE_QUARTIERS = (
    "Une action menée dans plusieurs quartiers est répartie à parts égales entre eux, financeur par financeur ; "
    "les centimes restants vont aux premiers quartiers du dossier, de sorte que les parts font exactement le montant."
)


def partager(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` split in ``parts`` shares to the cent, remainder cents to the first shares."""
    cents = int(amount.scaleb(2).to_integral_value())
    base, rest = divmod(cents, parts)
    return [Decimal(base + (1 if i < rest else 0)).scaleb(-2) for i in range(parts)]


@dataclass
class LigneRepartition:
    """One row of a breakdown: a quartier, a défi, a type of porteur…"""

    cle: str | None
    libelle: str
    dossiers: int = 0
    financeurs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def retenu(self) -> Decimal:
        return sum(self.financeurs.values(), ZERO)

    def ajouter(self, code: str, amount: Decimal) -> None:
        self.financeurs[code] = self.financeurs.get(code, ZERO) + amount

    def to_dict(self, ordre: Iterable[str]) -> dict[str, Any]:
        return {
            "cle": self.cle,
            "libelle": self.libelle,
            "dossiers": self.dossiers,
            "retenu": montant_json(self.retenu),
            "financeurs": {c: montant_json(self.financeurs[c]) for c in ordre if self.financeurs.get(c)},
        }


@dataclass
class Repartition:
    code: str  # JSON key: quartiers, defis, objectifs, porteurs, cpo, renouvellement
    titre: str  # « Montants retenus par quartier »
    colonne: str  # heading of the rows' column: « Quartier »
    lignes: list[LigneRepartition]
    note: str | None = None

    def to_dict(self, ordre: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"titre": self.titre}
        if self.note:
            out["note"] = self.note
        out["lignes"] = [ligne.to_dict(ordre) for ligne in self.lignes]
        return out


class _Axe:
    """Rows keyed by code: the référentiel's rows first (even empty), then « non précisé » if met."""

    def __init__(
        self,
        code: str,
        titre: str,
        colonne: str,
        rows: Iterable[tuple[str | None, str]],
        note: str | None = None,
        autre: str = "non précisé",
    ):
        self.code, self.titre, self.colonne, self.note, self.autre = code, titre, colonne, note, autre
        self.rows: dict[str | None, LigneRepartition] = {cle: LigneRepartition(cle, libelle) for cle, libelle in rows}

    def ligne(self, cle: str | None) -> LigneRepartition:
        found = self.rows.get(cle)
        if found is None:
            found = self.rows[cle] = LigneRepartition(cle, self.autre if cle is None else cle)
        return found

    def ajouter(self, cle: str | None, totaux: dict[str, Decimal]) -> None:
        ligne = self.ligne(cle)
        ligne.dossiers += 1
        for code, amount in totaux.items():
            ligne.ajouter(code, amount)

    def resultat(self) -> Repartition:
        return Repartition(self.code, self.titre, self.colonne, list(self.rows.values()), self.note)


class Repartitions:
    """Accumulates the eligible dossiers of one exercice into every breakdown."""

    def __init__(self, regles: JeuDeRegles):
        self.regles = regles
        self.quartiers = _Axe(
            "quartiers",
            "Montants retenus par quartier",
            "Quartier",
            [(c, f"{q.nom} ({'QPV' if q.statut == 'qpv' else 'veille'})") for c, q in regles.quartiers.items()]
            + [(HORS_QPV, "Hors géographie prioritaire")],
            note=NOTE_QUARTIERS,
        )
        self.defis = _Axe("defis", "Montants retenus par défi", "Défi", [(c, d.nom) for c, d in regles.defis.items()])
        self.objectifs = _Axe(
            "objectifs",
            "Montants retenus par objectif",
            "Objectif",
            [(o, nom) for d in regles.defis.values() for o, nom in d.objectifs.items()],
            autre="objectif non précisé",
        )
        self.porteurs = _Axe(
            "porteurs",
            "Montants retenus par type de porteur",
            "Type de porteur",
            [(t, TYPES_PORTEUR_FR[t]) for t in TYPES_PORTEUR],
            autre="type non précisé",
        )
        self.cpo = _Axe(
            "cpo",
            "Montants retenus : CPO ou actions annuelles",
            "Nature",
            [("cpo", "Actions sous CPO"), ("annuelle", "Actions annuelles")],
        )
        self.renouvellement = _Axe(
            "renouvellement",
            "Montants retenus : actions nouvelles ou renouvelées",
            "Action",
            [("nouvelle", "Actions nouvelles"), ("renouvellement", "Renouvellements")],
        )
        self._simple: list[tuple[_Axe, Callable[[Fiche], str | None]]] = [
            (self.defis, lambda d: d.defi),
            (self.objectifs, lambda d: d.objectif),
            (self.porteurs, lambda d: d.type_porteur),
            (self.cpo, lambda d: "cpo" if d.annees_cpo is not None else "annuelle"),
            (self.renouvellement, lambda d: "renouvellement" if d.renouvellement else "nouvelle"),
        ]

    def add(self, dossier: Dossier, montants: Montants) -> None:
        """Add an **eligible** dossier."""
        self.ajouter(Fiche.of(dossier, montants), montants)

    def ajouter(self, fiche: Fiche, montants: Montants) -> None:
        """Add an **eligible** dossier, by its fiche."""
        totaux = montants.retenus
        quartiers = fiche.quartiers
        for code in quartiers:
            self.quartiers.ligne(code).dossiers += 1
        for financeur, amount in totaux.items():
            for code, share in zip(quartiers, partager(amount, len(quartiers)), strict=True):
                self.quartiers.ligne(code).ajouter(financeur, share)
        for axe, key in self._simple:
            axe.ajouter(key(fiche), totaux)

    def resultat(self) -> list[Repartition]:
        axes = (self.quartiers, self.defis, self.objectifs, self.porteurs, self.cpo, self.renouvellement)
        return [axe.resultat() for axe in axes]
