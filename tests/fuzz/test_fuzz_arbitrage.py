"""``cdv arbitrage`` against brute force: on small exercices, the solver's optimum is the enumeration's.

Up to 4 dossiers in the default profile, 6 with ``HYPOTHESIS_PROFILE=fuzz``; 3 financeurs (État without
enveloppe, Ville and Agglo with small enveloppes), amounts of a few euros and a floor of 2 € (a copy of the
shipped rules with that one parameter changed). The enumeration tries every whole-euro amount of every line
that may be cut, keeps the combinations the **engine** judges eligible (not the kinds' constraints: an
independent check of them), and every subset of dossiers that fits the enveloppes; then compares, level by
level, the retained demand, the total granted and the largest relative cut of a line.
"""

from __future__ import annotations

import itertools
import os
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.arbitrage.aide import dossier_data, reports_of

from cdv_prog.core.engine import juger
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.rules import load_rules
from cdv_prog.programmation.arbitrage.modele import Candidat, Probleme, avec_accorde, construire
from cdv_prog.programmation.arbitrage.solveur import resoudre

REPO = Path(__file__).resolve().parents[2]
MAX_DOSSIERS = 6 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 4


@pytest.fixture(scope="module")
def petites_regles(tmp_path_factory: pytest.TempPathFactory) -> JeuDeRegles:
    dest = tmp_path_factory.mktemp("regles") / "rules"
    shutil.copytree(REPO / "rules", dest)
    regles = dest / "regles.yaml"
    text = regles.read_text(encoding="utf-8")
    assert "minimum: {2024: 500}" in text
    regles.write_text(text.replace("minimum: {2024: 500}", "minimum: {2024: 2}"), encoding="utf-8")
    return load_rules(dest)


@st.composite
def exercices(draw: st.DrawFn) -> tuple[list[dict], int, int]:
    n = draw(st.integers(1, MAX_DOSSIERS))
    datas = []
    for i in range(n):
        noms = draw(st.lists(st.sampled_from(["etat", "ville", "agglo"]), min_size=2, max_size=3, unique=True))
        datas.append(dossier_data(f"F-{i}", [(f, draw(st.integers(1, 3))) for f in sorted(noms)]))
    return datas, draw(st.integers(0, 9)), draw(st.integers(0, 9))


def _options(p: Probleme, c: Candidat) -> list[tuple[Decimal, ...]]:
    """Every vector of amounts (whole euros) under which the engine finds the dossier eligible."""
    choix = [
        [Decimal(v) for v in range(int(ligne.demande) + 1)] if ligne.ajustable else [ligne.demande]
        for ligne in c.lignes
    ]
    out = []
    for montants in itertools.product(*choix):
        if juger(avec_accorde(c.dossier, montants), p.regles, "x").verdict == "eligible":
            out.append(tuple(montants))
    return out


def _objectifs(p: Probleme, retenus: dict[str, tuple[Decimal, ...]]) -> tuple[Fraction, Fraction, Fraction]:
    demande = sum((Fraction(c.demande) for c in p.candidats if c.id in retenus), Fraction(0))
    accorde = Fraction(0)
    coupe = Fraction(0)
    for c in p.candidats:
        montants = retenus.get(c.id)
        if montants is None:
            continue
        for ligne, m in zip(c.lignes, montants, strict=True):
            if ligne.ajustable:
                accorde += Fraction(m)
                coupe = max(coupe, 1 - Fraction(m) / Fraction(ligne.demande))
    return demande, accorde, -coupe  # every level: greater is better


def _force_brute(p: Probleme) -> tuple[Fraction, Fraction, Fraction]:
    options = [(c, [None, *_options(p, c)]) for c in p.candidats]
    best: tuple[Fraction, Fraction, Fraction] | None = None
    for combo in itertools.product(*(opts for _, opts in options)):
        utilise = {e.cle: Decimal(0) for e in p.enveloppes}
        retenus = {}
        for (c, _), montants in zip(options, combo, strict=True):
            if montants is None:
                continue
            retenus[c.id] = montants
            for ligne, m in zip(c.lignes, montants, strict=True):
                for cle in ligne.enveloppes:
                    utilise[cle] += m
        if any(utilise[e.cle] > e.montant for e in p.enveloppes):
            continue
        value = _objectifs(p, retenus)
        if best is None or value > best:
            best = value
    assert best is not None  # retaining nothing always fits
    return best


@settings(deadline=None)  # a solve's time depends on the machine's load: no timed test
@given(exercices())
def test_solver_equals_brute_force(petites_regles: JeuDeRegles, cas: tuple[list[dict], int, int]) -> None:
    datas, ville, agglo = cas
    modifs = {"ville": Decimal(ville), "agglo": Decimal(agglo), "agglo/aap-annuel": Decimal(agglo)}
    p = construire(reports_of(datas, petites_regles), petites_regles, 2025, modifications=modifs)
    prop = resoudre(p)
    assert prop.faisable
    assert _objectifs(p, prop.retenus) == _force_brute(p)
