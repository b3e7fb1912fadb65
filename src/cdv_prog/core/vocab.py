"""The domain's words, each defined once: literals, code types, French labels, suggestions.

Everything that names a thing of the contrat de ville the same way in several
places lives here: the verdicts and statuts and their French labels, the
groupes of financeurs, the types of porteur, the dossier-only quartier code
``hors-qpv``, the shape of a code, the code types checked against the rule
set's référentiels, and the « vouliez-vous dire » suggestion.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

Statut = Literal["ok", "echec", "sans-objet"]
Gravite = Literal["bloquant", "avertissement", "information"]
Verdict = Literal["eligible", "ineligible", "invalide"]
GroupeFinanceur = Literal["principal", "partenaire", "bailleur", "autre", "prive"]
StatutQuartier = Literal["qpv", "veille"]
TypePorteur = Literal["association", "collectivite", "bailleur", "etablissement-public", "entreprise", "autre"]
Portee = Literal["dossier", "programmation"]
Nature = Literal["specifique", "droit-commun"]
"""The nature of a financement line: crédits spécifiques politique de la ville, or droit commun."""

GRAVITES: tuple[Gravite, ...] = ("bloquant", "avertissement", "information")
VERDICTS: tuple[Verdict, ...] = ("eligible", "ineligible", "invalide")
GROUPES: tuple[GroupeFinanceur, ...] = ("principal", "partenaire", "bailleur", "autre", "prive")
TYPES_PORTEUR: tuple[TypePorteur, ...] = (
    "association",
    "collectivite",
    "bailleur",
    "etablissement-public",
    "entreprise",
    "autre",
)

NATURES: tuple[Nature, ...] = ("specifique", "droit-commun")
NATURES_FR: dict[str, str] = {"specifique": "crédits spécifiques", "droit-commun": "droit commun"}

HORS_QPV = "hors-qpv"
"""The dossier-only quartier code of an action outside the géographie prioritaire."""

MOIS: tuple[str, ...] = (  # the months in French, January first (dates shown to people)
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

VERDICTS_FR: dict[str, str] = {"eligible": "éligible", "ineligible": "inéligible", "invalide": "invalide"}
STATUTS_FR: dict[str, str] = {"ok": "conforme", "echec": "en échec", "sans-objet": "sans objet"}
GRAVITES_FR: dict[str, str] = {
    "bloquant": "bloquant — un échec rend le dossier inéligible",
    "avertissement": "avertissement — un échec est une réserve, le dossier reste éligible",
    "information": "information — ne bloque jamais",
}
GROUPES_FR: dict[str, str] = {
    "principal": "principal",
    "partenaire": "partenaire",
    "bailleur": "bailleur social",
    "autre": "autre",
    "prive": "privé",
}
STATUTS_QUARTIER_FR: dict[str, tuple[str, str]] = {  # (singular, plural)
    "qpv": ("quartier prioritaire (QPV)", "quartiers prioritaires (QPV)"),
    "veille": ("quartier de veille", "quartiers de veille"),
}
TYPES_PORTEUR_FR: dict[str, str] = {
    "association": "Associations",
    "collectivite": "Collectivités",
    "bailleur": "Bailleurs sociaux",
    "etablissement-public": "Établissements publics",
    "entreprise": "Entreprises",
    "autre": "Autres porteurs",
}

CODE_PATTERN = r"^[a-z0-9][a-z0-9.-]*$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=80)]
Texte = Annotated[str, Field(min_length=1, max_length=2000)]


def suggest(word: object, known: Iterable[str]) -> str:
    """`` (vouliez-vous dire « x » ?)`` for the closest known word, or ``""``."""
    import difflib  # only for a message: not at every start

    close = difflib.get_close_matches(str(word), list(known), n=1)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


_CODE_RE = re.compile(CODE_PATTERN)


def code_corrige(value: str) -> str | None:
    """``value`` written as a code (lower case, no accent, a hyphen for a space), or None if it cannot be."""
    if len(value) > 80:
        return None
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[\s_'’]+", "-", ascii_text.strip().lower()).strip("-")
    return text if _CODE_RE.match(text) else None


def indication_code(value: str, known: Iterable[str] = ()) -> str:
    """How to write a malformed code: ``les codes s'écrivent en minuscules : ville``, and the closest known code."""
    fixed = code_corrige(value)
    if fixed is None:
        return "un code s'écrit en minuscules sans accent, chiffres, points et tirets (par exemple grazailles)"
    codes = list(known)
    hint = suggest(fixed, codes) if codes and fixed not in codes else ""
    if fixed == value.strip().lower():
        return f"les codes s'écrivent en minuscules : {fixed}{hint}"
    return f"les codes s'écrivent en minuscules, sans accent ni espace : {fixed}{hint}"


# Référentiels a rule set may leave out: without them, their codes are not checked.
OPTIONAL_REFERENTIELS = ("defis", "axes")


def _written(section: str, label: str) -> BeforeValidator:
    """Validator: a code with capitals, accents or spaces (``Ville``) says how codes are written.

    With the rule set as validation context, the hint names the closest known code.
    """

    def check(value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or _CODE_RE.match(value) or len(value) > 80:
            return value
        regles = (info.context or {}).get("regles")
        known = list(getattr(regles, section)) if regles is not None else []
        if section == "quartiers" and known:
            known.append(HORS_QPV)
        raise PydanticCustomError(
            "code_mal_ecrit",
            "{label} « {value} » mal écrit : {hint}",
            {"label": label, "value": value, "hint": indication_code(value, known)},
        )

    return BeforeValidator(check)


def _known(section: str, label: str) -> AfterValidator:
    """Validator: the code must exist in the rule set passed as validation context (``regles``)."""

    def check(value: str, info: ValidationInfo) -> str:
        regles = (info.context or {}).get("regles")
        if regles is None:
            return value
        known = getattr(regles, section)
        if not known and section in OPTIONAL_REFERENTIELS:
            return value
        if value not in known and not (section == "quartiers" and value == HORS_QPV):
            codes = sorted(known) + ([HORS_QPV] if section == "quartiers" else [])
            raise PydanticCustomError(
                "code_inconnu",
                "{label} inconnu « {value} »{hint} ; codes connus : {codes}",
                {"label": label, "value": value, "hint": suggest(value, codes), "codes": ", ".join(codes)},
            )
        return value

    return AfterValidator(check)


CodeFinanceur = Annotated[Code, _written("financeurs", "financeur"), _known("financeurs", "financeur")]
CodeQuartier = Annotated[Code, _written("quartiers", "quartier"), _known("quartiers", "quartier")]
CodeDefi = Annotated[Code, _written("defis", "défi"), _known("defis", "défi")]
CodeAxe = Annotated[Code, _written("axes", "axe transversal"), _known("axes", "axe transversal")]


@functools.lru_cache(maxsize=4096)  # every dossier's lines name the same few dispositifs (issue 17)
def normaliser(texte: str) -> str:
    """A free text as it is matched against codes and aliases: case, accents and spaces ignored.

    ``"BOP 147"``, ``"bop147"`` and ``"Bop  147"`` give the same key; so do
    ``"Prestation de service"`` and ``"prestation-de-service"`` only if an alias
    says so (hyphens are kept).
    """
    decomposed = unicodedata.normalize("NFKD", texte.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())
