"""Generic fixtures shared by the whole test suite.

Only generic helpers live here (the shipped rule set, a valid dossier and ways
to change it, writing YAML, running the ``cdv`` command line in-process); each test area
keeps its own specific fixtures in its own folder.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.core.findings import Constat
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.rules import load_rules, packaged_rules_path

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "rules"
EXAMPLES_DIR = REPO / "data" / "dossiers"

# A valid, eligible dossier of exercice 2025 that no conditional rule concerns:
# two principal financeurs above the plancher, a balanced budget, a QPV, no CAF,
# no Département, no CPO, not innovante.
BASE_DOSSIER: dict[str, Any] = {
    "id": "CDV-TEST-001",
    "exercice": 2025,
    "intitule": "Action de test",
    "porteur": {"nom": "Association de test", "type": "association"},
    "action": {
        "defi": "grandir",
        "objectif": "grandir.education",
        "quartiers": ["grazailles"],
        "debut": dt.date(2025, 1, 1),
        "fin": dt.date(2025, 12, 31),
    },
    "budget": {"total": 7000, "autres-produits": 1000},
    "financements": [
        {"financeur": "etat", "montant": 3000},
        {"financeur": "ville", "montant": 3000},
    ],
    "pieces": ["attestation-prefecture", "liste-bureau", "rib"],
}


def merge(base: Any, fragment: Any) -> Any:
    """Deep merge of a dossier fragment onto a dossier.

    Mappings are merged key by key; anything else (lists, scalars) replaces the
    base value; a key whose fragment value is ``None`` (``~`` in YAML) is removed.
    """
    if not isinstance(base, dict) or not isinstance(fragment, dict):
        return copy.deepcopy(fragment)
    out = copy.deepcopy(base)
    for key, value in fragment.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class _Dumper(yaml.SafeDumper):
    """YAML writer for test data: Decimal amounts written as plain numbers, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", format(v, "f")))


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="session")
def to_yaml() -> Callable[[Any], str]:
    """The YAML writer for test data (dates, Decimal amounts), as a fixture."""
    return dump_yaml


@dataclass
class Evaluation:
    """The engine's answer for one dossier: verdict and constats by rule id."""

    verdict: str
    constats: dict[str, Constat]

    def statut(self, regle: str) -> str:
        return self.constats[regle].statut

    @property
    def statuts(self) -> dict[str, str]:
        return {k: c.statut for k, c in self.constats.items()}

    def echecs(self) -> set[str]:
        return {k for k, c in self.constats.items() if c.statut == "echec"}


@pytest.fixture(scope="session")
def regles() -> JeuDeRegles:
    """The shipped rule set, loaded once."""
    return load_rules(packaged_rules_path())


@pytest.fixture
def base_dossier() -> dict[str, Any]:
    """A fresh copy of the valid, eligible base dossier (a plain dict)."""
    return copy.deepcopy(BASE_DOSSIER)


@pytest.fixture
def make_dossier() -> Callable[..., dict[str, Any]]:
    """``make_dossier(fragment)``: the base dossier with a fragment merged onto it."""

    def make(fragment: dict[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
        return merge(merge(BASE_DOSSIER, fragment or {}), keys)

    return make


@pytest.fixture
def build_dossier(regles: JeuDeRegles) -> Callable[[dict[str, Any]], Dossier]:
    """Validate a dossier dict against the models and the shipped référentiels."""

    def build(data: dict[str, Any], rules: JeuDeRegles | None = None) -> Dossier:
        return Dossier.valider(data, rules or regles)

    return build


@pytest.fixture
def evaluate(regles: JeuDeRegles) -> Callable[..., Evaluation]:
    """Run the pure engine on a dossier dict (shipped rules unless given)."""

    def run(data: dict[str, Any], rules: JeuDeRegles | None = None) -> Evaluation:
        rs = rules or regles
        dossier = Dossier.valider(data, rs)
        constats = evaluer(dossier, rs)
        return Evaluation(verdict(constats), {c.regle: c for c in constats})

    return run


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """``write_yaml(data_or_text, name="dossier.yaml")``: a file in tmp_path."""

    def write(data: Any, name: str = "dossier.yaml", folder: Path | None = None) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data if isinstance(data, str) else dump_yaml(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the repository's rules/ folder, safe to edit."""
    import shutil

    dest = tmp_path / "rules-copie"
    shutil.copytree(RULES_DIR, dest)
    return dest


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    """``write_rules({rule_id: rule})``: a rules folder whose ``regles`` are just these.

    The référentiels (contrat.yaml) are copied from the repository's rules/;
    the enveloppes are left out unless ``enveloppes=True``.
    """
    import shutil

    counter = iter(range(10**6))

    def write(rules: dict[str, Any], enveloppes: bool = False) -> Path:
        dest = tmp_path / f"regles-{next(counter)}"
        dest.mkdir()
        shutil.copy(RULES_DIR / "contrat.yaml", dest / "contrat.yaml")
        if enveloppes:
            shutil.copy(RULES_DIR / "enveloppes.yaml", dest / "enveloppes.yaml")
        (dest / "regles.yaml").write_text(dump_yaml({"regles": rules}), encoding="utf-8")
        return dest

    return write


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own, empty cache of reports (``files/cache.py``), never the user's."""
    folder = tmp_path_factory.mktemp("cdv-cache")
    monkeypatch.setenv("CDV_CACHE_DIR", str(folder))
    return folder


# Environment variables that change what the command prints (rich reads the colour and
# width ones, cdv reads CDV_DEBUG): removed for every in-process run.
_CLI_ENV = (
    "COLUMNS",
    "LINES",
    "FORCE_COLOR",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "COLORTERM",
    "TERM",
    "CDV_DEBUG",
)


@dataclass
class CliRun:
    """What one run of the command line gave: exit code, standard output, standard error."""

    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cdv(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliRun]:
    """``cdv("check", path, cwd=…)``: the real command line, in-process.

    The same ``main()`` as the console script (French usage errors, exit codes
    through ``sys.exit``), run in ``cwd`` (default: the repository), with its
    standard output and error captured (bytes written to ``sys.stdout.buffer``
    included). A traceback in the output fails the test. The few checks of the
    real process (console script, ``python -m``) are in ``test_smoke.py``.
    """
    from cdv_prog.cli.app import main

    for var in _CLI_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as main() sets it; undone after the test

    def run(*args: str | Path, cwd: Path | None = None) -> CliRun:
        capsys.readouterr()
        with monkeypatch.context() as m:
            m.chdir(cwd or REPO)
            try:
                main([str(a) for a in args])
                code = 0
            except SystemExit as exc:
                code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err, err
        return CliRun(code, out, err)

    return run
