"""Smoke tests of the real processes: the installed ``cdv`` console script and ``python -m cdv_prog``.

Every other command-line test runs ``main()`` in-process (the ``cdv`` fixture
of conftest.py); these few check what only a real process shows: the entry
points are installed and importable, the exit code reaches the shell, the
payload alone goes to standard output, and worker processes (``--jobs 2``)
change nothing in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdv_prog import __version__

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "data" / "dossiers"


def _console_script() -> list[str]:
    bindir = Path(sys.executable).parent
    script = next((p for p in (bindir / "cdv", bindir / "cdv.exe") if p.is_file()), None)
    assert script is not None, f"script cdv absent de {bindir} : installer le paquet (pip install -e '.[test]')"
    return [str(script)]


LAUNCHERS = {
    "console-script": _console_script,
    "python-m": lambda: [sys.executable, "-m", "cdv_prog"],
}


def run(launcher: str, *args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    for var in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CDV_DEBUG"):
        env.pop(var, None)
    return subprocess.run([*LAUNCHERS[launcher](), *map(str, args)], cwd=cwd, env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_version(launcher: str) -> None:
    proc = run(launcher, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == f"cdv {__version__}\n"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["check", "tests/fixtures/dossiers"], 0, id="eligibles-0"),
        pytest.param(["check", "data/dossiers"], 1, id="exemples-ineligibles-1"),
        pytest.param(["check", "pas/de/dossier/ici"], 2, id="chemin-absent-2"),
    ],
)
def test_exit_codes_of_the_console_script(args: list[str], code: int) -> None:
    """The shipped examples hold inéligible dossiers on purpose: exit 1."""
    proc = run("console-script", *args)
    assert proc.returncode == code, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stdout + proc.stderr


def test_json_payload_alone_on_stdout() -> None:
    proc = run("python-m", "check", "data/dossiers", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout.decode("utf-8"))
    files = list(EXAMPLES.rglob("*.yaml")) + list(EXAMPLES.rglob("*.yml"))
    assert doc["resume"]["total"] == len(doc["dossiers"]) == len(files)


def test_usage_error_in_french_exits_2_without_traceback() -> None:
    proc = run("python-m", "check", "--bogus", "data/dossiers")
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "Traceback" not in stderr
    assert "Erreur d'utilisation" in stderr and "option inconnue" in stderr
    assert "No such option" not in stderr


def test_jobs_1_and_2_give_byte_identical_json() -> None:
    one = run("python-m", "check", "data/dossiers", "--format", "json", "--jobs", "1")
    two = run("python-m", "check", "data/dossiers", "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 1, two.stderr
    assert one.stdout == two.stdout
    assert b"Traceback" not in one.stderr + two.stderr


_FIN_RAPIDE = """
import atexit, sys

class Trace:
    def __del__(self):  # run by Python's final teardown only
        sys.stderr.write("TEARDOWN\\n")

TRACE = Trace()
atexit.register(lambda: sys.stderr.write("ATEXIT\\n"))
sys.argv = ["cdv", *sys.argv[1:]]
from cdv_prog.cli import {entree}
{entree}()
"""


@pytest.mark.parametrize("entree", ["executer", "main"])
def test_the_process_ends_once_its_output_is_written_without_pythons_teardown(entree: str, cdv, tmp_path: Path) -> None:
    """The entry point of a process (:func:`cdv_prog.cli.executer`) ends it as soon as its output is
    flushed: the exit handlers run, the one-by-one destruction of every object does not (32 to 118 ms,
    issue 17). ``main``, the function a caller runs in-process, still ends as Python does. The payload
    is whole either way (piped, 2 000 lines of JSON and more), and so is the exit code."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", _FIN_RAPIDE.format(entree=entree), "check", "data/dossiers", "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 1, stderr  # the examples hold inéligible dossiers on purpose
    assert proc.stdout.decode("utf-8") == cdv("check", "data/dossiers", "--format", "json", cwd=REPO).out
    assert "ATEXIT" in stderr
    assert ("TEARDOWN" in stderr) == (entree == "main")
