"""``cdv check --ecrire-remedes DIR``: each inéligible dossier with its verified combined remedy, written to DIR.

The file written is the input's content with the changed fields only: the
input is read again with the hardened loader (:mod:`cdv_prog.files.loader`),
the changes are applied to its data (same keys, same order, same values
elsewhere — amounts as written, French forms included) and it is dumped as
YAML, with one comment line at the top saying what changed, then the input's
leading comment lines. Other comments of the input are not kept. Every file goes through :func:`cdv_prog.files.output.write_output`
(never over an input), named like the input (``<id>.yaml`` when two inputs
share a name).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from cdv_prog.core.remedes import Remede
from cdv_prog.core.remedier import modifier
from cdv_prog.core.report import DossierReport
from cdv_prog.core.texte import visible
from cdv_prog.files.loader import load_yaml_file, load_yaml_text, read_text
from cdv_prog.files.output import OutputRefused, write_output


class _Dumper(yaml.SafeDumper):
    """Safe dumping, with exact amounts written as plain numbers (read back as Decimal, never float)."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


def _date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(dt.date, _date)


def _valeur(texte: str | None) -> Any:
    return None if texte is None else load_yaml_text(texte).data


def appliquer_texte(data: Any, remede: Remede) -> Any:
    """The file's data with the remedy's changes (a line added, a field set, a line removed)."""
    modifier(data, remede.changements, _valeur)
    return data


def texte_corrige(path: Path, remede: Remede) -> str:
    """The corrected file's text: a comment saying what changed, then the data."""
    data = appliquer_texte(load_yaml_file(path).data, remede)
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=4096)
    tete = []  # the input's leading comments (a schema line for the editor…) are kept
    for line in read_text(path).splitlines():
        if not line.startswith("#"):
            break
        tete.append(line + "\n")
    return f"# Corrigé par cdv check --ecrire-remedes : {visible(remede.phrase)}\n" + "".join(tete) + body


def refuser_dossier(target: Path, roots: Iterable[Path]) -> None:
    """Refuse (:class:`OutputRefused`) a folder that is, or is inside, a folder of dossiers the command reads."""
    real = Path(os.path.realpath(target))
    for root in roots:
        top = Path(os.path.realpath(root))
        if top.is_dir() and (top == real or top in real.parents):
            raise OutputRefused(
                f"{target} est dans {root}, lu par cdv check : les dossiers corrigés y seraient relus ; "
                "choisir un autre répertoire"
            )


def ecrire(
    reports: Iterable[DossierReport], target: Path, inputs: Iterable[Path], roots: list[Path], ecrits: list[Path]
) -> Iterator[DossierReport]:
    """The same reports; each inéligible one with a combined remedy is written into ``target`` as it passes."""
    names: set[str] = set()
    for report in reports:
        if report.pour_etre_eligible is not None:
            source = Path(report.fichier)
            name = source.name if source.name not in names else f"{report.id}.yaml"
            names.add(name)
            out = target / name
            write_output(
                out, texte_corrige(source, report.pour_etre_eligible), inputs, (), yaml_ok=True, make_parents=True
            )
            ecrits.append(out)
        yield report
