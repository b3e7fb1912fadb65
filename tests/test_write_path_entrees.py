"""The write path finds the input a target would write over with one ``lstat`` per input (issue 17).

Compared with the former way (every input resolved with ``realpath``, then ``samefile`` when the
target exists) on every pairing of a small world of files, links (symbolic, physical, broken, through
a linked folder) and missing paths: the same input refused, or none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cdv_prog.files.dossiers import Chemins
from cdv_prog.files.output import OutputRefused, check_output


def _former(target: Path, inputs: list[Path]) -> str | None:
    real = Path(os.path.realpath(target))
    exists = os.path.lexists(target)
    for path in inputs:
        same = False
        if exists:
            try:
                same = os.path.samefile(path, target)
            except OSError:
                same = False
        if Path(os.path.realpath(path)) == real or same:
            return str(path)
    return None


def _now(target: Path, inputs: list[Path] | Chemins) -> str | None:
    try:
        check_output(target, inputs, yaml_ok=True)
    except OutputRefused as exc:
        message = str(exc)
        assert "refus de l'écraser" in message, message
        return message.split("(", 1)[1].rsplit(")", 1)[0]
    return None


@pytest.fixture
def monde(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_text("a", encoding="utf-8")
    (d / "b.yaml").write_text("b", encoding="utf-8")
    os.link(d / "a.yaml", d / "physique-a.yaml")
    (d / "lien-a.yaml").symlink_to(d / "a.yaml")
    (d / "lien-relatif-a.yaml").symlink_to("a.yaml")
    (d / "casse.yaml").symlink_to(d / "absent.yaml")  # a broken link to where a report may go
    (tmp_path / "lien-d").symlink_to(d, target_is_directory=True)
    noms = {
        "a": d / "a.yaml",
        "b": d / "b.yaml",
        "physique-a": d / "physique-a.yaml",
        "lien-a": d / "lien-a.yaml",
        "lien-relatif-a": d / "lien-relatif-a.yaml",
        "casse": d / "casse.yaml",
        "absent": d / "absent.yaml",
        "a-par-lien-d": tmp_path / "lien-d" / "a.yaml",
        "a-detourne": d / ".." / "d" / "a.yaml",
        "nouveau": d / "nouveau.json",
        "nouveau-par-lien-d": tmp_path / "lien-d" / "nouveau.json",
    }
    return noms


def test_same_answer_as_resolving_every_input(monde: dict[str, Path]) -> None:
    noms = sorted(monde)
    compared = refused = 0
    for cible in noms:
        for entree in noms:
            for autre in noms:
                inputs = [monde[autre], monde[entree]] if autre != entree else [monde[entree]]
                expected = _former(monde[cible], inputs)
                assert _now(monde[cible], inputs) == expected, (cible, entree, autre)
                assert _now(monde[cible], Chemins(str(p) for p in inputs)) == expected, (cible, entree, autre)
                compared += 1
                refused += expected is not None
    assert compared == len(noms) ** 3
    assert 0 < refused < compared  # both answers occur


@pytest.mark.parametrize(
    ("cible", "entree"),
    [
        ("a", "a"),  # the name itself
        ("a", "lien-a"),  # an input that is a link to the target
        ("lien-a", "a"),  # a target that is a link to an input
        ("physique-a", "a"),  # a hard link
        ("a-par-lien-d", "a"),  # through a linked folder
        ("a-detourne", "a"),
        ("absent", "casse"),  # a broken link input pointing where the report would go
    ],
)
def test_each_way_of_being_an_input_is_refused(monde: dict[str, Path], cible: str, entree: str) -> None:
    assert _now(monde[cible], [monde["b"], monde[entree]]) == str(monde[entree])


@pytest.mark.parametrize(("cible", "entree"), [("b", "a"), ("nouveau", "a"), ("nouveau-par-lien-d", "lien-a")])
def test_another_file_is_not_refused(monde: dict[str, Path], cible: str, entree: str) -> None:
    assert _now(monde[cible], [monde[entree]]) is None
