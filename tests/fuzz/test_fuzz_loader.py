"""Fuzzing the hardened YAML loader: any text or bytes give data or a LoadFailed, nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from cdv_fuzz import SETTINGS, to_yaml, yaml_lines
from hypothesis import given
from hypothesis import strategies as st

from cdv_prog.files.loader import LoadFailed, decode, load_yaml_text

yaml_ish = st.text(st.sampled_from(list("ab01:-[]{},&*!|>'\"#%@`?~. \n\t\\e\x00\x07\ufeffé")), max_size=80)


def _errors_are_well_formed(exc: LoadFailed) -> None:
    assert exc.errors
    for err in exc.errors:
        assert isinstance(err.champ, str) and isinstance(err.message, str) and err.message
        assert err.ligne is None or err.ligne >= 1


@SETTINGS
@given(text=st.one_of(yaml_ish, st.text(max_size=200)))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    try:
        load_yaml_text(text)
    except LoadFailed as exc:
        _errors_are_well_formed(exc)


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_any_bytes_load_or_fail_cleanly(raw: bytes) -> None:
    try:
        load_yaml_text(decode(raw))
    except LoadFailed as exc:
        _errors_are_well_formed(exc)


plain = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.none(),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)
documents = st.dictionaries(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10),
    st.recursive(
        plain,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10), inner, max_size=4
            )
        ),
        max_leaves=12,
    ),
    max_size=6,
)


@SETTINGS
@given(data=documents)
def test_strict_reading_agrees_with_pyyaml_on_what_it_writes(data: dict[str, Any]) -> None:
    """On documents PyYAML writes (no floats), our strict reading gives what PyYAML reads back.

    (Not always ``data`` itself: PyYAML writes a NEL character in a way it reads back as a space.)
    """
    if not data:
        return
    text = to_yaml(data)
    loaded = load_yaml_text(text)
    assert loaded.data == yaml.safe_load(text)
    n_lines = yaml_lines(text)
    assert all(1 <= line <= n_lines for line in loaded.lines.values())
