"""Plain, read-only values the engine reads, with no pydantic: a rule's parameters, the rule set's and the dossier's records.

:meth:`cdv_prog.core.ruleset.Regle.parametres` validates the kind's ``Parametres`` (a pydantic
model) once per exercice and keeps a :class:`Valeurs`: the fields of the validated model under
their Python names (``p.sauf_groupes``), in the model's order, each nested parameters model
(``date-limite``'s bornes) a :class:`Valeurs` in turn, with the name each field is written under in
the rules and the reports (``sauf-groupes``). The kinds read it as they read the model (the
annotations of their ``verifier`` name the model: the same attributes); the compact rule set in the
user's cache keeps it, and its class imports no pydantic; the JSON report writes
:meth:`Valeurs.champs_json`. Step 2 toward a ``cdv check`` without pydantic (docs/performances.md).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self


class Valeurs:
    """Read-only attributes: a kind's parameters for one exercice (:func:`depuis_modele`)."""

    __slots__ = ("__dict__", "_noms")
    _noms: dict[str, str]

    def __init__(self, champs: dict[str, Any], noms: dict[str, str] | None = None) -> None:
        self.__dict__.update(champs)
        object.__setattr__(self, "_noms", noms or {})  # a field → its name in the rules, when it differs

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"paramètres en lecture seule : {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"paramètres en lecture seule : {name}")

    def champs_json(self) -> dict[str, Any]:
        """The fields under their names in the rules (``model_dump(by_alias=True)``, one level deep)."""
        noms = self._noms
        return {noms.get(name, name): value for name, value in self.__dict__.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Valeurs):
            return NotImplemented
        return self.__dict__ == other.__dict__ and list(self.__dict__) == list(other.__dict__)

    __hash__ = None  # type: ignore[assignment]  # lists inside: never a key

    def __repr__(self) -> str:
        return "Valeurs(" + ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items()) + ")"

    def __reduce__(self) -> tuple[type[Valeurs], tuple[dict[str, Any], dict[str, str]]]:
        return Valeurs, (dict(self.__dict__), self._noms)


def depuis_modele(model: Any) -> Valeurs:
    """The :class:`Valeurs` of a validated parameters model: its fields in order, nested parameters models
    (those whose class says ``VALEURS = True``, as every kind's ``Parametres`` does) as :class:`Valeurs` too,
    a model of :mod:`cdv_prog.core.modeles` (a ``Condition``) as its :class:`Enregistrement`; any other value
    (a ``Decimal``, a date) as it is."""
    fields = type(model).model_fields
    champs = {name: valeur_simple(getattr(model, name)) for name in fields}
    noms = {name: info.alias for name, info in fields.items() if info.alias and info.alias != name}
    return Valeurs(champs, noms)


def valeur_simple(value: Any) -> Any:
    """A validated value as the engine keeps it: a parameters model as :class:`Valeurs`, any other model of
    :mod:`cdv_prog.core.modeles` as its :class:`Enregistrement` (``en_clair()``), in lists, tuples and
    mappings too; the rest as it is."""
    if getattr(type(value), "VALEURS", False) is True:
        return depuis_modele(value)
    en_clair = getattr(value, "en_clair", None)
    if en_clair is not None:  # a model of core.modeles (a programmation rule's Condition): its plain record
        return en_clair()
    if isinstance(value, list):
        return [valeur_simple(v) for v in value]
    if isinstance(value, tuple):
        return tuple(valeur_simple(v) for v in value)
    if isinstance(value, dict):
        return {k: valeur_simple(v) for k, v in value.items()}
    return value


_new = object.__new__


class Enregistrement:
    """A plain, read-only record of the rule set or of a dossier (a financeur, a condition, a dossier's action…).

    Each subclass lists its fields in ``_CHAMPS`` (in the order of the YAML and of the reports; its
    ``__slots__``, with those of values worked out from the fields), their defaults in ``_DEFAUTS`` and, in ``_ALIAS``, the name a field is written under when it is not its
    own (``autres_produits`` → ``autres-produits``). pydantic validates the data with the models of
    :mod:`cdv_prog.core.modeles`, which hand over such a record (``en_clair()``): the engine, the compact
    rule set of the user's cache and a ``cdv check`` of a usual dossier never import pydantic (issue 17,
    docs/performances.md). Equal when of the same class with equal fields, like the models were.
    """

    __slots__ = ()
    _CHAMPS: ClassVar[tuple[str, ...]] = ()
    _DEFAUTS: ClassVar[dict[str, Any]] = {}
    _ALIAS: ClassVar[dict[str, str]] = {}

    _POSEURS: ClassVar[tuple[Any, ...]] = ()  # each field's slot setter, in order (:meth:`de`)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # the slots' own setters: building a record by them takes half the time of object.__setattr__ (issue 17)
        cls._POSEURS = tuple(cls.__dict__[nom].__set__ for nom in cls._CHAMPS)

    def __init__(self, **champs: Any) -> None:
        defauts = self._DEFAUTS
        for nom, poser in zip(self._CHAMPS, self._POSEURS, strict=True):
            if nom in champs:
                valeur = champs.pop(nom)
            elif nom in defauts:
                valeur = defauts[nom]
                if type(valeur) is list or type(valeur) is dict:
                    valeur = valeur.copy()  # a default list or mapping is each record's own
            else:
                raise TypeError(f"{type(self).__name__} : champ « {nom} » manquant")
            poser(self, valeur)
        if champs:
            raise TypeError(f"{type(self).__name__} : champ(s) inconnu(s) : {', '.join(champs)}")

    @classmethod
    def de(cls, *valeurs: Any) -> Self:
        """The record of these field values, in the order of ``_CHAMPS`` (every field, already checked)."""
        record = _new(cls)
        _remplir(record, valeurs)
        return record

    def valeurs(self) -> tuple[Any, ...]:
        """The fields' values, in order."""
        return tuple([getattr(self, nom) for nom in self._CHAMPS])

    def remplacer(self, **changes: Any) -> Self:
        """A copy with some fields replaced (not validated, like pydantic's ``model_copy(update=…)``)."""
        inconnus = changes.keys() - set(self._CHAMPS)
        if inconnus:
            raise TypeError(f"{type(self).__name__} : champ(s) inconnu(s) : {', '.join(sorted(inconnus))}")
        return self.de(*(changes[nom] if nom in changes else getattr(self, nom) for nom in self._CHAMPS))

    def champs_json(self) -> dict[str, Any]:
        """The fields under their names in the YAML, one level deep (``model_dump(by_alias=True)`` of the model)."""
        alias = self._ALIAS
        return {alias.get(nom, nom): getattr(self, nom) for nom in self._CHAMPS}

    def donnees(self) -> dict[str, Any]:
        """The record as data again, under the YAML's names, the fields left empty (None) left out, nested
        records and their lists and mappings included (``model_dump(by_alias=True, exclude_none=True)``)."""
        alias = self._ALIAS
        return {
            alias.get(nom, nom): _donnee(valeur) for nom in self._CHAMPS if (valeur := getattr(self, nom)) is not None
        }

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} en lecture seule : {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} en lecture seule : {name}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.valeurs() == other.valeurs()

    def __hash__(self) -> int:
        return hash((type(self), self.valeurs()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._CHAMPS) + ")"

    def __getstate__(self) -> tuple[Any, ...]:
        return self.valeurs()

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        _remplir(self, state)


def _remplir(record: Enregistrement, valeurs: tuple[Any, ...]) -> None:
    """Set every field of ``record`` from ``valeurs``, in the order of ``_CHAMPS`` (:meth:`Enregistrement.de`,
    a record read back): counted once, then set by index — ``zip(strict=True)`` was 20 % slower (issue 17)."""
    poseurs = record._POSEURS
    if len(valeurs) != len(poseurs):
        raise ValueError(f"{type(record).__name__} : {len(valeurs)} valeurs pour {len(poseurs)} champs")
    for i, poser in enumerate(poseurs):
        poser(record, valeurs[i])


def _donnee(valeur: Any) -> Any:
    if isinstance(valeur, Enregistrement):
        return valeur.donnees()
    if type(valeur) is list:  # (pydantic leaves a None item of a list or mapping in)
        return [_donnee(v) for v in valeur]
    if type(valeur) is dict:
        return {k: _donnee(v) for k, v in valeur.items()}
    return valeur
