"""A few fuzzed batches through the command line, in-process: exit code 0 or 1, parseable JSON, no traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cdv_fuzz import CLI_SETTINGS, mutated_dossiers, mutated_texts, to_yaml, valid_dossiers
from hypothesis import given
from hypothesis import strategies as st


@CLI_SETTINGS
@given(
    sources=st.lists(
        st.one_of(mutated_dossiers().map(to_yaml), mutated_texts(), valid_dossiers().map(to_yaml)),
        min_size=1,
        max_size=5,
    )
)
def test_fuzzed_batch_through_the_command(cdv, sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lot"
        folder.mkdir()
        for i, source in enumerate(sources):
            (folder / f"d{i:02d}.yaml").write_bytes(source.encode("utf-8"))
        as_json = cdv("check", folder, "--format", "json", cwd=Path(tmp))  # the fixture fails on a traceback
        assert as_json.code in (0, 1), as_json.err
        payload = as_json.json()
        assert payload["resume"]["total"] == len(sources)
        as_text = cdv("check", folder, cwd=Path(tmp))
        assert as_text.code == as_json.code
