"""The pydantic models of core/modeles and the plain records they hand over (core/valeurs.Enregistrement).

Each model and its record have the same fields in the same order, the same
names in the YAML and the same defaults; the record is read-only, compared,
hashed, pickled and written back as the model was (``model_dump``), and the rule
set the loader builds holds records only, no pydantic model (issue 17).
"""

from __future__ import annotations

import pickle

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from cdv_prog.core import modeles
from cdv_prog.core.conditions import Condition
from cdv_prog.core.modeles import regles as modeles_regles
from cdv_prog.core.ruleset import TOUT, DispositifDef, FinanceurDef, Perimetre
from cdv_prog.core.valeurs import Enregistrement

MODELES = sorted(
    (
        m
        for module in (modeles_regles,)
        for m in vars(module).values()
        if isinstance(m, type) and issubclass(m, modeles.EnClair) and issubclass(m, BaseModel) and "CLAIR" in vars(m)
    ),
    key=lambda m: m.__name__,
)


def test_every_model_of_the_engine_is_listed() -> None:
    assert {m.__name__ for m in MODELES} >= {
        "Condition",
        "ContratDef",
        "DefiDef",
        "DispositifDef",
        "FinanceurDef",
        "Perimetre",
        "QuartierDef",
    }


@pytest.mark.parametrize("modele", MODELES, ids=lambda m: m.__name__)
def test_the_record_has_the_models_fields_names_and_defaults(modele: type[BaseModel]) -> None:
    record = modele.CLAIR  # type: ignore[attr-defined]
    assert issubclass(record, Enregistrement)
    fields = modele.model_fields
    assert tuple(fields) == record._CHAMPS
    assert {n: f.alias for n, f in fields.items() if f.alias and f.alias != n} == record._ALIAS
    for name, field in fields.items():
        if field.default is PydanticUndefined:
            assert name not in record._DEFAUTS, name
        else:
            assert record._DEFAUTS[name] == field.default, name
    assert set(record._DEFAUTS) <= set(fields)
    assert modele.__name__ == record.__name__  # the schema's $defs keep the names of the engine's classes


def _condition(data: dict[str, object]) -> Condition:
    return modeles_regles.Condition.model_validate(data).en_clair()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"cpo": False},
        {"finance": "caf", "type-porteur": [None, "association"]},
        {"finance-n-1": ["caf"], "hors-geographie-prioritaire": True, "historique": False},
    ],
)
def test_a_condition_reads_back_as_the_model_wrote_it(data: dict[str, object]) -> None:
    model = modeles_regles.Condition.model_validate(data)
    record = model.en_clair()
    assert type(record) is Condition and not isinstance(record, BaseModel)
    assert record.donnees() == model.model_dump(by_alias=True, exclude_none=True)
    assert record.champs_json() == model.model_dump(by_alias=True)
    assert record == _condition(data)
    if not any(isinstance(v, list) for v in record.valeurs()):  # a list inside: never a key, as with the model
        assert hash(record) == hash(_condition(data))
    assert pickle.loads(pickle.dumps(record)) == record
    assert record.vide == (not data)


def test_records_are_read_only_and_compared_by_class_and_fields() -> None:
    p = Perimetre(nature="specifique")
    with pytest.raises(AttributeError, match="lecture seule"):
        p.cpo = True  # type: ignore[misc]
    with pytest.raises(AttributeError, match="lecture seule"):
        del p.nature
    assert p == Perimetre(nature="specifique", cpo=None) and p != Perimetre(nature="specifique", cpo=False)
    assert p != TOUT and Perimetre() == TOUT and hash(TOUT) == hash(Perimetre())
    assert p != modeles_regles.Perimetre(nature="specifique")  # a record is not its model
    assert repr(p) == "Perimetre(nature='specifique', cpo=None)"
    assert p.remplacer(cpo=False) == Perimetre(nature="specifique", cpo=False) and p.cpo is None
    with pytest.raises(TypeError, match="inconnu"):
        p.remplacer(statut="qpv")
    with pytest.raises(TypeError, match="inconnu"):
        Perimetre(statut="qpv")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="manquant"):
        FinanceurDef(nom="Ville")  # type: ignore[call-arg]


@pytest.mark.parametrize("n", [1, 3])  # one value short, one too many (Perimetre has two fields)
def test_a_record_built_or_read_back_from_the_wrong_number_of_values_is_refused(n: int) -> None:
    valeurs = ("specifique", None, None)[:n]
    with pytest.raises(ValueError, match="champs"):
        Perimetre.de(*valeurs)
    with pytest.raises(ValueError, match="champs"):
        Perimetre().__setstate__(valeurs)
    assert Perimetre.de("specifique", None) == Perimetre(nature="specifique")


def test_a_default_list_is_each_records_own() -> None:
    a, b = DispositifDef(nom="A", nature="specifique"), DispositifDef(nom="B", nature="specifique")
    assert a.alias == [] and a.alias is not b.alias


def test_donnees_leaves_out_empty_fields_at_every_depth_not_items() -> None:
    model = modeles_regles.DefiDef.model_validate({"nom": "Emploi", "objectifs": {"o1": "Former"}})
    assert model.en_clair().donnees() == model.model_dump(by_alias=True, exclude_none=True)
    d = DispositifDef(nom="BOP 147", nature="specifique", financeur=["etat", "ville"])
    assert d.donnees() == {"nom": "BOP 147", "financeur": ["etat", "ville"], "nature": "specifique", "alias": []}
    assert d.financeurs == ["etat", "ville"]


def test_the_loaded_rule_set_holds_records_only(regles) -> None:
    """No pydantic model in the engine's rule set: the compact rule set reads back without pydantic."""
    seen: set[type] = set()

    def walk(value: object) -> None:
        assert not isinstance(value, BaseModel), type(value)
        if isinstance(value, Enregistrement):
            seen.add(type(value))
            for v in value.valeurs():
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk([regles.contrat, regles.financeurs, regles.quartiers, regles.defis, regles.dispositifs])
    walk([e.perimetre for e in regles.enveloppes.values()])
    walk([s.perimetre for e in regles.enveloppes.values() for s in e.sous_enveloppes.values()])
    walk([r.condition for r in (*regles.regles.values(), *regles.programmation.values())])
    first, last = regles.contrat.periode
    for r in (*regles.regles.values(), *regles.programmation.values()):
        for exercice in range(first, last + 1):
            valeurs, _ = r.parametres(exercice, regles)
            if valeurs is not None:
                walk(list(valeurs.champs_json().values()))
    assert {c.__name__ for c in seen} >= {"ContratDef", "FinanceurDef", "QuartierDef", "Perimetre", "Condition"}
