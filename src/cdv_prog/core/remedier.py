"""« Ce qu'il faudrait », verified: each remedy is applied to a copy of the dossier and the engine runs again.

* :func:`remedes` — for each failed rule whose kind knows how to invert itself
  (its optional ``remede(ctx, p)``), the change that makes that rule hold;
* :func:`pour_etre_eligible` — for an inéligible dossier, one combined remedy
  (the kinds' moves, applied one failed bloquant rule after the other, at most
  :data:`ETAPES` times) after which no bloquant rule fails, or the reason there
  is none;
* :func:`ajouter_remedes` — both on a stream of reports (``cdv check --remedes``).

A remedy the engine does not confirm is never shown: a kind's move that fails
to make its rule hold, or a change the dossier model refuses, is dropped. Pure:
no I/O, like the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from cdv_prog.core.context import Contexte
from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, evaluer_regle, verdict
from cdv_prog.core.findings import Constat
from cdv_prog.core.historique import Historique
from cdv_prog.core.montants import Montants
from cdv_prog.core.remedes import Changement, Remede
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles, Regle

ETAPES = 8  # moves tried, at most, for the combined remedy of one dossier
AUCUNE = "aucune modification simple"


# --------------------------------------------------------------------------- applying changes


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def chemin(champ: str) -> tuple[str | int, ...]:
    """``financements[1].montant`` → ``("financements", 1, "montant")``."""
    return tuple(int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _SEGMENT.finditer(champ))


def valeur(texte: str | None) -> Any:
    """The value of a change's text, as the remedies write it: a flow mapping or list of plain scalars,
    ``true``/``false``, digits as an integer, or a scalar kept as text (amounts and dates are read by the model)."""
    if texte is None:
        return None
    t = texte.strip()
    if t.startswith("{") and t.endswith("}"):
        items = [part.split(":", 1) for part in _split(t[1:-1])]
        return {k.strip(): valeur(v) for k, v in items}
    if t.startswith("[") and t.endswith("]"):
        return [valeur(part) for part in _split(t[1:-1])]
    if t in ("true", "false"):
        return t == "true"
    if t.isdigit():  # a year (CPO years); amounts are read alike by the model
        return int(t)
    return t


def _split(inner: str) -> list[str]:
    return [part.strip() for part in inner.split(",") if part.strip()]


def appliquer(dossier: Dossier, changements: Iterable[Changement], regles: JeuDeRegles) -> Dossier | None:
    """A copy of ``dossier`` with the changes, validated like a file; None if the model refuses it."""
    data: dict[str, Any] = dossier.donnees()
    try:
        modifier(data, changements)
    except (KeyError, IndexError, TypeError):  # a change that names no field of this dossier
        return None
    from pydantic import ValidationError  # (validation only: the engine's modules import no pydantic)

    try:
        return Dossier.valider(data, regles)
    except ValidationError:
        return None


def modifier(
    data: dict[str, Any], changements: Iterable[Changement], lire: Callable[[str | None], Any] = valeur
) -> None:
    """The changes applied to a dossier's data, in place (a line added, a field set, a line removed);
    ``lire``: how a change's text becomes a value (the files layer reads it as YAML)."""
    removed: list[tuple[list[Any], int]] = []
    for c in changements:
        path = chemin(c.champ)
        parent: Any = data
        for step in path[:-1]:
            if isinstance(step, str) and step not in parent:
                parent[step] = {}
            parent = parent[step]
        last = path[-1]
        if c.apres is None:
            if isinstance(last, int):
                removed.append((parent, last))
            else:
                parent.pop(last, None)
        elif isinstance(last, int) and last >= len(parent):
            parent.append(lire(c.apres))
        else:
            parent[last] = lire(c.apres)
    for parent, index in sorted(removed, key=lambda item: -item[1]):  # later lines first: indexes stay right
        del parent[index]


# --------------------------------------------------------------------------- one rule


def proposer(regle: Regle, ctx: Contexte) -> Remede | None:
    """The kind's move for a failed rule (not yet verified), or None when it knows none."""
    move = getattr(regle.kind, "remede", None)
    if move is None:
        return None
    params, _missing = regle.parametres(ctx.exercice, ctx.regles)
    if params is None:
        return None
    remede: Remede | None = move(ctx, params)
    return remede if remede is not None and remede.changements else None


def tient(regle: Regle, dossier: Dossier, regles: JeuDeRegles, historique: Historique | None) -> bool:
    """The rule does not fail on ``dossier`` (ok, or sans objet)."""
    return evaluer_regle(regle, Contexte.of(dossier, regles, historique)).statut != "echec"


def remedes(
    dossier: Dossier, constats: list[Constat], regles: JeuDeRegles, historique: Historique | None = None
) -> list[Constat]:
    """The constats, each failed one with its verified remedy when its kind knows one."""
    return _remedes(dossier, constats, regles, historique)[0]


def _remedes(
    dossier: Dossier,
    constats: list[Constat],
    regles: JeuDeRegles,
    historique: Historique | None,
    montants: Montants | None = None,
) -> tuple[list[Constat], dict[str, Dossier]]:
    """:func:`remedes`, and the modified dossier of each verified remedy (the combined search starts there)."""
    if montants is None:
        ctx = Contexte.of(dossier, regles, historique)
    else:  # the report's, computed once by the engine
        ctx = Contexte(dossier, regles, montants, historique=historique)
    out = []
    modifies: dict[str, Dossier] = {}
    for c in constats:
        regle = regles.regles.get(c.regle)
        if c.statut == "echec" and regle is not None:
            remede = proposer(regle, ctx)
            if remede is not None:
                modifie = appliquer(dossier, remede.changements, regles)
                if modifie is not None and tient(regle, modifie, regles, historique):
                    c = replace(c, remede=remede)
                    modifies[c.regle] = modifie
        out.append(c)
    return out, modifies


# --------------------------------------------------------------------------- the whole dossier


def _bloquants(constats: list[Constat]) -> list[Constat]:
    return [c for c in constats if c.statut == "echec" and c.gravite == "bloquant"]


def pour_etre_eligible(
    dossier: Dossier,
    regles: JeuDeRegles,
    historique: Historique | None = None,
    constats: list[Constat] | None = None,
    modifies: dict[str, Dossier] | None = None,
) -> tuple[Remede | None, str | None]:
    """(a combined remedy after which no bloquant rule fails, None) — or (None, why there is none).

    ``constats``: the dossier's, when already judged; ``modifies``: the dossiers of its verified
    single remedies (:func:`_remedes`), when already computed — the first move is then not redone.
    """
    courant = dossier
    total = Remede("", ())
    if constats is None:
        constats = evaluer(courant, regles, historique=historique)
    sans_geste: list[tuple[str, str]] = []  # (rule, its message): the failures no move lifts
    for etape in range(ETAPES):
        echecs = _bloquants(constats)
        if not echecs:
            break
        ctx = Contexte.of(courant, regles, historique)
        for c in echecs:
            regle = regles.regles[c.regle]
            if etape == 0 and modifies is not None and c.remede is not None and c.regle in modifies:
                # verified already, on this very dossier
                courant, total = modifies[c.regle], total.puis(c.remede)
                constats = evaluer(courant, regles, historique=historique)
                break
            remede = proposer(regle, ctx)
            modifie = appliquer(courant, remede.changements, regles) if remede is not None else None
            if remede is None or modifie is None or not tient(regle, modifie, regles, historique):
                if c.regle not in (r for r, _ in sans_geste):
                    sans_geste.append((c.regle, c.message))
                continue
            courant, total = modifie, total.puis(remede)
            constats = evaluer(courant, regles, historique=historique)
            break
        else:
            return None, f"{AUCUNE} ne lève " + " ; ".join(f"{r} ({m})" for r, m in sans_geste)
    if verdict(constats) != "eligible":
        restent = ", ".join(c.regle for c in _bloquants(constats))
        return None, f"{AUCUNE} : après {ETAPES} modifications, restent en échec : {restent}"
    if not total.changements:  # pragma: no cover - an inéligible dossier always needs a change
        return None, AUCUNE
    return total, None  # the changes in the order they were made: a line is added before a field of it changes


def ajouter_remedes(
    reports: Iterable[DossierReport], regles: JeuDeRegles, historique: Historique | None = None
) -> Iterator[DossierReport]:
    """The reports of ``cdv check --remedes``: each failed constat with its remedy, each inéligible
    dossier with its combined remedy (or the reason there is none). Needs the reports' dossiers."""
    for report in reports:
        dossier = report.dossier
        if dossier is not None and report.verdict != "invalide":
            report.remedes_calcules = True
            modifies: dict[str, Dossier] = {}
            if any(c.statut == "echec" for c in report.constats):
                report.constats, modifies = _remedes(dossier, report.constats, regles, historique, report.montants)
            if report.verdict == "ineligible":
                report.pour_etre_eligible, report.pour_etre_eligible_impossible = pour_etre_eligible(
                    dossier, regles, historique, report.constats, modifies
                )
        yield report
