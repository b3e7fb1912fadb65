"""The history: the dossiers of earlier exercices, as the rules see them (SPEC §5).

A CPO lives three years and a CAF renewal depends on last year: some rules
need the dossiers of exercices before N. The engine receives them as an
optional :class:`Historique` (``None``: no history was given — the normal
case for a single file — and those rules say « historique non fourni »).

* :class:`DossierAnterieur` — one valid dossier of the history with its
  amounts (and its verdict when known): what the rules read of it (exercice,
  porteur, CPO years, each financeur's retained total);
* :class:`Historique` — the protocol the rules use: the dossiers, one found by
  its id;
* :class:`HistoriqueDossiers` — the plain implementation, from a list of
  dossiers (what reading the history's files builds);
* :func:`precedent` — the dossier an ``action.precedent`` names, when it is of
  exercice N-1 (a precedent of another exercice counts as not found);
* :func:`meme_porteur` — two dossiers have the same porteur (same SIRET when
  both have one, else the same name ignoring case, accents and repeated spaces).

Pure, like the rest of ``core``: nothing here reads a file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from cdv_prog.core.money import ZERO

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier, Porteur
    from cdv_prog.core.montants import Montants
    from cdv_prog.core.vocab import Verdict

HISTORIQUE_NON_FOURNI = "historique non fourni"


@dataclass(frozen=True)
class DossierAnterieur:
    """A valid dossier of the history, with its amounts (and its verdict, when it was judged)."""

    dossier: Dossier
    montants: Montants
    verdict: Verdict | None = None

    @property
    def id(self) -> str:
        return self.dossier.id

    @property
    def exercice(self) -> int:
        return self.dossier.exercice

    @property
    def porteur(self) -> Porteur:
        return self.dossier.porteur

    @property
    def annees_cpo(self) -> tuple[int, ...] | None:
        """The CPO's years (sorted), or None when the action was not under a CPO."""
        cpo = self.dossier.action.cpo
        return tuple(sorted(cpo.annees)) if cpo is not None else None

    def retenu(self, financeur: str) -> Decimal:
        """The financeur's retained total on that dossier (0 when it does not finance it)."""
        return self.montants.retenu(financeur)

    def finance(self, financeur: str) -> bool:
        return self.retenu(financeur) > ZERO


class Historique(Protocol):
    """The dossiers of earlier exercices that the rules may read."""

    @property
    def dossiers(self) -> Sequence[DossierAnterieur]: ...

    def trouver(self, ident: str) -> DossierAnterieur | None:
        """The dossier of the history with this id (None when it is not there)."""
        ...


@dataclass(frozen=True)
class HistoriqueDossiers:
    """A history from a list of dossiers (the first one wins when an id repeats)."""

    dossiers: tuple[DossierAnterieur, ...]
    _index: dict[str, DossierAnterieur] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for d in self.dossiers:
            self._index.setdefault(d.id, d)

    @classmethod
    def of(cls, dossiers: Iterable[DossierAnterieur]) -> HistoriqueDossiers:
        return cls(tuple(dossiers))

    def trouver(self, ident: str) -> DossierAnterieur | None:
        return self._index.get(ident)


def disponible(historique: Historique | None, exercice: int) -> bool:
    """A history is available for exercice N: at least one dossier of an earlier exercice was read."""
    return historique is not None and any(d.exercice < exercice for d in historique.dossiers)


def precedent(historique: Historique | None, dossier: Dossier) -> DossierAnterieur | None:
    """The dossier ``action.precedent`` names, if it is in the history **and** of exercice N-1."""
    ident = dossier.action.precedent
    if historique is None or ident is None:
        return None
    found = historique.trouver(ident)
    return found if found is not None and found.exercice == dossier.exercice - 1 else None


def nom_simplifie(nom: str) -> str:
    """A name as porteurs are compared: case and accents ignored, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", nom.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def meme_porteur(a: Porteur, b: Porteur) -> bool:
    """Same SIRET when both have one, else the same name (case, accents and repeated spaces ignored)."""
    if a.siret is not None and b.siret is not None:
        return a.siret == b.siret
    return nom_simplifie(a.nom) == nom_simplifie(b.nom)
