"""The dossier built without pydantic's validation (core/dossier_simple.py) is pydantic's, or declined.

Whatever the data, :func:`dossier_simple` either declines (``None``) or gives a
record equal in every part to what ``Dossier.valider`` gives (pydantic's
validation, then its record) with the same rule set: the values and their types. And it does not decline the usual dossiers: the shipped examples, the
peers' generated lot, generated dossiers with every optional field.
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.dossier_simple import dossier_simple
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.files.loader import load_yaml_text, read_text
from cdv_prog.files.rules import load_rules, packaged_rules_path
from test_properties import dossiers

REPO = Path(__file__).resolve().parent.parent
RULES = load_rules(packaged_rules_path())
PREMIER, DERNIER = RULES.contrat.periode
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A dossier with every field of every model given (each optional one too).
COMPLET: dict[str, Any] = {
    "id": "CDV-2025-014",
    "exercice": 2025,
    "intitule": "Atelier de quartier",
    "porteur": {"nom": "Association du quartier", "type": "association", "siret": "12345678901234"},
    "action": {
        "defi": "grandir",
        "objectif": "grandir.education",
        "axes": [],
        "quartiers": ["grazailles", "hors-qpv"],
        "debut": dt.date(2025, 1, 15),
        "fin": dt.date(2025, 12, 31),
        "innovante": True,
        "parentalite": False,
        "renouvellement": True,
        "cpo": {"annees": [2024, 2025, 2026]},
        "precedent": "CDV-2024-007",
    },
    "budget": {"total": "12 000,50", "autres-produits": 1000, "contributions-nature": Decimal("250.00")},
    "financements": [
        {"financeur": "etat", "dispositif": "BOP 147", "montant": 6000, "accorde": "5500"},
        {"financeur": "ville", "montant": 4000, "accorde": None},
        {"financeur": "ville", "dispositif": None, "montant": "1000,5"},
    ],
    "pieces": ["attestation-prefecture", "rib"],
    "elan": True,
    "bilan-precedent": {"envoye-le": "15/03/2025", "financeurs": ["etat", "ville"]},
}
if RULES.axes:
    COMPLET["action"]["axes"] = [next(iter(RULES.axes))]


def pydantic(data: Any, regles: JeuDeRegles = RULES) -> Dossier | None:
    try:
        return Dossier.valider(data, regles)
    except ValidationError:
        return None


def etat(model: Any) -> Any:
    """A record's whole state, nested records included (their type, their values and the values' types)."""
    if isinstance(model, Enregistrement):
        return (type(model), [(nom, etat(getattr(model, nom))) for nom in model._CHAMPS])
    if isinstance(model, list):
        return [etat(v) for v in model]
    return (type(model), str(model) if isinstance(model, Decimal) else model)  # 500 and 500.00 differ


def accord(data: Any, regles: JeuDeRegles = RULES) -> Dossier | None:
    """The dossier built directly, after checking that it is pydantic's (or that it declined)."""
    fait = dossier_simple(copy.deepcopy(data), regles)
    if fait is not None:
        attendu = pydantic(data, regles)
        assert attendu is not None, "built a dossier that pydantic refuses"
        assert etat(fait) == etat(attendu)
        assert fait == attendu and repr(fait) == repr(attendu)
        assert fait.donnees() == attendu.donnees()
    return fait


def test_a_dossier_with_every_field_is_built_as_pydantic_builds_it() -> None:
    assert accord(COMPLET) is not None


def test_the_builder_knows_every_key_of_every_model_and_which_are_required() -> None:
    """A field added to a model and not to the builder would be missing from the dossiers it builds."""
    from cdv_prog.core import dossier_simple as ds
    from cdv_prog.core.modeles.dossier import Action, BilanPrecedent, Budget, Cpo, Financement, Porteur
    from cdv_prog.core.modeles.dossier import Dossier as Modele

    for model, cles, requises in (
        (Modele, ds._DOSSIER, ds._DOSSIER_REQUIS),
        (Porteur, ds._PORTEUR, ds._PORTEUR_REQUIS),
        (Action, ds._ACTION, ds._ACTION_REQUIS),
        (Cpo, ds._CPO, ds._CPO_REQUIS),
        (Budget, ds._BUDGET, ds._BUDGET_REQUIS),
        (Financement, ds._FINANCEMENT, ds._FINANCEMENT_REQUIS),
        (BilanPrecedent, ds._BILAN, ds._BILAN_REQUIS),
    ):
        fields = model.model_fields
        assert cles == {f.alias or n for n, f in fields.items()}, model
        assert requises == {f.alias or n for n, f in fields.items() if f.is_required()}, model
        assert {model.CLAIR._ALIAS.get(n, n) for n in model.CLAIR._CHAMPS} == cles, model


def test_a_field_the_builder_does_not_build_declines_the_dossier(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field added to a record (and its model) but not to the builder: one value too few, the dossier is
    declined to pydantic — never built without the field."""
    from cdv_prog.core.dossier import Porteur

    assert dossier_simple(copy.deepcopy(COMPLET), RULES) is not None
    monkeypatch.setattr(Porteur, "_POSEURS", (*Porteur._POSEURS, Porteur._POSEURS[0]))
    assert dossier_simple(copy.deepcopy(COMPLET), RULES) is None


def test_a_dossier_with_only_the_required_fields_is_built_as_pydantic_builds_it() -> None:
    data = {
        "id": "X",
        "exercice": 2025,
        "intitule": "A",
        "porteur": {"nom": "P"},
        "action": {"defi": "grandir", "quartiers": ["grazailles"], "debut": "2025-01-01", "fin": "01/02/2025"},
        "budget": {"total": 1},
        "financements": [{"financeur": "etat", "montant": 1}],
    }
    fait = accord(data)
    assert fait is not None
    assert fait.pieces == [] and fait.budget.autres_produits == 0 and fait.action.cpo is None


def test_the_built_dossier_does_not_share_the_lists_of_the_data() -> None:
    data = copy.deepcopy(COMPLET)
    fait = dossier_simple(data, RULES)
    assert fait is not None
    data["action"]["quartiers"].append("x")
    data["pieces"].clear()
    data["action"]["cpo"]["annees"].clear()
    assert fait.action.quartiers == ["grazailles", "hors-qpv"]
    assert fait.pieces == ["attestation-prefecture", "rib"]
    assert fait.action.cpo is not None and fait.action.cpo.annees == [2024, 2025, 2026]


def test_the_shipped_examples_are_all_built_directly() -> None:
    built = declined = 0
    for path in sorted((REPO / "data").rglob("*.yaml")):
        data = load_yaml_text(read_text(path)).data
        if not isinstance(data, dict) or pydantic(data) is None:
            continue  # not a dossier, or an invalid one (declined or not, pydantic's message)
        if accord(data) is None:
            declined += 1
        else:
            built += 1
    assert built >= 20 and declined == 0


def test_the_peers_generated_lot_is_built_directly(tmp_path: Path) -> None:
    gen = REPO.parent / "shared" / "peers" / "gen_dossiers.py"
    if not gen.is_file():
        pytest.skip("../shared/peers absent (CI's clean checkout)")
    subprocess.run([sys.executable, str(gen), "-n", "60", "--out", str(tmp_path)], check=True, capture_output=True)
    paths = sorted(tmp_path.rglob("*.yaml"))
    assert len(paths) == 60
    for path in paths:
        assert accord(load_yaml_text(read_text(path)).data) is not None, path


# --------------------------------------------------------------------------- both sides of every bound

ID_100, ID_101 = "A" * 100, "A" * 101
DEBUT = dt.date(2025, 3, 1)


def _avec(chemin: str, valeur: Any) -> dict[str, Any]:
    data = copy.deepcopy(COMPLET)
    *parents, cle = chemin.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(cle)] = valeur
    else:
        node[cle] = valeur
    return data


BORNES = [  # (field, value on the valid side, value on the other side)
    ("id", ID_100, ID_101),
    ("id", "a._-Z9", "a b"),
    ("exercice", PREMIER, PREMIER - 1),
    ("exercice", DERNIER, DERNIER + 1),
    ("intitule", "x" * 2000, "x" * 2001),
    ("intitule", "x", ""),
    ("porteur.siret", "01234567890123", "0123456789012"),
    ("porteur.siret", None, 12345678901234),
    ("porteur.type", "autre", "Association"),
    ("action.precedent", ID_100, ID_101),
    ("action.cpo.annees", list(range(2021, 2031)), list(range(2020, 2031))),
    ("action.cpo.annees", [2025], []),
    ("action.cpo.annees", [2000, 2100], [1999, 2100]),
    ("action.cpo.annees", [2100], [2101]),
    ("action.fin", DEBUT.replace(day=1), DEBUT.replace(month=2, day=28)),
    ("action.debut", dt.date(2025, 12, 31), dt.date(2026, 1, 1)),
    ("action.fin", "31/12/2025", "31/12/25"),
    ("action.fin", "2025-12-31", "2025-02-30"),
    ("action.quartiers", ["hors-qpv"], []),
    ("action.quartiers", ["grazailles"], ["Grazailles"]),
    ("action.quartiers", ["grazailles", "hors-qpv"], ["grazailles", "quartier-inconnu"]),
    ("financements.1.financeur", "ville", "ville-inconnue"),
    ("action.objectif", None, "grandir.inconnu"),
    ("action.innovante", False, 0),
    ("action.renouvellement", True, "oui"),
    ("budget.total", "0,01", 0),
    ("budget.total", Decimal("0.01"), Decimal("-0.01")),
    ("budget.autres-produits", 0, "12.345"),
    ("financements.0.financeur", "agglo", "agglomeration"),
    ("financements.0.montant", "500,00", "500,001"),
    ("financements.0.accorde", 499, 499.5),
    ("financements.0.dispositif", "x" * 2000, "x" * 2001),
    ("pieces", ["a" * 80], ["a" * 81]),
    ("pieces", ["rib"], ["rib\n"]),
    ("elan", False, None),
    ("bilan-precedent.envoye-le", dt.date(2000, 1, 1), dt.date(1999, 12, 31)),
    ("bilan-precedent.financeurs", None, ["etat", "Ville"]),
]


@pytest.mark.parametrize(("champ", "bon", "mauvais"), BORNES, ids=[f"{c}={b!r:.20}" for c, b, _ in BORNES])
def test_both_sides_of_every_bound(champ: str, bon: Any, mauvais: Any) -> None:
    if champ == "action.fin" and bon == DEBUT.replace(day=1):
        ok, ko = _avec("action.debut", DEBUT), _avec("action.debut", DEBUT)
        ok["action"]["fin"], ko["action"]["fin"] = DEBUT, DEBUT - dt.timedelta(days=1)  # fin = début; the day before
    else:
        ok, ko = _avec(champ, bon), _avec(champ, mauvais)
    assert pydantic(ok) is not None and accord(ok) is not None
    assert pydantic(ko) is None and dossier_simple(ko, RULES) is None


def test_a_rule_set_without_defis_takes_any_defi_written_as_a_code() -> None:
    sans = copy.copy(RULES)
    sans.defis = {}
    data = _avec("action.defi", "un-defi-libre")
    assert accord(data, sans) is not None
    assert dossier_simple(data, RULES) is None and pydantic(data) is None
    for champ, mal_ecrit in (("action.defi", "Un-Defi-Libre"), ("action.objectif", "objectif libre")):
        data = _avec(champ, mal_ecrit)  # still a code: written as codes are
        assert pydantic(data, sans) is None and dossier_simple(data, sans) is None


# --------------------------------------------------------------------------- generated and mangled data

PIEGES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2025,
    10**30,
    1.5,
    float("nan"),
    Decimal("NaN"),
    Decimal("Infinity"),
    "",
    "x",
    "x" * 2001,
    "ville",
    "Ville",
    "ville\n",
    "hors-qpv",
    "15/01/2025",
    "2025-13-01",
    "500,00",
    "1 000",
    [],
    ["etat"],
    [None],
    [["etat"]],
    {},
    {"nom": "x"},
    dt.date(2025, 6, 1),
    dt.datetime(2025, 6, 1, 12, 0),
    dt.date(1999, 1, 1),
    ("etat",),
]
CHEMINS = [
    "id",
    "exercice",
    "intitule",
    "porteur",
    "porteur.nom",
    "porteur.type",
    "porteur.siret",
    "action",
    "action.defi",
    "action.objectif",
    "action.axes",
    "action.quartiers",
    "action.quartiers.0",
    "action.debut",
    "action.fin",
    "action.innovante",
    "action.cpo",
    "action.cpo.annees",
    "action.cpo.annees.0",
    "action.precedent",
    "budget",
    "budget.total",
    "budget.autres-produits",
    "budget.contributions-nature",
    "financements",
    "financements.0",
    "financements.0.financeur",
    "financements.0.dispositif",
    "financements.0.montant",
    "financements.1.accorde",
    "pieces",
    "pieces.0",
    "elan",
    "bilan-precedent",
    "bilan-precedent.envoye-le",
    "bilan-precedent.financeurs",
]
MODELES = ["", "porteur", "action", "action.cpo", "budget", "financements.0", "bilan-precedent"]
CLES_ETRANGERES = ["autres_produits", "bilan_precedent", "inconnu", 1, None]


def _noeud(data: Any, chemin: str) -> Any:
    node = data
    for part in filter(None, chemin.split(".")):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@st.composite
def mangled(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(COMPLET)
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["replace", "remove", "extra"]))
        if how == "replace":
            data = _avec_si_possible(data, draw(st.sampled_from(CHEMINS)), draw(st.sampled_from(PIEGES)))
        else:
            try:
                node = _noeud(data, draw(st.sampled_from(MODELES)))
            except (KeyError, IndexError, TypeError, ValueError):  # a list where a mapping was: int("cpo")
                continue
            if not isinstance(node, dict) or not node:
                continue
            if how == "remove":
                del node[draw(st.sampled_from(list(node)))]
            else:
                node[draw(st.sampled_from(CLES_ETRANGERES))] = draw(st.sampled_from(PIEGES))
    return data


def _avec_si_possible(data: dict[str, Any], chemin: str, valeur: Any) -> dict[str, Any]:
    *parents, cle = chemin.split(".")
    try:
        node = _noeud(data, ".".join(parents))
        if isinstance(node, list):
            node[int(cle)] = valeur
        elif isinstance(node, dict):
            node[cle] = valeur
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    return data


@SETTINGS
@given(mangled())
def test_a_mangled_dossier_is_pydantics_or_declined(data: dict[str, Any]) -> None:
    accord(data)


@SETTINGS
@given(dossiers())
def test_a_generated_valid_dossier_is_built_directly(data: dict[str, Any]) -> None:
    if pydantic(data) is not None:
        assert accord(data) is not None


# --------------------------------------------------------------------------- the point: no schema built
