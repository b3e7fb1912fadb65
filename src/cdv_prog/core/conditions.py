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
        if self.cpo is not None and (d.action.cpo is not None) != self.cpo:
            return "l'action n'est pas sous CPO" if self.cpo else "l'action est sous CPO"
        action = d.action
        if self.innovante is not None and action.innovante != self.innovante:
            return "l'action n'est pas innovante" if self.innovante else "l'action est innovante"
        if self.parentalite is not None and action.parentalite != self.parentalite:
            return (
                "l'action n'est pas une action de parentalité"
                if self.parentalite
                else "l'action est une action de parentalité"
            )
        if self.renouvellement is not None and action.renouvellement != self.renouvellement:
            return "l'action n'est pas un renouvellement" if self.renouvellement else "l'action est un renouvellement"
        if self.elan is not None and d.elan != self.elan:
            return "le dossier n'est pas déposé sur Elan" if self.elan else "le dossier est déposé sur Elan"
        if self.cpo_apres_premiere_annee is not None:
            after = d.action.cpo is not None and d.exercice > min(d.action.cpo.annees)
            if after != self.cpo_apres_premiere_annee:
                if self.cpo_apres_premiere_annee:
                    return "pas de CPO, ou première année de la CPO"
                return "CPO au-delà de sa première année"
        return None
