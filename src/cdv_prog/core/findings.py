"""What the tool finds: a rule's constat, a reading error, a problem of the rules.

* :class:`Resultat` — what a rule kind's ``verifier`` returns (statut, message);
  the engine turns it into a :class:`Constat` by attaching the rule's id,
  gravité and source;
* :class:`LoadError` — a dossier file that cannot be read as a dossier: field,
  line, French message;
* :class:`RuleProblem` — the same for a rules file, with the file's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from cdv_prog.core.vocab import Gravite, Statut

if TYPE_CHECKING:
    from cdv_prog.core.derogations import Derogation
    from cdv_prog.core.remedes import Remede

PathParts = tuple[str | int, ...]


class Resultat(NamedTuple):
    """What a rule kind's check returns: the engine adds id, gravité and source.

    A named tuple, not a dataclass: every rule of every dossier returns one, and a
    tuple costs half as much to build as a frozen dataclass (issue 17).
    """

    statut: Statut
    message: str


# ``tuple.__new__`` directly: a named tuple's own ``__new__`` is one more Python frame per rule and dossier
_tuple = tuple.__new__
_objet = object.__new__  # an instance not yet set (Constat.nouveau)


def ok(message: str) -> Resultat:
    return _tuple(Resultat, ("ok", message))


def echec(message: str) -> Resultat:
    return _tuple(Resultat, ("echec", message))


def sans_objet(message: str) -> Resultat:
    return _tuple(Resultat, ("sans-objet", message))


@dataclass(frozen=True)
class Constat:
    regle: str
    gravite: Gravite
    statut: Statut
    message: str
    source: str
    remede: Remede | None = None  # « ce qu'il faudrait », verified (cdv check --remedes); failed constats only
    derogation: Derogation | None = None  # the COPIL funds the dossier despite this failed rule

    @classmethod
    def nouveau(cls, regle: str, gravite: Gravite, statut: Statut, message: str, source: str) -> Constat:
        """``Constat(regle, gravite, statut, message, source)``: the same object, made in a quarter of the time.

        The dataclass's ``__init__`` sets each of the seven fields through ``object.__setattr__`` (frozen):
        1.17 µs; written into the instance's dict here, 0.32 µs. The engine makes several a dossier, one
        for each message holding the dossier's own amounts (issue 17). Still frozen, compared, hashed and
        pickled by its fields: ``tests/test_per_dossier_memo.py`` holds it to the dataclass, field by field.
        """
        c = _objet(cls)
        d = c.__dict__
        d["regle"] = regle
        d["gravite"] = gravite
        d["statut"] = statut
        d["message"] = message
        d["source"] = source
        d["remede"] = None
        d["derogation"] = None
        return c

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "regle": self.regle,
            "gravite": self.gravite,
            "statut": self.statut,
            "message": self.message,
            "source": self.source,
        }
        if self.statut == "echec":
            if self.remede is not None:
                out["remede"] = self.remede.to_dict()
            if self.derogation is not None:
                out["derogation"] = self.derogation.to_dict()
        return out


@dataclass(frozen=True)
class LoadError:
    """One problem found while reading a file: field path, line, French message."""

    champ: str
    ligne: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"champ": self.champ, "ligne": self.ligne, "message": self.message}

    def __str__(self) -> str:
        where = f"ligne {self.ligne}" if self.ligne else "fichier"
        champ = f" [{self.champ}]" if self.champ else ""
        return f"{where}{champ} : {self.message}"


@dataclass(frozen=True)
class RuleProblem:
    """A problem of a rules file: file, line, key, French message."""

    fichier: str
    ligne: int | None
    champ: str
    message: str

    def __str__(self) -> str:
        where = self.fichier + (f":{self.ligne}" if self.ligne else "")
        champ = f" [{self.champ}]" if self.champ else ""
        return f"{where}{champ} : {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"fichier": self.fichier, "ligne": self.ligne, "champ": self.champ, "message": self.message}


def format_path(path: PathParts) -> str:
    """``("financements", 0, "montant")`` → ``financements[0].montant``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
