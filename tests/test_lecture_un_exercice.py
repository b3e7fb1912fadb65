"""The quick look before a batch (issue 17): a batch of one exercice, with no ``--historique``, is looked at once.

Each file's ``exercice:`` line is looked at once (:func:`cdv_prog.files.historique.groupes_par_exercice`).
One exercice and nothing given as history: no file can be history for another, so nothing more is
done — no second pass over the batch (:func:`cdv_prog.files.historique.a_lire`), no set of its paths.
Two exercices in path order are read exercice after exercice; ``--historique`` or ``--exercice`` still
take the general way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdv_prog.cli.common import load_ruleset
from cdv_prog.cli.historique import lire_historique
from cdv_prog.files import historique as module_historique
from cdv_prog.files.dossiers import discover

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "dossiers"


def _lot(tmp_path: Path, *annees: str) -> Path:
    lot = tmp_path / "lot"
    for annee in annees:
        shutil.copytree(EXAMPLES / annee, lot / annee)
    return lot


@pytest.fixture
def compte(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times the general way (a_lire) and the quick look of one file run."""
    vus = {"a_lire": 0, "annonce": 0}
    a_lire, annonce = module_historique.a_lire, module_historique.exercice_annonce

    def a_lire_compte(*args, **kwargs):  # type: ignore[no-untyped-def]
        vus["a_lire"] += 1
        return a_lire(*args, **kwargs)

    def annonce_compte(*args, **kwargs):  # type: ignore[no-untyped-def]
        vus["annonce"] += 1
        return annonce(*args, **kwargs)

    monkeypatch.setattr(module_historique, "a_lire", a_lire_compte)
    monkeypatch.setattr(module_historique, "exercice_annonce", annonce_compte)
    return vus


def test_one_exercice_is_looked_at_once_and_nothing_else(tmp_path: Path, compte: dict[str, int]) -> None:
    files = discover([_lot(tmp_path, "2025")])
    lecture, seuls = lire_historique(files, None, load_ruleset(None), None, 1, en_un_passage=True, garder_lus=True)
    assert compte == {"a_lire": 0, "annonce": len(files)}
    assert not lecture.historique.dossiers and lecture.groupes is None and seuls == []
    assert lecture.deja_lus is not None and all(lecture.deja_lus.prendre(str(p)) is not None for p in files)


def test_two_exercices_are_read_one_after_the_other(tmp_path: Path, compte: dict[str, int]) -> None:
    files = discover([_lot(tmp_path, "2024", "2025")])
    lecture, _ = lire_historique(files, None, load_ruleset(None), None, 1, en_un_passage=True)
    assert compte == {"a_lire": 0, "annonce": len(files)}
    assert lecture.groupes is not None and len(lecture.groupes) == 2


@pytest.mark.parametrize("avec", ["historique", "exercice", "cache"])
def test_the_general_way_otherwise(tmp_path: Path, compte: dict[str, int], avec: str) -> None:
    lot = _lot(tmp_path, "2025")
    files = discover([lot])
    historique = [EXAMPLES / "2024"] if avec == "historique" else None
    exercice = 2025 if avec == "exercice" else None
    lecture, seuls = lire_historique(files, historique, load_ruleset(None), exercice, 1, en_un_passage=avec != "cache")
    assert compte["a_lire"] == 1
    if avec == "historique":  # the 2024 files are read as history: the 2025 ones find their CPO's past
        assert seuls and lecture.historique.dossiers
    else:
        assert seuls == [] and not lecture.historique.dossiers
