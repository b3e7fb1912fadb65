"""``cdv regles doc``: the French reference, from the rules and the kinds' docstrings."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from cdv_prog import kinds
from cdv_prog.core.conditions import PHRASES
from cdv_prog.core.modeles.regles import Condition
from cdv_prog.core.money import euros
from cdv_prog.workflow.document import Code, Para, parse_kind_doc, rst_blocks

REPO = Path(__file__).resolve().parents[2]


def _all_kind_modules():
    return dict(kinds.KINDS)  # dossier and programmation kinds: one registry


@pytest.mark.parametrize(("name", "module"), sorted(_all_kind_modules().items()))
def test_every_kind_docstring_is_complete(name, module):
    """Three parts, each non-empty: « Ce que la règle vérifie : », « Pourquoi : », « Exemple : »."""
    doc = parse_kind_doc(module.__doc__)
    assert doc.resume, name
    assert doc.verifie.strip(), f"{name} : « Ce que la règle vérifie : » manquant ou vide"
    assert doc.pourquoi.strip(), f"{name} : « Pourquoi : » manquant ou vide"
    assert doc.exemple.strip(), f"{name} : « Exemple : » manquant ou vide"
    assert any(isinstance(b, Code) for b in rst_blocks(doc.exemple)), f"{name} : l'exemple n'a pas de bloc YAML"
    assert f"type: {name}" in doc.exemple, f"{name} : l'exemple ne montre pas le genre"


def test_parse_kind_doc_detects_missing_parts():
    doc = parse_kind_doc("Résumé.\n\nCe que la règle vérifie :\n    Quelque chose.\n\nPourquoi :\n\nExemple :\n    x\n")
    assert doc.verifie == "Quelque chose." and doc.pourquoi == "" and not doc.complete
    assert parse_kind_doc(None).complete is False


def test_rst_blocks():
    blocks = rst_blocks("Un ``code`` et **gras**.\n\n.. code-block:: yaml\n\n    a: 1\n    b:\n      c: 2\n\nFin.")
    assert (
        isinstance(blocks[0], Para) and ("code", "code") in blocks[0].inline and ("strong", "gras") in blocks[0].inline
    )
    assert blocks[1] == Code("yaml", "a: 1\nb:\n  c: 2")
    assert isinstance(blocks[2], Para)


def test_every_condition_has_words():
    """A new ``si:`` condition must get its French wording in the doc."""
    for name, fld in Condition.model_fields.items():
        key = fld.alias or name
        assert key == "finance" or key in PHRASES, key


def test_markdown_reference(cdv, regles):
    run = cdv("regles", "doc", "rules")
    assert run.code == 0
    md = run.out
    assert md.startswith("# Règles — Contrat de ville Carcassonne Agglo 2024-2030")
    for rid, regle in regles.regles.items():
        assert f"### {rid} — {regle.titre}" in md
        assert " ".join(regle.source.split())[:60] in md
    for code in regles.financeurs:
        assert f"| `{code}` |" in md
    for code in regles.quartiers:
        assert f"| `{code}` |" in md
    assert "**Gravité :** avertissement — un échec est une réserve" in md
    assert "**S'applique :** quand CAF finance le dossier et l'action est une action de soutien à la parentalité" in md
    assert "| `minimum` | 2024-2030 : 500,00 € |" in md
    assert "| `part` | 50 % |" in md
    first = regles.contrat.periode[0]
    for code, env in regles.enveloppes.items():  # each enveloppe: its périmètre, its amount, its sous-enveloppes
        amount = env.at(first)
        shown = euros(amount) if amount is not None else "non renseignée"
        assert f"| {regles.nom_court(code)} | {env.perimetre.texte()} | {shown} |" in md
        for sous in env.sous_enveloppes.values():
            assert f"dont « {sous.nom} » ({sous.code}) | {sous.perimetre.texte()} |" in md
    assert "## Genres de règles" in md and "### montant-minimum — " in md
    assert "```yaml\nplancher-financeur:\n  type: montant-minimum" in md
    assert "**Ce que la règle vérifie.**" in md and "**Pourquoi.**" in md


def test_parameters_by_year(cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 1000}")
    edit(rules_copy / "regles.yaml", "    duree: 3\n", "    duree: {2027: 4}\n")
    md = cdv("regles", "doc", rules_copy).out
    assert "| `minimum` | 2024-2025 : 500,00 € ; 2026-2030 : 1 000,00 € |" in md
    assert "| `duree` | 2024-2026 : pas de valeur (règle sans objet) ; 2027-2030 : 4 |" in md


def test_html_reference_is_self_contained_and_escaped(cdv, rules_copy, edit, tmp_path):
    edit(
        rules_copy / "regles.yaml",
        "    titre: Budget prévisionnel équilibré\n",
        "    titre: Budget <script>alert(1)</script> & co\n",
    )
    out = tmp_path / "doc" / "regles.html"
    run = cdv("regles", "doc", rules_copy, "--output", out)
    assert run.code == 0 and run.out == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "Budget &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[tuple[str, dict]] = []
            self.text: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

        def handle_data(self, data):
            self.text.append(data)

    parser = Collect()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert {"html", "head", "body", "h1", "h3", "table", "blockquote", "pre"} <= tags
    assert not any(a.get("src") or (a.get("href") or "").startswith(("http", "//")) for _, a in parser.tags)
    assert "http://" not in page and "https://" not in page
    assert any(a.get("id") == "regle-plancher-financeur" for _, a in parser.tags)


def test_markdown_to_a_file_and_deterministic(cdv, tmp_path):
    first = tmp_path / "a.md"
    second = tmp_path / "b.md"
    assert cdv("regles", "doc", "rules", "-o", first).code == 0
    assert cdv("regles", "doc", "rules", "-o", second).code == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text(encoding="utf-8") == cdv("regles", "doc", "rules").out


def test_refuses_to_write_over_a_rules_file(cdv, rules_copy):
    before = (rules_copy / "regles.yaml").read_bytes()
    run = cdv("regles", "doc", rules_copy, "-o", rules_copy / "regles.yaml")
    assert run.code == 2
    assert (rules_copy / "regles.yaml").read_bytes() == before


def test_invalid_rules(cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "    type: montant-minimum\n", "    type: plancher\n")
    run = cdv("regles", "doc", rules_copy)
    assert run.code == 2 and run.out == ""
