"""A data payload written in blocks (cli.common.par_blocs, for cdv check and cdv programmation): the same bytes,
fewer writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.cli import common
from cdv_prog.cli.common import par_blocs

chunks_st = st.lists(
    st.one_of(st.text(max_size=300), st.binary(max_size=300).map(bytes), st.just("é\udc80")),  # a lone surrogate too
    max_size=40,
)


def _un_par_un(chunks: list[str | bytes]) -> bytes:
    """What write_payload writes for each chunk of a data format, one after the other."""
    return b"".join(c.encode("utf-8", "backslashreplace") if isinstance(c, str) else c for c in chunks)


@settings(max_examples=200, deadline=None)
@given(chunks_st, st.integers(min_value=1, max_value=700))
def test_les_memes_octets_en_blocs(chunks, taille):
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(common, "PAYLOAD_BLOCK", taille)
        blocs = list(par_blocs(chunks))
    assert b"".join(blocs) == _un_par_un(chunks)
    assert all(blocs)  # never an empty write
    assert all(len(b) >= taille for b in blocs[:-1])  # every block but the last is full


def test_seize_dossiers_par_ecriture():
    dossier = b"x" * 16_000
    blocs = list(par_blocs([dossier] * 100))
    assert len(blocs) == 6 and b"".join(blocs) == dossier * 100  # 17 dossiers a block (272 KB), then the rest


def test_rien_a_ecrire():
    assert list(par_blocs([])) == []
