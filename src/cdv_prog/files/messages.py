"""French messages for pydantic validation errors, with file lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from cdv_prog.core.findings import LoadError, format_path
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import CODE_PATTERN, indication_code, suggest
from cdv_prog.files.loader import Loaded

_TYPES = {
    "string_type": "doit être un texte (mettez-le entre guillemets)",
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "bool_type": "doit valoir true ou false",
    "bool_parsing": "doit valoir true ou false",
    "date_type": "doit être une date au format AAAA-MM-JJ",
    "date_parsing": "doit être une date au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "doit être une date au format AAAA-MM-JJ",
    "list_type": "doit être une liste",
    "tuple_type": "doit être une liste",
    "dict_type": "doit être un ensemble de clés (clé: valeur)",
    "model_type": "doit être un ensemble de clés (clé: valeur)",
    "model_attributes_type": "doit être un ensemble de clés (clé: valeur)",
    "decimal_type": "doit être un nombre",
    "decimal_parsing": "doit être un nombre",
    "float_type": "doit être un nombre",
    "missing": "champ obligatoire manquant",
    "invalid_key": "clé invalide : une clé doit être un texte",
    "string_too_short": "ne doit pas être vide",
}


def message_fr(err: Mapping[str, Any], known_keys: Iterable[str] = ()) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    loc = err.get("loc") or ()
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        return f"clé inconnue « {_short(key)} »{suggest(key, known_keys)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        allowed = re.findall(r"'([^']*)'", expected) or [expected.replace(" or ", " ou ")]  # « 'a', 'b' or 'c' »
        return _not_allowed(err.get("input"), allowed)
    if kind == "string_pattern_mismatch":
        return _malformed(err.get("input"), str(ctx.get("pattern", "")))
    if kind == "string_too_long":
        return f"texte trop long : au plus {ctx.get('max_length')} caractères"
    if kind == "too_short":
        return f"doit contenir au moins {ctx.get('min_length', 1)} élément(s)"
    if kind == "too_long":
        return f"doit contenir au plus {ctx.get('max_length')} élément(s)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sym = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"doit être {sym} {bound}"
    if kind in ("value_error", "assertion_error"):
        msg = str(ctx.get("error") or err.get("msg", ""))
        return msg.removeprefix("Value error, ")
    if kind in _TYPES:
        return _TYPES[kind]
    if kind in _BUILTIN_TYPES:  # a pydantic error not translated above: its own message is English
        return f"valeur invalide ({kind})"
    # custom errors (PydanticCustomError) carry their French message
    return str(err.get("msg", kind))


def _not_allowed(value: object, allowed: list[str]) -> str:
    """``valeur « Association » non autorisée (vouliez-vous dire « association » ?) ; valeurs possibles : …``."""
    text = str(value)
    hint = ""
    if len(text) <= 80:
        same = [a for a in allowed if a.casefold() == text.strip().casefold()]
        hint = f" (vouliez-vous dire « {same[0]} » ?)" if same else suggest(text, allowed)
    return f"valeur « {_short(value)} » non autorisée{hint} ; valeurs possibles : {', '.join(allowed)}"


_ALTERNATIVES = re.compile(r"^\^\(([a-z0-9-]+(?:\|[a-z0-9-]+)+)\)\$$")  # ^(qpv|veille)$
_PATTERNS_FR = {
    r"^[0-9]{14}$": 'le SIRET s\'écrit avec ses 14 chiffres, sans espace, entre guillemets (par exemple "73282932000074")',
    r"^[A-Za-z0-9._-]+$": "un identifiant s'écrit avec des lettres sans accent, des chiffres, . _ et - (par exemple CDV-2025-014)",
}


def _malformed(value: object, pattern: str) -> str:
    """A value refused by a pattern, with how it should be written (codes, listed values, SIRET, identifiant)."""
    if pattern == CODE_PATTERN and isinstance(value, str):
        return f"code « {_short(value)} » mal écrit : {indication_code(value)}"
    alternatives = _ALTERNATIVES.match(pattern)
    if alternatives is not None:
        return _not_allowed(value, alternatives.group(1).split("|"))
    how = _PATTERNS_FR.get(pattern)
    return f"valeur « {_short(value)} » mal formée" + (f" : {how}" if how else "")


def _short(value: object) -> str:
    """A user value quoted in a message: hostile files may hold megabytes in one field.

    The one bound of quoted values, for every room: :func:`cdv_prog.core.texte.short`.
    """
    return short(value)


def _builtin_types() -> frozenset[str]:
    from typing import get_args

    from pydantic_core.core_schema import ErrorType

    return frozenset(get_args(ErrorType))


_BUILTIN_TYPES = _builtin_types()


def translate(
    exc: ValidationError, loaded: Loaded | None, prefix: tuple = (), model: type[BaseModel] | None = None
) -> list[LoadError]:
    """Turn a pydantic ValidationError into French LoadErrors naming field and line."""
    out: list[LoadError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        path = prefix + loc
        known = known_keys(model, loc) if model is not None else ()
        line = loaded.line_of(path) if loaded is not None else None
        out.append(LoadError(format_path(path), line, message_fr(err, known)))
    return out


def known_keys(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """Field names (aliases) of the sub-model where an unknown key sits."""
    current = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _inner_model(annotation: object) -> type[BaseModel] | None:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
