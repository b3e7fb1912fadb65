"""``cdv check --format text`` off a terminal: the text written without rich is the text rich writes.

:func:`cdv_prog.render.check_text.dossier_text` and ``summary_text`` stand for rich's
console when it would write no colour and no terminal code; on any report — fuzzed
dossiers, invalid ones, hostile ids and file names, remedies — they give the very
characters of :func:`~cdv_prog.render.check_text.dossier` through rich, and the
encodeur's key (which the cache keeps) is rich's.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdv_fuzz import RULES, SETTINGS, mutated_dossiers, mutated_texts, to_yaml, valid_dossiers
from hypothesis import given
from hypothesis import strategies as st

from cdv_prog.core.remedier import ajouter_remedes
from cdv_prog.core.report import DossierReport, Resume, WalkError
from cdv_prog.files.dossiers import check_file
from cdv_prog.programmation.totaux import TotauxParExercice
from cdv_prog.render import check_text
from cdv_prog.render.registry import CheckRun, Sortie
from cdv_prog.render.rich_text import markup, plain


def _with_rich(report: DossierReport) -> str:
    buffer = io.StringIO()
    check_text.dossier(check_text.console_on(buffer, Sortie()), report, RULES)
    return buffer.getvalue()


def _same_text(report: DossierReport) -> None:
    text, with_rich = check_text.dossier_text(report, RULES), _with_rich(report)
    assert text == with_rich or (text is None and "\\" in with_rich)  # None: rich writes it (its markup)


def _write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


@SETTINGS
@given(data=valid_dossiers())
def test_valid_dossiers_and_their_remedies(tmp_path: Path, data: dict) -> None:
    report = check_file(_write(tmp_path, "valide.yaml", to_yaml(data)), RULES)
    _same_text(report)
    for remedied in ajouter_remedes([report], RULES, None):
        _same_text(remedied)


@SETTINGS
@given(data=mutated_dossiers())
def test_mutated_dossiers(tmp_path: Path, data: dict) -> None:
    _same_text(check_file(_write(tmp_path, "mutant.yaml", to_yaml(data)), RULES))


@SETTINGS
@given(source=mutated_texts())
def test_broken_yaml(tmp_path: Path, source: str) -> None:
    _same_text(check_file(_write(tmp_path, "casse.yaml", source), RULES))


# any character, markup and emoji codes among them: what rich would read as markup, emoji or controls
wild = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["[bold]x[/]", "a:b:c", ":smile:", "x\\", "[/]", "\t\x1b[2J", "\u202e", "漢字", "e\u0301", "\r\n"]
)


@SETTINGS
@given(value=st.text("\\[]ab/@# ", max_size=12) | wild)
def test_a_value_through_markup_is_shown_as_rich_shows_it(value: str) -> None:
    buffer = io.StringIO()
    check_text.console_on(buffer, Sortie()).print(f"⚠ {markup(value)}", style="red", highlight=False, soft_wrap=True)
    try:
        shown = check_text._lines([f"⚠ {check_text._as_markup(value)}"])
    except check_text._RichOnly:  # a backslash (a control character written out has one): rich writes it
        assert "\\" in plain(value)
        return
    assert shown in (buffer.getvalue(), None)


@SETTINGS
@given(ident=wild, name=wild, intitule=wild)
def test_hostile_ids_and_file_names(tmp_path: Path, ident: str, name: str, intitule: str) -> None:
    base = {
        "id": ident,
        "exercice": 2025,
        "intitule": intitule,
        "porteur": {"nom": "Association", "type": "association"},
    }
    safe = "".join(c if c not in "/\x00" else "_" for c in name)[:40] + ".yaml"
    _same_text(check_file(_write(tmp_path, safe, to_yaml(base)), RULES))


@SETTINGS
@given(
    counts=st.lists(st.sampled_from(["eligible", "ineligible", "invalide"]), max_size=4),
    detail=st.sampled_from(["tout", "problemes", "resume"]),
    unread=st.lists(st.tuples(wild, wild), max_size=2),
)
def test_summary(counts: list[str], detail: str, unread: list[tuple[str, str]]) -> None:
    non_lus = [WalkError(chemin, message) for chemin, message in unread]
    run = CheckRun(RULES, Resume(), TotauxParExercice(RULES), Sortie(), [], non_lus, detail)
    for i, verdict in enumerate(counts):
        run.resume.add(DossierReport(id=f"CDV-{i}", fichier=f"d{i}.yaml", verdict=verdict))
    buffer = io.StringIO()
    check_text.summary(check_text.console_on(buffer, Sortie()), run)
    assert check_text.summary_text(run) in (buffer.getvalue(), None)
    if not any("\\" in plain(str(e)) for e in non_lus):
        assert check_text.summary_text(run) is not None


@pytest.mark.parametrize("columns", [None, "100", "7", "abc", ""])
def test_the_key_is_riches(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    """The encodeur's key (kept by the cache) is the one rich's console gives, however wide the terminal."""
    for var in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "LINES"):
        monkeypatch.delenv(var, raising=False)
    if columns is not None:
        monkeypatch.setenv("COLUMNS", columns)
    run = CheckRun(RULES, Resume(), TotauxParExercice(RULES), Sortie(), [], [], "tout")
    assert check_text.plain_output(run.sortie)
    plain_key = check_text.encodeur(run).cle
    monkeypatch.setenv("FORCE_COLOR", "")  # rich then writes, with no colour all the same
    assert not check_text.plain_output(run.sortie)
    assert check_text.encodeur(run).cle == plain_key


@pytest.mark.parametrize("extra", [[], ["--remedes"], ["--problemes-seulement"], ["-q"]])
def test_whole_batches_write_the_same_bytes(
    cdv: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    write_yaml: Callable[..., Path],
    make_dossier: Callable[..., dict[str, Any]],
    extra: list[str],
) -> None:
    folder = tmp_path / "lot"
    write_yaml(make_dossier(intitule="[red]x\x1b[2J :smile: a:b:c"), "a.yaml", folder)
    write_yaml(make_dossier({"\x1b[2Jcle": 1}, id="CDV-TEST-002"), "[red]b[old]\x1b.yaml", folder)
    write_yaml({"id": "CDV-TEST-003", "exercice": 2025}, os.fsdecode(b"c\xfe.yaml"), folder)
    write_yaml(make_dossier(financements=[{"financeur": "etat", "montant": 10}], id="CDV-4"), "d.yaml", folder)
    plain = cdv("check", folder, "--sans-cache", *extra)
    monkeypatch.setenv("FORCE_COLOR", "")
    with_rich = cdv("check", folder, "--sans-cache", *extra)
    assert plain == with_rich and plain.code == 1 and plain.out


def test_sortie_and_check_run_compare_by_value() -> None:
    """Plain classes now (no dataclass compiled at each start): equal by their fields, shown by them."""
    assert Sortie() == Sortie(False, None) != Sortie(terminal=True, largeur=80)
    assert repr(Sortie(True, 80)) == "Sortie(terminal=True, largeur=80)"
    resume, totaux = Resume(), TotauxParExercice(RULES)
    run = CheckRun(RULES, resume, totaux, Sortie(), [])
    assert run.non_lus == [] and run.detail == "tout" and run.exit_code == 0
    assert run == CheckRun(RULES, resume, totaux, Sortie(), [], [], "tout")
    assert run != CheckRun(RULES, resume, totaux, Sortie(), [], [], "resume")
    assert CheckRun(RULES, resume, totaux, Sortie(), [], [WalkError("x", "y")]).exit_code == 1
    assert repr(run).startswith("CheckRun(regles=") and "detail='tout'" in repr(run)
