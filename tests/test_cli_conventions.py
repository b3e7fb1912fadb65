"""Command line conventions, the same in every command.

* ``-o/--output FICHIER`` is the report file everywhere; without ``--format``,
  its extension chooses the format, and a ``--format`` it contradicts is
  refused (one extension table: ``render.registry.EXTENSIONS``);
* a group called without its command shows its help and exits 2 (as click does);
* help screens and usage errors are French, down to click's and typer's own words;
* shell completion is available (``--install-completion``, ``--show-completion``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.cli.app import command
from cdv_prog.files.output import write_output
from cdv_prog.render.registry import CHECK, EXTENSIONS, PROGRAMMATION, FormatIncompatible, output_format

# Words of typer's and click's English interface: none may reach a user.
ENGLISH = (
    "Usage",
    "Options:",
    "Arguments:",
    "Commands",
    "COMMAND ",
    "[ARGS]",
    "Show this message",
    "default",
    "required",
    "Missing",
    "Possible",
    "Try ",
    "Error",
    "Invalid value",
    "Got unexpected",
    "No such",
    "Did you mean",
    "env var",
    "dynamic",
    "Aborted",
    "Input should",
    "Choose from",
    "is not",
    "does not",
    "requires",
    "completion for the",
    "<path>",
    "<int",
    "list[",
)


def _english(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


def _command_paths() -> Iterator[list[str]]:
    """Every command and sub-command of ``cdv``, as the words that call it ([] for ``cdv`` itself)."""

    def walk(cmd: Any, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return walk(command(), [])


COMMAND_PATHS = list(_command_paths())
REPO = Path(__file__).resolve().parent.parent
REPORT_FILE = Path("data") / "dossiers" / "2025"  # the shipped examples of 2025


# --------------------------------------------------------------------------- French help and errors


def test_the_command_tree_is_walked() -> None:
    names = {" ".join(p) for p in COMMAND_PATHS}
    assert {"", "check", "programmation", "regles", "regles doc", "schema", "importer"} <= names


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(p) or "cdv" for p in COMMAND_PATHS])
def test_help_is_french(cdv, path: list[str]) -> None:
    run = cdv(*path, "--help")
    assert run.code == 0, run.err
    assert run.out.startswith(f"Utilisation : {' '.join(['cdv', *path])} ")
    assert "Affiche cette aide et s'arrête." in run.out
    assert "Options :" in run.out
    assert not _english(run.out), _english(run.out)


# A usage error of each kind click and typer raise, and the French words that must say it.
USAGE_ERRORS = [
    (["check", "--nope"], "option inconnue : --nope"),
    (["check", "--rule", "rules"], "option inconnue : --rule (vouliez-vous dire "),
    (["check", "-e"], "l'option -e attend une valeur"),
    (["check", "--format"], "l'option --format attend une valeur"),
    (
        ["check", "--exercice", "deux-mille"],
        "--exercice/-e : valeur « deux-mille » invalide, doit être un nombre entier",
    ),
    (["check", "--jobs", "0"], "--jobs/-j : valeur « 0 » invalide, doit être ≥ 1"),
    (["programmation", "--jobs", "-1"], "--jobs/-j : valeur « -1 » invalide, doit être ≥ 1"),
    (["schema"], "argument manquant : SCHÉMA (valeurs possibles : dossier, regles, rapport)"),
    (["schema", "dossiers"], "SCHÉMA : valeur « dossiers » inconnue ; valeurs possibles : dossier, regles, rapport"),
    (["schema", "dossier", "en", "trop"], "arguments en trop : en trop"),
    (["schema", "dossier", "de-trop"], "argument en trop : de-trop"),
    (
        ["importer", "--disposition", "colonnes"],
        "--disposition : valeur « colonnes » inconnue ; valeurs possibles : auto, par-action, par-financement",
    ),
    (["regles", "diff", "rules"], "argument manquant : NOUVELLES"),
    (["nope"], "commande inconnue « nope »"),
    (["chek"], "commande inconnue « chek » (vouliez-vous dire « check » ?)"),
    (["regles", "tetser"], "commande inconnue « tetser » (vouliez-vous dire « tester » ?)"),
    (["--version=oui"], "l'option --version ne prend pas de valeur"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_are_french(cdv, args: list[str], message: str) -> None:
    run = cdv(*args)
    assert run.code == 2
    assert run.out == ""
    assert f"Erreur d'utilisation : {message}" in run.err
    assert "Utilisation : cdv" in run.err
    assert not _english(run.err), _english(run.err)


def test_a_usage_error_points_to_the_help_of_its_command(cdv) -> None:
    assert "Aide : cdv regles diff --help" in cdv("regles", "diff", "--nope").err
    assert "Aide : cdv check --help" in cdv("check", "-j").err


@pytest.mark.parametrize(("jobs", "code"), [("0", 2), ("1", 1)])
def test_jobs_boundary(cdv, jobs: str, code: int) -> None:
    run = cdv("check", "data/dossiers", "--jobs", jobs)  # the examples hold inéligible dossiers: 1
    assert run.code == code, run.err


def test_a_hostile_value_is_bounded_and_escaped_in_the_message(cdv) -> None:
    run = cdv("check", "--jobs", "9" * 5000 + "x\x1b[2J")
    assert run.code == 2
    assert "\x1b" not in run.err
    assert len(run.err) < 2000
    run = cdv("[bold]x" * 1000)
    assert run.code == 2 and "commande inconnue « [bold]x" in run.err and len(run.err) < 2000


# --------------------------------------------------------------------------- a group without its command


@pytest.mark.parametrize("group", [[], ["regles"]], ids=["cdv", "cdv regles"])
def test_a_group_alone_shows_its_help_and_exits_2(cdv, group: list[str]) -> None:
    run = cdv(*group)
    assert run.code == 2
    assert run.out == ""  # the help is not a payload here: standard error
    assert run.err.startswith(f"Utilisation : {' '.join(['cdv', *group])} [OPTIONS] COMMANDE [ARGUMENTS]...")
    assert "Commandes :" in run.err
    assert "Erreur d'utilisation : commande manquante" in run.err
    assert "Usage" not in run.err and "\\n" not in run.err


@pytest.mark.parametrize("group", [[], ["regles"]], ids=["cdv", "cdv regles"])
def test_a_group_asked_for_help_shows_it_on_stdout_and_exits_0(cdv, group: list[str]) -> None:
    run = cdv(*group, "--help")
    assert run.code == 0 and run.err == ""
    assert "Commandes :" in run.out


# --------------------------------------------------------------------------- shell completion


def test_completion_options_are_offered_in_french(cdv) -> None:
    run = cdv("--help")
    assert "--install-completion" in run.out and "--show-completion" in run.out
    assert "Installe la complétion" in run.out and "Affiche le script de complétion" in run.out


@pytest.fixture
def no_shell_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completion options take the shell's name (typer's switch for tests), nothing is detected."""
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")


@pytest.mark.usefixtures("no_shell_detection")
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_script(cdv, shell: str) -> None:
    run = cdv("--show-completion", shell)
    assert run.code == 0, run.err
    assert "_CDV_COMPLETE" in run.out


@pytest.mark.usefixtures("no_shell_detection")
def test_an_unknown_shell_is_refused_in_french(cdv) -> None:
    run = cdv("--show-completion", "tcsh")
    assert run.code == 2
    assert "valeur « tcsh » inconnue ; valeurs possibles : bash, zsh, fish" in run.err
    assert not _english(run.err)


@pytest.mark.usefixtures("no_shell_detection")
def test_install_completion_writes_the_script_and_says_so_in_french(
    cdv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    run = cdv("--install-completion", "bash")
    assert run.code == 0, run.err
    assert "Complétion bash installée dans" in run.out and "nouveau terminal" in run.out
    assert "_CDV_COMPLETE" in (tmp_path / ".bash_completions" / "cdv.sh").read_text(encoding="utf-8")


@pytest.mark.parametrize(("words", "expected"), [("cdv re", "regles"), ("cdv regles d", "diff\ndoc")])
def test_completion_completes_commands(cdv, monkeypatch: pytest.MonkeyPatch, words: str, expected: str) -> None:
    monkeypatch.setenv("_CDV_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - 1))
    run = cdv()
    assert run.code == 0
    assert run.out.strip() == expected


# --------------------------------------------------------------------------- -o/--output: one meaning


def _options() -> Iterator[tuple[str, Any]]:
    def walk(cmd: Any, path: str) -> Iterator[tuple[str, Any]]:
        for param in cmd.params:
            if param.param_type_name == "option":
                yield path, param
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    return walk(command(), "cdv")


def test_o_is_the_report_file_in_every_command() -> None:
    with_o = {path for path, p in _options() if "-o" in p.opts}
    reports = {"check", "programmation", "regles verifier", "regles tester", "regles diff", "regles doc", "schema"}
    reports |= {"regles couverture", "arbitrage", "suivi"}
    assert with_o == {f"cdv {name}" for name in reports}
    for path, param in _options():
        if "-o" in param.opts or "--output" in param.opts:
            assert param.opts == ["--output", "-o"] or sorted(param.opts) == ["--output", "-o"], path
            assert param.metavar == "FICHIER", path


def test_the_importer_target_folder_is_d(cdv) -> None:
    vers = next(p for path, p in _options() if path == "cdv importer" and "--vers" in p.opts)
    assert sorted(vers.opts) == ["--vers", "-d"]
    assert "Dossier de destination" in (vers.help or "")
    run = cdv("importer", "programmation.csv", "-e", "2025", "-o", "ailleurs")
    assert run.code == 2 and "option inconnue : -o" in run.err


def test_check_writes_its_report_with_o(cdv, tmp_path: Path) -> None:
    stdout = cdv("check", REPORT_FILE, "--format", "json")
    target = tmp_path / "verification.json"
    written = cdv("check", REPORT_FILE, "-o", target)  # .json: the JSON format, no --format needed
    assert written.code == stdout.code == 1
    assert written.out == ""
    assert f"Rapport écrit : {target}" in written.err
    assert target.read_text(encoding="utf-8") == stdout.out  # the same report, byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["verification.json"]  # no temporary file left


@pytest.mark.parametrize(
    "args",
    [["check", REPORT_FILE, "-f", "json"], ["programmation", REPORT_FILE, "-f", "json"], ["schema", "regles"]],
    ids=["check", "programmation", "schema"],
)
def test_o_dash_is_standard_output(cdv, args: list[str]) -> None:
    plain = cdv(*args)
    dash = cdv(*args, "-o", "-")
    assert dash.code == plain.code and dash.out == plain.out
    assert "écrit" not in dash.err and not (REPO / "-").exists()


def test_check_text_report_in_a_file_has_no_terminal_codes(cdv, tmp_path: Path) -> None:
    target = tmp_path / "verification.txt"
    assert cdv("check", REPORT_FILE, "-o", target).code == 1
    text = target.read_text(encoding="utf-8")
    assert "CDV-2025-001" in text and "\x1b" not in text


# --------------------------------------------------------------------------- the format from the extension


def _kind(data: bytes) -> str:
    """What a report file holds, from its bytes."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(__import__("io").BytesIO(data)) as book:
            assert "xl/workbook.xml" in book.namelist()
        return "xlsx"
    text = data.decode("utf-8")
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        return "html"
    if text.lstrip().startswith(("{", "[")):
        json.loads(text)
        return "json"
    if text.startswith("::") or "\n::" in text:
        return "github"
    if text.count(";") > 3 and "\n" in text and text.splitlines()[0].count(";") > 2:
        return "csv"
    return "text"


PROGRAMMATION_CASES = [
    ("copil.xlsx", [], "xlsx"),
    ("copil.XLSX", [], "xlsx"),
    ("copil.html", [], "html"),
    ("copil.htm", [], "html"),
    ("copil.json", [], "json"),
    ("copil.csv", [], "csv"),
    ("copil.txt", [], "text"),
    ("copil.md", [], "text"),
    ("copil", [], "text"),
    ("copil.xlsx", ["--format", "xlsx"], "xlsx"),
    ("copil.bin", ["--format", "xlsx"], "xlsx"),  # an unknown extension: --format decides
]


@pytest.mark.parametrize(("name", "options", "kind"), PROGRAMMATION_CASES)
def test_programmation_writes_the_format_its_extension_names(
    cdv, tmp_path: Path, name: str, options: list[str], kind: str
) -> None:
    target = tmp_path / name
    run = cdv("programmation", REPORT_FILE, "--exercice", "2025", "-o", target, *options)
    assert run.code in (0, 1), run.err
    assert _kind(target.read_bytes()) == kind
    assert "Note :" not in run.err


@pytest.mark.parametrize(
    ("name", "fmt"), [("copil.xlsx", "text"), ("copil.json", "csv"), ("copil.txt", "json"), ("copil.html", "xlsx")]
)
def test_programmation_refuses_a_format_its_extension_contradicts(cdv, tmp_path: Path, name: str, fmt: str) -> None:
    run = cdv("programmation", REPORT_FILE, "--exercice", "2025", "-o", tmp_path / name, "--format", fmt)
    assert run.code == 2
    assert f"--format {fmt} contredit l'extension" in run.err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_extension_gets_the_default_format_with_a_notice(cdv, tmp_path: Path) -> None:
    target = tmp_path / "copil.rapport"
    run = cdv("programmation", REPORT_FILE, "--exercice", "2025", "-o", target)
    assert run.code in (0, 1), run.err
    assert _kind(target.read_bytes()) == "text"
    assert "Note : extension .rapport inconnue" in run.err


@pytest.mark.parametrize("name", ["copil.ods", "copil.xls", "copil.pdf"])
def test_an_extension_of_a_format_cdv_does_not_write_is_refused(cdv, tmp_path: Path, name: str) -> None:
    run = cdv("programmation", REPORT_FILE, "--exercice", "2025", "-o", tmp_path / name)
    assert run.code == 2 and "que cette commande n'écrit pas" in run.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "options", "kind"),
    [
        ("verification.json", [], "json"),
        ("verification.txt", [], "text"),
        ("verification", [], "text"),
        ("annotations.txt", ["--format", "github"], "github"),  # annotations are lines of text
        ("verification.json", ["--format", "json"], "json"),
    ],
)
def test_check_writes_the_format_its_extension_names(
    cdv, tmp_path: Path, name: str, options: list[str], kind: str
) -> None:
    target = tmp_path / name
    assert cdv("check", REPORT_FILE, "-o", target, *options).code == 1
    assert _kind(target.read_bytes()) == kind


@pytest.mark.parametrize(("name", "options"), [("res.xlsx", []), ("res.html", []), ("res.txt", ["-f", "json"])])
def test_check_refuses_what_it_cannot_write_there(cdv, tmp_path: Path, name: str, options: list[str]) -> None:
    run = cdv("check", REPORT_FILE, "-o", tmp_path / name, *options)
    assert run.code == 2 and run.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "code", "start"), [("ref.md", 0, "#"), ("ref.HTML", 0, "<!"), ("ref.json", 2, "")])
def test_regles_doc_format_from_extension(cdv, tmp_path: Path, name: str, code: int, start: str) -> None:
    run = cdv("regles", "doc", "rules", "-o", tmp_path / name)
    assert run.code == code, run.err
    if code == 0:
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)
        assert f"Documentation écrite : {tmp_path / name}" in run.err
    else:
        assert "que cette commande n'écrit pas" in run.err and not (tmp_path / name).exists()


@pytest.mark.parametrize(("name", "code"), [("schema.json", 0), ("schema", 0), ("schema.html", 2), ("schema.csv", 2)])
def test_schema_output_extension(cdv, tmp_path: Path, name: str, code: int) -> None:
    run = cdv("schema", "regles", "-o", tmp_path / name)
    assert run.code == code, run.err
    if code == 0:
        json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert "Schéma écrit" in run.err
    else:
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("args", "name", "code", "kind"),
    [
        (["regles", "verifier", "rules"], "verification.json", 0, "json"),
        (["regles", "verifier", "rules"], "verification.txt", 0, "text"),
        (["regles", "tester", "rules"], "cas.txt", 0, "text"),
        (["regles", "tester", "rules"], "cas.json", 2, ""),  # the cases have no JSON format
        (["regles", "diff", "rules", "rules"], "changements.json", 0, "json"),
        (["regles", "diff", "rules", "rules"], "changements.xlsx", 2, ""),
    ],
)
def test_the_rules_workflow_writes_its_reports_with_o(
    cdv, tmp_path: Path, args: list[str], name: str, code: int, kind: str
) -> None:
    stdout = cdv(*args, "--format", kind) if kind else None
    run = cdv(*args, "-o", tmp_path / name)
    assert run.code == code, run.err
    if code == 0:
        assert run.out == "" and f"Rapport écrit : {tmp_path / name}" in run.err
        assert _kind((tmp_path / name).read_bytes()) == kind
        assert stdout is not None and (tmp_path / name).read_text(encoding="utf-8") == stdout.out
    else:
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize(("name", "code"), [("junit.xml", 0), ("junit", 0), ("junit.html", 2), ("junit.json", 2)])
def test_junit_output_extension(cdv, tmp_path: Path, name: str, code: int) -> None:
    run = cdv("regles", "tester", "rules", "--junit", tmp_path / name)
    assert run.code == code, run.err
    if code == 0:
        assert (tmp_path / name).read_text(encoding="utf-8").startswith("<?xml")
    else:
        assert run.out == "" and not (tmp_path / name).exists()  # refused before the cases are run


@pytest.mark.parametrize(
    ("formats", "chosen", "name", "expected"),
    [
        (PROGRAMMATION, None, None, "text"),
        (PROGRAMMATION, "csv", None, "csv"),
        (PROGRAMMATION, None, "a.xlsx", "xlsx"),
        (PROGRAMMATION, None, "a.Html", "html"),
        (PROGRAMMATION, None, "a", "text"),
        (PROGRAMMATION, None, "/dev/null", "text"),
        (PROGRAMMATION, "json", "a.json", "json"),
        (PROGRAMMATION, "json", "a.unknown", "json"),
        (CHECK, None, "a.md", "text"),
        (CHECK, "github", "a.txt", "github"),
        (("markdown", "html"), None, "a.txt", "markdown"),
        (("markdown", "html"), None, "a.htm", "html"),
    ],
)
def test_output_format(formats: Any, chosen: str | None, name: str | None, expected: str) -> None:
    found, notice = output_format(formats, chosen, Path(name) if name else None)
    assert found == expected
    assert notice is None


@pytest.mark.parametrize(
    ("formats", "chosen", "name"),
    [
        (PROGRAMMATION, "text", "a.xlsx"),
        (PROGRAMMATION, "xlsx", "a.txt"),
        (PROGRAMMATION, "json", "a.csv"),
        (PROGRAMMATION, None, "a.ods"),
        (CHECK, None, "a.csv"),
        (CHECK, "github", "a.json"),
        (("json",), None, "a.txt"),
    ],
)
def test_output_format_refusals(formats: Any, chosen: str | None, name: str) -> None:
    with pytest.raises(FormatIncompatible):
        output_format(formats, chosen, Path(name))


def test_every_extension_names_a_format_or_is_refused_by_all() -> None:
    written = {("text" if f in ("text", "github", "markdown") else f) for reg in (CHECK, PROGRAMMATION) for f in reg}
    for extension, kind in EXTENSIONS.items():
        assert extension == extension.lower() and extension.startswith(".")
        if kind not in written:
            continue
        for registry in (CHECK, PROGRAMMATION):  # a command that writes the format chooses it, another refuses it
            if kind in {("text" if f in ("text", "github", "markdown") else f) for f in registry}:
                assert output_format(registry, None, Path(f"a{extension}"))[0] in registry
            else:
                with pytest.raises(FormatIncompatible):
                    output_format(registry, None, Path(f"a{extension}"))


# --------------------------------------------------------------------------- streaming, atomically


def test_a_streamed_report_goes_to_the_temporary_file_chunk_by_chunk(tmp_path: Path) -> None:
    target = tmp_path / "rapport.txt"
    target.write_text("ancien\n", encoding="utf-8")
    seen: list[int] = []

    def chunks() -> Iterator[str]:
        for i in range(3):
            temps = list(tmp_path.glob(".rapport.txt.*.tmp"))
            seen.append(temps[0].stat().st_size if temps else -1)
            yield f"{i}" * 100_000 + "\n"  # more than a write buffer: each chunk reaches the file

    write_output(target, chunks())
    assert target.read_text(encoding="utf-8").splitlines() == ["0" * 100_000, "1" * 100_000, "2" * 100_000]
    assert seen[0] == 0 and seen[-1] > 0  # written while the report was being produced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.txt"]


def test_a_report_failing_midway_leaves_the_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "rapport.txt"
    target.write_text("ancien\n", encoding="utf-8")

    def chunks() -> Iterator[bytes]:
        yield b"debut\n"
        raise RuntimeError("panne")

    with pytest.raises(RuntimeError):
        write_output(target, chunks())
    assert target.read_text(encoding="utf-8") == "ancien\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.txt"]


def test_a_refused_target_does_not_start_the_report(tmp_path: Path) -> None:
    target = tmp_path / "notes.yaml"
    target.write_text("a: 1\n", encoding="utf-8")
    started: list[bool] = []

    def chunks() -> Iterator[str]:
        started.append(True)
        yield "x"

    with pytest.raises(Exception, match="YAML"):
        write_output(target, chunks())
    assert not started
