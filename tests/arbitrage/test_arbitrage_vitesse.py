"""The shortcuts that make a big exercice fast give the same explanation as the re-solves they skip."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.arbitrage.aide import dossier_data, reports_of
from tests.arbitrage.test_arbitrage_model import exercices

from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.programmation.arbitrage import explication
from cdv_prog.programmation.arbitrage.explication import expliquer
from cdv_prog.programmation.arbitrage.modele import Priorites, construire
from cdv_prog.programmation.arbitrage.solveur import resoudre


def _marginales(p: object, prop: object, *, raccourci: bool) -> list[str | None]:
    """The marginal values as a big exercice gives them (GRAND = 0), with or without the shortcut."""
    with mock.patch.object(explication, "GRAND", 0):
        if raccourci:
            arbitrage = expliquer(p, prop)  # type: ignore[arg-type]
        else:
            with mock.patch.object(explication, "_tous_retenus", return_value=False):
                arbitrage = expliquer(p, prop)  # type: ignore[arg-type]
    return [e.valeur_marginale for e in arbitrage.enveloppes]


@settings(max_examples=10, deadline=None)
@given(exercices(), st.integers(5000, 150000), st.integers(5000, 150000))
def test_skipped_resolves_say_what_the_resolve_says(
    regles: JeuDeRegles, datas: list[dict], agglo: int, ville: int
) -> None:
    p = construire(reports_of(datas, regles), regles, 2025, modifications={"agglo/aap-annuel": Decimal(agglo)})
    prop = resoudre(p)
    assert _marginales(p, prop, raccourci=True) == _marginales(p, prop, raccourci=False)


def _probleme(regles: JeuDeRegles, agglo: int, part: str = "0") -> tuple[object, object]:
    datas = [
        dossier_data("V-1", [("etat", 2000), ("agglo", 3000)]),
        dossier_data("V-2", [("etat", 2000), ("agglo", 3000)]),
    ]
    p = construire(
        reports_of(datas, regles),
        regles,
        2025,
        modifications={"agglo/aap-annuel": Decimal(agglo)},
        priorites=Priorites(part_minimum=Decimal(part)),
    )
    return p, resoudre(p)


def test_all_retained_the_resolve_is_skipped(regles: JeuDeRegles) -> None:
    p, prop = _probleme(regles, 5000)  # 6 000 € asked: both retained, cut by 1 000 €
    assert explication._tous_retenus(p, prop)  # type: ignore[arg-type]
    with mock.patch.object(explication, "GRAND", 0), mock.patch.object(explication, "resoudre") as resolve:
        arbitrage = expliquer(p, prop)  # type: ignore[arg-type]
    resolve.assert_not_called()
    agglo = next(e for e in arbitrage.enveloppes if e.cle == "agglo/aap-annuel")
    assert agglo.valeur_marginale is not None and "aucun dossier de plus" in agglo.valeur_marginale


def test_one_left_out_the_resolve_is_done(regles: JeuDeRegles) -> None:
    # each line keeps 90 %: 2 × 2 700 € do not fit in 5 000 €, one dossier is left out
    p, prop = _probleme(regles, 5000, "0.9")
    assert len(prop.retenus) == 1  # type: ignore[attr-defined]
    assert not explication._tous_retenus(p, prop)  # type: ignore[arg-type]
    with mock.patch.object(explication, "GRAND", 0):
        arbitrage = expliquer(p, prop)  # type: ignore[arg-type]
    agglo = next(e for e in arbitrage.enveloppes if e.cle == "agglo/aap-annuel")
    assert agglo.valeur_marginale is not None and "aucun dossier de plus" not in agglo.valeur_marginale
