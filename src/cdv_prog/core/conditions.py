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
  than the first year of the CPO;
* ``type-porteur: [association, ~]`` — the porteur's type is one of these
  (``~``: the type is not given);
* ``hors-geographie-prioritaire: true|false`` — no quartier of the action is a
  quartier prioritaire or de veille (``hors-qpv`` only);
* ``objectif: true|false`` — the action gives its objectif (``action.objectif``);
* ``precedent: true|false`` — the dossier names its N-1 dossier (``action.precedent``);
* ``historique: true|false`` — a history of earlier exercices is available
  (SPEC §5: at least one dossier of an earlier exercice was read);
* ``finance-n-1: caf`` (or a list) — each of these financeurs financed the
  action in N-1: known from the history (the ``action.precedent`` dossier of
  N-1, its total > 0), else from ``bilan-precedent.financeurs``; when neither
  tells, the financeur is **assumed** to have financed it, and the constat's
  message says so (:meth:`Condition.hypotheses`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from cdv_prog.core.historique import DossierAnterieur, Historique, disponible, precedent
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.core.vocab import HORS_QPV, TYPES_PORTEUR_FR, TypePorteur

if TYPE_CHECKING:
    from cdv_prog.core.context import Contexte
    from cdv_prog.core.ruleset import JeuDeRegles


# the fields of a condition, in the order of the rules' reference (their YAML key: « _ » written « - »)
CHAMPS = (
    "finance",
    "cpo",
    "innovante",
    "parentalite",
    "renouvellement",
    "elan",
    "cpo_apres_premiere_annee",
    "hors_geographie_prioritaire",
    "objectif",
    "precedent",
    "historique",
    "type_porteur",
    "finance_n_1",
)


# Each flag condition in words: (the dossier has it, the dossier has it not). The
# same sentences say why a rule is sans objet and, in the rules reference, when
# a rule applies.
PHRASES: dict[str, tuple[str, str]] = {
    "cpo": ("l'action est sous CPO", "l'action n'est pas sous CPO"),
    "innovante": ("l'action est innovante", "l'action n'est pas innovante"),
    "parentalite": (
        "l'action est une action de soutien à la parentalité",
        "l'action n'est pas une action de parentalité",
    ),
    "renouvellement": (
        "l'action renouvelle une action financée l'année précédente",
        "l'action n'est pas un renouvellement",
    ),
    "elan": ("le dossier est déposé sur la plateforme Elan", "le dossier n'est pas déposé sur la plateforme Elan"),
    "cpo-apres-premiere-annee": (
        "l'action est sous CPO et l'exercice est après la première année de la CPO",
        "l'action n'est pas sous CPO, ou c'est la première année de la CPO",
    ),
    "hors-geographie-prioritaire": (
        "aucun quartier de l'action n'est un quartier prioritaire ni un quartier de veille",
        "l'action a au moins un quartier prioritaire ou de veille",
    ),
    "objectif": (
        "l'action donne son objectif stratégique",
        "l'action ne donne pas son objectif stratégique, qui la relie aux fiches-actions du contrat",
    ),
    "precedent": (
        "le dossier nomme le dossier de l'action de l'année précédente",
        "le dossier ne nomme pas le dossier de l'action de l'année précédente",
    ),
    "historique": ("un historique des exercices précédents est fourni", "historique non fourni"),
    # conditions with a list of values: worded with their values (workflow.values.condition_parts)
    "type-porteur": ("le porteur est d'un des types donnés", "le porteur n'est d'aucun des types donnés"),
    "finance-n-1": (
        "chacun de ces financeurs finançait l'action l'année précédente",
        "l'un de ces financeurs ne finançait pas l'action l'année précédente",
    ),
}


def phrase(key: str, present: bool) -> str:
    """The sentence saying the dossier has (or has not) the flag ``key``."""
    return PHRASES[key][0 if present else 1]


class Condition(Enregistrement):
    """A rule's ``si:``, validated by :class:`cdv_prog.core.modeles.regles.Condition` (its fields, in its order)."""

    _CHAMPS = CHAMPS
    __slots__ = (*CHAMPS, "_memo")  # _memo: worked out from the fields (_calculs)
    _DEFAUTS: ClassVar[dict[str, Any]] = dict.fromkeys(CHAMPS)
    _ALIAS: ClassVar[dict[str, str]] = {n: n.replace("_", "-") for n in CHAMPS if "_" in n}
    finance: list[str] | None
    cpo: bool | None
    innovante: bool | None
    parentalite: bool | None
    renouvellement: bool | None
    elan: bool | None
    cpo_apres_premiere_annee: bool | None
    hors_geographie_prioritaire: bool | None
    objectif: bool | None
    precedent: bool | None
    historique: bool | None
    type_porteur: list[TypePorteur | None] | None
    finance_n_1: list[str] | None
    _memo: tuple[bool, bool, tuple[tuple[str, bool], ...]]

    def non_applicable(self, ctx: Contexte) -> str | None:
        """None when the rule applies; else the French reason why it does not."""
        if self.vide:  # most rules have no ``si:``: asked for every dossier
            return None
        d = ctx.dossier
        if self.finance is not None:
            for code in self.finance:
                if ctx.total(code) <= 0:
                    return f"{ctx.nom(code)} ne finance pas le dossier"
        if self.type_porteur is not None and d.porteur.type not in self.type_porteur:
            return f"le porteur est de type « {type_porteur_fr(d.porteur.type)} »"
        for key, wanted in self._drapeaux:
            actual = _FLAGS[key](ctx)
            if actual != wanted:
                return phrase(key, actual)
        return self._finance_n_1(ctx)

    def epreuve(self, regles: JeuDeRegles) -> Callable[[Contexte], str | None]:
        """:meth:`non_applicable` for the dossiers checked with ``regles``, what depends only on the rule set
        worked out once (the financeurs' names, the flags' tests and sentences): the same reasons, in the same order.
        """
        finance = tuple((code, f"{regles.nom_court(code)} ne finance pas le dossier") for code in self.finance or ())
        types = self.type_porteur
        drapeaux = tuple((_FLAGS[key], wanted, phrase(key, True), phrase(key, False)) for key, wanted in self._drapeaux)
        n_1 = self.finance_n_1 is not None

        def non_applicable(ctx: Contexte) -> str | None:
            if finance:
                retenus = ctx.montants.retenus
                for code, raison in finance:
                    total = retenus.get(code)
                    if total is None or total <= 0:
                        return raison
            if types is not None and (porteur := ctx.dossier.porteur.type) not in types:
                return f"le porteur est de type « {type_porteur_fr(porteur)} »"
            for test, wanted, oui, non in drapeaux:
                actual = test(ctx)
                if actual != wanted:
                    return oui if actual else non
            return self._finance_n_1(ctx) if n_1 else None

        return non_applicable

    def _finance_n_1(self, ctx: Contexte) -> str | None:
        """The reason a ``finance-n-1`` condition gives (:meth:`non_applicable`), or None."""
        for code in self.finance_n_1 or ():
            financait, comment = finance_n_1(ctx, code)
            if financait is False:
                return f"{ctx.nom(code)} ne finançait pas l'action en {ctx.exercice - 1} ({comment})"
        return None

    @property
    def historique_lu(self) -> bool:
        """The condition reads the history (``historique``, ``finance-n-1``): the engine must hand it over.

        Worked out once per condition: the engine asks for every rule of every dossier.
        """
        return self._calculs()[1]

    def retient(self, d: DossierAnterieur, historique: Historique | None) -> bool:
        """The condition holds for a dossier of the history (its compact record, SPEC §5).

        The same tests as :meth:`non_applicable`, on what the record keeps;
        ``finance-n-1`` is answered from the record's own precedent in the
        history, else its declared bilan, else assumed (as for a dossier).
        """
        if self.finance is not None and not all(d.finance(code) for code in self.finance):
            return False
        if self.type_porteur is not None and d.porteur.type not in self.type_porteur:
            return False
        for key, wanted in self._drapeaux:
            if _drapeau_anterieur(key, d, historique) != wanted:
                return False
        for code in self.finance_n_1 or ():
            prec = historique.trouver(d.precedent) if historique is not None and d.precedent else None
            if prec is not None and prec.exercice == d.exercice - 1:
                if not prec.finance(code):
                    return False
            elif d.bilan_financeurs is not None and code not in d.bilan_financeurs:
                return False
        return True

    def hypotheses(self, ctx: Contexte) -> list[str]:
        """What the condition assumed for lack of data (said in the constat's message)."""
        out = []
        for code in self.finance_n_1 or ():
            financait, comment = finance_n_1(ctx, code)
            if financait is None:
                out.append(comment)
        return out

    def drapeaux(self) -> dict[str, bool]:
        """The flag conditions given (YAML key → wanted value), in declaration order."""
        return dict(self._drapeaux)

    @property
    def vide(self) -> bool:
        """No condition at all (every field left out): the rule always applies."""
        return self._calculs()[0]

    @property
    def _drapeaux(self) -> tuple[tuple[str, bool], ...]:
        """:meth:`drapeaux`, worked out once per condition (the engine asks for every rule of every dossier)."""
        return self._calculs()[2]

    def _calculs(self) -> tuple[bool, bool, tuple[tuple[str, bool], ...]]:
        """(:attr:`vide`, :attr:`historique_lu`, :attr:`_drapeaux`), worked out at the first question."""
        try:
            return self._memo
        except AttributeError:
            pass
        flags = {
            "cpo": self.cpo,
            "innovante": self.innovante,
            "parentalite": self.parentalite,
            "renouvellement": self.renouvellement,
            "elan": self.elan,
            "cpo-apres-premiere-annee": self.cpo_apres_premiere_annee,
            "hors-geographie-prioritaire": self.hors_geographie_prioritaire,
            "objectif": self.objectif,
            "precedent": self.precedent,
            "historique": self.historique,
        }
        memo = (
            all(getattr(self, name) is None for name in CHAMPS),
            self.historique is not None or self.finance_n_1 is not None,
            tuple((key, value) for key, value in flags.items() if value is not None),
        )
        object.__setattr__(self, "_memo", memo)
        return memo


def type_porteur_fr(code: str | None) -> str:
    """``association``; ``non renseigné`` for a porteur without type."""
    return code if code is not None else "non renseigné"


def types_porteur_fr(codes: list[TypePorteur | None]) -> str:
    """The types of a ``type-porteur`` condition in words: ``Associations ou type non renseigné``."""
    return " ou ".join(TYPES_PORTEUR_FR[c] if c is not None else "type non renseigné" for c in codes)


def hors_geographie_prioritaire(ctx: Contexte) -> bool:
    """No quartier of the action is a quartier prioritaire or de veille (``hors-qpv`` only)."""
    return not any(code in ctx.regles.quartiers for code in ctx.dossier.action.quartiers)


def finance_n_1(ctx: Contexte, financeur: str) -> tuple[bool | None, str]:
    """Did the financeur finance the action in N-1? (True/False, or None: assumed), and how it is known.

    From the history first (the ``action.precedent`` dossier of N-1, its total
    > 0), else from ``bilan-precedent.financeurs``; when neither tells, None:
    the rules assume it did and say so.
    """
    nom, annee = ctx.nom(financeur), ctx.exercice - 1
    found = precedent(ctx.historique, ctx.dossier)
    if found is not None:
        return found.finance(financeur), f"d'après le dossier {found.id} de l'historique"
    bilan = ctx.dossier.bilan_precedent
    if bilan is not None and bilan.financeurs is not None:
        return financeur in bilan.financeurs, "d'après les financeurs de l'année précédente déclarés au bilan"
    return None, (
        f"{nom} supposée avoir financé l'action en {annee} : ni dossier {annee} dans l'historique, "
        "ni financeurs de l'année précédente déclarés au bilan"
    )


_FLAGS: dict[str, Callable[[Contexte], bool]] = {
    "cpo": lambda ctx: ctx.dossier.action.cpo is not None,
    "innovante": lambda ctx: ctx.dossier.action.innovante,
    "parentalite": lambda ctx: ctx.dossier.action.parentalite,
    "renouvellement": lambda ctx: ctx.dossier.action.renouvellement,
    "elan": lambda ctx: ctx.dossier.elan,
    "cpo-apres-premiere-annee": lambda ctx: (
        (cpo := ctx.dossier.action.cpo) is not None and ctx.exercice > min(cpo.annees)
    ),
    "hors-geographie-prioritaire": hors_geographie_prioritaire,
    "objectif": lambda ctx: ctx.dossier.action.objectif is not None,
    "precedent": lambda ctx: ctx.dossier.action.precedent is not None,
    "historique": lambda ctx: ctx.historique_disponible,
}


def _drapeau_anterieur(key: str, d: DossierAnterieur, historique: Historique | None) -> bool:
    """A flag condition of :data:`_FLAGS`, on a record of the history."""
    if key == "cpo":
        return d.annees_cpo is not None
    if key == "cpo-apres-premiere-annee":
        return d.annees_cpo is not None and d.exercice > min(d.annees_cpo)
    if key == "hors-geographie-prioritaire":
        return all(q == HORS_QPV for q in d.quartiers)
    if key == "precedent":
        return d.precedent is not None
    if key == "historique":
        return disponible(historique, d.exercice)
    return key in d.drapeaux
