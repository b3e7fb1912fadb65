"""The reader of standard output gone mid-batch (``cdv check … | head``): cdv ends, without waiting forever.

The write of the payload fails (a broken pipe) while ``--jobs`` workers still wait for their next chunk:
the process ends with its code (1) and stops them; multiprocessing's exit handler used to wait for them
forever. Real processes: the exit path under test (``cli.process._quitter``) is the process's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cdv_prog.files.parallel import can_fork

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "dossiers" / "2025"


@pytest.mark.skipif(not can_fork(), reason="--jobs forks its workers (Linux)")
@pytest.mark.parametrize("cache", [False, True], ids=["sans-cache", "cache"])
def test_reader_gone_mid_batch_ends_the_process(tmp_path: Path, cache: bool) -> None:
    lot = tmp_path / "lot"
    lot.mkdir()
    for i in range(6):  # ≈ 3 MB of JSON: far more than a pipe holds
        for f in sorted(EXAMPLES.glob("*.yaml")):
            shutil.copy(f, lot / f"{i}-{f.name}")
    cmd = [sys.executable, "-m", "cdv_prog", "check", str(lot), "--format", "json", "--jobs", "2"]
    if not cache:
        cmd.append("--sans-cache")
    env = dict(os.environ, CDV_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    debut = proc.stdout.read(100)
    proc.stdout.close()  # what `| head -c 100` does
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("cdv attend encore ses processus de travail, le lecteur parti")
    erreurs = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    assert debut.startswith(b'{\n  "format"')
    assert proc.returncode == 1
    assert "Erreur interne" not in erreurs and "Traceback" not in erreurs
