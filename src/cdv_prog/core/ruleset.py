"""The rule set as the engine sees it: référentiels, enveloppes, rules (plain records, no loading, no pydantic).

A :class:`JeuDeRegles` is built by :mod:`cdv_prog.files.rules` from the YAML
files of ``rules/`` (format: ``docs/regles.md``), validated by the pydantic models
of :mod:`cdv_prog.core.modeles.regles`, which hand over the records defined here. Each :class:`Regle` is an
instance of a rule kind — a module of :mod:`cdv_prog.kinds` satisfying
:class:`RuleKind` — with parameters that may be dated by year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from cdv_prog.core.conditions import Condition
from cdv_prog.core.dated import Dated
from cdv_prog.core.derogations import Derogation
from cdv_prog.core.findings import Resultat, RuleProblem
from cdv_prog.core.valeurs import Enregistrement, Valeurs, depuis_modele
from cdv_prog.core.vocab import Gravite, GroupeFinanceur, Nature, Portee, StatutQuartier, normaliser

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pydantic import BaseModel

NOMS_MAX = 1024  # lists of financeurs whose names a rule set remembers (JeuDeRegles.noms_courts)


class RuleKind(Protocol):
    """What every rule kind module declares (checked by mypy on the registry).

    ``TYPE`` is the ``type:`` of the rules YAML, ``PORTEE`` says whether the
    kind judges one dossier or a whole programmation, ``Parametres`` is the
    strict pydantic model of its parameters and ``verifier`` the pure check.
    """

    @property
    def TYPE(self) -> str: ...  # noqa: N802 - a module constant

    @property
    def PORTEE(self) -> Portee: ...  # noqa: N802 - a module constant

    @property
    def Parametres(self) -> type[BaseModel]: ...  # noqa: N802 - the module's class

    # ``ctx`` and ``p`` are left open because each kind narrows them (parameters are contravariant):
    # ctx to Contexte or ContexteProgrammation, p to its own Parametres. mypy still checks that
    # ``verifier`` takes exactly these two arguments by position and returns a Resultat.
    def verifier(self, ctx: Any, p: Any, /) -> Resultat: ...

    # Optional, like ``CHAMP`` (read with ``getattr``, so not declared here): a pure
    # ``remede(ctx, p) -> Remede | None`` next to ``verifier``, the smallest change of the
    # dossier that would make the failed rule hold (:mod:`cdv_prog.core.remedier` verifies it).


class ContratDef(Enregistrement):
    """The contract: its name, its period (first and last exercice), its acronym."""

    _CHAMPS = ("nom", "periode", "sigle")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"sigle": None}
    nom: str
    periode: list[int]
    sigle: str | None


class FinanceurDef(Enregistrement):
    _CHAMPS = ("nom", "groupe", "sigle", "nature", "annuel", "siret")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"sigle": None, "nature": "specifique", "annuel": False, "siret": None}
    nom: str
    groupe: GroupeFinanceur
    sigle: str | None
    nature: Nature  # of its lines whose dispositif is unknown or absent
    annuel: bool  # votes each year: never committed for later years by a CPO
    siret: str | None  # its SIRET, 14 digits: the ``idAttribuant`` of its open data (``--format scdl``)


class DispositifDef(Enregistrement):
    """A dispositif (BOP 147, FIPD, REAAP…): its financeur and its nature, and the names people write."""

    _CHAMPS = ("nom", "financeur", "nature", "alias")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"financeur": None, "alias": []}
    nom: str
    financeur: str | list[str] | None  # one or several; None: any financeur (« droit commun »)
    nature: Nature
    alias: list[str]

    @property
    def financeurs(self) -> list[str] | None:
        """The financeurs whose lines may name this dispositif (None: any)."""
        if self.financeur is None:
            return None
        return [self.financeur] if isinstance(self.financeur, str) else list(self.financeur)


class Perimetre(Enregistrement):
    """The lines of its financeur an enveloppe counts: by nature, by CPO or not; a key left out: any.

    ``Perimetre()`` counts every line (an enveloppe given in the short form).
    """

    _CHAMPS = ("nature", "cpo")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"nature": None, "cpo": None}
    nature: Nature | None  # specifique | droit-commun
    cpo: bool | None  # true: dossiers under a CPO only; false: the others only

    @property
    def vide(self) -> bool:
        """No constraint: every line of the financeur counts."""
        return self.nature is None and self.cpo is None

    def contient(self, nature: Nature, cpo: bool) -> bool:
        """Whether a line of this nature, on a dossier under a CPO or not, is inside."""
        return (self.nature is None or self.nature == nature) and (self.cpo is None or self.cpo == cpo)

    def plus_etroit(self, autre: Perimetre) -> bool:
        """Strictly narrower than ``autre``: every constraint of ``autre``, and at least one more."""
        garde = all(
            mine == theirs or theirs is None for mine, theirs in ((self.nature, autre.nature), (self.cpo, autre.cpo))
        )
        return garde and self != autre

    def texte(self) -> str:
        """« crédits spécifiques, hors CPO », or « toutes les lignes du financeur »."""
        from cdv_prog.core.vocab import NATURES_FR

        parts = []
        if self.nature is not None:
            parts.append(NATURES_FR[self.nature])
        if self.cpo is not None:
            parts.append("sous CPO" if self.cpo else "hors CPO")
        return ", ".join(parts) if parts else "toutes les lignes du financeur"


TOUT = Perimetre()


@dataclass(frozen=True)
class SousEnveloppe:
    """A part of an enveloppe with a narrower périmètre (the Agglo's « appel à projets annuel »)."""

    code: str
    nom: str
    montant: Dated[Decimal | None] | None  # None: « non renseignée »
    perimetre: Perimetre

    def at(self, exercice: int) -> Decimal | None:
        return self.montant.at(exercice) if self.montant is not None else None


@dataclass(frozen=True)
class Enveloppe:
    """A financeur's enveloppe: its (dated) amount, the lines it counts, its sous-enveloppes.

    The short form of the rules (``ville: {2024: 100000}``, a plain amount or ``~``)
    has the empty périmètre (every line of the financeur counts) and no sous-enveloppe.
    """

    financeur: str
    montant: Dated[Decimal | None] | None  # None: « non renseignée »
    perimetre: Perimetre = TOUT
    sous_enveloppes: dict[str, SousEnveloppe] = field(default_factory=dict)

    def at(self, exercice: int) -> Decimal | None:
        return self.montant.at(exercice) if self.montant is not None else None

    def contient(self, nature: Nature, cpo: bool) -> bool:
        return self.perimetre.contient(nature, cpo)

    def dans(self, sous: SousEnveloppe, nature: Nature, cpo: bool) -> bool:
        """A line counts in a sous-enveloppe when it is inside both périmètres (a part of the enveloppe)."""
        return self.perimetre.contient(nature, cpo) and sous.perimetre.contient(nature, cpo)


class QuartierDef(Enregistrement):
    _CHAMPS = ("nom", "statut", "commune")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"commune": None}
    nom: str
    statut: StatutQuartier
    commune: str | None


class DefiDef(Enregistrement):
    _CHAMPS = ("nom", "objectifs")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"objectifs": {}}
    nom: str
    objectifs: dict[str, str]


class RulesError(Exception):
    def __init__(self, problems: list[RuleProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Regle:
    """A rule of the set: an instance of a kind with (possibly dated) parameters."""

    id: str
    type: str
    kind: RuleKind
    gravite: Gravite
    source: str
    condition: Condition
    parametres_bruts: dict[str, Dated[Any]]
    titre: str | None = None
    description: str | None = None
    conseil: str | None = None
    _cache: dict[int, tuple[Valeurs | None, str | None]] = field(default_factory=dict, repr=False, compare=False)

    def parametres(self, exercice: int, regles: JeuDeRegles) -> tuple[Valeurs | None, str | None]:
        """(validated parameters, None) for the exercice, or (None, reason) when undated.

        The parameters are the validated model's fields, plain and read-only (:mod:`cdv_prog.core.valeurs`).
        """
        cached = self._cache.get(exercice)
        if cached is not None:
            return cached
        values: dict[str, object] = {}
        missing = []
        for name, dated in self.parametres_bruts.items():
            if dated.has(exercice):
                values[name] = dated.at(exercice)
            else:
                missing.append(name)
        if missing:
            names = ", ".join(f"« {name} »" for name in missing)
            starts = [min(years) for name in missing if (years := self.parametres_bruts[name].years())]
            result: tuple[Valeurs | None, str | None] = (
                None,
                f"la règle ne s'applique qu'à partir de {max(starts)} (aucune valeur de {names} pour {exercice})"
                if starts
                else f"la règle ne s'applique pas (aucune valeur de {names})",
            )
        else:
            result = (depuis_modele(self.kind.Parametres.model_validate(values, context={"regles": regles})), None)
        self._cache[exercice] = result
        return result

    def vider_parametres(self) -> None:
        """Forget the parameters validated so far (:meth:`parametres` validates them again when asked)."""
        self._cache.clear()


@dataclass
class JeuDeRegles:
    contrat: ContratDef
    financeurs: dict[str, FinanceurDef]
    quartiers: dict[str, QuartierDef]
    defis: dict[str, DefiDef]
    axes: dict[str, str]
    pieces: dict[str, str]
    enveloppes: dict[str, Enveloppe]  # financeur → its enveloppe (amount, périmètre, sous-enveloppes)
    regles: dict[str, Regle]
    programmation: dict[str, Regle] = field(default_factory=dict)
    fichiers: list[Path] = field(default_factory=list)
    empreinte: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    dispositifs: dict[str, DispositifDef] = field(default_factory=dict)
    derogations: dict[str, tuple[Derogation, ...]] = field(default_factory=dict)  # dossier id → its dérogations
    _index: dict[str, str] | None = field(default=None, repr=False, compare=False)
    # a list of financeurs → its short names joined (noms_courts): the lists a message names come back
    _noms: dict[tuple[str, ...], str] = field(default_factory=dict, repr=False, compare=False)

    def dispositif_de(self, texte: str | None) -> str | None:
        """The dispositif a line's free text names (its code or an alias; case, accents and spaces ignored)."""
        if texte is None:
            return None
        if self._index is None:
            self._index = index_dispositifs(self.dispositifs)
        return self._index.get(normaliser(texte))

    def nature_ligne(self, financeur: str, dispositif: str | None) -> Nature:
        """A line's nature: its dispositif's, else its financeur's (default: crédits spécifiques)."""
        if dispositif is not None:
            return self.dispositifs[dispositif].nature
        f = self.financeurs.get(financeur)
        return f.nature if f is not None else "specifique"

    def nom_court(self, financeur: str) -> str:
        f = self.financeurs.get(financeur)
        return (f.sigle or financeur) if f else financeur

    def noms_courts(self, financeurs: Iterable[str]) -> str:
        """The short names joined (« État, Ville, Agglo »; « aucun » for none), remembered per list: a
        rule names the same few lists in every dossier's message (issue 17: 1.5 → 0.2 µs a list)."""
        cle = tuple(financeurs)
        found = self._noms.get(cle)
        if found is None:
            found = ", ".join(map(self.nom_court, cle)) or "aucun"
            if len(self._noms) >= NOMS_MAX:
                self._noms.clear()
            self._noms[cle] = found
        return found

    def enveloppe(self, financeur: str, exercice: int) -> Decimal | None:
        """The amount of the financeur's enveloppe for the exercice (None: none, or « non renseignée »)."""
        env = self.enveloppes.get(financeur)
        return env.at(exercice) if env is not None else None

    def perimetre(self, financeur: str) -> Perimetre:
        """The lines of the financeur its enveloppe counts (all of them without périmètre or enveloppe)."""
        env = self.enveloppes.get(financeur)
        return env.perimetre if env is not None else TOUT


def index_dispositifs(dispositifs: dict[str, DispositifDef]) -> dict[str, str]:
    """Normalised code and aliases → dispositif code (the first one wins; the loader refuses overlaps)."""
    index: dict[str, str] = {}
    for code, d in dispositifs.items():
        for name in (code, *d.alias):
            index.setdefault(normaliser(name), code)
    return index
