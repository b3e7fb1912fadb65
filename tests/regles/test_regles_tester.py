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
        Dossier.valider(load_yaml_file(f).data["base"], regles)


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


# --------------------------------------------------------------------------- rules declared in the test file

OWN_RULE = """\
regles:
  plancher-essai:
    type: montant-minimum
    gravite: bloquant
    source: essai
    minimum: 5000
"""


def test_a_file_with_its_own_rules_is_judged_with_only_them(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + OWN_RULE
        + """\
cas:
  - nom: la règle du fichier échoue, elle seule
    attendu: {verdict: ineligible, regles: {plancher-essai: echec}}
  - nom: la règle du fichier avec un autre paramètre
    parametres: {plancher-essai: {minimum: 4500}}
    attendu: {verdict: eligible, regles: {plancher-essai: ok}}
  - nom: les référentiels restent ceux des règles (financeur inconnu)
    modifications: {financements: [{financeur: etta, montant: 9000}]}
    attendu: {verdict: invalide}
  - nom: une règle des règles livrées n'est pas là
    attendu: {regles: {plancher-financeur: ok}}
  - nom: ni leurs règles de programmation
    attendu: {programmation: {enveloppe-respectee: ok}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[:3] == [
        "✔ t.yaml › la règle du fichier échoue, elle seule",
        "✔ t.yaml › la règle du fichier avec un autre paramètre",
        "✔ t.yaml › les référentiels restent ceux des règles (financeur inconnu)",
    ], run.lines
    assert run.lines[3].startswith("✘ t.yaml › une règle des règles livrées n'est pas là : erreur ligne 27 ")
    assert "[cas[3].attendu.regles.plancher-financeur] : règle inconnue « plancher-financeur »" in run.lines[3]
    assert "[cas[4].attendu.programmation.enveloppe-respectee] : règle inconnue" in run.lines[4]
    assert run.lines[-1] == "3 passed, 2 failed"


def test_own_programmation_rules_without_dossier_rules(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + """\
programmation:
  cpo-partout: {type: cpo-par-quartier, dossiers: {cpo: true}, gravite: bloquant, source: essai}
cas:
  - nom: aucune règle de dossier, le dossier est éligible
    modifications: {financements: [{financeur: etat, montant: 9000}]}
    attendu: {verdict: eligible, programmation: {cpo-partout: echec}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 0, run.out


@pytest.mark.parametrize(
    ("section", "rule", "champ", "line", "words"),
    [
        ("regles", "type: montant-minimun", "regles.r.type", 13, "genre de règle inconnu « montant-minimun »"),
        ("regles", "type: enveloppe-respectee", "regles.r.type", 13, "genre de règle inconnu « enveloppe-respectee »"),
        ("programmation", "type: montant-minimum", "programmation.r.type", 13, "genre de règle inconnu"),
        ("regles", "type: montant-minimum\n    minimum: abc", "regles.r.minimum", 14, "n'est pas un montant"),
        ("regles", "type: montant-minimum\n    plafond: 3", "regles.r.plafond", 14, "paramètre inconnu « plafond »"),
        (
            "regles",
            "type: montant-minimum\n    minimum: 1\n    si: {cpox: true}",
            "regles.r.si.cpox",
            15,
            "clé inconnue « cpox »",
        ),
        (
            "programmation",
            "type: enveloppe-respectee\n    si: {cpo: true}",
            "programmation.r.si",
            14,
            "« si » ne s'applique qu'aux règles de dossier",
        ),
        (
            "regles",
            "type: financeurs-minimum\n    minimum: 2\n    parmi: [etat, agglomeration]",
            "regles.r.parmi[1]",
            15,
            "financeur inconnu « agglomeration »",
        ),
    ],
)
def test_an_invalid_rule_of_the_file_is_an_error_with_its_line(section, rule, champ, line, words, cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + f"{section}:\n  r:\n    {rule}\n    gravite: bloquant\n    source: essai\n"
        + "cas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 1
    assert run.lines[-1] == "0 passed, 1 failed"
    assert run.lines[0].startswith("✘ t.yaml : erreur ligne"), run.lines
    assert (str(line), champ) in re.findall(r"erreur ligne (\d+) \[([^ ]+)\]", run.out), run.out
    assert words in run.out


def test_a_rule_of_the_file_without_source_nor_gravite(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE + "regles:\n  r: {type: budget-equilibre}\ncas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert "erreur ligne 12 [regles.r.gravite] : clé « gravite » manquante" in run.out
    assert "[regles.r.source] : clé « source » manquante" in run.out


# --------------------------------------------------------------------------- si overrides


def test_si_override(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + """\
cas:
  - nom: sous le plancher
    modifications: {financements: [{financeur: etat, montant: 8600}, {financeur: ville, montant: 400}]}
    attendu: {verdict: ineligible, regles: {plancher-financeur: echec}}
  - nom: et si le plancher ne valait que pour les CPO ?
    modifications: {financements: [{financeur: etat, montant: 8600}, {financeur: ville, montant: 400}]}
    parametres: {plancher-financeur: {si: {cpo: true}}}
    attendu: {verdict: eligible, regles: {plancher-financeur: sans-objet}}
  - nom: pour les CPO, avec une CPO
    modifications:
      action: {cpo: {annees: [2025, 2026, 2027]}}
      financements: [{financeur: etat, montant: 8600}, {financeur: ville, montant: 400}]
    parametres: {plancher-financeur: {si: {cpo: true}}}
    attendu: {regles: {plancher-financeur: echec}}
  - nom: une condition levée par ~
    parametres: {caf-pieces: {si: ~}}
    modifications: {pieces: []}
    attendu: {verdict: ineligible, regles: {caf-pieces: echec}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 0, run.out
    assert run.lines[-1] == "4 passed, 0 failed"


def test_si_override_on_a_rule_of_the_file(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + OWN_RULE
        + """\
parametres: {plancher-essai: {si: {innovante: true}}}
cas:
  - nom: la condition du fichier écarte la règle
    attendu: {regles: {plancher-essai: sans-objet}}
  - nom: l'action innovante y est soumise
    modifications: {action: {innovante: true}}
    attendu: {regles: {plancher-essai: echec}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 0, run.out


@pytest.mark.parametrize(
    ("parametres", "champ", "words"),
    [
        ("{plancher-financeur: {si: {cpox: true}}}", "cas[0].parametres.plancher-financeur.si.cpox", "clé inconnue"),
        ("{plancher-financeur: {si: {finance: etta}}}", "cas[0].parametres.plancher-financeur.si.finance[0]", "etta"),
        ("{plancher-financeur: {si: 3}}", "cas[0].parametres.plancher-financeur.si", "ensemble de clés"),
        (
            "{enveloppe-respectee: {si: {cpo: true}}}",
            "cas[0].parametres.enveloppe-respectee.si",
            "« si » ne s'applique qu'aux règles de dossier",
        ),
        ("{enveloppe-respectee: {sii: {}}}", "cas[0].parametres.enveloppe-respectee.sii", "paramètre inconnu « sii »"),
    ],
)
def test_invalid_si_override_is_an_error_with_its_line(parametres, champ, words, cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE + f"cas:\n  - nom: x\n    parametres: {parametres}\n    attendu: {{verdict: eligible}}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[-1] == "0 passed, 1 failed"
    assert ("13", champ) in re.findall(r"erreur ligne (\d+) \[([^ ]+)\]", run.out), run.out
    assert words in run.out


def test_si_override_leaves_the_shared_rule_set_untouched(regles):
    changed = with_overrides(
        regles, {"plancher-financeur": {"si": ({"cpo": True}, ("p", "plancher-financeur", "si"))}}, lambda p: None
    )
    assert changed.regles["plancher-financeur"].condition.cpo is True
    assert regles.regles["plancher-financeur"].condition.cpo is None
    assert changed.programmation == regles.programmation


# --------------------------------------------------------------------------- programmation cases

AGGLO = """\
    dossiers:
      - id: A
        budget: {total: 104500}
        financements: [{financeur: etat, montant: 4500}, {financeur: agglo, montant: 100000}]
      - id: B
        budget: {total: 89500}
        financements: [{financeur: etat, montant: 4500}, {financeur: agglo, montant: 85000}]
"""


def test_programmation_case_with_several_dossiers(cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE
        + "cas:\n  - nom: Agglo à 185 000 € tout juste\n"
        + AGGLO
        + "    attendu: {programmation: {enveloppe-respectee: ok, cpo-innovante-par-quartier: echec}}\n"
        + "  - nom: Agglo à 185 000,01 €\n"
        + AGGLO.replace("85000}]", "85000.01}]").replace("89500}", "89500.01}")
        + "    attendu: {programmation: {enveloppe-respectee: echec}}\n"
        + "  - nom: un dossier seul, verdict et programmation\n"
        + "    attendu: {verdict: eligible, regles: {plancher-financeur: ok}, programmation: {enveloppe-respectee: ok}}\n"
        + "  - nom: attendu faux\n"
        + AGGLO
        + "    attendu: {programmation: {enveloppe-respectee: echec}}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[:3] == [
        "✔ t.yaml › Agglo à 185 000 € tout juste",
        "✔ t.yaml › Agglo à 185 000,01 €",
        "✔ t.yaml › un dossier seul, verdict et programmation",
    ], run.lines
    assert run.lines[3].startswith(
        "✘ t.yaml › attendu faux : enveloppe-respectee (programmation 2025) : attendu echec, obtenu ok ("
    )
    assert run.lines[-1] == "3 passed, 1 failed"


def test_programmation_case_modifications_apply_to_every_dossier(cdv, tmp_path, regles):
    qpv = [code for code, q in regles.quartiers.items() if q.statut == "qpv"]  # all of them, whatever their number
    (tmp_path / "t.yaml").write_text(
        BASE
        + f"""\
cas:
  - nom: deux CPO innovantes couvrent tous les QPV
    modifications:
      action: {{innovante: true, cpo: {{annees: [2025, 2026, 2027]}}}}
    parametres: {{cpo-innovante-par-quartier: {{minimum-total: 2}}}}
    dossiers:
      - {{id: A, intitule: CPO A, action: {{quartiers: [{", ".join(qpv[:2])}]}}}}
      - {{id: B, intitule: CPO B, action: {{quartiers: [{", ".join(qpv[2:])}]}}}}
    attendu: {{programmation: {{cpo-innovante-par-quartier: ok}}}}
  - nom: un dossier invalide dans le lot
    dossiers:
      - {{id: A}}
      - {{id: B, financements: [{{financeur: etta, montant: 9000}}]}}
    attendu: {{programmation: {{enveloppe-respectee: ok}}}}
""",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[0] == "✔ t.yaml › deux CPO innovantes couvrent tous les QPV", run.lines
    assert run.lines[1].startswith("✘ t.yaml › un dossier invalide dans le lot : dossier « B » invalide")
    assert "etta" in run.lines[1]


@pytest.mark.parametrize(
    ("dossiers", "attendu", "champ", "line", "words"),
    [
        (
            "[{id: A}, {intitule: sans id}]",
            "{programmation: {enveloppe-respectee: ok}}",
            "cas[0].dossiers[1]",
            13,
            "id",
        ),
        ("[{id: A}, {id: A}]", "{programmation: {enveloppe-respectee: ok}}", "cas[0].dossiers[1].id", 13, "déjà"),
        (
            "[{id: A}, {id: B, exercice: 2026}]",
            "{programmation: {enveloppe-respectee: ok}}",
            "cas[0].dossiers[1].exercice",
            13,
            "un seul exercice",
        ),
        ("[{id: A}, {id: B}]", "{verdict: eligible}", "cas[0].attendu.verdict", 14, "un seul dossier"),
        ("[]", "{programmation: {enveloppe-respectee: ok}}", "cas[0].dossiers", 13, "au moins 1"),
        ("[3]", "{programmation: {enveloppe-respectee: ok}}", "cas[0].dossiers[0]", 13, "ensemble de clés"),
        (
            "[{id: A}]",
            "{programmation: {plancher-financeur: ok}}",
            "cas[0].attendu.programmation.plancher-financeur",
            14,
            "est une règle de dossier",
        ),
        (
            "[{id: A}]",
            "{regles: {enveloppe-respectee: ok}}",
            "cas[0].attendu.regles.enveloppe-respectee",
            14,
            "est une règle de programmation",
        ),
        ("[{id: A}]", "{programmation: {enveloppe-respectee: oui}}", "cas[0].attendu.programmation", 14, "oui"),
    ],
)
def test_malformed_programmation_case(dossiers, attendu, champ, line, words, cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(
        BASE + f"cas:\n  - nom: x\n    dossiers: {dossiers}\n    attendu: {attendu}\n", encoding="utf-8"
    )
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.lines[-1] == "0 passed, 1 failed", run.out
    found = re.findall(r"erreur ligne (\d+) \[([^ ]+)\]", run.out)
    assert any(c.startswith(champ) and int(n) == line for n, c in found), (found, run.out)
    assert words in run.out


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    ("text", "champ", "line", "words"),
    [
        (
            "regle: {}\ncas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
            "regle",
            11,
            "vouliez-vous dire « regles »",
        ),
        (
            "cas:\n  - nom: x\n    dossier-liste: []\n    attendu: {verdict: eligible}\n",
            "cas[0].dossier-liste",
            13,
            "clé inconnue « dossier-liste »",
        ),
        (
            "cas:\n  - nom: x\n    attendu: {programation: {enveloppe-respectee: ok}}\n",
            "cas[0].attendu.programation",
            13,
            "vouliez-vous dire « programmation »",
        ),
        (
            "regles:\n  r: {type: budget-equilibre, gravite: bloquant, source: s, tolerence: 1}\n"
            "cas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
            "regles.r.tolerence",
            12,
            "vouliez-vous dire « tolerance »",
        ),
    ],
)
def test_unknown_keys_of_the_new_format(text, champ, line, words, cdv, tmp_path):
    (tmp_path / "t.yaml").write_text(BASE + text, encoding="utf-8")
    run = cdv("regles", "tester", tmp_path / "t.yaml", "--rules", "rules")
    assert run.code == 1
    assert (str(line), champ) in re.findall(r"erreur ligne (\d+) \[([^ ]+)\]", run.out), run.out
    assert words in run.out


ENVELOPPE_RULE = """\
programmation:
  env: {type: enveloppe-respectee, gravite: bloquant, source: essai}
"""


@pytest.mark.parametrize(("enveloppes", "statut"), [("{etat: 4500}", "ok"), ("{etat: 4499.99}", "echec")])
def test_own_enveloppes_replace_those_of_the_rules(cdv, tmp_path, enveloppes, statut):
    """The file's enveloppes, on both sides of the boundary, whatever rules/enveloppes.yaml says."""
    (tmp_path / "e.yaml").write_text(
        BASE
        + ENVELOPPE_RULE
        + f"enveloppes: {enveloppes}\n"
        + f"cas:\n  - nom: l'État à 4 500 €\n    attendu: {{programmation: {{env: {statut}}}}}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "e.yaml", "--rules", "rules")
    assert run.code == 0, run.out
    assert run.lines[-1] == "1 passed, 0 failed"


def test_invalid_own_enveloppe_is_an_error_with_its_line(cdv, tmp_path):
    (tmp_path / "e.yaml").write_text(
        BASE + ENVELOPPE_RULE + "enveloppes: {etat: beaucoup}\ncas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "e.yaml", "--rules", "rules")
    assert run.code == 1
    assert "ligne 13" in run.out and "[enveloppes.etat]" in run.out and "n'est pas un montant" in run.out


def test_own_quartiers_replace_those_of_the_rules(cdv, tmp_path):
    """A file with its own géographie: its dossiers use its codes, the rules' codes are unknown there."""
    text = (
        BASE.replace("quartiers: [grazailles]", "quartiers: [q1]")
        + "quartiers:\n  q1: {nom: Quartier un, statut: qpv}\n"
        + "regles:\n  qpv: {type: quartier-statut, gravite: bloquant, source: essai}\n"
        + "cas:\n  - nom: q1 est un QPV\n    attendu: {verdict: eligible, regles: {qpv: ok}}\n"
        + "  - nom: grazailles n'existe pas ici\n    modifications: {action: {quartiers: [grazailles]}}\n"
        + "    attendu: {verdict: invalide}\n"
    )
    (tmp_path / "q.yaml").write_text(text, encoding="utf-8")
    run = cdv("regles", "tester", tmp_path / "q.yaml", "--rules", "rules")
    assert run.code == 0, run.out
    assert run.lines[-1] == "2 passed, 0 failed"


def test_invalid_own_quartier_is_an_error_with_its_line(cdv, tmp_path):
    (tmp_path / "q.yaml").write_text(
        BASE + "quartiers:\n  q1: {nom: Q, statut: prioritaire}\ncas:\n  - nom: x\n    attendu: {verdict: eligible}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", tmp_path / "q.yaml", "--rules", "rules")
    assert run.code == 1
    assert "ligne 12" in run.out and "[quartiers.q1.statut]" in run.out and "qpv" in run.out
