"""Programmation-level rules (section ``programmation:`` of the rules) over one exercice."""

from __future__ import annotations

from ..constat import Constat
from ..engine import appliquer
from .kinds.base import ContexteProgrammation


def evaluer(ctx: ContexteProgrammation) -> list[Constat]:
    """Every programmation rule of the set, in the order of the rules files."""
    return [appliquer(regle, ctx) for regle in ctx.regles.programmation.values()]
