"""The moves the kinds' ``remede`` functions share: raise or add a financement line, budget kept balanced.

A :class:`Brouillon` is a draft of the dossier's money: a move changes a line
(``montant``, and ``accorde`` when the line has one) and says at once where the
money comes from, so that the budget's balance is what it was before: taken
from the ``autres-produits`` when they suffice, otherwise a larger
``budget.total``. Its :meth:`remede` gives the :class:`~cdv_prog.core.remedes.Remede`
with the exact changes (amounts to the cent, as YAML text).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from cdv_prog.core.context import Contexte
from cdv_prog.core.money import CENT, ZERO, euros, montant_texte
from cdv_prog.core.remedes import Changement, Remede


def cents(amount: Decimal) -> Decimal:
    """Rounded up to the cent: a remedy never falls short by a fraction of a cent."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def texte(amount: Decimal) -> str:
    """An amount as the YAML text of a change: ``"500.00"``."""
    return montant_texte(amount.quantize(CENT))


class _Ligne:
    """A line of the draft (a plain class: a dataclass would compile its methods at every start)."""

    __slots__ = ("accorde", "financeur", "montant", "nouvelle")

    def __init__(self, financeur: str, montant: Decimal, accorde: Decimal | None, nouvelle: bool = False) -> None:
        self.financeur = financeur
        self.montant = montant
        self.accorde = accorde
        self.nouvelle = nouvelle


class Brouillon:
    """The dossier's lines and budget, changed move by move (the dossier itself is never touched)."""

    def __init__(self, ctx: Contexte):
        d = ctx.dossier
        self.ctx = ctx
        self.lignes = [_Ligne(f.financeur, f.montant, f.accorde) for f in d.financements]
        self.autres = d.budget.autres_produits
        self.total = d.budget.total

    def retenu(self, financeur: str) -> Decimal:
        return sum(
            (
                line.montant if line.accorde is None else line.accorde
                for line in self.lignes
                if line.financeur == financeur
            ),
            ZERO,
        )

    def porter(self, financeur: str, delta: Decimal) -> None:
        """Raise the financeur's total retenu by ``delta`` (its last line; a new line if it has none)."""
        for line in reversed(self.lignes):
            if line.financeur == financeur:
                line.montant += delta
                if line.accorde is not None:
                    line.accorde += delta
                self._equilibrer(delta)
                return
        self.ajouter(financeur, delta)

    def ajouter(self, financeur: str, montant: Decimal) -> None:
        self.lignes.append(_Ligne(financeur, montant, None, nouvelle=True))
        self._equilibrer(montant)

    def _equilibrer(self, delta: Decimal) -> None:
        """``delta`` more requested: the same less of autres produits, or as much more budget."""
        if self.autres >= delta:
            self.autres -= delta
        else:
            self.total += delta

    def origine(self) -> str:
        """Where the money comes from, in French (empty when nothing moved)."""
        d = self.ctx.dossier.budget
        parts = []
        if self.autres != d.autres_produits:
            parts.append(f"{euros(d.autres_produits - self.autres)} pris sur les autres produits")
        if self.total != d.total:
            parts.append(f"budget porté à {euros(self.total)}")
        return " et ".join(parts)

    def remede(self, phrase: str) -> Remede | None:
        """The changes the moves make, with ``phrase`` and where the money comes from; None if nothing moved."""
        d = self.ctx.dossier
        out: list[Changement] = []
        for index, line in enumerate(self.lignes):
            if line.nouvelle:
                out.append(
                    Changement(
                        f"financements[{index}]",
                        None,
                        f"{{financeur: {line.financeur}, montant: {texte(line.montant)}}}",
                    )
                )
                continue
            old = d.financements[index]
            if line.montant != old.montant:
                out.append(Changement(f"financements[{index}].montant", texte(old.montant), texte(line.montant)))
            if old.accorde is not None and line.accorde is not None and line.accorde != old.accorde:
                out.append(Changement(f"financements[{index}].accorde", texte(old.accorde), texte(line.accorde)))
        if self.autres != d.budget.autres_produits:
            out.append(Changement("budget.autres-produits", texte(d.budget.autres_produits), texte(self.autres)))
        if self.total != d.budget.total:
            out.append(Changement("budget.total", texte(d.budget.total), texte(self.total)))
        if not out:
            return None
        origine = self.origine()
        return Remede(f"{phrase} ({origine})" if origine else phrase, tuple(out))


def plancher(ctx: Contexte, financeur: str) -> Decimal:
    """The highest floor the rule set's ``montant-minimum`` rules set for ``financeur`` (0 without any).

    A line a remedy adds must not fall under a floor: adding 1 € of Agglo would only move the failure.
    """
    best = ZERO
    for regle in ctx.regles.regles.values():
        if regle.type != "montant-minimum":
            continue
        params, _missing = regle.parametres(ctx.exercice, ctx.regles)
        if params is None:
            continue
        groupe = ctx.regles.financeurs[financeur].groupe if financeur in ctx.regles.financeurs else None
        financeurs = getattr(params, "financeurs", None)
        groupes = getattr(params, "groupes", None)
        if financeurs is not None and financeur not in financeurs:
            continue
        if (groupes is not None and groupe not in groupes) or groupe in getattr(params, "sauf_groupes", []):
            continue
        best = max(best, getattr(params, "minimum", ZERO))
    return best
