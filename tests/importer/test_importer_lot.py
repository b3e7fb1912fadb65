"""The batch write path of ``cdv importer`` (:class:`cdv_prog.files.output.OutputBatch`).

Atomic per file: a file gets its final name only once its bytes are flushed; a failure (of one
file, or of the flush) leaves no partial file under a final name and no temporary file; an
existing file is never replaced unless asked, an input never. Every test runs with unnamed files
(Linux ``O_TMPFILE``), with temporary names (the other systems' way), and with the files put on disk
by a process of the batch's own (:class:`cdv_prog.files.output_process.ProcessOutputBatch`, each file
sent to it at once). The flushes are recorded in a file, which the writing process appends to as well.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_ACTION, action_row

from cdv_prog.files import output, output_process
from cdv_prog.files.output import AlreadyExists, OutputBatch, OutputRefused
from cdv_prog.files.output_process import ProcessOutputBatch, batch_for

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


@pytest.fixture(params=["sans-nom", "nom-temporaire", "processus"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "nom-temporaire" and not output._UNNAMED:
        pytest.skip("pas de fichier sans nom (O_TMPFILE) sur ce système")
    if request.param == "nom-temporaire":
        monkeypatch.setattr(output, "_UNNAMED", False)
    if request.param == "processus":
        monkeypatch.setattr(output_process, "SEUIL", 1)  # cdv importer too
        monkeypatch.setattr(output_process, "ENVOI", 1)  # each file sent at once
        if not isinstance(batch_for(1), ProcessOutputBatch):
            pytest.skip("pas de processus d'écriture sur ce système (fork, deux processeurs)")
    return str(request.param)


@pytest.fixture
def batch_type(mode: str) -> type[OutputBatch]:
    return ProcessOutputBatch if mode == "processus" else OutputBatch


def record_flushes(
    monkeypatch: pytest.MonkeyPatch, where: Path, flush: Callable[[list[output.Staged]], None] | None = None
) -> Callable[[], list[dict[str, object]]]:
    """Record each flush of a batch's data (in this process or the writing one): the final names there, the files."""
    log = where / "flushes.jsonl"
    real_flush = flush or output._flush_data

    def recording(staged: list[output.Staged]) -> None:
        folders = {s.folder.real for s in staged}
        named = sorted(n for f in folders for n in os.listdir(f) if not n.startswith("."))
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"nommes": named, "fichiers": len(staged)}) + "\n")
        real_flush(staged)

    monkeypatch.setattr(output, "_flush_data", recording)
    monkeypatch.setattr(output_process, "_flush_data", recording)

    def read() -> list[dict[str, object]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    return read


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_files_are_named_only_after_the_flush(tmp_path, batch_type, monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    flushes = record_flushes(monkeypatch, tmp_path)
    with batch_type() as batch:
        staged = [batch.add(out / f"{i}.yaml", f"id: {i}\n".encode(), replace=False) for i in range(3)]
        assert not any(s.done for s in staged)
        assert [n for n in _names(out) if not n.startswith(".")] == []  # nothing under a final name yet
        batch.close()
    assert flushes() == [{"nommes": [], "fichiers": 3}]
    assert all(s.done and s.error is None for s in staged)
    assert _names(out) == ["0.yaml", "1.yaml", "2.yaml"]
    assert (out / "1.yaml").read_bytes() == b"id: 1\n"


def test_an_unpublished_batch_leaves_nothing(tmp_path, batch_type) -> None:
    def interrupted() -> None:
        with batch_type() as batch:
            batch.add(tmp_path / "a.yaml", b"a\n")
            batch.add(tmp_path / "b.yaml", b"b\n")
            raise RuntimeError("interrompu")

    with pytest.raises(RuntimeError, match="interrompu"):
        interrupted()
    assert _names(tmp_path) == []


def test_the_try_of_unnamed_files_leaves_nothing(tmp_path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert output._unnamed_files_work(fd) == output._UNNAMED
    finally:
        os.close(fd)
    assert _names(tmp_path) == []


def test_a_failing_write_leaves_no_partial_file(tmp_path, batch_type, monkeypatch) -> None:
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        if bytes(data[:4]) == b"BOOM":
            real_write(fd, bytes(data[:2]))  # half of it, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    with batch_type() as batch:
        monkeypatch.setattr(os, "write", write)
        batch.add(tmp_path / "a.yaml", b"a\n")
        if batch_type is ProcessOutputBatch:  # the writing process says it with the file's outcome
            failed = batch.add(tmp_path / "b.yaml", b"BOOM\n")
        else:
            with pytest.raises(OSError, match="No space left"):
                batch.add(tmp_path / "b.yaml", b"BOOM\n")
        batch.add(tmp_path / "c.yaml", b"c\n")
        monkeypatch.undo()
        batch.close()
    if batch_type is ProcessOutputBatch:
        assert failed.done and isinstance(failed.error, OSError) and failed.error.errno == errno.ENOSPC
        assert "No space left" in str(failed.error)
    assert _names(tmp_path) == ["a.yaml", "c.yaml"]  # no b.yaml, no temporary file


def test_a_failing_flush_names_no_file(tmp_path, batch_type, monkeypatch) -> None:
    def broken(staged: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(output, "_flush_data", broken)
    monkeypatch.setattr(output_process, "_flush_data", broken)
    with batch_type() as batch:
        batch.add(tmp_path / "a.yaml", b"a\n")
        with pytest.raises(OSError, match="Input/output"):
            batch.publish()
    assert _names(tmp_path) == []


def test_a_file_that_appeared_meanwhile_is_not_replaced(tmp_path, batch_type) -> None:
    with batch_type() as batch:
        assert not batch.may_exist(tmp_path / "a.yaml")  # the folder is listed now, once
        staged = batch.add(tmp_path / "a.yaml", b"nouveau\n")
        (tmp_path / "a.yaml").write_bytes(b"venu entre-temps\n")
        batch.close()
    assert isinstance(staged.error, AlreadyExists)
    assert (tmp_path / "a.yaml").read_bytes() == b"venu entre-temps\n"
    assert _names(tmp_path) == ["a.yaml"]


def test_an_existing_file_is_replaced_only_when_asked(tmp_path, batch_type) -> None:
    target = tmp_path / "a.yaml"
    target.write_bytes(b"ancien\n")
    target.chmod(0o600)
    with batch_type() as batch:
        assert batch.may_exist(target)
        with pytest.raises(AlreadyExists):
            batch.add(target, b"nouveau\n")
        staged = batch.add(target, b"nouveau\n", replace=True)
        batch.close()
    assert staged.error is None
    assert target.read_bytes() == b"nouveau\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # it keeps its permissions
    assert _names(tmp_path) == ["a.yaml"]


def test_a_symbolic_link_is_replaced_through(tmp_path, batch_type) -> None:
    (tmp_path / "vrai").mkdir()
    real = tmp_path / "vrai" / "a.yaml"
    real.write_bytes(b"ancien\n")
    link = tmp_path / "a.yaml"
    link.symlink_to(real)
    with batch_type() as batch:
        batch.add(link, b"nouveau\n", replace=True)
        batch.close()
    assert link.is_symlink() and real.read_bytes() == b"nouveau\n"
    assert _names(tmp_path / "vrai") == ["a.yaml"]


def test_an_input_is_never_written(tmp_path, batch_type) -> None:
    book = tmp_path / "prog.yaml"
    book.write_bytes(b"lu\n")
    hard = tmp_path / "dur.yaml"
    os.link(book, hard)
    with batch_type([book]) as batch:
        for target in (book, hard):
            with pytest.raises(OutputRefused):
                batch.add(target, b"x\n", replace=True)
        batch.close()
    assert book.read_bytes() == b"lu\n" and _names(tmp_path) == ["dur.yaml", "prog.yaml"]


def test_new_files_get_the_umask_permissions(tmp_path, batch_type) -> None:
    mask = os.umask(0o027)
    try:
        with batch_type() as batch:
            batch.add(tmp_path / "a.yaml", b"a\n")
            batch.close()
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.yaml").stat().st_mode) == 0o640


def test_a_batch_publishes_itself_at_the_open_file_limit(cdv, csv_file, tmp_path, mode, monkeypatch) -> None:
    flushes = record_flushes(monkeypatch, tmp_path)
    monkeypatch.setattr(output, "_open_file_budget", lambda: 2)
    monkeypatch.setattr(output_process, "_open_file_budget", lambda: 2)
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 6))])
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 0, result.err
    expected = [str(out / f"CDV-2025-{i:03d}.yaml") for i in range(1, 6)]
    assert result.out.splitlines() == expected  # sheet order, whatever the rounds
    rounds = [f["fichiers"] for f in flushes()]
    assert rounds == ([5] if mode == "nom-temporaire" else [2, 2, 1])  # temporary names hold no file open
    assert _names(out) == [Path(p).name for p in expected]


def test_the_report_of_written_files_is_unchanged(cdv, csv_file, tmp_path, mode) -> None:
    """Written, unchanged, already there and left out: stdout and stderr say what they said."""
    out = tmp_path / "dossiers"
    out.mkdir()
    source = csv_file([ENTETE_ACTION, action_row(1), action_row(2), action_row(3), action_row(4, total="x")])
    first = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert first.code == 1
    (out / "CDV-2025-002.yaml").write_text("autre\n", encoding="utf-8")
    (out / "CDV-2025-003.yaml").unlink()
    again = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert again.code == 1
    assert again.out.splitlines() == [str(out / "CDV-2025-001.yaml"), str(out / "CDV-2025-003.yaml")]
    assert "CDV-2025-001.yaml : inchangé" in again.err
    assert "CDV-2025-002.yaml existe déjà et diffère" in again.err
    assert "1 dossier(s) écrit(s), 1 inchangé(s), 2 ignoré(s)." in again.err
    assert (out / "CDV-2025-002.yaml").read_text(encoding="utf-8") == "autre\n"
    assert _names(out) == ["CDV-2025-001.yaml", "CDV-2025-002.yaml", "CDV-2025-003.yaml"]
