"""The one registry of rule kinds: ``type`` in the rules YAML → the module implementing it.

Each kind module declares ``TYPE`` (its name in YAML), ``PORTEE``
(``dossier``: it judges one dossier; ``programmation``: one whole exercice),
``Parametres`` (a strict pydantic model of its options, in ``kinds/parametres/<module>.py``,
handed over by the module's ``__getattr__`` when asked: :func:`.base.parametres_du_type`;
the engine gives ``verifier`` the validated fields as :class:`~cdv_prog.core.valeurs.Valeurs`)
and a pure ``verifier(ctx, params)`` (and, optionally, right after it, a pure ``remede(ctx, params)``:
« ce qu'il faudrait », verified by :mod:`cdv_prog.core.remedier`); see :mod:`.base` and
:class:`~cdv_prog.core.ruleset.RuleKind`,
which mypy checks every module below against. Its docstring explains the rule
in three parts (ce que la règle vérifie, pourquoi, exemple): ``cdv regles doc``
publishes them, the JSON schema of the rules files takes the parameters from
``Parametres``, and ``tests/kinds/`` must hold YAML cases for every kind (a
test fails when one lacks them).

Adding a kind: one module here and its ``Parametres`` in ``parametres/`` (same module name), one
line in ``_MODULES``, its cases in ``tests/kinds/<type>.yaml``.
"""

from __future__ import annotations

from cdv_prog.core.ruleset import RuleKind
from cdv_prog.core.vocab import Portee
from cdv_prog.kinds import (
    annee_civile,
    budget_equilibre,
    cpo_continue,
    cpo_par_quartier,
    date_limite,
    dispositif_financeur,
    dispositif_mobilise,
    dispositif_renseigne,
    duree_maximale,
    duree_pluriannuelle,
    enveloppe_respectee,
    financeurs_minimum,
    indicateur_requis,
    information,
    montant_minimum,
    part_minimum,
    periode_exercice,
    pieces_requises,
    precedent_trouve,
    quartier_statut,
    siret_valide,
)

_MODULES: tuple[RuleKind, ...] = (
    # dossier kinds
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
    siret_valide,
    periode_exercice,
    duree_maximale,
    dispositif_mobilise,
    dispositif_renseigne,
    dispositif_financeur,
    precedent_trouve,
    cpo_continue,
    # programmation kinds
    enveloppe_respectee,
    cpo_par_quartier,
)

KINDS: dict[str, RuleKind] = {m.TYPE: m for m in _MODULES}


def registry(portee: Portee) -> dict[str, RuleKind]:
    """The kinds of one scope, in registry order."""
    return {name: kind for name, kind in KINDS.items() if portee == kind.PORTEE}


def get(name: str) -> RuleKind | None:
    return KINDS.get(name)
