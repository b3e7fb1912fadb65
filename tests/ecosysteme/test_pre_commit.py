"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit framework (``pre-commit try-repo``).

A temporary git repository holds dossiers and rules, as a chargé de mission's
repository would; ``try-repo`` installs cdv from this checkout into its own
environment (once for the module) and runs the hooks on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
    pytest.mark.xdist_group("pre-commit"),  # one worker: cdv is installed once for the module
]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache for this module: cdv is installed once for all the runs."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _repository(root: Path, dossiers: list[str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "cdv@example.org")
    _git(root, "config", "user.name", "cdv")
    (root / "dossiers").mkdir()
    for name in dossiers:
        shutil.copy(REPO / "data" / "dossiers" / "2025" / name, root / "dossiers" / name)
    shutil.copytree(REPO / "rules", root / "rules")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "dossiers et règles")
    return root


def _try_repo(repo: Path, home: Path, *hooks: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home))
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), *hooks, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_three_hooks_pass_on_an_eligible_repository(tmp_path: Path, home: Path) -> None:
    repo = _repository(tmp_path / "depot", ["CDV-2025-001.yaml", "CDV-2025-002.yaml"])
    run = _try_repo(repo, home)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("cdv check", "cdv regles verifier", "cdv regles tester"):
        assert any(line.startswith(name) and line.rstrip().endswith("Passed") for line in run.stdout.splitlines()), (
            name,
            run.stdout,
        )


def test_cdv_check_fails_the_commit_of_an_ineligible_dossier(tmp_path: Path, home: Path) -> None:
    repo = _repository(tmp_path / "depot", ["CDV-2025-001.yaml", "CDV-2025-006.yaml"])  # 006 is inéligible
    run = _try_repo(repo, home, "cdv-check")
    assert run.returncode == 1
    assert "Failed" in run.stdout and "CDV-2025-006" in run.stdout
