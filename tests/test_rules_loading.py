"""The rule set: the shipped catalogue and invalid rules files (``docs/regles.md``).

An invalid rules file is a usage error: ``cdv check --rules BAD`` exits 2 with
a French message on stderr naming the file and the line, and no traceback.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog import kinds
from cdv_prog.core.ruleset import RulesError
from cdv_prog.files.rules import default_rules_path, load_rules, packaged_rules_path
from rules_text import edit_rule

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "rules"
CONTRACT_TEXT = REPO.parent / "shared" / "reference" / "contrat-de-ville-carcassonne-agglo-2024-2030.txt"
DOSSIER = Path(__file__).parent / "fixtures" / "dossiers" / "CDV-T-001.yaml"

# docs/regles.md, catalogue: id → (gravité, where the source must point)
SPEC = {
    "financeurs-principaux": ("bloquant", "ch. 4"),
    "plancher-financeur": ("bloquant", "ch. 4"),
    "budget-equilibre": ("bloquant", "Cerfa n°12156"),
    "quartier-prioritaire": ("avertissement", "ch. 2"),
    "cpo-duree": ("bloquant", "ch. 2"),
    "cpo-cofinancement": ("avertissement", "ch. 2"),  # v2: a target, not a condition of eligibility
    "cpo-evaluation-annuelle": ("bloquant", "ch. 2"),
    "caf-exercice-unique": ("bloquant", "ch. 5"),
    "caf-seul-financeur": ("bloquant", "ch. 5"),
    "caf-pieces": ("bloquant", "ch. 5"),
    "caf-parentalite-elan": ("avertissement", "ch. 5"),
    "caf-bilan-renouvellement": ("bloquant", "ch. 5"),
    "departement-cofinancement": ("avertissement", "ch. 5"),
    "bonus-innovation": ("information", "ch. 4"),
    # v2
    "hors-qpv-etat-p147": ("avertissement", "ch. 2"),
    "action-exercice": ("avertissement", "ch. 5"),
    "pluriannuelle-hors-cpo": ("avertissement", "ch. 2"),
    "caf-nature-aide": ("avertissement", "ch. 5"),
    "cpo-continuite": ("avertissement", "ch. 2"),
    "precedent-coherent": ("avertissement", "ch. 2"),
    "dispositif-financeur": ("avertissement", "ch. 5"),
}


# --------------------------------------------------------------------------- the shipped catalogue


def test_the_14_spec_rules_with_their_gravite(regles) -> None:
    assert set(SPEC) <= set(regles.regles)
    for rule_id, (gravite, _) in SPEC.items():
        assert regles.regles[rule_id].gravite == gravite, rule_id


def test_every_rule_cites_its_source(regles) -> None:
    for rule_id, regle in regles.regles.items():
        assert regle.source.strip(), rule_id
        assert "Contrat de ville" in regle.source or "Cerfa" in regle.source, rule_id
    for rule_id, (_, where) in SPEC.items():
        assert where in regles.regles[rule_id].source, f"{rule_id} : la source doit citer {where}"
        if where.startswith("ch."):
            assert "«" in regles.regles[rule_id].source, f"{rule_id} : la source doit citer le texte du contrat"


def _normalise(text: str) -> str:
    text = (
        unicodedata.normalize("NFC", text)
        .replace("**", "")
        .replace("’", "'")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
    )
    return re.sub(r"\s+", " ", text).lower()


@pytest.mark.skipif(not CONTRACT_TEXT.exists(), reason="texte du contrat absent (../shared/reference)")
def test_quoted_phrases_come_from_the_contract(regles) -> None:
    """Every « quotation » of a source (pieces between « … ») is in the contract text."""
    contract = _normalise(CONTRACT_TEXT.read_text(encoding="utf-8"))
    for rule_id in SPEC:
        source = regles.regles[rule_id].source
        if not source.startswith("Contrat de ville"):
            continue
        # outermost quotations after the first colon (section titles come before it)
        quoted = re.findall(r"«\s*(.+?)\s*»(?:\s*(?:;|$|\())", source.split(":", 1)[1] + ";")
        assert quoted, rule_id
        for quote in quoted:
            for piece in re.split(r"\s*…\s*", quote):
                piece = re.sub(r"\s*«.*?»\s*", " ", piece).strip(" ,;")
                words = _normalise(piece)
                if len(words) < 12:
                    continue
                assert words in contract, f"{rule_id} : « {piece} » introuvable dans le contrat"


def test_spec_parameters(regles) -> None:
    def params(rule_id: str, year: int = 2025):
        p, missing = regles.regles[rule_id].parametres(year, regles)
        assert missing is None
        return p

    assert params("plancher-financeur").minimum == Decimal(500)
    assert params("plancher-financeur", 2024).minimum == Decimal(500)
    assert params("plancher-financeur").groupes is None  # v2: every financeur that finances…
    assert params("plancher-financeur").sauf_groupes == ["prive"]  # …except groupe prive
    assert "ch. 5" in regles.regles["plancher-financeur"].source  # the Département's floor, under its own chapter
    assert params("financeurs-principaux").minimum == 2
    assert set(params("financeurs-principaux").parmi) == {"etat", "ville", "agglo"}
    assert params("cpo-cofinancement").part == Decimal("0.5")
    assert set(params("cpo-cofinancement").financeurs) == {"etat", "ville", "agglo", "departement", "caf", "region"}
    assert params("cpo-duree").duree == 3
    assert set(params("caf-pieces").pieces) == {"attestation-prefecture", "liste-bureau", "rib"}
    assert params("cpo-evaluation-annuelle").pieces == ["evaluation-annuelle"]
    bilan = params("caf-bilan-renouvellement")
    assert (bilan.mois, bilan.jour) == (4, 30)
    assert (bilan.au_plus_tot.mois, bilan.au_plus_tot.jour, bilan.au_plus_tot.decalage_annees) == (1, 1, -1)
    assert regles.regles["caf-bilan-renouvellement"].condition.finance_n_1 == ["caf"]
    assert regles.regles["caf-pieces"].condition.type_porteur == ["association", None]
    assert regles.regles["bonus-innovation"].condition.objectif is True
    assert params("hors-qpv-etat-p147").dispositifs == ["bop-147"]
    assert params("pluriannuelle-hors-cpo").annees == 1
    assert params("caf-nature-aide").financeurs == ["caf"]
    assert params("departement-cofinancement").minimum == 2
    assert set(params("departement-cofinancement").parmi) == {"etat", "ville", "agglo"}


def test_spec_parameter_names_are_in_the_yaml() -> None:
    """docs/regles.md fixes the names ``minimum`` and ``part`` (a fraction) in rules/regles.yaml."""
    from cdv_prog.files.loader import load_yaml_file

    rules = load_yaml_file(RULES_DIR / "regles.yaml").data["regles"]
    assert "minimum" in rules["plancher-financeur"]
    assert "minimum" in rules["financeurs-principaux"]
    assert rules["cpo-cofinancement"]["part"] == Decimal("0.5")


# The référentiels as the contract names them; a lettre de cadrage may add more of each.
FINANCEURS = {
    "etat": "principal",
    "ville": "principal",
    "agglo": "principal",
    "departement": "partenaire",
    "region": "partenaire",
    "caf": "partenaire",
    "ars": "partenaire",
    "alogea": "bailleur",
    "habitat-audois": "bailleur",
    "marcou-habitat": "bailleur",
    "europe": "autre",
    "prive": "prive",
    "autre": "autre",
}
QUARTIERS = {
    "bastide-pont-vieux": "qpv",
    "fleming-la-reille": "qpv",
    "grazailles": "qpv",
    "la-conte-ozanam-sainte-marie": "qpv",
    "viguier-saint-jacques": "qpv",
    "aiguille-trebes": "veille",
    "esperance-berriac": "veille",
}
OBJECTIFS = {
    "grandir": {"grandir.sante", "grandir.education", "grandir.sport", "grandir.culture", "grandir.solidarites"},
    "habiter": {"habiter.tranquillite", "habiter.entretien", "habiter.amenagement", "habiter.habitat-durable"},
    "travailler": {"travailler.emploi", "travailler.jeunes", "travailler.initiative", "travailler.commerce"},
}
AXES = {"mobilites", "transition-ecologique", "lutte-discriminations", "participation-habitants"}


def test_referentiels_of_spec_3_3(regles) -> None:
    """The référentiels docs/dossier.md lists, as shipped; a lettre de cadrage may add more of each."""
    groupes = {code: f.groupe for code, f in regles.financeurs.items()}
    assert groupes.items() >= FINANCEURS.items()
    assert set(groupes.values()) <= {"principal", "partenaire", "bailleur", "autre", "prive"}
    assert {code: q.statut for code, q in regles.quartiers.items()}.items() >= QUARTIERS.items()
    for defi, objectifs in OBJECTIFS.items():
        assert objectifs <= set(regles.defis[defi].objectifs), defi
    assert set(regles.axes) >= AXES
    assert list(regles.contrat.periode) == [2024, 2030]


def test_every_rule_uses_a_registered_kind(regles) -> None:
    for regle in regles.regles.values():
        assert kinds.get(regle.type) is regle.kind


# --------------------------------------------------------------------------- packaged rules


def test_packaged_rules_are_the_repository_rules() -> None:
    packaged = packaged_rules_path()
    names = sorted(p.name for p in RULES_DIR.glob("*.yaml"))
    assert names and sorted(p.name for p in packaged.glob("*.yaml")) == names
    for name in names:
        assert (packaged / name).read_bytes() == (RULES_DIR / name).read_bytes(), name


def test_pyproject_ships_rules_inside_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include.get("rules") == "cdv_prog/rules"


def test_built_wheel_contains_the_same_rules(tmp_path) -> None:
    """Build the wheel (hatchling, no network) and compare its rules with rules/.

    hatchling is in the ``test`` extra: a missing one fails here, it is not skipped.
    """
    import zipfile

    from hatchling.builders.wheel import WheelBuilder

    wheel = Path(next(iter(WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"]))))
    assert wheel.parent == tmp_path
    with zipfile.ZipFile(wheel) as zf:
        shipped = {
            n.removeprefix("cdv_prog/rules/"): zf.read(n)
            for n in zf.namelist()
            if n.startswith("cdv_prog/rules/") and n.count("/") == 2 and n.endswith((".yaml", ".yml"))
        }
    repo = {p.name: p.read_bytes() for p in RULES_DIR.glob("*.yaml")}
    assert shipped == repo


def test_default_rules_path(tmp_path) -> None:
    assert default_rules_path(tmp_path) == packaged_rules_path()
    (tmp_path / "rules").mkdir()
    assert default_rules_path(tmp_path) == tmp_path / "rules"


# --------------------------------------------------------------------------- invalid rules files


def _line(path: Path, needle: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, t in enumerate(lines) if after in t)
    return next(i for i, t in enumerate(lines[start:], start + 1) if needle in t)


def _edit(rules: Path, old: str, new: str, name: str = "regles.yaml", rule: str | None = None) -> Path:
    """Replace ``old`` by ``new`` in the block of ``rule`` (which must hold it once), else in the whole file."""
    path = rules / name
    if rule is not None:
        return edit_rule(path, rule, old, new)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must appear once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _unknown_kind(rules: Path):
    path = _edit(rules, "type: montant-minimum", "type: montant-minimun", rule="plancher-financeur")
    return path, "regles.plancher-financeur.type", _line(path, "montant-minimun")


def _missing_param(rules: Path):
    path = _edit(rules, "    minimum: {2024: 500}\n", "", rule="plancher-financeur")
    return path, "regles.plancher-financeur.minimum", _line(path, "  plancher-financeur:")


def _missing_dated_param(rules: Path):
    path = _edit(
        rules,
        "    parmi: [etat, ville, agglo]\n    minimum: 2\n",
        "    parmi: {2024: [etat, ville, agglo]}\n",
        rule="financeurs-principaux",
    )
    return path, "regles.financeurs-principaux.minimum", _line(path, "  financeurs-principaux:")


def _ill_typed_part(rules: Path):
    path = _edit(rules, "part: 0.5", "part: cinquante", rule="cpo-cofinancement")
    return path, "regles.cpo-cofinancement.part", _line(path, "part: cinquante")


def _part_as_percent(rules: Path):
    path = _edit(rules, "part: 0.5", "part: 50", rule="cpo-cofinancement")
    return path, "regles.cpo-cofinancement.part", _line(path, "part: 50")


def _ill_typed_dated_minimum(rules: Path):
    path = _edit(rules, "minimum: {2024: 500}", "minimum: {2024: 500, 2026: mille}", rule="plancher-financeur")
    return path, "regles.plancher-financeur.minimum[2026]", _line(path, "2026: mille")


def _ill_typed_minimum(rules: Path):
    path = _edit(
        rules,
        "    minimum: 2\n    gravite: bloquant",
        "    minimum: deux\n    gravite: bloquant",
        rule="financeurs-principaux",
    )
    return path, "regles.financeurs-principaux.minimum", _line(path, "minimum: deux")


def _unknown_financeur(rules: Path):
    path = _edit(rules, "parmi: [etat, ville, agglo]", "parmi: [etat, vile, agglo]", rule="financeurs-principaux")
    return path, "regles.financeurs-principaux.parmi[1]", _line(path, "[etat, vile,", after="  financeurs-principaux:")


def _unknown_financeur_in_si(rules: Path):
    path = _edit(rules, "si: {finance: departement}", "si: {finance: dept}", rule="departement-cofinancement")
    return path, "regles.departement-cofinancement.si.finance[0]", _line(path, "finance: dept")


def _unknown_key(rules: Path):
    path = _edit(
        rules,
        "    type: budget-equilibre\n",
        "    type: budget-equilibre\n    sévérité: bloquant\n",
        rule="budget-equilibre",
    )
    return path, "regles.budget-equilibre.sévérité", _line(path, "sévérité")


def _unknown_si_key(rules: Path):
    path = _edit(rules, "si: {finance: departement}", "si: {financeur: departement}", rule="departement-cofinancement")
    return path, "regles.departement-cofinancement.si.financeur", _line(path, "si: {financeur")


def _missing_source(rules: Path):
    path = rules / "regles.yaml"
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(  budget-equilibre:\n(?:    (?!source).*\n)*)    source: >-\n(?:      .*\n)+", r"\1", text, count=1)
    assert new != text
    path.write_text(new, encoding="utf-8")
    return path, "regles.budget-equilibre.source", _line(path, "  budget-equilibre:")


def _bad_gravite(rules: Path):
    path = _edit(rules, "    gravite: information\n", "    gravite: info\n", rule="bonus-innovation")
    return path, "regles.bonus-innovation.gravite", _line(path, "gravite: info", after="  bonus-innovation:")


def _duplicate_key(rules: Path):
    path = _edit(
        rules,
        "    minimum: 2\n    gravite: bloquant",
        "    minimum: 2\n    minimum: 3\n    gravite: bloquant",
        rule="financeurs-principaux",
    )
    return path, "regles.financeurs-principaux.minimum", _line(path, "minimum: 3", after="  financeurs-principaux:")


def _duplicate_id_across_files(rules: Path):
    path = rules / "zz-supplement.yaml"  # read after regles.yaml (files are read in name order)
    path.write_text(
        "regles:\n  budget-equilibre:\n    type: budget-equilibre\n    gravite: bloquant\n    source: x\n",
        encoding="utf-8",
    )
    return path, "regles.budget-equilibre", 2


def _duplicate_financeur_across_files(rules: Path):
    path = rules / "zz-financeurs.yaml"
    path.write_text("financeurs:\n  caf: {nom: CAF bis, groupe: partenaire}\n", encoding="utf-8")
    return path, "financeurs.caf", 2


def _unknown_section(rules: Path):
    path = rules / "zz-section.yaml"
    path.write_text("# règles en plus\nregle:\n  x: {}\n", encoding="utf-8")
    return path, "regle", 2


def _yaml_syntax(rules: Path):
    path = _edit(rules, "parmi: [etat, ville, agglo]", "parmi: [etat, ville, agglo", rule="financeurs-principaux")
    return path, "", _line(path, "    minimum: 2", after="  financeurs-principaux:")


def _python_tag(rules: Path):
    path = _edit(
        rules,
        "    minimum: 2\n    gravite: bloquant",
        "    minimum: !!python/object/apply:os.system [ls]\n    gravite: bloquant",
        rule="financeurs-principaux",
    )
    return path, "regles.financeurs-principaux.minimum", _line(path, "!!python")


def _enveloppe_unknown_financeur(rules: Path):
    path = _edit(rules, "  ville:\n", "  vile:\n", name="enveloppes.yaml")
    return path, "enveloppes.vile", _line(path, "vile:")


def _bad_quartier_statut(rules: Path):
    path = _edit(
        rules,
        "grazailles: {nom: Grazailles, statut: qpv}",
        "grazailles: {nom: Grazailles, statut: prioritaire}",
        name="contrat.yaml",
    )
    return path, "quartiers.grazailles.statut", _line(path, "statut: prioritaire")


INVALID_RULES: dict[str, Callable[[Path], tuple[Path, str, int]]] = {
    "genre-inconnu": _unknown_kind,
    "parametre-manquant": _missing_param,
    "parametre-date-manquant": _missing_dated_param,
    "parametre-mal-type-part": _ill_typed_part,
    "part-en-pourcentage": _part_as_percent,
    "parametre-mal-type-minimum": _ill_typed_minimum,
    "parametre-date-mal-type": _ill_typed_dated_minimum,
    "financeur-inconnu-parametre": _unknown_financeur,
    "financeur-inconnu-condition": _unknown_financeur_in_si,
    "cle-inconnue-regle": _unknown_key,
    "cle-inconnue-condition": _unknown_si_key,
    "source-manquante": _missing_source,
    "gravite-inconnue": _bad_gravite,
    "cle-en-double": _duplicate_key,
    "id-en-double-deux-fichiers": _duplicate_id_across_files,
    "financeur-en-double-deux-fichiers": _duplicate_financeur_across_files,
    "section-inconnue": _unknown_section,
    "yaml-mal-forme": _yaml_syntax,
    "etiquette-python": _python_tag,
    "enveloppe-financeur-inconnu": _enveloppe_unknown_financeur,
    "statut-quartier-inconnu": _bad_quartier_statut,
}


@pytest.mark.parametrize("case", list(INVALID_RULES), ids=list(INVALID_RULES))
def test_invalid_rules_name_file_field_and_line(case: str, rules_copy: Path) -> None:
    path, champ, ligne = INVALID_RULES[case](rules_copy)
    with pytest.raises(RulesError) as info:
        load_rules(rules_copy)
    found = [(Path(p.fichier).name, p.champ, p.ligne) for p in info.value.problems]
    assert (path.name, champ, ligne) in found, found
    for p in info.value.problems:
        assert p.message.strip()
        for english in ("Field required", "Input should", "should be", "Traceback"):
            assert english not in p.message, p.message


# a few representative cases through the command line (`cdv check --rules BAD`)
CLI_CASES = [
    "genre-inconnu",
    "parametre-manquant",
    "parametre-mal-type-part",
    "financeur-inconnu-parametre",
    "cle-inconnue-regle",
    "id-en-double-deux-fichiers",
    "source-manquante",
    "cle-en-double",
]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cdv_check_with_invalid_rules_exits_2(case: str, rules_copy: Path, cdv) -> None:
    path, _, ligne = INVALID_RULES[case](rules_copy)
    result = cdv("check", DOSSIER, "--rules", rules_copy, "--format", "json")
    assert result.code == 2, result.err
    assert result.out == ""  # no payload on a usage error
    assert "Traceback" not in result.err
    assert f"{path}:{ligne}" in result.err, result.err  # file and line, on one line
    assert "Règles invalides" in result.err or "règle" in result.err.lower()


def test_cdv_check_with_a_missing_rules_path_exits_2(tmp_path, cdv) -> None:
    result = cdv("check", DOSSIER, "--rules", tmp_path / "absent")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "introuvable" in result.err


def test_a_single_rules_file_is_accepted(tmp_path, rules_copy) -> None:
    """--rules may name one file holding every section."""
    merged = "\n".join(
        (rules_copy / n).read_text(encoding="utf-8")
        for n in ("contrat.yaml", "dispositifs.yaml", "enveloppes.yaml", "regles.yaml")
    )
    one = tmp_path / "toutes-les-regles.yaml"
    one.write_text(merged, encoding="utf-8")
    rs = load_rules(one)
    assert set(SPEC) <= set(rs.regles)


def test_empty_rules_folder_is_an_error(tmp_path) -> None:
    with pytest.raises(RulesError):
        load_rules(tmp_path)
