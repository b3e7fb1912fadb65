"""A big programmation keeps its lines on disk (``files/spill.py``): the same reports, memory bounded.

``cdv programmation`` in HTML, xlsx or SCDL lists every dossier after the sections that need the whole
batch; beyond :data:`~cdv_prog.files.spill.EN_MEMOIRE` lines, the lines go to a temporary file and are
read back at each pass. Here the threshold is lowered so that the examples spill.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdv_prog.files import spill
from cdv_prog.files.spill import SpillList


@given(st.lists(st.integers()), st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=4))
def test_a_spilled_list_gives_its_items_back_in_order(items: list[int], en_memoire: int, bloc: int) -> None:
    lst: SpillList[int] = SpillList(en_memoire, bloc)
    for i in items:
        lst.append(i)
    assert list(lst) == items and list(lst) == items  # every pass, the same order
    assert len(lst) == len(items) and bool(lst) == bool(items)
    assert lst.sur_disque == max(0, (len(items) - en_memoire) // bloc * bloc)
    lst.close()


@pytest.mark.parametrize(("n", "sur_disque"), [(5, 0), (6, 0), (7, 2), (8, 2), (9, 4)])
def test_the_threshold_on_both_sides(n: int, sur_disque: int) -> None:
    lst: SpillList[str] = SpillList(en_memoire=5, bloc=2)
    for i in range(n):
        lst.append(f"ligne {i}")
    assert lst.sur_disque == sur_disque
    assert list(lst) == [f"ligne {i}" for i in range(n)]


def test_two_passes_at_once_and_appends_between_them() -> None:
    lst: SpillList[int] = SpillList(en_memoire=2, bloc=3)
    for i in range(20):
        lst.append(i)
    a, b = iter(lst), iter(lst)
    pairs = [(next(a), next(b)) for _ in range(20)]
    assert pairs == [(i, i) for i in range(20)]
    lst.append(20)
    assert list(lst) == list(range(21))


def test_a_disk_that_refuses_keeps_the_items_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    lst: SpillList[int] = SpillList(en_memoire=2, bloc=2)
    for i in range(6):
        lst.append(i)
    assert lst.sur_disque == 4

    def plein(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", plein)
    refuse: SpillList[int] = SpillList(en_memoire=2, bloc=2)
    for i in range(9):
        refuse.append(i)
    assert refuse.sur_disque == 0 and list(refuse) == list(range(9))
    monkeypatch.undo()
    assert list(lst) == list(range(6))


def test_the_temporary_file_has_no_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is left behind: the file is anonymous (removed by the system when closed, or at a crash)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    lst: SpillList[int] = SpillList(en_memoire=0, bloc=1)
    for i in range(3):
        lst.append(i)
    assert lst.sur_disque == 3 and list(lst) == [0, 1, 2]
    assert os.listdir(tmp_path) == []
    lst.close()
    assert list(tmp_path.iterdir()) == []


FORMATS = [("html", ()), ("xlsx", ()), ("scdl", ("--attribuant", "agglo")), ("text", ()), ("json", ())]


@pytest.mark.parametrize(("fmt", "extra"), FORMATS, ids=[f for f, _ in FORMATS])
def test_a_programmation_whose_lines_spill_is_the_same(
    cdv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, extra: tuple[str, ...]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the HTML's date of generation
    args = ("programmation", "data/dossiers", "tests/fixtures/invalid", "--exercice", "2025", "--format", fmt)
    outputs = []
    vus: list[int] = []
    vrai = SpillList.append

    def compte(self: SpillList[object], item: object) -> None:
        vrai(self, item)
        vus.append(self.sur_disque)

    monkeypatch.setattr(SpillList, "append", compte)
    for en_memoire in (spill.EN_MEMOIRE, 3):
        monkeypatch.setattr(spill, "EN_MEMOIRE", en_memoire)
        monkeypatch.setattr(spill, "BLOC", 2)
        target = tmp_path / f"sortie-{en_memoire}"
        run = cdv(*args, *extra, "--jobs", "1", "-o", target)
        assert run.code in (0, 1), run.err
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 500
    assert max(vus) > 0  # the lines did go to disk in the second run
