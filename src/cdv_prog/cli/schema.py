"""``cdv schema``: the JSON Schemas of the dossier and rules formats, for editors, and of the report of ``cdv check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from cdv_prog.cli.common import (
    load_ruleset,
    output_help,
    report_format,
    rules_inputs,
    write_payload,
    write_report,
)
from cdv_prog.cli.options import RulesOpt, output_option

SchemaName = Literal["dossier", "regles", "rapport"]
OUTPUT_HELP = output_help(("json",), "le schéma", format_option=False)


def schema(
    name: Annotated[
        SchemaName, typer.Argument(metavar="SCHÉMA", help="dossier, regles ou rapport.", show_default=False)
    ],
    rules: RulesOpt = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
) -> None:
    """Schéma JSON des fichiers de dossier ou de règles (pour que l'éditeur complète et vérifie la saisie),
    ou du rapport JSON de « cdv check »."""
    from cdv_prog.files.rules import default_rules_path
    from cdv_prog.workflow.schema import dossier_schema, dumps, rapport_schema, regles_schema

    report_format(("json",), None, output)  # -o schema.html: refused
    if name == "dossier":
        text = dumps(dossier_schema(load_ruleset(rules)))
    else:
        text = dumps(regles_schema() if name == "regles" else rapport_schema())
    if output is not None:
        inputs, roots = rules_inputs(rules if rules is not None else default_rules_path())
        write_report(output, text, inputs, roots, announce="Schéma écrit")
    else:
        write_payload(text, for_people=False)  # JSON: UTF-8 bytes, whatever the terminal's encoding
    sys.stdout.flush()
    raise typer.Exit(0)
