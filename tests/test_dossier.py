"""The dossier model (docs/dossier.md): strict types, unknown keys refused, exact money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.modeles import dossier as modele
from cdv_prog.core.montants import Montants
from cdv_prog.files.loader import load_yaml_text
from cdv_prog.files.messages import translate
from cdv_prog.kinds.siret_valide import siret_luhn_ok


def fails(build, data) -> list[str]:
    """Field paths (``a.b[0]``-style, as in reports) of a dossier's validation errors."""
    with pytest.raises(ValidationError) as info:
        build(data)
    return [e.champ for e in translate(info.value, None)]


def test_base_dossier_defaults(build_dossier, make_dossier) -> None:
    d = build_dossier(make_dossier())
    assert d.exercice == 2025
    assert d.action.innovante is False and d.action.parentalite is False and d.action.renouvellement is False
    assert d.action.cpo is None and d.action.axes == []
    assert d.budget.autres_produits == Decimal("1000")
    assert d.budget.contributions_nature == Decimal("0")
    assert d.elan is False
    assert d.bilan_precedent is None


def test_full_example_of_the_spec(build_dossier) -> None:
    data = load_yaml_text(
        """
id: CDV-2025-014
exercice: 2025
intitule: Atelier parentalité et jeux en famille
porteur:
  nom: Association Couleurs Citoyennes
  type: association
  siret: "12345678900012"
action:
  defi: grandir
  objectif: grandir.education
  axes: [participation-habitants]
  quartiers: [grazailles]
  debut: 2025-09-01
  fin: 2025-12-31
  innovante: false
  parentalite: false
  renouvellement: false
  cpo:
    annees: [2025, 2026, 2027]
budget:
  total: 12000
  autres-produits: 1000
  contributions-nature: 0
financements:
  - financeur: etat
    dispositif: BOP 147
    montant: 3000
    accorde: 2500
  - financeur: ville
    montant: 4000
  - financeur: caf
    montant: 4000
pieces: [attestation-prefecture, liste-bureau, rib]
elan: false
bilan-precedent:
  envoye-le: 2025-04-12
"""
    ).data
    d = build_dossier(data)
    assert d.action.cpo is not None and d.action.cpo.annees == [2025, 2026, 2027]
    assert d.bilan_precedent is not None and d.bilan_precedent.envoye_le == dt.date(2025, 4, 12)
    assert d.financements[0].retenu == Decimal("2500")
    assert d.financements[1].retenu == Decimal("4000")


def test_montant_retenu_and_totals(build_dossier, make_dossier) -> None:
    d = build_dossier(
        make_dossier(
            financements=[
                {"financeur": "etat", "montant": 1000, "accorde": 800},
                {"financeur": "ville", "montant": "1 500,50"},
                {"financeur": "etat", "montant": Decimal("200.25")},
                {"financeur": "caf", "montant": 300, "accorde": 0},
            ]
        )
    )
    m = Montants.of(d)
    assert m.retenus == {"etat": Decimal("1000.25"), "ville": Decimal("1500.50"), "caf": Decimal("0")}
    assert m.demandes == {"etat": Decimal("1200.25"), "ville": Decimal("1500.50"), "caf": Decimal("300")}
    assert list(m.retenus) == ["etat", "ville", "caf"]  # order of first appearance
    assert all(isinstance(v, Decimal) for v in m.retenus.values())
    assert m.financent == ["etat", "ville"]  # a financeur at 0 € does not finance
    first = m.lignes[0]
    assert (first.financeur, first.demande, first.retenu) == ("etat", Decimal("1000"), Decimal("800"))


def test_unknown_keys_are_refused_at_every_level(build_dossier, make_dossier) -> None:
    assert fails(build_dossier, make_dossier(intitulé="x")) == ["intitulé"]
    assert fails(build_dossier, make_dossier(porteur={"siren": "123"})) == ["porteur.siren"]
    assert fails(build_dossier, make_dossier(action={"quartier": ["grazailles"]})) == ["action.quartier"]
    assert fails(build_dossier, make_dossier(budget={"autres_produits": 1})) == ["budget.autres_produits"]
    assert fails(build_dossier, make_dossier(financements=[{"financeur": "etat", "montant": 1, "accordé": 1}])) == [
        "financements[0].accordé"
    ]
    assert fails(build_dossier, make_dossier(action={"cpo": {"annees": [2025], "duree": 3}})) == ["action.cpo.duree"]
    assert fails(build_dossier, make_dossier(**{"bilan-precedent": {"envoye": dt.date(2025, 1, 1)}})) == [
        "bilan-precedent.envoye"
    ]


def test_unknown_key_suggests_the_right_one(make_dossier, regles) -> None:
    with pytest.raises(ValidationError) as info:
        Dossier.valider(make_dossier(intitulé="x"), regles)
    messages = [e.message for e in translate(info.value, None, model=modele.Dossier)]
    assert any("intitule" in m and "intitulé" in m for m in messages)


@pytest.mark.parametrize(
    ("fragment", "champ"),
    [
        ({"exercice": "2025"}, "exercice"),
        ({"exercice": True}, "exercice"),
        ({"exercice": Decimal("2025.0")}, "exercice"),
        ({"elan": "yes"}, "elan"),
        ({"elan": 1}, "elan"),
        ({"action": {"innovante": "on"}}, "action.innovante"),
        ({"action": {"debut": "1er janvier 2025"}}, "action.debut"),  # "2025-01-01" and "01/01/2025" are dates
        ({"action": {"quartiers": "grazailles"}}, "action.quartiers"),
        ({"action": {"quartiers": []}}, "action.quartiers"),
        ({"action": {"cpo": {"annees": ["2025"]}}}, "action.cpo.annees[0]"),
        ({"action": {"cpo": {"annees": []}}}, "action.cpo.annees"),
        ({"porteur": "Association"}, "porteur"),
        ({"porteur": {"type": "club"}}, "porteur.type"),
        ({"porteur": {"siret": "1234"}}, "porteur.siret"),
        ({"porteur": {"siret": 12345678900012}}, "porteur.siret"),
        ({"porteur": {"nom": ""}}, "porteur.nom"),
        ({"intitule": ""}, "intitule"),
        ({"id": "CDV 2025/1"}, "id"),
        ({"id": 12}, "id"),
        ({"budget": {"total": 0}}, "budget.total"),
        ({"budget": {"total": "-1"}}, "budget.total"),
        ({"budget": {"autres-produits": 12.5}}, "budget.autres-produits"),
        ({"financements": []}, "financements"),
        ({"financements": [{"financeur": "etat"}]}, "financements[0].montant"),
        ({"financements": [{"financeur": "etat", "montant": Decimal("1.005")}]}, "financements[0].montant"),
        ({"financements": [{"financeur": "etat", "montant": -1}]}, "financements[0].montant"),
        ({"financements": [{"financeur": "etat", "montant": 1, "accorde": "abc"}]}, "financements[0].accorde"),
        ({"financements": [{"financeur": "ETAT", "montant": 1}]}, "financements[0].financeur"),
        ({"pieces": "rib"}, "pieces"),
    ],
)
def test_type_errors_name_the_field(fragment, champ, build_dossier, make_dossier) -> None:
    assert champ in fails(build_dossier, make_dossier(fragment))


@pytest.mark.parametrize(
    ("fragment", "champ"),
    [
        ({"financements": [{"financeur": "vile", "montant": 1}]}, "financements[0].financeur"),
        ({"action": {"quartiers": ["grazailles", "centre"]}}, "action.quartiers[1]"),
        ({"action": {"defi": "vivre"}}, "action.defi"),
        ({"action": {"objectif": "habiter.entretien"}}, "action.objectif"),
        ({"action": {"axes": ["mobilite"]}}, "action.axes[0]"),
        ({"exercice": 2031}, "exercice"),
        ({"exercice": 2023}, "exercice"),
        ({"action": {"fin": dt.date(2024, 12, 31)}}, "action.fin"),
    ],
)
def test_codes_and_period_come_from_the_rules(fragment, champ, build_dossier, make_dossier) -> None:
    assert champ in fails(build_dossier, make_dossier(fragment))


def test_hors_qpv_is_a_dossier_only_code(build_dossier, make_dossier) -> None:
    d = build_dossier(make_dossier(action={"quartiers": ["hors-qpv"]}))
    assert d.action.quartiers == ["hors-qpv"]


def test_period_bounds_are_inclusive(build_dossier, make_dossier) -> None:
    for year in (2024, 2030):
        d = build_dossier(
            make_dossier(exercice=year, action={"debut": dt.date(year, 1, 1), "fin": dt.date(year, 12, 31)})
        )
        assert d.exercice == year


def test_one_day_action(build_dossier, make_dossier) -> None:
    d = build_dossier(make_dossier(action={"debut": dt.date(2025, 6, 1), "fin": dt.date(2025, 6, 1)}))
    assert d.action.debut == d.action.fin


def test_without_rules_the_codes_are_not_checked(make_dossier) -> None:
    d = Dossier.valider(make_dossier(financements=[{"financeur": "inconnu", "montant": 1}]))
    assert d.financements[0].financeur == "inconnu"


def test_dossier_is_immutable(build_dossier, make_dossier) -> None:
    d = build_dossier(make_dossier())
    with pytest.raises(AttributeError, match="lecture seule"):
        d.exercice = 2026  # type: ignore[misc]
    with pytest.raises(AttributeError, match="lecture seule"):
        d.action.debut = dt.date(2025, 1, 1)  # type: ignore[misc]
    assert d.exercice == 2025


def test_all_errors_are_reported_at_once(build_dossier, make_dossier) -> None:
    champs = fails(build_dossier, make_dossier(exercice="x", elan="yes", budget={"total": "abc"}))
    assert {"exercice", "elan", "budget.total"} <= set(champs)


@pytest.mark.parametrize(
    ("siret", "ok"),
    [("30775520700023", True), ("73282932000074", True), ("30775520700024", False), ("12345678900012", False)],
)
def test_siret_luhn(siret: str, ok: bool) -> None:
    assert siret_luhn_ok(siret) is ok
