"""The COPIL page in a real browser (headless Chromium): on a 1400-px screen, on a 400-px phone, printed on A4.

The page is that of the shipped 2025 examples, written by the real command
(``cdv programmation data/dossiers/2025 -o copil.html``). Few tests, one page:
each start of Chromium costs about a second. Without Chromium they skip, saying
so; CI (``.ci/run``) installs it and sets ``CDV_NAVIGATEUR_REQUIS=1``, so there
they run or fail (``tests/navigateur.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdv_prog.core.money import euros
from cdv_prog.files.parallel import check_reports
from cdv_prog.programmation.calcul import calculer
from cdv_prog.render.programmation_common import TotauxGeneraux
from navigateur import exiger_chromium, imprimer, mesurer, pages_pdf, taille_page_mm

EXEMPLES = Path(__file__).resolve().parents[2] / "data" / "dossiers" / "2025"
PAGES_MAX = 4  # the aim: the 36 examples on at most 4 A4 pages

pytestmark = pytest.mark.xdist_group("navigateur")  # one worker: browsers do not compete for two cores


@pytest.fixture(scope="module")
def attendu(regles):
    """What a person must find on the page: the grand totals, every retained id, every rejected intitulé."""
    reports = list(check_reports(sorted(EXEMPLES.glob("*.yaml")), regles, 2025, jobs=1))
    tot = TotauxGeneraux.of(calculer(reports, regles, 2025))
    retenus = [str(r.id) for r in reports if r.verdict == "eligible"]
    ecartes = [r.dossier.intitule for r in reports if r.verdict != "eligible" and r.dossier is not None]
    return tot, retenus, ecartes


@pytest.fixture
def page(cdv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    exiger_chromium()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772355900")  # 1 March 2026, 9 h 05 UTC
    out = tmp_path / "copil.html"
    run = cdv("programmation", EXEMPLES, "-o", out)
    assert out.exists(), run.err
    return out


def _vu(texte: str) -> str:
    """innerText with its spaces made plain (non-breaking ones included)."""
    return " ".join(texte.replace("\xa0", " ").replace("\u202f", " ").split())


def test_phone_400_px_no_sideways_scroll_and_everything_there(page: Path, tmp_path: Path, attendu) -> None:
    tot, retenus, ecartes = attendu
    mesure = mesurer(page, 400, tmp_path)
    assert mesure.largeur == 400
    assert not mesure.defile_en_largeur, f"la page fait {mesure.contenu} px de large pour un écran de 400 px"
    vu = _vu(mesure.texte)
    assert euros(tot.retenu) in vu and euros(tot.demande) in vu
    assert "Généré le 1er mars 2026 à 10 h 05 (heure de Paris)" in vu
    missing = [i for i in retenus if i not in vu]
    assert not missing
    assert all(" ".join(intitule.split()) in vu for intitule in ecartes)


def test_screen_1400_px_no_sideways_scroll(page: Path, tmp_path: Path, attendu) -> None:
    tot, _, _ = attendu
    mesure = mesurer(page, 1400, tmp_path)
    assert not mesure.defile_en_largeur, f"la page fait {mesure.contenu} px de large pour 1400 px"
    assert euros(tot.retenu) in _vu(mesure.texte)


def test_printed_on_a4_within_the_page_target(page: Path, tmp_path: Path) -> None:
    pdf = imprimer(page, tmp_path)
    width, height = taille_page_mm(pdf)
    assert (round(width), round(height)) == (210, 297)  # A4, from the page's own @page rule
    assert 1 <= pages_pdf(pdf) <= PAGES_MAX


def test_pdf_page_count_reads_the_page_objects() -> None:
    fake = b"%PDF-1.4 1 0 obj << /Type /Pages /Count 2 >> 2 0 obj << /Type /Page >> 3 0 obj <</Type/Page/Parent 1>>"
    assert pages_pdf(fake) == 2
    assert taille_page_mm(b"/MediaBox [0 0 595.28 841.89]") == pytest.approx((210.0, 297.0), abs=0.01)


def test_phone_never_scrolls_sideways_even_with_endless_words(cdv, tmp_path: Path) -> None:
    """An intitulé or a porteur of 300 letters without a space (an eligible and a rejected dossier) wraps."""
    exiger_chromium()
    dossiers = tmp_path / "dossiers"
    dossiers.mkdir()
    for source in sorted(EXEMPLES.glob("*.yaml"))[:8]:  # eligible and inéligible ones
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["intitule"] = "Action" * 50
        data["porteur"]["nom"] = "Porteur" * 45
        (dossiers / source.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "long.html"
    run = cdv("programmation", dossiers, "-o", out)
    assert out.exists(), run.err
    assert "Action" * 50 in out.read_text(encoding="utf-8")
    mesure = mesurer(out, 400, tmp_path)
    assert not mesure.defile_en_largeur, f"la page fait {mesure.contenu} px de large pour un écran de 400 px"
