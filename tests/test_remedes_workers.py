"""« Ce qu'il faudrait » computed in the workers (issue 13 follow-up): ``cdv check --remedes --jobs N``.

The remedies are computed where each report is made (a worker, or the
sequential batch), with the history view of the report's exercice, and travel
with the report: the parent needs no dossier, the output is byte for byte that
of ``--jobs 1``, and none of it is computed without ``--remedes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdv_prog.core import remedier
from cdv_prog.core.report import DossierReport
from cdv_prog.files.dossiers import discover
from cdv_prog.files.historique import groupes_par_exercice
from cdv_prog.files.parallel import can_fork, check_reports, check_reports_par_exercice

REPO = Path(__file__).resolve().parent.parent
DOSSIERS = REPO / "data" / "dossiers"  # 2024, 2025 and 2026: each exercice judged with the ones before


def _files() -> list[Path]:
    return discover([DOSSIERS])


def _index(files: list[Path], regles):
    from cdv_prog.core.historique import HistoriqueDossiers
    from cdv_prog.files.historique import lire

    records = [r for r in (lire(p, regles) for p in files) if not isinstance(r, DossierReport)]
    return HistoriqueDossiers.ordonne(records)


def _in_parent(files: list[Path], regles) -> list[dict]:
    """The former way: the whole index read first, the remedies computed afterwards, in the parent."""
    index = _index(files, regles)
    out = []
    for report in check_reports(files, regles, jobs=1, historique=index):
        vue = index.vue(report.exercice) if report.exercice is not None else None
        out.extend(r.to_dict() for r in remedier.ajouter_remedes([report], regles, vue))
    return out


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "github"])
def test_remedes_with_the_history_are_byte_identical_with_any_jobs(cdv, fmt: str) -> None:
    one = cdv("check", "data/dossiers", "--remedes", "--format", fmt, "--jobs", "1")
    two = cdv("check", "data/dossiers", "--remedes", "--format", fmt, "--jobs", "2")
    assert one.out == two.out and one.code == two.code == 1
    assert one.out != cdv("check", "data/dossiers", "--format", fmt, "--jobs", "1").out  # remedies shown


def test_remedes_of_one_exercice_are_byte_identical_with_any_jobs(cdv) -> None:
    args = ("check", "data/dossiers", "--remedes", "--exercice", "2025", "--format", "json")
    one, two = cdv(*args, "--jobs", "1"), cdv(*args, "--jobs", "2")
    assert one.out == two.out
    doc = json.loads(one.out)
    assert {d["exercice"] for d in doc["dossiers"]} == {2025}
    assert any(d.get("pour-etre-eligible") for d in doc["dossiers"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_remedies_computed_in_the_batch_are_those_computed_in_the_parent(regles, jobs: int) -> None:
    files = _files()
    attendu = _in_parent(files, regles)
    # one pass, exercice after exercice (each group judged with the records of the groups before it)
    groupes = groupes_par_exercice(files)
    assert groupes is not None and len(groupes) == 3
    reports = list(check_reports_par_exercice(groupes, regles, jobs=jobs, dossiers=False, remedes=True))
    assert [r.to_dict() for r in reports] == attendu
    # the whole index first
    index = _index(files, regles)
    reports = list(check_reports(files, regles, jobs=jobs, dossiers=False, historique=index, remedes=True))
    assert [r.to_dict() for r in reports] == attendu
    assert any(r.pour_etre_eligible is not None for r in reports)
    assert any(c.remede is not None for r in reports for c in r.constats)
    assert all(r.remedes_calcules for r in reports if r.verdict != "invalide")


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
def test_remedies_travel_from_the_workers_without_the_dossiers(regles) -> None:
    files = _files()
    index = _index(files, regles)
    reports = list(check_reports(files, regles, jobs=2, dossiers=False, historique=index, remedes=True))
    assert all(r.dossier is None for r in reports)  # computed in the workers: nothing left to do in the parent
    ineligibles = [r for r in reports if r.verdict == "ineligible"]
    assert ineligibles and all(r.pour_etre_eligible or r.pour_etre_eligible_impossible for r in ineligibles)


def _refuse(*_args, **_kwargs) -> Iterator[DossierReport]:
    raise AssertionError("remedies computed without --remedes")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_remedies_cost_nothing_without_remedes(cdv, monkeypatch, jobs: str) -> None:
    # the workers are forked from this process: they see the patch too
    monkeypatch.setattr(remedier, "ajouter_remedes", _refuse)
    run = cdv("check", "data/dossiers", "--format", "json", "--jobs", jobs)
    assert run.code == 1
    doc = json.loads(run.out)
    assert all("pour-etre-eligible" not in d for d in doc["dossiers"])
    assert all("remede" not in c for d in doc["dossiers"] for c in d["constats"])


def test_the_patched_function_is_the_one_remedes_calls(cdv, monkeypatch) -> None:
    calls: list[str | None] = []
    real = remedier.ajouter_remedes

    def counting(reports, *args, **kwargs):
        reports = list(reports)
        calls.extend(r.id for r in reports)
        return real(reports, *args, **kwargs)

    monkeypatch.setattr(remedier, "ajouter_remedes", counting)
    cdv("check", "data/dossiers", "--remedes", "--format", "json", "--jobs", "1")
    assert len(calls) == len(_files())  # so the test above would see a call


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ecrire_remedes_writes_the_same_files_with_any_jobs(cdv, tmp_path, jobs: str) -> None:
    ref = cdv("check", "data/dossiers", "--ecrire-remedes", tmp_path / "ref", "--jobs", "1")
    run = cdv("check", "data/dossiers", "--ecrire-remedes", tmp_path / "out", "--jobs", jobs)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names and names == sorted(p.name for p in (tmp_path / "ref").iterdir())
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()
    assert run.out == ref.out and f"{len(names)} dossier(s) corrigé(s)" in run.err
