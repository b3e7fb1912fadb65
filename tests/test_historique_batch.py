"""The history end to end (SPEC §5): several exercices read at once, ``--historique``, ``cdv suivi``."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import juger, lit_historique
from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers, empreinte
from cdv_prog.core.montants import Montants
from cdv_prog.files.dossiers import discover, read_dossier
from cdv_prog.files.historique import _exercice_declare, exercice_annonce

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "dossiers"
HISTORY_RULES = {"cpo-continuite", "precedent-coherent", "caf-bilan-renouvellement"}


def constats(doc: dict[str, Any], ident: str) -> dict[str, dict[str, str]]:
    [d] = [d for d in doc["dossiers"] if d["id"] == ident]
    return {c["regle"]: c for c in d["constats"]}


# --------------------------------------------------------------------------- the shipped examples


def test_exercice_2025_reads_2024_as_history_and_reports_only_2025(cdv) -> None:
    doc = cdv("check", "data/dossiers", "--exercice", "2025", "--format", "json").json()
    assert {d["exercice"] for d in doc["dossiers"]} == {2025} and len(doc["dossiers"]) == 36
    cpo = constats(doc, "CDV-2025-008")["cpo-continuite"]
    assert cpo["statut"] == "ok" and "CDV-2024-008" in cpo["message"]
    # a CAF renewal whose 2024 dossier the CAF funded: the bilan is asked for, from the history
    caf = constats(doc, "CDV-2025-032")["caf-bilan-renouvellement"]
    assert caf["statut"] == "echec" and "supposée" not in caf["message"]
    # a renewal that the CAF did not fund in 2024 (its 2024 dossier says so): no bilan asked for
    caf = constats(doc, "CDV-2025-015")["caf-bilan-renouvellement"]
    assert caf["statut"] == "sans-objet" and "d'après le dossier CDV-2024-015 de l'historique" in caf["message"]


def test_one_file_alone_has_no_history(cdv) -> None:
    doc = cdv("check", "data/dossiers/2025/CDV-2025-008.yaml", "--format", "json").json()
    c = constats(doc, "CDV-2025-008")
    assert c["cpo-continuite"]["statut"] == c["precedent-coherent"]["statut"] == "sans-objet"
    assert "historique non fourni" in c["cpo-continuite"]["message"]


def test_historique_option_gives_what_the_same_paths_give(cdv) -> None:
    together = cdv("check", "data/dossiers", "--exercice", "2026", "--format", "json").json()
    apart = cdv(
        "check",
        "data/dossiers/2026",
        "--historique",
        "data/dossiers/2024",
        "--historique",
        "data/dossiers/2025",
        "--format",
        "json",
    ).json()
    assert together["dossiers"] == apart["dossiers"]
    assert constats(apart, "CDV-2026-001")["precedent-coherent"]["statut"] == "echec"  # the broken chain
    assert constats(apart, "CDV-2026-008")["cpo-continuite"]["statut"] == "ok"  # year 3 of the CPO


def test_programmation_2026_counts_the_cpos_in_force(cdv) -> None:
    def cpo_rule(*args: str) -> str:
        doc = cdv("programmation", *args, "--exercice", "2026", "--format", "json").json()
        [c] = [c for c in doc["constats"] if c["regle"] == "cpo-innovante-par-quartier"]
        return str(c["message"])

    with_history = cpo_rule("data/dossiers")
    alone = cpo_rule("data/dossiers/2026")
    # CDV-2025-030, a new innovative CPO 2025-2027 at La Conte and Grazailles, is in force in 2026
    assert "CDV-2025-030" in with_history and "CDV-2025-030" not in alone
    manquants = with_history.split("(")[0]
    assert "Grazailles" not in manquants and "Grazailles" in alone.split("(")[0]


def test_jobs_give_byte_identical_output_with_a_history(cdv) -> None:
    one = cdv("check", "data/dossiers", "--format", "json", "--jobs", "1")
    two = cdv("check", "data/dossiers", "--format", "json", "--jobs", "2")
    assert one.out == two.out and one.code == two.code


# --------------------------------------------------------------------------- invalid history files


def _cpo_year(exercice: int, ident: str, precedent: str | None, base: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(base, default=str))
    data["id"], data["exercice"] = ident, exercice
    data["action"]["debut"], data["action"]["fin"] = f"{exercice}-01-01", f"{exercice}-12-31"
    data["action"]["cpo"] = {"annees": [2024, 2025, 2026]}
    data["pieces"] = [*data["pieces"], "evaluation-annuelle"]
    if precedent is not None:
        data["action"]["precedent"] = precedent
    return data


def test_a_three_year_cpo_whose_first_year_file_is_invalid(cdv, tmp_path: Path, base_dossier, to_yaml) -> None:
    y1 = _cpo_year(2024, "CPO-2024", None, base_dossier)
    y1["financements"][0]["montant"] = "4.000"  # ambiguous amount: invalide
    y2 = _cpo_year(2025, "CPO-2025", "CPO-2024", base_dossier)
    y3 = _cpo_year(2026, "CPO-2026", "CPO-2025", base_dossier)
    autre = json.loads(json.dumps(base_dossier, default=str))  # another action of 2024: a history exists
    autre["id"], autre["exercice"] = "AUTRE-2024", 2024
    autre["action"]["debut"], autre["action"]["fin"] = "2024-01-01", "2024-12-31"
    for data in (y1, y2, y3, autre):
        (tmp_path / f"{data['id']}.yaml").write_text(to_yaml(data), encoding="utf-8")
    run = cdv("check", tmp_path, "--exercice", "2026", "--format", "json")
    assert run.code == 0  # the invalid 2024 file is history only: a warning, not the exit code
    assert run.err.count("CPO-2024.yaml invalide, ignoré") == 1
    assert constats(run.json(), "CPO-2026")["cpo-continuite"]["statut"] == "ok"
    run = cdv("check", tmp_path, "--exercice", "2025", "--format", "json")
    c = constats(run.json(), "CPO-2025")
    assert c["cpo-continuite"]["statut"] == "echec" and "absent de l'historique" in c["cpo-continuite"]["message"]
    assert c["precedent-coherent"]["statut"] == "echec"
    run = cdv("check", tmp_path, "--format", "json")  # everything reported: the invalid file is reported, not warned
    assert run.code == 1 and "ignoré" not in run.err
    assert [d["verdict"] for d in run.json()["dossiers"] if d["id"] is None or d["exercice"] == 2024] == [
        "eligible",
        "invalide",
    ]


# --------------------------------------------------------------------------- properties


def _examples(tmp_path: Path) -> list[Path]:
    dest = tmp_path / "lot"
    shutil.copytree(EXAMPLES_DIR, dest)
    return sorted(dest.rglob("*.yaml"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_history_from_shuffled_paths_gives_the_same_reports(cdv, tmp_path_factory, seed: int) -> None:
    files = _examples(tmp_path_factory.mktemp("h"))
    shuffled = list(files)
    random.Random(seed).shuffle(shuffled)
    ordered = cdv("check", *files, "--format", "json").json()["dossiers"]
    mixed = cdv("check", *shuffled, "--format", "json").json()["dossiers"]
    assert sorted(ordered, key=lambda d: d["id"]) == sorted(mixed, key=lambda d: d["id"])


def _dossier(path: Path, regles) -> Dossier:
    d = read_dossier(path, regles)
    assert isinstance(d, Dossier)
    return d


def _index(regles) -> HistoriqueDossiers:
    records = []
    for path in discover([EXAMPLES_DIR]):
        d = _dossier(path, regles)
        records.append(DossierAnterieur.of(d, Montants.of(d, regles), fichier=str(path)))
    return HistoriqueDossiers.ordonne(records)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_rules_that_do_not_read_the_history_give_the_same_constats(regles, data) -> None:
    index = _index(regles)
    paths = discover([EXAMPLES_DIR])
    path = data.draw(st.sampled_from(paths))
    dossier = _dossier(path, regles)
    avec = juger(dossier, regles, str(path), index.vue(dossier.exercice))
    sans = juger(dossier, regles, str(path))
    lisent = {rid for rid, r in regles.regles.items() if lit_historique(r)}
    assert lisent == HISTORY_RULES
    for a, s in zip(avec.constats, sans.constats, strict=True):
        if a.regle not in lisent:
            assert a == s


def test_the_history_index_does_not_depend_on_the_order_of_the_files(regles) -> None:
    index = _index(regles)
    shuffled = list(index.dossiers)
    random.Random(1).shuffle(shuffled)
    assert HistoriqueDossiers.ordonne(shuffled).empreinte() == index.empreinte()


@pytest.mark.parametrize("pool", [False, True])
def test_the_index_read_by_a_pool_or_here_is_the_same(regles, monkeypatch, tmp_path: Path, pool: bool) -> None:
    """Fewer files than INDEX_POOL_MIN (a warm run's misses) are read here; more, by a pool: the same records."""
    from cdv_prog.files import parallel

    lot = tmp_path / "lot"
    shutil.copytree(EXAMPLES_DIR, lot)
    (lot / "2025" / "casse.yaml").write_text("id: [\n", encoding="utf-8")  # an invalid one too
    files = discover([lot])
    here = [(type(r).__name__, r.fichier, r.exercice) for r in parallel.index_records(files, regles, jobs=1)]
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)
    monkeypatch.setattr(parallel, "INDEX_POOL_MIN", 0 if pool else len(files) + 1)
    forks: list[int] = []
    real = parallel._parallel
    monkeypatch.setattr(parallel, "_parallel", lambda *a, **k: forks.append(1) or real(*a, **k))
    records = list(parallel.index_records(files, regles, jobs=2))
    assert [(type(r).__name__, r.fichier, r.exercice) for r in records] == here
    assert ("DossierReport", str(lot / "2025" / "casse.yaml"), None) in here
    assert forks == ([1] if pool else [])
    valides = [r for r in records if isinstance(r, DossierAnterieur)]
    assert (
        HistoriqueDossiers.ordonne(valides).empreinte()
        == HistoriqueDossiers.ordonne(
            [r for r in parallel.index_records(files, regles, jobs=1) if isinstance(r, DossierAnterieur)]
        ).empreinte()
    )


def test_digest_of_what_a_dossier_reads(regles) -> None:
    index = _index(regles)
    path = EXAMPLES_DIR / "2025" / "CDV-2025-008.yaml"
    dossier = _dossier(path, regles)
    vue = index.vue(2025)
    first = empreinte(vue, dossier)
    assert first == empreinte(index.vue(2025), dossier)
    assert first != empreinte(None, dossier)
    autre = HistoriqueDossiers.ordonne(d for d in index.dossiers if d.id != "CDV-2024-008")
    assert empreinte(autre.vue(2025), dossier) != first
    # a change elsewhere in the history does not change this dossier's digest
    ailleurs = HistoriqueDossiers.ordonne(d for d in index.dossiers if d.id != "CDV-2024-032")
    assert empreinte(ailleurs.vue(2025), dossier) == first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: A\nexercice: 2025\n", 2025),
        ("id: A\nexercice: 2024  # commentaire\n", 2024),
        ("{id: A, exercice: 2025}\n", None),  # flow style: read in full
        ("exercice: 2024\nexercice: 2025\n", None),  # twice: read in full (and invalide)
        ('id: A\nexercice: "2025"\n', None),
        ("id: A\n  exercice: 2025\n", None),  # not a top-level key
    ],
)
def test_the_quick_look_at_the_exercice(tmp_path: Path, text: str, expected: int | None) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    assert exercice_annonce(path) == expected


# the look's former definition, one regex over the whole head: the faster search must say the same
_REFERENCE = re.compile(rb"^exercice:[ \t]*([0-9]{4})[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
_MORCEAUX = [
    b"exercice:",
    b"exercice: ",
    b" ",
    b"\t",
    b"2025",
    b"2024",
    b"20251",
    b"\n",
    b"\r",
    b"\r\n",
    b"#",
    b"x",
    b"id: A",
]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_MORCEAUX), max_size=14))
def test_the_quick_look_says_what_one_multiline_regex_says(morceaux: list[bytes]) -> None:
    head = b"".join(morceaux)
    found = _REFERENCE.findall(head)
    assert _exercice_declare(head) == (int(found[0]) if len(found) == 1 else None)


# --------------------------------------------------------------------------- cdv suivi


def test_suivi_shows_a_three_year_cpo(cdv) -> None:
    run = cdv("suivi", "CDV-2025-008", "--format", "json")
    assert run.code == 0
    doc = run.json()
    assert [a["exercice"] for a in doc["annees"]] == [2024, 2025, 2026]
    assert [a["id"] for a in doc["annees"]] == ["CDV-2024-008", "CDV-2025-008", "CDV-2026-008"]
    assert all(a["cpo"] == [2024, 2025, 2026] and a["verdict"] == "eligible" for a in doc["annees"])
    etat = [next(f["retenu"] for f in a["financeurs"] if f["financeur"] == "etat") for a in doc["annees"]]
    assert etat == [16000.0, 17000.0, 18000.0]
    assert [a["evaluation-annuelle"] for a in doc["annees"]] == [False, True, True]
    assert doc["ruptures"] == []
    text = cdv("suivi", "CDV-2024-008")  # any year of the action
    assert "CPO 2024-2026, année 3/3" in text.out and "Chaîne continue" in text.out
    assert max(len(line) for line in text.out.splitlines()) <= 80


def test_suivi_shows_a_broken_chain(cdv) -> None:
    run = cdv("suivi", "CDV-2026-001")
    assert run.code == 1
    assert "CDV-2025-101" in run.out and "introuvable" in run.out and "peut-être CDV-2025-001" in run.out
    assert max(len(line) for line in run.out.splitlines()) <= 80
    # a long intitulé is folded at 80 columns, never cut
    assert "de l'action de CDV-2026-001" in run.out
    assert "(CLAS) élémentaire de Grazailles" in " ".join(run.out.split())


def test_suivi_says_a_year_eligible_by_derogation(cdv) -> None:
    """The example dérogation (rules/derogations.yaml, CDV-2025-032) in every format of cdv suivi (issue 13)."""
    doc = cdv("suivi", "CDV-2025-032", "--format", "json").json()
    by_year = {a["exercice"]: a for a in doc["annees"]}
    assert by_year[2025]["verdict"] == "eligible" and by_year[2025]["derogation"].startswith("COPIL du ")
    assert by_year[2024]["derogation"] is None
    text = cdv("suivi", "CDV-2025-032").out
    assert "éligible par dérogation (COPIL du " in text
    assert "éligible par dérogation (COPIL du " in cdv("suivi", "CDV-2025-032", "--format", "html").out


def test_suivi_unknown_id_suggests_the_closest(cdv) -> None:
    run = cdv("suivi", "CDV-2025-08")
    assert run.code == 2 and run.out == ""
    assert "introuvable" in run.err and "CDV-2025-008" in run.err


def test_suivi_html_is_a_self_contained_page(cdv, tmp_path: Path) -> None:
    target = tmp_path / "suivi.html"
    run = cdv("suivi", "CDV-2025-008", "-o", target)
    assert run.code == 0 and run.out == ""
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "CDV-2026-008" in page
    assert "<script" not in page and "http" not in page
