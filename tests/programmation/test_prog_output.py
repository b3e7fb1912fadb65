"""Writing a report: atomic replacement, permissions kept, inputs never overwritten."""

from __future__ import annotations

import os
import stat

import pytest

from cdv_prog.files.output import OutputRefused, check_output, write_output


def test_atomic_write_replaces_and_keeps_mode(tmp_path) -> None:
    target = tmp_path / "rapport.html"
    target.write_text("ancien")
    os.chmod(target, 0o640)
    write_output(target, b"nouveau")
    assert target.read_bytes() == b"nouveau"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["rapport.html"]


def test_new_file_gets_the_usual_permissions(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        write_output(tmp_path / "r.csv", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o644  # not the 0600 of a temporary file


def test_failed_write_leaves_target_and_no_temporary(tmp_path, monkeypatch) -> None:
    target = tmp_path / "r.json"
    target.write_text("intact")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left on device"):
        write_output(target, b"nouveau")
    assert target.read_text() == "intact"
    assert os.listdir(tmp_path) == ["r.json"]


def test_check_output(tmp_path) -> None:
    dossiers = tmp_path / "dossiers"
    dossiers.mkdir()
    dossier = dossiers / "a.yaml"
    dossier.write_text("id: a\n")
    link = tmp_path / "lien.txt"
    link.symlink_to(dossier)
    for bad in (dossier, link, dossiers, dossiers / "nouveau.yml", tmp_path / "absent" / "r.html"):
        with pytest.raises(OutputRefused):
            check_output(bad, [dossier], [dossiers])
    assert check_output(dossiers / "rapport.html", [dossier], [dossiers]) == dossiers / "rapport.html"
    assert check_output(tmp_path / "export.yaml", [dossier], [dossiers]) == tmp_path / "export.yaml"
