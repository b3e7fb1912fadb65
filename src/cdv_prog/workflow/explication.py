"""``cdv regles expliquer RÈGLE``: one rule explained, as ``ruff rule CODE`` explains one check.

The same content as the rule's section of ``cdv regles doc`` (:func:`cdv_prog.workflow.doc._rule_blocks`:
title, gravité, genre, when it applies, what it checks and why, its parameters year by year, its
conseil and source), for a dossier rule or a programmation rule; and the same as data
(:func:`donnees`), each parameter's exact value for every year of the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cdv_prog.core.ruleset import JeuDeRegles, Regle
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import GRAVITES_FR, suggest
from cdv_prog.workflow.doc import GRAVITES_PROGRAMMATION_FR, _rule_blocks
from cdv_prog.workflow.document import Block, parse_kind_doc
from cdv_prog.workflow.values import condition_text, nature, to_json


@dataclass(frozen=True)
class Explication:
    """A rule of a rule set, and the set it belongs to (its period, financeurs, référentiels)."""

    regle: Regle
    regles: JeuDeRegles
    portee: Literal["dossier", "programmation"]

    @property
    def gravites(self) -> dict[str, str]:
        return GRAVITES_PROGRAMMATION_FR if self.portee == "programmation" else GRAVITES_FR


def trouver(regles: JeuDeRegles, regle_id: str) -> Explication | None:
    """The rule named ``regle_id`` (dossier rules first, then programmation rules), or None."""
    if regle_id in regles.regles:
        return Explication(regles.regles[regle_id], regles, "dossier")
    if regle_id in regles.programmation:
        return Explication(regles.programmation[regle_id], regles, "programmation")
    return None


def inconnue(regles: JeuDeRegles, regle_id: str) -> str:
    """The French message for an id that names no rule: the closest id, else the known ids."""
    known = [*regles.regles, *regles.programmation]
    hint = suggest(regle_id, known)
    if hint:
        return f"règle inconnue « {short(regle_id)} »{hint}"
    return f"règle inconnue « {short(regle_id)} » ; règles connues : {', '.join(known)}"


def blocs(e: Explication) -> list[Block]:
    """The rule's section of the reference, as a document of its own (its heading at level 1)."""
    return _rule_blocks(e.regle, e.regles, 1, e.gravites)


def donnees(e: Explication) -> dict[str, Any]:
    """The explanation as JSON data: parameters as exact values for each year of the contract."""
    regle, rs = e.regle, e.regles
    first, last = rs.contrat.periode
    doc = parse_kind_doc(regle.kind.__doc__)
    parametres: list[dict[str, Any]] = []
    for name, fld in regle.kind.Parametres.model_fields.items():
        alias = fld.alias or name
        if alias in regle.parametres_bruts:
            dated = regle.parametres_bruts[alias]
            par_annee = {str(y): to_json(dated.at(y)) if dated.has(y) else None for y in range(first, last + 1)}
            defaut = False
        elif not fld.is_required():
            value = to_json(fld.get_default(call_default_factory=True))
            par_annee = {str(y): value for y in range(first, last + 1)}
            defaut = True
        else:
            continue
        parametres.append(
            {"nom": alias, "nature": nature(regle.kind, alias), "par_annee": par_annee, "valeur_par_defaut": defaut}
        )
    return {
        "id": regle.id,
        "titre": regle.titre,
        "portee": e.portee,
        "type": regle.type,
        "resume": doc.resume,
        "verifie": doc.verifie,
        "pourquoi": doc.pourquoi,
        "description": regle.description,
        "gravite": regle.gravite,
        "gravite_libelle": e.gravites.get(regle.gravite, regle.gravite),
        "s_applique": condition_text(regle.condition, rs),
        "periode": [first, last],
        "parametres": parametres,
        "conseil": regle.conseil,
        "source": regle.source,
    }
