"""The history: the dossiers of earlier exercices, as the rules see them (SPEC §5).

A CPO lives three years and a CAF renewal depends on last year: some rules
need the dossiers of exercices before N. The engine receives them as an
optional :class:`Historique` (``None``: no history was given — the normal
case for a single file — and those rules say « historique non fourni »).

* :class:`DossierAnterieur` — one valid dossier of the history, **compact**:
  only what the rules (and ``cdv suivi``) read of it — id, exercice,
  intitulé, porteur, quartiers, precedent, CPO years, the action's flags,
  each financeur's retained total, the bilan sent, the annual evaluation —
  never the whole dossier (a 100 000-dossier history stays small);
* :class:`Historique` — the protocol the rules use: the dossiers, one found by
  its id;
* :class:`HistoriqueDossiers` — the plain implementation, from a list of
  records (what reading the history's files builds), with :meth:`~HistoriqueDossiers.vue`:
  the history **of exercice N** (only the dossiers of earlier exercices);
* :func:`precedent` — the dossier an ``action.precedent`` names, when it is of
  exercice N-1 (a precedent of another exercice counts as not found);
* :func:`meme_porteur` — two dossiers have the same porteur (same SIRET when
  both have one, else the same name ignoring case, accents and repeated spaces);
* :func:`empreinte` / :meth:`HistoriqueDossiers.empreinte` — a stable digest of
  what of the history one dossier's rules could read, or of a whole view
  (for a cache of reports).

Pure, like the rest of ``core``: nothing here reads a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from cdv_prog.core.money import ZERO

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.montants import Montants
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.core.vocab import Verdict

HISTORIQUE_NON_FOURNI = "historique non fourni"
EVALUATION_ANNUELLE = "evaluation-annuelle"  # the piece of a CPO's later years (rule cpo-evaluation-annuelle)
DRAPEAUX = ("innovante", "parentalite", "renouvellement", "elan", "objectif")  # the flags a record keeps


class PorteurLike(Protocol):
    @property
    def nom(self) -> str: ...

    @property
    def siret(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PorteurAnterieur:
    """The porteur of a dossier of the history: what comparing porteurs needs."""

    nom: str
    siret: str | None = None
    type: str | None = None


_DRAPEAUX: dict[frozenset[str], frozenset[str]] = {}  # at most 32 sets of flags: one copy each


def _i(text: str) -> str:
    return sys.intern(text)  # codes and names repeat across dossiers: one copy each


def intern_texte(text: str) -> str:
    """One copy of a code or a name that repeats across records (a record read back from the cache too)."""
    return sys.intern(text)


def intern_drapeaux(flags: frozenset[str]) -> frozenset[str]:
    """One copy of each set of flags (at most 32)."""
    return _DRAPEAUX.setdefault(flags, flags)


@dataclass(frozen=True, slots=True)
class DossierAnterieur:
    """A valid dossier of the history, reduced to what the rules read of it.

    ``retenus``: each financeur's retained total (only those that finance it,
    in order of appearance); ``drapeaux``: the action's flags that are true
    (``innovante``, ``parentalite``, ``renouvellement``, ``elan``, and
    ``objectif`` when the action gives one).
    """

    id: str
    exercice: int
    intitule: str
    porteur: PorteurAnterieur
    quartiers: tuple[str, ...]
    precedent: str | None = None
    annees_cpo: tuple[int, ...] | None = None  # sorted; None: the action is not under a CPO
    retenus: tuple[tuple[str, Decimal], ...] = ()
    drapeaux: frozenset[str] = frozenset()
    bilan_envoye_le: dt.date | None = None
    bilan_financeurs: tuple[str, ...] | None = None
    evaluation_annuelle: bool = False
    fichier: str = ""
    verdict: Verdict | None = None
    engages: tuple[tuple[str, Decimal], ...] | None = None  # under a CPO, read with the rules: what it commits

    @classmethod
    def of(
        cls,
        dossier: Dossier,
        montants: Montants,
        verdict: Verdict | None = None,
        fichier: str = "",
        regles: JeuDeRegles | None = None,
    ) -> DossierAnterieur:
        """The record of a valid dossier (its amounts already computed).

        With ``regles``, a dossier under a CPO also keeps ``engages``: each
        financeur's retained total on the lines of its enveloppe's périmètre,
        financeurs voting each year (``annuel``) left out — what the CPO
        commits that year (:mod:`cdv_prog.programmation.engagements`).
        """
        action = dossier.action
        flags = [name for name in DRAPEAUX[:3] if getattr(action, name)]
        if dossier.elan:
            flags.append("elan")
        if action.objectif is not None:
            flags.append("objectif")
        bilan = dossier.bilan_precedent
        return cls(
            id=dossier.id,
            exercice=dossier.exercice,
            intitule=dossier.intitule,
            porteur=PorteurAnterieur(_i(dossier.porteur.nom), dossier.porteur.siret, dossier.porteur.type),
            quartiers=tuple(_i(q) for q in action.quartiers),
            precedent=action.precedent,
            annees_cpo=tuple(sorted(action.cpo.annees)) if action.cpo is not None else None,
            retenus=tuple((_i(code), total) for code, total in montants.retenus.items() if total > ZERO),
            drapeaux=_DRAPEAUX.setdefault(frozenset(flags), frozenset(flags)),
            bilan_envoye_le=bilan.envoye_le if bilan is not None else None,
            bilan_financeurs=tuple(bilan.financeurs) if bilan is not None and bilan.financeurs is not None else None,
            evaluation_annuelle=EVALUATION_ANNUELLE in dossier.pieces,
            fichier=fichier,
            verdict=verdict,
            engages=engages_cpo(montants, regles) if regles is not None and action.cpo is not None else None,
        )

    def __reduce__(self) -> tuple[object, ...]:
        """Sent between processes as plain values, shared again on arrival (:func:`_partage`)."""
        return (_partage, tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    def retenu(self, financeur: str) -> Decimal:
        """The financeur's retained total on that dossier (0 when it does not finance it)."""
        for code, total in self.retenus:
            if code == financeur:
                return total
        return ZERO

    def finance(self, financeur: str) -> bool:
        return self.retenu(financeur) > ZERO

    @property
    def financent(self) -> list[str]:
        return [code for code, _ in self.retenus]

    def cle(self) -> str:
        """The record as stable text (for :func:`empreinte`): every field, in order."""
        return repr(
            (
                self.id,
                self.exercice,
                self.intitule,
                self.porteur.nom,
                self.porteur.siret,
                self.porteur.type,
                self.quartiers,
                self.precedent,
                self.annees_cpo,
                tuple((c, str(t)) for c, t in self.retenus),
                tuple(sorted(self.drapeaux)),
                str(self.bilan_envoye_le),
                self.bilan_financeurs,
                self.evaluation_annuelle,
                self.verdict,
                *(() if self.engages is None else (tuple((c, str(t)) for c, t in self.engages),)),
            )
        )


T = TypeVar("T")
_PARTAGES: dict[object, object] = {}  # values that repeat across records (codes, years, amounts): one copy each


def _un(value: T) -> T:
    return cast(T, _PARTAGES.setdefault((type(value), repr(value)), value))


def _partage(
    ident: str,
    exercice: int,
    intitule: str,
    porteur: PorteurAnterieur,
    quartiers: tuple[str, ...],
    precedent: str | None,
    annees_cpo: tuple[int, ...] | None,
    retenus: tuple[tuple[str, Decimal], ...],
    drapeaux: frozenset[str],
    bilan_envoye_le: dt.date | None,
    bilan_financeurs: tuple[str, ...] | None,
    evaluation_annuelle: bool,
    fichier: str,
    verdict: Verdict | None,
    engages: tuple[tuple[str, Decimal], ...] | None = None,
) -> DossierAnterieur:
    """A record received from another process, its repeated values shared (a pickle copies each one)."""
    return DossierAnterieur(
        ident,
        exercice,
        intitule,
        PorteurAnterieur(_i(porteur.nom), porteur.siret, _i(porteur.type) if porteur.type is not None else None),
        _un(tuple(_i(q) for q in quartiers)),
        precedent,
        _un(annees_cpo),
        tuple((_i(code), _un(total)) for code, total in retenus),
        _DRAPEAUX.setdefault(drapeaux, drapeaux),
        bilan_envoye_le,
        bilan_financeurs,
        evaluation_annuelle,
        fichier,
        verdict,
        None if engages is None else tuple((_i(code), _un(total)) for code, total in engages),
    )


def engages_cpo(montants: Montants, regles: JeuDeRegles) -> tuple[tuple[str, Decimal], ...]:
    """What a dossier under a CPO commits per financeur: the lines of its enveloppe's périmètre, no annual financeur.

    Only financeurs with a positive total, in order of appearance.
    """
    out: dict[str, Decimal] = {}
    for ligne in montants.lignes:
        f = regles.financeurs.get(ligne.financeur)
        if f is None or f.annuel:
            continue
        if regles.perimetre(ligne.financeur).contient(ligne.nature, montants.cpo):
            out[ligne.financeur] = out.get(ligne.financeur, ZERO) + ligne.retenu
    return tuple((_i(code), total) for code, total in out.items() if total > ZERO)


def suivant(historique: HistoriqueDossiers, ident: str, annee: int) -> DossierAnterieur | None:
    """The dossier of exercice ``annee`` whose ``action.precedent`` names ``ident``, under a CPO covering ``annee``.

    When several do, the first in the index's order (exercice, id, file).
    """
    for d in historique.successeurs(ident):
        if d.exercice == annee and d.annees_cpo is not None and annee in d.annees_cpo:
            return d
    return None


class Historique(Protocol):
    """The dossiers of earlier exercices that the rules may read."""

    @property
    def dossiers(self) -> Sequence[DossierAnterieur]: ...

    def trouver(self, ident: str) -> DossierAnterieur | None:
        """The dossier of the history with this id (None when it is not there)."""
        ...


@dataclass(frozen=True)
class HistoriqueDossiers:
    """A history from a list of records (the first one wins when an id repeats).

    ``avant``: when set, this is the history **of exercice** ``avant``: only
    the dossiers of earlier exercices are seen (:meth:`vue`).
    """

    dossiers: tuple[DossierAnterieur, ...]
    avant: int | None = None
    _index: dict[str, DossierAnterieur] = field(default_factory=dict, repr=False, compare=False)
    _vues: dict[int, HistoriqueDossiers] = field(default_factory=dict, repr=False, compare=False)

    _premier: list[int | None] = field(default_factory=list, repr=False, compare=False)
    _successeurs: dict[str, list[DossierAnterieur]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for d in self.dossiers:
            self._index.setdefault(d.id, d)
        self._premier.append(min((d.exercice for d in self.dossiers), default=None))  # asked for every dossier

    @classmethod
    def of(cls, dossiers: Iterable[DossierAnterieur]) -> HistoriqueDossiers:
        return cls(tuple(dossiers))

    @classmethod
    def ordonne(cls, dossiers: Iterable[DossierAnterieur]) -> HistoriqueDossiers:
        """A history whose order does not depend on the order the files were read in (exercice, id, file)."""
        return cls(tuple(sorted(dossiers, key=lambda d: (d.exercice, d.id, d.fichier))))

    def trouver(self, ident: str) -> DossierAnterieur | None:
        found = self._index.get(ident)
        if found is not None and self.avant is not None and found.exercice >= self.avant:
            return None
        return found

    def successeurs(self, ident: str) -> list[DossierAnterieur]:
        """The dossiers of this history whose ``action.precedent`` names ``ident`` (index order; built once)."""
        if not self._successeurs and self.dossiers:
            for d in self.dossiers:
                if d.precedent is not None:
                    self._successeurs.setdefault(d.precedent, []).append(d)
            self._successeurs.setdefault("", [])  # built, even when no dossier names a precedent
        return self._successeurs.get(ident, [])

    @property
    def premier_exercice(self) -> int | None:
        return self._premier[0]

    @property
    def exercices(self) -> tuple[int, ...]:
        return tuple(sorted({d.exercice for d in self.dossiers}))

    def vue(self, exercice: int) -> HistoriqueDossiers:
        """The history of exercice N: the dossiers of exercices before N (the index is shared, not copied)."""
        view = self._vues.get(exercice)
        if view is None:
            kept = tuple(d for d in self.dossiers if d.exercice < exercice)
            view = self._vues[exercice] = HistoriqueDossiers(kept, exercice, _index=self._index)
        return view

    def __reduce__(self) -> tuple[object, ...]:  # the index is rebuilt on unpickling, never sent
        return (HistoriqueDossiers, (self.dossiers, self.avant))

    def empreinte(self) -> str:
        """A stable digest (hex SHA-256) of every record of this history, in order."""
        h = hashlib.sha256()
        for d in self.dossiers:
            h.update(d.cle().encode("utf-8", "surrogatepass"))
            h.update(b"\n")
        return h.hexdigest()


def disponible(historique: Historique | None, exercice: int) -> bool:
    """A history is available for exercice N: at least one dossier of an earlier exercice was read."""
    if historique is None:
        return False
    premier = getattr(historique, "premier_exercice", None)
    if premier is not None or isinstance(historique, HistoriqueDossiers):
        return premier is not None and premier < exercice
    return any(d.exercice < exercice for d in historique.dossiers)


def precedent(historique: Historique | None, dossier: Dossier) -> DossierAnterieur | None:
    """The dossier ``action.precedent`` names, if it is in the history **and** of exercice N-1."""
    ident = dossier.action.precedent
    if historique is None or ident is None:
        return None
    found = historique.trouver(ident)
    return found if found is not None and found.exercice == dossier.exercice - 1 else None


def empreinte(historique: Historique | None, dossier: Dossier) -> str:
    """A stable digest of what of the history the **dossier** rules could read for this dossier.

    The dossier rules that use the history read only: whether a history is
    available for its exercice, and the record its ``action.precedent`` names
    (whatever its exercice). Two runs whose histories give the same digest
    give the dossier the same constats. (The programmation rules read the
    whole history: use :meth:`HistoriqueDossiers.empreinte` of the view.)
    """
    h = hashlib.sha256()
    h.update(b"1" if disponible(historique, dossier.exercice) else b"0")
    ident = dossier.action.precedent
    if historique is not None and ident is not None:
        found = historique.trouver(ident)
        h.update(b"-" if found is None else found.cle().encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def nom_simplifie(nom: str) -> str:
    """A name as porteurs are compared: case and accents ignored, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", nom.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def meme_porteur(a: PorteurLike, b: PorteurLike) -> bool:
    """Same SIRET when both have one, else the same name (case, accents and repeated spaces ignored)."""
    if a.siret is not None and b.siret is not None:
        return a.siret == b.siret
    return nom_simplifie(a.nom) == nom_simplifie(b.nom)
