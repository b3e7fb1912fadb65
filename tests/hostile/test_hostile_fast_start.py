"""Fast start: ``cdv check one-file.yaml`` imports only what it uses.

The list of imported modules comes from ``python -X importtime`` on the real
command; time itself is measured by ``benchmarks/bench_check.py``, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_catalogue import good_text

# Heavy or unrelated to checking one dossier: spreadsheets, HTML, the importer,
# the other commands' machinery, process pools.
NEVER = (
    "openpyxl",
    "jinja2",
    "html.parser",
    "xml.dom",
    "concurrent.futures.process",
    "multiprocessing.pool",
    "cdv_prog.render.programmation_html",
    "cdv_prog.render.programmation_xlsx",
    "cdv_prog.render.programmation_csv",
    "cdv_prog.importer",
    "cdv_prog.workflow",
    # the other commands (built only when they run) and pydantic's plugin discovery (disabled)
    "cdv_prog.cli.arbitrage",
    "cdv_prog.cli.programmation",
    "cdv_prog.cli.regles",
    "cdv_prog.cli.importer",
    "cdv_prog.cli.suivi",
    "cdv_prog.cli.schema",
    "cdv_prog.cli.cache",
    "importlib.metadata",
    # cdv check's usual command lines are read without typer (cli/fast.py): neither it nor its click
    "typer",
    "click",
    "cdv_prog.cli.app",
    "cdv_prog.cli.options",
    # the linear constraints of the kinds: cdv arbitrage's, imported when it asks for them
    "cdv_prog.core.lineaire",
)


def imported_modules(*args: str, cwd: Path, **environ: str) -> set[str]:
    # rich's colours forced by the shell are not this test's case (unless the test asks for them)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(PYTHONIOENCODING="utf-8", **environ)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cdv_prog", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "package":
                names.add(name)
    assert "cdv_prog.core.engine" in names, "the importtime output was read"
    return names


@pytest.fixture(scope="module")
def one_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("un") / "dossier.yaml"
    path.write_text(good_text("CDV-UN"), encoding="utf-8")
    return path


def _heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith(NEVER)}


def test_check_json_imports_no_rendering_library(one_file: Path) -> None:
    names = imported_modules("check", str(one_file), "--format", "json", cwd=one_file.parent)
    assert not _heavy(names)
    assert not {n for n in names if n == "rich" or n.startswith("rich.")}, "JSON output needs no rich"
    assert "cdv_prog.render.check_text" not in names


def test_check_json_to_a_file_imports_no_rendering_library(one_file: Path) -> None:
    """``-o``: the line « Rapport écrit : … » is written plainly (rich took ~0.1 s to import for it)."""
    names = imported_modules("check", str(one_file), "--format", "json", "-o", "r.json", cwd=one_file.parent)
    assert (one_file.parent / "r.json").is_file()
    assert not _heavy(names)
    assert not {n for n in names if n == "rich" or n.startswith("rich.")}
    assert "cdv_prog.files.output" in names


def test_check_text_imports_only_the_text_renderer(one_file: Path) -> None:
    names = imported_modules("check", str(one_file), cwd=one_file.parent)
    assert not _heavy(names)
    assert "cdv_prog.render.check_text" in names
    # off a terminal, the text rich would write is written without it (render.check_text.plain_output)
    assert not {n for n in names if n == "rich" or n.startswith("rich.")}


def test_check_text_with_forced_colours_uses_rich(one_file: Path) -> None:
    names = imported_modules("check", str(one_file), cwd=one_file.parent, FORCE_COLOR="1")
    assert "rich.console" in names


def test_one_file_opens_no_cache(one_file: Path) -> None:
    """The cache of reports is for batches: checking one file imports neither it nor SQLite."""
    names = imported_modules("check", str(one_file), "--format", "json", cwd=one_file.parent)
    assert "cdv_prog.files.cache" not in names and "sqlite3" not in names


def test_a_batch_uses_the_cache_and_no_rendering_library(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"d{i}.yaml").write_text(good_text(f"CDV-C-{i}"), encoding="utf-8")
    names = imported_modules("check", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert "cdv_prog.files.cache" in names
    assert not {n for n in names if n == "rich" or n.startswith("rich.")}


def test_small_batch_starts_no_process_pool(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"d{i}.yaml").write_text(good_text(f"CDV-P-{i}"), encoding="utf-8")
    names = imported_modules("check", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert "concurrent.futures.process" not in names and "multiprocessing" not in names


def test_a_parallel_batch_imports_no_process_pool(tmp_path: Path) -> None:
    """--jobs 2 forks its workers itself (files.workers): neither multiprocessing nor concurrent.futures,
    whose import came before the first chunk (27 ms), with the cache or without."""
    for i in range(6):
        (tmp_path / f"d{i}.yaml").write_text(good_text(f"CDV-J-{i}"), encoding="utf-8")
    for cache in ((), ("--sans-cache",)):
        names = imported_modules("check", str(tmp_path), "--format", "json", "--jobs", "2", *cache, cwd=tmp_path)
        assert "cdv_prog.files.workers" in names  # the batch did fork
        assert not {n for n in names if n.split(".")[0] in ("multiprocessing", "concurrent")}


def test_rules_read_back_from_the_cache_need_no_rules_loader(one_file: Path) -> None:
    """The second start reads the rule set from the cache: neither its YAML checks nor its messages."""
    first = imported_modules("check", str(one_file), cwd=one_file.parent)
    assert "cdv_prog.files.rules" in first  # cold: the rules are read from their YAML
    names = imported_modules("check", str(one_file), cwd=one_file.parent)
    assert "cdv_prog.files.rules" not in names and "cdv_prog.files.derogations" not in names
    assert not _heavy(names)


def test_pydantic_plugins_are_looked_for_when_not_disabled(tmp_path: Path) -> None:
    """cdv disables pydantic's plugins unless told otherwise; told otherwise, pydantic's own loader runs
    (on a dossier that pydantic validates: one the direct builder declines, here an unknown key)."""
    declined = tmp_path / "dossier.yaml"
    declined.write_text(good_text("CDV-PLUGIN") + "cle-inconnue: 1\n", encoding="utf-8")
    names = imported_modules("check", str(declined), "--format", "json", cwd=tmp_path, PYDANTIC_DISABLE_PLUGINS="")
    assert "pydantic" in names and "importlib.metadata" in names


# pydantic and what only validation needs: the models of core/modeles, their field types, the French
# messages of a validation error, the rule kinds' parameters models
VALIDATION = (
    "pydantic",
    "pydantic_core",
    "cdv_prog.core.modeles",
    "cdv_prog.core.champs",
    "cdv_prog.files.messages",
    "cdv_prog.kinds.parametres",
)


def _validation(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in VALIDATION[:2] or n.startswith(VALIDATION[2:])}


@pytest.mark.parametrize("args", [(), ("--format", "json")], ids=["texte", "json"])
def test_a_usual_dossier_with_the_rules_in_the_cache_imports_no_pydantic(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Issue 17, step 5: the rule set read back from the user's cache and a usual dossier built directly are
    plain records; pydantic (≈ 0.2 s of a start) is imported only to validate what they cannot take."""
    path = tmp_path / "dossier.yaml"
    path.write_text(good_text("CDV-SANS"), encoding="utf-8")
    cache = str(tmp_path / "cache")
    cold = imported_modules("check", str(path), *args, cwd=tmp_path, CDV_CACHE_DIR=cache)
    assert "pydantic" in cold  # the rules read from their YAML are validated
    names = imported_modules("check", str(path), *args, cwd=tmp_path, CDV_CACHE_DIR=cache)
    assert not _validation(names)
    assert "cdv_prog.core.dossier_simple" in names and "cdv_prog.files.rules_cache" in names
    declined = tmp_path / "autre.yaml"
    declined.write_text(good_text("CDV-REFUS").replace("exercice: 2025", "exercice: '2025'"), encoding="utf-8")
    assert "exercice: '2025'" in declined.read_text(encoding="utf-8")
    assert {"pydantic", "cdv_prog.files.messages"} <= imported_modules(
        "check", str(declined), *args, cwd=tmp_path, CDV_CACHE_DIR=cache
    )
