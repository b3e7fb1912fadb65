"""When a rule applies (``si:`` in the rules YAML), declared as data.

All the conditions given must hold (a logical AND); when one does not, the
rule is ``sans-objet`` and its message says which. Known conditions:

* ``finance: caf`` or ``finance: [caf, departement]`` — each of these
  financeurs finances the dossier (total retenu > 0);
* ``cpo: true|false`` — the action is (or is not) under a CPO;
* ``innovante``, ``parentalite``, ``renouvellement``: ``true|false`` — the
  action's flags;
* ``elan: true|false`` — also filed on the Elan platform;
* ``cpo-apres-premiere-annee: true`` — under a CPO and the exercice is later
  than the first year of the CPO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cdv_prog.core.vocab import CodeFinanceur

if TYPE_CHECKING:
    from cdv_prog.core.context import Contexte


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


# Each flag condition in words: (the dossier has it, the dossier has it not). The
# same sentences say why a rule is sans objet and, in the rules reference, when
# a rule applies.
PHRASES: dict[str, tuple[str, str]] = {
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
    "elan": ("le dossier est déposé sur la plateforme Elan", "le dossier n'est pas déposé sur la plateforme Elan"),
    "cpo-apres-premiere-annee": (
        "l'action est sous CPO et l'exercice est après la première année de la CPO",
        "l'action n'est pas sous CPO, ou c'est la première année de la CPO",
    ),
}


def phrase(key: str, present: bool) -> str:
    """The sentence saying the dossier has (or has not) the flag ``key``."""
    return PHRASES[key][0 if present else 1]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    finance: Annotated[list[CodeFinanceur], BeforeValidator(_one_or_many), Field(min_length=1)] | None = None
    cpo: bool | None = None
    innovante: bool | None = None
    parentalite: bool | None = None
    renouvellement: bool | None = None
    elan: bool | None = None
    cpo_apres_premiere_annee: bool | None = Field(default=None, alias="cpo-apres-premiere-annee")

    def non_applicable(self, ctx: Contexte) -> str | None:
        """None when the rule applies; else the French reason why it does not."""
        d = ctx.dossier
        if self.finance is not None:
            for code in self.finance:
                if ctx.total(code) <= 0:
                    return f"{ctx.nom(code)} ne finance pas le dossier"
        action = d.action
        actual = {
            "cpo": action.cpo is not None,
            "innovante": action.innovante,
            "parentalite": action.parentalite,
            "renouvellement": action.renouvellement,
            "elan": d.elan,
            "cpo-apres-premiere-annee": action.cpo is not None and d.exercice > min(action.cpo.annees),
        }
        for key, wanted in self.drapeaux().items():
            if actual[key] != wanted:
                return phrase(key, actual[key])
        return None

    def drapeaux(self) -> dict[str, bool]:
        """The flag conditions given (YAML key → wanted value), in declaration order."""
        flags = {
            "cpo": self.cpo,
            "innovante": self.innovante,
            "parentalite": self.parentalite,
            "renouvellement": self.renouvellement,
            "elan": self.elan,
            "cpo-apres-premiere-annee": self.cpo_apres_premiere_annee,
        }
        return {key: value for key, value in flags.items() if value is not None}
