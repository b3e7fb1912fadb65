"""``cdv arbitrage`` end to end, in-process: the over-demanded scenario, what-if, --ecrire, bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.arbitrage.aide import DOSSIERS, PRIORITES

Cdv = Callable[..., Any]
SURDEMANDEES = ("agglo/aap-annuel", "ville")


def _json(cdv: Cdv, *args: str | Path) -> tuple[Any, dict]:
    run = cdv("arbitrage", DOSSIERS, "--format", "json", *args)
    return run, json.loads(run.out)


def test_over_demanded_scenario_fits_and_explains(cdv: Cdv) -> None:
    run, doc = _json(cdv)
    assert run.code == 0, run.err
    assert doc["faisable"] is True
    enveloppes = {e["cle"]: e for e in doc["enveloppes"]}
    for cle in SURDEMANDEES:
        e = enveloppes[cle]
        assert e["demande"] > e["enveloppe"] * 1.10  # the scenario is over-demanded by 10–15 %
        assert e["demande"] < e["enveloppe"] * 1.15
        assert e["propose"] <= e["enveloppe"]
        assert e["propose"] >= 0.95 * e["enveloppe"]
    for e in doc["enveloppes"]:
        assert e["saturee"] == (e["reste"] < 1)  # binding flag ⇔ slack
        assert e["propose"] <= e["enveloppe"]
    for d in doc["dossiers"]:
        if d["statut"] in ("reduit", "ecarte"):
            assert d["motifs"], d["id"]
        if d["statut"] == "reduit":
            assert any("saturée" in m for m in d["motifs"]), d
    # the CPOs in their 2nd year are kept at their demand
    cpo = {d["id"]: d for d in doc["dossiers"]}["ARB-2025-023"]
    assert cpo["statut"] == "retenu" and "CPO en cours" in cpo["motifs"][0]


def test_a_floor_holds_where_a_proportional_cut_would_break_it(cdv: Cdv) -> None:
    _, doc = _json(cdv)
    d = {d["id"]: d for d in doc["dossiers"]}["ARB-2025-021"]
    agglo = next(ligne for ligne in d["lignes"] if ligne["financeur"] == "agglo")
    aap = {e["cle"]: e for e in doc["enveloppes"]}["agglo/aap-annuel"]
    assert agglo["demande"] * aap["enveloppe"] / aap["demande"] < 500  # a proportional cut breaks the floor
    assert agglo["propose"] >= 500
    for x in doc["dossiers"]:  # every financeur of a proposal at 0 or at least at the floor
        totaux: dict[str, float] = {}
        for ligne in x["lignes"]:
            totaux[ligne["financeur"]] = totaux.get(ligne["financeur"], 0) + ligne["propose"]
        if x["statut"] in ("retenu", "reduit"):
            assert all(t == 0 or t >= 500 for t in totaux.values()), x
    assert all(float(ligne["propose"]).is_integer() for x in doc["dossiers"] for ligne in x["lignes"])


def test_ecrire_then_programmation_exits_0(cdv: Cdv, tmp_path: Path) -> None:
    out = tmp_path / "proposition"
    run = cdv("arbitrage", DOSSIERS, "--priorites", PRIORITES, "--ecrire", out, "-o", tmp_path / "r.json")
    assert run.code == 0, run.err
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    ecrits = sorted(p.stem for p in out.glob("*.yaml"))
    retenus = sorted(d["id"] for d in doc["dossiers"] if d["statut"] in ("retenu", "reduit"))
    ecartes = [d["id"] for d in doc["dossiers"] if d["statut"] == "ecarte"]
    assert ecrits == retenus and ecartes  # the scenario's priorities leave some out: listed, not written
    assert all(i in run.err for i in ecartes)
    prog = cdv("programmation", out, "--exercice", "2025")
    assert prog.code == 0, prog.out + prog.err
    # identical to the input except ``accorde``
    source = (DOSSIERS / "2025" / "ARB-2025-001.yaml").read_text(encoding="utf-8").splitlines()
    ecrit = (out / "ARB-2025-001.yaml").read_text(encoding="utf-8").splitlines()
    assert [ligne for ligne in ecrit if "accorde:" not in ligne] == source


def test_essai_writes_nothing_and_shows_the_diff(cdv: Cdv, tmp_path: Path) -> None:
    out = tmp_path / "essai"
    run = cdv("arbitrage", DOSSIERS, "--ecrire", out, "--essai", "-o", tmp_path / "r.txt")
    assert run.code == 0, run.err
    assert not out.exists()
    assert "+    accorde: " in run.err


def test_ecrire_refuses_an_input_folder(cdv: Cdv) -> None:
    run = cdv("arbitrage", DOSSIERS, "--ecrire", DOSSIERS / "2025")
    assert run.code == 2
    assert "--ecrire" in run.err


def test_floor_of_1000_in_a_copy_of_the_rules_changes_the_proposal(cdv: Cdv, rules_copy: Path) -> None:
    _, avant = _json(cdv)
    regles = rules_copy / "regles.yaml"
    text = regles.read_text(encoding="utf-8")
    assert "minimum: {2024: 500}" in text
    regles.write_text(text.replace("minimum: {2024: 500}", "minimum: {2024: 1000}"), encoding="utf-8")
    run, apres = _json(cdv, "--rules", rules_copy)
    assert run.code == 0, run.err
    statuts = {d["id"]: d["statut"] for d in apres["dossiers"]}
    assert statuts["ARB-2025-021"] == "non-candidat"  # 550 € of Agglo: under the new floor
    assert [d["propose"] for d in avant["dossiers"]] != [d["propose"] for d in apres["dossiers"]]


def test_enveloppe_override_is_used_and_reported(cdv: Cdv) -> None:
    run, doc = _json(cdv, "--enveloppe", "agglo/aap-annuel=170000", "--enveloppe", "ville=95000")
    assert run.code == 0, run.err
    assert doc["modifications"] == {"agglo/aap-annuel": 170000.0, "ville": 95000.0}
    enveloppes = {e["cle"]: e for e in doc["enveloppes"]}
    assert enveloppes["agglo/aap-annuel"]["enveloppe"] == 170000 and enveloppes["agglo/aap-annuel"]["modifiee"]
    assert enveloppes["agglo/aap-annuel"]["propose"] <= 170000
    assert not enveloppes["agglo"]["modifiee"]


def test_nothing_fits_says_which_constraints_conflict(cdv: Cdv) -> None:
    run, doc = _json(cdv, "--enveloppe", "ville=5000")  # the two CPOs in force alone ask 8 000 € of the Ville
    assert run.code == 1
    assert doc["faisable"] is False
    assert any("ARB-2025-023" in c and "Ville" in c for c in doc["conflits"])


def test_same_input_same_bytes_with_any_jobs(cdv: Cdv) -> None:
    a = cdv("arbitrage", DOSSIERS, "--format", "json", "--jobs", "1")
    b = cdv("arbitrage", DOSSIERS, "--format", "json", "--jobs", "2")
    assert a.code == b.code == 0
    assert a.out == b.out


def test_text_fits_80_columns(cdv: Cdv) -> None:
    run = cdv("arbitrage", DOSSIERS, "--priorites", PRIORITES)
    assert run.code == 0, run.err
    assert max(len(line) for line in run.lines) <= 80
    assert "écarté" in run.out and "retenir ce dossier exigerait" in run.out
    assert "1 000,00 € de plus sur l'enveloppe Ville" in run.out


def test_every_format(cdv: Cdv, tmp_path: Path) -> None:
    import openpyxl

    for ext in ("csv", "xlsx", "html", "json", "txt"):
        target = tmp_path / f"arbitrage.{ext}"
        run = cdv("arbitrage", DOSSIERS, "-o", target)
        assert run.code == 0, run.err
        assert target.stat().st_size > 0
    csv = (tmp_path / "arbitrage.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].startswith("exercice;dossier;statut;ligne")
    assert any(";réduit;" in line for line in csv)
    wb = openpyxl.load_workbook(tmp_path / "arbitrage.xlsx")
    assert wb.sheetnames == ["Enveloppes", "Financeurs", "Dossiers", "Lignes", "Informations"]
    assert isinstance(wb["Dossiers"]["D2"].value, (int, float))
    page = (tmp_path / "arbitrage.html").read_text(encoding="utf-8")
    assert "Par financeur" in page and "Par dossier" in page


def test_bad_priorites_are_usage_errors_with_their_line(cdv: Cdv, tmp_path: Path) -> None:
    cases = {
        "part-minimum: 0.5\npoid:\n  qpv: 2\n": ":2",
        "part-minimum: 1.5\n": ":1",
        "poids:\n  qpv: -1\n": ":2",
        "garder: [ARB-2025-999]\n": ":1",
        "garder: [ARB-2025-001]\necarter: [ARB-2025-001]\n": ":2",
        "cpo-en-cours: parfois\n": ":1",
    }
    for i, (text, line) in enumerate(cases.items()):
        path = tmp_path / f"p{i}.yaml"
        path.write_text(text, encoding="utf-8")
        run = cdv("arbitrage", DOSSIERS, "--priorites", path)
        assert run.code == 2, (text, run.err)
        assert re.search(re.escape(str(path)) + line + r"\b", run.err), (text, run.err)


def test_bad_enveloppe_option(cdv: Cdv) -> None:
    for value in ("agglomeration=1000", "agglo", "agglo=abc", "agglo=-5"):
        run = cdv("arbitrage", DOSSIERS, "--enveloppe", value)
        assert run.code == 2, value
        assert "--enveloppe" in run.err


def test_a_bloquant_rule_without_constraints_is_refused(cdv: Cdv, rules_copy: Path) -> None:
    regles = rules_copy / "regles.yaml"
    text = regles.read_text(encoding="utf-8")
    bloc = text.index("  hors-qpv-etat-p147:")
    fin = text.index("gravite: avertissement", bloc)
    regles.write_text(text[:fin] + "gravite: bloquant" + text[fin + len("gravite: avertissement") :], encoding="utf-8")
    run = cdv("arbitrage", DOSSIERS, "--rules", rules_copy)
    assert run.code == 2
    assert "hors-qpv-etat-p147" in run.err and "contraintes" in run.err


def test_shipped_examples(cdv: Cdv) -> None:
    run = cdv("arbitrage", "data/dossiers", "--exercice", "2025", "--format", "json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    statuts = {d["statut"] for d in doc["dossiers"]}
    assert "non-candidat" in statuts  # the ineligible examples are listed, never proposed


def test_ecrire_never_writes_over_an_input(cdv: Cdv, tmp_path: Path) -> None:
    source = DOSSIERS / "2025" / "ARB-2025-001.yaml"
    before = source.read_bytes()
    out = tmp_path / "sortie"
    out.mkdir()
    (out / "ARB-2025-001.yaml").symlink_to(source)
    run = cdv("arbitrage", DOSSIERS, "--ecrire", out, "-o", tmp_path / "r.json")
    assert run.code == 2
    assert "refus" in run.err
    assert source.read_bytes() == before


def test_check_and_programmation_never_load_highspy() -> None:
    """The solver is paid for by ``cdv arbitrage`` only (a real process: modules loaded are per process)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom cdv_prog.cli.app import main\n"
        "for args in (['check', 'data/dossiers/2025/CDV-2025-014.yaml', '-q'], ['programmation', 'data/dossiers']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print('highspy' in sys.modules)\n"
    )
    repo = DOSSIERS.parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
