"""The model on generated exercices: every proposal fits and stays eligible when re-checked independently."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.arbitrage.aide import dossier_data, reports_of

from cdv_prog.core.engine import juger
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.ecriture_accorde import avec_accorde
from cdv_prog.files.loader import load_yaml_text
from cdv_prog.programmation.arbitrage.explication import expliquer
from cdv_prog.programmation.arbitrage.modele import avec_accorde as dossier_avec_accorde
from cdv_prog.programmation.arbitrage.modele import construire
from cdv_prog.programmation.arbitrage.solveur import resoudre

FINANCEURS = ("etat", "ville", "agglo", "caf", "habitat-audois")


@st.composite
def exercices(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(5, 25))
    out = []
    for i in range(n):
        noms = draw(st.lists(st.sampled_from(FINANCEURS), min_size=2, max_size=4, unique=True))
        lignes = [(f, draw(st.integers(300, 30000))) for f in noms]
        quartier = draw(st.sampled_from(["grazailles", "esperance-berriac", "hors-qpv"]))
        out.append(dossier_data(f"GEN-{i:03d}", lignes, quartier))
    return out


@settings(max_examples=15, deadline=None)
@given(exercices(), st.integers(5000, 150000), st.integers(5000, 150000))
def test_proposal_fits_and_is_eligible(regles: JeuDeRegles, datas: list[dict], agglo: int, ville: int) -> None:
    reports = reports_of(datas, regles)
    modifs = {"agglo/aap-annuel": Decimal(agglo), "ville": Decimal(ville)}
    p = construire(reports, regles, 2025, modifications=modifs)
    prop = resoudre(p)
    assert prop.faisable  # no CPO held at its demand: leaving everything out always fits
    sommes = {e.cle: Decimal(0) for e in p.enveloppes}
    for c in p.candidats:
        montants = prop.retenus.get(c.id)
        if montants is None:
            continue
        assert all(
            m == m.to_integral_value() or m == ligne.demande for m, ligne in zip(montants, c.lignes, strict=True)
        )
        assert all(0 <= m <= ligne.demande for m, ligne in zip(montants, c.lignes, strict=True))
        assert juger(dossier_avec_accorde(c.dossier, montants), regles, "x").verdict == "eligible"
        for ligne, m in zip(c.lignes, montants, strict=True):
            for cle in ligne.enveloppes:
                sommes[cle] += m
    for e in p.enveloppes:
        assert sommes[e.cle] <= e.montant
    arbitrage = expliquer(p, prop, marginales=False)
    for e in arbitrage.enveloppes:
        assert e.saturee == (e.montant - sommes[e.cle] < 1)


def test_cents_are_kept_only_in_full(regles: JeuDeRegles) -> None:
    datas = [
        dossier_data("C-1", [("etat", 1000), ("agglo", 1000)]),
        dossier_data("C-2", [("etat", 1000), ("agglo", 1000)]),
    ]
    datas[0]["financements"][1]["montant"] = "1000.50"
    datas[0]["budget"]["total"] = "2100.50"
    reports = reports_of(datas, regles)
    p = construire(reports, regles, 2025, modifications={"agglo/aap-annuel": Decimal("1700")})
    prop = resoudre(p)
    montants = [m for ms in prop.retenus.values() for m in ms]
    assert all(m == m.to_integral_value() for m in montants)  # 1 000,50 € cannot be kept in full: whole euros
    p2 = construire(reports, regles, 2025, modifications={"agglo/aap-annuel": Decimal("2000.50")})
    prop2 = resoudre(p2)
    assert prop2.retenus["C-1"][1] == Decimal("1000.50")  # kept in full, with its cents


def test_accorde_written_in_place() -> None:
    texte = (
        "id: X\nfinancements:\n"
        "  - {financeur: etat, dispositif: BOP 147, montant: 3000, accorde: 2500}\n"
        "  - {financeur: ville, montant: 4000}  # note\n"
        '  - financeur: caf\n    accorde: 10 # c\n    montant: "4 000,00 €"\n'
        "  - financeur: agglo\n    montant: 700\n"
    )
    nouveau = avec_accorde(texte, [Decimal(1), Decimal(2), Decimal(3), Decimal("4.5")])
    data = load_yaml_text(nouveau).data
    assert [f["accorde"] for f in data["financements"]] == [1, 2, 3, Decimal("4.50")]
    assert "# note" in nouveau and "# c" in nouveau
    assert nouveau.count("\n") == texte.count("\n") + 1  # one line added, for the agglo line


def test_history_is_the_earlier_exercices(regles: JeuDeRegles, tmp_path: Path) -> None:
    """``cdv arbitrage`` reads the history as ``cdv check`` does (cli.historique.lire_historique)."""
    import yaml

    from cdv_prog.cli.historique import lire_historique

    ancien = dossier_data("H-2024", [("etat", 1000), ("ville", 1000)])
    ancien["exercice"] = 2024
    ancien["action"]["debut"] = ancien["action"]["debut"].replace(year=2024)
    ancien["action"]["fin"] = ancien["action"]["fin"].replace(year=2024)
    files = []
    for data in (ancien, dossier_data("H-2025", [("etat", 1000), ("ville", 1000)])):
        path = tmp_path / f"{data['exercice']}" / f"{data['id']}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(path)
    histo = lire_historique(files, None, regles, 2025)[0].historique.vue(2025)
    assert histo is not None
    assert [d.id for d in histo.dossiers] == ["H-2024"]
    assert not lire_historique(files, None, regles, 2024)[0].historique.dossiers
