"""Fuzzing the whole path: loader → models → engine → JSON, text and GitHub renderers.

Whatever the file holds, the batch answers with a verdict: ``eligible`` or
``ineligible`` with every rule's constat, or ``invalide`` with errors naming
field and line. Never an exception, and the JSON output always parses.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from cdv_fuzz import RULES, SETTINGS, mutated_dossiers, mutated_texts, to_yaml, valid_dossiers, yaml_lines
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from cdv_prog.core.report import DossierReport, Resume
from cdv_prog.files.dossiers import check_file, check_files
from cdv_prog.render import check_text as text
from cdv_prog.render import github
from cdv_prog.render.json_stream import dumps, write_stream

VERDICTS = {"eligible", "ineligible", "invalide"}
STATUTS = {"ok", "echec", "sans-objet"}


def _write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


def _render_everything(report: DossierReport) -> None:
    """Every renderer of ``cdv check`` accepts the report; the JSON parses back to the same data."""
    data = report.to_dict()
    assert json.loads(dumps(data)) == data
    console = Console(file=io.StringIO(), width=100, highlight=False)
    text.dossier(console, report)
    lines = list(github.dossier_commands(report, RULES))
    assert all(line.startswith("::") and "\n" not in line for line in lines)


def _check_invariants(report: DossierReport, source: str) -> None:
    assert report.verdict in VERDICTS
    if report.verdict == "invalide":
        assert report.erreurs and not report.constats
        n_lines = yaml_lines(source) + 1  # an error may point just past the end (a missing value)
        for err in report.erreurs:
            assert isinstance(err.champ, str)
            assert err.ligne is None or 1 <= err.ligne <= n_lines, (err, n_lines)
            assert isinstance(err.message, str) and err.message.strip()
            assert "Traceback" not in err.message
    else:
        assert not report.erreurs
        assert [c.regle for c in report.constats] == list(RULES.regles)
        assert {c.statut for c in report.constats} <= STATUTS
        blocking = any(c.statut == "echec" and c.gravite == "bloquant" for c in report.constats)
        assert report.verdict == ("ineligible" if blocking else "eligible")
    _render_everything(report)


@SETTINGS
@given(data=valid_dossiers())
def test_valid_dossiers_always_get_a_verdict(tmp_path: Path, data: dict) -> None:
    """Dossiers built within the models' constraints are never invalide."""
    source = to_yaml(data)
    report = check_file(_write(tmp_path, "valide.yaml", source), RULES)
    assert report.verdict in ("eligible", "ineligible"), [e.to_dict() for e in report.erreurs]
    assert report.id == data["id"] and report.exercice == data["exercice"]
    _check_invariants(report, source)


@SETTINGS
@given(data=mutated_dossiers())
def test_mutated_dossiers_never_crash(tmp_path: Path, data: dict) -> None:
    source = to_yaml(data)
    report = check_file(_write(tmp_path, "mutant.yaml", source), RULES)
    _check_invariants(report, source)


@SETTINGS
@given(source=mutated_texts())
def test_broken_yaml_text_never_crashes(tmp_path: Path, source: str) -> None:
    report = check_file(_write(tmp_path, "casse.yaml", source), RULES)
    _check_invariants(report, source)


@SETTINGS
@given(
    sources=st.lists(
        st.one_of(mutated_dossiers().map(to_yaml), mutated_texts(), valid_dossiers().map(to_yaml)),
        min_size=1,
        max_size=6,
    )
)
def test_a_batch_of_mutants_streams_parseable_json(tmp_path: Path, sources: list[str]) -> None:
    folder = tmp_path / "lot"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    files = [_write(folder, f"d{i:02d}.yaml", s) for i, s in enumerate(sources)]
    resume = Resume()
    out = io.StringIO()

    def items():
        for report in check_files(files, RULES):
            resume.add(report)
            yield report.to_dict()

    write_stream(out, "dossiers", items(), lambda: {"resume": resume.to_dict()})
    payload = json.loads(out.getvalue())
    assert payload["resume"]["total"] == len(files) == len(payload["dossiers"])
    assert [d["fichier"] for d in payload["dossiers"]] == [str(f) for f in files]
    assert resume.exit_code in (0, 1)
