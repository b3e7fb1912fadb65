"""The streaming JSON writer is byte for byte ``json.dumps(indent=2, ensure_ascii=False)``."""

from __future__ import annotations

import io
import json

from cdv_fuzz import SETTINGS
from hypothesis import given
from hypothesis import strategies as st

from cdv_prog.render.json_stream import dumps, write_stream

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30)
)
keys = st.one_of(st.text(max_size=10), st.integers(-5, 5), st.booleans(), st.none(), st.floats(allow_nan=False))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5), max_leaves=25
)


@SETTINGS
@given(value=values)
def test_dumps_is_json_dumps(value) -> None:
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


@SETTINGS
@given(
    items=st.lists(st.dictionaries(st.text(max_size=8), values, max_size=4), max_size=5),
    tail=st.dictionaries(st.text(max_size=8), values, max_size=3),
)
def test_stream_is_the_whole_document(items: list, tail: dict) -> None:
    out = io.StringIO()
    write_stream(out, "dossiers", iter(items), lambda: tail)
    expected = {"dossiers": items, **{k: v for k, v in tail.items() if k != "dossiers"}}
    if "dossiers" not in tail:
        assert out.getvalue() == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
