"""``cdv schema``: the JSON Schemas of the dossier and rules formats, for editors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from cdv_prog.cli.common import (
    RulesOpt,
    load_ruleset,
    output_help,
    output_option,
    report_format,
    rules_inputs,
    write_payload,
    write_report,
)

SchemaName = Literal["dossier", "regles"]
OUTPUT_HELP = output_help(("json",), "le schéma", format_option=False)


def schema(
    name: Annotated[SchemaName, typer.Argument(metavar="SCHÉMA", help="dossier ou regles.", show_default=False)],
    rules: RulesOpt = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
) -> None:
    """Schéma JSON des fichiers de dossier ou de règles, pour que l'éditeur complète et vérifie la saisie."""
    from cdv_prog.files.rules import default_rules_path
    from cdv_prog.workflow.schema import dossier_schema, dumps, regles_schema

    report_format(("json",), None, output)  # -o schema.html: refused
    text = dumps(dossier_schema(load_ruleset(rules))) if name == "dossier" else dumps(regles_schema())
    if output is not None:
        inputs, roots = rules_inputs(rules if rules is not None else default_rules_path())
        write_report(output, text, inputs, roots, announce="Schéma écrit")
    else:
        write_payload(text, for_people=False)  # JSON: UTF-8 bytes, whatever the terminal's encoding
    sys.stdout.flush()
    raise typer.Exit(0)
