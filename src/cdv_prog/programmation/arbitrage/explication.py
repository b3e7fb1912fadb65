"""Why: each dossier retained in full, cut (by how much, on which line, which enveloppe forced it) or left out,
and each enveloppe used, left, binding or not, with what 1 000 € more would change.

Pure once the solver has answered (:func:`expliquer` asks it for the least need
of a dossier left out and for the re-solves of the marginal values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from cdv_prog.core.money import ZERO, euros, montant_json, percent, taux_json
from cdv_prog.programmation.arbitrage.modele import Candidat, Probleme
from cdv_prog.programmation.arbitrage.solveur import GRAND, Proposition, besoin_minimal, resoudre

SUPPLEMENT = Decimal(1000)  # the marginal value: what this much more on an enveloppe would change
SATURATION = Decimal(1)  # an enveloppe with less than 1 € left is binding (amounts are whole euros)

Statut = Literal["retenu", "reduit", "ecarte", "non-candidat"]
STATUTS_FR: dict[str, str] = {
    "retenu": "retenu en entier",
    "reduit": "réduit",
    "ecarte": "écarté",
    "non-candidat": "non candidat",
}


@dataclass(frozen=True)
class LigneProposee:
    numero: int  # 1-based, as people count the lines of a dossier
    financeur: str
    nom: str
    dispositif: str | None
    demande: Decimal
    propose: Decimal

    @property
    def coupe(self) -> Decimal:
        return self.demande - self.propose

    def to_dict(self) -> dict[str, Any]:
        return {
            "ligne": self.numero,
            "financeur": self.financeur,
            "dispositif": self.dispositif,
            "demande": montant_json(self.demande),
            "propose": montant_json(self.propose),
            "coupe": montant_json(self.coupe),
        }


@dataclass(frozen=True)
class DossierArbitre:
    id: str | None
    fichier: str
    intitule: str | None
    statut: Statut
    demande: Decimal
    propose: Decimal
    lignes: tuple[LigneProposee, ...] = ()
    motifs: tuple[str, ...] = ()
    poids: Decimal | None = None

    @property
    def coupe(self) -> Decimal:
        return self.demande - self.propose if self.statut != "non-candidat" else ZERO

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fichier": self.fichier,
            "intitule": self.intitule,
            "statut": self.statut,
            "demande": montant_json(self.demande),
            "propose": montant_json(self.propose),
            "coupe": montant_json(self.coupe),
            "poids": None if self.poids is None else float(self.poids),
            "lignes": [ligne.to_dict() for ligne in self.lignes],
            "motifs": list(self.motifs),
        }


@dataclass(frozen=True)
class EnveloppeArbitree:
    cle: str
    nom: str
    montant: Decimal
    demande: Decimal  # what the candidates ask on its périmètre
    utilise: Decimal
    modifiee: bool
    valeur_marginale: str | None = None

    @property
    def reste(self) -> Decimal:
        return self.montant - self.utilise

    @property
    def saturee(self) -> bool:
        """Binding: less than 1 € left."""
        return self.reste < SATURATION

    @property
    def taux(self) -> Decimal | None:
        return self.utilise / self.montant if self.montant else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cle": self.cle,
            "nom": self.nom,
            "enveloppe": montant_json(self.montant),
            "modifiee": self.modifiee,
            "demande": montant_json(self.demande),
            "propose": montant_json(self.utilise),
            "reste": montant_json(self.reste),
            "taux": taux_json(self.taux),
            "saturee": self.saturee,
            "valeur-marginale": self.valeur_marginale,
        }


@dataclass(frozen=True)
class Arbitrage:
    """The proposal with its explanation: what every output format shows."""

    exercice: int
    faisable: bool
    dossiers: tuple[DossierArbitre, ...]
    enveloppes: tuple[EnveloppeArbitree, ...]
    conflits: tuple[str, ...] = ()
    modifications: dict[str, Decimal] = field(default_factory=dict)
    priorites: str | None = None
    objectifs: tuple[Decimal, ...] = ()
    prouves: tuple[bool, ...] = ()  # each level of the objective proven optimal

    def compte(self, statut: Statut) -> int:
        return sum(1 for d in self.dossiers if d.statut == statut)

    @property
    def exit_code(self) -> int:
        return 0 if self.faisable else 1


def expliquer(p: Probleme, prop: Proposition, *, marginales: bool = True) -> Arbitrage:
    """The explanation of a proposal (``marginales``: re-solve each binding enveloppe with 1 000 € more)."""
    utilise = prop.utilise or {e.cle: ZERO for e in p.enveloppes}
    demandes = {e.cle: ZERO for e in p.enveloppes}
    for c in p.candidats:
        for ligne in c.lignes:
            for cle in ligne.enveloppes:
                demandes[cle] += ligne.demande
    enveloppes = [
        EnveloppeArbitree(e.cle, e.nom, e.montant, demandes[e.cle], utilise.get(e.cle, ZERO), e.modifiee)
        for e in p.enveloppes
    ]
    saturees = {e.cle for e in enveloppes if e.saturee and prop.faisable}
    restes = {e.cle: e.reste for e in enveloppes}
    dossiers = [_dossier(p, c, prop, saturees, restes) for c in p.candidats]
    dossiers += [
        DossierArbitre(n.id, n.fichier, None, "non-candidat", ZERO, ZERO, motifs=(n.motif,)) for n in p.non_candidats
    ]
    if marginales and prop.faisable:
        enveloppes = [
            _avec_marginale(p, prop, e) if e.saturee or _sous_pression(p, prop, e.cle) else e for e in enveloppes
        ]
    dossiers.sort(key=lambda d: (d.id is None, d.id or "", d.fichier))
    return Arbitrage(
        p.exercice,
        prop.faisable,
        tuple(dossiers),
        tuple(enveloppes),
        prop.conflits,
        dict(p.modifications),
        p.priorites.fichier,
        prop.objectifs,
        prop.prouves,
    )


def _noms_lignes(p: Probleme, c: Candidat, montants: tuple[Decimal, ...] | None) -> tuple[LigneProposee, ...]:
    out = []
    for ligne, f in zip(c.lignes, c.dossier.financements, strict=True):
        propose = ZERO if montants is None else montants[ligne.index]
        out.append(
            LigneProposee(
                ligne.index + 1,
                ligne.financeur,
                p.regles.nom_court(ligne.financeur),
                f.dispositif,
                ligne.demande,
                propose,
            )
        )
    return tuple(out)


def _dossier(
    p: Probleme, c: Candidat, prop: Proposition, saturees: set[str], restes: dict[str, Decimal]
) -> DossierArbitre:
    montants = prop.retenus.get(c.id)
    lignes = _noms_lignes(p, c, montants)
    intitule = c.dossier.intitule
    if montants is None:
        raisons = _motifs_ecarte(p, c, prop, restes)
        return DossierArbitre(c.id, c.report.fichier, intitule, "ecarte", c.demande, ZERO, lignes, raisons, c.poids)
    propose = sum(montants, ZERO)
    motifs: list[str] = []
    if c.impose is not None:
        motifs.append(c.impose)
    for ligne, modele in zip(lignes, c.lignes, strict=True):
        if ligne.coupe <= 0:
            continue
        forcees = [p.enveloppe(k).nom for k in modele.enveloppes if k in saturees]
        pourquoi = (
            f"enveloppe {' et '.join(forcees)} saturée" if forcees else "coupe répartie entre les dossiers retenus"
        )
        motifs.append(
            f"ligne {ligne.numero} ({ligne.nom}) : {euros(ligne.demande)} → {euros(ligne.propose)}, "
            f"coupe de {euros(ligne.coupe)} ({percent(ligne.coupe / ligne.demande)}) : {pourquoi}"
        )
    statut: Statut = "reduit" if propose < c.demande else "retenu"
    if statut == "retenu" and not motifs:
        motifs.append("retenu au montant demandé")
    return DossierArbitre(c.id, c.report.fichier, intitule, statut, c.demande, propose, lignes, tuple(motifs), c.poids)


def _motifs_ecarte(p: Probleme, c: Candidat, prop: Proposition, restes: dict[str, Decimal]) -> tuple[str, ...]:
    if not prop.faisable:
        return ("aucune programmation ne tient dans les enveloppes : voir les conflits",)
    if c.ecarte is not None:
        return (c.ecarte,)
    besoin = besoin_minimal(p, c)
    if besoin is None:
        return ("ses règles ne peuvent pas tenir avec les montants demandés",)
    parts, serrees = besoin
    motifs = []
    for env in p.enveloppes:
        need = parts.get(env.cle, ZERO)
        reste = restes[env.cle]
        if need > reste:
            motifs.append(
                f"retenir ce dossier exigerait au moins {euros(need)} sur l'enveloppe {env.nom}, où il reste "
                f"{euros(max(reste, ZERO))} : {euros(need - max(reste, ZERO))} au-delà de l'enveloppe"
            )
    if motifs and serrees:
        motifs.append(f"{' ; '.join(serrees)} : empêche une coupe plus fine")
    if not motifs:
        motifs.append("le retenir ferait perdre davantage de demande pondérée à d'autres dossiers")
    return tuple(motifs)


def _sous_pression(p: Probleme, prop: Proposition, cle: str) -> bool:
    """Some candidate with a line in the enveloppe was cut or left out."""
    for c in p.candidats:
        montants = prop.retenus.get(c.id)
        for ligne in c.lignes:
            if (
                cle in ligne.enveloppes
                and ligne.ajustable
                and (montants is None or montants[ligne.index] < ligne.demande)
            ):
                return True
    return False


def _tous_retenus(p: Probleme, prop: Proposition) -> bool:
    """Every candidate that may be retained is: more money on an enveloppe cannot retain one more."""
    return all(c.id in prop.retenus for c in p.candidats if c.ecarte is None or c.impose is not None)


def _avec_marginale(p: Probleme, prop: Proposition, e: EnveloppeArbitree) -> EnveloppeArbitree:
    grand = len(p.candidats) > GRAND
    phrase = f"{euros(SUPPLEMENT)} de plus sur l'enveloppe {e.nom}"
    if grand and _tous_retenus(p, prop):
        # a big exercice re-solves level 1 only (the retained set): it cannot grow, the answer is known without
        # a re-solve (the current proposal stays feasible with more money, so the re-solve could not fail either)
        texte = f"{phrase} ne permettraient de retenir aucun dossier de plus (seulement de réduire des coupes)"
        return EnveloppeArbitree(e.cle, e.nom, e.montant, e.demande, e.utilise, e.modifiee, texte)
    autre = resoudre(p, niveaux=1 if grand else 2, bonus={e.cle: SUPPLEMENT})
    if not autre.faisable:
        texte = f"{phrase} ne suffiraient pas à rendre la programmation possible"
    else:
        plus = bool(autre.objectifs and prop.objectifs and autre.objectifs[0] > prop.objectifs[0])
        nouveaux = sorted(set(autre.retenus) - set(prop.retenus)) if plus else []
        gain = sum((sum(m, ZERO) for m in autre.retenus.values()), ZERO) - sum(
            (sum(m, ZERO) for m in prop.retenus.values()), ZERO
        )
        if nouveaux:
            texte = f"{phrase} permettraient de retenir {', '.join(nouveaux)}"
        elif grand:  # only the retained set was solved again (level 1): the cuts are not recomputed
            texte = f"{phrase} ne permettraient de retenir aucun dossier de plus (seulement de réduire des coupes)"
        elif gain > 0:
            texte = f"{phrase} réduiraient les coupes de {euros(gain)}"
        else:
            texte = f"{phrase} ne changeraient rien à la proposition"
    return EnveloppeArbitree(e.cle, e.nom, e.montant, e.demande, e.utilise, e.modifiee, texte)
