"""A few fuzzed batches through the real command: exit code 0 or 1, parseable JSON, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cdv_fuzz import CLI_SETTINGS, mutated_dossiers, mutated_texts, to_yaml, valid_dossiers
from hypothesis import given
from hypothesis import strategies as st


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "cdv_prog", *args], cwd=cwd, env=env, capture_output=True, timeout=60)


@CLI_SETTINGS
@given(
    sources=st.lists(
        st.one_of(mutated_dossiers().map(to_yaml), mutated_texts(), valid_dossiers().map(to_yaml)),
        min_size=1,
        max_size=5,
    )
)
def test_fuzzed_batch_through_the_command(sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lot"
        folder.mkdir()
        for i, source in enumerate(sources):
            (folder / f"d{i:02d}.yaml").write_bytes(source.encode("utf-8"))
        as_json = _run("check", str(folder), "--format", "json", cwd=Path(tmp))
        assert as_json.returncode in (0, 1), as_json.stderr
        assert b"Traceback" not in as_json.stderr
        payload = json.loads(as_json.stdout.decode("utf-8"))
        assert payload["resume"]["total"] == len(sources)
        as_text = _run("check", str(folder), cwd=Path(tmp))
        assert as_text.returncode == as_json.returncode
        assert b"Traceback" not in as_text.stderr
