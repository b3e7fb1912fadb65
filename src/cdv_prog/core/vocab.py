"""The domain's words, each defined once: literals, code types, French labels, suggestions.

Everything that names a thing of the contrat de ville the same way in several
places lives here: the verdicts and statuts and their French labels, the
groupes of financeurs, the types of porteur, the dossier-only quartier code
``hors-qpv``, the shape of a code, and the « vouliez-vous dire » suggestion. No pydantic here: the
field types of the models (codes checked against the référentiels, texts) are in
:mod:`cdv_prog.core.champs`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

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
CODE_MAX = 80  # characters of a code, at most


def suggest(word: object, known: Iterable[str]) -> str:
    """`` (vouliez-vous dire « x » ?)`` for the closest known word, or ``""``."""
    import difflib  # only for a message: not at every start

    close = difflib.get_close_matches(str(word), list(known), n=1)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


CODE_RE = re.compile(CODE_PATTERN)


def code_corrige(value: str) -> str | None:
    """``value`` written as a code (lower case, no accent, a hyphen for a space), or None if it cannot be."""
    if len(value) > CODE_MAX:
        return None
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[\s_'’]+", "-", ascii_text.strip().lower()).strip("-")
    return text if CODE_RE.match(text) else None


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


@functools.lru_cache(maxsize=4096)  # every dossier's lines name the same few dispositifs (issue 17)
def normaliser(texte: str) -> str:
    """A free text as it is matched against codes and aliases: case, accents and spaces ignored.

    ``"BOP 147"``, ``"bop147"`` and ``"Bop  147"`` give the same key; so do
    ``"Prestation de service"`` and ``"prestation-de-service"`` only if an alias
    says so (hyphens are kept).
    """
    decomposed = unicodedata.normalize("NFKD", texte.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())
