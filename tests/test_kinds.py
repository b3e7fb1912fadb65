"""Each rule kind against its readable YAML cases (tests/fixtures/kinds/<genre>.yaml).

For every case a rules folder is written holding just that rule (the
référentiels are the shipped ones), the dossier fragment is merged onto the
valid base dossier, and the engine's constat is compared by rule id.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cdv_prog import kinds
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.files.loader import load_yaml_file
from cdv_prog.files.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "kinds"
RULE_ID = "regle-testee"
CASE_KEYS = {"nom", "parametres", "si", "gravite", "dossier", "attendu", "verdict"}


def _cases() -> list[Any]:
    out = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = load_yaml_file(path).data
        for i, case in enumerate(data["cas"], 1):
            slug = re.sub(r"[^a-z0-9]+", "-", case["nom"].lower()).strip("-")[:40]
            out.append(pytest.param(data["genre"], case, id=f"{data['genre']}-{i:02d}-{slug}"))
    return out


CASES = _cases()


def test_every_kind_has_a_fixture_file() -> None:
    files = {p.stem for p in FIXTURES.glob("*.yaml")}
    dossier_kinds = set(kinds.registry("dossier"))
    assert dossier_kinds <= files, f"genres sans cas d'essai : {sorted(dossier_kinds - files)}"
    assert files <= dossier_kinds, f"fichiers de cas sans genre : {sorted(files - dossier_kinds)}"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fixture_files_are_well_formed(path: Path) -> None:
    data = load_yaml_file(path).data
    assert data["genre"] == path.stem
    assert data["cas"], "au moins un cas"
    statuts = set()
    for case in data["cas"]:
        assert set(case) <= CASE_KEYS, f"clé inconnue dans le cas {case.get('nom')}"
        assert {"nom", "parametres", "attendu"} <= set(case)
        assert case["attendu"] in ("ok", "echec", "sans-objet")
        statuts.add(case["attendu"])
    # each kind is shown both passing and failing (information never fails)
    assert "ok" in statuts
    assert "echec" in statuts or data["genre"] == "information"


@pytest.mark.parametrize("module", list(kinds.KINDS.values()), ids=list(kinds.KINDS))
def test_kind_contract(module: Any) -> None:
    """A kind declares TYPE, Parametres, verifier and a three-part French docstring."""
    doc = module.__doc__ or ""
    for part in ("Ce que la règle vérifie", "Pourquoi", "Exemple"):
        assert part in doc, f"{module.TYPE} : partie « {part} » absente de la docstring"
    assert callable(module.verifier)
    assert module.Parametres.model_config.get("extra") == "forbid"


@pytest.mark.parametrize(("genre", "case"), CASES)
def test_kind_case(genre: str, case: dict[str, Any], write_rules, make_dossier) -> None:
    rule: dict[str, Any] = {
        "type": genre,
        "gravite": case.get("gravite", "bloquant"),
        "source": "cas d'essai",
        **(case["parametres"] or {}),
    }
    if "si" in case:
        rule["si"] = case["si"]
    rs = load_rules(write_rules({RULE_ID: rule}))
    dossier = Dossier.model_validate(make_dossier(case.get("dossier") or {}), context={"regles": rs})

    constats = evaluer(dossier, rs)

    assert [c.regle for c in constats] == [RULE_ID]
    constat = constats[0]
    assert constat.statut == case["attendu"], constat.message
    assert constat.gravite == rule["gravite"]
    assert constat.source == "cas d'essai"
    assert constat.message.strip()
    if "verdict" in case:
        assert verdict(constats) == case["verdict"]
