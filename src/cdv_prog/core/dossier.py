"""The dossier: one action, one exercice, a budget and its financements (format: ``docs/dossier.md``).

Plain, read-only records (:class:`~cdv_prog.core.valeurs.Enregistrement`), the
same fields as the pydantic models of :mod:`cdv_prog.core.modeles.dossier`
that validate the data and hand them over; a usual dossier is built directly
by :mod:`cdv_prog.core.dossier_simple`. The engine, the reports and a
``cdv check`` of a usual dossier import no pydantic (issue 17).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from cdv_prog.core.money import ZERO
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.core.vocab import TypePorteur

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles

# --------------------------------------------------------------------------- dates

_DATE_FR = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]+)$")
_DATE_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")


class DateIllisible(ValueError):
    """A text written as a date that is not one: its French message (``gabarit`` filled with ``valeurs``)."""

    def __init__(self, gabarit: str, valeurs: dict[str, Any]) -> None:
        super().__init__(gabarit.format(**valeurs))
        self.gabarit = gabarit
        self.valeurs = valeurs


def lire_date(value: object) -> object:
    """A date as people write it: ``2025-01-15`` (a YAML date), or the text ``15/01/2025`` (also ``15.01.2025``).

    A two-digit year (``15/01/25``) is refused, not guessed; an impossible date
    (``31/02/2025``) is refused with its reason (:class:`DateIllisible`). Anything
    else is returned as it is, for the model to say what a date looks like.
    """
    if not isinstance(value, str) or len(value) > 40:
        return value
    text = value.strip()
    fr = _DATE_FR.match(text)
    iso = _DATE_ISO.match(text)
    if fr is not None:
        day, month, year = fr.groups()
        if len(year) != 4:
            raise DateIllisible(
                "date « {v} » : l'année s'écrit avec quatre chiffres (JJ/MM/AAAA, par exemple 15/01/2025)",
                {"v": text},
            )
    elif iso is not None:
        year, month, day = iso.groups()
    else:
        return value
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise DateIllisible("date inexistante « {v} » (JJ/MM/AAAA ou AAAA-MM-JJ)", {"v": text}) from None


# --------------------------------------------------------------------------- the records


class Porteur(Enregistrement):
    _CHAMPS = ("nom", "type", "siret")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"type": None, "siret": None}
    nom: str
    type: TypePorteur | None
    siret: str | None


class Cpo(Enregistrement):
    _CHAMPS = ("annees",)
    __slots__ = _CHAMPS
    annees: list[int]


class Action(Enregistrement):
    _CHAMPS = (
        "defi",
        "objectif",
        "axes",
        "quartiers",
        "debut",
        "fin",
        "innovante",
        "parentalite",
        "renouvellement",
        "cpo",
        "precedent",
    )
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {
        "objectif": None,
        "axes": [],
        "innovante": False,
        "parentalite": False,
        "renouvellement": False,
        "cpo": None,
        "precedent": None,
    }
    defi: str
    objectif: str | None
    axes: list[str]
    quartiers: list[str]
    debut: dt.date
    fin: dt.date
    innovante: bool
    parentalite: bool
    renouvellement: bool
    cpo: Cpo | None
    precedent: str | None


class Budget(Enregistrement):
    _CHAMPS = ("total", "autres_produits", "contributions_nature")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"autres_produits": ZERO, "contributions_nature": ZERO}
    _ALIAS: ClassVar[dict[str, str]] = {
        "autres_produits": "autres-produits",
        "contributions_nature": "contributions-nature",
    }
    total: Decimal
    autres_produits: Decimal
    contributions_nature: Decimal


class Financement(Enregistrement):
    _CHAMPS = ("financeur", "dispositif", "montant", "accorde")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"dispositif": None, "accorde": None}
    financeur: str
    dispositif: str | None
    montant: Decimal
    accorde: Decimal | None

    @property
    def retenu(self) -> Decimal:
        """Montant retenu: ``accorde`` if present, else ``montant``."""
        return self.montant if self.accorde is None else self.accorde


class BilanPrecedent(Enregistrement):
    _CHAMPS = ("envoye_le", "financeurs")
    __slots__ = _CHAMPS
    _DEFAUTS: ClassVar[dict[str, Any]] = {"envoye_le": None, "financeurs": None}
    _ALIAS: ClassVar[dict[str, str]] = {"envoye_le": "envoye-le"}
    envoye_le: dt.date | None
    financeurs: list[str] | None


class Dossier(Enregistrement):
    _CHAMPS = (
        "id",
        "exercice",
        "intitule",
        "porteur",
        "action",
        "budget",
        "financements",
        "pieces",
        "elan",
        "bilan_precedent",
    )
    __slots__ = (*_CHAMPS, "__weakref__")  # (a batch's tests check that no report outlives its dossier)
    _DEFAUTS: ClassVar[dict[str, Any]] = {"pieces": [], "elan": False, "bilan_precedent": None}
    _ALIAS: ClassVar[dict[str, str]] = {"bilan_precedent": "bilan-precedent"}
    id: str
    exercice: int
    intitule: str
    porteur: Porteur
    action: Action
    budget: Budget
    financements: list[Financement]
    pieces: list[str]
    elan: bool
    bilan_precedent: BilanPrecedent | None

    @classmethod
    def valider(cls, data: Any, regles: JeuDeRegles | None = None) -> Dossier:
        """The dossier ``data`` describes, validated by pydantic against ``regles`` (its codes, its period).

        pydantic's ``ValidationError`` when it is not one (:mod:`cdv_prog.files.messages` says why in French).
        """
        from cdv_prog.core.modeles.dossier import valider

        return valider(data, regles)
