"""Fixtures of the lettre de cadrage workflow tests (``cdv regles …``, ``cdv schema``, ``--format github``).

``cdv`` runs the real command line in-process (the same ``main()`` as the console
script: French usage errors, exit codes), which keeps these many CLI tests fast;
a few tests also go through a subprocess with the generic ``run_cdv`` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
EXAMPLES = REPO / "data" / "dossiers"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@pytest.fixture
def cdv(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``cdv("regles", "verifier", path, cwd=…)``: exit code, stdout, stderr of the real CLI, in-process."""
    from cdv_prog.cli.app import main

    def run(*args: str | Path, cwd: Path | None = None) -> Run:
        monkeypatch.chdir(cwd or REPO)
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        return Run(code, captured.out, captured.err)

    return run


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must occur) by ``new`` in a text file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} absent de {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, pattern: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` matching the regex ``pattern``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number >= start and re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} introuvable dans {path}")


@pytest.fixture(name="edit")
def _edit_fixture() -> Callable[..., None]:
    return edit


@pytest.fixture(name="line_of")
def _line_of_fixture() -> Callable[..., int]:
    return line_of
