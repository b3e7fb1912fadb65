"""A batch records the lines its format names, and no others (issue 17: the line map built only when a
finding needs a line): two levels for SARIF and GitHub, which point at each finding's field; one for JSON
and text, which name none (the batch still needs the id's, for « identifiant déjà utilisé »).

That the output is the same bytes either way is held by ``tests/test_cache.py``: a report read back from
the cache keeps two levels, and the four formats, cold, warm and without cache, with ``--jobs`` 1 and 2,
are compared there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cdv_prog.files import dossiers as dossiers_module

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def lot(tmp_path: Path) -> Path:
    """The example dossiers of 2025, and a copy of one under another name: its id is used twice."""
    dest = tmp_path / "lot"
    shutil.copytree(REPO / "data" / "dossiers" / "2025", dest)
    copy = (dest / "CDV-2025-014.yaml").read_text(encoding="utf-8")
    (dest / "zz-doublon.yaml").write_text("# copie\n" + copy, encoding="utf-8")
    return dest


@pytest.fixture
def profondeurs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The depth of the lines each dossier is read with, in this process."""
    seen: list[int] = []
    real = dossiers_module.read_dossier

    def recording(path, regles, lignes=None, **kw):
        seen.append(kw.get("profondeur", 2))
        return real(path, regles, lignes, **kw)

    monkeypatch.setattr(dossiers_module, "read_dossier", recording)
    return seen


@pytest.mark.parametrize(("fmt", "profondeur"), [("json", 1), ("text", 1), ("sarif", 2), ("github", 2)])
def test_each_format_reads_the_lines_it_names(cdv, lot: Path, profondeurs: list[int], fmt: str, profondeur: int):
    result = cdv("check", lot, "--format", fmt, "--jobs", "1", "--sans-cache")
    assert result.code == 1
    assert profondeurs and set(profondeurs) == {profondeur}
    if fmt == "json":  # the id's line is still known: the copy's error names it
        copy = (lot / "zz-doublon.yaml").read_text(encoding="utf-8").splitlines()
        numero = next(i for i, line in enumerate(copy, 1) if line.startswith("id:"))
        assert f'"champ": "id",\n          "ligne": {numero},\n          "message": "identifiant' in result.out


def test_github_points_at_a_nested_field(cdv, lot: Path) -> None:
    """CDV-2025-005's action ends before its exercice: the annotation names the line of ``action``'s dates,
    not the line of ``action:`` itself (what one level of lines would give)."""
    out = cdv("check", lot, "--format", "github", "--jobs", "1", "--sans-cache").out
    annotation = next(line for line in out.splitlines() if "CDV-2025-005" in line and "action-exercice" in line)
    numero = int(annotation.split("line=")[1].split(",")[0])
    text = (lot / "CDV-2025-005.yaml").read_text(encoding="utf-8").splitlines()[numero - 1]
    assert text.startswith(" ") and not text.lstrip().startswith("action:")


def test_the_cache_keeps_two_levels_whatever_the_format(cdv, lot: Path, profondeurs: list[int]) -> None:
    """A report kept in the cache may be written later in any format: it is read with two levels."""
    assert cdv("check", lot, "--format", "json", "--jobs", "1").code == 1
    assert profondeurs and set(profondeurs) == {2}
