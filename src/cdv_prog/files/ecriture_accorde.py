"""``cdv arbitrage --ecrire``: a dossier file's text with ``accorde`` set on every financement line.

Everything else of the file stays as written (comments, order, quotes): the
``accorde`` of a line is replaced where it is, or added after its ``montant``
(block style: on the next line, at the same indentation; flow style
``{financeur: …, montant: …}``: inside the braces). The new text is read again
and compared with the old one: only the ``accorde`` values may differ, else
:class:`EcritureImpossible`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from cdv_prog.files.loader import LoadFailed, load_yaml_text

_ACCORDE_BLOC = re.compile(r"^(\s*(?:-\s+)?accorde\s*:\s*)([^#\s][^#]*?)(\s*(?:#.*)?)$")
_MONTANT_BLOC = re.compile(r"^(\s*(?:-\s+)?)montant\s*:")
_ACCORDE_FLUX = re.compile(r"(\baccorde\s*:\s*)([^,}]+?)(\s*[,}])")


class EcritureImpossible(Exception):
    """The file's layout is one this editor does not know how to change safely."""


def montant_yaml(value: Decimal) -> str:
    """Whole euros without decimals, else two (``2500``, ``"1234.50"`` as a YAML number)."""
    if value == value.to_integral_value():
        return f"{value.to_integral_value():f}"
    return f"{value.quantize(Decimal('0.01')):f}"


def avec_accorde(texte: str, montants: Sequence[Decimal]) -> str:
    """The file's text with ``accorde: montants[i]`` on its i-th financement line."""
    try:
        loaded = load_yaml_text(texte)
    except LoadFailed as exc:
        raise EcritureImpossible(str(exc)) from None
    lignes = texte.split("\n")
    inserts: list[tuple[int, str]] = []
    for i, m in enumerate(montants):
        valeur = montant_yaml(m)
        l_item = loaded.lines.get(("financements", i))
        l_montant = loaded.lines.get(("financements", i, "montant"))
        l_accorde = loaded.lines.get(("financements", i, "accorde"))
        if l_montant is None or l_item is None:
            raise EcritureImpossible(f"ligne de financement {i + 1} introuvable")
        cible = l_accorde if l_accorde is not None else l_montant
        text = lignes[cible - 1]
        if "{" in text and l_item == l_montant:  # flow style: one line per financement
            if l_accorde is not None:
                text, n = _ACCORDE_FLUX.subn(_remplace(valeur), text, count=1)
            else:
                fin = text.rfind("}")
                n = 1 if fin >= 0 else 0
                text = text[:fin].rstrip() + f", accorde: {valeur}" + text[fin:]
            if n != 1:
                raise EcritureImpossible(f"ligne {cible} : forme non reconnue")
            lignes[cible - 1] = text
        elif l_accorde is not None:
            match = _ACCORDE_BLOC.match(text)
            if match is None:
                raise EcritureImpossible(f"ligne {cible} : forme non reconnue")
            lignes[cible - 1] = match.group(1) + valeur + match.group(3)
        else:
            match = _MONTANT_BLOC.match(text)
            if match is None:
                raise EcritureImpossible(f"ligne {cible} : forme non reconnue")
            inserts.append((cible, " " * len(match.group(1)) + f"accorde: {valeur}"))
    for apres, ligne in sorted(inserts, reverse=True):
        lignes.insert(apres, ligne)
    nouveau = "\n".join(lignes)
    _verifier(loaded.data, nouveau, montants)
    return nouveau


def _remplace(valeur: str) -> Callable[[re.Match[str]], str]:
    return lambda mm: mm.group(1) + valeur + mm.group(3)


def _verifier(avant: Any, texte: str, montants: Sequence[Decimal]) -> None:
    try:
        apres = load_yaml_text(texte).data
    except LoadFailed as exc:
        raise EcritureImpossible(str(exc)) from None
    attendu = copy.deepcopy(avant)
    for item, m in zip(attendu["financements"], montants, strict=True):
        item["accorde"] = m
    lu = copy.deepcopy(apres)
    for item in lu.get("financements", []) if isinstance(lu, dict) else []:
        if isinstance(item, dict) and "accorde" in item:
            item["accorde"] = Decimal(str(item["accorde"]))
    if lu != attendu:
        raise EcritureImpossible("le fichier réécrit ne correspond pas au dossier d'origine")
