"""``cdv programmation --format json`` (``docs/rapports.md``): summary keys first, then the extra views.

Keys: ``exercice``, ``financeurs``, ``dossiers`` (the summary, exactly); then
``constats`` (programmation rules), ``repartitions``, ``engagements-cpo``,
``ecartes`` (inéligible and invalide dossiers with their reasons) and
``regles`` (rules file names, SHA-256, cdv version). Amounts are numbers
rounded to the cent, ``taux`` to 4 decimals, ``null`` where no enveloppe is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cdv_prog.core.money import montant_json
from cdv_prog.render.json_stream import stream
from cdv_prog.render.programmation_common import EnteteRapport

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.render.registry import Sortie


def _parties(
    prog: Programmation, regles: JeuDeRegles
) -> tuple[dict[str, Any], Iterator[dict[str, Any]], dict[str, Any]]:
    """The keys before ``ecartes``, its items (one dossier each, made as they are written), the keys after."""
    ordre = list(regles.financeurs)
    entete = EnteteRapport.of(prog, regles)
    head = {
        "exercice": prog.exercice,
        "financeurs": [f.to_dict() for f in prog.financeurs],
        "dossiers": prog.resume.to_dict(),
        "constats": [c.to_dict() for c in prog.constats],
        "repartitions": {r.code: r.to_dict(ordre) for r in prog.repartitions},
        "engagements-cpo": prog.engagements.to_dict(),
        "derogations": [
            {
                "id": d.id,
                "fichier": d.fichier,
                "retenu": {code: montant_json(v) for code, v in (d.retenu or {}).items()},
                "derogation": d.derogation.to_dict(),
            }
            for d in prog.par_derogation
            if d.derogation is not None
        ],
    }
    ecartes = ({"id": d.id, "fichier": d.fichier, "verdict": d.verdict, "motifs": list(d.motifs)} for d in prog.ecartes)
    tail = {
        "regles": {
            "fichiers": list(entete.fichiers_regles),
            "empreinte": entete.empreinte,
            "version-cdv": entete.version,
        },
    }
    return head, ecartes, tail


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    """The whole document's bytes (:func:`chunks`, joined)."""
    return b"".join(chunks(prog, regles, sortie))


def chunks(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> Iterator[bytes]:
    """:func:`render`'s bytes, written as they are made: the set-aside dossiers (a third of a big
    batch) one at a time, never the whole document in memory."""
    head, ecartes, tail = _parties(prog, regles)
    for chunk in stream("ecartes", ecartes, lambda: tail, head):
        yield chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
