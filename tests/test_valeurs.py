"""A rule's parameters as the engine keeps them (:mod:`cdv_prog.core.valeurs`): the validated model's fields,
plain and read-only, nested parameters models included, the names of the rules kept for the reports."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from cdv_prog.core.conditions import Condition
from cdv_prog.core.modeles import regles as modeles
from cdv_prog.core.valeurs import Enregistrement, Valeurs, depuis_modele
from cdv_prog.kinds.parametres.base import Parametres


class _Borne(Parametres):
    jour: int


class _Params(Parametres):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True, populate_by_name=True)
    minimum: Decimal
    sauf_groupes: list[str] = Field(default=[], alias="sauf-groupes")
    bornes: list[_Borne] = Field(default=[])
    par_code: dict[str, _Borne] = Field(default={})
    si: modeles.Condition | None = None


def _exemple() -> _Params:
    return _Params.model_construct(
        minimum=Decimal("500.00"),
        sauf_groupes=["prive"],
        bornes=[_Borne.model_construct(jour=30)],
        par_code={"a": _Borne.model_construct(jour=1)},
        si=modeles.Condition.model_construct(),
    )


def test_fields_under_their_names_nested_parameters_in_turn() -> None:
    v = depuis_modele(_exemple())
    assert v.minimum == Decimal("500.00") and v.sauf_groupes == ["prive"]
    assert isinstance(v.bornes[0], Valeurs) and v.bornes[0].jour == 30
    assert isinstance(v.par_code["a"], Valeurs) and v.par_code["a"].jour == 1
    assert type(v.si) is Condition  # a model of the rules that is not parameters: its plain record
    assert v.si == Condition()
    assert list(v.champs_json()) == ["minimum", "sauf-groupes", "bornes", "par_code", "si"]
    assert v.champs_json()["sauf-groupes"] == ["prive"]
    assert not isinstance(v, BaseModel)


def test_read_only() -> None:
    v = depuis_modele(_exemple())
    with pytest.raises(AttributeError, match="lecture seule"):
        v.minimum = Decimal(0)  # type: ignore[misc]
    with pytest.raises(AttributeError, match="lecture seule"):
        del v.minimum
    assert v.minimum == Decimal("500.00")


def test_pickle_round_trip_and_equality() -> None:
    v = depuis_modele(_exemple())
    again = pickle.loads(pickle.dumps(v))
    assert again == v and again.champs_json() == v.champs_json()
    assert Valeurs({"a": 1}) != Valeurs({"a": 2})
    assert Valeurs({"a": 1, "b": 2}) != Valeurs({"b": 2, "a": 1})  # the order is the report's
    assert Valeurs({"a": 1}) != {"a": 1}
    assert "minimum=Decimal('500.00')" in repr(v)


def _same(valeur: Any, modele: Any) -> bool:
    """The plain parameters hold what the validated model holds, nested parameters models field by field."""
    if isinstance(valeur, Valeurs):
        fields = type(modele).model_fields
        return list(valeur.__dict__) == list(fields) and all(
            _same(getattr(valeur, name), getattr(modele, name)) for name in fields
        )
    if isinstance(valeur, Enregistrement):  # a model of the rules (a Condition): its plain record, field by field
        return type(valeur) is type(modele).CLAIR and all(
            _same(getattr(valeur, name), getattr(modele, name)) for name in type(modele).model_fields
        )
    if isinstance(valeur, list):
        return isinstance(modele, list) and len(valeur) == len(modele) and all(map(_same, valeur, modele))
    if isinstance(valeur, dict):
        return (
            isinstance(modele, dict)
            and list(valeur) == list(modele)
            and all(_same(valeur[k], modele[k]) for k in valeur)
        )
    return type(valeur) is type(modele) and valeur == modele


def test_every_shipped_rule_every_year(regles) -> None:
    first, last = regles.contrat.periode
    seen = 0
    for regle in (*regles.regles.values(), *regles.programmation.values()):
        for exercice in range(first, last + 1):
            valeurs, missing = regle.parametres(exercice, regles)
            if valeurs is None:
                assert missing
                continue
            bruts = {k: d.at(exercice) for k, d in regle.parametres_bruts.items()}
            modele = regle.kind.Parametres.model_validate(bruts, context={"regles": regles})
            assert isinstance(valeurs, Valeurs) and _same(valeurs, modele), (regle.id, exercice)
            assert regle.parametres(exercice, regles)[0] is valeurs  # made once per exercice
            seen += 1
    assert seen > 50
