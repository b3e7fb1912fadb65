"""What every rule kind shares: the dates as messages write them, and the lazy access to its parameters' model.

A kind module declares ``TYPE``, ``PORTEE`` (``dossier`` or
``programmation``), optionally ``CHAMP`` (the dossier field it is about, for the
line of a finding) and a pure ``verifier(ctx, params)`` returning a
:class:`~cdv_prog.core.findings.Resultat`; its docstring has three parts:
« Ce que la règle vérifie », « Pourquoi », « Exemple ». Its ``Parametres`` (a
subclass of :class:`cdv_prog.kinds.parametres.base.Parametres`) lives in
``kinds/parametres/<the kind's module>.py``, and the kind module's ``__getattr__``
hands it over when asked (:func:`parametres_du_type`): no pydantic here.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from cdv_prog.core.context import Contexte, ContexteProgrammation


def parametres_du_type(module: str, name: str) -> Any:
    """A kind module's ``__getattr__``: its ``Parametres``, imported from ``kinds/parametres/`` when first asked."""
    if name != "Parametres":
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return importlib.import_module("cdv_prog.kinds.parametres." + module.rpartition(".")[2]).Parametres


def date_fr(d: dt.date) -> str:
    """``15/01/2025``: a date as the messages write it (``%d/%m/%Y``), formatted once per date.

    Every dossier's dates are written in several messages; ``strftime`` is slow and
    the same dates come back from dossier to dossier.
    """
    shown = _DATES_FR.get(d)
    if shown is None:
        shown = format(d, "%d/%m/%Y")
        if len(_DATES_FR) >= 4096:
            _DATES_FR.clear()
        _DATES_FR[d] = shown
    return shown


_DATES_FR: dict[dt.date, str] = {}


__all__ = ["Contexte", "ContexteProgrammation", "date_fr", "parametres_du_type"]
