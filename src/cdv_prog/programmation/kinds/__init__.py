"""Registry of programmation-level rule kinds: ``type`` in the ``programmation:`` section → module.

Same pattern as :mod:`cdv_prog.kinds` (dossier rules): each module declares
``TYPE``, ``Parametres`` (a subclass of :class:`cdv_prog.kinds.base.Parametres`)
and ``verifier(ctx, params)``, a pure function of the whole exercice
(:class:`.base.ContexteProgrammation`) returning a
:class:`~cdv_prog.constat.Resultat`; its docstring says ce que la règle
vérifie, pourquoi, exemple.
"""

from __future__ import annotations

from types import ModuleType

from . import cpo_par_quartier, enveloppe_respectee

_MODULES: tuple[ModuleType, ...] = (enveloppe_respectee, cpo_par_quartier)

KINDS: dict[str, ModuleType] = {m.TYPE: m for m in _MODULES}


def get(name: str) -> ModuleType | None:
    return KINDS.get(name)
