"""What the tool shows a person or writes into a report is safe, whatever the dossiers, rules and paths hold.

* control characters, bidi overrides and undecodable bytes of file names are
  written out visibly (``\\x1b``, ``\\u202e``, ``\\xff``) in every format for
  people (text, GitHub annotations, HTML, xlsx, CSV), and are valid JSON in JSON;
* a value is never read as rich markup (``[old]``, ``[/]``);
* a spreadsheet never gets a live formula from a text (``=HYPERLINK(…)``);
* a standard output that cannot encode « ✘ » (cp1252, ASCII) gets stand-ins,
  and JSON stays valid UTF-8;
* a user value quoted in a message is bounded (:data:`cdv_prog.core.texte.LIMIT`);
* reports name rules by their title, the id in second place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdv_prog.core.money import AmountError, parse_amount
from cdv_prog.core.texte import LIMIT, ascii_fallback, representable, representable_json, short, visible
from cdv_prog.render import github

ESC = "\x1b"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
RAW_CONTROLS = [ESC, "\x07", "\x00", "\x9b", RLO, "\u2066", "\u2069", "\u200f"]
HOSTILE_INTITULE = f"{ESC}[2J{ESC}]8;;http://evil.example{ESC}\\lien{ESC}]8;;{ESC}\\ {RLO}cigam\x07 [old] [/]"


def _no_raw_control(text: str) -> None:
    """No control character nor bidi control of a value reaches the output (newlines and tabs of the layout aside)."""
    for char in RAW_CONTROLS:
        assert char not in text, repr(char)


@pytest.fixture
def hostile(tmp_path: Path, write_yaml: Callable[..., Path], make_dossier: Callable[..., dict[str, Any]]) -> Path:
    """A folder of dossiers with hostile texts and file names, all of exercice 2025.

    * ``a.yaml``: éligible, its intitulé full of escape sequences, bidi override, markup;
      its porteur a formula;
    * ``[red]b[old]<ESC>.yaml``: invalide (an unknown key made of an escape sequence);
    * ``c<0xfe>.yaml``: invalide, its name not UTF-8 (a byte read back as a lone surrogate).
    """
    folder = tmp_path / "lot"
    write_yaml(
        make_dossier(intitule=HOSTILE_INTITULE, porteur={"nom": "=cmd|' /C calc'!A0", "type": "association"}),
        "a.yaml",
        folder,
    )
    write_yaml(make_dossier({f"{ESC}[2Jcle": 1}, id="CDV-TEST-002"), f"[red]b[old]{ESC}.yaml", folder)
    write_yaml({"id": "CDV-TEST-003", "exercice": 2025}, os.fsdecode(b"c\xfe.yaml"), folder)
    return folder


# --------------------------------------------------------------------------- core.texte, the one rule


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\x07b\x00c\x7f", "a\\x07b\\x00c\\x7f"),
        ("\x9b31m", "\\x9b31m"),  # C1 control (CSI)
        ("x\ty\nz\r", "x\\ty\\nz\\r"),
        ("\u202eabc\u202c", "\\u202eabc\\u202c"),
        ("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", "\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        (os.fsdecode(b"d\xff.yaml"), "d\\xff.yaml"),  # an undecodable byte of a file name
        ("\ud800", "\\ud800"),  # another lone surrogate
    ],
)
def test_visible_writes_out_what_would_act_or_hide(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(shown) == shown  # idempotent
    shown.encode("utf-8")  # always encodable


@pytest.mark.parametrize(
    "text", ["Éligible « ok » — 12 000,00 €", "C:\\dossiers\\a.yaml", "\u00a0\u202f", "😀 中文", " "]
)
def test_visible_leaves_printable_text_alone(text: str) -> None:
    assert visible(text) is text


def test_representable_only_touches_undecodable_bytes() -> None:
    name = os.fsdecode(b"a\x1b\xfe.yaml")
    assert representable(name) == "a\x1b\\xfe.yaml"  # JSON escapes the control character itself
    encoded = representable_json(json.dumps(name, ensure_ascii=False))
    assert json.loads(encoded.encode("utf-8")) == "a\x1b\\xfe.yaml"


def test_short_is_one_bound_on_both_sides() -> None:
    assert short("x" * LIMIT) == "x" * LIMIT
    assert short("x" * (LIMIT + 1)) == "x" * LIMIT + "…"
    assert short(12) == "12"
    assert len(short(10**5000)) < 2 * LIMIT  # str() of such an int fails: never echoed whole


def test_ascii_fallback_is_ascii() -> None:
    assert ascii_fallback("✔✘⚠ℹ") == "vx!i"
    assert ascii_fallback("éàç « » ≥ …") == 'eac " " >= ...'
    assert ascii_fallback("┏━┃╋") == "+-|+"
    assert ascii_fallback("中" + os.fsdecode(b"\xff")) == "?\\xff"


# --------------------------------------------------------------------------- 13. escape sequences, every format


def test_check_text_shows_control_characters_and_bad_bytes(cdv, hostile: Path) -> None:
    run = cdv("check", hostile)
    assert run.code == 1  # two invalide files; never 2 (an internal error)
    _no_raw_control(run.out)
    assert "\\x1b[2J" in run.out  # the intitulé is not shown by check, the unknown key is
    assert "[red]b[old]\\x1b.yaml" in run.out  # the file name, markup and escape sequence as they are
    assert "c\\xfe.yaml" in run.out  # the byte that is not UTF-8


def test_check_json_stays_valid_and_exact(cdv, hostile: Path) -> None:
    run = cdv("check", hostile, "--format", "json")
    assert run.code == 1
    doc = run.json()
    files = sorted(Path(d["fichier"]).name for d in doc["dossiers"])
    assert files == ["[red]b[old]\x1b.yaml", "a.yaml", "c\\xfe.yaml"]  # JSON escapes controls itself


def test_github_annotations_show_control_characters(cdv, hostile: Path) -> None:
    run = cdv("check", hostile, "--format", "github")
    assert run.code == 1
    _no_raw_control(run.out)
    assert all(line.startswith("::") for line in run.lines)
    assert "b[old]\\x1b.yaml" in run.out and "c\\xfe.yaml" in run.out
    assert "clé inconnue « \\x1b[2Jcle »" in run.out


def test_github_command_writes_out_every_value() -> None:
    line = github.command("error", f"a{ESC}[2J\nb{RLO}", f"d{ESC}.yaml", 3, f"t{ESC}")
    assert line == "::error file=d\\x1b.yaml,line=3,title=t\\x1b::a\\x1b[2J%0Ab\\u202e"


@pytest.mark.parametrize("fmt", ["text", "html", "csv", "json"])
def test_programmation_reports_never_fail_on_a_file_name(cdv, hostile: Path, tmp_path: Path, fmt: str) -> None:
    run = cdv("programmation", hostile, "--format", fmt)
    assert run.code == 1, run.err  # invalide dossiers; never an internal error (UnicodeEncodeError)
    if fmt == "json":
        ecartes = {Path(e["fichier"]).name for e in run.json()["ecartes"]}
        assert ecartes == {"[red]b[old]\x1b.yaml", "c\\xfe.yaml"}
    else:
        _no_raw_control(run.out)
    if fmt in ("text", "html"):
        assert "c\\xfe.yaml" in run.out and "b[old]\\x1b.yaml" in run.out


def test_html_escapes_texts_and_attributes(cdv, hostile: Path, rules_copy: Path) -> None:
    _rename_financeur(rules_copy, "ville", nom='Ville "<b>', sigle=f'V"><script>x</script>{ESC}')
    run = cdv("programmation", hostile, "--rules", rules_copy, "--format", "html")
    assert run.code == 1, run.err
    _no_raw_control(run.out)
    assert "<script>" not in run.out and 'aria-label="V"' not in run.out
    assert "V&quot;&gt;&lt;script&gt;x&lt;/script&gt;\\x1b" in run.out  # in the table, the <h3> and the SVG


# --------------------------------------------------------------------------- 4, 12. the COPIL workbook and CSV


def _workbook(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def test_xlsx_with_control_characters_and_formulas(cdv, hostile: Path, tmp_path: Path) -> None:
    target = tmp_path / "copil.xlsx"
    run = cdv("programmation", hostile, "--format", "xlsx", "--output", target)
    assert run.code == 1, run.err  # one dossier's text no longer blocks the whole workbook
    wb = _workbook(target.read_bytes())
    ws = wb["Dossiers"]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("Id")].value: r for r in ws.iter_rows(min_row=2)}
    a = rows["CDV-TEST-001"]
    intitule, porteur = a[header.index("Intitulé")], a[header.index("Porteur")]
    assert intitule.data_type == "s" and intitule.value == visible(HOSTILE_INTITULE)
    assert porteur.data_type == "s" and porteur.value == "'=cmd|' /C calc'!A0"  # not a formula
    names = {r[header.index("Fichier")].value.rsplit("/", 1)[-1] for k, r in rows.items() if k != "Total"}
    assert {"c\\xfe.yaml", "[red]b[old]\\x1b.yaml"} <= names
    retenu = a[header.index("Total retenu")]
    assert retenu.data_type == "n" and retenu.value > 0  # amounts stay numbers
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example","clic")', '\'=HYPERLINK("http://evil.example","clic")'),
        ("+33 4 68", "'+33 4 68"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Atelier =maths", "Atelier =maths"),  # a formula sign further in: nothing to do
        ("Atelier", "Atelier"),
    ],
)
def test_every_text_cell_is_a_string_never_a_formula(cdv, write_yaml, make_dossier, tmp_path, text, cell) -> None:
    folder = tmp_path / "lot"
    write_yaml(make_dossier(intitule=text), "a.yaml", folder)
    target = tmp_path / "copil.xlsx"
    assert cdv("programmation", folder, "--format", "xlsx", "--output", target).code == 0
    ws = _workbook(target.read_bytes())["Dossiers"]
    header = [c.value for c in ws[1]]
    got = ws.cell(row=2, column=header.index("Intitulé") + 1)
    assert (got.value, got.data_type) == (cell, "s")


def test_csv_neutralises_formulas_and_keeps_amounts(cdv, write_yaml, make_dossier, rules_copy, tmp_path) -> None:
    _rename_financeur(rules_copy, "agglo", nom='=HYPERLINK("http://evil.example")', sigle=f"@Agglo{ESC}")
    folder = tmp_path / "lot"
    budget = {"total": 197000, "autres-produits": 1000}
    financements = [
        {"financeur": "etat", "montant": 3000},
        {"financeur": "ville", "montant": 3000},
        {"financeur": "agglo", "montant": 190000},  # more than the Agglo's enveloppe (or its annual AAP's)
    ]
    write_yaml(make_dossier(budget=budget, financements=financements), "a.yaml", folder)
    run = cdv("programmation", folder, "--rules", rules_copy, "--format", "csv")
    assert run.code == 1, run.err
    every = list(csv.DictReader(io.StringIO(run.out.lstrip("\ufeff")), delimiter=";"))
    rows = {r["financeur"]: r for r in every if not r["sous-enveloppe"]}  # the financeurs' rows
    assert rows["agglo"]["nom"] == '\'=HYPERLINK("http://evil.example")'
    negative = [r["solde"] for r in every if r["solde"].startswith("-")]
    assert negative and all(re.fullmatch(r"-\d+,\d\d", s) for s in negative)  # a number: never prefixed
    assert rows["ville"]["nom"] == "Ville de Carcassonne"


def _rename_financeur(rules: Path, code: str, nom: str, sigle: str) -> None:
    path = rules / "contrat.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["financeurs"][code]["nom"] = nom
    data["financeurs"][code]["sigle"] = sigle
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------- 6. values are never rich markup


@pytest.mark.parametrize("value", ["[/]", "[old]", "[bold red]x[/bold red]", "x\\"])
def test_usage_errors_show_values_as_they_are(cdv, value: str) -> None:
    run = cdv("check", f"--inconnue{value}")
    assert run.code == 2
    assert f"--inconnue{value}" in run.err


def test_usage_error_with_an_escape_sequence_in_an_option(cdv, tmp_path: Path) -> None:
    run = cdv("check", tmp_path, "--format", f"x{ESC}[2J[/]")
    assert run.code == 2
    _no_raw_control(run.err)
    assert "x\\x1b[2J[/]" in run.err


def test_paths_in_messages_keep_their_brackets(cdv, tmp_path: Path) -> None:
    run = cdv("check", tmp_path / "[old]" / "[/]x.yaml")
    assert run.code == 2
    assert "[old]" in run.err and "[/]x.yaml" in run.err


# rich also turns emoji codes into emoji (``:b:`` → 🅱, ``:smile:`` → 😄): never in a user value.
EMOJI_CODES = ("CDV-2025-a:b:c", ":smile:", ":thumbs_up:")


def _no_emoji(text: str) -> None:
    for emoji in ("\U0001f171", "\U0001f604", "\U0001f44d"):
        assert emoji not in text, text


def test_ids_and_texts_with_emoji_codes_are_shown_as_they_are(cdv, write_yaml, make_dossier, tmp_path) -> None:
    folder = tmp_path / ":smile:"
    write_yaml(make_dossier(id="CDV-2025-a:b:c"), "a.yaml", folder)  # an id refused: quoted in the message
    write_yaml(make_dossier(id="CDV-2025-002", intitule=":thumbs_up: action"), "b.yaml", folder)
    for run in (cdv("check", folder), cdv("check", folder, "--problemes-seulement")):
        _no_emoji(run.out + run.err)
        assert "CDV-2025-a:b:c" in run.out
        assert f"{folder}{os.sep}a.yaml" in run.out  # the folder :smile: as it is


def test_programmation_text_shows_emoji_codes_as_they_are(cdv, write_yaml, make_dossier, tmp_path) -> None:
    folder = tmp_path / ":smile:"
    write_yaml(make_dossier(id="CDV-2025-a:b:c"), "a.yaml", folder)
    write_yaml(make_dossier(id="CDV-2025-002", intitule=":thumbs_up: action"), "b.yaml", folder)
    run = cdv("programmation", folder, "--exercice", "2025")
    _no_emoji(run.out + run.err)
    assert "CDV-2025-a:b:c" in run.out


def test_messages_on_stderr_keep_emoji_codes(cdv, tmp_path: Path) -> None:
    run = cdv("check", tmp_path / ":smile:" / "a:b:c.yaml")
    assert run.code == 2
    _no_emoji(run.err)
    assert f":smile:{os.sep}a:b:c.yaml" in run.err


def test_every_rich_console_reads_no_emoji_code() -> None:
    """The root of the fix: each ``Console(...)`` of the package is built with ``emoji=False``."""
    import ast

    import cdv_prog

    found = 0
    for source in Path(cdv_prog.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in {"Console", "_Messages"}:
                continue
            found += 1
            keywords = {k.arg: k.value for k in node.keywords}
            value = keywords.get("emoji")
            assert isinstance(value, ast.Constant) and value.value is False, f"{source}:{node.lineno}"
    assert found >= 4


# --------------------------------------------------------------------------- 7. a standard output that is not UTF-8


def _main_on(encoding: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, bytes]:
    """``main(args)`` with a standard output in ``encoding`` (a Windows redirection, PYTHONIOENCODING)."""
    from cdv_prog.cli.app import main

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="", write_through=True)
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    stream.flush()
    return code, raw.getvalue()


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_text_falls_back_to_what_the_encoding_shows(encoding, hostile, monkeypatch, capsys) -> None:
    code, out = _main_on(encoding, ["check", str(hostile)], monkeypatch)
    assert code == 1, capsys.readouterr().err
    text = out.decode(encoding)
    assert "x CDV-TEST-002" not in text  # the id of an invalide dossier has the ⚠ mark
    assert "! CDV-TEST-002" in text and "v CDV-TEST-001" in text  # ✔ → v, ⚠ → !
    assert ("éligible" if encoding == "cp1252" else "eligible") in text
    assert "c\\xfe.yaml" in text


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_json_is_utf8_whatever_the_encoding(encoding, hostile, monkeypatch) -> None:
    code, out = _main_on(encoding, ["check", str(hostile), "--format", "json"], monkeypatch)
    assert code == 1
    doc = json.loads(out.decode("utf-8"))  # JSON is UTF-8 (RFC 8259), with no stand-in character
    messages = [c["message"] for d in doc["dossiers"] for c in d["constats"]]
    assert any("≥" in m or "€" in m for m in messages)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_programmation_text_and_schema_on_a_narrow_output(encoding, hostile, monkeypatch) -> None:
    code, out = _main_on(encoding, ["programmation", str(hostile)], monkeypatch)
    assert code == 1
    assert "Programmation de l" in out.decode(encoding)
    code, out = _main_on(encoding, ["schema", "dossier"], monkeypatch)
    assert code == 0
    assert "é" in json.dumps(json.loads(out.decode("utf-8")), ensure_ascii=False)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "utf-8"])
def test_real_process_with_pythonioencoding(encoding: str, hostile: Path) -> None:
    """The console script itself (a safety net: the in-process tests above are the detailed ones)."""
    env = dict(os.environ, PYTHONIOENCODING=f"{encoding}:strict", PYDANTIC_DISABLE_PLUGINS="__all__")
    env.pop("CDV_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "cdv_prog", "check", str(hostile)], capture_output=True, env=env, timeout=120
    )
    assert proc.returncode == 1, proc.stderr.decode(encoding, "replace")
    assert b"Traceback" not in proc.stderr and b"Erreur interne" not in proc.stderr
    text = proc.stdout.decode(encoding)
    assert "c\\xfe.yaml" in text
    assert ESC not in text


# --------------------------------------------------------------------------- 14. echoed values are bounded


def test_a_huge_id_is_not_echoed_whole(cdv, write_yaml, make_dossier, tmp_path: Path) -> None:
    write_yaml(make_dossier(id="A!" * 50_000), "a.yaml", tmp_path)
    run = cdv("check", tmp_path)
    assert run.code == 1
    assert len(run.out) < 2_000
    assert "A!" * (LIMIT // 2) + "…" in run.out


@pytest.mark.parametrize("value", ["-" + "9" * 100_000, "1." + "1" * 100_000, "x" * 100_000])
def test_amount_errors_quote_a_bounded_value(value: str) -> None:
    with pytest.raises(AmountError) as exc:
        parse_amount(value)
    assert len(str(exc.value)) < LIMIT + 200
    assert "…" in str(exc.value)


@pytest.mark.parametrize(
    ("fragment", "where"),
    [
        ({"porteur": {"nom": "x", "type": "t" * 100_000}}, "porteur.type"),  # a value not allowed
        ({"k" * 2_000: 1}, "k"),  # an unknown key
        ({"financements": [{"financeur": "x" * 100_000, "montant": 1}]}, "financements"),
        ({"financements": [{"financeur": "etat", "montant": "-" + "1" * 100_000}]}, "financements"),
    ],
)
def test_messages_quote_bounded_values(cdv, write_yaml, make_dossier, tmp_path, fragment, where) -> None:
    write_yaml(make_dossier(fragment), "a.yaml", tmp_path)
    run = cdv("check", tmp_path, "--format", "json")
    erreurs = run.json()["dossiers"][0]["erreurs"]
    assert erreurs and any(e["champ"].startswith(where) for e in erreurs), erreurs
    assert all(len(e["message"]) < LIMIT + 300 for e in erreurs), [len(e["message"]) for e in erreurs]


@pytest.mark.parametrize("size", [LIMIT, LIMIT + 1])
def test_bound_of_an_echoed_tag_both_sides(write_yaml, tmp_path: Path, regles, size: int) -> None:
    from cdv_prog.files.dossiers import check_file

    path = write_yaml(f"id: !{'t' * (size - 1)} x\n", "a.yaml")
    (err,) = check_file(path, regles).erreurs
    assert ("…" in err.message) == (size > LIMIT)


def test_option_values_are_bounded(cdv) -> None:
    run = cdv("check", "--inconnue" + "x" * 100_000)
    assert run.code == 2
    assert len(run.err) < 2_000


# --------------------------------------------------------------------------- 27. rules named by their title


@pytest.fixture
def titled_rules(write_rules: Callable[..., Path]) -> Path:
    """Two failing bloquant rules: one with a titre, one without."""
    return write_rules(
        {
            "plancher-haut": {
                "type": "montant-minimum",
                "titre": "Plancher de 10 000 € par financeur",
                "gravite": "bloquant",
                "source": "test",
                "minimum": 10000,
            },
            "plancher-sans-titre": {
                "type": "montant-minimum",
                "gravite": "bloquant",
                "source": "test",
                "minimum": 20000,
            },
        },
        enveloppes=True,
    )


def test_check_text_names_rules_by_title(cdv, titled_rules: Path, write_yaml, make_dossier, tmp_path) -> None:
    write_yaml(make_dossier(), "a.yaml", tmp_path / "lot")
    run = cdv("check", tmp_path / "lot", "--rules", titled_rules)
    assert run.code == 1, run.err
    assert "✘ Plancher de 10 000 € par financeur (plancher-haut) : " in run.out
    assert "✘ plancher-sans-titre : " in run.out  # no title: the id alone
    ids = {
        c["regle"]
        for c in cdv("check", tmp_path / "lot", "--rules", titled_rules, "-f", "json").json()["dossiers"][0]["constats"]
    }
    assert ids == {"plancher-haut", "plancher-sans-titre"}  # JSON keeps the ids


def test_programmation_reports_name_rules_by_title(cdv, titled_rules, write_yaml, make_dossier, tmp_path) -> None:
    folder = tmp_path / "lot"
    write_yaml(make_dossier(), "a.yaml", folder)
    text = cdv("programmation", folder, "--rules", titled_rules).out
    assert "- Plancher de 10 000 € par financeur (plancher-haut) : " in text
    assert "- plancher-sans-titre : " in text
    page = cdv("programmation", folder, "--rules", titled_rules, "--format", "html").out
    assert '<strong>Plancher de 10 000 € par financeur</strong> <small class="id">plancher-haut</small>' in page
    assert "<strong>plancher-sans-titre</strong>" in page
    assert "Enveloppes des financeurs respectées" not in page  # no programmation rule in these rules
    target = tmp_path / "copil.xlsx"
    cdv("programmation", folder, "--rules", titled_rules, "--format", "xlsx", "--output", target)
    ws = _workbook(target.read_bytes())["Dossiers"]
    header = [c.value for c in ws[1]]
    motifs = ws.cell(row=2, column=header.index("Motifs") + 1).value
    assert motifs.startswith("Plancher de 10 000 € par financeur (plancher-haut) : ")
    assert "\nplancher-sans-titre : " in motifs
    doc = cdv("programmation", folder, "--rules", titled_rules, "--format", "json").json()
    assert doc["ecartes"][0]["motifs"][0].startswith("plancher-haut : ")  # JSON unchanged


def test_programmation_rules_sheet_has_title_and_id(cdv, write_yaml, make_dossier, tmp_path, regles) -> None:
    folder = tmp_path / "lot"
    write_yaml(make_dossier(), "a.yaml", folder)
    target = tmp_path / "copil.xlsx"
    cdv("programmation", folder, "--format", "xlsx", "--output", target)
    ws = _workbook(target.read_bytes())["Constats"]
    assert [c.value for c in ws[1]][:2] == ["Règle", "Identifiant"]
    for row in ws.iter_rows(min_row=2):
        regle = regles.programmation[row[1].value]
        assert row[0].value == (regle.titre or regle.id)


# --------------------------------------------------------------------------- the rules workflow and standard error


def test_rules_errors_on_stderr_show_control_characters(cdv, rules_copy: Path, write_yaml, make_dossier) -> None:
    path = rules_copy / "regles.yaml"
    path.write_text(path.read_text(encoding="utf-8") + '\n"\\e[2J[/]": 1\n', encoding="utf-8")  # a YAML escape
    folder = write_yaml(make_dossier(), "a.yaml").parent
    run = cdv("check", folder, "--rules", rules_copy)
    assert run.code == 2
    _no_raw_control(run.err)
    assert "\\x1b[2J[/]" in run.err


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_tester_and_junit_show_control_characters(cdv, rules_copy: Path, tmp_path: Path, fmt: str) -> None:
    case = {
        "base": {"id": "T", "exercice": 2025},
        "cas": [{"nom": f"cas {ESC}[2J{RLO} piégé", "attendu": {"verdict": "eligible"}}],
    }
    (rules_copy / "tests" / "piege.yaml").write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    junit = tmp_path / "junit.xml"
    run = cdv("regles", "tester", rules_copy, "--format", fmt, "--junit", junit, "--filtre", "piégé")
    assert run.code == 1, run.err
    _no_raw_control(run.out)
    assert "cas \\x1b[2J\\u202e piégé" in run.out
    import xml.etree.ElementTree as ET

    names = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")]  # well-formed XML
    assert names == ["cas \\x1b[2J\\u202e piégé"]
