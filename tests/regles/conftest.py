"""Fixtures of the lettre de cadrage workflow tests (``cdv regles …``, ``cdv schema``, ``--format github``).

The command line itself runs in-process through the generic ``cdv`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
EXAMPLES = REPO / "data" / "dossiers"


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
