"""Registry of rule kinds: ``type`` in the rules YAML → the module implementing it.

Each kind module declares ``TYPE`` (its name in YAML), ``Parametres`` (a
pydantic model: options with their defaults) and ``verifier(ctx, params)``, a
pure function returning a :class:`~cdv_prog.constat.Resultat`. Its docstring
explains the rule in three parts: ce que la règle vérifie, pourquoi, exemple
(``cdv regles doc`` publishes them; a test keeps them complete). An optional
``CHAMP`` names the dossier field the rule is about (``cdv check --format
github`` points its findings at that field's line); kinds with a ``champ``
parameter use that parameter instead.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    annee_civile,
    budget_equilibre,
    date_limite,
    duree_pluriannuelle,
    financeurs_minimum,
    indicateur_requis,
    information,
    montant_minimum,
    part_minimum,
    pieces_requises,
    quartier_statut,
)

_MODULES: tuple[ModuleType, ...] = (
    financeurs_minimum,
    montant_minimum,
    budget_equilibre,
    quartier_statut,
    duree_pluriannuelle,
    part_minimum,
    pieces_requises,
    annee_civile,
    indicateur_requis,
    date_limite,
    information,
)

KINDS: dict[str, ModuleType] = {m.TYPE: m for m in _MODULES}


def get(name: str) -> ModuleType | None:
    return KINDS.get(name)
