"""One read of each file (issue 17): the bytes the quick look read are the ones checked.

``cdv check`` looks at each file's ``exercice:`` line first (files/historique.exercice_annonce), which
reads a usual dossier in full. It keeps those bytes (files/loader.DejaLus, bounded) and the check takes
them instead of reading the file again — with ``--jobs 1``, with ``--jobs 2`` (the worker has its copy,
made by the fork), with the cache or without it. Beyond the budget, files are read again, as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.files import loader
from cdv_prog.files.historique import exercice_annonce
from cdv_prog.files.loader import DejaLus
from cdv_prog.files.parallel import can_fork


def test_kept_up_to_the_budget_and_not_one_byte_more() -> None:
    lus = DejaLus(budget=10)
    lus.garder("a", b"12345")
    lus.garder("b", b"12345")  # exactly the budget: kept
    lus.garder("c", b"1")  # one byte over: not kept
    assert (len(lus), lus.octets) == (2, 10)
    assert lus.prendre("c") is None


def test_each_entry_is_given_once_and_frees_its_bytes() -> None:
    lus = DejaLus(budget=10)
    lus.garder("a", b"12345")
    assert lus.prendre(Path("a")) == b"12345"  # a Path or its text: the same entry
    assert lus.prendre("a") is None
    assert lus.octets == 0
    lus.garder("b", b"1234567890")  # the budget freed is usable again
    lus.oublier(["b", "absent"])
    assert (len(lus), lus.octets) == (0, 0)


def test_the_same_path_kept_twice_counts_once() -> None:
    lus = DejaLus(budget=10)
    lus.garder("a", b"12345")
    lus.garder("a", b"12345")
    assert lus.octets == 5


def test_the_quick_look_keeps_a_file_it_read_in_full_only(tmp_path: Path) -> None:
    court = tmp_path / "court.yaml"
    court.write_bytes(b"id: X\nexercice: 2025\n")
    long = tmp_path / "long.yaml"  # longer than the look: its head only was read
    long.write_bytes(b"exercice: 2025\n" + b"# " + b"x" * (1 << 16) + b"\n")
    lus = DejaLus()
    assert exercice_annonce(court, None, lus) == 2025
    assert exercice_annonce(long, None, lus) == 2025
    assert lus.prendre(court) == court.read_bytes()
    assert lus.prendre(long) is None


def _lot(tmp_path: Path, base_dossier: dict[str, Any], to_yaml: Any, n: int) -> Path:
    folder = tmp_path / "lot"
    folder.mkdir()
    for i in range(n):
        data = dict(base_dossier, id=f"CDV-2025-{i:04d}")
        (folder / f"d-{i:04d}.yaml").write_text(to_yaml(data), encoding="utf-8")
    return folder


def _ouvertures(monkeypatch: pytest.MonkeyPatch, folder: Path, refuser: bool) -> dict[str, int]:
    """How many times each file of ``folder`` is opened (``os.open``: the look and the readers use it).

    ``refuser``: a second opening fails as a refused permission would — a worker that read a file again
    (it inherits the patch through the fork) would report it « fichier illisible »: the output differs.
    """
    vus: dict[str, int] = {}
    ouvrir = os.open

    def compte(path: Any, *args: Any, **kwargs: Any) -> int:
        texte = os.fspath(path)
        if isinstance(texte, str) and texte.startswith(str(folder)):
            vus[texte] = vus.get(texte, 0) + 1
            if refuser and vus[texte] > 1:
                raise PermissionError(13, "lu une seconde fois", texte)
        return ouvrir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", compte)
    return vus


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("cache", [False, True])
def test_a_batch_opens_each_file_once_and_writes_what_it_wrote_before(
    cdv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_dossier, to_yaml, cache: bool, jobs: int
) -> None:
    if jobs > 1 and not can_fork():
        pytest.skip("the --jobs batch forks its workers (Linux)")
    folder = _lot(tmp_path, base_dossier, to_yaml, 240)
    sans = [] if cache else ["--sans-cache"]
    attendu = cdv("check", str(folder), "--format", "json", "--jobs", "1", "--sans-cache")
    # refused on a second opening: a file read again, even by a worker (the patch is inherited by the fork),
    # would be reported « fichier illisible »
    vus = _ouvertures(monkeypatch, folder, refuser=True)
    result = cdv("check", str(folder), "--format", "json", "--jobs", str(jobs), *sans)
    assert (result.code, result.err) == (attendu.code, attendu.err)  # 1: the 240 dossiers exceed an enveloppe
    assert result.out == attendu.out
    assert sorted(vus.values()) == [1] * 240  # each opened once, by the quick look


def test_one_file_is_opened_once(cdv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_dossier, to_yaml) -> None:
    folder = _lot(tmp_path, base_dossier, to_yaml, 1)
    vus = _ouvertures(monkeypatch, folder, refuser=False)
    assert cdv("check", str(folder / "d-0000.yaml")).code == 0
    assert list(vus.values()) == [1]


def test_beyond_the_budget_files_are_read_again_and_the_output_is_the_same(
    cdv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_dossier, to_yaml
) -> None:
    folder = _lot(tmp_path, base_dossier, to_yaml, 12)
    args = ("check", str(folder), "--format", "json", "--jobs", "1", "--sans-cache")
    avec = cdv(*args).out
    taille = (folder / "d-0000.yaml").stat().st_size
    monkeypatch.setattr(loader, "DEJA_LUS_OCTETS", 5 * taille)  # room for five files of the twelve
    vus = _ouvertures(monkeypatch, folder, refuser=False)
    assert cdv(*args).out == avec
    assert sorted(vus.values()) == [1] * 5 + [2] * 7
