"""``cdv importer`` with its files put on disk by a process of their own (:mod:`cdv_prog.files.output_process`).

The same files, the same report, the same refusals as a batch written in-process; rounds named only
after their flush; a failure (a flush, a folder, the writing process lost, no process to be had) said
as for a batch written in-process, with nothing partial or temporary left behind and no process left
running. The common cases of the batch (atomic files, existing ones, inputs) run in this mode too, in
``test_importer_lot.py``. Two real ``python -m cdv_prog importer`` processes end the module: one
writes through its writing process and leaves none behind; one is stopped by Ctrl-C.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from importer_tableaux import ENTETE_ACTION, action_row
from test_importer_lot import record_flushes

from cdv_prog.files import output, output_process
from cdv_prog.files.output import AlreadyExists, OutputBatch
from cdv_prog.files.output_process import ProcessOutputBatch, batch_for
from cdv_prog.files.workers import Workers
from processus import reaped, wait_for

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"

pytestmark = pytest.mark.skipif(
    not isinstance(batch_for(output_process.SEUIL), ProcessOutputBatch),
    reason="pas de processus d'écriture sur ce système (fork, deux processeurs)",
)


@pytest.fixture
def processus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import of these tests, whatever its size, written by a process of its own; each file sent at once."""
    monkeypatch.setattr(output_process, "SEUIL", 1)
    monkeypatch.setattr(output_process, "ENVOI", 1)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _pid(batch: ProcessOutputBatch) -> int:
    assert batch._workers is not None
    return batch._workers.workers[0].pid


def test_the_threshold_chooses_the_batch() -> None:
    assert type(batch_for(output_process.SEUIL - 1)) is OutputBatch
    assert type(batch_for(output_process.SEUIL)) is ProcessOutputBatch
    assert type(batch_for(0)) is OutputBatch


def test_an_import_reports_and_writes_the_same_as_in_process(cdv, csv_file, tmp_path, monkeypatch) -> None:
    rows = [action_row(i) for i in range(1, 13)]
    rows[4] = action_row(5, total="x")  # left out
    source = csv_file([ENTETE_ACTION, *rows])

    def run(seuil: int, where: Path, *extra: object) -> tuple[int, str, str]:
        monkeypatch.setattr(output_process, "SEUIL", seuil)
        monkeypatch.setattr(output_process, "ENVOI", 1)
        monkeypatch.setattr(output_process, "TOUR", 3)
        result = cdv("importer", source, "--exercice", "2025", "-d", where, "--rules", RULES, *extra)
        return result.code, result.out.replace(str(where), "OUT"), result.err.replace(str(where), "OUT")

    seen = {}
    for name, seuil in (("ici", 10**6), ("processus", 1)):
        where = tmp_path / name
        first = run(seuil, where)
        (where / "CDV-2025-002.yaml").write_text("autre\n", encoding="utf-8")
        (where / "CDV-2025-003.yaml").unlink()
        again = run(seuil, where)
        replaced = run(seuil, where, "--remplacer")
        files = {p.name: p.read_bytes() for p in where.iterdir()}
        seen[name] = (first, again, replaced, files)
    assert seen["processus"] == seen["ici"]
    first, again, replaced, files = seen["processus"]
    assert first[0] == 1 and len(first[1].splitlines()) == 11
    assert "OUT/CDV-2025-002.yaml" not in again[1].splitlines() and len(again[1].splitlines()) == 10
    assert "CDV-2025-002.yaml existe déjà et diffère" in again[2] and "CDV-2025-003.yaml : " not in again[2]
    assert "OUT/CDV-2025-002.yaml : remplacé" in replaced[2] and len(replaced[1].splitlines()) == 11
    assert len(files) == 11 and not any(n.startswith(".") for n in files)


def test_rounds_are_named_after_their_flush_in_sheet_order(cdv, csv_file, tmp_path, processus, monkeypatch) -> None:
    monkeypatch.setattr(output_process, "TOUR", 3)
    flushes = record_flushes(monkeypatch, tmp_path)
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 9))])
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 0, result.err
    expected = [f"CDV-2025-{i:03d}.yaml" for i in range(1, 9)]
    assert [Path(p).name for p in result.out.splitlines()] == expected
    assert (
        flushes()
        == [  # each round flushed before any of its files is named
            {"nommes": [], "fichiers": 3},
            {"nommes": expected[:3], "fichiers": 3},
            {"nommes": expected[:6], "fichiers": 2},
        ]
    )
    assert _names(out) == expected


def test_a_flush_failing_in_a_later_round_keeps_the_rounds_before(
    cdv, csv_file, tmp_path, processus, monkeypatch
) -> None:
    monkeypatch.setattr(output_process, "TOUR", 2)
    calls = tmp_path / "appels"
    real_flush = output._flush_data

    def flush(staged: list[output.Staged]) -> None:
        with open(calls, "a", encoding="utf-8") as fh:
            fh.write("x")
        if calls.read_text(encoding="utf-8") == "xx":
            raise OSError(errno.EIO, "Input/output error")
        real_flush(staged)

    monkeypatch.setattr(output_process, "_flush_data", flush)
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 6))])
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 2
    assert "n'ont pas pu être mis sur le disque" in result.err and "Input/output error" in result.err
    named = ["CDV-2025-001.yaml", "CDV-2025-002.yaml"]
    assert [Path(p).name for p in result.out.splitlines()] == named  # written before the failure: said
    assert _names(out) == named  # the failed round and the rest: nothing, not even a temporary file
    assert calls.read_text(encoding="utf-8") == "xx"  # nothing more is flushed after a failure


def test_a_failing_folder_flush_is_an_error_after_the_files(cdv, csv_file, tmp_path, processus, monkeypatch) -> None:
    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(output_process, "_fsync_folder", broken)
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 4))])
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 2
    assert "n'ont pas pu être mis sur le disque" in result.err
    assert len(result.out.splitlines()) == 3 and len(_names(out)) == 3


def test_a_failing_write_is_that_dossiers_error(cdv, csv_file, tmp_path, processus, monkeypatch) -> None:
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        if b"id: CDV-2025-002" in bytes(data):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(output_process, "_stage", _with_write(write))
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 4))])
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 1
    assert "écriture impossible de" in result.err and "No space left on device" in result.err
    assert _names(out) == ["CDV-2025-001.yaml", "CDV-2025-003.yaml"]


def _with_write(write: Callable[[int, bytes | memoryview], int]) -> Callable[[output.Staged, bytes, int | None], None]:
    """``_stage`` with ``os.write`` replaced, in the writing process only (the command's own writes untouched)."""
    real_stage = output._stage

    def stage(staged: output.Staged, data: bytes, mode: int | None) -> None:
        with mock.patch.object(os, "write", write):
            real_stage(staged, data, mode)

    return stage


def test_an_abandoned_batch_keeps_whole_rounds_and_removes_the_rest(tmp_path, processus, monkeypatch) -> None:
    monkeypatch.setattr(output_process, "TOUR", 2)
    for unnamed in (True, False):
        if unnamed and not output._UNNAMED:
            continue
        monkeypatch.setattr(output, "_UNNAMED", unnamed)
        out = tmp_path / f"sans-nom-{unnamed}"
        out.mkdir()
        pids: list[int] = []

        def interrupted(out: Path, pids: list[int]) -> None:
            with ProcessOutputBatch() as batch:
                for i in range(5):
                    batch.add(out / f"{i}.yaml", f"id: {i}\n".encode())
                pids.append(_pid(batch))
                raise RuntimeError("interrompu")

        with pytest.raises(RuntimeError, match="interrompu"):
            interrupted(out, pids)
        pid = pids[0]
        # stopped at once: the rounds named before it (two files each) stay, whole; nothing else, no .tmp
        names = _names(out)
        assert names in ([], ["0.yaml", "1.yaml"], ["0.yaml", "1.yaml", "2.yaml", "3.yaml"])
        assert all((out / n).read_bytes() == f"id: {n[0]}\n".encode() for n in names)
        assert reaped(pid)


def test_a_stopped_writing_process_puts_nothing_more_on_disk(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(output_process, "_ECRITURE", [])  # the writing process's state, here
    monkeypatch.setattr(output_process, "TOUR", 2)
    poser = output_process._poser
    answer = poser([(str(tmp_path), "a.yaml", False, None, b"a\n")])
    assert answer == ([], [], None, None) and _names(tmp_path) == []  # on disk, not named yet
    monkeypatch.setattr(output_process, "_ARRETE", [True])
    answer = poser([(str(tmp_path), f"{n}.yaml", False, None, b"x\n") for n in "bcd"])
    assert answer == ([], [], None, None)  # neither put on disk nor named: the round is not reached
    assert len(output_process._ECRITURE[0].poses) == 1
    output_process._abandonner([])
    assert _names(tmp_path) == [] and output_process._ECRITURE[0].poses == []


def test_a_lost_writing_process_is_an_error_of_the_batch(tmp_path, processus) -> None:
    with ProcessOutputBatch() as batch:
        first = batch.add(tmp_path / "a.yaml", b"a\n")
        pid = _pid(batch)
        os.kill(pid, signal.SIGKILL)
        later = [batch.add(tmp_path / f"{n}.yaml", b"x\n") for n in "bcd"]
        with pytest.raises(OSError, match="le processus qui écrit les fichiers s'est arrêté"):
            batch.publish()
    assert not first.done and not any(s.done for s in later)  # none said written
    assert _names(tmp_path) == []  # its unnamed files went with it
    assert reaped(pid)


def test_no_process_to_be_had_writes_in_process(tmp_path, processus, monkeypatch) -> None:
    def refused(self: Workers) -> None:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(Workers, "start", refused)
    with ProcessOutputBatch() as batch:
        staged = [batch.add(tmp_path / f"{i}.yaml", b"x\n") for i in range(3)]
        assert batch._workers is None
        batch.close()
    assert all(s.done and s.error is None for s in staged)
    assert _names(tmp_path) == ["0.yaml", "1.yaml", "2.yaml"]


def test_no_process_outlives_the_batch(tmp_path, processus) -> None:
    with ProcessOutputBatch() as batch:
        batch.add(tmp_path / "a.yaml", b"a\n")
        pid = _pid(batch)
        batch.close()
    assert reaped(pid)
    assert batch._workers is None


def test_files_added_after_the_end_are_written_in_process(tmp_path, processus) -> None:
    with ProcessOutputBatch() as batch:
        before = batch.add(tmp_path / "a.yaml", b"a\n")
        batch.publish()
        after = batch.add(tmp_path / "b.yaml", b"b\n")
        batch.close()
    assert before.done and after.done and before.error is None and after.error is None
    assert _names(tmp_path) == ["a.yaml", "b.yaml"]


# ----------------------------------------------------------------------------- the same as in-process

_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),  # the file
        st.binary(min_size=0, max_size=40),  # its bytes
        st.booleans(),  # replace
    ),
    max_size=12,
)


@contextlib.contextmanager
def _folder(existing: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        for name, data in existing.items():
            (where / f"{name}.yaml").write_bytes(data)
        yield where


def _run(
    batch_type: type[OutputBatch], existing: dict[str, bytes], actions: list[tuple[str, bytes, bool]]
) -> tuple[list[object], dict[str, bytes]]:
    with _folder(existing) as where, batch_type() as batch:
        outcomes: list[object] = []
        staged: list[output.Staged] = []
        for name, data, replace in actions:
            try:
                staged.append(batch.add(where / f"{name}.yaml", data, replace=replace))
                outcomes.append("ajouté")
            except AlreadyExists:
                outcomes.append("existe")
        batch.close()
        outcomes += [(s.done, type(s.error).__name__) for s in staged]
        return outcomes, {p.name: p.read_bytes() for p in where.iterdir()}


@settings(max_examples=25, deadline=None)
@given(
    existing=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.binary(max_size=10), max_size=3),
    actions=_ACTIONS,
    tour=st.integers(1, 4),
    envoi=st.sampled_from([1, 30, 1 << 16]),
)
def test_the_writing_process_gives_what_in_process_gives(existing, actions, tour, envoi) -> None:
    """Files new or there, replaced or not, the same name twice: the same outcomes, the same folder."""
    here = _run(OutputBatch, existing, actions)
    with (
        mock.patch.object(output_process, "TOUR", tour),
        mock.patch.object(output_process, "ENVOI", envoi),
    ):
        there = _run(ProcessOutputBatch, existing, actions)
    assert there == here


# ----------------------------------------------------------------------------- real processes

_CHILDREN = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _real_import(source: Path, out: Path) -> subprocess.Popen[bytes]:
    """``python -m cdv_prog importer``, Ctrl-C reaching it even if this test runs with SIGINT ignored."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("CDV_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cdv_prog", "importer", str(source), "--exercice", "2025"]
        + ["-d", str(out), "--rules", str(RULES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _writer_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not _CHILDREN.exists(), reason="needs Linux /proc/PID/task/PID/children")
def test_a_real_import_writes_through_its_writing_process_and_leaves_none(csv_file, tmp_path) -> None:
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, output_process.SEUIL + 801))])
    out = tmp_path / "dossiers"
    proc = _real_import(source, out)
    seen: set[int] = set()

    def started_or_done() -> bool:
        seen.update(_writer_of(proc.pid))
        return bool(seen) or proc.poll() is not None

    assert wait_for(started_or_done, 60, every=0.01)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()
    assert len(stdout.decode().splitlines()) == output_process.SEUIL + 800
    assert len(_names(out)) == output_process.SEUIL + 800
    assert seen, "no writing process was started"
    assert wait_for(lambda: all(not Path(f"/proc/{pid}").exists() for pid in seen), 10)


@pytest.mark.skipif(not _CHILDREN.exists(), reason="needs Linux /proc/PID/task/PID/children")
def test_ctrl_c_during_a_real_import_leaves_whole_files_and_no_process(csv_file, tmp_path) -> None:
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 6001))])
    out = tmp_path / "dossiers"
    proc = _real_import(source, out)
    assert wait_for(lambda: bool(_writer_of(proc.pid)), 60), "the writing process never started"
    writer = _writer_of(proc.pid)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Interrompu." in stderr.decode()
    announced = {Path(line).name for line in stdout.decode().splitlines()}
    on_disk = set(_names(out)) if out.exists() else set()
    assert not any(n.startswith(".") for n in on_disk)  # no temporary file
    assert announced <= on_disk  # every file said written is there
    assert len(on_disk - announced) <= output_process.TOUR  # at most the round being named when stopped
    for name in on_disk:
        data = yaml.safe_load((out / name).read_text(encoding="utf-8"))
        assert data["id"] == name.removesuffix(".yaml")  # whole: it reads back as its dossier
    assert wait_for(lambda: all(not Path(f"/proc/{pid}").exists() for pid in writer), 10)
