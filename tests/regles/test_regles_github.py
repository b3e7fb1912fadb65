"""``cdv check --format github``: one workflow command per finding, on the offending line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cdv_prog.render.github import annotation_path, command, escape_data, escape_property

REPO = Path(__file__).resolve().parents[2]
EX = "data/dossiers/2025"

COMMAND_RE = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND_RE.match(line)
    assert m, line
    props = dict(p.split("=", 1) for p in (m.group(2) or "").split(",") if p)
    return m.group(1), props, m.group(3)


def test_examples(cdv, line_of):
    run = cdv("check", "data/dossiers", "--format", "github")
    assert run.code == 1  # same exit code as the text format
    found = [parse(line) for line in run.lines]
    assert len(found) == len(run.lines) > 0
    by = {(p["file"], p["title"]): (level, int(p["line"]), msg) for level, p, msg in found}
    # bloquant échecs are errors, on the line of the field the rule is about
    f012 = REPO / EX / "CDV-2025-012.yaml"
    level, line, msg = by[(f"{EX}/CDV-2025-012.yaml", "plancher-financeur")]
    assert level == "error" and line == line_of(f012, r"^financements:")
    assert "Marcou Habitat : 450,00 € < plancher de 500,00 €" in msg
    # a failed rule under a dérogation of the COPIL (rules/derogations.yaml): a notice, not an error
    level, line, msg = by[(f"{EX}/CDV-2025-032.yaml", "caf-bilan-renouvellement")]
    assert (level, line) == ("notice", line_of(REPO / EX / "CDV-2025-032.yaml", r"envoye-le:"))
    assert "sans la dérogation « COPIL du 12/03/2025, relevé n°4 »" in msg
    assert by[(f"{EX}/CDV-2025-020.yaml", "budget-equilibre")][:2] == (
        "error",
        line_of(REPO / EX / "CDV-2025-020.yaml", r"^  total:"),
    )
    assert by[(f"{EX}/CDV-2025-016.yaml", "caf-exercice-unique")][:2] == (
        "error",
        line_of(REPO / EX / "CDV-2025-016.yaml", r"^  debut:"),
    )
    assert by[(f"{EX}/CDV-2025-028.yaml", "caf-pieces")][:2] == (
        "error",
        line_of(REPO / EX / "CDV-2025-028.yaml", r"^pieces:"),
    )
    # avertissement échecs are warnings
    assert by[(f"{EX}/CDV-2025-009.yaml", "quartier-prioritaire")][:2] == (
        "warning",
        line_of(REPO / EX / "CDV-2025-009.yaml", r"^  quartiers:"),
    )
    assert by[(f"{EX}/CDV-2025-018.yaml", "caf-parentalite-elan")][:2] == (
        "warning",
        line_of(REPO / EX / "CDV-2025-018.yaml", r"^elan:"),
    )
    # every failed rule of the text output has its annotation, nothing else
    errors = {(f, t) for (f, t), (lvl, _, _) in by.items() if lvl == "error"}
    # 6 ineligible dossiers, 025 fails two rules (036's cpo-cofinancement is a reserve in v2; 032 has a dérogation)
    assert len(errors) == 7
    assert not any(t == "bonus-innovation" for _, t in by)


def test_invalid_dossier_errors_point_at_their_line(cdv, tmp_path):
    shutil.copy(REPO / EX / "CDV-2025-001.yaml", tmp_path / "a.yaml")
    text = (tmp_path / "a.yaml").read_text(encoding="utf-8").replace("  - financeur: etat\n", "  - financeur: etta\n")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    run = cdv("check", tmp_path, "--format", "github")
    assert run.code == 1
    [(level, props, msg)] = [parse(line) for line in run.lines]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "etta" in t)
    assert level == "error" and props["line"] == str(line) and props["title"] == "dossier invalide"
    assert "financements[1].financeur" in msg and "etta" in msg


def test_only_eligible_dossiers_no_annotation(cdv, tmp_path):
    for n in ("001", "002", "003"):
        shutil.copy(REPO / EX / f"CDV-2025-{n}.yaml", tmp_path)
    run = cdv("check", tmp_path, "--format", "github")
    assert run.code == 0 and run.out == ""
    assert "3 dossier(s)" in run.err


def test_missing_field_points_at_the_top_of_the_file(cdv, tmp_path):
    """No ``elan`` key at all: the warning points at the dossier's first line, not nowhere."""
    shutil.copy(REPO / EX / "CDV-2025-034.yaml", tmp_path / "d.yaml")
    run = cdv("check", tmp_path, "--format", "github")
    [(level, props, _)] = [parse(line) for line in run.lines]
    assert level == "warning" and props["title"] == "caf-parentalite-elan" and props["line"] == "2"


def test_escaping():
    assert escape_data("50 % du budget\nligne 2\r") == "50 %25 du budget%0Aligne 2%0D"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert (
        command("warning", "x, y: z", "f,1.yaml", 3, "t:1") == "::warning file=f%2C1.yaml,line=3,title=t%3A1::x, y: z"
    )
    assert command("error", "m") == "::error::m"
    with pytest.raises(ValueError, match="fatal"):
        command("fatal", "m")


def test_annotation_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert annotation_path(str(tmp_path / "a" / "b.yaml")) == "a/b.yaml"
    assert annotation_path("/elsewhere/b.yaml") == "/elsewhere/b.yaml"
    assert annotation_path("rel/b.yaml") == "rel/b.yaml"


def test_one_file_given_by_its_relative_path(cdv):
    res = cdv("check", "data/dossiers/2025/CDV-2025-012.yaml", "--format", "github")
    assert res.code == 1
    assert res.out.startswith("::error file=data/dossiers/2025/CDV-2025-012.yaml,line=")
    assert "Traceback" not in res.err
