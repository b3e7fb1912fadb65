"""How a report names a rule for a person (its ``titre``, else its id), for every format.

A module of its own, with nothing else: ``cdv check``'s text imports it for one dossier
without the programmation's renderers (:mod:`cdv_prog.render.programmation_common`
re-exports it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles


def titre_regle(regles: JeuDeRegles | None, regle_id: str) -> str:
    """How a report names a rule for a person: its ``titre``, else its id (the id goes in second place)."""
    if regles is None:
        return regle_id
    regle = regles.regles.get(regle_id) or regles.programmation.get(regle_id)
    return regle.titre if regle is not None and regle.titre else regle_id


def nom_regle(regles: JeuDeRegles | None, regle_id: str) -> str:
    """A rule named in one plain text (a spreadsheet cell, an annotation): « Titre (id) », or the id alone."""
    titre = titre_regle(regles, regle_id)
    return regle_id if titre == regle_id else f"{titre} ({regle_id})"
