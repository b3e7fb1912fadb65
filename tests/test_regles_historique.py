"""SPEC v2 §3.1 and §3.4: the rules that read the history of earlier exercices, with a fake history.

The history itself (reading ``--historique`` and the dossiers of earlier
exercices) is SPEC §5; the engine already takes an optional
:class:`~cdv_prog.core.historique.Historique`, a protocol, so these tests give
it a fake one built from dossier dicts. Without a history, the rules that need
it are sans objet, « historique non fourni ».
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
import yaml

from cdv_prog.core.context import Contexte
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, juger, verdict
from cdv_prog.core.historique import (
    DossierAnterieur,
    Historique,
    HistoriqueDossiers,
    disponible,
    meme_porteur,
    nom_simplifie,
    precedent,
)
from cdv_prog.core.montants import Montants
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.rules import load_rules
from cdv_prog.importer.champs import CHAMPS_DOSSIER
from cdv_prog.programmation.calcul import calculer

QPV_RULE = "cpo-innovante-par-quartier"


class FakeHistorique:
    """A history as the next issue will read it: any object with ``dossiers`` and ``trouver``."""

    def __init__(self, dossiers: Sequence[DossierAnterieur]):
        self._dossiers = tuple(dossiers)

    @property
    def dossiers(self) -> Sequence[DossierAnterieur]:
        return self._dossiers

    def trouver(self, ident: str) -> DossierAnterieur | None:
        return next((d for d in self._dossiers if d.id == ident), None)


def anterieur(regles: JeuDeRegles, data: dict[str, Any]) -> DossierAnterieur:
    dossier = Dossier.valider(data, regles)
    return DossierAnterieur.of(dossier, Montants.of(dossier, regles))


@pytest.fixture
def rules_with(rules_copy):
    """``rules_with(programmation={...})``: the shipped rules with these programmation rules only."""

    def make(programmation: dict[str, Any]) -> JeuDeRegles:
        text = yaml.safe_dump({"programmation": programmation}, allow_unicode=True, sort_keys=False)
        (rules_copy / "programmation.yaml").write_text(text, encoding="utf-8")
        return load_rules(rules_copy)

    return make


@pytest.fixture
def history(regles, make_dossier):
    """``history(*fragments)``: a fake history of dossiers (each fragment merged onto the base dossier)."""

    def make(*fragments: dict[str, Any]) -> Historique:
        return FakeHistorique([anterieur(regles, make_dossier(f)) for f in fragments])

    return make


def run(regles: JeuDeRegles, data: dict[str, Any], historique: Historique | None = None) -> dict[str, Any]:
    dossier = Dossier.valider(data, regles)
    constats = evaluer(dossier, regles, historique=historique)
    return {"verdict": verdict(constats), **{c.regle: c for c in constats}}


CPO_2024 = {"cpo": {"annees": [2024, 2025, 2026]}}


def year(n: int, **action: Any) -> dict[str, Any]:
    """A fragment for a dossier of exercice ``n`` (dates inside it)."""
    return {"id": f"D-{n}", "exercice": n, "action": {"debut": f"{n}-01-01", "fin": f"{n}-12-31", **action}}


# --------------------------------------------------------------------------- core.historique


def test_history_finds_a_dossier_by_id_and_knows_its_amounts(regles, make_dossier) -> None:
    d = anterieur(regles, make_dossier(year(2024, **CPO_2024)))
    h = HistoriqueDossiers.of([d])
    assert h.trouver("D-2024") is d and h.trouver("absent") is None
    assert d.exercice == 2024 and d.annees_cpo == (2024, 2025, 2026)
    assert d.retenu("etat") == Decimal(3000) and d.finance("etat") and not d.finance("caf")


def test_history_is_available_only_with_an_earlier_exercice(regles, make_dossier) -> None:
    h = HistoriqueDossiers.of([anterieur(regles, make_dossier(year(2025)))])
    assert not disponible(None, 2025)
    assert not disponible(h, 2025)  # a dossier of the same exercice is no history
    assert disponible(h, 2026)
    assert not disponible(HistoriqueDossiers.of([]), 2026)


def test_a_precedent_of_another_exercice_counts_as_not_found(regles, make_dossier) -> None:
    h = HistoriqueDossiers.of([anterieur(regles, make_dossier(year(2024)))])
    d2025 = Dossier.valider(make_dossier(action={"precedent": "D-2024"}), regles)
    d2026 = Dossier.valider(make_dossier(year(2026, precedent="D-2024"), id="X"), regles)
    found = precedent(h, d2025)
    assert found is not None and found.id == "D-2024"
    assert precedent(h, d2026) is None  # 2024 is N-2 for 2026
    assert precedent(None, d2025) is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({"nom": "Association Les Capucines"}, {"nom": "association  les   capucines"}, True),
        ({"nom": "Éveil Sportif"}, {"nom": "eveil sportif"}, True),
        ({"nom": "A", "siret": "73282932000074"}, {"nom": "B", "siret": "73282932000074"}, True),  # same SIRET
        ({"nom": "A", "siret": "73282932000074"}, {"nom": "A", "siret": "12345678900012"}, False),
        ({"nom": "A", "siret": "73282932000074"}, {"nom": "A"}, True),  # one SIRET only: the names decide
        ({"nom": "Les Capucines"}, {"nom": "Les Capucine"}, False),
    ],
)
def test_same_porteur(a, b, same) -> None:
    from cdv_prog.core.modeles.dossier import Porteur

    assert meme_porteur(Porteur.model_validate(a).en_clair(), Porteur.model_validate(b).en_clair()) is same


def test_nom_simplifie() -> None:
    assert nom_simplifie("  L'Écho   des  QUARTIERS ") == "l'echo des quartiers"


def test_the_context_carries_the_history(regles, make_dossier, history) -> None:
    dossier = Dossier.valider(make_dossier(), regles)
    assert not Contexte.of(dossier, regles).historique_disponible
    assert Contexte.of(dossier, regles, history(year(2024))).historique_disponible


# --------------------------------------------------------------------------- precedent-coherent


def test_precedent_coherent(regles, make_dossier, history) -> None:
    data = make_dossier(action={"precedent": "D-2024"})
    assert run(regles, data)["precedent-coherent"].message == "sans objet : historique non fourni"
    ok = run(regles, data, history(year(2024)))["precedent-coherent"]
    assert ok.statut == "ok" and "D-2024" in ok.message
    absent = run(regles, data, history({**year(2024), "id": "AUTRE"}))["precedent-coherent"]
    assert absent.statut == "echec" and "absent de l'historique" in absent.message
    assert absent.gravite == "avertissement"
    assert run(regles, data, history({**year(2024), "id": "AUTRE"}))["verdict"] == "eligible"
    no_link = run(regles, make_dossier(), history(year(2024)))["precedent-coherent"]
    assert no_link.statut == "sans-objet"


def test_precedent_of_n_minus_2_is_reported(regles, make_dossier, history) -> None:
    data = make_dossier(year(2026, precedent="D-2024"), id="X")
    c = run(regles, data, history(year(2024), year(2025)))["precedent-coherent"]
    assert c.statut == "echec" and "2024, pas de 2025" in c.message


# --------------------------------------------------------------------------- cpo-continuite


def cpo_2025(**more: Any) -> dict[str, Any]:
    return {"action": {**CPO_2024, "precedent": "D-2024", **more}, "pieces": ["evaluation-annuelle"]}


def test_cpo_continuite_without_history_is_sans_objet(regles, make_dossier) -> None:
    c = run(regles, make_dossier(cpo_2025()))["cpo-continuite"]
    assert (c.statut, c.message) == ("sans-objet", "sans objet : historique non fourni")


def test_cpo_continuite_holds_on_the_same_cpo_and_porteur(regles, make_dossier, history) -> None:
    h = history({**year(2024, **CPO_2024), "porteur": {"nom": "ASSOCIATION  DE TÉST"}})
    c = run(regles, make_dossier(cpo_2025()), h)["cpo-continuite"]
    assert c.statut == "ok", c.message


@pytest.mark.parametrize(
    ("previous", "words"),
    [
        ({**year(2024)}, "n'est pas sous CPO"),
        ({**year(2024, cpo={"annees": [2023, 2024, 2025]})}, "sa CPO porte sur 2023, 2024, 2025"),
        ({**year(2024, **CPO_2024), "porteur": {"nom": "Autre association"}}, "son porteur est « Autre association »"),
        ({**year(2024, **CPO_2024), "id": "AUTRE"}, "absent de l'historique"),
    ],
)
def test_cpo_continuite_fails(previous, words, regles, make_dossier, history) -> None:
    result = run(regles, make_dossier(cpo_2025()), history(previous))
    c = result["cpo-continuite"]
    assert c.statut == "echec" and words in c.message, c.message
    assert result["verdict"] == "eligible"  # an avertissement


def test_cpo_continuite_without_precedent_fails_when_a_history_exists(regles, make_dossier, history) -> None:
    data = make_dossier({"action": CPO_2024, "pieces": ["evaluation-annuelle"]})
    c = run(regles, data, history(year(2024, **CPO_2024)))["cpo-continuite"]
    assert c.statut == "echec" and "ne nomme pas le dossier 2024" in c.message


def test_cpo_continuite_first_year_is_sans_objet(regles, make_dossier, history) -> None:
    data = make_dossier(action={"cpo": {"annees": [2025, 2026, 2027]}})
    assert run(regles, data, history(year(2024)))["cpo-continuite"].statut == "sans-objet"


# --------------------------------------------------------------------------- caf-bilan-renouvellement and N-1

WITH_CAF = {
    "financements": [
        {"financeur": "etat", "montant": 3000},
        {"financeur": "ville", "montant": 2000},
        {"financeur": "caf", "dispositif": "REAAP", "montant": 1000},
    ],
    "action": {"renouvellement": True, "precedent": "D-2024"},
}


def test_caf_financed_last_year_is_read_from_the_history_first(regles, make_dossier, history) -> None:
    # the history says the CAF did not finance the 2024 action: not concerned, whatever bilan-precedent says
    data = make_dossier(WITH_CAF, **{"bilan-precedent": {"financeurs": ["caf"]}})
    c = run(regles, data, history(year(2024)))["caf-bilan-renouvellement"]
    assert c.statut == "sans-objet" and "d'après le dossier D-2024 de l'historique" in c.message
    # the history says it did: the bilan is due
    h = history({**year(2024), "financements": WITH_CAF["financements"], "budget": {"total": 7000}})
    c = run(regles, data, h)["caf-bilan-renouvellement"]
    assert c.statut == "echec" and "supposée" not in c.message


def test_caf_financed_last_year_from_the_declaration_then_assumed(regles, make_dossier) -> None:
    declared = make_dossier(WITH_CAF, **{"bilan-precedent": {"financeurs": ["ville"]}})
    c = run(regles, declared)["caf-bilan-renouvellement"]
    assert c.statut == "sans-objet" and "déclarés au bilan" in c.message
    assumed = make_dossier(WITH_CAF, **{"bilan-precedent": {"envoye-le": "2025-04-30"}})
    c = run(regles, assumed)["caf-bilan-renouvellement"]
    assert c.statut == "ok"
    assert "CAF supposée avoir financé l'action en 2024" in c.message  # the message says it was assumed


@pytest.mark.parametrize(
    ("date", "statut"),
    [("2023-12-31", "echec"), ("2024-01-01", "ok"), ("2025-04-30", "ok"), ("2025-05-01", "echec")],
)
def test_caf_bilan_window(date, statut, regles, make_dossier) -> None:
    data = make_dossier(WITH_CAF, **{"bilan-precedent": {"envoye-le": date, "financeurs": ["caf"]}})
    assert run(regles, data)["caf-bilan-renouvellement"].statut == statut


# --------------------------------------------------------------------------- messages of changed rules


def test_cpo_cofinancement_gives_both_shares(regles, make_dossier) -> None:
    data = make_dossier(
        {
            "action": {"cpo": {"annees": [2025, 2026, 2027]}},
            "budget": {"total": 10000, "autres-produits": 0},
            "financements": [
                {"financeur": "etat", "montant": 3000},
                {"financeur": "ville", "montant": 1000},
                {"financeur": "prive", "montant": 6000},
            ],
        }
    )
    result = run(regles, data)
    c = result["cpo-cofinancement"]
    assert c.statut == "echec" and c.gravite == "avertissement" and result["verdict"] == "eligible"
    assert "40 % du budget" in c.message and "40 % de l'ensemble des financements (10 000,00 €)" in c.message


def test_bonus_innovation_without_objectif_says_why(regles, make_dossier) -> None:
    data = make_dossier(action={"innovante": True, "objectif": None})
    c = run(regles, data)["bonus-innovation"]
    assert c.statut == "sans-objet" and "objectif" in c.message and "fiches-actions" in c.message


def test_caf_pieces_only_for_associations(regles, make_dossier) -> None:
    base = {**WITH_CAF, "action": {}, "pieces": []}
    for porteur, statut in (
        ({"type": "association"}, "echec"),
        ({"type": None}, "echec"),
        ({"type": "collectivite"}, "sans-objet"),
    ):
        c = run(regles, make_dossier(base, porteur=porteur))["caf-pieces"]
        assert c.statut == statut, porteur
    assert "collectivite" in run(regles, make_dossier(base, porteur={"type": "collectivite"}))["caf-pieces"].message


# --------------------------------------------------------------------------- cpo-innovante-par-quartier (§3.4)


@pytest.fixture
def cpo_report(regles, make_dossier):
    def make(ident: str, quartiers: list[str], **more: Any):
        fragment = {
            "id": ident,
            "intitule": f"CPO {ident}",
            "action": {"quartiers": quartiers, "innovante": True, "cpo": {"annees": [2025, 2026, 2027]}},
            "pieces": ["evaluation-annuelle"],
        }
        dossier = Dossier.valider(make_dossier(fragment, **more), regles)
        return juger(dossier, regles, f"{ident}.yaml")

    return make


def qpv(regles: JeuDeRegles) -> list[str]:
    return [code for code, q in regles.quartiers.items() if q.statut == "qpv"]


def test_cpo_in_force_through_the_history_counts_once(regles, cpo_report, history) -> None:
    quartiers = qpv(regles)
    params, _ = regles.programmation[QPV_RULE].parametres(2025, regles)
    total = max(len(quartiers), getattr(params, "minimum_total", None) or 0)
    # one CPO 2024-2026 per quartier (and more up to the total asked), all in the history of 2025
    anciens = [
        {
            **year(2024, quartiers=[quartiers[i % len(quartiers)]], innovante=True, **CPO_2024),
            "id": f"H{i}",
            "intitule": f"CPO H{i}",
        }
        for i in range(total)
    ]
    h = history(*anciens)
    assert calculer([], regles, 2025, h).constats[0].regle  # the programmation runs with no dossier of N
    prog = calculer([], regles, 2025, h)
    c = next(c for c in prog.constats if c.regle == QPV_RULE)
    assert c.statut == "ok", c.message
    # the same CPOs' 2025 dossiers in the batch, chained to 2024: still counted once each
    reports = [
        cpo_report(f"N{i}", [quartiers[i % len(quartiers)]], intitule=f"Autre intitulé {i}") for i in range(total)
    ]
    for i, r in enumerate(reports):
        assert r.dossier is not None
        data = r.dossier.donnees()
        data["action"]["precedent"] = f"H{i}"
        data["action"]["cpo"] = {"annees": [2024, 2025, 2026]}
        data["pieces"] = ["evaluation-annuelle"]
        reports[i] = juger(Dossier.valider(data, regles), regles, f"N{i}.yaml")
    prog = calculer(reports, regles, 2025, h)
    c = next(c for c in prog.constats if c.regle == QPV_RULE)
    assert c.statut == "ok" and f"{total} en vigueur en 2025" in c.message, c.message
    # 2027: the CPOs of 2024-2026 are over
    prog = calculer([], regles, 2027, h)
    assert next(c for c in prog.constats if c.regle == QPV_RULE).statut == "echec"


def test_fewer_cpos_than_the_total_asked_is_a_reserve(regles, cpo_report, rules_with) -> None:
    rules = rules_with(
        programmation={
            "cinq": {
                "type": "cpo-par-quartier",
                "dossiers": {"innovante": True},
                "minimum-total": 3,
                "gravite": "avertissement",
                "source": "essai",
            }
        }
    )
    quartiers = qpv(rules)
    everywhere = [cpo_report("A", quartiers), cpo_report("B", quartiers[:1])]
    c = calculer(everywhere, rules, 2025).constats[-1]
    assert c.statut == "echec" and "2 « dossier répondant aux critères » au total, moins de 3" in c.message
    c = calculer([*everywhere, cpo_report("C", quartiers[:1])], rules, 2025).constats[-1]
    assert c.statut == "ok", c.message


def test_two_yearly_dossiers_of_one_cpo_by_porteur_and_intitule(regles, cpo_report, rules_with) -> None:
    rules = rules_with(
        programmation={
            "deux": {
                "type": "cpo-par-quartier",
                "dossiers": {"innovante": True},
                "minimum-total": 2,
                "gravite": "avertissement",
                "source": "essai",
            }
        }
    )
    quartiers = qpv(rules)
    same = [cpo_report("A", quartiers), cpo_report("B", quartiers, intitule="cpo  a")]  # same intitulé, ignoring case
    assert calculer(same, rules, 2025).constats[-1].statut == "echec"
    other = [cpo_report("A", quartiers), cpo_report("B", quartiers, porteur={"nom": "Autre porteur"}, intitule="CPO A")]
    assert calculer(other, rules, 2025).constats[-1].statut == "ok"


# --------------------------------------------------------------------------- the dossier fields of §1


def test_new_dossier_fields(regles, make_dossier) -> None:
    data = make_dossier(action={"precedent": "CDV-2024-031"}, **{"bilan-precedent": {"financeurs": ["caf", "ville"]}})
    d = Dossier.valider(data, regles)
    assert d.action.precedent == "CDV-2024-031"
    assert d.bilan_precedent is not None and d.bilan_precedent.financeurs == ["caf", "ville"]
    assert d.bilan_precedent.envoye_le is None  # financeurs without envoye-le
    bad = copy.deepcopy(data)
    bad["bilan-precedent"]["financeurs"] = ["cafe"]
    with pytest.raises(ValueError, match="financeur inconnu"):
        Dossier.valider(bad, regles)
    bad = make_dossier(action={"precedent": "CDV 2024/031"})
    with pytest.raises(ValueError, match="precedent"):
        Dossier.valider(bad, regles)


def test_new_fields_are_importable() -> None:
    champs = {c.nom: c for c in CHAMPS_DOSSIER}
    assert champs["action.precedent"].lecture == "numero" and not champs["action.precedent"].obligatoire
    assert champs["bilan-precedent.financeurs"].lecture == "financeurs"
