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


# --------------------------------------------------------------------------- gathered writes (os.writev)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=50), max_size=30), st.integers(min_value=1, max_value=64))
def test_ecrire_tout_reprend_apres_une_ecriture_partielle(parts, au_plus):
    """A gathered write may take only part of what it is given (a pipe, a signal): the rest follows, in order."""
    import os

    import pytest

    lu, ecrit = os.pipe()
    appels = []

    def writev_partiel(fd, buffers):
        data = b"".join(bytes(b) for b in buffers)[:au_plus]
        appels.append(len(data))
        return os.write(fd, data)

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "writev", writev_partiel)
            common.ecrire_tout(ecrit, list(parts))
        os.close(ecrit)
        recu = b""
        while chunk := os.read(lu, 1 << 16):
            recu += chunk
    finally:
        os.close(lu)
    assert recu == b"".join(parts)
    assert len(appels) == -(-len(recu) // au_plus)  # as many writes as the limit asks, none empty


def test_ecrire_tout_attend_un_descripteur_non_bloquant(tmp_path, monkeypatch):
    import os

    cible = tmp_path / "sortie"
    fd = os.open(cible, os.O_WRONLY | os.O_CREAT)
    vrai = os.writev
    refus = [True]

    def writev_plein(f, buffers):
        if refus.pop() if refus else False:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return vrai(f, buffers)

    monkeypatch.setattr(os, "writev", writev_plein)
    try:
        common.ecrire_tout(fd, [b"abc", b"def"])
    finally:
        os.close(fd)
    assert cible.read_bytes() == b"abcdef"


def test_write_payloads_dans_un_vrai_descripteur(capfd, monkeypatch):
    """Into standard output's file descriptor: gathered writes, the same bytes as chunk after chunk,
    after what the text layer still held."""
    import os
    import sys

    vrai, appels = os.writev, []
    monkeypatch.setattr(os, "writev", lambda fd, parts: appels.append(len(parts)) or vrai(fd, parts))
    chunks = ["début é\udc80 ", b"x" * 300_000, b"", "fin", *[b"y%d" % i for i in range(1_500)]]
    sys.stdout.write("avant ")
    common.write_payloads(chunks, for_people=False)
    assert appels[:2] == [2, 512]  # the first lot full at 256 KB, the next at 512 pieces: none joined
    sys.stdout.flush()
    out = capfd.readouterr().out.encode("utf-8", "surrogateescape")
    assert out == b"avant " + _un_par_un(chunks)


def test_par_lots_borne_le_nombre_de_morceaux():
    lots = list(common.par_lots([b"z"] * 1_300))
    assert [len(lot) for lot in lots] == [512, 512, 276]
    assert all(isinstance(part, bytes) for lot in lots for part in lot)
