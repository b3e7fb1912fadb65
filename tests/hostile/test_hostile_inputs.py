"""Hostile input: every case of the catalogue gets a clear French answer, the batch goes on.

In process (fast, precise: field and line of the error) for each case, then
the whole catalogue in one tree through the real command in a subprocess with
a timeout (no hang, no traceback, exit code 1, input files untouched): the
catalogue holds a named pipe and /dev/zero, and only a separate process can be
stopped if reading them ever hangs. A pipe named on the command line is
checked the same way; the other direct cases run in-process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hostile_catalogue import CASES, Case, Expect, build_tree, french_enough, good_text, run_cli, snapshot

from cdv_prog.core.report import DossierReport
from cdv_prog.files import loader
from cdv_prog.files.dossiers import check_files, discover


def _value(report: DossierReport, dotted: str) -> Any:
    obj: Any = report.dossier
    for part in dotted.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part.replace("-", "_"))
    return obj


def _check_report(rel: str, report: DossierReport, expect: Expect) -> None:
    assert report.verdict == expect.verdict, (rel, report.verdict, [e.to_dict() for e in report.erreurs])
    if expect.verdict == "invalide":
        assert report.erreurs, rel
        assert not report.constats, rel  # no rule is run on an invalid file
        for err in report.erreurs:
            assert french_enough(err.message), (rel, err.message)
            assert len(err.message) < 500, (rel, len(err.message))  # a hostile value is never echoed whole
        first = report.erreurs[0]
        if expect.champ is not None:
            assert first.champ == expect.champ, (rel, [e.to_dict() for e in report.erreurs])
        if expect.ligne is not None:
            assert first.ligne == expect.ligne, (rel, [e.to_dict() for e in report.erreurs])
    else:
        assert not report.erreurs, rel
        assert report.constats
    if expect.value is not None:
        field, wanted = expect.value
        assert str(_value(report, field)) == wanted, rel


def test_case_in_process(case: Case, tmp_path: Path, regles) -> None:
    """The case alone in a folder: the expected verdict, field and line, in French."""
    root = tmp_path / "lot"
    expected = build_tree(root, [case])
    before = snapshot(root)
    reports = {str(Path(r.fichier).relative_to(root)): r for r in check_files(discover([root]), regles)}
    assert set(reports) == set(expected), "every entry found, nothing else"
    for rel, expect in expected.items():
        _check_report(rel, reports[rel], expect)
    assert snapshot(root) == before, "input files must never change"


def test_unreadable_file_monkeypatched(tmp_path: Path, regles, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the user may not read (root reads everything: the refusal is simulated at open)."""
    path = tmp_path / "secret.yaml"
    path.write_text(good_text("CDV-SECRET"), encoding="utf-8")
    real_open = os.open

    def refusing_open(file, flags, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(loader.os, "open", refusing_open)
    (report,) = check_files([path], regles)
    assert report.verdict == "invalide"
    assert report.erreurs[0].champ == "" and report.erreurs[0].ligne is None
    assert "permission" in report.erreurs[0].message and french_enough(report.erreurs[0].message)


def test_alias_bomb_is_cheap(tmp_path: Path, regles) -> None:
    """The billion laughs are refused from the node tree: nothing is expanded, errors are bounded."""
    path = tmp_path / "bombe.yaml"
    path.write_text("x: &x [1, 2]\n" + "".join(f"k{i}: [*x, *x, *x, *x]\n" for i in range(20_000)), encoding="utf-8")
    (report,) = check_files([path], regles)
    assert report.verdict == "invalide"
    assert 1 <= len(report.erreurs) <= loader.MAX_ERRORS


def test_nothing_is_executed(tmp_path: Path, regles, monkeypatch: pytest.MonkeyPatch) -> None:
    """``!!python/object/apply:os.system`` is refused, never run."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "python.yaml"
    path.write_text('!!python/object/apply:os.system ["touch cdv-pwned"]\n', encoding="utf-8")
    (report,) = check_files([path], regles)
    assert report.verdict == "invalide"
    assert not (tmp_path / "cdv-pwned").exists()


@pytest.fixture(scope="module")
def catalogue_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    root = tmp_path_factory.mktemp("hostile") / "lot"
    cases = [c for c in CASES if not c.needs()]
    return root, build_tree(root, cases)


def _by_file(payload: dict[str, Any], root: Path) -> dict[str, dict[str, Any]]:
    return {str(Path(d["fichier"]).relative_to(root)): d for d in payload["dossiers"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_whole_catalogue_through_the_command(catalogue_tree: tuple[Path, dict[str, Expect]], jobs: str) -> None:
    """One batch holding every hostile case: no hang, no traceback, exit 1, every file answered."""
    root, expected = catalogue_tree
    before = snapshot(root)
    proc = run_cli("check", root, "--format", "json", "--jobs", jobs, cwd=root.parent, timeout=120)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 1, stderr
    payload = json.loads(proc.stdout.decode("utf-8"))
    found = _by_file(payload, root)
    assert list(found) == sorted(found, key=lambda rel: Path(rel).parts), "path order"
    assert set(found) == set(expected)
    for rel, expect in expected.items():
        entry = found[rel]
        assert entry["verdict"] == expect.verdict, (rel, entry["erreurs"])
        if expect.verdict == "invalide":
            assert entry["erreurs"] and all(french_enough(e["message"]) for e in entry["erreurs"]), (
                rel,
                entry["erreurs"],
            )
            if expect.champ is not None:
                assert entry["erreurs"][0]["champ"] == expect.champ, rel
            if expect.ligne is not None:
                assert entry["erreurs"][0]["ligne"] == expect.ligne, rel
    assert payload["resume"]["total"] == len(expected)
    assert payload["resume"]["invalide"] == sum(e.verdict == "invalide" for e in expected.values())
    assert snapshot(root) == before, "input files must never change"
    assert not (root.parent / "cdv-pwned").exists()


def test_catalogue_parallel_output_is_identical(catalogue_tree: tuple[Path, dict[str, Expect]]) -> None:
    root, _ = catalogue_tree
    one = run_cli("check", root, "--format", "json", "--jobs", "1", cwd=root.parent)
    two = run_cli("check", root, "--format", "json", "--jobs", "2", cwd=root.parent)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout


def test_whole_catalogue_text_output(catalogue_tree: tuple[Path, dict[str, Expect]]) -> None:
    """The text report too: every file named, no traceback, no raw control character printed."""
    root, expected = catalogue_tree
    proc = run_cli("check", root, cwd=root.parent, timeout=120)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr.decode("utf-8", "replace")
    for rel in expected:
        assert str(root / rel) in out, rel
    assert "\x07" not in out and "\x00" not in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pas de tubes nommés sur ce système")
def test_fifo_given_directly_does_not_hang(tmp_path: Path) -> None:
    """A pipe named on the command line (nobody writes to it) is refused without being opened."""
    fifo = tmp_path / "tube.yaml"
    os.mkfifo(fifo)
    proc = run_cli("check", fifo, "--format", "json", cwd=tmp_path, timeout=30)
    assert proc.returncode == 1
    (entry,) = json.loads(proc.stdout)["dossiers"]
    assert entry["verdict"] == "invalide" and french_enough(entry["erreurs"][0]["message"])


def test_symlink_loop_given_directly(tmp_path: Path, cdv) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    run = cdv("check", tmp_path / "a.yaml", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    (entry,) = run.json()["dossiers"]
    assert entry["verdict"] == "invalide" and french_enough(entry["erreurs"][0]["message"])
