"""Each rule kind against its YAML cases: ``tests/kinds/<type>.yaml``, one file per registered kind.

The files are in the format of ``cdv regles tester`` (``docs/cas-de-test.md``):
each declares the rule(s) it tries in ``regles:`` (dossier kinds) or
``programmation:`` (programmation kinds), so its cases are judged with the
référentiels and enveloppes of the shipped rules but with only those rules.
The same runner as ``cdv regles tester`` runs them, one pytest case per YAML
case; a registered kind without its file (or a file without its kind) fails.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from cdv_prog import kinds
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.loader import LoadFailed, load_yaml_file
from cdv_prog.workflow.cases import CaseResult, Runner, find_test_files

KINDS_DIR = Path(__file__).parent / "kinds"
FILES = sorted(KINDS_DIR.glob("*.yaml"))
SECTIONS = ("regles", "programmation")


def _data(path: Path) -> Any:
    return load_yaml_file(path).data


def _cases() -> list[Any]:
    out = []
    for path in FILES:
        try:
            data = _data(path)
        except LoadFailed:
            out.append(pytest.param(path, 0, id=f"{path.stem}-fichier-illisible"))
            continue
        cases = data.get("cas") if isinstance(data, dict) else data
        for i, case in enumerate(cases if isinstance(cases, list) else []):
            nom = case.get("nom") if isinstance(case, dict) else None
            ascii_nom = unicodedata.normalize("NFKD", str(nom or "")).encode("ascii", "ignore").decode()
            slug = re.sub(r"[^a-z0-9]+", "-", ascii_nom.lower()).strip("-")[:40]
            out.append(pytest.param(path, i, id=f"{path.stem}-{i + 1:02d}-{slug}"))
    return out


CASES = _cases()
_RESULTS: dict[Path, list[CaseResult]] = {}


def results_of(path: Path, regles: JeuDeRegles) -> list[CaseResult]:
    """The runner's results for one file, computed once per worker."""
    if path not in _RESULTS:
        _RESULTS[path] = Runner(regles).run_file(path, path.name)
    return _RESULTS[path]


def rules_of_kind(data: dict[str, Any], kind: str) -> set[str]:
    """Ids of the rules of the file that are of this kind."""
    return {
        rid
        for section in SECTIONS
        for rid, rule in (data.get(section) or {}).items()
        if isinstance(rule, dict) and rule.get("type") == kind
    }


# --------------------------------------------------------------------------- the cases


@pytest.mark.parametrize(("path", "index"), CASES)
def test_kind_case(path: Path, index: int, regles: JeuDeRegles) -> None:
    results = results_of(path, regles)
    if len(results) == 1 and results[0].nom == "(fichier)":
        pytest.fail(f"{path.name} : " + "\n".join(results[0].details))
    result = results[index]
    assert result.passed, f"{path.name} › {result.nom} (ligne {result.ligne}) : " + "\n".join(result.details)


# --------------------------------------------------------------------------- every kind has its cases


@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_every_registered_kind_has_its_cases(kind: str) -> None:
    """``tests/kinds/<type>.yaml`` exists, declares a rule of that kind and shows it passing and failing."""
    path = KINDS_DIR / f"{kind}.yaml"
    assert path.is_file(), f"genre « {kind} » sans cas de test : ajouter tests/kinds/{kind}.yaml"
    data = _data(path)
    ids = rules_of_kind(data, kind)
    section = "programmation" if kinds.KINDS[kind].PORTEE == "programmation" else "regles"
    assert ids, f"{path.name} ne déclare aucune règle de genre « {kind} » dans « {section} »"
    statuts = {
        statut
        for case in data["cas"]
        for expected in (case["attendu"].get("regles") or {}, case["attendu"].get("programmation") or {})
        for rid, statut in expected.items()
        if rid in ids
    }
    assert "ok" in statuts, f"{path.name} : aucun cas où la règle est conforme (ok)"
    # each kind is shown both passing and failing (information never fails)
    assert "echec" in statuts or kind == "information", f"{path.name} : aucun cas où la règle échoue (echec)"


def test_every_file_names_a_registered_kind() -> None:
    unknown = sorted(p.stem for p in FILES if p.stem not in kinds.KINDS)
    assert not unknown, f"fichiers de tests/kinds/ sans genre enregistré (cdv_prog.kinds.KINDS) : {unknown}"


def test_the_shared_base_is_not_a_test_file(base_dossier: dict[str, Any]) -> None:
    """``base/dossier.yaml`` is BASE_DOSSIER of conftest.py, and only ``tests/kinds/*.yaml`` are test files."""
    assert find_test_files(KINDS_DIR) == FILES
    assert _data(KINDS_DIR / "base" / "dossier.yaml") == base_dossier
    assert all(_data(p).get("base-fichier") == "base/dossier.yaml" for p in FILES)


def test_cdv_regles_tester_runs_them(cdv: Any) -> None:
    """``cdv regles tester tests/kinds --rules rules``, from the repository's root, passes them all."""
    run = cdv("regles", "tester", "tests/kinds", "--rules", "rules")
    assert run.code == 0, run.out + run.err
    assert run.lines[-1] == f"{len(CASES)} passed, 0 failed"


# --------------------------------------------------------------------------- the kind modules


@pytest.mark.parametrize("module", list(kinds.KINDS.values()), ids=list(kinds.KINDS))
def test_kind_contract(module: Any) -> None:
    """A kind declares TYPE, PORTEE, Parametres, verifier and a three-part French docstring."""
    doc = module.__doc__ or ""
    for part in ("Ce que la règle vérifie", "Pourquoi", "Exemple"):
        assert part in doc, f"{module.TYPE} : partie « {part} » absente de la docstring"
    assert module.PORTEE in ("dossier", "programmation")
    assert callable(module.verifier)
    assert module.Parametres.model_config.get("extra") == "forbid"
