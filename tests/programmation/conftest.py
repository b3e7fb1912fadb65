"""Fixtures of the programmation tests: dossiers built in memory, rules with chosen enveloppes.

Amounts are written as strings ("1000.50"), which the dossier format accepts,
so that test data never goes through binary floats.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import juger as check_dossier
from cdv_prog.core.money import parse_amount
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.rules import load_rules

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture
def prog_dossier(make_dossier: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``prog_dossier(id, financements, autres="0", **fragment)``: a dossier dict whose budget balances."""

    def make(ident: str, financements: list[dict[str, Any]], autres: str = "0", **fragment: Any) -> dict[str, Any]:
        total = sum((parse_amount(f["montant"]) for f in financements), Decimal(0)) + parse_amount(autres)
        data = make_dossier(fragment)
        data["id"] = ident
        data["financements"] = financements
        data["budget"] = {"total": f"{total:f}", "autres-produits": autres}
        return data

    return make


@pytest.fixture
def make_report(regles: JeuDeRegles) -> Callable[..., DossierReport]:
    """``make_report(data, rules=None)``: the engine's report of a dossier dict (no file)."""

    def make(data: dict[str, Any], rules: JeuDeRegles | None = None) -> DossierReport:
        rs = rules or regles
        dossier = Dossier.valider(data, rs)
        return check_dossier(dossier, rs, f"{data['id']}.yaml")

    return make


@pytest.fixture
def rules_dir_with(tmp_path: Path) -> Callable[..., Path]:
    """``rules_dir_with(enveloppes={...}, programmation=None)``: a copy of rules/ with these sections replaced.

    ``programmation=None`` keeps the shipped programmation rules; ``{}`` drops them.
    """
    counter = iter(range(10**6))

    def make(enveloppes: dict[str, Any] | None = None, programmation: dict[str, Any] | None = None) -> Path:
        dest = tmp_path / f"regles-prog-{next(counter)}"
        shutil.copytree(RULES_DIR, dest)
        for name, section in (("enveloppes", enveloppes), ("programmation", programmation)):
            if section is not None:
                text = yaml.safe_dump({name: section}, allow_unicode=True, sort_keys=False)
                (dest / f"{name}.yaml").write_text(text, encoding="utf-8")
        return dest

    return make


@pytest.fixture
def rules_with(rules_dir_with: Callable[..., Path]) -> Callable[..., JeuDeRegles]:
    """Like ``rules_dir_with``, loaded."""

    def make(**sections: Any) -> JeuDeRegles:
        return load_rules(rules_dir_with(**sections))

    return make
