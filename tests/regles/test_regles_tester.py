"""``cdv regles tester``: YAML test cases beside the rules, their report, JUnit XML and overrides."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog import kinds
from cdv_prog.core.dated import Dated
from cdv_prog.files.loader import load_yaml_file
from cdv_prog.workflow.cases import CaseError, merge_patch, with_overrides

REPO = Path(__file__).resolve().parents[2]
SHIPPED_TESTS = REPO / "rules" / "tests"

BASE = """\
base:
  id: T-1
  exercice: 2025
  intitule: Action de test
  porteur: {nom: Association de test}
  action: {defi: grandir, quartiers: [grazailles], debut: 2025-01-01, fin: 2025-12-31}
  budget: {total: 9000}
  financements:
    - {financeur: etat, montant: 4500}
    - {financeur: ville, montant: 4500}
"""


def shipped_cases() -> list[tuple[str, dict]]:
    out = []
    for f in sorted(SHIPPED_TESTS.glob("*.yaml")):
        data = load_yaml_file(f).data
        cases = data["cas"] if isinstance(data, dict) else data
        out += [(f.name, c) for c in cases]
    return out


# --------------------------------------------------------------------------- the shipped cases


def test_shipped_cases_pass(cdv):
    run = cdv("regles", "tester", "rules")
    assert run.code == 0, run.out
    n = len(shipped_cases())
    assert run.lines[-1] == f"{n} passed, 0 failed"
    assert len([line for line in run.lines if line.startswith("✔ ")]) == n
    assert "✔ plancher-financeur.yaml › plancher atteint tout juste (bailleur à 500,00 €)" in run.lines


def test_shipped_cases_cover_every_rule_with_each_statut(regles):
    """One file per rule at least, and for each rule of the contract an ok, an echec and a sans-objet case."""
    files = {f.stem for f in SHIPPED_TESTS.glob("*.yaml")}
    assert set(regles.regles) <= files
    seen: dict[str, set[str]] = {rid: set() for rid in regles.regles}
    for _, case in shipped_cases():
        for rid, statut in case["attendu"].get("regles", {}).items():
            seen[rid].add(statut)
    for rid, statuts in seen.items():
        wanted = {"ok", "sans-objet"} | (set() if regles.regles[rid].type == "information" else {"echec"})
        assert wanted <= statuts, (rid, statuts)


def test_shipped_cases_include_what_if_overrides():
    overrides = [(f, c) for f, c in shipped_cases() if c.get("parametres")]
    assert len(overrides) >= 5
    assert any(c["parametres"].get("plancher-financeur", {}).get("minimum") == 1000 for _, c in overrides)


def test_shipped_bases_are_valid_dossiers(regles):
    from cdv_prog.core.dossier import Dossier

    for f in sorted(SHIPPED_TESTS.glob("*.yaml")):
        Dossier.model_validate(load_yaml_file(f).data["base"], context={"regles": regles})


# --------------------------------------------------------------------------- failures


def test_a_wrong_expectation_fails(cdv, tmp_path):
    (tmp_path / "plancher.yaml").write_text(
        BASE
        + """\
cas:
  - nom: juste
    attendu: {verdict: eligible, regles: {plancher-financeur: ok}}
  - nom: attendu faux
    attendu:
      regles: {plancher-financeur: echec}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path, "--rules", "rules")
    assert run.code == 1
    assert run.lines[0] == "✔ plancher.yaml › juste"
    assert re.match(
        r"^✘ plancher\.yaml › attendu faux : plancher-financeur : attendu echec, obtenu ok \(.+\)$", run.lines[1]
    ), run.lines
    assert run.lines[-1] == "1 passed, 1 failed"


def test_a_wrong_verdict_names_the_blocking_rules(cdv, tmp_path):
    (tmp_path / "v.yaml").write_text(
        BASE
        + """\
cas:
  - nom: plancher relevé
    parametres: {plancher-financeur: {minimum: 5000}}
    attendu: {verdict: eligible}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "v.yaml", "--rules", "rules")
    assert run.code == 1
    assert "verdict : attendu eligible, obtenu ineligible (plancher-financeur :" in run.lines[0]


def test_shipped_case_made_wrong_fails(cdv, tmp_path):
    """A copy of the shipped rules whose plancher is 400 €: the « 499,99 € » case must now fail."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    text = (rules / "regles.yaml").read_text(encoding="utf-8").replace("minimum: {2024: 500}", "minimum: {2024: 400}")
    (rules / "regles.yaml").write_text(text, encoding="utf-8")
    run = cdv("regles", "tester", rules, "-k", "plancher-financeur.yaml")
    assert run.code == 1
    failed = [line for line in run.lines if line.startswith("✘")]
    i = next(
        i
        for i, line in enumerate(run.lines)
        if line.startswith("✘ plancher-financeur.yaml › un centime sous le plancher")
    )
    assert "verdict : attendu ineligible, obtenu eligible" in run.lines[i]
    assert run.lines[i + 1].startswith("    plancher-financeur : attendu echec, obtenu ok (")
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", run.lines[-1])
    assert m and int(m.group(2)) == len(failed) >= 1


def test_junit_xml_parsed_back(cdv, tmp_path):
    (tmp_path / "a.yaml").write_text(
        BASE
        + """\
cas:
  - nom: passe
    attendu: {verdict: eligible}
  - nom: échoue
    attendu: {verdict: ineligible}
  - nom: cas mal écrit
    attendus: {verdict: eligible}
""",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "- nom: seul\n  dossier-fichier: absent.yaml\n  attendu: {verdict: eligible}\n", encoding="utf-8"
    )
    junit = tmp_path / "rapports" / "junit.xml"
    run = cdv("regles", "tester", tmp_path, "--rules", "rules", "--junit", junit)
    assert run.code == 1
    assert run.lines[-1] == "1 passed, 3 failed"
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"a.yaml", "b.yaml"}
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"passe", "échoue", "cas mal écrit", "seul"}
    assert not list(cases["passe"])
    assert cases["échoue"].find("failure") is not None
    assert "attendu ineligible, obtenu eligible" in cases["échoue"].find("failure").get("message")
    error = cases["cas mal écrit"].find("error")
    assert error is not None and "attendus" in error.text
    assert cases["seul"].find("error") is not None and "introuvable" in cases["seul"].find("error").text
    assert cases["échoue"].get("file").endswith("a.yaml") and cases["échoue"].get("line") == "14"
    # deterministic: same bytes on a second run
    first = junit.read_bytes()
    cdv("regles", "tester", tmp_path, "--rules", "rules", "--junit", junit)
    assert junit.read_bytes() == first


def test_github_format_adds_annotations(cdv, tmp_path):
    (tmp_path / "a.yaml").write_text(BASE + "cas:\n  - nom: faux\n    attendu: {verdict: invalide}\n", encoding="utf-8")
    run = cdv("regles", "tester", tmp_path, "--rules", "rules", "--format", "github")
    assert run.code == 1
    assert any(
        line.startswith(f"::error file={tmp_path / 'a.yaml'},line=12,title=cas de test %3A faux::")
        for line in run.lines
    ), run.lines


@pytest.mark.parametrize(
    ("case", "champ", "line", "words"),
    [
        ("  - nom: x\n    attendus: {verdict: eligible}\n", "cas[0].attendus", 12, "clé inconnue « attendus »"),
        ("  - nom: x\n    attendu: {verdict: eligable}\n", "cas[0].attendu.verdict", 12, "eligable"),
        (
            "  - nom: x\n    attendu: {regles: {plancher: ok}}\n",
            "cas[0].attendu.regles.plancher",
            12,
            "règle inconnue « plancher »",
        ),
        (
            "  - nom: x\n    attendu: {regles: {plancher-financeur: oui}}\n",
            "cas[0].attendu.regles.plancher-financeur",
            12,
            "oui",
        ),
        ("  - nom: x\n    attendu: {}\n", "cas[0].attendu", 12, "verdict"),
        (
            "  - nom: x\n    parametres: {plancher-financeur: {minimum: abc}}\n    attendu: {verdict: eligible}\n",
            "cas[0].parametres.plancher-financeur.minimum",
            12,
            "n'est pas un montant",
        ),
        (
            "  - nom: x\n    parametres: {plancher-financeur: {plafond: 3}}\n    attendu: {verdict: eligible}\n",
            "cas[0].parametres.plancher-financeur.plafond",
            12,
            "paramètre inconnu « plafond »",
        ),
        (
            "  - nom: x\n    parametres: {plancher-financer: {minimum: 3}}\n    attendu: {verdict: eligible}\n",
            "cas[0].parametres.plancher-financer",
            12,
            "vouliez-vous dire « plancher-financeur »",
        ),
        (
            "  - nom: x\n    parametres: {financeurs-principaux: {parmi: [etat, agglomeration]}}\n    attendu: {verdict: eligible}\n",
            "cas[0].parametres.financeurs-principaux.parmi",
            12,
            "financeur inconnu « agglomeration »",
        ),
        (
            "  - nom: x\n    parametres: {quartier-prioritaire: {gravite: fatal}}\n    attendu: {verdict: eligible}\n",
            "cas[0].parametres.quartier-prioritaire.gravite",
            12,
            "gravité « fatal » invalide",
        ),
        (
            "  - nom: x\n    dossier: {id: A}\n    dossier-fichier: a.yaml\n    attendu: {verdict: eligible}\n",
            "cas[0]",
            11,
            "pas les deux",
        ),
    ],
)
def test_malformed_case_is_an_error_with_its_line(case, champ, line, words, cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(BASE + "cas:\n" + case, encoding="utf-8")
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 1
    assert run.lines[-1] == "0 passed, 1 failed"
    text = run.out
    assert f"[{champ}]" in text, text
    assert words in text
    errors = re.findall(r"erreur ligne (\d+) \[([^ ]+)\]", text)
    assert (str(line), champ) in errors or any(c == champ and int(n) >= line for n, c in errors), errors


def test_malformed_file(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text("cas: []\nbase: 3\n", encoding="utf-8")
    (tmp_path / "u.yaml").write_text("cas:\n  - nom: a\n    attendu: {verdict: eligible}\n  nom: b\n", encoding="utf-8")
    run = cdv("regles", "tester", tmp_path, "--rules", "rules")
    assert run.code == 1
    assert run.lines[-1] == "0 passed, 2 failed"
    heads = [line for line in run.lines if line.startswith("✘")]
    assert heads[0].startswith("✘ t.yaml : erreur ligne")
    assert heads[1].startswith("✘ u.yaml : erreur ligne 4")


def test_no_dossier_for_a_case(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text("- nom: seul\n  attendu: {verdict: eligible}\n", encoding="utf-8")
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 1 and "pas de dossier" in run.out


# --------------------------------------------------------------------------- dossiers and overrides


def test_dossier_files_relative_to_the_test_file(cdv, tmp_path):
    import shutil

    shutil.copy(REPO / "data/dossiers/2025/CDV-2025-012.yaml", tmp_path / "d012.yaml")
    tests = tmp_path / "cas"
    tests.mkdir()
    (tests / "t.yaml").write_text(
        """\
base-fichier: ../d012.yaml
cas:
  - nom: tel quel, le bailleur à 450 € échoue
    attendu: {verdict: ineligible, regles: {plancher-financeur: echec}}
  - nom: avec un plancher à 400 €
    parametres: {plancher-financeur: {minimum: 400}}
    attendu: {verdict: eligible, regles: {plancher-financeur: ok}}
  - nom: un dossier d'exemple désigné directement
    dossier-fichier: ../d012.yaml
    modifications: {financements: [{financeur: etat, montant: 2000}, {financeur: agglo, montant: 2950}]}
    attendu: {verdict: eligible}
""",
        encoding="utf-8",
    )
    before = (tmp_path / "d012.yaml").read_bytes()
    run = cdv("regles", "tester", tests, "--rules", "rules")
    assert run.code == 0, run.out
    assert run.lines[-1] == "3 passed, 0 failed"
    assert (tmp_path / "d012.yaml").read_bytes() == before  # never modified


def test_expected_invalide(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + """\
cas:
  - nom: financeur inconnu
    modifications: {financements: [{financeur: etta, montant: 9000}]}
    attendu: {verdict: invalide}
  - nom: invalide alors qu'on attend une règle
    modifications: {exercice: 2040}
    attendu: {regles: {plancher-financeur: ok}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[0].startswith("✔")
    assert run.lines[1].startswith("✘") and "dossier invalide" in run.lines[1] and "exercice" in run.lines[1]


def test_file_level_overrides_apply_to_every_case(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + """\
parametres:
  plancher-financeur: {minimum: 4600}
cas:
  - nom: plancher du fichier
    attendu: {regles: {plancher-financeur: echec}}
  - nom: le cas l'emporte sur le fichier
    parametres: {plancher-financeur: {minimum: 4500}}
    attendu: {regles: {plancher-financeur: ok}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 0, run.out


def test_filter(cdv):
    run = cdv("regles", "tester", "rules", "-k", "1 000 €")
    assert run.code == 0
    assert 1 <= len(run.lines) - 1 == int(run.lines[-1].split()[0])
    assert all("1 000 €" in line for line in run.lines[:-1])
    assert cdv("regles", "tester", "rules", "-k", "aucun cas ne s'appelle ainsi").code == 2


def test_single_file_uses_the_rules_beside_its_folder(cdv, tmp_path):
    run = cdv("regles", "tester", SHIPPED_TESTS / "cpo-duree.yaml", cwd=tmp_path)
    assert run.code == 0 and run.lines[-1].endswith("passed, 0 failed")


def test_usage_errors(cdv, tmp_path):
    assert cdv("regles", "tester", tmp_path / "absent").code == 2
    empty = tmp_path / "vide"
    empty.mkdir()
    run = cdv("regles", "tester", empty, "--rules", "rules")
    assert run.code == 2 and "aucun fichier de cas de test" in run.err


def test_with_overrides_leaves_the_shared_rule_set_untouched(regles, evaluate, make_dossier):
    before = copy.deepcopy(regles.regles["plancher-financeur"].parametres_bruts)
    data = make_dossier(
        {"financements": [{"financeur": "etat", "montant": 3000}, {"financeur": "ville", "montant": 700}]},
        budget={"total": 4700, "autres-produits": 1000},
    )
    data["budget"] = {"total": 4700, "autres-produits": 1000}
    assert evaluate(data).statut("plancher-financeur") == "ok"
    changed = with_overrides(
        regles,
        {"plancher-financeur": {"minimum": (1000, ("parametres", "plancher-financeur", "minimum"))}},
        lambda path: None,
    )
    assert evaluate(data, changed).statut("plancher-financeur") == "echec"
    assert evaluate(data).statut("plancher-financeur") == "ok"
    assert regles.regles["plancher-financeur"].parametres_bruts == before
    assert changed.regles["plancher-financeur"].parametres_bruts["minimum"] == Dated.of(1000)
    assert changed.regles["budget-equilibre"] is regles.regles["budget-equilibre"]


def test_with_overrides_validates_against_the_kind(regles):
    with pytest.raises(CaseError) as exc:
        with_overrides(
            regles, {"cpo-cofinancement": {"part": (Decimal("1.5"), ("p", "cpo-cofinancement", "part"))}}, lambda p: 7
        )
    [err] = exc.value.errors
    assert err.champ == "p.cpo-cofinancement.part" and err.ligne == 7


def test_every_kind_can_be_overridden_with_its_own_parameters(regles):
    for rid, regle in regles.regles.items():
        assert regle.kind is kinds.get(regle.type)
        raw = {name: (dated.values[0][1], ("parametres", rid, name)) for name, dated in regle.parametres_bruts.items()}
        if raw:
            with_overrides(regles, {rid: raw}, lambda p: None)


def test_merge_patch():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 3, "e": {"f": 1}}
    patched = merge_patch(base, {"a": {"c": [9]}, "d": None, "e": {"g": 2}, "h": {"i": None}})
    assert patched == {"a": {"b": 1, "c": [9]}, "e": {"f": 1, "g": 2}, "h": {}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 3, "e": {"f": 1}}
