"""Coverage of the rules: ``cdv regles tester --couverture`` and ``cdv regles couverture`` (docs/couverture.md)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdv_prog.core.conditions import Condition
from cdv_prog.core.dated import Dated
from cdv_prog.core.findings import Constat
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.workflow.cases import CaseResult
from cdv_prog.workflow.couverture import Bilan, couverture_des_cas, segments, statuts_possibles


def _sans_echec(rules: Path, rule_id: str) -> None:
    """Remove from ``rules/tests/<id>.yaml`` every case expecting ``rule_id: echec``."""
    path = rules / "tests" / f"{rule_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["cas"] = [c for c in data["cas"] if c["attendu"].get("regles", {}).get(rule_id) != "echec"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


# --------------------------------------------------------------------------- what counts


def test_statuts_possibles(regles: JeuDeRegles) -> None:
    """ok always; echec except for an information rule; sans-objet only with a ``si:`` condition."""
    some = next(r for r in regles.regles.values() if r.type != "information")
    sans_si = dataclasses.replace(some, condition=Condition())
    avec_si = dataclasses.replace(some, condition=Condition(cpo=True))
    assert statuts_possibles(sans_si) == ("ok", "echec")
    assert statuts_possibles(avec_si) == ("ok", "echec", "sans-objet")
    info = dataclasses.replace(avec_si, type="information")
    assert statuts_possibles(info) == ("ok", "sans-objet")


def test_segments_within_the_contract(regles: JeuDeRegles) -> None:
    """Each value applies from its year to the eve of the next, cut to the contract period; an undated value has none."""
    rule = next(iter(regles.regles.values()))
    debut, fin = regles.contrat.periode
    dated = dataclasses.replace(
        rule, parametres_bruts={"minimum": Dated.of({debut - 3: 1, debut + 2: 2, fin + 1: 3}), "autre": Dated.of(5)}
    )
    assert segments(dated, regles.contrat.periode) == [("minimum", debut, debut + 1), ("minimum", debut + 2, fin)]


def _result(statut: str, constats: list[tuple[str, str, str, int]]) -> CaseResult:
    return CaseResult("f.yaml", "f.yaml", "cas", 1, statut, [], constats)  # type: ignore[arg-type]  # statut from parametrize


def test_only_passed_cases_count_and_segments_need_a_year_in_them(regles: JeuDeRegles) -> None:
    rid, rule = next(iter(regles.regles.items()))
    debut, fin = regles.contrat.periode
    rules = dataclasses.replace(
        regles,
        regles={rid: dataclasses.replace(rule, parametres_bruts={"p": Dated.of({debut: 1, debut + 1: 2})})},
        programmation={},
    )
    failed = _result("failed", [("regles", rid, "ok", debut + 1)])
    passed = _result("passed", [("regles", rid, "ok", debut), ("regles", rid, "sans-objet", debut + 1)])
    c = couverture_des_cas(rules, [failed, passed])
    assert c.regles[0].atteints == {"ok", "sans-objet"}
    assert [(s.debut, s.fin, s.couvert) for s in c.segments] == [(debut, debut, True), (debut + 1, fin, False)]


def test_the_threshold_is_exact(regles: JeuDeRegles) -> None:
    """2 out of 3 is 66,66… %: under 67, not under 66."""
    rid, rule = next(iter(regles.regles.items()))
    rules = dataclasses.replace(
        regles, regles={rid: dataclasses.replace(rule, condition=Condition(cpo=True))}, programmation={}
    )
    c = couverture_des_cas(rules, [_result("passed", [("regles", rid, "ok", 2025), ("regles", rid, "echec", 2025)])])
    assert (c.atteints, c.total) == (2, 3)
    assert c.sous(67) and not c.sous(66)


# --------------------------------------------------------------------------- cdv regles tester --couverture


def test_shipped_cases_cover_every_rule(cdv: Any) -> None:
    run = cdv("regles", "tester", "rules", "--couverture", "--seuil", "100")
    assert run.code == 0, run.out + run.err
    assert "(100,0 %)" in run.lines[-1]
    assert "Non atteints" not in run.out


def test_removing_an_echec_case_lowers_the_coverage(cdv: Any, rules_copy: Path) -> None:
    _sans_echec(rules_copy, "siret-porteur")
    run = cdv("regles", "tester", rules_copy, "--couverture", "--seuil", "100")
    assert run.code == 1
    assert "siret-porteur (echec)" in run.out
    assert "Couverture sous le seuil de 100 %" in run.err
    doc = cdv("regles", "tester", rules_copy, "--couverture", "-f", "json").json()
    assert doc["cas"]["failed"] == 0
    couverture = doc["couverture"]
    row = next(r for r in couverture["regles"] if r["regle"] == "siret-porteur")
    assert row["manquants"] == ["echec"]
    exact = 100 * couverture["atteints"] / couverture["total"]
    assert cdv("regles", "tester", rules_copy, "--couverture", "--seuil", str(math.floor(exact))).code == 0
    assert cdv("regles", "tester", rules_copy, "--couverture", "--seuil", str(math.ceil(exact))).code == 1


def test_a_file_with_its_own_rules_does_not_count(rules_copy: Path) -> None:
    """The cases of a file that declares ``regles:`` judge with those rules, not with the rule set's."""
    from cdv_prog.files.rules import load_rules
    from cdv_prog.workflow.cases import Runner

    regles = load_rules(rules_copy)
    path = rules_copy / "tests" / "siret-porteur.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["regles"] = {"siret-porteur": {"type": "siret-valide", "gravite": "avertissement", "source": "essai"}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    results = Runner(regles).run_file(path, path.name)
    assert results and all(r.passed for r in results)
    assert all(r.constats == [] for r in results)


def test_seuil_needs_couverture(cdv: Any) -> None:
    run = cdv("regles", "tester", "rules", "--seuil", "50")
    assert run.code == 2
    assert "--couverture" in run.err


@pytest.mark.parametrize("seuil", ["-1", "101"])
def test_seuil_is_a_percentage(cdv: Any, seuil: str) -> None:
    assert cdv("regles", "tester", "rules", "--couverture", "--seuil", seuil).code == 2


def test_json_needs_couverture_and_github_has_none(cdv: Any) -> None:
    assert cdv("regles", "tester", "rules", "-f", "json").code == 2
    assert cdv("regles", "tester", "rules", "--couverture", "-f", "github").code == 2
    assert cdv("regles", "tester", "rules", "-f", "github").code == 0


# --------------------------------------------------------------------------- cdv regles couverture


def _report(statuts: dict[str, str], verdict: str = "eligible") -> DossierReport:
    constats = [Constat(rid, "bloquant", statut, "", "") for rid, statut in statuts.items()]  # type: ignore[arg-type]  # test data
    return DossierReport("d.yaml", verdict, constats=constats)  # type: ignore[arg-type]  # test data


@pytest.mark.parametrize(("echecs", "dossiers", "souvent"), [(1, 4, False), (1, 3, True), (0, 3, False)])
def test_more_than_a_quarter(regles: JeuDeRegles, echecs: int, dossiers: int, souvent: bool) -> None:
    """Exactly a quarter of the dossiers in échec is not « more than a quarter »; a third is."""
    rid = next(r.id for r in regles.regles.values() if r.type != "information")
    reports = [_report({rid: "echec" if i < echecs else "ok"}) for i in range(dossiers)]
    bilan = Bilan.de(regles, [*reports, _report({}, "invalide")])
    assert (bilan.dossiers, bilan.invalides) == (dossiers, 1)
    assert bilan.regles[rid].nombres == {"ok": dossiers - echecs, "echec": echecs, "sans-objet": 0}
    assert (rid in bilan.souvent_en_echec) is souvent
    assert (rid in bilan.jamais_en_echec) is (echecs == 0)


def test_never_applicable_and_information_rules(regles: JeuDeRegles) -> None:
    info = next((r.id for r in regles.regles.values() if r.type == "information"), None)
    other = next(r.id for r in regles.regles.values() if r.type != "information")
    statuts = {other: "sans-objet"} | ({info: "ok"} if info else {})
    bilan = Bilan.de(regles, [_report(statuts)])
    assert other in bilan.jamais_applicables
    assert info not in bilan.jamais_en_echec  # an information rule never fails: not listed
    assert Bilan.de(regles, []).jamais_applicables == []


def test_cdv_regles_couverture(cdv: Any, regles: JeuDeRegles) -> None:
    doc = cdv("regles", "couverture", "data/dossiers", "--rules", "rules", "-f", "json").json()
    assert doc["dossiers"] > 0
    assert {r["regle"] for r in doc["regles"]} == set(regles.regles)
    for row in doc["regles"]:
        assert row["ok"] + row["echec"] + row["sans-objet"] == doc["dossiers"]
    never = {r["regle"] for r in doc["regles"] if r["sans-objet"] == doc["dossiers"]}
    assert set(doc["jamais-applicables"]) == never
    text = cdv("regles", "couverture", "data/dossiers", "--rules", "rules")
    assert text.code == 0
    assert f"{doc['dossiers']} dossier(s) jugé(s)" in text.out
    assert "Jamais applicables" in text.out
