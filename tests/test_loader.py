"""The hardened YAML loader shared by dossiers and rules (no YAML 1.1 surprises)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog.core.findings import format_path
from cdv_prog.files.loader import MAX_DEPTH, Loaded, LoadFailed, load_yaml_file, load_yaml_text, read_text


def errors_of(text: str) -> list[tuple[str, int | None]]:
    with pytest.raises(LoadFailed) as info:
        load_yaml_text(text)
    assert info.value.errors
    return [(e.champ, e.ligne) for e in info.value.errors]


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "oui", "non"])
def test_yaml_11_booleans_stay_text(word: str) -> None:
    assert load_yaml_text(f"a: {word}").data == {"a": word}


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_true_false_are_booleans(text: str, value: bool) -> None:
    assert load_yaml_text(f"a: {text}").data["a"] is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12:30", "12:30"),  # no sexagesimal numbers
        ("3_000", "3_000"),  # no underscores in numbers
        ("0x1F", "0x1F"),  # no hexadecimal
        ("0o17", "0o17"),
        ("1,5", "1,5"),
        ("12 000", "12 000"),
        ('"2025"', "2025"),
        ("'true'", "true"),
        ("CDV-2025-001", "CDV-2025-001"),
    ],
)
def test_things_that_stay_text(text: str, value: str) -> None:
    assert load_yaml_text(f"a: {text}").data["a"] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("2025", 2025), ("0", 0), ("-3", -3), ("+7", 7), ("007", 7)],
)
def test_integers(text: str, value: int) -> None:
    got = load_yaml_text(f"a: {text}").data["a"]
    assert got == value and type(got) is int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.1", Decimal("0.1")),
        ("12.345", Decimal("12.345")),
        ("3000.50", Decimal("3000.50")),
        ("1e3", Decimal("1e3")),
        (".5", Decimal("0.5")),
    ],
)
def test_numbers_with_a_fraction_are_decimals_never_floats(text: str, value: Decimal) -> None:
    got = load_yaml_text(f"a: {text}").data["a"]
    assert isinstance(got, Decimal) and not isinstance(got, float)
    assert got == value


def test_decimal_is_read_from_the_text_exactly() -> None:
    # 0.1 + 0.2 would be 0.30000000000000004 with binary floats
    data = load_yaml_text("a: 0.1\nb: 0.2").data
    assert data["a"] + data["b"] == Decimal("0.3")


@pytest.mark.parametrize(("text", "value"), [("~", None), ("null", None), ("", None)])
def test_nulls(text: str, value: None) -> None:
    assert load_yaml_text(f"a: {text}").data["a"] is value


def test_dates_are_checked() -> None:
    assert load_yaml_text("d: 2025-04-30").data["d"] == dt.date(2025, 4, 30)
    assert load_yaml_text("d: 2024-02-29").data["d"] == dt.date(2024, 2, 29)
    assert errors_of("a: 1\nd: 2025-02-30") == [("d", 2)]
    assert errors_of("d: 2025-02-29") == [("d", 1)]
    assert errors_of("d: 2025-13-01") == [("d", 1)]
    assert load_yaml_text('d: "2025-04-30"').data["d"] == "2025-04-30"  # quoted: text


def test_datetime_is_not_a_date() -> None:
    value = load_yaml_text("d: 2025-04-30 10:00:00").data["d"]
    assert not isinstance(value, dt.date)


# --------------------------------------------------------------------------- structure


def test_duplicate_keys_at_every_depth() -> None:
    assert errors_of("a: 1\nb: 2\na: 3\n") == [("a", 3)]
    assert errors_of("x:\n  y:\n    z: 1\n    z: 2\n") == [("x.y.z", 4)]
    text = "l:\n  - m: 1\n  - m: 2\n    m: 3\n"
    assert errors_of(text) == [("l[1].m", 4)]


def test_duplicate_key_in_flow_mapping() -> None:
    assert errors_of("a: {b: 1, b: 2}") == [("a.b", 1)]


def test_all_duplicate_keys_are_reported() -> None:
    assert errors_of("a: 1\na: 2\nb: 1\nb: 2\n") == [("a", 2), ("b", 4)]


def test_anchors_and_aliases_are_refused() -> None:
    assert errors_of("a: &x {b: 1}\nc: *x\n") == [("c", 2)]


def test_merge_key_is_refused() -> None:
    found = errors_of("a: &x {b: 1}\nc:\n  <<: *x\n")
    assert found and found[0][1] in (2, 3)


def test_undefined_alias_is_an_error() -> None:
    errors_of("a: *nowhere\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo pwned']",
        "!!python/object/new:os.system [ls]",
        "a: !!python/name:os.system",
        "a: !custom 1",
        "a: !!binary aGVsbG8=",
        "a: !!set {x, y}",
    ],
)
def test_special_tags_are_refused(text: str) -> None:
    errors_of(text)


def test_standard_explicit_tags_are_allowed() -> None:
    assert load_yaml_text("a: !!str 12").data == {"a": "12"}


def test_several_documents_are_refused() -> None:
    assert errors_of("a: 1\n---\nb: 2\n") == [("", 2)]


def test_single_document_with_markers_is_fine() -> None:
    assert load_yaml_text("---\na: 1\n...\n").data == {"a": 1}


def test_empty_document() -> None:
    assert errors_of("") == [("", 1)]
    assert errors_of("# juste un commentaire\n") == [("", 1)]


def test_syntax_error_has_a_line() -> None:
    assert errors_of("a: 1\nb: [1, 2\nc: 3\n")[0][1] is not None


def test_excessive_nesting_is_refused() -> None:
    deep = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    errors_of(deep)


def test_non_scalar_keys_are_refused() -> None:
    errors_of("? [a, b]\n: 1\n")


def test_lines_are_kept_for_every_path() -> None:
    loaded = load_yaml_text("# comment\nid: X\naction:\n  quartiers:\n    - a\n    - b\nl: [1, 2]\n")
    assert loaded.line_of(("id",)) == 2
    assert loaded.line_of(("action",)) == 3
    assert loaded.line_of(("action", "quartiers")) == 4
    assert loaded.line_of(("action", "quartiers", 1)) == 6
    # a missing path falls back to its nearest ancestor
    assert loaded.line_of(("action", "absent")) == 3
    assert loaded.line_of(("nulle-part",)) == loaded.line_of(())


def test_format_path() -> None:
    assert format_path(("financements", 0, "montant")) == "financements[0].montant"
    assert format_path(()) == ""
    assert format_path(("a",)) == "a"


# --------------------------------------------------------------------------- files and encodings


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: 2\r\nb: 3\r\n")
    with pytest.raises(LoadFailed) as info:
        load_yaml_file(path)
    assert [(e.champ, e.ligne) for e in info.value.errors] == [("b", 3)]


def test_latin1_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes("a: 1\nb: 2\nc: théâtre\n".encode("latin-1"))
    with pytest.raises(LoadFailed) as info:
        load_yaml_file(path)
    assert [e.ligne for e in info.value.errors] == [3]


@pytest.mark.parametrize("raw", [b"\xff\xfea\x00:\x00", b"\xfe\xff\x00a", b"a: \x00\x01"])
def test_utf16_and_binary_are_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    with pytest.raises(LoadFailed):
        load_yaml_file(path)


def test_too_big_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(LoadFailed):
        read_text(path, max_bytes=100)
    assert read_text(path, max_bytes=1000).startswith("a: ")


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadFailed):
        load_yaml_file(tmp_path)
    with pytest.raises(LoadFailed):
        load_yaml_file(tmp_path / "absent.yaml")


def test_error_messages_are_french() -> None:
    for text in ("a: 1\na: 2", "a: [1", "a: !!python/object:x 1", "a: &x 1\nb: *x", "a: 1\n---\nb: 1", "a:\n\tb: 1"):
        with pytest.raises(LoadFailed) as info:
            load_yaml_text(text)
        for e in info.value.errors:
            for english in ("found ", "expected ", "while ", "could not", "not allowed"):
                assert english not in e.message, (text, e.message)


def test_loaded_dataclass() -> None:
    loaded = Loaded({"a": 1}, {("a",): 1})
    assert loaded.line_of(("a", "b", 0)) == 1
    assert Loaded([]).line_of(()) is None


# --------------------------------------------------------------------------- the shortcuts give the general walk's result

SHORTCUT_SAMPLES = [
    "a: [1, x, 2025-01-31, 1.5, true, ~, '3', !!str 4, !!int 5]\nb:\n  - 2025-02-30\n  - 123456789012345678901234567890123\n",
    "l:\n  - a\n  - {k: v, n: 2}\n  - [1, [2, [3]]]\n  - !!int x\n  - !!python/object x\n  - 'q'\n  - |\n    bloc\n",
    "- 1\n- 2024-13-01\n- .inf\n- -.5e3\n- 0x1F\n- 12:30\n- 3_000\n- null\n- ''\n",
    "financements:\n  - financeur: caf\n    montant: 1150\n  - {financeur: etat, montant: 12150.50}\n",
]


@pytest.mark.parametrize("text", SHORTCUT_SAMPLES)
def test_the_builders_shortcuts_give_what_the_general_walk_gives(text: str) -> None:
    """Without an anchor the builder takes shortcuts for scalars (in mappings and sequences) and does not
    match a resolved scalar's pattern again; the general walk (``check_aliases``) takes none of them."""
    from cdv_prog.files.yaml_complet import _Composer, _NodeBuilder

    def walk(check_aliases: bool) -> tuple[object, dict, list]:
        composer = _Composer(text)
        root = composer.get_single_node()
        composer.dispose()
        builder = _NodeBuilder(check_aliases=check_aliases)
        return builder.build(root, (), 0), builder.lines, builder.errors

    assert walk(False) == walk(True)
    assert walk(False)[1]  # every path has its line


def test_a_file_is_read_whole_in_one_call_and_a_longer_one_still_whole(tmp_path: Path, monkeypatch) -> None:
    import os

    from cdv_prog.files import loader

    calls: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        calls.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(loader.os, "read", counting)
    path = tmp_path / "d.yaml"
    path.write_bytes(b"id: X\n" * 1000)
    assert loader.read_bytes(path) == b"id: X\n" * 1000
    assert len(calls) == 1  # the announced size and less than asked: its end, no second read

    # a file longer than announced (it grew after its size was read): read on to its end
    real_fstat = os.fstat
    monkeypatch.setattr(loader.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    calls.clear()
    assert loader.read_bytes(path) == b"id: X\n" * 1000
    assert len(calls) >= 2


DEPTH_SAMPLES = [
    *SHORTCUT_SAMPLES,
    "a:\n  b:\n    c: 1\n    c: 2\n",  # a duplicate key below the depth kept: its message names the first line
    "a:\n  b:\n    - x: &ancre 1\n    - y: *ancre\n",  # an alias deep down: named with its line
    "a:\n  b:\n    c: 2025-02-30\n",
    "- {a: [1, {b: {c: d}}]}\n",
]


@pytest.mark.parametrize("text", DEPTH_SAMPLES)
def test_lines_kept_to_a_depth_are_the_full_maps_and_errors_the_same(text: str) -> None:
    def load(profondeur: int | None) -> tuple[object, object]:
        try:
            loaded = load_yaml_text(text, profondeur)
        except LoadFailed as exc:
            return "erreurs", exc.errors
        return loaded.data, loaded.lines

    full = load(None)
    for profondeur in (0, 1, 2):
        kept = load(profondeur)
        if full[0] == "erreurs":
            assert kept == full
        else:
            assert isinstance(full[1], dict)
            assert kept[0] == full[0]
            expected = full[1] if "&" in text else {k: v for k, v in full[1].items() if len(k) <= profondeur}
            assert kept[1] == expected
