"""The command tree built on demand (``cli/app.py``): the same commands, help and values as the whole tree.

``main()`` builds only the command it runs (``command(lazy=True)``); what it builds must be
what the whole tree holds. The imports this saves are checked on the real process by
``tests/hostile/test_hostile_fast_start.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer._click.core import Context

from cdv_prog.cli.app import COMMANDS, command

REPO = Path(__file__).resolve().parent.parent


def _help(cmd: Any, *path: str) -> str:
    ctx = Context(cmd, info_name="cdv")
    current = cmd
    for name in path:
        current = current.get_command(ctx, name)
        ctx = Context(current, info_name=name, parent=ctx)
    return ctx.get_help()


def test_the_lazy_tree_lists_the_commands_of_the_whole_tree_in_order() -> None:
    whole: Any = command()
    lazy: Any = command(lazy=True)
    ctx = Context(lazy, info_name="cdv")
    assert lazy.list_commands(ctx) == list(whole.commands) == list(COMMANDS)
    assert not lazy.commands
    assert _help(lazy) == _help(whole)


def test_a_command_built_on_demand_is_the_one_of_the_whole_tree() -> None:
    whole: Any = command()
    for path in (("check",), ("arbitrage",), ("regles",), ("regles", "verifier"), ("cache", "vider")):
        lazy: Any = command(lazy=True)
        assert _help(lazy, *path) == _help(whole, *path), path
        assert list(lazy.commands) == [path[0]]


def test_options_left_out_or_given_are_read_as_before(cdv) -> None:
    """A value given is coerced (typed, refused in French); an option left out stays ``None``."""
    dossier = REPO / "tests" / "fixtures" / "dossiers" / "CDV-T-001.yaml"
    given = cdv("check", dossier, "--exercice", "2025", "--jobs", "1", "--format", "json")
    assert given.code == 0 and given.json()["dossiers"][0]["exercice"] == 2025
    left_out = cdv("check", dossier, "--format", "json")
    assert left_out.out == given.out
    refused = cdv("check", dossier, "--jobs", "deux")
    assert refused.code == 2 and "--jobs" in refused.err and "deux" in refused.err
    other = cdv("check", dossier, "--exercice", "deux-mille")
    assert other.code == 2 and "--exercice" in other.err


def test_a_cdv_process_collects_its_young_objects_less_often(monkeypatch, capsys) -> None:
    """The entry point sets the collector's thresholds (``cli.GC_SEUILS``) before anything is imported or checked."""
    import gc

    from cdv_prog import cli

    before = gc.get_threshold()
    monkeypatch.chdir(REPO)
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(SystemExit) as exit_:
            cli.main(["check", "data/dossiers/2025/CDV-2025-001.yaml", "--format", "json"])
        assert exit_.value.code in (0, 1)
        assert gc.get_threshold() == cli.GC_SEUILS
        assert cli.GC_SEUILS[0] > 700
    finally:
        gc.set_threshold(*before)
    assert '"verdict"' in capsys.readouterr().out
