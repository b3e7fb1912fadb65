"""End to end: ``cdv check`` through the console script's ``main()``, in-process (docs/rapports.md).

JSON parsed and checked key by key, exit codes 0/1/2, nothing but the payload
on stdout, byte-identical output, French usage errors without traceback, and
rule parameters edited in a copy of rules/ changing verdicts.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from rules_text import edit_rule

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "data" / "dossiers"
FIXTURES = Path(__file__).parent / "fixtures" / "dossiers"
INVALID = Path(__file__).parent / "fixtures" / "invalid"

# The shipped examples (data/dossiers/2025): the ineligible ones and their blocking rule,
# the eligible ones with reserves and their avertissement.
INELIGIBLE = {
    "CDV-2025-006": "financeurs-principaux",
    "CDV-2025-012": "plancher-financeur",
    "CDV-2025-016": "caf-exercice-unique",
    "CDV-2025-020": "budget-equilibre",
    "CDV-2025-025": "caf-seul-financeur",
    "CDV-2025-028": "caf-pieces",
}
# éligibles par dérogation (rules/derogations.yaml): the rule stays in échec, the verdict is éligible
PAR_DEROGATION = {"CDV-2025-032": "caf-bilan-renouvellement"}
RESERVES = {
    "CDV-2025-005": {"action-exercice"},
    "CDV-2025-009": {"quartier-prioritaire"},  # a quartier de veille
    "CDV-2025-017": {"pluriannuelle-hors-cpo"},
    "CDV-2025-023": {"quartier-prioritaire"},  # outside the géographie prioritaire, État on programme 147
    "CDV-2025-031": {"quartier-prioritaire", "hors-qpv-etat-p147"},  # outside, without programme 147
    "CDV-2025-018": {"caf-parentalite-elan"},
    "CDV-2025-034": {"caf-parentalite-elan"},
    "CDV-2025-035": {"dispositif-financeur"},  # a Ville line on the État's programme 147
    "CDV-2025-036": {"cpo-cofinancement"},  # v2: an avertissement (it was the 8th ineligible example in v1)
    "CDV-2025-002": {"cpo-continuite"},  # year 2 of a CPO 2024-2026 that does not name its 2024 dossier
    "CDV-2026-001": {"precedent-coherent"},  # the chain broken on purpose: its precedent is no dossier
}
DOSSIER_KEYS = {"id", "fichier", "exercice", "verdict", "constats", "erreurs"}
CONSTAT_KEYS = {"regle", "gravite", "statut", "message", "source", "parametres"}


def statuts(dossier: dict[str, Any]) -> dict[str, str]:
    return {c["regle"]: c["statut"] for c in dossier["constats"]}


@pytest.fixture
def shipped(cdv):
    """``cdv check data/dossiers --format json`` from the repository, run once."""
    return cdv("check", "data/dossiers", "--format", "json")


# --------------------------------------------------------------------------- the shipped examples


def test_json_output_has_the_spec_shape(shipped, regles) -> None:
    assert shipped.code == 1  # some shipped dossiers are ineligible
    doc = shipped.json()  # the whole of stdout is one JSON document: nothing else is printed there
    assert {"dossiers", "resume"} <= set(doc)
    files = sorted(EXAMPLES.rglob("*.yaml")) + sorted(EXAMPLES.rglob("*.yml"))
    assert doc["resume"]["total"] == len(doc["dossiers"]) == len(files) >= 30
    assert set(doc["resume"]) >= {"total", "eligible", "ineligible", "invalide"}
    counts = {v: sum(d["verdict"] == v for d in doc["dossiers"]) for v in ("eligible", "ineligible", "invalide")}
    assert {k: doc["resume"][k] for k in counts} == counts
    for d in doc["dossiers"]:
        assert DOSSIER_KEYS <= set(d) <= DOSSIER_KEYS | {"alertes", "par-derogation", "derogation"}
        assert d["verdict"] in ("eligible", "ineligible", "invalide")
        assert d["exercice"] in (2024, 2025, 2026) and isinstance(d["exercice"], int)
        assert d["erreurs"] == []
        assert [c["regle"] for c in d["constats"]] == list(regles.regles)  # every rule, sans-objet included
        for c in d["constats"]:
            assert set(c) - {"derogation"} == CONSTAT_KEYS
            assert c["statut"] in ("ok", "echec", "sans-objet")
            assert c["gravite"] == regles.regles[c["regle"]].gravite
            assert c["message"] and c["source"]


def test_dossiers_are_listed_in_path_order(shipped) -> None:
    fichiers = [d["fichier"] for d in shipped.json()["dossiers"]]
    assert fichiers == sorted(fichiers)
    assert fichiers[0] == "data/dossiers/2024/CDV-2024-008.yaml"  # the path as given on the command line


def test_shipped_examples_verdicts(shipped) -> None:
    dossiers = {d["id"]: d for d in shipped.json()["dossiers"]}
    assert len(dossiers) == 41  # 36 of 2025, and the history: 3 of 2024, 2 of 2026
    for ident, d in dossiers.items():
        bloquants = {c["regle"] for c in d["constats"] if c["statut"] == "echec" and c["gravite"] == "bloquant"}
        reserves = {c["regle"] for c in d["constats"] if c["statut"] == "echec" and c["gravite"] == "avertissement"}
        if ident in INELIGIBLE:
            assert d["verdict"] == "ineligible", ident
            assert INELIGIBLE[ident] in bloquants, (ident, bloquants)
            assert "derogation" not in d
        elif ident in PAR_DEROGATION:
            assert d["verdict"] == "eligible" and d["par-derogation"] is True, ident
            assert bloquants == {PAR_DEROGATION[ident]}
            assert d["derogation"]["decision"].startswith("COPIL du ")
        else:
            assert d["verdict"] == "eligible", (ident, bloquants)
            assert bloquants == set()
            assert reserves == RESERVES.get(ident, set()), (ident, reserves)


def test_json_output_is_byte_identical_twice(shipped, cdv) -> None:
    again = cdv("check", "data/dossiers", "--format", "json")
    assert again.code == shipped.code
    assert again.out == shipped.out


def test_text_output_names_ineligible_dossiers_and_rules(cdv) -> None:
    result = cdv("check", "data/dossiers")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "\x1b[" not in result.out  # no colour codes when not on a terminal
    lines = result.out.splitlines()
    for ident, regles in {**{i: {r} for i, r in {**INELIGIBLE, **PAR_DEROGATION}.items()}, **RESERVES}.items():
        assert any(ident in line for line in lines), ident
        start = next(i for i, line in enumerate(lines) if ident in line)
        block = "\n".join(lines[start : start + 12])
        for regle in regles:
            assert regle in block, (ident, regle)
    assert "Résumé" in result.out
    assert "41" in next(line for line in lines if "Résumé" in line)


def test_text_output_is_byte_identical_twice(cdv) -> None:
    first = cdv("check", "data/dossiers/2025/CDV-2025-006.yaml", "data/dossiers/2025/CDV-2025-009.yaml")
    second = cdv("check", "data/dossiers/2025/CDV-2025-006.yaml", "data/dossiers/2025/CDV-2025-009.yaml")
    assert first.out == second.out and first.code == second.code == 1


# --------------------------------------------------------------------------- exit codes


def test_only_eligible_dossiers_exit_0(cdv) -> None:
    result = cdv("check", FIXTURES, "--format", "json")
    assert result.code == 0, result.out
    doc = result.json()
    assert doc["resume"]["total"] == 3 and doc["resume"]["eligible"] == 3
    assert [Path(d["fichier"]).name for d in doc["dossiers"]] == ["CDV-T-001.yaml", "CDV-T-002.yml", "CDV-T-003.yaml"]
    text = cdv("check", FIXTURES)
    assert text.code == 0


def test_an_invalid_file_exits_1_and_the_batch_goes_on(tmp_path, cdv) -> None:
    shutil.copy(FIXTURES / "CDV-T-001.yaml", tmp_path / "a.yaml")
    shutil.copy(INVALID / "cle-en-double-imbriquee.yaml", tmp_path / "b.yaml")
    shutil.copy(FIXTURES / "CDV-T-003.yaml", tmp_path / "c.yaml")
    result = cdv("check", tmp_path, "--format", "json")
    assert result.code == 1
    doc = result.json()
    assert [d["verdict"] for d in doc["dossiers"]] == ["eligible", "invalide", "eligible"]
    bad = doc["dossiers"][1]
    assert bad["constats"] == []
    assert {"champ": "financements[1].montant", "ligne": 23} in [
        {k: e[k] for k in ("champ", "ligne")} for e in bad["erreurs"]
    ]
    assert doc["resume"] == {**doc["resume"], "total": 3, "eligible": 2, "ineligible": 0, "invalide": 1}
    text = cdv("check", tmp_path)
    assert text.code == 1
    assert "23" in text.out and "financements[1].montant" in text.out


def test_invalid_files_in_text_and_json_never_crash(cdv) -> None:
    result = cdv("check", INVALID, "--format", "json")
    assert result.code == 1
    assert "Traceback" not in result.err
    doc = result.json()
    assert doc["resume"]["invalide"] == doc["resume"]["total"] == len(list(INVALID.glob("*.yaml")))
    for d in doc["dossiers"]:
        assert d["erreurs"] and all(set(e) == {"champ", "ligne", "message"} for e in d["erreurs"])
    text = cdv("check", INVALID)
    assert text.code == 1 and "Traceback" not in text.out + text.err


def test_duplicate_id_across_files(tmp_path, cdv) -> None:
    shutil.copy(FIXTURES / "CDV-T-001.yaml", tmp_path / "a.yaml")
    shutil.copy(FIXTURES / "CDV-T-001.yaml", tmp_path / "b.yaml")
    doc = cdv("check", tmp_path, "--format", "json").json()
    assert [d["verdict"] for d in doc["dossiers"]] == ["eligible", "invalide"]
    assert [(e["champ"], e["ligne"]) for e in doc["dossiers"][1]["erreurs"]] == [("id", 2)]


def test_missing_path_exits_2_in_french(cdv) -> None:
    result = cdv("check", "pas/de/dossier/ici", "--format", "json")
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert "introuvable" in result.err and "pas/de/dossier/ici" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--bogus"],
        ["check", "--format", "xml", "data/dossiers"],
        ["check", "--exercice", "deux-mille", "data/dossiers"],
        ["check", "--rules"],
        ["commande-inconnue"],
    ],
    ids=["option-inconnue", "format-inconnu", "exercice-non-entier", "option-sans-valeur", "commande-inconnue"],
)
def test_usage_errors_exit_2_without_traceback(args, cdv) -> None:
    result = cdv(*args)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert "Erreur" in result.err


def test_exercice_filter(cdv) -> None:
    result = cdv("check", "data/dossiers", "--exercice", "2027", "--format", "json")
    assert result.code == 2 and result.out == ""  # nothing was checked (tests/test_batch_experience.py)
    assert "exercice 2027" in result.err
    kept = cdv("check", "data/dossiers/2025/CDV-2025-001.yaml", "--exercice", "2025", "--format", "json").json()
    assert [d["id"] for d in kept["dossiers"]] == ["CDV-2025-001"]


def test_help(cdv) -> None:
    for args in (["--help"], ["check", "--help"]):
        result = cdv(*args)
        assert result.code == 0
        assert "check" in result.out
        assert "Traceback" not in result.err


# --------------------------------------------------------------------------- which rules


def test_from_another_folder_the_packaged_rules_are_used(tmp_path, cdv) -> None:
    shutil.copy(FIXTURES / "CDV-T-001.yaml", tmp_path / "d.yaml")
    result = cdv("check", "d.yaml", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    doc = result.json()
    assert len(doc["dossiers"][0]["constats"]) >= 14
    assert doc["dossiers"][0]["fichier"] == "d.yaml"


def test_default_path_missing_in_another_folder_exits_2(tmp_path, cdv) -> None:
    result = cdv("check", cwd=tmp_path)  # default data/dossiers does not exist there
    assert result.code == 2
    assert "Traceback" not in result.err


def test_a_rules_folder_in_the_current_directory_is_the_default(tmp_path, cdv) -> None:
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    regles = tmp_path / "rules" / "regles.yaml"
    regles.write_text(
        regles.read_text(encoding="utf-8").replace("minimum: {2024: 500}", "minimum: {2024: 5000}"), encoding="utf-8"
    )
    shutil.copy(FIXTURES / "CDV-T-001.yaml", tmp_path / "d.yaml")
    doc = cdv("check", "d.yaml", "--format", "json", cwd=tmp_path).json()
    assert statuts(doc["dossiers"][0])["plancher-financeur"] == "echec"  # 3 000 € < 5 000 €


# --------------------------------------------------------------------------- parameters edited in a copy of rules/

TARGETS = {
    # file name → dossier fragment (written from CDV-T-001 with these lines replaced)
    "plancher.yaml": [("    montant: 3000\npieces", "    montant: 800\npieces"), ("total: 7000", "total: 4800")],
    "principaux.yaml": [],
    "cpo.yaml": [
        ("  fin: 2025-12-31\n", "  fin: 2025-12-31\n  cpo:\n    annees: [2025, 2026, 2027]\n"),
        ("total: 7000", "total: 12000"),
        ("autres-produits: 1000", "autres-produits: 6000"),
    ],
    "bilan.yaml": [
        ("  fin: 2025-12-31\n", "  fin: 2025-12-31\n  renouvellement: true\n"),
        ("total: 7000", "total: 8000"),
        ("pieces:", "  - financeur: caf\n    montant: 1000\nbilan-precedent:\n  envoye-le: 2025-04-20\npieces:"),
    ],
    "veille.yaml": [("quartiers: [grazailles]", "quartiers: [aiguille-trebes]")],
}

EDITS = {
    # edit name → (regles.yaml text replaced, target file, rule whose statut changes, before → after, verdict after)
    "plancher-500-a-1000": (
        "minimum: {2024: 500}",
        "minimum: {2024: 1000}",
        "plancher.yaml",
        "plancher-financeur",
        "ok",
        "echec",
        "ineligible",
    ),
    "plancher-date-2025": (
        "minimum: {2024: 500}",
        "minimum: {2024: 500, 2025: 1000}",
        "plancher.yaml",
        "plancher-financeur",
        "ok",
        "echec",
        "ineligible",
    ),
    "principaux-2-a-3": (
        "    parmi: [etat, ville, agglo]\n    minimum: 2",
        "    parmi: [etat, ville, agglo]\n    minimum: 3",
        "principaux.yaml",
        "financeurs-principaux",
        "ok",
        "echec",
        "ineligible",
    ),
    "cpo-part-0.5-a-0.6": ("part: 0.5", "part: 0.6", "cpo.yaml", "cpo-cofinancement", "ok", "echec", "eligible"),
    "bilan-30-a-15-avril": (
        "    mois: 4\n    jour: 30",
        "    mois: 4\n    jour: 15",
        "bilan.yaml",
        "caf-bilan-renouvellement",
        "ok",
        "echec",
        "ineligible",
    ),
    "quartier-bloquant": (
        "    statuts: [qpv]\n    gravite: avertissement",
        "    statuts: [qpv]\n    gravite: bloquant",
        "veille.yaml",
        "quartier-prioritaire",
        "echec",
        "echec",
        "ineligible",
    ),
    "quartier-veille-accepte": (
        "    statuts: [qpv]",
        "    statuts: [qpv, veille]",
        "veille.yaml",
        "quartier-prioritaire",
        "echec",
        "ok",
        "eligible",
    ),
}


@pytest.fixture(scope="module")
def targets(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cibles")
    base = (FIXTURES / "CDV-T-001.yaml").read_text(encoding="utf-8")
    for i, (name, replacements) in enumerate(TARGETS.items()):
        text = base.replace("id: CDV-T-001", f"id: CDV-CIBLE-{i}")
        for old, new in replacements:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def baseline(targets, cdv) -> dict[str, dict[str, Any]]:
    result = cdv("check", targets, "--format", "json")
    doc = result.json()
    return {Path(d["fichier"]).name: d for d in doc["dossiers"]}


def test_targets_are_eligible_with_the_shipped_rules(baseline) -> None:
    for name, d in baseline.items():
        assert d["verdict"] == "eligible", (name, [c for c in d["constats"] if c["statut"] == "echec"])


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_editing_a_parameter_in_a_copy_of_rules_changes_the_verdict(edit, targets, baseline, rules_copy, cdv) -> None:
    old, new, target, regle, before, after, verdict = EDITS[edit]
    edit_rule(rules_copy / "regles.yaml", regle, old, new)  # the edited rule is the one whose statut changes

    result = cdv("check", targets / target, "--rules", rules_copy, "--format", "json")

    assert statuts(baseline[target])[regle] == before
    assert result.code == (1 if verdict == "ineligible" else 0), result.err
    d = result.json()["dossiers"][0]
    assert statuts(d)[regle] == after
    assert d["verdict"] == verdict
    # the edit changed something: the rule's statut, or the verdict
    assert (statuts(d)[regle], d["verdict"]) != (before, baseline[target]["verdict"])
    assert old in (REPO / "rules" / "regles.yaml").read_text(encoding="utf-8")  # the original is untouched


def test_removing_a_rule_from_a_copy_removes_its_constat(rules_copy, targets, cdv) -> None:
    from cdv_prog.files.loader import load_yaml_file

    path = rules_copy / "regles.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\n  bonus-innovation:")
    path.write_text(text[:start] + "\n", encoding="utf-8")
    assert "bonus-innovation" not in load_yaml_file(path).data["regles"]
    d = cdv("check", targets / "principaux.yaml", "--rules", rules_copy, "--format", "json").json()["dossiers"][0]
    assert "bonus-innovation" not in statuts(d)
    assert "plancher-financeur" in statuts(d)
