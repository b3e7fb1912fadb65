"""Dérogations of the COPIL recorded with the rules (issue 13): loading, effect, every output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdv_prog.core.derogations import Derogation, appliquer
from cdv_prog.core.findings import Constat
from cdv_prog.core.ruleset import RulesError
from cdv_prog.files.rules import load_rules

REPO = Path(__file__).resolve().parent.parent
EX = REPO / "data" / "dossiers" / "2025"

DEROGATION = """derogations:
  - dossier: {dossier}
    exercice: {exercice}
    regles: [{regle}]
    decision: COPIL du 12/03/2025, relevé n°4
    auteur: COPIL
    date: 2025-03-12
"""


def _rules(
    rules_copy: Path, dossier: str = "CDV-2025-012", regle: str = "plancher-financeur", exercice: int = 2025
) -> Path:
    (rules_copy / "derogations.yaml").write_text(
        DEROGATION.format(dossier=dossier, regle=regle, exercice=exercice), encoding="utf-8"
    )
    return rules_copy


def _constat(regle: str, statut: str, gravite: str = "bloquant") -> Constat:
    return Constat(regle, gravite, statut, "m", "s")  # type: ignore[arg-type]  # literal types from plain str


def _derogation(*regles: str, exercice: int = 2025) -> Derogation:
    import datetime as dt

    return Derogation("D", regles, exercice, "COPIL", "moi", dt.date(2025, 3, 12))


# --------------------------------------------------------------------------- the effect (pure)


def test_covered_failure_stays_echec_and_the_verdict_becomes_eligible() -> None:
    effet = appliquer([_constat("a", "echec"), _constat("b", "ok")], (_derogation("a"),), "D", 2025)
    assert effet is not None and effet.eligible
    assert effet.constats[0].statut == "echec" and effet.constats[0].derogation is not None
    assert effet.constats[1].derogation is None and effet.sans_objet == ()


def test_an_uncovered_bloquant_keeps_the_dossier_ineligible() -> None:
    effet = appliquer([_constat("a", "echec"), _constat("b", "echec")], (_derogation("a"),), "D", 2025)
    assert effet is not None and not effet.eligible and effet.derogation is None
    assert effet.constats[0].derogation is not None  # said all the same


def test_a_derogation_of_another_exercice_never_applies() -> None:
    assert appliquer([_constat("a", "echec")], (_derogation("a", exercice=2024),), "D", 2025) is None


def test_a_derogation_matching_no_failure_is_sans_objet() -> None:
    effet = appliquer([_constat("a", "ok")], (_derogation("a"),), "D", 2025)
    assert effet is not None and not effet.eligible and [d.regles for d in effet.sans_objet] == [("a",)]


def test_an_avertissement_covered_leaves_the_verdict_alone() -> None:
    effet = appliquer([_constat("a", "echec", "avertissement")], (_derogation("a"),), "D", 2025)
    assert effet is not None and not effet.eligible and effet.constats[0].derogation is not None


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize("missing", ["decision", "auteur", "date"])
def test_a_missing_decision_author_or_date_is_an_error_with_its_line(rules_copy, cdv, missing) -> None:
    path = _rules(rules_copy)
    text = "".join(
        line
        for line in path.joinpath("derogations.yaml").read_text().splitlines(True)
        if not line.strip().startswith(f"{missing}:")
    )
    path.joinpath("derogations.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert any(
        p.fichier.endswith("derogations.yaml") and p.ligne == 2 and missing in p.champ for p in exc.value.problems
    )
    run = cdv("regles", "verifier", path)
    assert run.code == 2 and "derogations.yaml:2" in run.out + run.err


def test_an_unknown_key_is_an_error(rules_copy) -> None:
    path = _rules(rules_copy)
    with path.joinpath("derogations.yaml").open("a", encoding="utf-8") as fh:
        fh.write("    signataire: Préfet\n")
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert any("signataire" in p.message for p in exc.value.problems)


def test_the_shipped_rules_carry_one_derogation(regles) -> None:
    recorded = [d for ds in regles.derogations.values() for d in ds]
    assert len(recorded) >= 1
    assert all(d.decision and d.auteur and d.fichier.endswith("derogations.yaml") and d.ligne for d in recorded)


def test_the_derogations_are_part_of_the_fingerprint(rules_copy) -> None:
    before = load_rules(rules_copy).empreinte
    assert load_rules(_rules(rules_copy)).empreinte != before


# --------------------------------------------------------------------------- outputs


def test_check_text_json_and_summary(cdv, rules_copy) -> None:
    path = _rules(rules_copy)
    text = cdv("check", "--rules", path, EX / "CDV-2025-012.yaml", EX / "CDV-2025-001.yaml")
    assert text.code == 0
    assert "éligible par dérogation (COPIL du 12/03/2025, relevé n°4)" in text.out
    assert "Dérogation : COPIL du 12/03/2025, relevé n°4 (COPIL, 12/03/2025)" in text.out
    assert "2 éligible(s) dont 1 par dérogation" in text.out
    doc = cdv("check", "--rules", path, EX / "CDV-2025-012.yaml", "--format", "json").json()
    d = doc["dossiers"][0]
    assert d["verdict"] == "eligible" and d["par-derogation"] is True
    plancher = next(c for c in d["constats"] if c["regle"] == "plancher-financeur")
    assert plancher["statut"] == "echec" and plancher["derogation"]["decision"] == "COPIL du 12/03/2025, relevé n°4"
    assert doc["resume"]["par-derogation"] == 1


def test_a_fixed_dossier_reports_its_derogation_sans_objet(cdv, rules_copy) -> None:
    path = _rules(rules_copy, dossier="CDV-2025-001")
    run = cdv("check", "--rules", path, EX / "CDV-2025-001.yaml")
    assert "Dérogation sans objet : COPIL du 12/03/2025, relevé n°4 (plancher-financeur : pas en échec)" in run.out
    assert "par dérogation" not in run.out


def test_never_for_an_invalide_dossier(cdv, rules_copy, tmp_path) -> None:
    path = _rules(rules_copy)
    bad = tmp_path / "d.yaml"
    bad.write_text(
        (EX / "CDV-2025-012.yaml").read_text(encoding="utf-8").replace("exercice: 2025", "exercice: deux"),
        encoding="utf-8",
    )
    doc = cdv("check", "--rules", path, bad, "--format", "json").json()
    assert doc["dossiers"][0]["verdict"] == "invalide" and "derogation" not in doc["dossiers"][0]


def test_programmation_lists_and_counts_them(cdv, rules_copy, tmp_path) -> None:
    path = _rules(rules_copy)
    folder = tmp_path / "lot"
    folder.mkdir()
    for name in ("CDV-2025-012.yaml", "CDV-2025-001.yaml"):
        shutil.copy(EX / name, folder / name)
    text = cdv("programmation", "--rules", path, folder, "--exercice", "2025")
    assert "dont 1 par dérogation" in text.out
    assert "CDV-2025-012" in text.out and "COPIL du 12/03/2025" in text.out
    doc = cdv("programmation", "--rules", path, folder, "--exercice", "2025", "--format", "json").json()
    assert doc["derogations"][0]["id"] == "CDV-2025-012"


def test_regles_verifier_warns_about_unknown_dossier_and_rule(cdv, rules_copy) -> None:
    path = _rules(rules_copy, dossier="CDV-2025-999", regle="regle-inconnue")
    run = cdv("regles", "verifier", path, "--dossiers", "data/dossiers")
    assert run.code == 0
    assert "CDV-2025-999" in run.out and "regle-inconnue" in run.out


def test_regles_diff_shows_a_derogation_added(cdv, rules_copy) -> None:
    old = rules_copy.parent / "anciennes"
    shutil.copytree(rules_copy, old)
    (old / "derogations.yaml").unlink()
    path = _rules(rules_copy)
    run = cdv("regles", "diff", old, path, "data/dossiers")
    assert "dérogation ajoutée" in run.out and "CDV-2025-012" in run.out


def test_regles_verifier_says_a_derogation_sans_objet(cdv, rules_copy) -> None:
    path = _rules(rules_copy, dossier="CDV-2025-001")
    run = cdv("regles", "verifier", path, "--dossiers", EX / "CDV-2025-001.yaml", "--format", "json")
    assert run.code == 0
    found = [p for p in run.json()["problemes"] if "sans objet" in p["message"]]
    assert found and found[0]["niveau"] == "information" and found[0]["fichier"].endswith("derogations.yaml")


def test_check_refuses_rules_whose_derogation_lacks_a_date(cdv, rules_copy) -> None:
    path = _rules(rules_copy)
    text = path.joinpath("derogations.yaml").read_text(encoding="utf-8").replace("    date: 2025-03-12\n", "")
    path.joinpath("derogations.yaml").write_text(text, encoding="utf-8")
    run = cdv("check", "--rules", path, EX / "CDV-2025-012.yaml")
    assert run.code == 2 and "derogations.yaml:2" in run.err and "date" in run.err


def test_regles_diff_json_lists_added_and_removed(cdv, rules_copy) -> None:
    old = rules_copy.parent / "anciennes"
    shutil.copytree(rules_copy, old)  # the shipped dérogation, on CDV-2025-032
    path = _rules(rules_copy)  # replaced by one on CDV-2025-012
    doc = cdv("regles", "diff", old, path, "--format", "json").json()
    assert [d["dossier"] for d in doc["derogations"]["ajoutees"]] == ["CDV-2025-012"]
    assert [d["dossier"] for d in doc["derogations"]["retirees"]] == ["CDV-2025-032"]
