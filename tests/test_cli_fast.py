"""``cdv check``'s fast path (``cli/fast.py``): it declines a command line, or reads it exactly as typer.

The property runs generated command lines through both readers: whenever the
fast path accepts one, typer accepts it too and gives the command the very same
parameters (so the same defaults, and the same run: exit codes and messages come
from the one :func:`~cdv_prog.cli.check_run.run_check`). What it declines goes
through typer, which answers help and usage errors. The last tests run whole
commands through both entry points and compare what they write.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdv_prog.cli import check_run
from cdv_prog.cli.fast import OPTIONS, check_parameters

NAMES = (
    "paths",
    "rules",
    "format",
    "output",
    "exercice",
    "jobs",
    "problemes_seulement",
    "quiet",
    "remedes",
    "ecrire_remedes",
    "sans_cache",
    "historique",
)
DEFAULTS: dict[str, Any] = {
    name: False if name in {"problemes_seulement", "quiet", "remedes", "sans_cache"} else None for name in NAMES
}


def typer_parameters(argv: list[str]) -> dict[str, Any] | None:
    """The parameters typer gives ``cdv check`` for ``argv`` (``None``: it ran no check — help, usage error…)."""
    from cdv_prog.cli.app import main

    seen: list[dict[str, Any]] = []

    def record(*args: Any) -> int:
        seen.append(dict(zip(NAMES, args, strict=True)))
        return 0

    with (
        mock.patch.object(check_run, "run_check", record),
        mock.patch.dict(os.environ, {"PYDANTIC_DISABLE_PLUGINS": "__all__"}),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        contextlib.suppress(SystemExit),
    ):
        main(argv)
    assert len(seen) <= 1
    return seen[0] if seen else None


WORDS = [
    *OPTIONS,
    "--help",
    "-h",
    "--",
    "-",
    "",
    "--version",
    "--no-quiet",
    "-qj",
    "-q2",
    "-fjson",
    "-j2",
    "-j0",
    "-j-1",
    "-e2025",
    "-o-",
    "-or.json",
    "-rregles",
    "-f",
    "-f=json",
    "--format=json",
    "--format=",
    "--jobs=2",
    "--quiet=1",
    "--output=-",
    "--historique=h",
    "--rules",
    "json",
    "text",
    "github",
    "0",
    "1",
    "2",
    "007",
    "-1",
    "+2",
    " 3",
    "3.0",
    "2025",
    "12345678901",
    "a.yaml",
    "lot/",
    "é.yml",
]
word = st.one_of(st.sampled_from(WORDS), st.text(max_size=6))
argv_strategy = st.one_of(
    st.lists(word, max_size=8).map(lambda words: ["check", *words]),
    st.lists(word, max_size=4),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv_strategy)
def test_fast_path_declines_or_reads_as_typer(argv: list[str]) -> None:
    fast = check_parameters(argv, {})
    if fast is None:
        return
    assert typer_parameters(argv) == fast


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check", "a.yaml"], {"paths": [Path("a.yaml")]}),
        (["check"], {}),
        (["check", "a.yaml", "--format", "json"], {"paths": [Path("a.yaml")], "format": "json"}),
        (
            ["check", "lot", "-j", "2", "--sans-cache", "-q", "-f", "text"],
            {"paths": [Path("lot")], "jobs": 2, "sans_cache": True, "quiet": True, "format": "text"},
        ),
        (
            ["check", "--format=json", "-o", "r.json", "a", "b", "--exercice", "2025"],
            {"paths": [Path("a"), Path("b")], "format": "json", "output": Path("r.json"), "exercice": 2025},
        ),
        (["check", "a", "-o", "-", "--remedes"], {"paths": [Path("a")], "remedes": True}),
        (
            ["check", "--historique", "h1", "--historique=h2", "-r", "regles", "--problemes-seulement"],
            {"historique": [Path("h1"), Path("h2")], "rules": Path("regles"), "problemes_seulement": True},
        ),
        (["check", "--ecrire-remedes", "out", "x"], {"paths": [Path("x")], "ecrire_remedes": Path("out")}),
        (["check", "-f", "text", "-f", "json"], {"format": "json"}),
        (["check", "lot", "-j2", "-fjson"], {"paths": [Path("lot")], "jobs": 2, "format": "json"}),
        (["check", "lot", "-o-", "-e2025"], {"paths": [Path("lot")], "exercice": 2025}),
    ],
)
def test_usual_command_lines_take_the_fast_path(argv: list[str], expected: dict[str, Any]) -> None:
    assert check_parameters(argv, {}) == {**DEFAULTS, **expected}
    assert typer_parameters(argv) == {**DEFAULTS, **expected}


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["check", "--help"],
        ["check", "a", "-h"],
        ["programmation", "a"],
        ["--version"],
        ["check", "--jobs", "0"],
        ["check", "--jobs", "-1"],
        ["check", "-qj2"],
        ["check", "-j0"],
        ["check", "-q2"],
        ["check", "-f=json"],
        ["check", "--", "a"],
        ["check", "-"],
        ["check", "--format"],
        ["check", "--quiet=oui"],
        ["check", "--inconnue"],
        ["check", ""],
    ],
)
def test_anything_else_goes_through_typer(argv: list[str]) -> None:
    assert check_parameters(argv, {}) is None


def test_completion_and_windows_go_through_typer() -> None:
    assert check_parameters(["check", "a"], {}) is not None
    assert check_parameters(["check", "a"], {"_CDV_COMPLETE": "bash_complete"}) is None
    assert check_parameters(["check", "a"], {}, os_name="nt") is None


# --------------------------------------------------------------------------- whole commands, both ways

Run = tuple[int, str, str]  # exit code, standard output, standard error


@pytest.fixture
def both(
    cdv: Callable[..., Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[Run, Run]]:
    """``both(*args, cwd=…)``: the command through typer (the ``cdv`` fixture), then through the console
    script's entry point, which must take the fast path (typer's ``main`` fails the test if called)."""
    import cdv_prog.cli
    from cdv_prog.cli import app

    def fast(args: list[str], cwd: Path) -> Run:
        capsys.readouterr()
        with monkeypatch.context() as m:
            m.chdir(cwd)
            m.setattr(app, "main", lambda argv: pytest.fail(f"typer ran: {argv}"))
            try:
                cdv_prog.cli.main(args)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    def run(*args: str, cwd: Path, between: Callable[[], None] = lambda: None) -> tuple[Run, Run]:
        assert check_parameters(list(args), {}) is not None
        slow = cdv(*args, cwd=cwd)  # the cdv fixture also clears the terminal's variables for the whole test
        between()
        return (slow.code, slow.out, slow.err), fast(list(args), cwd)

    return run


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--format", "json"],
        ["--format", "github"],
        ["-q"],
        ["--remedes"],
        ["--format", "xml"],  # unknown format: a French usage error, exit 2
        ["--format", "json", "--quiet"],  # refused: exit 2
        ["introuvable.yaml"],  # a missing path: exit 2
    ],
)
def test_the_fast_path_writes_what_typer_writes(
    both: Callable[..., tuple[Run, Run]],
    tmp_path: Path,
    base_dossier: dict[str, Any],
    to_yaml: Callable[[Any], str],
    extra: list[str],
) -> None:
    (tmp_path / "d1.yaml").write_text(to_yaml(base_dossier), encoding="utf-8")
    (tmp_path / "d2.yaml").write_text(to_yaml({**base_dossier, "id": "CDV-TEST-002"}), encoding="utf-8")
    (tmp_path / "casse.yaml").write_text("id: [", encoding="utf-8")
    slow, fast = both("check", "d1.yaml", "d2.yaml", "casse.yaml", "--sans-cache", *extra, cwd=tmp_path)
    assert fast == slow
    assert slow[0] in (1, 2)  # casse.yaml is invalide; the refused options exit 2


def test_the_fast_path_writes_the_same_report_file(
    both: Callable[..., tuple[Run, Run]], tmp_path: Path, base_dossier: dict[str, Any], to_yaml: Callable[[Any], str]
) -> None:
    (tmp_path / "d.yaml").write_text(to_yaml(base_dossier), encoding="utf-8")
    written: list[bytes] = []

    def keep_and_remove() -> None:
        written.append((tmp_path / "r.json").read_bytes())
        (tmp_path / "r.json").unlink()

    slow, fast = both("check", "d.yaml", "-o", "r.json", cwd=tmp_path, between=keep_and_remove)
    assert fast == slow and fast[:2] == (0, "") and "Rapport écrit : r.json" in fast[2]
    assert (tmp_path / "r.json").read_bytes() == written[0] and b'"verdict": "eligible"' in written[0]


def test_the_fast_path_knows_every_option_of_check() -> None:
    """A new option of ``cdv check`` must be taught to the fast path (or every line with it goes through typer,
    and a line without it would miss its default)."""
    import inspect

    from typer.core import TyperOption

    from cdv_prog.cli.app import command
    from cdv_prog.cli.check import check

    check_command = command().commands["check"]
    declared = {o for p in check_command.params if isinstance(p, TyperOption) for o in (*p.opts, *p.secondary_opts)}
    assert declared - {"--help", "-h"} == set(OPTIONS)
    assert tuple(inspect.signature(check).parameters) == NAMES
    assert tuple(inspect.signature(check_run.run_check).parameters) == NAMES
    assert tuple(check_parameters(["check"], {}) or ()) == NAMES
