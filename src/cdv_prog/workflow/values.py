"""Rule parameters shown to people: their nature (amount, fraction…) and French display."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import ModuleType
from typing import Any

from cdv_prog.core.dated import ALWAYS, Dated
from cdv_prog.core.money import euros, percent, valider_montant
from cdv_prog.kinds.base import valider_fraction


def nature(kind: ModuleType | None, name: str) -> str:
    """``montant``, ``fraction`` or ``autre``: how a kind's parameter is to be read."""
    if kind is None:
        return "autre"

    model = kind.Parametres
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == name), None)
    if field is None:
        return "autre"
    for meta in field.metadata:
        func = getattr(meta, "func", None)
        if func is valider_montant:
            return "montant"
        if func is valider_fraction:
            return "fraction"
    return "autre"


def show(value: Any, how: str = "autre") -> str:
    """A parameter value in French: ``500,00 €``, ``50 %``, ``etat, ville``, ``true``…"""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        if how == "montant":
            return euros(Decimal(value))
        if how == "fraction":
            return percent(Decimal(value))
        text = f"{value:f}" if isinstance(value, Decimal) else str(value)
        return text.replace(".", ",")
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v, how) for v in value) if value else "(liste vide)"
    if isinstance(value, dict):
        return ", ".join(f"{k} : {show(v, how)}" for k, v in value.items())
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def show_dated(dated: Dated[Any], how: str = "autre") -> str:
    """``500,00 €`` or ``500,00 € à partir de 2024 ; 1 000,00 € à partir de 2026``."""
    if not dated.is_dated:
        return show(dated.values[0][1], how)
    return " ; ".join(f"{show(v, how)} à partir de {y}" for y, v in dated.values if y != ALWAYS)


def to_json(value: Any) -> Any:
    """Plain JSON data: Decimal → number (float only here, at the JSON edge), dates → ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_CONDITION_WORDS: dict[str, tuple[str, str]] = {
    "cpo": ("l'action est sous CPO", "l'action n'est pas sous CPO"),
    "innovante": ("l'action est innovante", "l'action n'est pas innovante"),
    "parentalite": (
        "l'action est une action de soutien à la parentalité",
        "l'action n'est pas une action de parentalité",
    ),
    "renouvellement": (
        "l'action renouvelle une action financée l'année précédente",
        "l'action n'est pas un renouvellement",
    ),
    "elan": ("le dossier est déposé sur la plateforme Elan", "le dossier n'est pas déposé sur Elan"),
    "cpo-apres-premiere-annee": (
        "l'action est sous CPO et l'exercice est après la première année de la CPO",
        "l'action n'est pas sous CPO, ou c'est la première année de la CPO",
    ),
}


def condition_parts(condition: Any, regles: Any) -> list[str]:
    """The ``si:`` of a rule in words, one part per condition given (all must hold)."""
    parts = []
    data = condition.model_dump(by_alias=True, exclude_none=True)
    for key, value in data.items():
        if key == "finance":
            noms = [regles.nom_court(c) if regles is not None else c for c in value]
            verb = "finance" if len(noms) == 1 else "financent"
            parts.append(f"{' et '.join(noms)} {verb} le dossier")
        elif key in _CONDITION_WORDS and isinstance(value, bool):
            parts.append(_CONDITION_WORDS[key][0 if value else 1])
        else:  # a condition added later without its words here: still shown, plainly
            parts.append(f"{key} : {show(value)}")
    return parts


def condition_text(condition: Any, regles: Any) -> str:
    """``toujours`` or ``quand CAF finance le dossier et l'action est …``."""
    parts = condition_parts(condition, regles)
    return "quand " + " et ".join(parts) if parts else "toujours"
