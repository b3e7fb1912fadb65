"""``--format sarif`` of ``cdv check`` and ``cdv regles verifier``: SARIF 2.1.0 for code scanning.

Every document is validated against the official schema, vendored from the OASIS
repository (``tests/schemas/sarif-2.1.0.json``, from oasis-tcs/sarif-spec,
``sarif-2.1/schema/sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import jsonschema
import pytest

from cdv_prog.core.findings import Constat, LoadError
from cdv_prog.core.report import DossierReport
from cdv_prog.render.registry import EXTENSIONS, CheckRun
from cdv_prog.render.sarif import artifact_uri, check, dossier_results, help_uri, verifier
from cdv_prog.workflow.lint import Finding, Verification

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "tests" / "schemas" / "sarif-2.1.0.json"
GITHUB_RE = re.compile(r"^::(error|warning|notice) ([^:]*)::")
LEVELS = {"error": "error", "warning": "warning", "notice": "note"}


@cache
def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def sarif(text: str) -> dict[str, Any]:
    """The parsed log, after checking it is valid SARIF 2.1.0 and written as ``json.dumps(indent=2)``."""
    doc = json.loads(text)
    _validator().validate(doc)
    assert text == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    return cast("dict[str, Any]", doc["runs"][0])


def test_the_vendored_schema_is_the_official_one() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    with pytest.raises(jsonschema.ValidationError):  # it does refuse what is not SARIF
        _validator().validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_check_results_are_the_github_annotations(cdv) -> None:
    args = ("check", "data/dossiers", "tests/fixtures/invalid")
    run = sarif(cdv(*args, "--format", "sarif").out)
    annotations = cdv(*args, "--format", "github")
    assert annotations.code == 1
    expected = set()
    for line in annotations.lines:
        m = GITHUB_RE.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        if "file" not in props:
            continue  # an enveloppe exceeded: not a result (not a line of a dossier)
        title = "dossier-invalide" if props["title"] == "dossier invalide" else props["title"]
        expected.add((LEVELS[m.group(1)], props["file"], int(props.get("line", 0)), title))
    results = run["results"]
    got = {
        (
            "note" if r.get("suppressions") else r["level"],  # a dérogation: a GitHub notice, a suppressed result
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0),
            r["ruleId"],
        )
        for r in results
    }
    assert got == expected and len(expected) > 10
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["caf-bilan-renouvellement"]  # rules/derogations.yaml
    assert suppressed[0]["suppressions"][0]["kind"] == "external"
    assert "COPIL du 12/03/2025" in suppressed[0]["suppressions"][0]["justification"]
    assert {"error", "warning"} <= {r["level"] for r in results}
    assert any(r["ruleId"] == "dossier-invalide" for r in results)
    rules = run["tool"]["driver"]["rules"]
    for r in results:  # ruleIndex points at the rule
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    fingerprints = [r["partialFingerprints"]["cdvFinding/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints)
    # French messages; a constat's names its dossier
    plancher = [r for r in results if r["ruleId"] == "plancher-financeur"]
    assert plancher and plancher[0]["message"]["text"].startswith("CDV-2025-")
    assert "inéligible : " in plancher[0]["message"]["text"]


def test_check_rules_describe_the_rule_set(cdv, regles, tmp_path) -> None:
    run = sarif(cdv("check", "data/dossiers", "--format", "sarif").out)
    driver = run["tool"]["driver"]
    from cdv_prog import __version__

    assert driver["name"] == "cdv" and driver["version"] == __version__
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [*regles.regles, "dossier-invalide"]
    level = {"bloquant": "error", "avertissement": "warning", "information": "note"}
    for rule in rules[:-1]:
        regle = regles.regles[rule["id"]]
        assert rule["shortDescription"]["text"] == (regle.titre or regle.id)
        assert rule["fullDescription"]["text"] == regle.source
        assert rule["defaultConfiguration"]["level"] == level[regle.gravite]
    # each helpUri names the rule's section of the reference ``cdv regles doc -o docs/regles.html`` writes
    page = tmp_path / "docs" / "regles.html"
    page.parent.mkdir()
    assert cdv("regles", "doc", "-o", page).code == 0
    anchors = set(re.findall(r' id="([^"]+)"', page.read_text(encoding="utf-8")))
    for rule in rules[:-1]:
        uri, _, anchor = rule["helpUri"].partition("#")
        assert uri == "docs/regles.html" and anchor in anchors


def test_help_uri_escapes_what_a_fragment_cannot_hold() -> None:
    assert help_uri("plancher-financeur") == "docs/regles.html#regle-plancher-financeur"
    assert help_uri("règle 1") == "docs/regles.html#regle-r%C3%A8gle%201"


def test_artifact_uri(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    assert artifact_uri(str(tmp_path / "a b" / "d.yaml")) == "a%20b/d.yaml"  # inside: relative
    assert artifact_uri("data/x:y.yaml") == "data/x%3Ay.yaml"  # never read as a scheme
    assert artifact_uri("d\udcff.yaml") == "d%FF.yaml"  # a byte of a name that is not UTF-8
    outside = tmp_path.parent / "ailleurs.yaml"
    assert artifact_uri(str(outside)) == "file:///" + str(outside).lstrip("/")


def _report(constats: list[Constat], erreurs: list[LoadError] | None = None) -> DossierReport:
    return DossierReport(
        fichier="d.yaml",
        verdict="invalide" if erreurs else "ineligible",
        id=None if erreurs else "CDV-1",
        exercice=2025,
        constats=constats,
        erreurs=erreurs or [],
        lignes={("budget",): 7},
    )


def test_levels_and_what_is_a_result(regles) -> None:
    rule = next(iter(regles.regles))
    constats = [
        Constat(rule, "bloquant", "echec", "a", "s"),
        Constat(rule, "avertissement", "echec", "b", "s"),
        Constat(rule, "information", "echec", "c", "s"),
        Constat(rule, "bloquant", "ok", "d", "s"),
        Constat(rule, "bloquant", "sans-objet", "e", "s"),
        Constat("regle-absente", "bloquant", "echec", "f", "s"),
    ]
    index = {rule: 0, "dossier-invalide": 1}
    results = list(dossier_results(_report(constats), regles, index))
    assert [r["level"] for r in results] == ["error", "warning", "note", "error"]
    assert [r["message"]["text"] for r in results] == [
        "CDV-1 — inéligible : a",
        "CDV-1 — réserve : b",
        "CDV-1 — information : c",
        "CDV-1 — inéligible : f",
    ]
    assert results[0]["ruleIndex"] == 0 and "ruleIndex" not in results[3]  # no rule to point at
    prints = [r["partialFingerprints"]["cdvFinding/v1"] for r in results]
    assert len(set(prints)) == 4  # the same rule twice in one dossier: two alerts
    invalid = list(dossier_results(_report([], [LoadError("budget", 3, "x"), LoadError("", None, "y")]), regles, index))
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in invalid] == [("dossier-invalide", 1, "error")] * 2
    assert invalid[0]["message"]["text"] == "dossier invalide : [budget] x"
    assert invalid[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert "region" not in invalid[1]["locations"][0]["physicalLocation"]  # no line: the file itself


def test_fingerprints_do_not_move_with_lines(cdv, tmp_path) -> None:
    source = REPO / "data" / "dossiers" / "2025" / "CDV-2025-012.yaml"
    folder = tmp_path / "dossiers"
    folder.mkdir()
    shutil.copy(source, folder / "d.yaml")

    def results() -> list[dict[str, Any]]:
        return cast(
            "list[dict[str, Any]]", sarif(cdv("check", "dossiers", "--format", "sarif", cwd=tmp_path).out)["results"]
        )

    before = results()
    (folder / "d.yaml").write_text("# 1\n# 2\n# 3\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    after = results()
    assert before and len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        assert a["partialFingerprints"] == b["partialFingerprints"]
        line = a["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert b["locations"][0]["physicalLocation"]["region"]["startLine"] == line + 3
        assert a["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dossiers/d.yaml"
    shutil.move(folder / "d.yaml", folder / "e.yaml")  # another file: another alert
    moved = results()
    assert moved[0]["partialFingerprints"] != before[0]["partialFingerprints"]


def test_check_output_is_the_same_bytes_with_any_jobs_and_by_extension(cdv, tmp_path) -> None:
    args = ("check", "data/dossiers", "tests/fixtures/invalid", "--format", "sarif")
    one = cdv(*args, "--jobs", "1").out
    assert cdv(*args, "--jobs", "3").out == one
    target = tmp_path / "cdv.sarif"
    assert EXTENSIONS[".sarif"] == "sarif"
    assert cdv("check", "data/dossiers", "tests/fixtures/invalid", "-o", target).code == 1
    assert target.read_text(encoding="utf-8") == one
    refused = cdv("check", "data/dossiers", "-o", target, "--format", "json")
    assert refused.code == 2 and "sarif" in refused.err
    refused = cdv("programmation", "data/dossiers", "-o", tmp_path / "p.sarif")
    assert refused.code == 2 and "sarif" in refused.err


def test_check_without_findings(cdv, tmp_path) -> None:
    folder = tmp_path / "dossiers"
    folder.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "dossiers" / "CDV-T-001.yaml", folder)
    run = cdv("check", "dossiers", "--format", "sarif", cwd=tmp_path)
    assert run.code == 0
    assert sarif(run.out)["results"] == []


def test_check_streams() -> None:
    from cdv_prog.files.rules import load_rules, packaged_rules_path

    regles = load_rules(packaged_rules_path())
    rule = next(iter(regles.regles))
    sent: list[int] = []

    def reports() -> Iterator[DossierReport]:
        for n in range(3):
            sent.append(n)
            yield _report([Constat(rule, "bloquant", "echec", str(n), "s")])

    chunks = check(reports(), cast("CheckRun", SimpleNamespace(regles=regles)))
    head = next(chunks)
    assert '"rules"' in head and not sent  # the rules come from the rule set, before any report
    assert '"1"' not in next(chunks) and sent == [0]  # one dossier's results at a time
    rest = "".join(chunks)
    assert sent == [0, 1, 2] and rest.endswith("}\n")


def test_verifier_findings(cdv, rules_copy) -> None:
    valid = cdv("regles", "verifier", rules_copy, "--format", "sarif")
    assert valid.code == 0
    run = sarif(valid.out)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "regles-erreur",
        "regles-avertissement",
        "regles-information",
    ]
    assert all(r["level"] != "error" for r in run["results"])
    regles_yaml = rules_copy / "regles.yaml"
    text = regles_yaml.read_text(encoding="utf-8")
    regles_yaml.write_text(text.replace("gravite: bloquant", "gravite: fatale", 1), encoding="utf-8")
    broken = cdv("regles", "verifier", rules_copy, "--format", "sarif")
    assert broken.code == 2
    errors = [r for r in sarif(broken.out)["results"] if r["level"] == "error"]
    assert errors and errors[0]["ruleId"] == "regles-erreur" and errors[0]["ruleIndex"] == 0
    location = errors[0]["locations"][0]["physicalLocation"]
    line = next(n for n, li in enumerate(regles_yaml.read_text(encoding="utf-8").splitlines(), 1) if "fatale" in li)
    assert location["region"]["startLine"] == line
    assert location["artifactLocation"]["uri"].endswith("/regles.yaml")


def test_verifier_levels() -> None:
    v = Verification(
        "r",
        None,
        [
            Finding("r/regles.yaml", 4, "regles.a", "x", "erreur"),
            Finding("r/regles.yaml", None, "", "y", "avertissement"),
            Finding("r/regles.yaml", 9, "", "z", "information"),
        ],
    )
    results = sarif(verifier(v).decode("utf-8"))["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("regles-erreur", 0, "error"),
        ("regles-avertissement", 1, "warning"),
        ("regles-information", 2, "note"),
    ]
    assert results[0]["message"]["text"] == "[regles.a] x"
    assert verifier(v) == verifier(v)


def test_check_with_remedies_validates_and_says_them(cdv) -> None:
    run = sarif(cdv("check", "data/dossiers", "--format", "sarif", "--remedes").out)
    results = run["results"]
    with_remedy = [r for r in results if "ce qu'il faudrait : " in r["message"]["text"]]
    assert any("porter Marcou Habitat à 500,00 €" in r["message"]["text"] for r in with_remedy)
