"""« Ce qu'il faudrait » (issue 13): per-kind remedies, the combined remedy, ``--remedes``, ``--ecrire-remedes``.

Every remedy shown has been verified by the engine on a modified copy of the
dossier; the hypothesis properties are in ``test_remedes_properties.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.core.remedes import Changement
from cdv_prog.core.remedier import appliquer, pour_etre_eligible, remedes

REPO = Path(__file__).resolve().parent.parent
EX = REPO / "data" / "dossiers" / "2025"


def _dossier(data, regles) -> Dossier:
    return Dossier.valider(data, regles)


def _remede(dossier: Dossier, regles, regle: str):
    constats = remedes(dossier, evaluer(dossier, regles), regles)
    return next(c for c in constats if c.regle == regle).remede


# --------------------------------------------------------------------------- kinds, boundaries on both sides


@pytest.mark.parametrize(("montant", "attendu"), [("450.00", "+50,00 €"), ("499.99", "+0,01 €")])
def test_plancher_raised_to_the_cent_and_budget_kept_balanced(make_dossier, regles, montant, attendu) -> None:
    data = make_dossier()
    data["financements"].append({"financeur": "departement", "montant": Decimal(montant)})
    data["budget"]["autres-produits"] += Decimal(1000)
    data["budget"]["total"] += Decimal(montant) + Decimal(1000)
    dossier = _dossier(data, regles)
    assert "budget-equilibre" not in {c.regle for c in evaluer(dossier, regles) if c.statut == "echec"}
    remede = _remede(dossier, regles, "plancher-financeur")
    assert remede is not None and attendu in remede.phrase and "ou retirer sa ligne" in remede.phrase
    index = len(data["financements"]) - 1
    assert Changement(f"financements[{index}].montant", montant, "500.00") in remede.changements
    fixed = appliquer(dossier, remede.changements, regles)
    statuts = {c.regle: c.statut for c in evaluer(fixed, regles)}
    assert statuts["plancher-financeur"] == "ok" and statuts["budget-equilibre"] == "ok"


def test_plancher_at_500_needs_no_remedy(make_dossier, regles) -> None:
    data = make_dossier()
    data["financements"].append({"financeur": "departement", "montant": Decimal(500)})
    data["budget"]["total"] += Decimal(500)
    dossier = _dossier(data, regles)
    constats = remedes(dossier, evaluer(dossier, regles), regles)
    assert all(c.remede is None for c in constats)


def test_part_minimum_reaches_exactly_the_threshold(make_dossier, regles) -> None:
    # a CPO at 50 % of public money: the remedy brings exactly what is missing, to the cent
    data = make_dossier()
    data["action"]["cpo"] = {"annees": [2025, 2026, 2027]}
    data["action"].pop("fin", None)
    data["action"]["debut"], data["action"]["fin"] = "2025-01-01", "2025-12-31"
    data["financements"] = [
        {"financeur": "etat", "montant": Decimal(3000)},
        {"financeur": "ville", "montant": Decimal("2999.99")},
    ]
    data["budget"] = {"total": Decimal(12000), "autres-produits": Decimal("6000.01")}
    dossier = _dossier(data, regles)
    remede = _remede(dossier, regles, "cpo-cofinancement")
    assert remede is not None and "0,01 €" in remede.phrase and "50 %" in remede.phrase
    fixed = appliquer(dossier, remede.changements, regles)
    assert {c.regle: c.statut for c in evaluer(fixed, regles)}["cpo-cofinancement"] == "ok"
    # one cent less is not enough: the remedy is the smallest
    short = [Changement(c.champ, c.avant, _moins_un_centime(c)) for c in remede.changements]
    fixed_short = appliquer(dossier, short, regles)
    assert {c.regle: c.statut for c in evaluer(fixed_short, regles)}["cpo-cofinancement"] == "echec"


def _moins_un_centime(c: Changement) -> str | None:
    if c.champ.endswith("montant") and c.apres is not None:
        return str(Decimal(c.apres) - Decimal("0.01"))
    if c.champ == "budget.autres-produits" and c.apres is not None:
        return str(Decimal(c.apres) + Decimal("0.01"))
    return c.apres


@pytest.mark.parametrize(("ecart", "mot"), [(Decimal("-0.01"), "ajouter 0,01 €"), (Decimal("0.01"), "retirer 0,01 €")])
def test_budget_balanced_to_the_cent(make_dossier, regles, ecart, mot) -> None:
    data = make_dossier()
    data["budget"]["total"] -= ecart
    dossier = _dossier(data, regles)
    remede = _remede(dossier, regles, "budget-equilibre")
    assert remede is not None and remede.phrase.startswith(mot)
    fixed = appliquer(dossier, remede.changements, regles)
    assert verdict(evaluer(fixed, regles)) == "eligible"


def test_a_rule_without_a_simple_move_has_no_remedy_and_the_dossier_says_why(regles) -> None:
    from cdv_prog.files.dossiers import read_dossier

    dossier = read_dossier(EX / "CDV-2025-032.yaml", regles)  # bilan sent after 30 April: no move changes the past
    assert isinstance(dossier, Dossier)
    remede, pourquoi = pour_etre_eligible(dossier, regles)
    assert remede is None and pourquoi is not None and "caf-bilan-renouvellement" in pourquoi


# --------------------------------------------------------------------------- the shipped examples, end to end


def test_every_shipped_ineligible_dossier_gets_a_verified_remedy_or_a_reason(cdv) -> None:
    run = cdv("check", "data/dossiers", "--remedes", "--format", "json")
    doc = run.json()
    ineligibles = [d for d in doc["dossiers"] if d["verdict"] == "ineligible"]
    assert ineligibles
    for d in ineligibles:
        assert "pour-etre-eligible" in d and "pour-etre-eligible-impossible" in d
        assert (d["pour-etre-eligible"] is None) != (d["pour-etre-eligible-impossible"] is None), d["id"]
    by_id = {d["id"]: d for d in doc["dossiers"]}
    marcou = by_id["CDV-2025-012"]
    assert marcou["pour-etre-eligible"]["phrase"].startswith("porter Marcou Habitat à 500,00 € (+50,00 €)")
    plancher = next(c for c in marcou["constats"] if c["regle"] == "plancher-financeur")
    assert {"champ": "financements[2].montant", "avant": "450.00", "apres": "500.00"} in plancher["remede"][
        "changements"
    ]
    assert all("remede" not in c for d in doc["dossiers"] for c in d["constats"] if c["statut"] != "echec")


def test_without_the_option_no_remedy_is_computed(cdv) -> None:
    doc = cdv("check", "data/dossiers/2025/CDV-2025-012.yaml", "--format", "json").json()
    assert "pour-etre-eligible" not in doc["dossiers"][0]
    assert all("remede" not in c for c in doc["dossiers"][0]["constats"])


def test_text_shows_ce_qu_il_faudrait_under_the_failed_rule(cdv) -> None:
    run = cdv("check", "data/dossiers/2025/CDV-2025-028.yaml", "--remedes")
    lines = run.lines
    i = next(i for i, line in enumerate(lines) if "(caf-pieces)" in line)
    assert lines[i + 2].strip() == "Ce qu'il faudrait : ajouter la pièce rib"
    assert "    Pour être éligible : ajouter la pièce rib" in lines


def test_github_annotation_carries_the_remedy(cdv) -> None:
    run = cdv("check", "data/dossiers/2025/CDV-2025-016.yaml", "--remedes", "--format", "github")
    assert "%0ACe qu'il faudrait : scinder : un dossier 2025 (01/09–31/12/2025) et un dossier 2026" in run.out
    assert "::notice file=data/dossiers/2025/CDV-2025-016.yaml,title=ce qu'il faudrait::pour être éligible" in run.out


def test_ecrire_remedes_writes_files_cdv_check_finds_eligible(cdv, tmp_path) -> None:
    source = tmp_path / "dossiers"
    shutil.copytree(EX, source)
    before = {p.name: p.read_bytes() for p in source.iterdir()}
    out = tmp_path / "corriges"
    run = cdv("check", source, "--ecrire-remedes", out, "--format", "json")
    assert run.code == 1
    written = sorted(p.name for p in out.iterdir())
    expected = sorted(
        Path(d["fichier"]).name for d in run.json()["dossiers"] if d.get("pour-etre-eligible") is not None
    )
    assert written == expected and len(written) >= 5
    assert "dossier(s) corrigé(s) écrit(s)" in run.err
    assert {p.name: p.read_bytes() for p in source.iterdir()} == before  # inputs untouched
    again = cdv("check", out, "--format", "json")
    assert again.code == 0, again.out
    assert {d["verdict"] for d in again.json()["dossiers"]} == {"eligible"}


def test_written_file_keeps_everything_but_the_changed_fields(cdv, tmp_path) -> None:
    from cdv_prog.files.loader import load_yaml_file

    out = tmp_path / "corriges"
    cdv("check", EX / "CDV-2025-012.yaml", "--ecrire-remedes", out)
    before = load_yaml_file(EX / "CDV-2025-012.yaml").data
    after = load_yaml_file(out / "CDV-2025-012.yaml").data
    assert after["financements"][2]["montant"] == Decimal("500.00")
    assert after["budget"]["autres-produits"] == before["budget"]["autres-produits"] - 50
    after["financements"][2]["montant"] = before["financements"][2]["montant"]
    after["budget"]["autres-produits"] = before["budget"]["autres-produits"]
    assert after == before
    assert (out / "CDV-2025-012.yaml").read_text(encoding="utf-8").startswith("# Corrigé par cdv check")


@pytest.mark.parametrize("inside", [".", "sous-dossier"])
def test_ecrire_remedes_refuses_a_folder_of_the_inputs(cdv, tmp_path, inside) -> None:
    source = tmp_path / "dossiers"
    shutil.copytree(EX, source)
    run = cdv("check", source, "--ecrire-remedes", source / inside)
    assert run.code == 2 and "choisir un autre répertoire" in run.err
    assert not (source / "sous-dossier").exists()


def test_remedes_are_the_same_with_any_jobs(cdv) -> None:
    one = cdv("check", "data/dossiers", "--remedes", "--format", "json", "--jobs", "1")
    two = cdv("check", "data/dossiers", "--remedes", "--format", "json", "--jobs", "2")
    assert one.out == two.out
    assert json.loads(one.out)["resume"]["ineligible"] >= 1


def test_a_line_added_then_raised_is_added_with_its_final_amount() -> None:
    from cdv_prog.core.remedes import Remede

    ajout = Remede("a", (Changement("financements[2]", None, "{financeur: etat, montant: 500.00}"),))
    hausse = Remede("b", (Changement("financements[2].montant", "500.00", "600.00"),))
    combined = ajout.puis(hausse)
    assert combined.changements == (Changement("financements[2]", None, "{financeur: etat, montant: 600.00}"),)
    assert combined.phrase == "a ; b"


def test_a_change_naming_no_field_of_the_dossier_is_refused(make_dossier, regles) -> None:
    dossier = _dossier(make_dossier(), regles)
    assert appliquer(dossier, [Changement("financements[9].montant", "1.00", "2.00")], regles) is None
    assert appliquer(dossier, [Changement("budget.total", "1.00", "-5.00")], regles) is None  # the model refuses it


# --------------------------------------------------------------------------- dates and indicators, both sides


@pytest.mark.parametrize(
    ("fin", "attendu"), [(dt.date(2025, 12, 31), None), (dt.date(2026, 1, 1), ("2026-01-01", "2025-12-31"))]
)
def test_caf_over_two_years_is_split_at_31_december(make_dossier, regles, fin, attendu) -> None:
    data = make_dossier()
    data["financements"].append({"financeur": "caf", "dispositif": "CLAS", "montant": Decimal(500)})
    data["budget"]["total"] += Decimal(500)
    data["action"]["debut"], data["action"]["fin"] = dt.date(2025, 9, 1), fin
    data["pieces"] = ["attestation-prefecture", "liste-bureau", "rib"]
    dossier = _dossier(data, regles)
    remede = _remede(dossier, regles, "caf-exercice-unique")
    if attendu is None:
        assert remede is None
        return
    assert remede is not None and remede.phrase.startswith("scinder : un dossier 2025 (01/09–31/12/2025)")
    assert remede.changements == (Changement("action.fin", *attendu),)


@pytest.mark.parametrize(("fin", "echoue"), [(dt.date(2026, 2, 28), False), (dt.date(2026, 3, 1), True)])
def test_one_year_or_more_outside_a_cpo_ends_the_day_before(make_dossier, regles, fin, echoue) -> None:
    data = make_dossier()
    data["action"]["debut"], data["action"]["fin"] = dt.date(2025, 3, 1), fin
    dossier = _dossier(data, regles)
    remede = _remede(dossier, regles, "pluriannuelle-hors-cpo")
    assert (remede is not None) == echoue
    if remede is not None:
        assert remede.changements == (Changement("action.fin", "2026-03-01", "2026-02-28"),)


def test_elan_is_set(make_dossier, regles) -> None:
    data = make_dossier()
    data["financements"].append({"financeur": "caf", "dispositif": "REAAP", "montant": Decimal(500)})
    data["budget"]["total"] += Decimal(500)
    data["action"]["parentalite"] = True
    data["pieces"] = ["attestation-prefecture", "liste-bureau", "rib"]
    remede = _remede(_dossier(data, regles), regles, "caf-parentalite-elan")
    assert remede is not None and remede.phrase == "déposer aussi sur Elan (elan: true)"
    assert remede.changements == (Changement("elan", "false", "true"),)
