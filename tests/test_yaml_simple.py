"""The fast reader of plain block YAML (:mod:`cdv_prog.files.yaml_simple`) held to the full loader.

Whenever :func:`lire_simple` accepts a text, the full (libyaml) loader must accept it too and give the
same data (same types, same Decimal representation, same key order), the same lines and the same
profondeur. Checked on generated documents, on mangled ones, on examples of each boundary of the
subset and on every YAML file of the repository.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdv_prog.files.loader import LoadFailed, load_yaml_text
from cdv_prog.files.yaml_simple import _LIGNES, _hors, _hors_texte, lire_simple

REPO = Path(__file__).parents[1]
PROFONDEURS = st.sampled_from([None, 0, 1, 2, 3])
_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types, dict keys in the same order, Decimals with the same representation."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return a.compare_total(b) == 0  # NaN equal to NaN, 12.50 not equal to 12.5
    return bool(a == b)


def _check(text: str, profondeur: int | None = None) -> bool:
    """Whether the fast reader accepts ``text``; when it does, its result must be the full loader's."""
    fast = lire_simple(text, profondeur)
    if fast is None:
        return False
    try:
        full = load_yaml_text(text, profondeur, simple=False)
    except LoadFailed as exc:
        pytest.fail(f"fast reader accepts {text!r} (gives {fast!r}) but the full loader rejects it: {exc}")
    data, lines, prof = fast
    assert _same(full.data, data), f"{text!r}: full {full.data!r} != fast {data!r}"
    assert repr(full.data) == repr(data), text
    assert full.lines == lines, f"{text!r}: full {full.lines!r} != fast {lines!r}"
    assert full.profondeur == prof, text
    if "Decimal('NaN')" not in repr(data):  # NaN != NaN: compared by _same above
        assert (full.data, full.lines, full.profondeur) == fast
    return True


def _full_or_error(text: str, simple: bool) -> Any:
    try:
        loaded = load_yaml_text(text, None, simple=simple)
    except LoadFailed as exc:
        return ("error", [(e.champ, e.ligne, e.message) for e in exc.errors])
    return (repr(loaded.data), loaded.lines, loaded.profondeur)


# ---------------------------------------------------------------- generated documents

KEYS = ["nom", "type", "montant", "financeur", "a", "b_c", "x.y", "cle-2", "Été", "n", "yes", "no", "nan", "e1", "_k"]
BAD_KEYS = ["true", "null", "2025", "with spaces", "~", "-a", "'q'", '"q"', "a:b", "Null", "1.5", "2025-01-01", "é t"]

WORDS = ["caf", "etat", "bailleur", "BOP 147", "fleming-la-reille", "x", "a.b", "n", "yes", "no", "on", "off"]
FRENCH = ["Association Trait d'Union", "Maison de l'été", "Cité Solidaire — Fleming", "l'œuvre à côté", "Ça va"]
NUMBERS = ["12.50", "1e3", ".5", "0.10", "3.", "+7", "-2.5", "1E-2", "007", "0", "-0", "3_000", "0x1F", "5:30"]
KEYWORDS = ["true", "false", "True", "FALSE", "yes", "no", "null", "Null", "~", ".inf", ".NaN"]
QUOTED = ['"04828148932528"', "'x y'", '"a\'b"', '""', "''", "'l\"x'", '"#a"', '"a: b"', "'[x]'", '"true"']
OTHER = [
    "http://x.fr/a",
    "https://ex.org/p?q=1",
    "A & B",
    "a, b",
    "a]",
    "x:y",
    "a :b",
    "5-",
    "-5-",
    "<<",
    "a#b",
    "a.b-c",
]
SAFE_SCALARS = WORDS + FRENCH + NUMBERS + KEYWORDS + QUOTED + OTHER
HOSTILE_SCALARS = [
    "2025-02-30",
    "2025-13-01",
    "a: b",
    "a #b",
    "x:",
    ":x",
    '"a\\"b"',
    '"a\\\\b"',
    "'it''s'",
    "'a\\b'",
    "&a x",
    "*a",
    "!!str x",
    "!x y",
    "|",
    ">",
    "{a: 1}",
    "{}",
    "-",
    "- x",
    "?x",
    "? x",
    "-.inf",
    "%x",
    "@x",
    "`x",
    "1" * 31,
    "'open",
    '"',
    "a\\b",
    "#x",
    "---",
    "...",
    "é\xa0x",
]

FLOW_ITEMS = ["a", "etat", "2024", "-5", "12.50", ".5", "2025-03-30", "true", "~", "null", "a b", "x.y", "-5a", "yes"]
HOSTILE_FLOW_ITEMS = ["", ":", "'a'", '"a"', "[", "-", "- 5", "a: b", "2025-02-30", "{a}", "#", "&a", "*a", "?"]

FILLERS = ["", "   ", "# commentaire", "  # note : x", "#", "    # l'été"]


class _Choices:
    """A document's decisions, from a hypothesis-drawn seed: one draw per document keeps 2000 examples
    fast, and uniform choices keep the documents varied (hypothesis prints the failing text itself)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self.rng.randrange(n)

    def pick(self, seq: list[str]) -> str:
        return self.rng.choice(seq)

    def chance(self, n: int) -> bool:
        """True once in ``n``."""
        return self.rng.randrange(n) == 0

    def integer(self) -> str:
        value = self.rng.randrange(10 ** self.rng.randrange(1, 14))
        return str(-value if self.chance(4) else value)

    def date(self) -> str:
        start = dt.date(1000, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, dt.date(9999, 12, 31).toordinal())).isoformat()


def _document(seed: int, loose: bool) -> str:
    """A block YAML document: clearly inside the subset, or (``loose``) around its edges."""
    c = _Choices(seed)
    out: list[str] = []
    # loose documents: each hostile form rare enough that many documents are still read by the fast path
    hostile = 12 if loose else 0

    def sometimes(safe: list[str], bad: list[str]) -> str:
        return c.pick(bad) if hostile and c.chance(hostile) else c.pick(safe)

    def scalar() -> str:
        kind = c.below(4)
        return c.integer() if kind == 2 else c.date() if kind == 3 else sometimes(SAFE_SCALARS, HOSTILE_SCALARS)

    def value() -> str:
        if not c.chance(4):
            return scalar()
        items = [c.integer() if c.chance(5) else sometimes(FLOW_ITEMS, HOSTILE_FLOW_ITEMS) for _ in range(c.below(5))]
        return "[" + (", " if not (loose and c.chance(3)) else ",").join(items) + "]"

    def filler() -> None:
        if c.chance(5):
            out.append(c.pick(FILLERS))

    def tail(text: str, indent: int) -> None:
        """A value line, sometimes (loose) spoiled by a comment or a continuation line."""
        spoil = c.below(40) if loose else 0
        out.append(text + " # remarque" if spoil == 1 else text)
        if spoil == 2:
            out.append(" " * (indent + 2) + "suite du texte")

    def mapping(indent: int, depth: int, first: str | None = None) -> None:
        """Keys at column ``indent``; ``first``: what precedes the first key (a list item's dash)."""
        names = [sometimes(KEYS, BAD_KEYS) for _ in range(1 + c.below(4))]
        if not (loose and c.chance(6)):  # sometimes a duplicate key
            names = list(dict.fromkeys(names))
        for j, name in enumerate(names):
            prefix = first if j == 0 and first is not None else " " * indent
            if j:
                filler()
            kind = c.below(5) if depth < 4 else 0
            if kind <= 1:
                tail(f"{prefix}{name}: {value()}", indent)
            elif kind == 2:
                out.append(f"{prefix}{name}:" + " " * c.below(2))
            else:
                out.append(f"{prefix}{name}:")
                filler()
                step = 1 + c.below(4)
                if kind == 3:
                    mapping(indent + step, depth + 1)
                else:
                    sequence(indent + (0 if loose and c.chance(8) else step), depth + 1)

    def sequence(indent: int, depth: int) -> None:
        for j in range(1 + c.below(4)):
            if j:
                filler()
            if depth < 4 and c.chance(2):
                gap = 1 + c.below(3)
                mapping(indent + 1 + gap, depth + 1, first=" " * indent + "-" + " " * gap)
            else:
                tail(" " * indent + "- " + value(), indent)

    if c.chance(2):
        out.append(c.pick(FILLERS))
    mapping(0, 0)
    filler()
    return "\n".join(out) + ["\n", "", "\n\n"][c.below(3)]


def documents(loose: bool) -> st.SearchStrategy[str]:
    return st.integers(0, 2**64 - 1).map(lambda seed: _document(seed, loose))


HOSTILE_CHARS = "\t\r\x85\u2028\ufeff\xa0\x00&*!|>#\"':-[]{},?%@` \n"


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """A generated document with a few hostile edits."""
    text = draw(st.one_of(documents(loose=True), documents(loose=False)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "insert", "delete", "dup", "indent"]))
        pos = draw(st.integers(0, 10**6))
        if op == "insert":
            k = pos % (len(text) + 1)
            text = text[:k] + draw(st.sampled_from(HOSTILE_CHARS)) + text[k:]
        elif op == "delete" and text:
            k = pos % len(text)
            text = text[:k] + text[k + 1 :]
        else:
            lines = text.split("\n")
            k = pos % len(lines)
            if op == "dup":
                lines.insert(k, lines[k])
            else:
                delta = draw(st.sampled_from([-2, -1, 1, 2]))
                line = lines[k]
                lines[k] = " " * delta + line if delta > 0 else line[min(-delta, len(line) - len(line.lstrip(" "))) :]
            text = "\n".join(lines)
    return text


@settings(max_examples=1500, deadline=None, suppress_health_check=_RELAXED)
@given(text=mangled(), profondeur=PROFONDEURS)
def test_mangled_documents_accepted_only_as_the_full_loader_reads_them(text: str, profondeur: int | None) -> None:
    _check(text, profondeur)


@settings(max_examples=1500, deadline=None, suppress_health_check=_RELAXED)
@given(text=documents(loose=True), profondeur=PROFONDEURS)
def test_loose_documents_accepted_only_as_the_full_loader_reads_them(text: str, profondeur: int | None) -> None:
    _check(text, profondeur)


@settings(max_examples=1000, deadline=None, suppress_health_check=_RELAXED)
@given(text=documents(loose=False), profondeur=PROFONDEURS)
def test_supported_documents_are_accepted(text: str, profondeur: int | None) -> None:
    """The subset is really read: the fast path does not silently decline everything."""
    assert _check(text, profondeur), f"declined: {text!r}"


# ---------------------------------------------------------------- examples

DOSSIER = """\
id: CDV-2025-00001
exercice: 2025
intitule: Embellissement des halls (Fleming La Reille)
porteur:
  nom: Bailleur social Cité Solidaire
  type: bailleur
  siret: "04828148932528"
action:
  defi: habiter
  quartiers: [fleming-la-reille]
  debut: 2025-03-30
  cpo:
    annees: [2024, 2025, 2026]
budget:
  total: 21414
financements:
  - financeur: caf
    montant: 1150
  - financeur: etat
    dispositif: BOP 147
    montant: 12150
pieces: [attestation-prefecture, rib]
elan: true
"""


@pytest.mark.parametrize("profondeur", [None, 0, 1, 2, 3])
def test_typical_dossier_is_accepted(profondeur: int | None) -> None:
    assert _check(DOSSIER, profondeur)
    data = lire_simple(DOSSIER, profondeur)
    assert data is not None
    assert data[0]["porteur"]["siret"] == "04828148932528"
    assert data[0]["action"]["debut"] == dt.date(2025, 3, 30)
    assert data[0]["financements"][1] == {"financeur": "etat", "dispositif": "BOP 147", "montant": 12150}
    assert data[0]["elan"] is True


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a:\n\tb: 1\n", id="tab-indentation"),
        pytest.param("a: 1\tx\n", id="tab-in-value"),
        pytest.param("a: 1\r\nb: 2\r\n", id="crlf"),
        pytest.param("a: 1 # c\n", id="comment-after-value"),
        pytest.param("key:\n- a\n- b\n", id="list-at-key-indentation"),
        pytest.param("a: b\n  c\n", id="multi-line-plain"),
        pytest.param("a: 1\na: 2\n", id="duplicate-key"),
        pytest.param("a:\n  b: 1\n  b: 2\n", id="duplicate-nested-key"),
        pytest.param("true: x\n", id="bool-key"),
        pytest.param("null: x\n", id="null-key"),
        pytest.param("2025: x\n", id="int-key"),
        pytest.param("with spaces: x\n", id="spaced-key"),
        pytest.param("d: 2025-02-30\n", id="invalid-date"),
        pytest.param("n: 1234567890123456789012345678901\n", id="int-too-long"),
        pytest.param("a: &x 1\nb: *x\n", id="anchor-alias"),
        pytest.param("a: |\n  x\n", id="block-scalar"),
        pytest.param("a: >\n  x\n", id="folded-scalar"),
        pytest.param("a: {b: 1}\n", id="flow-mapping"),
        pytest.param("a: [b, [c]]\n", id="nested-flow-list"),
        pytest.param("a: [b,\n  c]\n", id="multi-line-flow-list"),
        pytest.param("a: [b, c,]\n", id="flow-trailing-comma"),
        pytest.param("---\na: 1\n", id="document-marker"),
        pytest.param("a: 1\n...\n", id="document-end"),
        pytest.param("\ufeffa: 1\n", id="bom"),
        pytest.param('a: "a\\"b"\n', id="escape"),
        pytest.param("a: 'it''s'\n", id="single-quote-escape"),
        pytest.param("a: !!str 1\n", id="tag"),
        pytest.param("- a\n- b\n", id="root-list"),
        pytest.param("scalaire\n", id="root-scalar"),
        pytest.param("  a: 1\n", id="indented-root"),
        pytest.param("", id="empty"),
        pytest.param("# rien\n", id="only-comment"),
        pytest.param("a: b: c\n", id="colon-space-in-value"),
        pytest.param("a: b:\n", id="trailing-colon"),
        pytest.param("a: 1\n  b: 2\n", id="deeper-after-scalar"),
        pytest.param("a:\n  - x\n  b: 1\n", id="key-after-list"),
        pytest.param("a: \x85x\n", id="nel"),
        pytest.param("a: x\u2028y\n", id="line-separator"),
        pytest.param("a: x\x00\n", id="nul"),
        pytest.param("a:x\n", id="no-space-after-colon"),
        pytest.param("a: -x\n", id="dash-word"),
    ],
)
def test_declined(text: str) -> None:
    assert lire_simple(text) is None
    assert _full_or_error(text, simple=True) == _full_or_error(text, simple=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('siret: "04828148932528"\n', {"siret": "04828148932528"}),
        ("s: '007'\n", {"s": "007"}),
        ('s: ""\n', {"s": ""}),
        ("url: http://x.fr/a\n", {"url": "http://x.fr/a"}),
        ("k: -5\n", {"k": -5}),
        ("k: 12.50\n", {"k": Decimal("12.50")}),
        ("k: 1e3\n", {"k": Decimal("1e3")}),
        ("k: .5\n", {"k": Decimal(".5")}),
        ("k: .nan\n", {"k": Decimal("NaN")}),
        ("k: ~\n", {"k": None}),
        ("k: null\n", {"k": None}),
        ("k:\n", {"k": None}),
        ("k:\nl: 1\n", {"k": None, "l": 1}),
        ("k: true\n", {"k": True}),
        ("k: False\n", {"k": False}),
        ("k: yes\n", {"k": "yes"}),
        ("k: 2025-03-30\n", {"k": dt.date(2025, 3, 30)}),
        ("k: 3_000\n", {"k": "3_000"}),
        ("k: 12:30\n", {"k": "12:30"}),
        ("k: [2024, -5, a b, ~]\n", {"k": [2024, -5, "a b", None]}),
        ("k: []\n", {"k": []}),
        ("nom: Maison de l'été\n", {"nom": "Maison de l'été"}),
        ("l:\n  - financeur: etat\n    montant: 1\n", {"l": [{"financeur": "etat", "montant": 1}]}),
        ("l:\n  -   financeur: etat\n      montant: 1\n  - x\n", {"l": [{"financeur": "etat", "montant": 1}, "x"]}),
        ("l:\n  - a:\n      b: [1]\n    c:\n", {"l": [{"a": {"b": [1]}, "c": None}]}),
        ("# tête\n\na:\n  # note\n\n  b: 1\n", {"a": {"b": 1}}),
    ],
)
def test_accepted(text: str, expected: dict[str, Any]) -> None:
    for profondeur in (None, 0, 1, 2):
        assert _check(text, profondeur), text
    result = lire_simple(text)
    assert result is not None
    assert _same(result[0], expected), result[0]


# the characters around every bound of what a line may hold: control, DEL and C1, no-break space, the
# end of Latin-1, surrogates, private use, the Unicode separators, the byte-order mark, non-characters
_BORNES = "\x00\x09\x0a\x0d\x1f\x20\x7e\x7f\x85\x9f\xa0\xe9\xff\u0100\u2019\u2028\u2029\ud7ff\ud800"
_BORNES += "\udfff\ue000\ufeff\ufffd\ufffe\uffff\U00010000\U0010ffff"


@settings(max_examples=2000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_BORNES) | st.characters(), max_size=40))
def test_whole_text_look_is_the_line_by_line_one(text: str) -> None:
    # _hors_texte looks at a Latin-1 text as bytes: it must refuse exactly the texts a line of which _hors refuses
    assert _hors_texte(text) == any(_hors(line) for line in text.split("\n"))


@pytest.mark.parametrize(
    ("ch", "refused"),
    [
        ("\x1f", True),
        (" ", False),
        ("~", False),
        ("\x7f", True),
        ("\x9f", True),
        ("\xa0", False),
        ("\xff", False),
        ("\u0100", False),
        ("\u2028", True),
        ("\ufeff", True),
        ("\ufffd", False),
        ("\ufffe", True),
    ],
)
def test_whole_text_look_bounds(ch: str, refused: bool) -> None:
    # each side of a bound, in a Latin-1 text and in one that is not (the ’ makes it UCS-2)
    for text in (f"a: x{ch}y\nb: 1\n", f"a: l’x{ch}y\nb: 1\n"):
        assert _hors_texte(text) is refused, (ch, text)
        assert (lire_simple(text) is None) is refused, (ch, text)


def _nested(levels: int) -> str:
    return "".join(f"{' ' * i}k{i}:\n" for i in range(levels)) + " " * levels + "v: 1\n"


@pytest.mark.parametrize(
    "text",
    [
        "k: a\xa0#b\n",
        "a:\n\xa0 b: 1\n",
        "l:\n  - \xa0x\n",
        "k: \xa0\n",
        "k: [\xa0a, b\xa0]\n",
        "k: \ufdd0\n",
        "k: \U0001fffe\n",
        "k: a\x7f\n",
        "\U0001d538: 1\n",
        "k: -0.0\n",
        "k: 1.\n",
        "k: +.5\n",
        "k: .Inf\n",
        "k: +.inf\n",
        "k: 1.5e+3\n",
        "k: 0001-01-01\n",
        "k: 0000-01-01\n",
        "k: 2025-3-5\n",
        "k: 2025-03-05 10:00\n",
        "k: [2025-02-30]\n",
        "k: [ a , b ]\n",
        "k: [a,b ,c]\n",
        "k: [-]\n",
        "k: a?\n",
        "k: a,\n",
        "k: 1:2:3\n",
        "k: -5:\n",
        "k: ''''\n",
        "k: '\"'\n",
        "k: a\n#\n  # x\nl: 2\n",
        "l:\n - a: 1\n   b:\n     - 2\n",
        "l:\n  - a:\n  - b\n",
        "l:\n  - a:\n    - b\n",
        "l:\n  - a: 1\n   b: 2\n",
        "x: " + "a" * 3000 + "\n",
        "x: [" + "a" * 2000 + "]\n",
        _nested(19),
        _nested(25),
    ],
)
@pytest.mark.parametrize("profondeur", [None, 0, 2])
def test_edge_cases_agree(text: str, profondeur: int | None) -> None:
    """Edges of the subset (no-break spaces, non-characters, numbers, dates, depth): accepted or not, never different."""
    _check(text, profondeur)


def test_ampersand_in_plain_value_keeps_every_line() -> None:
    text = "nom: A & B\nporteur:\n  adresse:\n    ville: Carcassonne\n"
    assert _check(text, 1)
    result = lire_simple(text, 1)
    assert result is not None
    assert result[2] is None
    assert result[1][("porteur", "adresse", "ville")] == 4


@pytest.mark.parametrize("prefix", ["", "x: 1\n", "x:\n  - "])
@pytest.mark.parametrize("length", [257, 1024, 1025])
def test_long_keys_are_left_to_libyaml(prefix: str, length: int) -> None:
    """libyaml refuses a key of more than 1024 characters: the fast reader leaves any key over 256 to it."""
    text = prefix + "a" * length + ": 1\n"
    assert lire_simple(text) is None
    assert _full_or_error(text, simple=True) == _full_or_error(text, simple=False)


@pytest.mark.parametrize("prefix", ["", "x: 1\n", "x:\n  - "])
def test_key_of_256_characters(prefix: str) -> None:
    assert _check(prefix + "a" * 256 + ": 1\n")


# ---------------------------------------------------------------- the repository's files

YAML_FILES = sorted(p for d in ("examples", "tests", "data", "rules") for p in (REPO / d).rglob("*.yaml"))


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(REPO)) for p in YAML_FILES])
def test_repository_files(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8")
    for profondeur in (None, 1):
        _check(text, profondeur)


def test_shipped_dossiers_use_the_fast_path() -> None:
    dossiers = sorted((REPO / "data" / "dossiers").rglob("*.yaml"))
    if not dossiers:
        pytest.skip("no shipped dossiers")
    accepted = [p for p in dossiers if lire_simple(p.read_text(encoding="utf-8")) is not None]
    assert len(accepted) * 2 >= len(dossiers), f"only {len(accepted)} of {len(dossiers)} read by the fast path"


def test_a_line_read_before_is_read_again_in_its_new_place() -> None:
    """A mapping's line is read once and kept (``yaml_simple._LIGNES``: lines repeat from dossier to
    dossier); met again — another line number, another depth, a duplicate key, a list item — it gives
    what the full loader gives there."""
    _LIGNES.clear()
    assert _check("montant: 1150\ndebut: 2025-03-30\nnom: Ville\n")
    assert sorted(k for k, *_ in _LIGNES.values()) == ["debut", "montant", "nom"]  # kept, read once
    assert _check("a:\n  b:\n    montant: 1150\n  debut: 2025-03-30\n", None)
    assert _check("financements:\n  - nom: Ville\n    montant: 1150\n", 2)
    assert not _check("montant: 1150\nmontant: 1150\n")  # a duplicate key: declined, the full loader says why
    with pytest.raises(LoadFailed, match="clé « montant » en double"):
        load_yaml_text("montant: 1150\nmontant: 1150\n")


def test_the_lines_kept_are_bounded() -> None:
    _LIGNES.clear()
    for i in range(5000):
        assert lire_simple(f"cle: valeur-{i}\n") is not None
    assert 0 < len(_LIGNES) <= 4096
    long = "cle: " + "x" * 300
    _LIGNES.clear()
    assert _check(long + "\n")
    assert long not in _LIGNES  # a long line is read, not kept
