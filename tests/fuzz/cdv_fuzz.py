"""Hypothesis strategies for fuzzing: valid dossiers built from the models, and mutations.

* :func:`valid_dossiers` draws dossiers that satisfy every constraint of the
  models (``cdv_prog.dossier``) with the codes of the shipped rule set: they
  must never be ``invalide``;
* :func:`mutated_dossiers` breaks them the ways files get broken by hand or by
  other tools: keys dropped or renamed, values retyped, strings with control
  characters, huge numbers;
* :func:`mutated_texts` breaks the YAML text itself.

``SETTINGS`` is the ``fuzz`` profile when ``HYPOTHESIS_PROFILE=fuzz``,
moderate otherwise (see ``conftest.py``); ``CLI_SETTINGS`` is a tenth of it,
for the examples that run the whole command line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cdv_prog.core.vocab import TYPES_PORTEUR
from cdv_prog.files.rules import load_rules, packaged_rules_path
from cdv_prog.files.scalaires import _FLOAT_RE

RULES = load_rules(packaged_rules_path())
FIRST_YEAR, LAST_YEAR = RULES.contrat.periode
FINANCEURS = sorted(RULES.financeurs)
QUARTIERS = sorted(RULES.quartiers) + ["hors-qpv"]
DEFIS = {code: sorted(d.objectifs) for code, d in RULES.defis.items()}
AXES = sorted(RULES.axes)
PIECES = ["attestation-prefecture", "liste-bureau", "rib", "statuts", "evaluation-annuelle"]

PROFILE = "fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else "fuzz-moderate"
try:
    SETTINGS = settings.get_profile(PROFILE)  # registered by conftest.py
except InvalidArgument:  # imported outside pytest
    SETTINGS = settings(max_examples=40, deadline=None)
CLI_SETTINGS = settings(SETTINGS, max_examples=max(3, SETTINGS.max_examples // 10))

# ----------------------------------------------------------------------------- valid dossiers

# any text YAML can carry (no surrogates: a UTF-8 file cannot hold them)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
codes = st.from_regex(r"\A[a-z0-9][a-z0-9.-]{0,15}\Z")
idents = st.from_regex(r"\A[A-Za-z0-9._-]{1,30}\Z")


def _cents_to_amount(cents: int) -> Decimal:
    return Decimal(cents) / 100


amounts = st.one_of(
    st.integers(0, 10**9),
    st.integers(0, 10**11).map(_cents_to_amount),
    st.sampled_from([0, 499, 500, 501, Decimal("499.99"), Decimal("500.00"), Decimal("500.01")]),
)


def french_amount(value: Decimal | int) -> str:
    """``12000.5`` → ``"12 000,50 €"`` (one of the forms people type)."""
    units, cents = f"{Decimal(value):.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{' '.join(groups)},{cents} €"


@st.composite
def amount_values(draw: st.DrawFn, positive: bool = False) -> Any:
    """An amount as a YAML number (integer or decimal) or as text, French form included."""
    value = Decimal(draw(amounts)).quantize(Decimal("0.01"))
    if positive and value == 0:
        value = Decimal("1.00")
    form = draw(st.integers(0, 3))
    if form == 0 and value == value.to_integral_value():
        return int(value)
    if form == 1:
        return value
    if form == 2:
        return french_amount(value)
    return str(value)


dates = st.dates(dt.date(FIRST_YEAR - 1, 1, 1), dt.date(LAST_YEAR + 1, 12, 31))


@st.composite
def valid_dossiers(draw: st.DrawFn) -> dict[str, Any]:
    defi = draw(st.sampled_from(sorted(DEFIS)))
    debut = draw(dates)
    fin = draw(st.dates(debut, debut + dt.timedelta(days=800)))
    action: dict[str, Any] = {
        "defi": defi,
        "quartiers": draw(st.lists(st.sampled_from(QUARTIERS), min_size=1, max_size=4)),
        "debut": debut,
        "fin": fin,
    }
    if DEFIS[defi] and draw(st.booleans()):
        action["objectif"] = draw(st.sampled_from(DEFIS[defi]))
    if draw(st.booleans()):
        action["axes"] = draw(st.lists(st.sampled_from(AXES), max_size=3))
    for flag in ("innovante", "parentalite", "renouvellement"):
        if draw(st.booleans()):
            action[flag] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        action["cpo"] = {"annees": draw(st.lists(st.integers(FIRST_YEAR - 2, LAST_YEAR + 2), min_size=1, max_size=5))}

    lines = []
    for _ in range(draw(st.integers(1, 6))):
        line: dict[str, Any] = {"financeur": draw(st.sampled_from(FINANCEURS)), "montant": draw(amount_values())}
        if draw(st.integers(0, 3)) == 0:
            line["dispositif"] = draw(any_text)
        if draw(st.integers(0, 3)) == 0:
            line["accorde"] = draw(amount_values())
        lines.append(line)

    porteur: dict[str, Any] = {"nom": draw(any_text)}
    if draw(st.booleans()):
        porteur["type"] = draw(st.sampled_from(TYPES_PORTEUR))
    if draw(st.booleans()):
        porteur["siret"] = draw(st.from_regex(r"\A[0-9]{14}\Z"))
    budget: dict[str, Any] = {"total": draw(amount_values(positive=True))}
    if draw(st.booleans()):
        budget["autres-produits"] = draw(amount_values())
    if draw(st.booleans()):
        budget["contributions-nature"] = draw(amount_values())

    dossier: dict[str, Any] = {
        "id": draw(idents),
        "exercice": draw(st.integers(FIRST_YEAR, LAST_YEAR)),
        "intitule": draw(any_text),
        "porteur": porteur,
        "action": action,
        "budget": budget,
        "financements": lines,
    }
    if draw(st.booleans()):
        dossier["pieces"] = draw(st.lists(st.one_of(st.sampled_from(PIECES), codes), max_size=6))
    if draw(st.booleans()):
        dossier["elan"] = draw(st.booleans())
    if draw(st.booleans()):
        dossier["bilan-precedent"] = {"envoye-le": draw(dates)} if draw(st.booleans()) else {}
    return dossier


# ----------------------------------------------------------------------------- YAML text


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", format(v, "f")))
# text that our YAML 1.2 reading takes for a number (``3e3``) must be quoted, as a careful writer would
_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def yaml_lines(text: str) -> int:
    """Lines as YAML (libyaml) counts them: NEL and the Unicode separators break lines too."""
    return len(re.split("\r\n|[\n\r\x85\u2028\u2029]", text))


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)


# ----------------------------------------------------------------------------- mutations


def paths_of(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside nested dicts and lists (the root excluded)."""
    out = []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return out
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(paths_of(value, prefix + (key,)))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


control_strings = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x9F, blacklist_categories=("Cs",)), min_size=1, max_size=12
)
huge_numbers = st.one_of(
    st.integers(10**12, 10**60),
    st.integers(-(10**60), -1),
    st.sampled_from([Decimal("1e400"), Decimal("-0.001"), Decimal("1234.567"), Decimal("1E+30")]),
)
other_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    huge_numbers,
    control_strings,
    any_text,
    st.just(""),
    st.just([]),
    st.just({}),
    dates,
    st.sampled_from(["no", "on", "12:30", "3_000", ".inf", ".nan", "3e3", "2025-02-30", "~", "null"]),
    st.lists(st.integers(0, 3000), max_size=3),
    st.dictionaries(any_text, st.integers(), max_size=2),
)


@st.composite
def mutated_dossiers(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(valid_dossiers())
    for _ in range(draw(st.integers(1, 4))):
        paths = paths_of(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        kind = draw(st.sampled_from(["drop", "rename", "retype", "retype", "control", "huge"]))
        if kind == "drop":
            del parent[key]
        elif kind == "rename" and isinstance(parent, dict):
            new = draw(
                st.one_of(
                    any_text,
                    st.sampled_from(
                        [str(key).upper(), str(key) + "s", str(key)[:-1] or "x", str(key).replace("-", "_")]
                    ),
                )
            )
            value = parent.pop(key)
            parent[new] = value
        elif kind == "control":
            parent[key] = draw(control_strings)
        elif kind == "huge":
            parent[key] = draw(huge_numbers)
        else:
            parent[key] = draw(other_values)
    return data


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    """The YAML of a valid dossier, then broken as text (a character, a line, a cut)."""
    text = to_yaml(draw(valid_dossiers()))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "cut", "duplicate-line", "indent", "swap"]))
        pos = draw(st.integers(0, len(text)))
        lines = text.split("\n")
        line_no = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "insert":
            text = (
                text[:pos]
                + draw(
                    st.sampled_from(
                        [
                            ":",
                            "-",
                            "&a",
                            "*a",
                            "!",
                            "[",
                            "{",
                            "#",
                            '"',
                            "'",
                            "\t",
                            "\x00",
                            "\x1b",
                            "\ufeff",
                            "---\n",
                            "\r",
                            "<<: ",
                        ]
                    )
                )
                + text[pos:]
            )
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
        elif kind == "cut":
            text = text[:pos]
        elif kind == "duplicate-line":
            lines.insert(line_no, lines[line_no])
            text = "\n".join(lines)
        elif kind == "indent":
            lines[line_no] = "  " + lines[line_no]
            text = "\n".join(lines)
        else:
            other = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[line_no], lines[other] = lines[other], lines[line_no]
            text = "\n".join(lines)
    return text
