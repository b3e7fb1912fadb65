"""``cdv suivi --format json``: the action's years and the breaks of its chain.

Keys: ``id`` (the dossier asked for), ``annees`` (oldest first: ``exercice``,
``id``, ``fichier``, ``intitule``, ``porteur``, ``verdict``, ``precedent``,
``cpo`` (years or null), ``financeurs`` (``financeur``, ``nom``, ``retenu``),
``total-retenu``, ``bilan-envoye-le``, ``evaluation-annuelle``), ``ruptures``
(French sentences). Amounts are numbers rounded to the cent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdv_prog.render.json_stream import dumps

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.workflow.suivi import Suivi


def render(suivi: Suivi, regles: JeuDeRegles) -> str:
    noms = {code: regles.nom_court(code) for code in regles.financeurs}
    return dumps(suivi.to_dict(noms)) + "\n"
