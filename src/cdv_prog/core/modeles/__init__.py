"""The pydantic models that validate the rule set's référentiels, a rule's ``si:`` and the dossier.

Each model says what the data must be (types, bounds, the French messages of
:mod:`cdv_prog.files.messages`, the JSON schemas of ``cdv schema``) and hands
over, from ``en_clair()``, the plain record the engine reads
(:class:`cdv_prog.core.valeurs.Enregistrement`: :mod:`cdv_prog.core.ruleset`,
:mod:`cdv_prog.core.conditions`, :mod:`cdv_prog.core.dossier`). Only loading
and checking data imports them: a ``cdv check`` of a usual dossier with the
compact rule set of the user's cache imports no pydantic (issue 17).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict

from cdv_prog.core.valeurs import Enregistrement, valeur_simple

# every model: strict, frozen, its validator built when first used (not at import)
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class EnClair:
    """Mixin of a model whose ``en_clair()`` is the record of class ``CLAIR`` (the same fields, in order).

    Each module's models derive from ``class _Strict(EnClair, BaseModel)`` with ``model_config = STRICT``.
    """

    CLAIR: ClassVar[type[Enregistrement]]

    def en_clair(self) -> Any:
        """The plain record of these values (nested models as their records)."""
        cls = type(self).CLAIR
        return cls.de(*(valeur_simple(getattr(self, nom)) for nom in cls._CHAMPS))
