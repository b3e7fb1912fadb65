"""``cdv programmation`` and ``cdv regles diff`` under ``--jobs``: the same bytes, and no dossier kept.

The programmation reduces each report to a compact fiche where the report is
made (a worker, or the sequential batch) and keeps no dossier: proved on the
object graph of the calculation, which holds no pydantic dossier and no
report once the batch has gone through it.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.report import DossierReport
from cdv_prog.files.dossiers import discover
from cdv_prog.files.historique import construire, lire
from cdv_prog.files.parallel import check_reports
from cdv_prog.programmation.calcul import Calcul, LigneDossier
from cdv_prog.programmation.fiche import Fiche, fiche

FORMATS = [
    ("text", ()),
    ("json", ()),
    ("csv", ()),
    ("xlsx", ()),
    ("html", ()),
    ("scdl", ("--attribuant", "agglo")),
]


@pytest.mark.parametrize(("fmt", "extra"), FORMATS, ids=[f for f, _ in FORMATS])
def test_programmation_is_byte_identical_with_any_jobs(
    cdv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, extra: tuple[str, ...]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the HTML's date of generation
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs-{jobs}.sortie"
        args = ("programmation", "data/dossiers", "tests/fixtures/invalid", "--exercice", "2025")
        run = cdv(*args, "--format", fmt, *extra, "--jobs", jobs, "-o", target)
        assert run.code in (0, 1), run.err
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 1000


def test_programmation_json_lists_what_it_listed_before(cdv) -> None:
    """Without the eligible lines (JSON), the set-aside ones and the dérogations are all there."""
    doc = cdv("programmation", "data/dossiers", "--exercice", "2025", "--format", "json", "--jobs", "2").json()
    resume = doc["dossiers"]
    assert len(doc["ecartes"]) == resume["ineligible"] + resume["invalide"] > 0
    assert len(doc["derogations"]) == resume.get("par-derogation", 0)


def test_regles_diff_is_byte_identical_with_any_jobs(cdv, rules_copy: Path) -> None:
    regles_yaml = rules_copy / "regles.yaml"
    text = regles_yaml.read_text(encoding="utf-8")
    assert text.count("minimum: {2024: 500}") == 1
    regles_yaml.write_text(text.replace("minimum: {2024: 500}", "minimum: {2024: 1500}"), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        run = cdv("regles", "diff", "rules", rules_copy, "data/dossiers", "--format", "json", "--jobs", jobs)
        assert run.code == 0, run.err
        outputs.append(run.out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["resume"]["verdicts_changes"] > 0


def _reachable(root: object) -> list[object]:
    """Every object reachable from ``root`` through references (the calculation's memory)."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return list(seen.values())


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("lignes_retenues", [True, False])
def test_the_calculation_keeps_no_dossier_and_no_report(regles, jobs: int, lignes_retenues: bool) -> None:
    files = discover([Path("data/dossiers")])
    index = construire((lire(p, regles) for p in files), set(), None).historique
    calcul = Calcul(regles, 2025, index.vue(2025), index, lignes_retenues=lignes_retenues)
    summarised = 0
    for report in check_reports(files, regles, 2025, jobs=jobs, dossiers=False, historique=index, resumer=fiche):
        assert report.dossier is None or jobs == 1  # a worker drops it: the fiche travels instead
        summarised += isinstance(report.sommaire, Fiche)
        calcul.add(report)
    assert summarised > 0
    held = _reachable(calcul)
    assert not [o for o in held if isinstance(o, Dossier | DossierReport | Fiche)]
    lines = [o for o in held if isinstance(o, LigneDossier)]
    assert len(lines) == len(calcul.lignes)  # no per-dossier object beyond the lines listed
    failed = [c for o in lines for c in o.echecs]
    assert failed and len({id(c) for c in failed}) == len(set(failed))  # each failed rule's constat kept once
    if not lignes_retenues:  # the set-aside lines as the JSON, text and CSV list them: no amounts
        aside = [o for o in lines if o.verdict != "eligible"]
        assert aside and all(o.demande is None and o.retenu is None and o.intitule is None for o in aside)
    prog = calcul.resultat()
    assert prog.engagements.dossiers  # the CPO dossiers were followed, from their fiches
    eligibles = [d for d in prog.dossiers if d.verdict == "eligible"]
    assert bool(eligibles) == lignes_retenues or any(d.derogation is not None for d in eligibles)
    assert len(prog.ecartes) == prog.resume.ineligible + prog.resume.invalide


def test_a_fiche_is_a_flat_tuple_without_dossier(regles) -> None:
    """The fiche crosses processes as a tuple of plain values (and a dossier's history record under a CPO)."""
    from cdv_prog.files.dossiers import check_file

    for path in sorted(Path("data/dossiers/2025").glob("*.yaml")):
        f = fiche(check_file(path, regles))
        if f is None:
            continue
        assert isinstance(f, tuple)
        assert not [o for o in _reachable(f) if isinstance(o, Dossier | DossierReport)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_set_aside_lines_keep_no_remedy_object_when_the_format_lists_them_only(regles, jobs: int) -> None:
    """The text report's « ce qu'il faudrait » is kept as its phrase; the failed rules without their remedies."""
    from cdv_prog.cli.programmation import _resumer
    from cdv_prog.core.remedes import Remede

    files = discover([Path("data/dossiers")])
    index = construire((lire(p, regles) for p in files), set(), None).historique
    calcul = Calcul(regles, 2025, index.vue(2025), index, lignes_retenues=False)
    reports = check_reports(
        files, regles, 2025, jobs=jobs, dossiers=False, historique=index, resumer=_resumer(regles, index)
    )
    with_remedies = 0
    for report in reports:
        with_remedies += any(c.remede is not None for c in report.echecs)
        calcul.add(report)
    assert with_remedies > 0  # the reports did carry remedies
    assert any(line.ce_qu_il_faudrait for line in calcul.lignes)
    assert not [o for o in _reachable(calcul.lignes) if isinstance(o, Remede)]
