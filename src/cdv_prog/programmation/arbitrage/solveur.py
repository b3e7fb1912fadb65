"""The mixed-integer program of ``cdv arbitrage``, solved with HiGHS (``highspy``): the only importer of it.

Variables, for each candidate dossier: ``r`` (retained, 0/1); for each line
that may be cut, its proposed amount in whole euros (integer, 0 … requested;
a line whose demand has cents keeps them only when kept in full: one more 0/1);
for each financeur of the dossier, ``y`` (it finances the dossier, 0/1). Lines
that may not be cut are ``demande × r``. Constraints: every enveloppe and
sous-enveloppe on its périmètre; ``y`` tied to the financeur's total; the
constraints of the rule kinds (:mod:`cdv_prog.core.lineaire`); the policy of
``--priorites``.

The objective is lexicographic, each level solved with the previous optimum
fixed: (1) the priority-weighted demand of the retained dossiers, as large as
possible; (2) the total cut, as small as possible; (3) the largest relative
cut of a line of a retained dossier (a financeur left out: 100 %), as small as
possible; (4) a tie-break on ids (the earlier dossier, then line, keeps more),
so that the same input gives the same proposal. Levels 1-2 are proven optimal;
levels 3-4 stop after a fixed number of nodes (deterministic) and, above
``GRAND`` candidates, keep level 2's 0/1 choices. The solver works in floating point: its answer is rounded to whole
euros (exact Decimal), then re-checked — enveloppes summed exactly, every
retained dossier judged again by the engine — before anyone sees it.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import highspy

from cdv_prog.core.engine import juger
from cdv_prog.core.lineaire import Finance, Quantite, Retenu, Total
from cdv_prog.core.money import ZERO, euros
from cdv_prog.programmation.arbitrage.modele import Candidat, Probleme, avec_accorde

NIVEAUX = (
    "demande pondérée retenue",
    "total proposé sur les lignes ajustables",
    "plus forte coupe relative",
    "départage par identifiant",
)
_BANNER_SILENCED = False
ECART_COUPE = 1e-3  # precision of the largest relative cut (level 3): 0.1 point, proven quickly
NOEUDS = 2000  # branch-and-bound nodes for levels 3 and 4 (deterministic bound of their search)
_SANS_LIMITE = 2**31 - 1
GRAND = 200  # candidates above which levels 3-4 keep level 2's 0/1 choices (see _figer_choix)


class PropositionFausse(Exception):
    """The rounded answer of the solver does not hold when re-checked exactly (never expected)."""


@dataclass(frozen=True)
class Proposition:
    """The solver's answer: proposed amounts of every retained dossier (line by line), or why nothing fits."""

    retenus: dict[str, tuple[Decimal, ...]]  # id → amount of each line, in order
    ecartes: tuple[str, ...]  # ids of the candidates left out
    faisable: bool = True
    conflits: tuple[str, ...] = ()  # when nothing fits: the constraints that conflict, in French
    objectifs: tuple[Decimal, ...] = ()  # value of each level reached
    prouves: tuple[bool, ...] = ()  # each level proven optimal (False: best found within NOEUDS nodes)
    temps: float = 0.0  # solver time, seconds (never in a report: not deterministic)
    utilise: dict[str, Decimal] = field(default_factory=dict)  # enveloppe key → used


def _nouveau() -> Any:
    """A silent HiGHS instance (its first construction prints a banner on the C standard output: sent away)."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
            with contextlib.suppress(OSError, AttributeError):  # no C library to flush: nothing buffered
                ctypes.CDLL(None).fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SILENCED = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)  # deterministic, and the machine is shared
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    return h


def _f(d: Decimal) -> float:
    return float(d)


class _Modele:
    def __init__(self, p: Probleme, bonus: dict[str, Decimal] | None = None):
        self.p = p
        self.h = _nouveau()
        h = self.h
        self.r: dict[str, Any] = {}
        self.montant: dict[tuple[str, int], Any] = {}  # (id, line) → expression of the proposed amount
        self.entier: dict[tuple[str, int], Any] = {}  # (id, line) → integer variable
        self.complet: dict[tuple[str, int], Any] = {}  # (id, line) → 0/1 « kept in full » (demand with cents)
        self.y: dict[tuple[str, str], Any] = {}
        bonus = bonus or {}
        self.figes = False  # level 2's 0/1 choices fixed (a big exercice, see _figer_choix)
        self._solution: list[float] | None = None  # the last solve's column values, read once (see valeur)
        for c in p.candidats:
            fixe = 1.0 if c.impose is not None else 0.0
            haut = 0.0 if c.ecarte is not None and c.impose is None else 1.0
            r = h.addVariable(lb=fixe, ub=haut, type=highspy.HighsVarType.kInteger)
            self.r[c.id] = r
            for ligne in c.lignes:
                cle = (c.id, ligne.index)
                if not ligne.ajustable:
                    self.montant[cle] = _f(ligne.demande) * r
                    continue
                plancher = int(ligne.demande.to_integral_value(ROUND_FLOOR))
                x = h.addVariable(lb=0, ub=plancher, type=highspy.HighsVarType.kInteger)
                self.entier[cle] = x
                centimes = ligne.demande - plancher
                if centimes:
                    e = h.addBinary()
                    self.complet[cle] = e
                    h.addConstr(x >= plancher * e)
                    h.addConstr(e <= r)
                    self.montant[cle] = x + _f(centimes) * e
                else:
                    self.montant[cle] = 1.0 * x
                h.addConstr(x <= plancher * r)
                if p.priorites.part_minimum:
                    h.addConstr(self.montant[cle] >= _f(p.priorites.part_minimum * ligne.demande) * r)
            for f in c.financeurs:
                demande = c.demande_financeur(f)
                if demande <= 0:
                    continue
                y = h.addBinary()
                self.y[(c.id, f)] = y
                total = self.total(c, f)
                h.addConstr(total <= _f(demande) * y)
                h.addConstr(total >= min(1.0, _f(demande)) * y)
                h.addConstr(y <= r)
            for _, contrainte in c.contraintes:
                self._contrainte(c, contrainte)
        for env in p.enveloppes:
            termes = [
                self.montant[(c.id, ligne.index)]
                for c in p.candidats
                for ligne in c.lignes
                if env.cle in ligne.enveloppes
            ]
            if termes:
                h.addConstr(h.qsum(termes) <= _f(env.montant + bonus.get(env.cle, ZERO)))

    def total(self, c: Candidat, f: str) -> Any:
        return self.h.qsum([self.montant[(c.id, ligne.index)] for ligne in c.lignes if ligne.financeur == f])

    def quantite(self, c: Candidat, q: Quantite) -> tuple[Any, float]:
        """The expression of a quantity, and its upper bound."""
        if isinstance(q, Total):
            return self.total(c, q.financeur), _f(c.demande_financeur(q.financeur))
        if isinstance(q, Finance):
            y = self.y.get((c.id, q.financeur))
            return (0.0 * self.r[c.id] if y is None else 1.0 * y), 1.0
        assert isinstance(q, Retenu)
        return 1.0 * self.r[c.id], 1.0

    def _contrainte(self, c: Candidat, k: Any) -> None:
        h = self.h
        parts = []
        grand = 0.0
        for coef, q in k.termes:
            expr, haut = self.quantite(c, q)
            parts.append(_f(coef) * expr)
            if (coef < 0) == (k.sens == ">="):
                grand += abs(_f(coef)) * haut
        gauche = h.qsum(parts) if parts else 0.0 * self.r[c.id]
        droite = _f(k.borne) * self.r[c.id]
        if k.si:
            ys = [self.y.get((c.id, f)) for f in k.si]
            if any(y is None for y in ys):
                return  # a financeur of the condition cannot finance: the rule never applies
            relache = len(ys) - h.qsum(ys)
            grand += abs(_f(k.borne))
            if k.sens == ">=":
                h.addConstr(gauche >= droite - grand * relache)
            else:
                h.addConstr(gauche <= droite + grand * relache)
        elif k.sens == ">=":
            h.addConstr(gauche - droite >= 0)
        else:
            h.addConstr(gauche - droite <= 0)

    # the levels of the objective
    def demande_ponderee(self) -> Any:
        return self.h.qsum([_f(c.poids * c.demande) * self.r[c.id] for c in self.p.candidats])

    def accorde_ajustable(self) -> Any:
        return self.h.qsum([self.montant[cle] for cle in self.entier] or [0.0 * next(iter(self.r.values()))])

    def resoudre(self, niveaux: int = 4) -> tuple[bool, list[float]]:
        h = self.h
        valeurs: list[float] = []
        # each level's objective is built when its turn comes (level 3 reads whether level 2's choices were fixed)
        objectifs: list[tuple[Callable[[], Any], bool]] = [
            (self.demande_ponderee, True),
            (self.accorde_ajustable, True),
            (self._coupe_max, False),
            (self._departage, True),
        ]
        self.prouves: list[bool] = []
        for i, (construit, maximiser) in enumerate(objectifs[:niveaux]):
            expr = construit()
            # levels 1-2 are proven optimal; levels 3-4 (spreading the cuts, the tie-break) stop at a fixed
            # number of branch-and-bound nodes (deterministic, unlike a time limit) with the best found
            h.setOptionValue("mip_abs_gap", ECART_COUPE if i == 2 else 1e-6)
            h.setOptionValue("mip_max_nodes", NOEUDS if i >= 2 else _SANS_LIMITE)
            self.optimiser(expr, maximiser)
            statut = h.getModelStatus()
            prouve = statut == highspy.HighsModelStatus.kOptimal
            if not prouve and not (i >= 2 and statut == highspy.HighsModelStatus.kSolutionLimit and self._trouve()):
                return False, valeurs
            self.prouves.append(prouve)
            v = h.getInfo().objective_function_value
            valeurs.append(v)
            if i + 1 < len(objectifs[:niveaux]):
                tol = 1e-6 * max(1.0, abs(v)) if i != 1 else 0.004
                h.addConstr(expr >= v - tol) if maximiser else h.addConstr(expr <= v + tol)
            if i == 1 and len(self.p.candidats) > GRAND:
                self._figer_choix()
        return True, valeurs

    def _figer_choix(self) -> None:
        """Keep level 2's choices (retained dossiers, financeurs kept, cents kept) for levels 3 and 4.

        On a big exercice, levels 3-4 with these 0/1 choices free take minutes; once fixed, what is left
        (amounts between bounds, enveloppes nested in one another) is solved at once. Levels 1-2 stay exact.
        """
        self.figes = True
        for var in [*self.r.values(), *self.y.values(), *self.complet.values()]:
            v = float(round(self.valeur(var)))
            self.h.changeColBounds(var.index, v, v)

    def _trouve(self) -> bool:
        """A feasible solution is at hand (the search stopped at its node limit)."""
        return bool(self.h.getInfo().primal_solution_status == 2)

    def _coupe_max(self) -> Any:
        h = self.h
        z = h.addVariable(lb=0, ub=1)
        for c in self.p.candidats:
            for ligne in c.lignes:
                if not ligne.ajustable or ligne.demande <= 0:
                    continue
                propose = self.montant[(c.id, ligne.index)]
                # z ≥ (demandé − proposé) / demandé − (1 − r): the relative cut of a line of a retained dossier
                # (choices fixed on a big exercice: of a line whose financeur level 2 kept, r → y)
                garde = self.y.get((c.id, ligne.financeur), self.r[c.id]) if self.figes else self.r[c.id]
                h.addConstr(z >= 1.0 - propose * (1.0 / _f(ligne.demande)) - (1.0 - garde))
        return 1.0 * z

    def _departage(self) -> Any:
        cles = list(self.entier)
        n = len(cles)
        ids = len(self.p.candidats)
        termes = [float(n - i) * self.montant[cle] for i, cle in enumerate(cles)]
        termes += [float(ids - i) * self.r[c.id] for i, c in enumerate(self.p.candidats)]
        return self.h.qsum(termes)

    def optimiser(self, expr: Any, maximiser: bool = False) -> None:
        """Solve for ``expr``; the previous solve's values are forgotten (see :meth:`valeur`)."""
        if maximiser:
            self.h.maximize(expr)
        else:
            self.h.minimize(expr)
        self._solution = None

    def montants(self, c: Candidat) -> tuple[Decimal, ...]:
        """The candidate's proposed amount of each line in the last solve: whole euros, or its demand when the
        line is kept in full (cents included) or cannot be cut."""
        out = []
        for ligne in c.lignes:
            cle = (c.id, ligne.index)
            if cle not in self.entier or (cle in self.complet and round(self.valeur(self.complet[cle])) == 1):
                out.append(ligne.demande)
            else:
                out.append(Decimal(round(self.valeur(self.entier[cle]))))
        return tuple(out)

    def valeur(self, var: Any) -> float:
        """A variable's value in the last solve (the solution is copied from HiGHS once per solve, not per call:
        ``Highs.val`` copies every column each time, which made reading 2 000 dossiers' answer take seconds)."""
        if self._solution is None:
            self._solution = list(self.h.getSolution().col_value)
        return self._solution[var.index]


def resoudre(p: Probleme, *, niveaux: int = 4, bonus: dict[str, Decimal] | None = None) -> Proposition:
    """The lexicographic optimum of the problem (``niveaux``: how many levels; ``bonus``: enveloppes increased)."""
    if not p.candidats:
        return Proposition({}, ())
    conflits = conflits_evidents(p)
    if conflits:
        return Proposition({}, tuple(c.id for c in p.candidats), faisable=False, conflits=tuple(conflits))
    m = _Modele(p, bonus)
    ok, valeurs = m.resoudre(niveaux)
    temps = float(m.h.getRunTime())
    if not ok:
        return Proposition(
            {},
            tuple(c.id for c in p.candidats),
            faisable=False,
            conflits=(
                "les engagements maintenus (CPO en cours, dossiers à garder) et les règles de leurs dossiers "
                "ne tiennent pas ensemble dans les enveloppes",
            ),
            temps=temps,
        )
    retenus: dict[str, tuple[Decimal, ...]] = {}
    ecartes = []
    for c in p.candidats:
        if round(m.valeur(m.r[c.id])) != 1:
            ecartes.append(c.id)
            continue
        retenus[c.id] = m.montants(c)
    proposition = Proposition(
        retenus, tuple(ecartes), objectifs=tuple(_exact(v) for v in valeurs), prouves=tuple(m.prouves), temps=temps
    )
    return _verifiee(p, proposition, bonus or {})


def _exact(v: float) -> Decimal:
    return Decimal(repr(v)).quantize(Decimal("0.0001"))


def utilisation(p: Probleme, retenus: dict[str, tuple[Decimal, ...]]) -> dict[str, Decimal]:
    """What each enveloppe holds under a proposal, summed exactly."""
    out = {e.cle: ZERO for e in p.enveloppes}
    for c in p.candidats:
        montants = retenus.get(c.id)
        if montants is None:
            continue
        for ligne, m in zip(c.lignes, montants, strict=True):
            for cle in ligne.enveloppes:
                out[cle] += m
    return out


def _verifiee(p: Probleme, prop: Proposition, bonus: dict[str, Decimal]) -> Proposition:
    utilise = utilisation(p, prop.retenus)
    for env in p.enveloppes:
        if utilise[env.cle] > env.montant + bonus.get(env.cle, ZERO):
            raise PropositionFausse(f"{env.nom} : {euros(utilise[env.cle])} > {euros(env.montant)}")
    for c in p.candidats:
        montants = prop.retenus.get(c.id)
        if montants is None:
            continue
        report = juger(avec_accorde(c.dossier, montants), p.regles, c.report.fichier, p.historique)
        if report.verdict != "eligible":
            raise PropositionFausse(f"{c.id} : {', '.join(k.regle for k in report.echecs)}")
    return dataclasses.replace(prop, utilise=utilise)


def conflits_evidents(p: Probleme) -> list[str]:
    """Enveloppes that the dossiers held at their demand (CPO en cours) exceed on their own."""
    out = []
    for env in p.enveloppes:
        fixes = [
            (c.id, sum((ligne.demande for ligne in c.lignes if env.cle in ligne.enveloppes), ZERO))
            for c in p.candidats
            if c.impose is not None and not any(ligne.ajustable for ligne in c.lignes)
        ]
        fixes = [(i, m) for i, m in fixes if m > 0]
        total = sum((m for _, m in fixes), ZERO)
        if total > env.montant:
            ids = ", ".join(i for i, _ in fixes)
            out.append(
                f"les engagements maintenus ({ids}) demandent à eux seuls {euros(total)} sur l'enveloppe "
                f"{env.nom} de {euros(env.montant)} (dépassement de {euros(total - env.montant)})"
            )
    return out


def besoin_minimal(p: Probleme, c: Candidat) -> tuple[dict[str, Decimal], list[str]] | None:
    """The least this dossier alone needs on each enveloppe to stay eligible, and the rules that stop a finer cut."""
    seul = Probleme(p.exercice, p.regles, (c,), p.enveloppes, (), p.priorites, p.historique)
    m = _Modele(seul, {e.cle: Decimal(10) ** 12 for e in p.enveloppes})
    m.h.changeColBounds(m.r[c.id].index, 1.0, 1.0)
    m.optimiser(m.accorde_ajustable())
    if m.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    montants = m.montants(c)
    besoin = utilisation(seul, {c.id: montants})
    valeurs: dict[Quantite, Decimal] = {Retenu(): Decimal(1)}
    for f in c.financeurs:
        t = sum((mm for ligne, mm in zip(c.lignes, montants, strict=True) if ligne.financeur == f), ZERO)
        valeurs[Total(f)] = t
        valeurs[Finance(f)] = Decimal(1 if t > 0 else 0)
    serrees = []
    for _, k in c.contraintes:
        if any(valeurs.get(Finance(f), ZERO) == 0 for f in k.si):
            continue
        gauche = sum((coef * valeurs.get(q, ZERO) for coef, q in k.termes), ZERO)
        if gauche == k.borne and any(isinstance(q, Total) and valeurs.get(q, ZERO) > 0 for _, q in k.termes):
            serrees.append(k.texte)
    return besoin, serrees


def arrondi_sup(d: Decimal) -> Decimal:
    return d.to_integral_value(ROUND_CEILING)
