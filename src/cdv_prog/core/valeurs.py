"""A rule's parameters for one exercice as the engine and the reports read them: plain, read-only, no pydantic.

:meth:`cdv_prog.core.ruleset.Regle.parametres` validates the kind's ``Parametres`` (a pydantic
model) once per exercice and keeps a :class:`Valeurs`: the fields of the validated model under
their Python names (``p.sauf_groupes``), in the model's order, each nested parameters model
(``date-limite``'s bornes) a :class:`Valeurs` in turn, with the name each field is written under in
the rules and the reports (``sauf-groupes``). The kinds read it as they read the model (the
annotations of their ``verifier`` name the model: the same attributes); the compact rule set in the
user's cache keeps it, and its class imports no pydantic; the JSON report writes
:meth:`Valeurs.champs_json`. Step 2 toward a ``cdv check`` without pydantic (README « Performances »).
"""

from __future__ import annotations

from typing import Any


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
    (those whose class says ``VALEURS = True``, as every kind's ``Parametres`` does) as :class:`Valeurs` too;
    any other value (a ``Condition``, a ``Decimal``, a date) as it is."""
    fields = type(model).model_fields
    champs = {name: _valeur(getattr(model, name)) for name in fields}
    noms = {name: info.alias for name, info in fields.items() if info.alias and info.alias != name}
    return Valeurs(champs, noms)


def _valeur(value: Any) -> Any:
    if getattr(type(value), "VALEURS", False) is True:
        return depuis_modele(value)
    if isinstance(value, list):
        return [_valeur(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_valeur(v) for v in value)
    if isinstance(value, dict):
        return {k: _valeur(v) for k, v in value.items()}
    return value
