"""The benchmark scripts of issue 17 (``benchmarks/``): their verdicts, their skips, one tiny run.

No timing is asserted here (speed is measured by the scripts themselves):
these tests check that a ratio is judged against its target the right way,
that a missing peer is said clearly, that the table is built from the
scripts' results, and that ``bench_check.py`` runs end to end on a few files.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_check
import bench_programmation
import bench_publicodes
import tableau

REPO = bench_check.REPO

HAS_PEERS = (bench_check.SHARED_PEERS / "gen_dossiers.py").is_file()
needs_peers = pytest.mark.skipif(not HAS_PEERS, reason="../shared/peers absent")


def test_mark_judges_at_most_and_at_least_targets() -> None:
    assert bench_check.mark(1.2, 1.2) == "✓"
    assert bench_check.mark(1.21, 1.2) == "✗"
    assert bench_check.mark(15.0, 15.0, at_least=True) == "✓"
    assert bench_check.mark(14.9, 15.0, at_least=True) == "✗"


def test_mark_falls_back_to_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert (bench_check.mark(1.0, 1.2), bench_check.mark(2.0, 1.2)) == ("ok", "X")


def test_targets_are_those_of_issue_17() -> None:
    assert bench_check.TARGETS == {"jobs1": 1.2, "jobs2": 0.7, "one": 0.20, "rss_mb": 150}
    assert bench_publicodes.TARGET == 15
    assert bench_programmation.TARGET == 1.3


def test_missing_shared_peers_is_said_in_french(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench_check, "SHARED_PEERS", tmp_path / "shared" / "peers")
    with pytest.raises(SystemExit, match="pairs de référence introuvables"):
        bench_check.peer_lot(tmp_path, 3)
    assert not list(tmp_path.glob("pair-*"))


@needs_peers
def test_peer_lot_is_one_folder_generated_once(tmp_path: Path) -> None:
    lot = bench_check.peer_lot(tmp_path, 4)
    files = bench_check.yaml_files(lot)
    assert [p.parent for p in files] == [lot] * 4
    assert all("exercice: 2025" in p.read_text(encoding="utf-8") for p in files)
    stamp = files[0].stat().st_mtime_ns
    assert bench_check.peer_lot(tmp_path, 4) == lot
    assert files[0].stat().st_mtime_ns == stamp


def test_publicodes_row_is_skipped_without_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench_check, "ENV", dict(bench_check.ENV))
    monkeypatch.setattr(bench_publicodes, "ENV", bench_check.ENV)
    monkeypatch.setattr(bench_publicodes, "node_major", lambda: None)
    result = bench_publicodes.measure(tmp_path, n=3, rounds=1)
    assert result == {"ignore": "Node absent"}
    monkeypatch.setattr(bench_publicodes, "node_major", lambda: 16)
    assert "trop ancien" in bench_publicodes.measure(tmp_path, n=3, rounds=1)["ignore"]


def test_publicodes_summary_is_read_and_checked() -> None:
    line = "dossiers=20 eligible=15 ineligible=5 financeurs-principaux=2 plancher-financeur=1\n"
    assert bench_publicodes.summary(line) == (20, 15, 5)
    with pytest.raises(SystemExit, match="illisible"):
        bench_publicodes.summary("Error: unknown financeur\n")


def test_importer_ratio_is_read_from_its_script_line() -> None:
    found = tableau._IMPORTER_RATIO.search("  writing / essai     1.07 x   (target <= 1.2 x)\n")
    assert found is not None and found.group(1) == "1.07"


def _results() -> dict[str, Any]:
    lot = {"dossiers": 10, "mo": 0.1, "floor": 2.0, "jobs1": 2.2, "jobs2": 1.6, "identical": True}
    check = {
        "lots": {
            "pair": {**lot, "ratio_jobs1": 1.1, "ratio_jobs2": 0.8},
            "mixte": {**lot, "ratio_jobs1": 1.5, "ratio_jobs2": 1.0},
        },
        "one": 0.19,
    }
    programmation = {
        "n": 10,
        "cache": {"j2": {"froid": {"check": 1.0, "programmation": 1.2, "ratio": 1.2}}},
        "memory_mb": {"1, cache à froid": (120.0, 110.0), "2, cache à froid": (160.0, 200.0)},
    }
    warm = {"froid": 4.0, "chaud": 0.8, "ratio": 0.2}
    cache = {"lots": {"pair": {"dossiers": 10, "j1": warm, "j2": {**warm, "chaud": 2.0, "ratio": 0.5}}}}
    return {"check": check, "programmation": programmation, "cache": cache}


def test_table_rows_judge_each_measure() -> None:
    r = _results()
    table = tableau.rows(
        r["check"], {"ignore": "Node absent"}, r["programmation"], (1.5, "writing / essai 1.5"), r["cache"]
    )
    verdicts = {measure: (now, sign) for measure, now, _, sign in table}
    assert verdicts["`cdv check --jobs 1 --format json` / plancher, lot du pair de 10"] == (
        "1,10 × (2,20 s / 2,00 s)",
        "✓",
    )
    assert verdicts["`cdv check --jobs 2 --format json` / plancher, lot du pair de 10"][1] == "✗"
    assert verdicts["un dossier, `cdv check FICHIER`, processus entier"] == ("0,190 s", "✓")
    assert verdicts["les 14 règles en Publicodes / cdv"] == ("ligne ignorée : Node absent", "—")
    # the ratio is met, the memory (160 MB in one process) is not
    now, sign = verdicts["`cdv programmation --format json` / `cdv check --format json`, 10 dossiers"]
    assert "pic 160 Mo" in now and sign == "✗"
    assert verdicts["`cdv importer` écriture / `--essai`"] == ("1,50 ×", "✗")
    assert verdicts["cache à chaud / à froid, 10 dossiers, `--jobs 1` (lot du pair)"][1] == "✓"
    assert verdicts["cache à chaud / à froid, 10 dossiers, `--jobs 2` (lot du pair)"][1] == "✗"
    assert any("lot mixte de 10 (secondaire)" in measure for measure in verdicts)
    lines = tableau.markdown(table).splitlines()
    assert lines[0] == "| mesure | maintenant | objectif | ✓/✗ |"
    assert len(lines) == 2 + len(table) and all(line.count(" | ") == 3 for line in lines[2:])


def test_table_rows_say_the_spread_of_the_rounds() -> None:
    """The ratio of each round beside the ratio of the medians; ✓/✗ still judges the latter."""
    r = _results()
    r["check"]["lots"]["pair"]["par_tour_jobs1"] = [1.22, 1.59, 1.05]
    r["check"]["lots"]["pair"]["par_tour_jobs2"] = [0.8]  # one round: nothing more to say
    table = tableau.rows(r["check"], None, None, None, r["cache"])
    verdicts = {measure: (now, sign) for measure, now, _, sign in table}
    assert verdicts["`cdv check --jobs 1 --format json` / plancher, lot du pair de 10"] == (
        "1,10 × (2,20 s / 2,00 s ; par tour : 1,05 à 1,59 ×)",
        "✓",
    )
    assert verdicts["`cdv check --jobs 2 --format json` / plancher, lot du pair de 10"][0] == "0,80 × (1,60 s / 2,00 s)"
    assert tableau.bench_check.par_tour([3.0, 4.0], [2.0, 2.0]) == [1.5, 2.0]


def test_table_row_of_publicodes_when_measured() -> None:
    r = _results()
    publicodes = {
        "n": 2000,
        "medians": {"publicodes": 30.0, "cdv-j1": 1.5, "cdv-j2": 1.0},
        "ratio_jobs1": 20.0,
        "ratio_jobs2": 30.0,
    }
    table = tableau.rows(r["check"], publicodes, None, None, r["cache"])
    row = next(row for row in table if row[0].startswith("les 14 règles"))
    assert row[1:] == ("20,0 × (30,00 s / 1,50 s ; `--jobs 2` : 30,0 ×)", "≥ 15 ×", "✓")


@needs_peers
def test_bench_check_runs_on_a_tiny_lot(tmp_path: Path) -> None:
    cmd = [sys.executable, str(REPO / "benchmarks" / "bench_check.py"), "-n", "3", "--rounds", "1", "--one-runs", "1"]
    cmd += ["--big", "0", "--sans-mixte", "--json", "--workdir", str(tmp_path)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env, check=True, timeout=300)
    result = json.loads(out.stdout.splitlines()[-1])
    pair = result["lots"]["pair"]
    assert pair["dossiers"] == 3 and pair["identical"] is True
    assert pair["ratio_jobs1"] == pytest.approx(pair["jobs1"] / pair["floor"])
    assert pair["par_tour_jobs1"] == [pytest.approx(pair["jobs1"] / pair["floor"])]  # one round: its own ratio
    assert "× plancher" in out.stdout and "objectif ≤ 1.2" in out.stdout
    # the ceiling of --jobs 2: two --jobs 1 side by side, each on half the lot
    assert pair["ratio_moities"] == pytest.approx(pair["moities"] / pair["floor"])
    assert "deux -j 1 côte à côte" in out.stdout


@needs_peers
def test_the_halves_split_the_lot_in_path_order(tmp_path: Path) -> None:
    lot = bench_check.peer_lot(tmp_path, 5)
    premiere, seconde = bench_check.moities(tmp_path, lot)
    noms = [p.name for p in bench_check.yaml_files(lot)]
    assert [p.name for p in bench_check.yaml_files(premiere)] == noms[:2]
    assert [p.name for p in bench_check.yaml_files(seconde)] == noms[2:]
    for moitie in (premiere, seconde):  # the same bytes as the lot's files
        for f in bench_check.yaml_files(moitie):
            assert f.read_bytes() == (lot / f.name).read_bytes()
    assert bench_check.moities(tmp_path, lot) == (premiere, seconde)  # made once
