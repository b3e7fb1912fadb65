"""A dossier's amounts sent to another process (``--jobs``): as exact decimal strings, never changed.

``Montants`` crosses process boundaries as text (each line's fields, amounts
written as decimal strings, the sums recomputed on arrival): what arrives is
equal to what left, amount for amount **and digit for digit** (the exponent of
each ``Decimal`` too: ``1150.00`` stays ``1150.00``), and much smaller than
pickled ``Decimal`` objects.
"""

from __future__ import annotations

import pickle
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.core.montants import LigneMontant, Montants

montants_st = st.decimals(
    min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False
) | st.sampled_from(
    [Decimal("0"), Decimal("1E+3"), Decimal("0.5"), Decimal("500"), Decimal("499.99"), Decimal("-0.00")]
)
lignes_st = st.builds(
    LigneMontant,
    st.sampled_from(["etat", "agglo", "ville", "caf"]),
    st.none() | st.sampled_from(["BOP 147", "Adultes-relais", "é\u00a0ç"]),
    montants_st,
    montants_st,
    st.none() | st.sampled_from(["bop-147", "adultes-relais"]),
    st.sampled_from(["specifique", "droit_commun"]),
)


def _chiffres(m: Montants) -> list[str]:
    return [str(x) for li in m.lignes for x in (li.demande, li.retenu)] + [
        f"{k}={v}" for d in (m.demandes, m.retenus) for k, v in d.items()
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(lignes_st, max_size=6), st.booleans(), st.booleans())
def test_aller_retour_exact(lignes, cpo, retenu_identique):
    if retenu_identique:  # as Montants.of makes them: retenu is the same object as demande
        lignes = [
            LigneMontant(li.financeur, li.dispositif, li.demande, li.demande, li.code_dispositif, li.nature)
            for li in lignes
        ]
    m = Montants.de_lignes(tuple(lignes), cpo)
    recu = pickle.loads(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL))
    assert recu == m
    assert _chiffres(recu) == _chiffres(m)  # digit for digit, exponents included
    assert list(recu.demandes) == list(m.demandes)  # the financeurs' order of first appearance


def test_sommes_comme_of():
    a, b = Decimal("1150.00"), Decimal("100.5")
    m = Montants.de_lignes((LigneMontant("etat", None, a, a), LigneMontant("etat", None, b, Decimal("0"))), True)
    assert str(m.demandes["etat"]) == "1250.50" and str(m.retenus["etat"]) == "1150.00"
    assert m.cpo is True


def test_envoi_compact():
    d = Decimal("12150.00")
    m = Montants.de_lignes(tuple(LigneMontant(f, "BOP 147", d, d, "bop-147") for f in ("etat", "agglo", "caf")), False)
    taille = len(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL))
    assert taille < 200  # pickled Decimal objects and dicts of them: about 400 bytes for these three lines


def test_un_champ_nouveau_voyage_aussi():
    """A new field of LigneMontant or Montants must go into ``Montants.__reduce__`` (and this list)."""
    from dataclasses import fields

    assert list(LigneMontant._fields) == [
        "financeur",
        "dispositif",
        "demande",
        "retenu",
        "code_dispositif",
        "nature",
    ], "champ ajouté à LigneMontant : l'envoyer aussi dans Montants.__reduce__"
    assert [f.name for f in fields(Montants)] == ["lignes", "cpo"], (
        "champ ajouté à Montants : l'envoyer aussi dans Montants.__reduce__"
    )


def test_les_montants_restent_immuables():
    """Lines and amounts are shared by every renderer of a report: none can change them."""
    import pytest

    d = Decimal("1150.00")
    ligne = LigneMontant("etat", "BOP 147", d, d, "bop-147")
    with pytest.raises(AttributeError):
        ligne.retenu = Decimal("0")  # type: ignore[misc]
    m = Montants.de_lignes((ligne, LigneMontant("etat", None, Decimal("0.5"), Decimal("0"))), False)
    with pytest.raises(AttributeError):
        m.cpo = True  # type: ignore[misc]
    assert m.demandes == {"etat": Decimal("1150.50")} and m.retenus == {"etat": Decimal("1150.00")}
    assert m == Montants.de_lignes(m.lignes, False) and hash(m) == hash(Montants.de_lignes(m.lignes, False))
