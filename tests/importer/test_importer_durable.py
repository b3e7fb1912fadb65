"""A batch of imported dossiers is durable at its end: one flush of the data, one folder fsync, no fsync per file.

Each file is still atomic (:class:`cdv_prog.files.output.OutputBatch`: its bytes flushed before it
gets its name), and validated once (the emitter's fidelity is proven by ``test_importer_ecriture.py``
and ``test_importer_proprietes.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_ACTION, action_row

from cdv_prog.core.dossier import Dossier
from cdv_prog.files import output
from cdv_prog.files.dossiers import read_dossier
from cdv_prog.files.output import Inputs, OutputRefused, check_output, sync_folders, write_output

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


class _Calls:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fsync: list[bool] = []  # True: a folder, False: a file
        self.sync = 0
        self.flush: list[list[str]] = []  # each flush of a batch's data: the yaml files named then
        real_fsync = os.fsync
        real_flush = output._flush_data

        def flush(staged: list[output.Staged]) -> None:
            self.flush.append(sorted(n for s in staged for n in os.listdir(s.folder.real) if n.endswith(".yaml")))
            real_flush(staged)

        def fsync(fd: int) -> None:
            import stat

            self.fsync.append(stat.S_ISDIR(os.fstat(fd).st_mode))
            real_fsync(fd)

        def sync() -> None:
            self.sync += 1

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "sync", sync, raising=False)
        monkeypatch.setattr(output, "_flush_data", flush)


def test_import_syncs_once_at_the_end_not_per_file(cdv, csv_file, tmp_path, monkeypatch) -> None:
    source = csv_file([ENTETE_ACTION, *(action_row(i) for i in range(1, 6))])
    out = tmp_path / "dossiers"
    calls = _Calls(monkeypatch)
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 0, result.err
    assert len(list(out.glob("*.yaml"))) == 5
    assert calls.fsync == [True]  # the target folder, once; no file fsynced on its own
    assert calls.flush == [[]]  # the data flushed once, before any file got its name
    assert calls.sync == 0  # syncfs of the target's file system, not the whole system's sync
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_nothing_written_nothing_synced(cdv, csv_file, tmp_path, monkeypatch) -> None:
    source = csv_file([ENTETE_ACTION, action_row(1)])
    calls = _Calls(monkeypatch)
    essai = cdv("importer", source, "--exercice", "2025", "-d", tmp_path / "a", "--essai", "--rules", RULES)
    assert essai.code == 0, essai.err
    assert calls.fsync == [] and calls.flush == []
    first = cdv("importer", source, "--exercice", "2025", "-d", tmp_path / "b", "--rules", RULES)
    assert first.code == 0 and calls.fsync == [True] and len(calls.flush) == 1
    again = cdv("importer", source, "--exercice", "2025", "-d", tmp_path / "b", "--rules", RULES)
    assert again.code == 0 and "inchangé" in again.err
    assert calls.fsync == [True] and len(calls.flush) == 1  # nothing new: no second flush


def test_written_files_read_back_as_the_validated_dossiers(cdv, csv_file, tmp_path, regles) -> None:
    source = csv_file([ENTETE_ACTION, action_row(1), action_row(2, intitule="L'été : « 1/2 » no")])
    out = tmp_path / "dossiers"
    assert cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES).code == 0
    for path in sorted(out.glob("*.yaml")):
        assert isinstance(read_dossier(path, regles), Dossier)


def test_a_failing_sync_is_an_error_naming_the_folder(cdv, csv_file, tmp_path, monkeypatch) -> None:
    source = csv_file([ENTETE_ACTION, action_row(1), action_row(2)])

    def broken(staged: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(output, "_flush_data", broken)
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 2
    assert f"{out}" in result.err and "disque" in result.err
    assert list(out.iterdir()) == []  # the data never reached the disk: no file named, none left behind
    assert result.out == ""  # and none reported written


def test_a_failing_folder_flush_is_an_error_after_the_files(cdv, csv_file, tmp_path, monkeypatch) -> None:
    source = csv_file([ENTETE_ACTION, action_row(1)])

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(output, "_fsync_folder", broken)
    out = tmp_path / "dossiers"
    result = cdv("importer", source, "--exercice", "2025", "-d", out, "--rules", RULES)
    assert result.code == 2
    assert f"{out}" in result.err and "disque" in result.err
    assert result.out.splitlines() == [str(out / "CDV-2025-001.yaml")]  # named, its durability not confirmed


def test_write_output_without_fsync_is_still_atomic(tmp_path, monkeypatch) -> None:
    calls = _Calls(monkeypatch)
    target = tmp_path / "a.yaml"
    target.write_text("ancien\n", encoding="utf-8")
    write_output(target, "nouveau\n", yaml_ok=True, fsync=False)
    assert target.read_text(encoding="utf-8") == "nouveau\n"
    assert calls.fsync == []
    write_output(target, "encore\n", yaml_ok=True)  # the default: the file flushed on its own
    assert calls.fsync == [False]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_sync_folders_flushes_each_folder_once(tmp_path, monkeypatch) -> None:
    calls = _Calls(monkeypatch)
    (tmp_path / "b").mkdir()
    sync_folders([tmp_path, tmp_path / "b", tmp_path, tmp_path / "b" / ".."])
    assert calls.fsync == [True, True]


@pytest.mark.parametrize("as_inputs", [list, Inputs])
def test_inputs_resolved_once_still_refuse_an_input(tmp_path, as_inputs) -> None:
    workbook = tmp_path / "prog.csv"
    workbook.write_text("x", encoding="utf-8")
    link = tmp_path / "lien.yaml"
    link.symlink_to(workbook)
    inputs = as_inputs([workbook])
    with pytest.raises(OutputRefused):
        check_output(workbook, inputs, yaml_ok=True)
    with pytest.raises(OutputRefused):
        check_output(link, inputs, yaml_ok=True)
    hard = tmp_path / "dur.yaml"
    os.link(workbook, hard)
    with pytest.raises(OutputRefused):
        check_output(hard, inputs, yaml_ok=True)
    assert check_output(tmp_path / "autre.yaml", inputs, yaml_ok=True) == tmp_path / "autre.yaml"
    assert list(inputs) == [workbook]
