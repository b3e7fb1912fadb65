"""``cdv regles verifier|tester|diff|doc``: the lettre de cadrage workflow.

Only typer and the standard library are imported at module level, so ``cdv
check`` does not pay for these commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import (
    ExerciceOpt,
    JobsOpt,
    RulesOpt,
    default_rules,
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
    new_app,
    rules_inputs,
    write_report,
)
from cdv_prog.render.registry import DIFF, TESTER, VERIFIER, choices, load

regles_app = new_app(
    "regles", "Les règles d'une lettre de cadrage : les vérifier, les tester, les comparer, les documenter."
)

RulesPathArg = Annotated[
    Path | None,
    typer.Argument(
        help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.",
        show_default=False,
    ),
]


def _format(registry: dict[str, str], name: str) -> None:
    if name not in registry:
        raise fail_usage(f"format inconnu « {name} » ; formats possibles : {', '.join(registry)}")


def _print(payload: bytes) -> None:
    sys.stdout.buffer.write(payload)
    sys.stdout.flush()


# --------------------------------------------------------------------------- verifier


@regles_app.command("verifier")
def verifier(
    path: RulesPathArg = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar=choices(VERIFIER),
            help="Format de sortie : text, json, ou github (annotations pour la CI).",
        ),
    ] = "text",
) -> None:
    """Valide un fichier ou un répertoire de règles, sans aucun dossier. Code de sortie 0 si valide, 2 sinon."""
    from cdv_prog.workflow.lint import verifier as verify

    _format(VERIFIER, format)
    target = path if path is not None else default_rules()
    result = verify(target)
    _print(load(VERIFIER, format)(result))
    if format == "github":
        summary = (
            f"Règles valides : {result.resume}"
            if result.valide
            else f"Règles invalides : {len(result.erreurs)} erreur(s)"
        )
        err_console().print(summary, highlight=False, markup=False)
    raise typer.Exit(0 if result.valide else 2)


# --------------------------------------------------------------------------- tester


@regles_app.command("tester")
def lancer_tests(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Répertoire de règles (ses cas sont dans tests/), répertoire ou fichier de cas de test. Défaut : ./rules.",
            show_default=False,
        ),
    ] = None,
    rules: RulesOpt = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            help="Écrit aussi le résultat au format JUnit XML dans ce fichier (pour la CI).",
            show_default=False,
        ),
    ] = None,
    filtre: Annotated[
        str | None,
        typer.Option(
            "--filtre", "-k", help="Ne lancer que les cas dont « fichier › nom » contient ce texte.", show_default=False
        ),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar=choices(TESTER),
            help="text, ou github : ajoute une annotation ::error par cas en échec.",
        ),
    ] = "text",
) -> None:
    """Lance les cas de test YAML des règles (rules/tests/*.yaml) : une ligne par cas, puis « N passed, N failed »."""
    from cdv_prog.files.output import OutputRefused, check_output
    from cdv_prog.render.junit import junit_xml
    from cdv_prog.workflow.cases import Runner, find_test_files, rules_beside, shown_name

    _format(TESTER, format)
    target = path if path is not None else default_rules()
    if not target.exists():
        raise fail_usage(f"chemin introuvable : {target}")
    files = find_test_files(target)
    if not files:
        where = target / "tests" if (target / "tests").is_dir() else target
        raise fail_usage(f"aucun fichier de cas de test (*.yaml) dans {where}")
    rules_path = rules if rules is not None else (rules_beside(target) or default_rules())
    regles = load_ruleset(rules_path)
    inputs = [*files, *regles.fichiers]
    roots = sorted({f.parent for f in inputs} | {target} if target.is_dir() else {f.parent for f in inputs})
    if junit is not None and junit.parent.is_dir():  # refused before the run, not after
        try:
            check_output(junit, inputs, roots)
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
    runner = Runner(regles)
    results = [
        r
        for file in files
        for r in runner.run_file(file, shown_name(file, target))
        if not filtre or filtre.casefold() in f"{r.fichier} › {r.nom}".casefold()
    ]
    _print(load(TESTER, format)(results))
    if junit is not None:
        write_report(junit, junit_xml(results), inputs, roots)
    if filtre and not results:
        raise fail_usage(f"aucun cas ne correspond au filtre « {filtre} »")
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


# --------------------------------------------------------------------------- diff


@regles_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="Règles actuelles (fichier ou répertoire).", show_default=False)],
    new: Annotated[Path, typer.Argument(help="Nouvelles règles (fichier ou répertoire).", show_default=False)],
    dossiers: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Dossiers (fichiers ou répertoires) sur lesquels comparer les deux jeux de règles.", show_default=False
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar=choices(DIFF), help="Format de sortie : text ou json.")
    ] = "text",
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Ce que change une nouvelle lettre de cadrage : règles et paramètres modifiés (par année), dossiers dont le verdict ou une règle change, totaux par financeur."""
    from cdv_prog.workflow.diff import Comparaison, Impact, changes, pairs

    _format(DIFF, format)
    old_rules = load_ruleset(old)
    new_rules = load_ruleset(new)
    impact = None
    if dossiers:
        files = find_files(dossiers)
        impact = Impact(old_rules, new_rules)
        for a, b in pairs(files, old_rules, new_rules, exercice, jobs):
            impact.add(a, b)
    result = Comparaison(str(old), str(new), old_rules, new_rules, changes(old_rules, new_rules), impact)
    _print(load(DIFF, format)(result))
    raise typer.Exit(0)


# --------------------------------------------------------------------------- doc


@regles_app.command("doc")
def doc(
    path: RulesPathArg = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Fichier à écrire : HTML autonome si le nom finit par .html, Markdown sinon. Défaut : Markdown sur la sortie standard.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Référence en français des règles : chaque règle (ce qu'elle vérifie, pourquoi, paramètres par année, gravité, source), financeurs, quartiers, enveloppes."""
    from cdv_prog.render.doc import render

    target = path if path is not None else default_rules()
    regles = load_ruleset(target)
    if output is None:
        sys.stdout.write(render(regles, str(target), "markdown"))
        sys.stdout.flush()
        raise typer.Exit(0)
    fmt = "html" if output.suffix.lower() in (".html", ".htm") else "markdown"
    inputs, roots = rules_inputs(target)
    write_report(output, render(regles, str(target), fmt), inputs, roots)
    err_console().print(f"Documentation écrite : {output}", highlight=False, markup=False)
    raise typer.Exit(0)
