"""Rule parameters shown to people: their nature (amount, fraction…) and French display."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cdv_prog.core.champs import valider_montant
from cdv_prog.core.conditions import Condition, phrase, types_porteur_fr
from cdv_prog.core.dated import ALWAYS, Dated
from cdv_prog.core.money import euros, nombre_json, percent
from cdv_prog.core.ruleset import JeuDeRegles, RuleKind
from cdv_prog.kinds.parametres.base import valider_fraction


def nature(kind: RuleKind | None, name: str) -> str:
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


def show(value: object, how: str = "autre") -> str:
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


def show_dated(dated: Dated[object], how: str = "autre") -> str:
    """``500,00 €`` or ``500,00 € à partir de 2024 ; 1 000,00 € à partir de 2026``."""
    if not dated.is_dated:
        return show(dated.values[0][1], how)
    return " ; ".join(f"{show(v, how)} à partir de {y}" for y, v in dated.values if y != ALWAYS)


def to_json(value: object) -> Any:
    """Plain JSON data: Decimal → number (:func:`~cdv_prog.core.money.nombre_json`), dates → ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return nombre_json(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def condition_parts(condition: Condition, regles: JeuDeRegles | None) -> list[str]:
    """The ``si:`` of a rule in words, one part per condition given (all must hold)."""
    parts = []
    if condition.finance is not None:
        noms = [regles.nom_court(c) if regles is not None else c for c in condition.finance]
        verb = "finance" if len(noms) == 1 else "financent"
        parts.append(f"{' et '.join(noms)} {verb} le dossier")
    if condition.type_porteur is not None:
        parts.append(f"le porteur relève de : {types_porteur_fr(condition.type_porteur)}")
    parts += [phrase(key, wanted) for key, wanted in condition.drapeaux().items()]
    if condition.finance_n_1 is not None:
        noms = [regles.nom_court(c) if regles is not None else c for c in condition.finance_n_1]
        parts.append(
            f"{' et '.join(noms)} finançai{'en' if len(noms) > 1 else ''}t l'action l'année précédente "
            "(d'après l'historique, sinon les financeurs de l'année précédente déclarés au bilan, sinon supposé)"
        )
    return parts


def condition_text(condition: Condition, regles: JeuDeRegles | None) -> str:
    """``toujours`` or ``quand CAF finance le dossier et l'action est …``."""
    parts = condition_parts(condition, regles)
    return "quand " + " et ".join(parts) if parts else "toujours"
