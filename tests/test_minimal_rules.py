"""A rules file with only the sections docs/regles.md requires (no défis, axes, pièces) works."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """\
contrat:
  nom: Contrat minimal
  periode: [2024, 2030]
financeurs:
  etat: {nom: État, groupe: principal}
  ville: {nom: Ville, groupe: principal}
  agglo: {nom: Agglo, groupe: principal}
  caf: {nom: CAF, groupe: partenaire}
quartiers:
  grazailles: {nom: Grazailles, statut: qpv}
enveloppes:
  agglo: {2024: 185000}
regles:
  plancher-financeur:
    type: montant-minimum
    minimum: 5000
    gravite: bloquant
    source: "ch. 4 : plancher"
"""


def test_minimal_rules_file(tmp_path: Path, cdv) -> None:
    rules = tmp_path / "regles.yaml"
    rules.write_text(MINIMAL, encoding="utf-8")
    dossier = ROOT / "data" / "dossiers" / "2025" / "CDV-2025-001.yaml"  # défi, objectif: not checked here
    run = cdv("check", "--rules", rules, "--format", "json", dossier, cwd=tmp_path)
    assert run.code == 1, run.err
    [report] = run.json()["dossiers"]
    assert report["verdict"] == "ineligible"
    assert [(c["regle"], c["statut"]) for c in report["constats"]] == [("plancher-financeur", "echec")]
