"""The one write path: every command that writes a file refuses to write over what it reads.

Each command that takes an output file (``-o``/``--output``, ``--junit``) is run
against the same hostile targets: one of its input files by name, through a
symbolic link and through a hard link; an existing YAML file that is not an
input (a report never goes onto YAML); a device node (written into, never
replaced). The target must come out intact (exit 2, French message) or, for
the device, still be a device. ``cdv importer`` writes dossiers: it must not
write one over a rules file it reads.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(cdv: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Any]:
    """The ``cdv`` fixture (conftest.py), run from tmp_path (the work folder)."""
    monkeypatch.chdir(tmp_path)

    def call(*args: str | Path) -> Any:
        return cdv(*args, cwd=tmp_path)

    return call


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the shipped rules (with their test cases) and three example dossiers."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    dossiers = tmp_path / "dossiers"
    dossiers.mkdir()
    for name in ("CDV-2025-001.yaml", "CDV-2025-002.yaml", "CDV-2025-003.yaml"):
        shutil.copy(REPO / "data" / "dossiers" / "2025" / name, dossiers / name)
    return tmp_path


# Each writing command, as a function of the target path (run from the work folder).
COMMANDES: dict[str, Callable[[Path], list[str | Path]]] = {
    "programmation -o": lambda t: ["programmation", "dossiers", "--rules", "rules", "--exercice", "2025", "-o", t],
    "programmation --format json -o": lambda t: [
        "programmation",
        "dossiers",
        "--rules",
        "rules",
        "--exercice",
        "2025",
        "--format",
        "json",
        "-o",
        t,
    ],
    "check -o": lambda t: ["check", "dossiers", "--rules", "rules", "-o", t],
    "arbitrage -o": lambda t: ["arbitrage", "dossiers", "--rules", "rules", "--exercice", "2025", "-o", t],
    "check --format json -o": lambda t: ["check", "dossiers", "--rules", "rules", "--format", "json", "-o", t],
    "regles doc -o": lambda t: ["regles", "doc", "rules", "-o", t],
    "regles tester --junit": lambda t: ["regles", "tester", "rules", "--junit", t],
    "regles tester -o": lambda t: ["regles", "tester", "rules", "-o", t],
    "regles verifier -o": lambda t: ["regles", "verifier", "rules", "-o", t],
    "regles diff -o": lambda t: ["regles", "diff", "rules", "rules", "dossiers", "-o", t],
    "regles couverture -o": lambda t: ["regles", "couverture", "dossiers", "--rules", "rules", "-o", t],
    "regles tester --couverture -o": lambda t: ["regles", "tester", "rules", "--couverture", "-o", t],
    "schema dossier -o": lambda t: ["schema", "dossier", "--rules", "rules", "-o", t],
    "schema regles -o": lambda t: ["schema", "regles", "--rules", "rules", "-o", t],
}

# Inputs every command reads: a rules file; the dossier only for the ones that read dossiers.
RULES_FILE = Path("rules") / "regles.yaml"
DOSSIER_FILE = Path("dossiers") / "CDV-2025-001.yaml"
TEST_CASE_FILE = Path("rules") / "tests" / "plancher-financeur.yaml"


def _inputs(commande: str) -> list[Path]:
    found = [RULES_FILE]
    if commande.startswith(("programmation", "check", "arbitrage", "regles diff", "regles couverture")):
        found.append(DOSSIER_FILE)
    if commande.startswith("regles tester"):
        found.append(TEST_CASE_FILE)
    return found


CAS = [(c, i) for c in COMMANDES for i in _inputs(c)]


@pytest.mark.parametrize(("commande", "entree"), CAS, ids=[f"{c} {i}" for c, i in CAS])
@pytest.mark.parametrize("acces", ["nom", "lien-symbolique", "lien-physique", "chemin-detourne"])
def test_an_input_is_never_written_over(run, work: Path, commande: str, entree: Path, acces: str) -> None:
    before = (work / entree).read_bytes()
    if acces == "nom":
        target: Path = entree
    elif acces == "chemin-detourne":
        target = Path(entree.parts[0]) / ".." / entree  # rules/../rules/regles.yaml
    else:
        target = Path(f"sortie-{acces}")  # no extension: any command may write any of its formats there
        if acces == "lien-symbolique":
            (work / target).symlink_to(work / entree)
        else:
            os.link(work / entree, work / target)
    result = run(*COMMANDES[commande](target))
    assert result.code == 2, (result.out, result.err)
    assert "refus" in result.err
    assert (work / entree).read_bytes() == before
    assert not list(work.rglob(".*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize("commande", list(COMMANDES))
def test_a_report_never_goes_onto_an_existing_yaml_file(run, work: Path, commande: str) -> None:
    other = work / "notes.yaml"  # not read by the command: still never replaced by a report
    other.write_text("a: 1\n", encoding="utf-8")
    result = run(*COMMANDES[commande](Path("notes.yaml")))
    assert result.code == 2
    assert other.read_text(encoding="utf-8") == "a: 1\n"


@pytest.mark.parametrize("commande", list(COMMANDES))
def test_a_new_report_is_written_whole(run, work: Path, commande: str) -> None:
    target = work / "rapports" / "sortie.out"
    target.parent.mkdir()
    result = run(*COMMANDES[commande](Path("rapports/sortie.out")))
    assert result.code in (0, 1), result.err
    assert target.stat().st_size > 0
    assert sorted(p.name for p in target.parent.iterdir()) == ["sortie.out"]  # no temporary file


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
@pytest.mark.parametrize("commande", list(COMMANDES))
def test_a_device_is_written_into_never_replaced(run, work: Path, commande: str) -> None:
    device = work / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    result = run(*COMMANDES[commande](Path("null")))
    assert result.code in (0, 1), result.err
    assert stat.S_ISCHR(device.stat().st_mode), "the device node was replaced by a regular file"


def test_importer_never_writes_a_dossier_over_a_rules_file(run, work: Path) -> None:
    """The dossier « 1 » would go to rules/CDV-2025-001.yaml, a rules file the import reads: even --remplacer refuses."""
    (work / "rules" / "regles.yaml").rename(work / "rules" / "CDV-2025-001.yaml")
    before = (work / "rules" / "CDV-2025-001.yaml").read_bytes()
    book = work / "programmation.csv"
    header = "N°;Intitulé;Porteur;Quartier(s);Défi;Date de début;Date de fin;Budget total;État;Ville"
    book.write_text(
        header + "\r\n1;Atelier;Association A;La Conte;Grandir;01/09/2025;31/12/2025;2000;1000;1000\r\n",
        encoding="utf-8",
    )
    result = run("importer", book, "--exercice", "2025", "--vers", "rules", "--rules", "rules", "--remplacer")
    assert result.code == 1, result.err
    assert "refus" in result.err
    assert (work / "rules" / "CDV-2025-001.yaml").read_bytes() == before


def test_ecrire_remedes_never_writes_a_corrected_dossier_over_an_input(run, work: Path) -> None:
    # an inéligible dossier named like a rules file, its corrected copy aimed at the rules folder
    shutil.copy(REPO / "data" / "dossiers" / "2025" / "CDV-2025-012.yaml", work / "dossiers" / "regles.yaml")
    before = (work / "rules" / "regles.yaml").read_bytes()
    res = run("check", "dossiers", "--rules", "rules", "--ecrire-remedes", "rules")
    assert res.code == 2 and "est dans rules, lu par cdv check" in res.err  # refused before the run
    assert (work / "rules" / "regles.yaml").read_bytes() == before
    assert sorted(p.name for p in (work / "rules").iterdir()) == sorted(p.name for p in (REPO / "rules").iterdir())


def test_ecrire_remedes_never_follows_a_link_onto_an_input(run, work: Path) -> None:
    source = work / "dossiers" / "CDV-2025-012.yaml"
    shutil.copy(REPO / "data" / "dossiers" / "2025" / "CDV-2025-012.yaml", source)
    before = source.read_bytes()
    (work / "corriges").mkdir()
    (work / "corriges" / "CDV-2025-012.yaml").symlink_to(source)
    res = run("check", "dossiers", "--rules", "rules", "--ecrire-remedes", "corriges")
    assert res.code == 2 and "refus de l'écraser" in res.err
    assert source.read_bytes() == before
