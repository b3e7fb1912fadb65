"""The figures of the programmation, computed once: a dossier's amounts, a financeur's totals.

* :class:`Montants` — a valid dossier's amounts, line by line and per
  financeur: requested (``montant``) and retained (``accorde`` if present,
  else ``montant``). Computed once when the dossier is checked
  (:func:`cdv_prog.core.report.rapport`) and read by the engine, the totals,
  the breakdowns, the commitments, the diff and every renderer.
* :class:`TotalFinanceur` — one financeur's totals over an exercice against
  its enveloppe (the lines of its périmètre): solde, taux, dépassement, the
  droit commun mobilisé outside it and each :class:`TotalSousEnveloppe`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from cdv_prog.core.money import ZERO, montant_json, taux_json
from cdv_prog.core.vocab import Nature

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier, Financement
    from cdv_prog.core.ruleset import JeuDeRegles


class LigneMontant(NamedTuple):
    """One financement line: financeur, dispositif (free text and matched code), nature, amounts.

    A named tuple: immutable, and made in a quarter of the time of a frozen dataclass (a dossier's lines
    are made again for every report read back from the cache, issue 17).
    """

    financeur: str
    dispositif: str | None  # as written in the dossier
    demande: Decimal
    retenu: Decimal
    code_dispositif: str | None = None  # the référentiel's dispositif it names, if any
    nature: Nature = "specifique"  # crédits spécifiques, or droit commun


@dataclass(frozen=True)
class Montants:
    """A valid dossier's amounts; per-financeur totals in order of first appearance.

    The totals (:attr:`demandes`, :attr:`retenus`) are added up when first read: the programmation's
    totals read the lines only.
    """

    lignes: tuple[LigneMontant, ...]
    cpo: bool = False  # the dossier is under a CPO (an enveloppe's périmètre may count it or not)

    @functools.cached_property
    def demandes(self) -> dict[str, Decimal]:
        """Requested, per financeur, in order of first appearance (do not change the dict)."""
        return _par_financeur(self.lignes, retenu=False)

    @functools.cached_property
    def retenus(self) -> dict[str, Decimal]:
        """Retained, per financeur, in order of first appearance (do not change the dict)."""
        return _par_financeur(self.lignes, retenu=True)

    @classmethod
    def of(cls, dossier: Dossier, regles: JeuDeRegles | None = None) -> Montants:
        """The dossier's amounts; with the rule set, each line's dispositif and nature too."""
        return cls.de_lignes(tuple(_ligne(f, regles) for f in dossier.financements), dossier.action.cpo is not None)

    @classmethod
    def de_lignes(cls, lignes: tuple[LigneMontant, ...], cpo: bool) -> Montants:
        """The amounts of these lines: per-financeur sums added up in the lines' order (when first read),
        digit for digit as :meth:`of` does (the one place they are summed)."""
        return cls(lignes, cpo)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to another process (``--jobs``) as text: each line's fields, amounts written as exact decimal
        strings (a retained amount equal to the requested one, as None), the sums recomputed on arrival.
        Pickling ``Decimal`` objects and dicts of them cost seven times as much."""
        flat: list[str | None] = []
        for li in self.lignes:
            demande, retenu = li.demande, li.retenu
            texte = str(demande)
            flat += (
                li.financeur,
                li.dispositif,
                texte,
                None if retenu is demande or str(retenu) == texte else str(retenu),
                li.code_dispositif,
                li.nature,
            )
        return (_montants_recus, (tuple(flat), self.cpo))

    @property
    def financent(self) -> list[str]:
        """Financeurs whose retained total is > 0 (they « finance » the dossier), in order of appearance."""
        return [code for code, total in self.retenus.items() if total > ZERO]

    def retenu(self, financeur: str) -> Decimal:
        return self.retenus.get(financeur, ZERO)

    def demande(self, financeur: str) -> Decimal:
        return self.demandes.get(financeur, ZERO)

    @property
    def total_demande(self) -> Decimal:
        return sum(self.demandes.values(), ZERO)

    @property
    def total_retenu(self) -> Decimal:
        return sum(self.retenus.values(), ZERO)


def _par_financeur(lignes: tuple[LigneMontant, ...], *, retenu: bool) -> dict[str, Decimal]:
    """The lines' requested (or retained) amounts added up per financeur, in the lines' order."""
    sommes: dict[str, Decimal] = {}
    for ligne in lignes:
        sommes[ligne.financeur] = sommes.get(ligne.financeur, ZERO) + (ligne.retenu if retenu else ligne.demande)
    return sommes


def _montants_recus(flat: tuple[Any, ...], cpo: bool) -> Montants:
    """:class:`Montants` from its form sent between processes (:meth:`Montants.__reduce__`)."""
    lignes = []
    for i in range(0, len(flat), 6):
        financeur, dispositif, demande, retenu, code, nature = flat[i : i + 6]
        montant = Decimal(demande)
        lignes.append(
            LigneMontant(financeur, dispositif, montant, montant if retenu is None else Decimal(retenu), code, nature)
        )
    return Montants.de_lignes(tuple(lignes), cpo)


def _ligne(f: Financement, regles: JeuDeRegles | None) -> LigneMontant:
    if regles is None:
        return LigneMontant(f.financeur, f.dispositif, f.montant, f.retenu)
    code = regles.dispositif_de(f.dispositif)
    return LigneMontant(f.financeur, f.dispositif, f.montant, f.retenu, code, regles.nature_ligne(f.financeur, code))


def solde(enveloppe: Decimal | None, montant: Decimal) -> Decimal | None:
    """What is left of the enveloppe (negative when exceeded); None without enveloppe."""
    return None if enveloppe is None else enveloppe - montant


def taux(enveloppe: Decimal | None, montant: Decimal) -> Decimal | None:
    """The share of the enveloppe used; None without enveloppe (or with a zero one)."""
    if enveloppe is None or enveloppe == ZERO:
        return None
    return montant / enveloppe


class _FaceAEnveloppe:
    """What a retained total set against an enveloppe derives: solde, taux, dépassement."""

    enveloppe: Decimal | None
    retenu: Decimal

    @property
    def solde(self) -> Decimal | None:
        return solde(self.enveloppe, self.retenu)

    @property
    def taux(self) -> Decimal | None:
        return taux(self.enveloppe, self.retenu)

    @property
    def depassement_enveloppe(self) -> bool:
        """The enveloppe itself is exceeded."""
        return self.enveloppe is not None and self.retenu > self.enveloppe

    def _chiffres(self, demande: Decimal, depassement: bool) -> dict[str, Any]:
        """The figures every total against an enveloppe writes in the programmation JSON, in their order."""
        return {
            "enveloppe": montant_json(self.enveloppe),
            "demande": montant_json(demande),
            "retenu": montant_json(self.retenu),
            "solde": montant_json(self.solde),
            "taux": taux_json(self.taux),
            "depassement": depassement,
        }


@dataclass(frozen=True)
class TotalSousEnveloppe(_FaceAEnveloppe):
    """A sous-enveloppe over one exercice: the lines of its périmètre, against its amount."""

    code: str
    nom: str
    enveloppe: Decimal | None
    demande: Decimal
    retenu: Decimal

    @property
    def depassement(self) -> bool:
        return self.depassement_enveloppe

    def to_dict(self) -> dict[str, Any]:
        """An entry of a financeur's ``sous-enveloppes`` in the programmation JSON (``docs/rapports.md``)."""
        return {"code": self.code, "nom": self.nom, **self._chiffres(self.demande, self.depassement)}


@dataclass(frozen=True)
class TotalFinanceur(_FaceAEnveloppe):
    """One financeur over one exercice: demandé (valid dossiers), retenu (eligible ones), enveloppe.

    ``demande``, ``retenu`` and ``dossiers`` count the lines inside the enveloppe's
    périmètre (every line without one); ``droit_commun`` is what eligible dossiers
    retain outside it (« droit commun mobilisé »).
    """

    financeur: str
    enveloppe: Decimal | None
    demande: Decimal
    retenu: Decimal
    dossiers: int
    droit_commun: Decimal = ZERO
    sous_enveloppes: tuple[TotalSousEnveloppe, ...] = ()

    @property
    def depassement(self) -> bool:
        """The enveloppe or one of its sous-enveloppes is exceeded."""
        return self.depassement_enveloppe or any(s.depassement for s in self.sous_enveloppes)

    def to_dict(self) -> dict[str, Any]:
        """An entry of ``financeurs`` in the programmation JSON (``docs/rapports.md``)."""
        return {
            "financeur": self.financeur,
            **self._chiffres(self.demande, self.depassement),
            "dossiers": self.dossiers,
            "droit-commun": montant_json(self.droit_commun),
            "sous-enveloppes": [s.to_dict() for s in self.sous_enveloppes],
        }
