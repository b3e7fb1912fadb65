"""A real browser for the tests of the HTML reports: headless Chromium, driven directly (no Python dependency).

* :func:`mesurer` loads a page in an ``<iframe>`` of the width asked (a phone's
  400 px: headless Chromium's window cannot be narrower than 500 px) inside a
  small wrapper page, and reads back what a person would see: the width of the
  page's content against the width of the viewport (a page wider than its
  viewport scrolls sideways) and the page's visible text (``innerText``).
* :func:`imprimer` prints a page to PDF as Chromium prints it (the page's own
  ``@page`` size and margins, no header or footer), :func:`pages_pdf` counts
  its pages.

Without Chromium the tests skip, saying so; with ``CDV_NAVIGATEUR_REQUIS=1``
(set by ``.ci/run``, which installs Chromium) they fail instead, so that CI never
passes them in silence.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

NOMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
REQUIS = "CDV_NAVIGATEUR_REQUIS"
TIMEOUT = 120  # seconds: a loaded machine is slow, a hung browser is not
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)


def chromium() -> str | None:
    """The Chromium of this machine, or None."""
    for nom in NOMS:
        found = shutil.which(nom)
        if found:
            return found
    return None


def exiger_chromium() -> str:
    """Chromium's path; else the test skips with the reason (fails under ``CDV_NAVIGATEUR_REQUIS=1``)."""
    found = chromium()
    if found is None:
        message = (
            "Chromium absent (paquet Debian « chromium ») : les tests dans un vrai navigateur ne sont pas lancés "
            "(.ci/run l'installe)"
        )
        if os.environ.get(REQUIS) == "1":
            pytest.fail(message + f" alors que {REQUIS}=1")
        pytest.skip(message)
    return found


def _lancer(args: list[str], profil: Path) -> str:
    exe = exiger_chromium()
    profil.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profil}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@dataclass(frozen=True)
class Mesure:
    """What the page shows in a viewport of ``largeur`` pixels."""

    largeur: int  # the viewport's width (clientWidth of the page's root)
    contenu: int  # the width of the page's content (scrollWidth): more than ``largeur`` scrolls sideways
    texte: str  # the visible text (innerText)

    @property
    def defile_en_largeur(self) -> bool:
        return self.contenu > self.largeur


MESURE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="{src}" style="width:{largeur}px;height:900px;border:0;display:block"></iframe>
<pre id="mesure"></pre>
<script>
var f = document.getElementById("f");
function mesurer() {{
  var d = f.contentDocument, e = d.documentElement;
  document.getElementById("mesure").textContent = JSON.stringify(
    {{largeur: e.clientWidth, contenu: Math.max(e.scrollWidth, d.body.scrollWidth), texte: d.body.innerText}});
}}
f.addEventListener("load", mesurer);
</script></body></html>
"""


def mesurer(page: Path, largeur: int, dossier: Path) -> Mesure:
    """``page`` shown ``largeur`` pixels wide (an iframe, device-independent): its measures and visible text."""
    enveloppe = dossier / f"mesure-{largeur}.html"
    enveloppe.write_text(MESURE.format(src=html.escape(page.resolve().as_uri()), largeur=largeur), encoding="utf-8")
    dom = _lancer(
        [
            f"--window-size={max(largeur + 100, 600)},1000",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            enveloppe.as_uri(),
        ],
        dossier / "profil",
    )
    found = re.search(r'<pre id="mesure">(.*?)</pre>', dom, re.DOTALL)
    assert found and found.group(1), f"la page n'a pas été mesurée : {dom[-1000:]}"
    data = json.loads(html.unescape(found.group(1)))
    return Mesure(int(data["largeur"]), int(data["contenu"]), str(data["texte"]))


def imprimer(page: Path, dossier: Path) -> bytes:
    """``page`` printed to PDF by Chromium (its ``@page`` size and margins, no header or footer)."""
    pdf = dossier / (page.stem + ".pdf")
    _lancer(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri()], dossier / "profil")
    return pdf.read_bytes()


def capture(page: Path, largeur: int, hauteur: int, dossier: Path) -> bytes:
    """A PNG screenshot of ``page`` in a window of ``largeur`` × ``hauteur`` pixels (a person looks at it)."""
    png = dossier / f"{page.stem}-{largeur}.png"
    _lancer([f"--window-size={largeur},{hauteur}", f"--screenshot={png}", page.resolve().as_uri()], dossier / "profil")
    return png.read_bytes()


def pages_pdf(data: bytes) -> int:
    """The number of pages of a PDF: its ``/Type /Page`` objects (Chromium writes no object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def taille_page_mm(data: bytes) -> tuple[float, float]:
    """Width and height in millimetres of the first page's ``/MediaBox``."""
    found = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", data)
    assert found, "PDF sans /MediaBox"
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    return (x1 - x0) * 25.4 / 72, (y1 - y0) * 25.4 / 72
