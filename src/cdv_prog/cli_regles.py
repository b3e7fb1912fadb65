"""``cdv regles verifier|tester|diff|doc`` and ``cdv schema``: the lettre de cadrage workflow.

Registered on the main ``cdv`` app by one import line at the bottom of
:mod:`cdv_prog.cli`. Only typer and the standard library are imported at
module level, so ``cdv check`` does not pay for this module's commands.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli import ExerciceOpt, RulesOpt, app, err_console, fail_usage, find_files, load_ruleset, new_app

regles_app = new_app("regles", "Les règles d'une lettre de cadrage : les vérifier, les tester, les comparer, les documenter.")
app.add_typer(regles_app, name="regles")


class VerifierFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class TesterFormat(str, Enum):
    text = "text"
    github = "github"


class DiffFormat(str, Enum):
    text = "text"
    json = "json"


class SchemaName(str, Enum):
    dossier = "dossier"
    regles = "regles"


RulesPathArg = Annotated[
    Optional[Path],
    typer.Argument(help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.", show_default=False),
]


def _default_rules() -> Path:
    """The default rules path, relative to the current folder when inside it (shorter messages)."""
    import os

    from .regles import default_rules_path

    found = default_rules_path()
    try:
        rel = os.path.relpath(found)
    except ValueError:
        return found
    return Path(rel) if not rel.startswith("..") else found


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _write_file(path: Path, data: str | bytes) -> None:
    from .workflow.output_file import OutputError, write_atomic

    try:
        write_atomic(path, data)
    except OutputError as exc:
        raise fail_usage(str(exc)) from None


# --------------------------------------------------------------------------- verifier


@regles_app.command("verifier")
def verifier(
    path: RulesPathArg = None,
    format: Annotated[VerifierFormat, typer.Option("--format", "-f", help="Format de sortie : text, json, ou github (annotations pour la CI).")] = VerifierFormat.text,
) -> None:
    """Valide un fichier ou un répertoire de règles, sans aucun dossier. Code de sortie 0 si valide, 2 sinon."""
    from .regles import RulesError, load_rules
    from .workflow.rules_lint import Finding, lint

    target = path if path is not None else _default_rules()
    shown = str(target)
    regles = None
    try:
        regles = load_rules(target)
        findings = lint(regles, target, shown)
    except RulesError as exc:
        findings = [Finding(p.fichier, p.ligne, p.champ, p.message, "erreur") for p in exc.problems]
    errors = [f for f in findings if f.niveau == "erreur"]
    valid = regles is not None and not errors
    summary = _rules_summary(regles, target) if regles is not None else ""

    if format is VerifierFormat.json:
        import json

        doc = {"chemin": shown, "valide": valid, "problemes": [f.to_dict() for f in findings]}
        if regles is not None:
            doc["compte"] = _rules_counts(regles)
            doc["empreinte"] = regles.empreinte
        _out(json.dumps(doc, ensure_ascii=False, indent=2))
    elif format is VerifierFormat.github:
        from .render.github import command

        for f in findings:
            level = {"erreur": "error", "avertissement": "warning"}.get(f.niveau, "notice")
            champ = f"[{f.champ}] " if f.champ else ""
            _out(command(level, f"{champ}{f.message}", f.fichier, f.ligne, "cdv regles verifier"))
        err_console().print(f"Règles valides : {summary}" if valid else f"Règles invalides : {len(errors)} erreur(s)", highlight=False, markup=False)
    else:
        marks = {"erreur": "✘", "avertissement": "!", "information": "ℹ"}
        for f in findings:
            _out(f"{marks[f.niveau]} {f.niveau} {f}")
        if valid:
            warnings = sum(1 for f in findings if f.niveau == "avertissement")
            _out(f"Règles valides : {summary}" + (f" ; {warnings} avertissement(s)" if warnings else ""))
        else:
            _out(f"Règles invalides ({shown}) : {len(errors)} erreur(s)")
    sys.stdout.flush()
    raise typer.Exit(0 if valid else 2)


def _rules_counts(regles) -> dict[str, int]:
    return {
        "regles": len(regles.regles),
        "programmation": len(regles.programmation),
        "financeurs": len(regles.financeurs),
        "quartiers": len(regles.quartiers),
        "defis": len(regles.defis),
        "enveloppes": len(regles.enveloppes),
    }


def _rules_summary(regles, target: Path) -> str:
    n = _rules_counts(regles)
    parts = [f"{n['regles']} règles"]
    if n["programmation"]:
        parts.append(f"{n['programmation']} règles de programmation")
    parts += [f"{n['financeurs']} financeurs", f"{n['quartiers']} quartiers", f"{n['defis']} défis", f"{n['enveloppes']} enveloppes"]
    files = ", ".join(f.name for f in regles.fichiers)
    return ", ".join(parts) + f" ({target} : {files})"


# --------------------------------------------------------------------------- tester


@regles_app.command("tester")
def tester(
    path: Annotated[
        Optional[Path],
        typer.Argument(help="Répertoire de règles (ses cas sont dans tests/), répertoire ou fichier de cas de test. Défaut : ./rules.", show_default=False),
    ] = None,
    rules: RulesOpt = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Écrit aussi le résultat au format JUnit XML dans ce fichier (pour la CI).", show_default=False)] = None,
    filtre: Annotated[Optional[str], typer.Option("--filtre", "-k", help="Ne lancer que les cas dont « fichier › nom » contient ce texte.", show_default=False)] = None,
    format: Annotated[TesterFormat, typer.Option("--format", "-f", help="text, ou github : ajoute une annotation ::error par cas en échec.")] = TesterFormat.text,
) -> None:
    """Lance les cas de test YAML des règles (rules/tests/*.yaml) : une ligne par cas, puis « N passed, N failed »."""
    from .workflow.rules_test import Runner, find_test_files, junit_xml, result_lines, rules_beside, shown_name, summary_line

    target = path if path is not None else _default_rules()
    if not target.exists():
        raise fail_usage(f"chemin introuvable : {target}")
    files = find_test_files(target)
    if not files:
        where = target / "tests" if (target / "tests").is_dir() else target
        raise fail_usage(f"aucun fichier de cas de test (*.yaml) dans {where}")
    rules_path = rules if rules is not None else (rules_beside(target) or _default_rules())
    regles = load_ruleset(rules_path)
    runner = Runner(regles)
    results = []
    for file in files:
        for r in runner.run_file(file, shown_name(file, target)):
            if filtre and filtre.casefold() not in f"{r.fichier} › {r.nom}".casefold():
                continue
            results.append(r)
            for line in result_lines(r):
                _out(line)
            if format is TesterFormat.github and not r.passed:
                from .render.github import command

                _out(command("error", "\n".join(r.details), r.chemin, r.ligne, f"cas de test : {r.nom}"))
    _out(summary_line(results))
    sys.stdout.flush()
    if junit is not None:
        _write_file(junit, junit_xml(results))
    if filtre and not results:
        raise fail_usage(f"aucun cas ne correspond au filtre « {filtre} »")
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


# --------------------------------------------------------------------------- diff


@regles_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="Règles actuelles (fichier ou répertoire).", show_default=False)],
    new: Annotated[Path, typer.Argument(help="Nouvelles règles (fichier ou répertoire).", show_default=False)],
    dossiers: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Dossiers (fichiers ou répertoires) sur lesquels comparer les deux jeux de règles.", show_default=False),
    ] = None,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Format de sortie : text ou json.")] = DiffFormat.text,
    exercice: ExerciceOpt = None,
) -> None:
    """Ce que change une nouvelle lettre de cadrage : règles et paramètres modifiés (par année), dossiers dont le verdict ou une règle change, totaux par financeur."""
    from .batch import check_files
    from .workflow.rules_diff import Impact, changes, pairs, text_lines, to_dict

    old_rules = load_ruleset(old)
    new_rules = load_ruleset(new)
    found = changes(old_rules, new_rules)
    impact = None
    if dossiers:
        files = find_files(dossiers)
        impact = Impact()
        for a, b in pairs(files, old_rules, new_rules, exercice, check_files):
            impact.add(a, b)
    if format is DiffFormat.json:
        from .render.json_stream import dumps

        _out(dumps(to_dict(str(old), str(new), old_rules, new_rules, found, impact)))
    else:
        for line in text_lines(str(old), str(new), old_rules, new_rules, found, impact):
            _out(line)
    sys.stdout.flush()
    raise typer.Exit(0)


# --------------------------------------------------------------------------- doc


@regles_app.command("doc")
def doc(
    path: RulesPathArg = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Fichier à écrire : HTML autonome si le nom finit par .html, Markdown sinon. Défaut : Markdown sur la sortie standard.", show_default=False),
    ] = None,
) -> None:
    """Référence en français des règles : chaque règle (ce qu'elle vérifie, pourquoi, paramètres par année, gravité, source), financeurs, quartiers, enveloppes."""
    from .workflow.rules_doc import render

    target = path if path is not None else _default_rules()
    regles = load_ruleset(target)
    if output is None:
        sys.stdout.write(render(regles, str(target), "markdown"))
        sys.stdout.flush()
        raise typer.Exit(0)
    fmt = "html" if output.suffix.lower() in (".html", ".htm") else "markdown"
    _refuse_input(output, target)
    _write_file(output, render(regles, str(target), fmt))
    err_console().print(f"Documentation écrite : {output}", highlight=False, markup=False)
    raise typer.Exit(0)


def _refuse_input(output: Path, rules_path: Path) -> None:
    """Never write a report over a rules file (or into the rules folder as a .yaml)."""
    from .regles import rules_files

    try:
        out = output.resolve()
        inputs = {f.resolve() for f in rules_files(rules_path)} if rules_path.exists() else set()
    except OSError:
        return
    if out in inputs or out.suffix.lower() in (".yaml", ".yml"):
        raise fail_usage(f"refus d'écrire dans {output} : c'est un fichier de règles ou un fichier YAML")


# --------------------------------------------------------------------------- schema


@app.command("schema")
def schema(
    name: Annotated[SchemaName, typer.Argument(help="dossier ou regles.", show_default=False)],
    rules: RulesOpt = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Écrire dans ce fichier plutôt que sur la sortie standard.", show_default=False)] = None,
) -> None:
    """Schéma JSON des fichiers de dossier ou de règles, pour que l'éditeur complète et vérifie la saisie."""
    from .workflow.schema import dossier_schema, dumps, regles_schema

    if name is SchemaName.dossier:
        text = dumps(dossier_schema(load_ruleset(rules)))
    else:
        text = dumps(regles_schema())
    if output is not None:
        _write_file(output, text)
    else:
        sys.stdout.write(text)
    sys.stdout.flush()
    raise typer.Exit(0)
