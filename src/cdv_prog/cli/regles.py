"""``cdv regles verifier|tester|diff|doc|expliquer``: the lettre de cadrage workflow.

Only typer and the standard library are imported at module level, so ``cdv
check`` does not pay for these commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import (
    check_report_target,
    default_rules,
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
    output_help,
    report_format,
    rules_inputs,
    write_payload,
    write_report,
)
from cdv_prog.cli.options import ExerciceOpt, JobsOpt, RulesOpt, format_option, new_app, output_option
from cdv_prog.core.texte import short
from cdv_prog.render.registry import (
    COUVERTURE,
    DIFF,
    EXPLIQUER,
    TESTER,
    TESTER_COUVERTURE,
    TEXT_FORMATS,
    VERIFIER,
    load,
)

regles_app = new_app(
    "regles", "Les règles d'une lettre de cadrage : les vérifier, les tester, les comparer, les documenter."
)

RulesPathArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="RÈGLES",
        help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.",
        show_default=False,
        readable=False,  # an unreadable rules file: the loader's French reason, with its name
    ),
]
DOC_FORMATS = ("markdown", "html")  # the reference (render/doc.py): Markdown, or a self-contained HTML page
DOC_OUTPUT_HELP = output_help(DOC_FORMATS, "la référence", format_option=False)


def _print(payload: bytes, format: str) -> None:
    """Text for people in the terminal's encoding (with stand-ins), JSON as UTF-8 bytes."""
    write_payload(payload, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()


def _emit(payload: bytes, format: str, output: Path | None, inputs: list[Path], roots: list[Path]) -> None:
    """The report on standard output, or in ``-o FICHIER`` through the one write path."""
    if output is None:
        _print(payload, format)
    else:
        write_report(output, payload, inputs, roots, announce="Rapport écrit")


def _format_help(text: str) -> str:
    return f"{text} Défaut : text, ou celui qu'indique l'extension de --output."


# --------------------------------------------------------------------------- verifier


@regles_app.command("verifier")
def verifier(
    path: RulesPathArg = None,
    format: Annotated[
        str | None,
        format_option(
            VERIFIER, _format_help("Format de sortie : text, json, github (annotations CI) ou sarif (code scanning).")
        ),
    ] = None,
    output: Annotated[Path | None, output_option(output_help(VERIFIER))] = None,
    dossiers: Annotated[
        list[Path] | None,
        typer.Option(
            "--dossiers",
            metavar="CHEMIN",
            help=(
                "Dossiers (fichiers ou répertoires) auxquels confronter les dérogations : un dossier inconnu "
                "est un avertissement, une dérogation qui ne lève plus aucun échec est dite sans objet."
            ),
        ),
    ] = None,
) -> None:
    """Valide un fichier ou un répertoire de règles (et ses dérogations). Code de sortie 0 si valide, 2 sinon."""
    from cdv_prog.workflow.lint import verifier as verify

    format = report_format(VERIFIER, format, output)
    target = path if path is not None else default_rules()
    result = verify(target, dossiers=find_files(dossiers) if dossiers else None)
    _emit(load(VERIFIER, format)(result), format, output, *rules_inputs(target))
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
            metavar="CAS",
            help="Répertoire de règles (ses cas sont dans tests/), répertoire ou fichier de cas de test. Défaut : ./rules.",
            show_default=False,
        ),
    ] = None,
    rules: RulesOpt = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FICHIER",
            help="Écrit aussi le résultat au format JUnit XML dans ce fichier (pour la CI).",
            show_default=False,
        ),
    ] = None,
    filtre: Annotated[
        str | None,
        typer.Option(
            "--filtre",
            "-k",
            metavar="TEXTE",
            help="Ne lancer que les cas dont « fichier › nom » contient ce texte.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        str | None,
        format_option(
            {**TESTER, **TESTER_COUVERTURE},
            _format_help(
                "text, ou github : ajoute une annotation ::error par cas en échec. Avec --couverture : text ou json."
            ),
        ),
    ] = None,
    output: Annotated[Path | None, output_option(output_help(TESTER))] = None,
    couverture: Annotated[
        bool,
        typer.Option(
            "--couverture",
            help=(
                "Affiche aussi la couverture des règles : les statuts (ok, echec, sans-objet) que les cas "
                "réussis atteignent pour chaque règle, et les années de chaque paramètre daté qu'ils exercent."
            ),
        ),
    ] = False,
    seuil: Annotated[
        int | None,
        typer.Option(
            "--seuil",
            metavar="N",
            min=0,
            max=100,
            help="Avec --couverture : code de sortie 1 si la couverture est sous N %.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Lance les cas de test YAML des règles (rules/tests/*.yaml) : une ligne par cas, puis « N passed, N failed »."""
    from cdv_prog.render.junit import junit_xml
    from cdv_prog.workflow.cases import Runner, find_test_files, rules_beside, shown_name

    if seuil is not None and not couverture:
        raise fail_usage("--seuil ne s'emploie qu'avec --couverture")
    format = report_format(TESTER_COUVERTURE if couverture else TESTER, format, output)
    if junit is not None:
        report_format(("xml",), None, junit)  # --junit resultats.html: refused, as for -o
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
    for report in (junit, output):  # refused before the run, not after
        if report is not None:
            check_report_target(report, inputs, roots)
    runner = Runner(regles)
    results = [
        r
        for file in files
        for r in runner.run_file(file, shown_name(file, target))
        if not filtre or filtre.casefold() in f"{r.fichier} › {r.nom}".casefold()
    ]
    sous_le_seuil = False
    if couverture:
        from cdv_prog.workflow.couverture import couverture_des_cas

        couverte = couverture_des_cas(regles, results)
        sous_le_seuil = seuil is not None and couverte.sous(seuil)
        _emit(load(TESTER_COUVERTURE, format)(results, couverte), format, output, inputs, roots)
    else:
        _emit(load(TESTER, format)(results), format, output, inputs, roots)
    if junit is not None:
        write_report(junit, junit_xml(results), inputs, roots)
    if filtre and not results:
        raise fail_usage(f"aucun cas ne correspond au filtre « {short(filtre)} »")
    if sous_le_seuil:
        err_console().print(f"Couverture sous le seuil de {seuil} %", highlight=False, markup=False)
    raise typer.Exit(0 if all(r.passed for r in results) and not sous_le_seuil else 1)


# --------------------------------------------------------------------------- couverture


@regles_app.command("couverture")
def couverture_dossiers(
    dossiers: Annotated[
        list[Path],
        typer.Argument(
            metavar="CHEMIN",
            help="Dossiers (fichiers ou répertoires) sur lesquels mesurer les règles.",
            show_default=False,
            readable=False,  # an unreadable dossier is an « invalide » report, as in cdv check
        ),
    ],
    rules: RulesOpt = None,
    format: Annotated[
        str | None,
        format_option(COUVERTURE, _format_help("Format de sortie : text ou json.")),
    ] = None,
    output: Annotated[Path | None, output_option(output_help(COUVERTURE))] = None,
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Les règles de dossier sur un lot réel : par règle, combien de dossiers sont conformes, en échec, sans objet ; les règles jamais applicables, jamais en échec, ou en échec pour plus d'un quart des dossiers."""
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.workflow.couverture import Bilan

    format = report_format(COUVERTURE, format, output)
    regles = load_ruleset(rules)
    files = find_files(dossiers)
    inputs = [*regles.fichiers, *files]
    roots = _roots(inputs, dossiers)
    if output is not None:  # refused before the run, not after
        check_report_target(output, inputs, roots)
    bilan = Bilan.de(regles, check_reports(files, regles, exercice, jobs=jobs, dossiers=False))
    _emit(load(COUVERTURE, format)(bilan), format, output, inputs, roots)
    raise typer.Exit(0)


# --------------------------------------------------------------------------- diff


@regles_app.command("diff")
def diff(
    old: Annotated[
        Path,
        typer.Argument(
            metavar="ANCIENNES", help="Règles actuelles (fichier ou répertoire).", show_default=False, readable=False
        ),
    ],
    new: Annotated[
        Path,
        typer.Argument(
            metavar="NOUVELLES", help="Nouvelles règles (fichier ou répertoire).", show_default=False, readable=False
        ),
    ],
    dossiers: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="CHEMIN",
            help="Dossiers (fichiers ou répertoires) sur lesquels comparer les deux jeux de règles.",
            show_default=False,
            readable=False,  # an unreadable dossier is an « invalide » report, as in cdv check
        ),
    ] = None,
    format: Annotated[
        str | None,
        format_option(DIFF, _format_help("Format de sortie : text ou json.")),
    ] = None,
    output: Annotated[Path | None, output_option(output_help(DIFF))] = None,
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
    projeter_sur: Annotated[
        int | None,
        typer.Option(
            "--projeter-sur",
            metavar="ANNÉE",
            help=(
                "Juge les dossiers comme si leur exercice était cette année : paramètres datés et enveloppes "
                "de cette année (pour voir l'effet d'un changement qui commence plus tard). Les fichiers ne "
                "changent pas et les dates des dossiers ne sont pas décalées."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Ce que change une nouvelle lettre de cadrage : règles et paramètres modifiés (par année), dossiers dont le verdict ou une règle change, totaux par financeur."""
    from cdv_prog.workflow.diff import (
        Comparaison,
        Impact,
        annee_de_projection_invalide,
        changes,
        pairs,
        projeter,
        remarques,
    )

    format = report_format(DIFF, format, output)
    old_rules = load_ruleset(old)
    new_rules = load_ruleset(new)
    inputs = [*old_rules.fichiers, *new_rules.fichiers]
    if projeter_sur is not None:
        refused = annee_de_projection_invalide(projeter_sur, old_rules, new_rules)
        if refused is not None:
            raise fail_usage(refused)
    impact = None
    if dossiers:
        files = find_files(dossiers)
        inputs += files
        if output is not None:  # refused before the run, not after
            check_report_target(output, inputs, _roots(inputs, dossiers))
        judged_old, judged_new = old_rules, new_rules
        if projeter_sur is not None:
            judged_old, judged_new = projeter(old_rules, projeter_sur), projeter(new_rules, projeter_sur)
        impact = Impact(judged_old, judged_new)
        for a, b in pairs(files, judged_old, judged_new, exercice, jobs):
            impact.add(a, b)
    changements = changes(old_rules, new_rules)
    result = Comparaison(
        str(old),
        str(new),
        old_rules,
        new_rules,
        changements,
        impact,
        projection=projeter_sur if impact is not None else None,
        remarques=tuple(remarques(changements, impact, projeter_sur)),
    )
    _emit(load(DIFF, format)(result), format, output, inputs, _roots(inputs, dossiers or []))
    raise typer.Exit(0)


def _roots(inputs: list[Path], folders: list[Path]) -> list[Path]:
    """The folders a command reads from: those named on its command line, and those of its input files."""
    return sorted({*folders, *(p.parent for p in inputs)})


# --------------------------------------------------------------------------- expliquer


@regles_app.command("expliquer")
def expliquer(
    regle: Annotated[
        str,
        typer.Argument(
            metavar="RÈGLE", help="Identifiant de la règle (par exemple plancher-financeur).", show_default=False
        ),
    ],
    rules: RulesOpt = None,
    format: Annotated[
        str | None,
        format_option(
            EXPLIQUER,
            "Format de sortie : text, ou json (paramètres en valeurs exactes, année par année). Défaut : text.",
        ),
    ] = None,
) -> None:
    """Explique une règle : ce qu'elle vérifie et pourquoi, ses paramètres année par année, quand elle s'applique, sa gravité, sa source."""
    from cdv_prog.workflow.explication import inconnue, trouver

    format = report_format(EXPLIQUER, format, None)
    regles = load_ruleset(rules)
    explication = trouver(regles, regle)
    if explication is None:
        raise fail_usage(inconnue(regles, regle))
    _print(load(EXPLIQUER, format)(explication), format)
    raise typer.Exit(0)


# --------------------------------------------------------------------------- doc


@regles_app.command("doc")
def doc(
    path: RulesPathArg = None,
    output: Annotated[
        Path | None,
        output_option(DOC_OUTPUT_HELP),
    ] = None,
) -> None:
    """Référence en français des règles : chaque règle (ce qu'elle vérifie, pourquoi, paramètres par année, gravité, source), financeurs, quartiers, enveloppes."""
    from cdv_prog.render.doc import render

    fmt = report_format(DOC_FORMATS, None, output)
    target = path if path is not None else default_rules()
    regles = load_ruleset(target)
    if output is None:
        write_payload(render(regles, str(target), "markdown"), for_people=True)
        sys.stdout.flush()
        raise typer.Exit(0)
    inputs, roots = rules_inputs(target)
    write_report(output, render(regles, str(target), fmt), inputs, roots, announce="Documentation écrite")
    raise typer.Exit(0)
