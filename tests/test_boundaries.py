"""Every boundary of the rule catalogue (docs/regles.md), on both sides, with the shipped rules.

Each test names the rule it is about and compares constats by rule id and
statut (never by message wording), and the verdict where docs/regles.md says
something about it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from cdv_prog.files.rules import load_rules
from rules_text import edit_rule

SPEC_RULES = {
    "financeurs-principaux": "bloquant",
    "plancher-financeur": "bloquant",
    "budget-equilibre": "bloquant",
    "quartier-prioritaire": "avertissement",
    "cpo-duree": "bloquant",
    "cpo-cofinancement": "avertissement",  # v2: « ont vocation à correspondre à un objectif minimal »
    "cpo-evaluation-annuelle": "bloquant",
    "caf-exercice-unique": "bloquant",
    "caf-seul-financeur": "bloquant",
    "caf-pieces": "bloquant",
    "caf-parentalite-elan": "avertissement",
    "caf-bilan-renouvellement": "bloquant",
    "departement-cofinancement": "avertissement",
    "bonus-innovation": "information",
    # v2
    "hors-qpv-etat-p147": "avertissement",
    "action-exercice": "avertissement",
    "pluriannuelle-hors-cpo": "avertissement",
    "caf-nature-aide": "avertissement",
    "cpo-continuite": "avertissement",
    "precedent-coherent": "avertissement",
}

CAF_PIECES = ["attestation-prefecture", "liste-bureau", "rib"]


def lines(*pairs: Any) -> list[dict[str, Any]]:
    """``lines(("etat", 3000), ("ville", "499.99", "450"))`` → financement lines."""
    out = []
    for pair in pairs:
        line: dict[str, Any] = {"financeur": pair[0], "montant": Decimal(str(pair[1]))}
        if len(pair) > 2:
            line["accorde"] = Decimal(str(pair[2]))
        out.append(line)
    return out


def balanced(*pairs: Any, autres: Any = 0, **more: Any) -> dict[str, Any]:
    """A fragment with these lines and a budget balanced to the cent."""
    fin = lines(*pairs)
    total = sum((line["montant"] for line in fin), Decimal(0)) + Decimal(str(autres))
    return {"financements": fin, "budget": {"total": total, "autres-produits": Decimal(str(autres))}, **more}


# --------------------------------------------------------------------------- the base


def test_base_dossier_is_eligible_with_every_rule_reported(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier())
    assert ev.verdict == "eligible"
    assert set(ev.constats) >= set(SPEC_RULES)  # the catalogue of the contract, and maybe more
    assert ev.echecs() == set()
    for regle, gravite in SPEC_RULES.items():
        assert ev.constats[regle].gravite == gravite


# --------------------------------------------------------------------------- plancher-financeur


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param(balanced(("etat", 3000), ("ville", 500)), "ok", id="ville-500-exactement"),
        pytest.param(balanced(("etat", 3000), ("ville", "499.99")), "echec", id="ville-499.99"),
        pytest.param(balanced(("etat", 3000), ("ville", 250), ("ville", 250)), "ok", id="deux-lignes-250+250"),
        pytest.param(
            balanced(("ville", 250), ("etat", 3000), ("ville", "249.99")), "echec", id="deux-lignes-250+249.99"
        ),
        pytest.param(balanced(("etat", 3000), ("ville", 600, 450)), "echec", id="accorde-450-sous-montant-600"),
        pytest.param(balanced(("etat", 3000), ("ville", 600, 500)), "ok", id="accorde-500-exactement"),
        pytest.param(balanced(("etat", 3000), ("ville", 400, 500)), "ok", id="accorde-500-montant-400"),
        pytest.param(
            balanced(("etat", 3000), ("ville", 250, 250), ("ville", 250, "249.99")),
            "echec",
            id="accordes-cumules-499.99",
        ),
        pytest.param(balanced(("etat", 3000), ("agglo", 3000), ("ville", 0)), "ok", id="ville-a-0-ne-finance-pas"),
        pytest.param(
            balanced(("etat", 3000), ("agglo", 3000), ("ville", 800, 0)), "ok", id="ville-accorde-0-ne-finance-pas"
        ),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("caf", 500)), "ok", id="caf-500"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("caf", "499.99")), "echec", id="caf-499.99"),
        pytest.param(
            balanced(("etat", 3000), ("ville", 3000), ("departement", "499.99")), "echec", id="departement-499.99"
        ),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("alogea", "499.99")), "echec", id="bailleur-499.99"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("habitat-audois", 500)), "ok", id="bailleur-500"),
        # v2: « par financeur », public co-funders of groupe autre included; only groupe prive is left out
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("europe", "499.99")), "echec", id="europe-499.99"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("europe", 500)), "ok", id="europe-500"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("autre", 100)), "echec", id="autre-public-100"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("prive", 100)), "ok", id="prive-100-non-concerne"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("prive", "0.01")), "ok", id="prive-1-centime"),
    ],
)
def test_plancher_financeur(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("plancher-financeur") == statut
    if statut == "echec":
        assert ev.verdict == "ineligible"


def test_plancher_echec_is_the_only_failure_at_499_99(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(balanced(("etat", 3000), ("ville", "499.99"))))
    assert ev.echecs() == {"plancher-financeur"}
    assert ev.verdict == "ineligible"
    ev = evaluate(make_dossier(balanced(("etat", 3000), ("ville", 500))))
    assert ev.echecs() == set()
    assert ev.verdict == "eligible"


def test_plancher_message_gives_the_figures(make_dossier, evaluate) -> None:
    constat = evaluate(make_dossier(balanced(("etat", 3000), ("ville", 450)))).constats["plancher-financeur"]
    assert "450,00 €" in constat.message
    assert "500,00 €" in constat.message


# --------------------------------------------------------------------------- financeurs-principaux


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param(balanced(("etat", 3000), ("ville", 3000)), "ok", id="etat-ville"),
        pytest.param(balanced(("ville", 3000), ("agglo", 3000)), "ok", id="ville-agglo"),
        pytest.param(balanced(("etat", 3000), ("agglo", 3000)), "ok", id="etat-agglo"),
        pytest.param(balanced(("etat", 2000), ("ville", 2000), ("agglo", 2000)), "ok", id="les-trois"),
        pytest.param(balanced(("etat", 6000)), "echec", id="etat-seul"),
        pytest.param(balanced(("etat", 3000), ("etat", 3000)), "echec", id="deux-lignes-etat"),
        pytest.param(balanced(("etat", 3000), ("caf", 3000)), "echec", id="etat-caf"),
        pytest.param(balanced(("etat", 3000), ("departement", 3000), ("region", 3000)), "echec", id="etat-partenaires"),
        pytest.param(balanced(("etat", 3000), ("ville", 0)), "echec", id="ville-a-0"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000, 0)), "echec", id="ville-accorde-0"),
        pytest.param(balanced(("etat", 3000), ("ville", 1000, "0.01")), "ok", id="ville-accorde-1-centime"),
    ],
)
def test_financeurs_principaux(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("financeurs-principaux") == statut
    if statut == "echec":
        assert ev.verdict == "ineligible"


# --------------------------------------------------------------------------- budget-equilibre


@pytest.mark.parametrize(
    ("budget", "statut"),
    [
        pytest.param({"total": Decimal("7000.00")}, "ok", id="egal-au-centime"),
        pytest.param({"total": Decimal("7000.01")}, "echec", id="charges-plus-1-centime"),
        pytest.param({"total": Decimal("6999.99")}, "echec", id="charges-moins-1-centime"),
        pytest.param({"autres-produits": Decimal("1000.01")}, "echec", id="produits-plus-1-centime"),
        pytest.param({"autres-produits": Decimal("999.99")}, "echec", id="produits-moins-1-centime"),
        pytest.param({"contributions-nature": Decimal("2500")}, "ok", id="contributions-nature-ignorees"),
        pytest.param({"total": "7 000,00 €"}, "ok", id="total-a-la-francaise"),
    ],
)
def test_budget_equilibre(budget, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier({"budget": budget}))
    assert ev.statut("budget-equilibre") == statut
    assert ev.verdict == ("ineligible" if statut == "echec" else "eligible")


def test_budget_equilibre_uses_montant_not_accorde(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(balanced(("etat", 3000, 2500), ("ville", 3000, 600), autres=1000)))
    assert ev.statut("budget-equilibre") == "ok"


def test_budget_equilibre_with_cents(make_dossier, evaluate) -> None:
    frag = balanced(("etat", "3000.33"), ("ville", "3000.34"), ("ville", "0.01"), autres="999.99")
    assert frag["budget"]["total"] == Decimal("7000.67")
    assert evaluate(make_dossier(frag)).statut("budget-equilibre") == "ok"
    frag["budget"]["total"] = Decimal("7000.66")
    assert evaluate(make_dossier(frag)).statut("budget-equilibre") == "echec"


# --------------------------------------------------------------------------- quartier-prioritaire


@pytest.mark.parametrize(
    ("quartiers", "statut"),
    [
        (["grazailles"], "ok"),
        (["bastide-pont-vieux", "aiguille-trebes"], "ok"),
        (["hors-qpv", "la-conte-ozanam-sainte-marie"], "ok"),
        (["aiguille-trebes"], "echec"),
        (["aiguille-trebes", "esperance-berriac"], "echec"),
        (["hors-qpv"], "echec"),
    ],
)
def test_quartier_prioritaire_is_a_reserve(quartiers, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier({"action": {"quartiers": quartiers}}))
    assert ev.statut("quartier-prioritaire") == statut
    assert ev.constats["quartier-prioritaire"].gravite == "avertissement"
    assert ev.verdict == "eligible"  # an avertissement never makes a dossier ineligible


def test_quartier_prioritaire_message_names_the_case(make_dossier, evaluate) -> None:
    """v2: a quartier de veille (« attentif et mobilisé »), or outside the géographie prioritaire (programme 147)."""
    veille = evaluate(make_dossier({"action": {"quartiers": ["aiguille-trebes"]}})).constats["quartier-prioritaire"]
    assert "attentif et mobilisé" in veille.message and "147" not in veille.message
    hors = evaluate(make_dossier({"action": {"quartiers": ["hors-qpv"]}})).constats["quartier-prioritaire"]
    assert "147" in hors.message and "attentif" not in hors.message
    assert "Hors géographie prioritaire, l'État au titre du programme 147" in hors.message  # the other rule's title
    both = evaluate(make_dossier({"action": {"quartiers": ["hors-qpv", "esperance-berriac"]}}))
    assert "147" in both.constats["quartier-prioritaire"].message
    assert "attentif" in both.constats["quartier-prioritaire"].message


# --------------------------------------------------------------------------- CPO

CPO_OK = {"cpo": {"annees": [2025, 2026, 2027]}}


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param({}, "sans-objet", id="pas-de-cpo"),
        pytest.param({"action": {"cpo": {"annees": [2025, 2026, 2027]}}}, "ok", id="2025-2027"),
        pytest.param({"action": {"cpo": {"annees": [2024, 2025, 2026]}}}, "ok", id="2024-2026"),
        pytest.param({"action": {"cpo": {"annees": [2023, 2024, 2025]}}}, "echec", id="commence-avant-le-contrat"),
        pytest.param({"action": {"cpo": {"annees": [2025, 2027, 2028]}}}, "echec", id="non-consecutives"),
        pytest.param({"action": {"cpo": {"annees": [2025, 2026]}}}, "echec", id="deux-ans"),
        pytest.param({"action": {"cpo": {"annees": [2025, 2026, 2027, 2028]}}}, "echec", id="quatre-ans"),
        pytest.param({"action": {"cpo": {"annees": [2026, 2027, 2028]}}}, "echec", id="exercice-non-inclus"),
        pytest.param(
            {
                "exercice": 2029,
                "action": {
                    "debut": dt.date(2029, 1, 1),
                    "fin": dt.date(2029, 12, 31),
                    "cpo": {"annees": [2029, 2030, 2031]},
                },
            },
            "echec",
            id="depasse-2030",
        ),
        pytest.param(
            {
                "exercice": 2030,
                "action": {
                    "debut": dt.date(2030, 1, 1),
                    "fin": dt.date(2030, 12, 31),
                    "cpo": {"annees": [2028, 2029, 2030]},
                },
            },
            "ok",
            id="finit-en-2030",
        ),
    ],
)
def test_cpo_duree(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("cpo-duree") == statut
    if statut == "echec":
        assert ev.verdict == "ineligible"


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        # budget 12 000 €: 6 000 € from the listed financeurs is exactly 50 %
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("europe", 6000)), "ok", id="50-pourcent-exactement"),
        pytest.param(
            balanced(("etat", 3000), ("ville", "2999.99"), ("europe", "6000.01")), "echec", id="49.99-pourcent"
        ),
        # budget 10 000,02 €: half is 5 000,01 €
        pytest.param(
            balanced(("etat", "2500.01"), ("ville", 2500), ("europe", "5000.01")), "ok", id="moitie-exacte-impaire"
        ),
        pytest.param(
            balanced(("etat", 2500), ("ville", 2500), ("europe", "5000.02")), "echec", id="un-centime-sous-la-moitie"
        ),
        pytest.param(
            balanced(
                ("etat", 2000), ("ville", 2000), ("caf", 1000), ("departement", 500), ("region", 500), ("europe", 6000)
            ),
            "ok",
            id="partenaires-comptent",
        ),
        pytest.param(
            balanced(("etat", 3000), ("ville", 2000), ("ars", 1000), ("europe", 6000)), "echec", id="ars-ne-compte-pas"
        ),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), autres=6000), "ok", id="autres-produits-50-pourcent"),
        pytest.param(balanced(("etat", 3000, 2000), ("ville", 3000), ("europe", 6000)), "echec", id="accorde-compte"),
    ],
)
def test_cpo_cofinancement(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment, action=CPO_OK))
    assert ev.statut("cpo-cofinancement") == statut
    assert ev.verdict == "eligible"  # v2: an avertissement, a target rather than a condition of eligibility


def test_cpo_cofinancement_without_cpo_is_sans_objet(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(balanced(("etat", 1000), ("ville", 1000), ("europe", 10000))))
    assert ev.statut("cpo-cofinancement") == "sans-objet"
    assert ev.verdict == "eligible"


def _exercice(year: int, **action: Any) -> dict[str, Any]:
    return {"exercice": year, "action": {"debut": dt.date(year, 1, 1), "fin": dt.date(year, 12, 31), **action}}


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param({}, "sans-objet", id="pas-de-cpo"),
        pytest.param(_exercice(2025, cpo={"annees": [2025, 2026, 2027]}), "sans-objet", id="premiere-annee"),
        pytest.param(_exercice(2026, cpo={"annees": [2025, 2026, 2027]}), "echec", id="deuxieme-annee-sans-evaluation"),
        pytest.param(
            _exercice(2027, cpo={"annees": [2025, 2026, 2027]}), "echec", id="troisieme-annee-sans-evaluation"
        ),
        pytest.param(
            {**_exercice(2026, cpo={"annees": [2025, 2026, 2027]}), "pieces": ["evaluation-annuelle"]},
            "ok",
            id="deuxieme-annee-avec-evaluation",
        ),
    ],
)
def test_cpo_evaluation_annuelle(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("cpo-evaluation-annuelle") == statut


# --------------------------------------------------------------------------- CAF

WITH_CAF = balanced(("etat", 3000), ("ville", 3000), ("caf", 1000))
WITH_CAF["financements"][-1]["dispositif"] = "REAAP"  # the nature of the CAF's aid (caf-nature-aide)


@pytest.mark.parametrize(
    ("debut", "fin", "statut"),
    [
        pytest.param(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "ok", id="annee-2025-entiere"),
        pytest.param(dt.date(2025, 1, 1), dt.date(2026, 1, 1), "echec", id="finit-le-1er-janvier-2026"),
        pytest.param(dt.date(2024, 12, 31), dt.date(2025, 12, 31), "echec", id="commence-le-31-decembre-2024"),
        pytest.param(dt.date(2025, 9, 1), dt.date(2026, 6, 30), "echec", id="septembre-a-juin"),
        pytest.param(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "echec", id="entierement-en-2026"),
    ],
)
def test_caf_exercice_unique(debut, fin, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, action={"debut": debut, "fin": fin}))
    assert ev.statut("caf-exercice-unique") == statut
    assert ev.verdict == ("ineligible" if statut == "echec" else "eligible")


def test_caf_exercice_unique_message_suggests_splitting(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, action={"debut": dt.date(2025, 9, 1), "fin": dt.date(2026, 6, 30)}))
    message = ev.constats["caf-exercice-unique"].message
    assert "2025" in message and "2026" in message


def test_caf_rules_are_sans_objet_without_caf(make_dossier, evaluate) -> None:
    ev = evaluate(
        make_dossier(
            balanced(("etat", 3000), ("ville", 3000), ("caf", 0)),
            action={
                "debut": dt.date(2025, 9, 1),
                "fin": dt.date(2026, 6, 30),
                "parentalite": True,
                "renouvellement": True,
            },
            pieces=["rib"],
        )
    )
    for regle in (
        "caf-exercice-unique",
        "caf-seul-financeur",
        "caf-pieces",
        "caf-parentalite-elan",
        "caf-bilan-renouvellement",
    ):
        assert ev.statut(regle) == "sans-objet", regle
    assert ev.verdict == "eligible"


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param(balanced(("caf", 6000)), "echec", id="caf-seule"),
        pytest.param(balanced(("caf", 3000), ("caf", 3000)), "echec", id="caf-deux-lignes"),
        pytest.param(balanced(("caf", 6000), ("ville", 0)), "echec", id="ville-a-0"),
        pytest.param(balanced(("caf", 6000), ("ville", 500, 0)), "echec", id="ville-accorde-0"),
        pytest.param(balanced(("caf", 5000), ("prive", 1000)), "ok", id="avec-prive"),
        pytest.param(balanced(("caf", 5000), ("etat", 1000)), "ok", id="avec-etat"),
    ],
)
def test_caf_seul_financeur(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("caf-seul-financeur") == statut


@pytest.mark.parametrize(
    ("pieces", "statut"),
    [
        (CAF_PIECES, "ok"),
        (["rib", "liste-bureau", "attestation-prefecture", "statuts"], "ok"),
        (["attestation-prefecture", "liste-bureau"], "echec"),
        (["attestation-prefecture", "rib"], "echec"),
        (["liste-bureau", "rib"], "echec"),
        ([], "echec"),
    ],
)
def test_caf_pieces(pieces, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, pieces=pieces))
    assert ev.statut("caf-pieces") == statut
    assert ev.verdict == ("ineligible" if statut == "echec" else "eligible")


@pytest.mark.parametrize(
    ("parentalite", "elan", "statut"),
    [(True, True, "ok"), (True, False, "echec"), (False, False, "sans-objet"), (False, True, "sans-objet")],
)
def test_caf_parentalite_elan(parentalite, elan, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, action={"parentalite": parentalite}, elan=elan))
    assert ev.statut("caf-parentalite-elan") == statut
    assert ev.verdict == "eligible"  # a reserve, never blocking


def test_parentalite_without_caf_is_sans_objet(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(action={"parentalite": True}, elan=False))
    assert ev.statut("caf-parentalite-elan") == "sans-objet"


@pytest.mark.parametrize(
    ("renouvellement", "envoye_le", "statut"),
    [
        pytest.param(True, dt.date(2025, 4, 30), "ok", id="30-avril"),
        pytest.param(True, dt.date(2025, 5, 1), "echec", id="1er-mai"),
        pytest.param(True, dt.date(2025, 1, 15), "ok", id="janvier"),
        pytest.param(True, dt.date(2024, 11, 30), "ok", id="annee-precedente"),
        pytest.param(True, dt.date(2025, 12, 1), "echec", id="decembre"),
        pytest.param(True, None, "echec", id="pas-de-bilan"),
        pytest.param(False, None, "sans-objet", id="pas-un-renouvellement"),
        pytest.param(False, dt.date(2025, 6, 1), "sans-objet", id="pas-un-renouvellement-bilan-tardif"),
    ],
)
def test_caf_bilan_renouvellement(renouvellement, envoye_le, statut, make_dossier, evaluate) -> None:
    fragment: dict[str, Any] = {"action": {"renouvellement": renouvellement}}
    if envoye_le is not None:
        fragment["bilan-precedent"] = {"envoye-le": envoye_le}
    ev = evaluate(make_dossier(WITH_CAF, **fragment))
    assert ev.statut("caf-bilan-renouvellement") == statut
    assert ev.verdict == ("ineligible" if statut == "echec" else "eligible")


def test_caf_bilan_deadline_follows_the_exercice(make_dossier, evaluate) -> None:
    fragment = {**_exercice(2026, renouvellement=True), "bilan-precedent": {"envoye-le": dt.date(2026, 4, 30)}}
    assert evaluate(make_dossier(WITH_CAF, **fragment)).statut("caf-bilan-renouvellement") == "ok"
    fragment["bilan-precedent"] = {"envoye-le": dt.date(2026, 5, 1)}
    assert evaluate(make_dossier(WITH_CAF, **fragment)).statut("caf-bilan-renouvellement") == "echec"


def test_caf_bilan_without_date_is_echec(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, action={"renouvellement": True}, **{"bilan-precedent": {}}))
    assert ev.statut("caf-bilan-renouvellement") == "echec"


# --------------------------------------------------------------------------- Département


@pytest.mark.parametrize(
    ("fragment", "statut"),
    [
        pytest.param(balanced(("etat", 3000), ("ville", 3000)), "sans-objet", id="pas-de-departement"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("departement", 0)), "sans-objet", id="departement-a-0"),
        pytest.param(balanced(("etat", 3000), ("ville", 3000), ("departement", 1000)), "ok", id="etat-ville"),
        pytest.param(balanced(("agglo", 3000), ("ville", 3000), ("departement", 1000)), "ok", id="agglo-ville"),
        pytest.param(balanced(("etat", 3000), ("caf", 3000), ("departement", 1000)), "echec", id="un-seul-principal"),
        pytest.param(
            balanced(("etat", 3000), ("ville", 3000, 0), ("departement", 1000)), "echec", id="ville-accorde-0"
        ),
        pytest.param(balanced(("departement", 1000), ("region", 1000), ("caf", 1000)), "echec", id="aucun-principal"),
    ],
)
def test_departement_cofinancement(fragment, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(fragment))
    assert ev.statut("departement-cofinancement") == statut
    assert ev.constats["departement-cofinancement"].gravite == "avertissement"


def test_departement_reserve_is_not_what_blocks(make_dossier, evaluate) -> None:
    # departement-cofinancement can only fail when financeurs-principaux fails too (same
    # three financeurs); the dossier is ineligible because of the latter, never of the reserve.
    ev = evaluate(make_dossier(balanced(("etat", 3000), ("caf", 3000), ("departement", 1000))))
    assert ev.echecs() >= {"departement-cofinancement", "financeurs-principaux"}
    assert ev.verdict == "ineligible"
    assert [c for c in ev.constats.values() if c.statut == "echec" and c.gravite == "bloquant"] == [
        ev.constats["financeurs-principaux"]
    ]


# --------------------------------------------------------------------------- bonus-innovation


@pytest.mark.parametrize(
    ("action", "statut"),
    [
        ({"innovante": True}, "ok"),
        ({"innovante": True, "cpo": {"annees": [2025, 2026, 2027]}}, "sans-objet"),
        ({"innovante": False}, "sans-objet"),
        ({}, "sans-objet"),
    ],
)
def test_bonus_innovation(action, statut, make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(action=action))
    assert ev.statut("bonus-innovation") == statut
    assert ev.constats["bonus-innovation"].gravite == "information"
    assert ev.verdict == "eligible"


# --------------------------------------------------------------------------- verdicts (docs/regles.md)


def test_reserves_only_keep_the_dossier_eligible(make_dossier, evaluate) -> None:
    ev = evaluate(
        make_dossier(
            WITH_CAF,
            action={"quartiers": ["aiguille-trebes"], "parentalite": True, "innovante": True},
            elan=False,
        )
    )
    assert ev.echecs() == {"quartier-prioritaire", "caf-parentalite-elan"}
    assert ev.statut("bonus-innovation") == "ok"
    assert ev.verdict == "eligible"


def test_one_bloquant_echec_makes_the_dossier_ineligible(make_dossier, evaluate) -> None:
    ev = evaluate(make_dossier(WITH_CAF, pieces=["rib"]))
    assert ev.echecs() == {"caf-pieces"}
    assert ev.verdict == "ineligible"


def test_constats_follow_the_rules_file_order(make_dossier, evaluate, regles) -> None:
    ev = evaluate(make_dossier())
    assert list(ev.constats) == list(regles.regles)


# --------------------------------------------------------------------------- dated parameters (docs/regles.md)


def _with_plancher(rules_copy, value: str):
    edit_rule(rules_copy / "regles.yaml", "plancher-financeur", "minimum: {2024: 500}", f"minimum: {value}")
    return load_rules(rules_copy)


def _ville(year: int, montant: str) -> dict[str, Any]:
    return {**balanced(("etat", 3000), ("ville", montant)), **_exercice(year)}


@pytest.mark.parametrize(
    ("year", "montant", "statut"),
    [
        (2024, "500", "ok"),
        (2024, "499.99", "echec"),
        (2025, "800", "ok"),
        (2025, "500", "ok"),
        (2026, "800", "echec"),
        (2026, "999.99", "echec"),
        (2026, "1000", "ok"),
        (2030, "999.99", "echec"),
    ],
)
def test_dated_parameter_takes_the_latest_year_not_after_the_exercice(
    year, montant, statut, rules_copy, make_dossier, evaluate
) -> None:
    rs = _with_plancher(rules_copy, "{2024: 500, 2026: 1000}")
    assert evaluate(make_dossier(_ville(year, montant)), rs).statut("plancher-financeur") == statut


def test_dated_parameter_without_value_for_the_exercice_is_sans_objet(rules_copy, make_dossier, evaluate) -> None:
    rs = _with_plancher(rules_copy, "{2026: 1000}")
    constat = evaluate(make_dossier(_ville(2025, "800")), rs).constats["plancher-financeur"]
    assert constat.statut == "sans-objet"
    assert "2025" in constat.message  # says for which exercice there is no value
    assert "minimum" in constat.message  # and which parameter
    assert evaluate(make_dossier(_ville(2026, "800")), rs).statut("plancher-financeur") == "echec"
    assert evaluate(make_dossier(_ville(2027, "1000")), rs).statut("plancher-financeur") == "ok"


def test_shipped_plancher_applies_from_2024(make_dossier, evaluate) -> None:
    assert evaluate(make_dossier(_ville(2024, "499.99"))).statut("plancher-financeur") == "echec"
    assert evaluate(make_dossier(_ville(2030, "499.99"))).statut("plancher-financeur") == "echec"
    assert evaluate(make_dossier(_ville(2030, "500"))).statut("plancher-financeur") == "ok"


def test_enveloppes_are_dated_and_etat_is_unset(regles) -> None:
    """The shipped enveloppes (SPEC §3.3) apply from the contract's first year; the État's is « non renseignée »;
    their amounts and périmètres are data, tested in rules/tests/enveloppe-respectee.yaml."""
    first, last = regles.contrat.periode
    for code, env in regles.enveloppes.items():
        if code == "etat":
            assert env.montant is None and regles.enveloppe(code, first) is None
            continue
        assert regles.enveloppe(code, first - 1) is None, code
        assert regles.enveloppe(code, first) is not None and regles.enveloppe(code, last) is not None, code
