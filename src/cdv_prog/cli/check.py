"""``cdv check``: the eligibility of dossiers, streamed in any registered format (the command as typer
declares it; what it does: :mod:`cdv_prog.cli.check_run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import output_help
from cdv_prog.cli.options import ExerciceOpt, HistoriqueOpt, JobsOpt, PathsArg, RulesOpt, format_option, output_option
from cdv_prog.render.registry import CHECK

FORMAT_HELP = (
    "Format de sortie : text, json, github (annotations ::error/::warning pour la CI) ou sarif (code scanning). "
    "Défaut : text, ou celui qu'indique l'extension de --output."
)
OUTPUT_HELP = output_help(CHECK)
PROBLEMES_HELP = (
    "Format text : n'affiche que les dossiers à problème (inéligibles, invalides, éligibles avec réserves) ; "
    "le résumé est inchangé."
)
QUIET_HELP = "Format text : n'affiche que le résumé (et ce qui explique un code de sortie 1)."
REMEDES_HELP = (
    "Ce qu'il faudrait : sous chaque règle en échec, la plus petite modification du dossier qui la lève, "
    "et pour chaque dossier inéligible une modification d'ensemble qui le rend éligible, chacune vérifiée "
    "en rejugeant le dossier modifié (texte, json, github, sarif)."
)
ECRIRE_REMEDES_HELP = (
    "Écrit dans ce répertoire chaque dossier inéligible corrigé (sa modification d'ensemble appliquée), "
    "à envoyer au porteur ; jamais sur un fichier lu. Implique --remedes."
)
SANS_CACHE_HELP = (
    "Ne pas utiliser le cache des rapports (sinon, pour plusieurs dossiers, un dossier inchangé avec les mêmes "
    "règles n'est pas vérifié à nouveau ; « cdv cache vider » le supprime)."
)


def check(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    format: Annotated[str | None, format_option(CHECK, FORMAT_HELP)] = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
    problemes_seulement: Annotated[bool, typer.Option("--problemes-seulement", help=PROBLEMES_HELP)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    remedes: Annotated[bool, typer.Option("--remedes", help=REMEDES_HELP)] = False,
    ecrire_remedes: Annotated[
        Path | None, typer.Option("--ecrire-remedes", metavar="RÉPERTOIRE", help=ECRIRE_REMEDES_HELP)
    ] = None,
    sans_cache: Annotated[bool, typer.Option("--sans-cache", help=SANS_CACHE_HELP)] = False,
    historique: HistoriqueOpt = None,
) -> None:
    """Vérifie l'éligibilité des dossiers : verdict, règles en échec avec leur source, réserves.

    Les dossiers des exercices précédents (sous les mêmes chemins ou --historique) servent d'historique.
    """
    from cdv_prog.cli.check_run import run_check

    raise typer.Exit(
        run_check(
            paths,
            rules,
            format,
            output,
            exercice,
            jobs,
            problemes_seulement,
            quiet,
            remedes,
            ecrire_remedes,
            sans_cache,
            historique,
        )
    )
