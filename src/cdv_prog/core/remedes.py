"""« Ce qu'il faudrait » : a concrete change to a dossier that makes a rule hold (the data, no search here).

A rule kind may offer a :class:`Remede` for a failed rule (its optional
``remede(ctx, p)``, next to ``verifier``); :mod:`cdv_prog.core.remedier`
applies it to a copy of the dossier and runs the engine again before anyone
sees it. A :class:`Changement` names a dossier field the way the dossier's
YAML writes it (``financements[1].montant``, ``budget.autres-produits``,
``pieces``) with its value before and after, as YAML text (amounts exact:
``"500.00"``); ``avant`` is ``None`` for a field or line added, ``apres``
``None`` for one removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Changement:
    """One field of the dossier changed: ``champ`` (YAML path), its text before and after."""

    champ: str
    avant: str | None
    apres: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"champ": self.champ, "avant": self.avant, "apres": self.apres}


@dataclass(frozen=True)
class Remede:
    """What it would take: a French sentence and the changes that make it so."""

    phrase: str
    changements: tuple[Changement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "changements": [c.to_dict() for c in self.changements]}

    def puis(self, autre: Remede) -> Remede:
        """This remedy followed by ``autre`` (phrases joined, a field changed twice kept once)."""
        merged: dict[str, Changement] = {c.champ: c for c in self.changements}
        for c in autre.changements:
            parent, _, key = c.champ.rpartition(".")
            added = merged.get(parent)
            if added is not None and added.avant is None and added.apres is not None and c.apres is not None:
                # a field of a line this remedy adds: the line is added with its final value
                merged[parent] = Changement(parent, None, _avec(added.apres, key, c.apres))
                continue
            first = merged.get(c.champ)
            merged[c.champ] = Changement(c.champ, first.avant if first is not None else c.avant, c.apres)
        kept = tuple(c for c in merged.values() if c.avant != c.apres)
        phrase = f"{self.phrase} ; {autre.phrase}" if self.phrase else autre.phrase
        return Remede(phrase, kept)


def _avec(mapping: str, key: str, value: str) -> str:
    """``{financeur: etat, montant: 500.00}`` with ``montant`` set to ``value`` (the flow text remedies write)."""
    pairs = dict(part.split(": ", 1) for part in mapping.strip()[1:-1].split(", ") if part)
    pairs[key] = value
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs.items()) + "}"
