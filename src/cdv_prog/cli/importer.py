"""``cdv importer``: turn a workbook or a DAUPHIN export into dossier files.

Written files are listed on stdout (one path per line; with ``--essai``, the
YAML that would be written); problems and the final count go to stderr. Exit
code 0 when every action was imported, 1 when some were left out, 2 on usage
errors (missing file, invalid mapping, columns not found).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import err_console, fail_usage, load_ruleset, out
from cdv_prog.cli.options import RulesOpt


class Disposition(StrEnum):
    auto = "auto"
    par_action = "par-action"
    par_financement = "par-financement"


_STATUTS = {
    "ecrit": "écrit",
    "remplace": "remplacé",
    "inchange": "inchangé",
    "a-ecrire": "serait écrit",
    "a-remplacer": "serait remplacé",
}


def importer(
    fichier: Annotated[
        Path | None,
        typer.Argument(
            metavar="FICHIER",
            help="Classeur .xlsx ou fichier .csv (programmation, export DAUPHIN).",
            show_default=False,
        ),
    ] = None,
    exercice: Annotated[
        int | None,
        typer.Option(
            "--exercice", "-e", metavar="ANNÉE", help="Exercice (année) des dossiers importés.", show_default=False
        ),
    ] = None,
    vers: Annotated[
        Path | None,
        typer.Option(
            "--vers",
            "-d",
            metavar="RÉPERTOIRE",
            help="Dossier de destination : le répertoire où écrire les fichiers de dossier (-d comme destination ; "
            "-o est, dans toutes les commandes, le fichier du rapport). Défaut : data/dossiers/<exercice>.",
            show_default=False,
        ),
    ] = None,
    correspondance: Annotated[
        Path | None,
        typer.Option(
            "--correspondance",
            "-c",
            metavar="FICHIER",
            help="Fichier de correspondance (colonnes, libellés des financeurs et des quartiers). Défaut : la correspondance livrée avec cdv.",
            show_default=False,
        ),
    ] = None,
    feuille: Annotated[
        str | None,
        typer.Option(
            "--feuille",
            metavar="NOM",
            help="Feuille du classeur à lire. Défaut : la première qui a la colonne du numéro d'action.",
            show_default=False,
        ),
    ] = None,
    disposition: Annotated[
        Disposition | None,
        typer.Option(
            "--disposition",
            metavar="auto|par-action|par-financement",
            help="par-action (une ligne par action, une colonne par financeur) ou par-financement (une ligne par financeur, export DAUPHIN). Défaut : celle de la correspondance (auto : reconnue aux en-têtes).",
            show_default=False,
        ),
    ] = None,
    remplacer: Annotated[
        bool, typer.Option("--remplacer", help="Remplacer les fichiers de dossier existants.")
    ] = False,
    essai: Annotated[
        bool, typer.Option("--essai", help="N'écrire aucun fichier : afficher ce qui serait écrit.")
    ] = False,
    modele: Annotated[
        bool,
        typer.Option(
            "--modele-correspondance",
            help="Afficher la correspondance par défaut (à copier puis adapter) et s'arrêter.",
        ),
    ] = False,
    rules: RulesOpt = None,
) -> None:
    """Importe des dossiers depuis un classeur (.xlsx) ou un export CSV (DAUPHIN) : un fichier YAML par action."""
    if modele:
        from cdv_prog.importer.correspondance import texte_defaut

        sys.stdout.write(texte_defaut())
        raise typer.Exit(0)
    if fichier is None:
        raise fail_usage("indiquez le fichier à importer (cdv importer FICHIER --exercice N)")
    if exercice is None:
        raise fail_usage("indiquez l'exercice des dossiers importés (--exercice N)")
    if not fichier.exists():
        raise fail_usage(f"fichier introuvable : {fichier}")
    if correspondance is not None and not correspondance.exists():
        raise fail_usage(f"fichier de correspondance introuvable : {correspondance}")
    regles = load_ruleset(rules)

    from rich.markup import escape

    from cdv_prog.importer.execution import Import, ImportImpossible, Options

    options = Options(
        fichier=fichier,
        exercice=exercice,
        vers=vers if vers is not None else Path("data") / "dossiers" / str(exercice),
        correspondance=correspondance,
        feuille=feuille,
        disposition=disposition.value if disposition else None,
        remplacer=remplacer,
        essai=essai,
    )
    console = err_console()
    run = Import(options, regles)
    try:
        run.preparer()
    except ImportImpossible as exc:
        console.print("[bold red]Erreur :[/] " + escape(exc.lignes[0]), highlight=False)
        for line in exc.lignes[1:]:
            console.print(escape(line), highlight=False)
        raise typer.Exit(2) from None
    assert run.feuille is not None and run.plan is not None and run.lecture is not None
    where = run.feuille.fichier + (f", feuille « {run.feuille.nom} »" if run.feuille.nom is not None else "")
    notes = "".join(f" ; {n}" for n in run.notes)
    console.print(
        escape(
            f"Lecture de {where} : en-tête ligne {run.feuille.numero(run.plan.ligne_entete)}, "
            f"disposition {run.plan.disposition}{notes}"
        ),
        highlight=False,
    )
    if essai:
        console.print("Colonnes reconnues :", highlight=False)
        for line in run.plan.description():
            console.print("  " + escape(line), highlight=False)
    for avis in run.lecture.avis:  # rows and columns left aside, ids given: said once, with or without --essai
        console.print("[bold yellow]Avis :[/] " + escape(avis), highlight=False)
    counts = {"ecrit": 0, "inchange": 0, "ignore": 0}
    try:
        for res in run.resultats():
            if res.ignore:
                counts["ignore"] += 1
                label = f"dossier {res.id}" if res.id else "ligne"
                console.print(f"[bold red]Ignoré[/] ({escape(label)}) :", highlight=False)
                for p in res.problemes:
                    console.print("  " + escape(str(p)), highlight=False)
                continue
            counts["inchange" if res.statut == "inchange" else "ecrit"] += 1
            if essai:
                out(f"# ---- {res.fichier} ({_STATUTS[res.statut]})")
                if res.statut != "inchange":
                    sys.stdout.write(res.texte or "")
            else:
                out(str(res.fichier))  # one path a line: a control character in it is written out
                if res.statut != "ecrit":
                    console.print(escape(f"{res.fichier} : {_STATUTS[res.statut]}"), highlight=False)
    except ImportImpossible as exc:
        console.print("[bold red]Erreur :[/] " + escape(exc.lignes[0]), highlight=False)
        raise typer.Exit(2) from None
    if run.lecture.autres_exercices:
        console.print(
            f"{run.lecture.autres_exercices} ligne(s) d'un autre exercice laissée(s) de côté.", highlight=False
        )
    summary = f"{counts['ecrit']} dossier(s) {'à écrire' if essai else 'écrit(s)'}"
    if counts["inchange"]:
        summary += f", {counts['inchange']} inchangé(s)"
    summary += f", {counts['ignore']} ignoré(s)"
    if essai:
        summary += " — essai : aucun fichier écrit"
    console.print(summary + ".", highlight=False)
    sys.stdout.flush()
    raise typer.Exit(1 if counts["ignore"] else 0)
