"""Big batches: streamed one dossier at a time, in path order, the same with --jobs N.

The dossiers come from the benchmark's deterministic generator (every rule
exercised, about a third inéligibles, some invalides), plus repeated ids and
dossiers of several exercices to exercise the batch rules that need the whole
sequence (duplicates, ``--exercice``).
"""

from __future__ import annotations

import gc
import json
import shutil
import sys
import weakref
from collections.abc import Sequence
from pathlib import Path

import pytest
from hostile_catalogue import REPO

from cdv_prog.core.report import DossierReport
from cdv_prog.files import parallel
from cdv_prog.files.dossiers import check_files, discover
from cdv_prog.render.json_stream import write_stream

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate


@pytest.fixture(scope="module")
def lot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """260 generated dossiers, then copies of two of them under later paths (repeated ids)."""
    root = tmp_path_factory.mktemp("lot") / "dossiers"
    paths = generate(root, 260, seed=7, per_folder=100)
    extra = root / "zz-copies"
    extra.mkdir()
    shutil.copy(paths[3], extra / "copie-a.yaml")
    shutil.copy(paths[150], extra / "copie-b.yaml")
    return root


def _dicts(reports) -> list[dict]:
    return [r.to_dict() for r in reports]


@pytest.mark.parametrize("exercice", [None, 2025])
def test_parallel_reports_equal_sequential(lot: Path, regles, exercice: int | None) -> None:
    files = discover([lot])
    sequential = _dicts(check_files(files, regles, exercice))
    par = _dicts(parallel.check_reports(files, regles, exercice, jobs=2))
    assert par == sequential
    verdicts = {d["verdict"] for d in sequential}
    assert verdicts == {"eligible", "ineligible", "invalide"}
    duplicates = [d for d in sequential if d["erreurs"] and d["erreurs"][0]["champ"] == "id"]
    assert {Path(d["fichier"]).name for d in duplicates} >= (
        {"copie-a.yaml", "copie-b.yaml"} if exercice is None else set()
    )


def test_parallel_reports_carry_everything(lot: Path, regles) -> None:
    """Reports rebuilt in the parent are whole: dossier, lines, constats, errors."""
    files = discover([lot])[:80]
    for seq, par in zip(check_files(files, regles), parallel.check_reports(files, regles, jobs=2), strict=True):
        assert par == seq  # dataclass equality: every field, the dossier included


def test_parallel_reports_without_dossiers_carry_their_amounts(lot: Path, regles) -> None:
    files = discover([lot])
    pairs = list(
        zip(check_files(files, regles), parallel.check_reports(files, regles, jobs=2, dossiers=False), strict=True)
    )
    assert len(pairs) == len(files)
    with_amounts = 0
    for seq, par in pairs:
        if seq.dossier is None:
            assert par.dossier is None and par.montants is None
            continue
        assert par.dossier is None, "the dossier itself is not sent back"
        assert par.montants == seq.montants
        assert list(par.montants.retenus) == list(seq.montants.retenus)  # same order of financeurs
        seq.dossier = None
        assert par == seq  # everything else identical
        with_amounts += 1
    assert with_amounts > len(files) // 2


def test_command_output_is_byte_identical_with_jobs(lot: Path, cdv) -> None:
    outputs = {}
    for jobs in ("1", "2", "3"):
        run = cdv("check", lot, "--format", "json", "--jobs", jobs, cwd=lot.parent)
        assert run.code == 1, run.err
        outputs[jobs] = run.out
    assert outputs["1"] == outputs["2"] == outputs["3"]
    payload = json.loads(outputs["1"])
    assert payload["resume"]["total"] == 262
    default = cdv("check", lot, "--format", "json", cwd=lot.parent)  # 262 files: parallel by default
    assert default.out == outputs["1"]
    exercice = [cdv("check", lot, "-f", "json", "-e", "2026", "-j", j, cwd=lot.parent).out for j in ("1", "2")]
    assert exercice[0] == exercice[1]
    assert {d["exercice"] for d in json.loads(exercice[0])["dossiers"]} <= {2026, None}


def test_text_output_is_identical_with_jobs(lot: Path, cdv) -> None:
    one = cdv("check", lot, "--jobs", "1", cwd=lot.parent)
    two = cdv("check", lot, "--jobs", "2", cwd=lot.parent)
    assert one.out == two.out and one.code == two.code == 1


def test_jobs_must_be_positive(lot: Path, cdv) -> None:
    run = cdv("check", lot, "--jobs", "0", cwd=lot.parent)
    assert run.code == 2
    assert "Traceback" not in run.err


def test_default_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)
    assert parallel.default_jobs(1) == 1
    assert parallel.default_jobs(199) == 1  # a few files: starting processes would cost more than it saves
    assert parallel.default_jobs(200) == 2
    assert parallel.default_jobs(30_000) == 2
    monkeypatch.setattr(parallel, "cpu_count", lambda: 8)
    assert parallel.default_jobs(450) == 4
    assert parallel.default_jobs(30_000) == 8


def test_chunks_cover_every_file_once_in_order() -> None:
    for n in (1, 7, 64, 65, 1000, 10_001):
        files = [Path(f"f{i}.yaml") for i in range(n)]
        for jobs in (2, 3, 8):
            size = parallel.chunk_size(n, jobs)
            assert 1 <= size <= parallel.MAX_CHUNK
            cut = list(parallel.chunks(files, size))
            assert [f for chunk in cut for f in chunk] == files
            assert all(len(chunk) == size for chunk in cut[:-1])
            if n >= jobs * 8:
                assert len(cut) >= jobs * 8 or size == parallel.MAX_CHUNK  # enough tasks to balance the load


class _Watched(Sequence):
    """A list of paths that remembers the furthest index read."""

    def __init__(self, items: list[Path]):
        self.items = items
        self.furthest = -1

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            got = self.items[index]
            if got:
                self.furthest = max(self.furthest, min(index.stop or len(self.items), len(self.items)) - 1)
            return got
        self.furthest = max(self.furthest, index)
        return self.items[index]


def test_parallel_batch_reads_ahead_a_bounded_amount(lot: Path, regles) -> None:
    """Memory stays bounded: only a few chunks are in flight before the first report is used."""
    files = _Watched(discover([lot]))
    reports = parallel.check_reports(files, regles, jobs=2)
    first = next(reports)
    assert first.fichier == str(files.items[0])
    size = parallel.chunk_size(len(files), 2)
    assert files.furthest < 2 * parallel.IN_FLIGHT_PER_JOB * size + size
    assert files.furthest < len(files) - 1
    rest = list(reports)
    assert len(rest) == len(files) - 1


def test_sequential_batch_reads_at_most_one_group_ahead(lot: Path, regles, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch streams: a report comes out once its group of files (GROUPE) is checked, not the whole lot."""
    import cdv_prog.files.dossiers as batch

    seen: list[str] = []
    real = batch.read_dossier
    monkeypatch.setattr(batch, "read_dossier", lambda path, *a, **k: (seen.append(path), real(path, *a, **k))[1])
    reports = check_files(discover([lot]), regles)
    next(reports)
    assert len(seen) == batch.GROUPE
    for _ in range(batch.GROUPE - 1):
        next(reports)
    assert len(seen) == batch.GROUPE  # the group's reports given out before another file is read
    next(reports)
    assert len(seen) == 2 * batch.GROUPE


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_are_not_kept(lot: Path, regles, jobs: int) -> None:
    """Nothing holds on to the reports (nor their dossiers) once they have been used."""
    alive: list[weakref.ref] = []
    count = 0
    for report in parallel.check_reports(discover([lot]), regles, jobs=jobs):
        alive.append(weakref.ref(report))
        if report.dossier is not None:
            alive.append(weakref.ref(report.dossier))
        count += 1
    del report
    gc.collect()
    assert count == 262
    assert sum(ref() is not None for ref in alive) == 0


def test_json_is_written_as_it_goes() -> None:
    """Each dossier's JSON is written before the next dossier is even read."""

    class Out:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> None:
            self.parts.append(text)

    out = Out()

    def items():
        for i in range(3):
            if i:
                assert f'"n": {i - 1}' in "".join(out.parts)
            yield {"n": i}

    write_stream(out, "dossiers", items(), lambda: {"resume": {"total": 3}})
    assert json.loads("".join(out.parts)) == {"dossiers": [{"n": 0}, {"n": 1}, {"n": 2}], "resume": {"total": 3}}


def test_reports_pack_and_unpack(lot: Path, regles) -> None:
    import pickle

    for report in check_files(discover([lot])[:40], regles):
        again = parallel.unpack(pickle.loads(pickle.dumps(parallel.pack(report))))
        assert again == report and isinstance(again, DossierReport)


def test_without_fork_the_batch_runs_sequentially(lot: Path, regles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert not parallel.can_fork()
    monkeypatch.setattr(parallel, "_parallel", lambda *a, **k: pytest.fail("no worker process expected"))
    files = discover([lot])[:30]
    assert _dicts(parallel.check_reports(files, regles, jobs=2)) == _dicts(check_files(files, regles))
