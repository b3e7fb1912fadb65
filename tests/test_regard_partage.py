"""The quick look shared with a forked helper (``files.historique.regarder``, issue 17).

With two processes or more and enough files, a helper looks at the last files while the parent looks
at the first: what comes back — each exercice, the bytes kept for the check, the digests for the
cache — is what looking at every file in the parent gives, in order, whatever happens to the helper.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cdv_prog.files import historique, workers
from cdv_prog.files.historique import LOOK_BYTES, regarder
from cdv_prog.files.loader import DejaLus
from cdv_prog.files.parallel import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="the helper is forked on Linux only")


def _meurt(travail: object) -> list[object]:
    os._exit(3)  # the helper dies mid-look


@pytest.fixture
def lot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Thirty files of every kind the look meets, the threshold lowered so that a helper is used."""
    monkeypatch.setattr(historique, "REGARD_PARTAGE_MIN", 10)
    out = []
    for i in range(30):
        path = tmp_path / f"d{i:02d}.yaml"
        kind = i % 6
        if kind == 0:
            path.write_text(f"id: CDV-{i}\nexercice: {2020 + i % 4}\n", encoding="utf-8")
        elif kind == 1:
            path.write_text(f"id: CDV-{i}\n", encoding="utf-8")  # no exercice: the look cannot tell
        elif kind == 2:
            path.write_text("exercice: 2024\nexercice: 2025\n", encoding="utf-8")  # twice: cannot tell
        elif kind == 3:
            path.write_bytes(b"exercice: 2025\n# " + b"x" * LOOK_BYTES + b"\n")  # longer than a look
        elif kind == 4:
            path.mkdir()  # not a regular file
        else:
            pass  # never written: missing
        out.append(str(path))
    return out


def _regarde(liste: list[str], jobs: int, budget: int | None = None) -> tuple[list, dict, dict]:
    deja_lus = DejaLus(budget)
    empreintes: dict[str, bytes] = {}
    annees = regarder(liste, empreintes, deja_lus, jobs)
    return annees, {t: deja_lus.voir(t) for t in liste}, empreintes


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    vus: list[int] = []
    real = workers.Workers.start

    def compte(self: workers.Workers) -> None:
        vus.append(self.jobs)
        real(self)

    monkeypatch.setattr(workers.Workers, "start", compte)
    return vus


def test_shared_look_gives_what_one_process_gives(lot: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seul = _regarde(lot, 1)
    forks = _forks(monkeypatch)
    partage = _regarde(lot, 2)
    assert forks == [1]  # one helper
    assert partage == seul
    annees = seul[0]
    assert annees[0] == 2020 and annees[1] is None and annees[2] is None and annees[4] is None
    assert annees[27] == 2025  # longer than a look, in the helper's part: read in full
    assert seul[1][lot[24]] is not None and seul[1][lot[27]] is None  # bytes kept only for a whole file
    assert lot[24] in seul[2] and lot[27] not in seul[2]


def test_the_budget_holds_with_a_helper(lot: list[str]) -> None:
    petit = len(Path(lot[0]).read_bytes()) * 3
    assert _regarde(lot, 2, petit) == _regarde(lot, 1, petit)


def test_few_files_are_looked_at_here(lot: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(historique, "REGARD_PARTAGE_MIN", 31)
    forks = _forks(monkeypatch)
    assert _regarde(lot, 2) == _regarde(lot, 1)
    assert forks == []


def test_no_fork_to_be_had(lot: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seul = _regarde(lot, 1)

    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    assert _regarde(lot, 2) == seul


def test_a_helper_that_dies_leaves_its_files_to_the_parent(lot: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seul = _regarde(lot, 1)
    monkeypatch.setattr(historique, "_regarder_morceau", _meurt)
    annees, lus, empreintes = _regarde(lot, 2)
    assert annees == seul[0]
    assert empreintes == seul[2]
    assert lus == seul[1]


def test_the_helper_is_reaped(lot: list[str]) -> None:
    _regarde(lot, 2)
    deadline = time.monotonic() + 30
    while workers._a_recolter and time.monotonic() < deadline:
        workers.recolter()
        time.sleep(0.01)
    assert not workers._a_recolter and not workers._vivants


@pytest.mark.parametrize("cache", [(), ("--sans-cache",)])
def test_a_batch_with_a_helper_writes_what_one_process_writes(cdv, monkeypatch, cache: tuple[str, ...]) -> None:
    """The examples (three exercices) with the look shared: the grouping, and with the cache the digests."""
    monkeypatch.setattr(historique, "REGARD_PARTAGE_MIN", 4)
    forks = _forks(monkeypatch)
    deux = cdv("check", "data/dossiers", "--format", "json", "--jobs", "2", *cache)
    assert 1 in forks  # a helper looked
    monkeypatch.setattr(historique, "REGARD_PARTAGE_MIN", 10**9)
    un = cdv("check", "data/dossiers", "--format", "json", "--jobs", "1", "--sans-cache")
    assert deux.out == un.out


def test_the_helper_sends_back_no_more_bytes_than_its_share(lot: list[str]) -> None:
    """A batch larger than the budget: the helper's bytes are bounded, not every file it read (memory)."""
    un = len(Path(lot[0]).read_bytes())
    vus = historique._regarder_morceau((lot, 2 * un, False))
    envoyes = [octets for _annee, octets, _empreinte in vus if octets is not None]
    assert envoyes and sum(map(len, envoyes)) <= 2 * un
    assert all(octets is None for _annee, octets, _empreinte in historique._regarder_morceau((lot, 0, True)))
