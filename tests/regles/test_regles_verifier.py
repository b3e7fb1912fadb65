"""``cdv regles verifier``: a rules folder checked without any dossier; every error names file, line and key."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

RULE_END = "\n\n  plancher-financeur:"  # text right after the financeurs-principaux rule in regles.yaml


def test_shipped_rules_are_valid(cdv, regles):
    run = cdv("regles", "verifier", "rules")
    assert run.code == 0
    assert run.lines[-1].startswith(f"Règles valides : {len(regles.regles)} règles")
    assert f"{len(regles.financeurs)} financeurs" in run.lines[-1]
    assert f"{len(regles.quartiers)} quartiers" in run.lines[-1]
    assert not [line for line in run.lines if line.startswith(("✘", "!"))]


def test_default_path_is_the_rules_folder_of_the_current_directory(cdv):
    assert cdv("regles", "verifier").code == 0


# Each broken rules folder: (edit of rules/regles.yaml, regex of the line the error must point at,
# key (champ) the error must name). The line is searched in the edited file, so the
# expectation does not depend on the file's layout.
BROKEN = {
    "genre inconnu": (
        ("    type: montant-minimum\n", "    type: montant-minimun\n"),
        r"type: montant-minimun",
        "regles.plancher-financeur.type",
    ),
    "paramètre obligatoire manquant": (
        ("    parmi: [etat, ville, agglo]\n    minimum: 2\n", "    parmi: [etat, ville, agglo]\n"),
        r"^  financeurs-principaux:",
        "regles.financeurs-principaux.minimum",
    ),
    "paramètre mal typé": (
        ("    part: 0.5\n", "    part: beaucoup\n"),
        r"part: beaucoup",
        "regles.cpo-cofinancement.part",
    ),
    "paramètre inconnu": (("    duree: 3\n", "    duree: 3\n    durée: 4\n"), r"durée: 4", "regles.cpo-duree.durée"),
    "code financeur inconnu dans un paramètre": (
        ("    parmi: [etat, ville, agglo]\n", "    parmi: [etat, ville, agglomeration]\n"),
        r"agglomeration",
        "regles.financeurs-principaux.parmi[2]",
    ),
    "code financeur inconnu dans si": (
        ("    si: {finance: departement}\n", "    si: {finance: departemnt}\n"),
        r"departemnt",
        "regles.departement-cofinancement.si.finance[0]",
    ),
    "code quartier inconnu dans un paramètre": (
        ("    statuts: [qpv]\n", "    statuts: [qpv]\n    quartiers: [grazaille]\n"),
        r"quartiers: \[grazaille\]",
        "regles.quartier-prioritaire.quartiers[0]",
    ),
    "valeur datée mal formée": (
        ("    minimum: {2024: 500}\n", "    minimum: {2024: 500, 2026: -1000}\n"),
        r"minimum: \{2024",
        "regles.plancher-financeur.minimum[2026]",
    ),
    "source manquante": (
        (RULE_END, "\n  regle-sans-source:\n    type: budget-equilibre\n    gravite: bloquant\n" + RULE_END),
        r"^  regle-sans-source:",
        "regles.regle-sans-source.source",
    ),
    "gravité invalide": (
        ("    gravite: avertissement\n", "    gravite: reserve\n"),
        r"gravite: reserve",
        "regles.quartier-prioritaire.gravite",
    ),
    "clé YAML en double": (
        ("    jour: 30\n", "    jour: 30\n    jour: 31\n"),
        r"jour: 31",
        "regles.caf-bilan-renouvellement.jour",
    ),
    "identifiant de règle mal formé": (
        ("  bonus-innovation:\n", "  Bonus_Innovation:\n"),
        r"Bonus_Innovation",
        "regles.Bonus_Innovation",
    ),
    "pièce inconnue du référentiel": (
        ("    pieces: [evaluation-annuelle]\n", "    pieces: [evaluation-anuelle]\n"),
        r"evaluation-anuelle",
        "regles.cpo-evaluation-annuelle.pieces[0]",
    ),
    "YAML mal formé": (
        ("    titre: Budget prévisionnel équilibré\n", "    titre: [Budget prévisionnel équilibré\n"),
        r"titre: \[Budget|^    type: budget-equilibre",
        "",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_rules_file(case, cdv, rules_copy, edit, line_of):
    (old, new), line_pattern, champ = BROKEN[case]
    regles = rules_copy / "regles.yaml"
    edit(regles, old, new)
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 2, run.out
    errors = [line for line in run.lines if line.startswith("✘ erreur")]
    assert errors, run.out
    assert run.lines[-1].startswith("Règles invalides")
    # file, line and key of the error
    expected_lines = {line_of(regles, p) for p in line_pattern.split("|")}
    found = [re.match(r"✘ erreur (\S+?):(\d+)(?: \[(.+?)\])? : (.+)$", e) for e in errors]
    assert all(found), errors
    assert any(
        m.group(1) == str(rules_copy / "regles.yaml")
        and int(m.group(2)) in expected_lines
        and (m.group(3) or "") == champ
        for m in found
    ), (errors, expected_lines, champ)


def test_duplicate_rule_id_across_files(cdv, rules_copy, line_of):
    extra = rules_copy / "zz-extra.yaml"
    extra.write_text(
        "regles:\n  plancher-financeur:\n    type: montant-minimum\n    minimum: 800\n    gravite: bloquant\n    source: lettre de cadrage 2026\n",
        encoding="utf-8",
    )
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 2
    assert any(f"{extra}:2 [regles.plancher-financeur]" in line and "regles.yaml" in line for line in run.lines), (
        run.out
    )


def test_unknown_section_in_a_file(cdv, rules_copy):
    (rules_copy / "zz.yaml").write_text("regle:\n  x: 1\n", encoding="utf-8")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 2
    assert f"{rules_copy / 'zz.yaml'}:1 [regle]" in run.out and "regles" in run.out


def test_warnings_do_not_fail_the_check(cdv, rules_copy, edit, line_of):
    """A dated year outside the contract period is a warning (exit 0), with its line."""
    regles = rules_copy / "regles.yaml"
    edit(regles, "    minimum: {2024: 500}\n", "    minimum: {2024: 500, 2062: 1000}\n")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 0
    line = line_of(regles, r"2062")
    assert f"! avertissement {regles}:{line} [regles.plancher-financeur.minimum[2062]]" in run.out
    assert "hors de la période du contrat" in run.out
    assert run.lines[-1].startswith("Règles valides") and "1 avertissement" in run.lines[-1]


def test_rule_without_value_for_first_years_is_reported_as_information(cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "    minimum: {2024: 500}\n", "    minimum: {2026: 1000}\n")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 0
    assert any(
        line.startswith("ℹ information") and "2024-2025" in line and "plancher-financeur.minimum" in line
        for line in run.lines
    )


def test_github_format(cdv, rules_copy, edit, line_of):
    regles = rules_copy / "regles.yaml"
    edit(regles, "    part: 0.5\n", "    part: 1.5\n")
    run = cdv("regles", "verifier", rules_copy, "--format", "github")
    assert run.code == 2
    line = line_of(regles, r"part: 1\.5")
    assert run.lines, run.err
    assert all(x.startswith("::") for x in run.lines)
    assert any(
        x.startswith(f"::error file={regles},line={line},title=") and "regles.cpo-cofinancement.part" in x
        for x in run.lines
    )


def test_github_format_warning_and_relative_path(cdv, rules_copy, edit, tmp_path):
    edit(rules_copy / "enveloppes.yaml", "montant: {2024: 100000}", "montant: {2024: 100000, 2042: 1}")
    run = cdv("regles", "verifier", rules_copy.name, "--format", "github", cwd=tmp_path)
    assert run.code == 0
    assert [x for x in run.lines if x.startswith("::warning file=rules-copie/enveloppes.yaml,line=")], run.out
    assert "Règles valides" in run.err


def test_json_format(cdv, rules_copy, edit, regles):
    edit(rules_copy / "regles.yaml", "    type: montant-minimum\n", "    type: plancher\n")
    run = cdv("regles", "verifier", rules_copy, "--format", "json")
    assert run.code == 2
    doc = json.loads(run.out)
    assert doc["valide"] is False
    [problem] = doc["problemes"]
    assert problem["niveau"] == "erreur" and problem["champ"] == "regles.plancher-financeur.type"
    assert problem["fichier"].endswith("regles.yaml") and isinstance(problem["ligne"], int)

    ok = json.loads(cdv("regles", "verifier", "rules", "--format", "json").out)
    assert ok["valide"] is True and ok["compte"]["regles"] == len(regles.regles) and len(ok["empreinte"]) == 64


def test_missing_path_is_a_usage_error(cdv, tmp_path):
    run = cdv("regles", "verifier", tmp_path / "absent")
    assert run.code == 2
    assert "introuvable" in run.out


def test_a_single_file_missing_sections(cdv, tmp_path):
    only = tmp_path / "regles.yaml"
    shutil.copy(Path(__file__).resolve().parents[2] / "rules" / "regles.yaml", only)
    run = cdv("regles", "verifier", only)
    assert run.code == 2
    assert "section « contrat » manquante" in run.out


def test_ill_typed_parameter_no_traceback(cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "    minimum: 2\n", "    minimum: deux\n")
    res = cdv("regles", "verifier", rules_copy)
    assert res.code == 2
    assert "Traceback" not in res.out + res.err
    assert "regles.financeurs-principaux.minimum" in res.out
