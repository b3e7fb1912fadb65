"""What a batch tells the person running it: nothing skipped in silence, every exit code explained.

* a folder that cannot be searched (permission, vanished, path too long) is
  reported in every format with its French reason, and the exit code is 1;
* a path that cannot even be examined (a name longer than the system allows,
  access refused) is an ``invalide`` report or such an error, never a traceback;
* an exit code of 1 is always explained in the text output (an enveloppe
  exceeded is named, even for one dossier);
* nothing to check (an empty folder, an exercice without dossier) is exit 2,
  saying what was searched;
* the rule set used is named on standard error, with its fingerprint;
* ``--problemes-seulement``, ``-q`` and the progress bar of long batches.

Folders are made unreadable by simulation (the tests may run as root, whom
``chmod 000`` does not stop): ``os.scandir`` refuses them, as the system would.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdv_prog.cli import common
from cdv_prog.core.report import WalkError
from cdv_prog.files.dossiers import UnreadablePath, discover

NAME_MAX = 255  # bytes in one file name (Linux, most file systems)


RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# An éligible dossier of 2025 (two principal financeurs, a balanced budget, a QPV); Ville: 3 000 €.
ACTION = {"defi": "grandir", "quartiers": ["grazailles"], "debut": "2025-01-01", "fin": "2025-12-31"}
BASE = {
    "exercice": 2025,
    "intitule": "Action de test",
    "porteur": {"nom": "Association de test", "type": "association"},
    "action": ACTION,
    "budget": {"total": 7000, "autres-produits": 1000},
    "financements": [{"financeur": "etat", "montant": 3000}, {"financeur": "ville", "montant": 3000}],
    "pieces": ["attestation-prefecture", "liste-bureau", "rib"],
}


def dossier_text(ident: str, **keys: Any) -> str:
    """The base dossier with id ``ident`` and the given top-level keys replaced, as YAML."""
    return yaml.safe_dump({"id": ident, **BASE, **keys}, allow_unicode=True, sort_keys=False)


@pytest.fixture
def lot(tmp_path: Path) -> Path:
    """``lot/a.yaml`` (éligible) and ``lot/sub/b.yaml`` (éligible): two dossiers, one in a sub-folder."""
    root = tmp_path / "lot"
    (root / "sub").mkdir(parents=True)
    (root / "a.yaml").write_text(dossier_text("CDV-A"), encoding="utf-8")
    (root / "sub" / "b.yaml").write_text(dossier_text("CDV-B"), encoding="utf-8")
    return root


@pytest.fixture
def refuse(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``refuse(folder, err=errno.EACCES)``: listing that folder fails as the system would say."""

    def install(folder: Path, err: int = errno.EACCES) -> None:
        real = os.scandir

        def scandir(path: Any = ".") -> Any:
            if os.path.abspath(os.fspath(path)) == os.path.abspath(os.fspath(folder)):
                raise OSError(err, os.strerror(err), os.fspath(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)

    return install


# --------------------------------------------------------------------------- 3. folders not searched


def test_discover_notes_an_unreadable_folder_and_goes_on(lot: Path, refuse) -> None:
    refuse(lot / "sub")
    errors: list[WalkError] = []
    assert discover([lot], errors) == [lot / "a.yaml"]
    assert errors == [
        WalkError(str(lot / "sub"), "répertoire non parcouru (permission refusée) : ses dossiers ne sont pas vérifiés")
    ]


def test_discover_without_a_list_never_skips_silently(lot: Path, refuse) -> None:
    assert discover([lot]) == [lot / "a.yaml", lot / "sub" / "b.yaml"]  # nothing refused: as before
    refuse(lot / "sub")
    with pytest.raises(UnreadablePath, match="permission refusée"):
        discover([lot])


def test_a_vanished_folder_is_reported(lot: Path, refuse) -> None:
    refuse(lot / "sub", errno.ENOENT)
    errors: list[WalkError] = []
    discover([lot], errors)
    assert [e.chemin for e in errors] == [str(lot / "sub")]
    assert "disparu pendant la recherche" in errors[0].message


@pytest.mark.skipif(os.mkdir not in os.supports_dir_fd, reason="needs mkdir relative to a folder descriptor")
def test_a_folder_too_deep_for_the_system_is_reported(tmp_path: Path) -> None:
    """A real path longer than PATH_MAX: the walk cannot list the deepest folder, and says so."""
    root = tmp_path / "profond"
    root.mkdir()
    (root / "a.yaml").write_text(dossier_text("CDV-HAUT"), encoding="utf-8")
    name = "d" * 200
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(4200 // len(name)):  # made through descriptors: no single long path is ever given
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("bas.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w", encoding="utf-8") as fh:
            fh.write(dossier_text("CDV-BAS"))
    finally:
        os.close(fd)
    errors: list[WalkError] = []
    files = discover([root], errors)
    assert files == [root / "a.yaml"]
    assert len(errors) == 1 and "nom de fichier trop long" in errors[0].message
    assert len(os.fsencode(errors[0].chemin)) >= os.pathconf(root, "PC_PATH_MAX") - len(name) - 1


def test_check_text_names_the_folder_and_exits_1(lot: Path, refuse, cdv) -> None:
    fine = cdv("check", "lot", cwd=lot.parent)
    assert fine.code == 0 and "non parcouru" not in fine.out
    refuse(lot / "sub")
    run = cdv("check", "lot", cwd=lot.parent)
    assert run.code == 1, run.out + run.err
    assert "⚠ lot/sub : répertoire non parcouru (permission refusée)" in run.out
    assert "1 chemin(s) non parcouru(s)" in run.out
    assert "Résumé : 1 dossier(s), 1 éligible(s)" in run.out


def test_check_json_lists_the_folders_not_searched(lot: Path, refuse, cdv) -> None:
    fine = cdv("check", "lot", "-f", "json", cwd=lot.parent).json()
    head = ["format", "version", "empreinte"]  # docs/rapport.md
    assert list(fine) == [*head, "dossiers", "resume", "totaux"]  # the key appears only when needed
    refuse(lot / "sub")
    run = cdv("check", "lot", "-f", "json", cwd=lot.parent)
    assert run.code == 1
    doc = run.json()
    assert list(doc) == [*head, "dossiers", "resume", "erreurs-lecture", "totaux"]
    jsonschema = pytest.importorskip("jsonschema")  # still a valid cdv.rapport/2 (docs/rapport.md)
    schema = json.loads((Path(__file__).parent.parent / "schemas" / "rapport.schema.json").read_text(encoding="utf-8"))
    assert jsonschema.Draft202012Validator(schema).is_valid(doc)
    assert doc["resume"]["total"] == 1  # a folder is not a dossier: the counts keep their meaning
    assert doc["erreurs-lecture"] == [
        {
            "chemin": "lot/sub",
            "message": "répertoire non parcouru (permission refusée) : ses dossiers ne sont pas vérifiés",
        }
    ]


def test_check_github_annotates_the_folder(lot: Path, refuse, cdv) -> None:
    fine = cdv("check", "lot", "-f", "github", cwd=lot.parent)
    assert fine.code == 0 and fine.out == ""
    refuse(lot / "sub")
    run = cdv("check", "lot", "-f", "github", cwd=lot.parent)
    assert run.code == 1
    assert run.lines == [
        "::error title=erreur de lecture::lot/sub : répertoire non parcouru (permission refusée) "
        ": ses dossiers ne sont pas vérifiés"
    ]
    assert "1 chemin(s) non parcouru(s)" in run.err


def test_check_jobs_2_reports_the_folder_the_same(lot: Path, refuse, cdv) -> None:
    refuse(lot / "sub")
    one = cdv("check", "lot", "-f", "json", "-j", "1", cwd=lot.parent)
    two = cdv("check", "lot", "-f", "json", "-j", "2", cwd=lot.parent)
    assert one.code == two.code == 1 and one.out == two.out


def test_programmation_reports_the_folder_and_exits_1(lot: Path, refuse, cdv) -> None:
    fine = cdv("programmation", "lot", "-f", "json", cwd=lot.parent)
    assert fine.code == 0 and "non parcouru" not in fine.err
    refuse(lot / "sub")
    run = cdv("programmation", "lot", "-f", "json", cwd=lot.parent)
    assert run.code == 1
    assert "Erreur de lecture : lot/sub : répertoire non parcouru (permission refusée)" in run.err
    assert run.json()["dossiers"]["total"] == 1


def test_regles_diff_reports_the_folder(lot: Path, refuse, cdv) -> None:
    refuse(lot / "sub")
    run = cdv("regles", "diff", RULES_DIR, RULES_DIR, "lot", cwd=lot.parent)
    assert run.code == 0  # docs/rapports.md: diff always exits 0
    assert "lot/sub : répertoire non parcouru (permission refusée)" in run.err


# --------------------------------------------------------------------------- 5. paths that cannot be examined


def test_a_file_name_too_long_is_an_invalid_dossier(tmp_path: Path, cdv) -> None:
    longest = "a" * (NAME_MAX - len(".yaml")) + ".yaml"
    (tmp_path / longest).write_text(dossier_text("CDV-LONG"), encoding="utf-8")
    fine = cdv("check", longest, "-f", "json", cwd=tmp_path)  # 255 bytes: an ordinary file
    assert fine.code == 0 and fine.json()["dossiers"][0]["verdict"] == "eligible"
    too_long = "a" + longest  # 256 bytes: the system refuses the name
    run = cdv("check", too_long, "-f", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    (report,) = run.json()["dossiers"]
    assert report["verdict"] == "invalide" and report["fichier"] == too_long
    assert report["erreurs"] == [
        {"champ": "", "ligne": None, "message": "fichier illisible : nom de fichier trop long"}
    ]


def test_a_folder_name_too_long_is_a_reading_error(tmp_path: Path, cdv) -> None:
    run = cdv("check", "b" * (NAME_MAX + 1), "-f", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    doc = run.json()
    assert doc["dossiers"] == []
    assert doc["erreurs-lecture"] == [
        {
            "chemin": "b" * (NAME_MAX + 1),
            "message": "chemin illisible (nom de fichier trop long) : rien n'y a été vérifié",
        }
    ]


def test_a_path_refused_by_the_system_is_an_invalid_dossier(
    tmp_path: Path, cdv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stat`` and ``open`` refused (a parent folder without search permission): reported, never a traceback."""
    (tmp_path / "secret.yaml").write_text(dossier_text("CDV-SECRET"), encoding="utf-8")

    def refuse(real: Any) -> Any:
        def call(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, (str, Path)) and os.fspath(path).endswith("secret.yaml"):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", refuse(os.stat))
    monkeypatch.setattr(os, "open", refuse(os.open))
    run = cdv("check", "secret.yaml", "-f", "json", cwd=tmp_path)
    assert run.code == 1
    assert run.json()["dossiers"][0]["erreurs"][0]["message"] == "fichier illisible : permission refusée"


def test_missing_paths_are_still_usage_errors(tmp_path: Path, cdv) -> None:
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    for missing in ("absent.yaml", "fichier/dedans.yaml"):  # ENOENT, ENOTDIR
        run = cdv("check", missing, cwd=tmp_path)
        assert run.code == 2 and f"chemin introuvable : {missing}" in run.err


# --------------------------------------------------------------------------- 16. exit code 1 always explained


@pytest.fixture
def enveloppe_ville(tmp_path: Path) -> Callable[[str], Path]:
    """``enveloppe_ville("2999.99")``: a copy of the rules with that enveloppe for the Ville."""

    def make(amount: str) -> Path:
        dest = tmp_path / f"regles-{amount}"
        shutil.copytree(RULES_DIR, dest)
        (dest / "enveloppes.yaml").write_text(f"enveloppes:\n  ville: {{2024: {amount}}}\n", encoding="utf-8")
        return dest

    return make


def test_one_dossier_over_the_enveloppe_is_named(tmp_path: Path, enveloppe_ville, cdv) -> None:
    (tmp_path / "d.yaml").write_text(dossier_text("CDV-SEUL"), encoding="utf-8")  # Ville: 3 000 €
    at = cdv("check", "d.yaml", "-r", enveloppe_ville("3000"), cwd=tmp_path)  # exactly the enveloppe
    assert at.code == 0 and "Enveloppe dépassée" not in at.out
    over = cdv("check", "d.yaml", "-r", enveloppe_ville("2999.99"), cwd=tmp_path)
    assert over.code == 1
    assert "Résumé : 1 dossier(s), 1 éligible(s)" in over.out
    assert (
        "Enveloppe dépassée : Ville, exercice 2025 : 3 000,00 € retenus pour une enveloppe de 2 999,99 € "
        "(dépassement de 0,01 €)" in over.out
    )


def test_the_enveloppe_exceeded_in_github_and_quiet(tmp_path: Path, enveloppe_ville, cdv) -> None:
    (tmp_path / "d.yaml").write_text(dossier_text("CDV-SEUL"), encoding="utf-8")
    rules = enveloppe_ville("1000")
    github = cdv("check", "d.yaml", "-r", rules, "-f", "github", cwd=tmp_path)
    assert github.code == 1
    assert [line for line in github.lines if "title=enveloppe dépassée" in line]
    assert "Enveloppe dépassée : Ville" in github.err
    quiet = cdv("check", "d.yaml", "-r", rules, "-q", cwd=tmp_path)
    assert quiet.code == 1 and "Enveloppe dépassée : Ville" in quiet.out


def test_every_exit_code_1_is_explained_in_text(tmp_path: Path, cdv) -> None:
    """A dossier in error: the summary counts it and the dossier is shown, even with -q (counted)."""
    (tmp_path / "bad.yaml").write_text("id: CDV-X\n", encoding="utf-8")
    run = cdv("check", "bad.yaml", cwd=tmp_path)
    assert run.code == 1 and "1 invalide(s)" in run.out and "bad.yaml" in run.out
    quiet = cdv("check", "bad.yaml", "-q", cwd=tmp_path)
    assert quiet.code == 1 and quiet.lines == ["Résumé : 1 dossier(s), 0 éligible(s), 0 inéligible(s), 1 invalide(s)"]


# --------------------------------------------------------------------------- 24. nothing to check


def test_an_empty_folder_is_exit_2_saying_where(tmp_path: Path, cdv) -> None:
    (tmp_path / "vide").mkdir()
    (tmp_path / "vide" / "notes.txt").write_text("pas un dossier", encoding="utf-8")
    for command in ("check", "programmation"):
        run = cdv(command, "vide", cwd=tmp_path)
        assert run.code == 2, (command, run.err)
        assert run.out == ""
        assert "aucun dossier à vérifier : aucun fichier *.yaml ou *.yml trouvé dans vide" in run.err


def test_an_exercice_without_dossier_is_exit_2_saying_what(tmp_path: Path, cdv) -> None:
    (tmp_path / "lot").mkdir()
    (tmp_path / "lot" / "d.yaml").write_text(dossier_text("CDV-2025"), encoding="utf-8")
    for command in ("check", "programmation"):
        found = cdv(command, "lot", "-e", "2025", "-f", "json", cwd=tmp_path)
        assert found.code == 0, (command, found.err)
        run = cdv(command, "lot", "-e", "2024", "-f", "json", cwd=tmp_path)
        assert run.code == 2, (command, run.err)
        assert run.out == ""
        assert "aucun dossier de l'exercice 2024 à vérifier parmi les 1 fichier(s) trouvé(s) dans lot" in run.err


# --------------------------------------------------------------------------- 25. which rules


def _rules_line(err: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith("Règles : ")]
    return line


@pytest.mark.parametrize("command", ["check", "programmation"])
def test_the_rules_used_are_named_on_stderr(tmp_path: Path, cdv, regles, command: str) -> None:
    (tmp_path / "d.yaml").write_text(dossier_text("CDV-R"), encoding="utf-8")
    digest = regles.empreinte[:12]
    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    shipped = cdv(command, "d.yaml", "-f", "json", cwd=tmp_path)
    assert _rules_line(shipped.err) == f"Règles : règles livrées avec cdv (empreinte {digest})"
    json.loads(shipped.out)  # the payload alone on stdout
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    local = cdv(command, "d.yaml", "-f", "json", cwd=tmp_path)  # ./rules picked up silently before
    assert _rules_line(local.err) == f"Règles : rules (empreinte {digest})"
    given = cdv(command, "d.yaml", "-f", "json", "--rules", tmp_path / "rules", cwd=tmp_path)
    assert _rules_line(given.err) == f"Règles : {tmp_path / 'rules'} (empreinte {digest})"


# --------------------------------------------------------------------------- 26. only the problems


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Four dossiers: éligible, éligible with a réserve, inéligible, invalide."""
    root = tmp_path / "mixte"
    root.mkdir()
    (root / "1-ok.yaml").write_text(dossier_text("CDV-OK"), encoding="utf-8")
    veille = {"action": {**ACTION, "quartiers": ["aiguille-trebes"]}}
    (root / "2-reserve.yaml").write_text(dossier_text("CDV-RESERVE", **veille), encoding="utf-8")
    seul = {"financements": [{"financeur": "etat", "montant": 6000}]}
    (root / "3-ineligible.yaml").write_text(dossier_text("CDV-INELIGIBLE", **seul), encoding="utf-8")
    (root / "4-invalide.yaml").write_text("id: CDV-INVALIDE\n", encoding="utf-8")
    return root


def _summary(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("Résumé : ")]
    return line


def test_problemes_seulement_hides_the_eligibles_without_reserve(mixed: Path, cdv) -> None:
    every = cdv("check", "mixte", cwd=mixed.parent)
    problems = cdv("check", "mixte", "--problemes-seulement", cwd=mixed.parent)
    assert every.code == problems.code == 1
    assert "CDV-OK" in every.out and "CDV-OK" not in problems.out
    for ident in ("CDV-RESERVE", "CDV-INELIGIBLE", "4-invalide.yaml"):
        assert ident in problems.out
    assert _summary(problems.out) == _summary(every.out)
    assert "Totaux de l'exercice 2025" in problems.out  # the totals are part of the summary


def test_quiet_prints_only_the_summary(mixed: Path, cdv) -> None:
    every = cdv("check", "mixte", cwd=mixed.parent)
    quiet = cdv("check", "mixte", "-q", cwd=mixed.parent)
    assert quiet.code == every.code == 1
    assert quiet.lines == [_summary(every.out)]
    assert cdv("check", "mixte", "--quiet", cwd=mixed.parent).out == quiet.out


@pytest.mark.parametrize("option", ["-q", "--problemes-seulement"])
@pytest.mark.parametrize("fmt", ["json", "github"])
def test_text_only_options_are_refused_with_other_formats(mixed: Path, cdv, option: str, fmt: str) -> None:
    run = cdv("check", "mixte", option, "-f", fmt, cwd=mixed.parent)
    assert run.code == 2 and run.out == ""
    assert "ne vaut que pour le format text" in run.err


# --------------------------------------------------------------------------- 26. the progress bar


@pytest.fixture
def terminal() -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    """Two file objects on one pseudo-terminal (Linux, macOS)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    first = open(slave, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - closed below, with the fds
    second = open(os.dup(slave), "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        yield first, second
    finally:
        first.close()
        second.close()
        os.close(slave)
        os.close(master)


def test_the_bar_only_on_a_terminal_the_payload_does_not_share(
    terminal: tuple[io.TextIOWrapper, io.TextIOWrapper], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tty_a, tty_b = terminal
    with open(tmp_path / "sortie", "w", encoding="utf-8") as redirected:
        cases = [
            (tty_a, redirected, True),  # stderr on the terminal, payload to a file: the bar
            (tty_a, tty_b, False),  # both on the same terminal: the bar would tear the payload
            (redirected, tty_b, False),  # stderr redirected: no bar
        ]
        for stderr, stdout, shown in cases:
            monkeypatch.setattr(sys, "stderr", stderr)
            monkeypatch.setattr(sys, "stdout", stdout)
            assert common.stderr_is_own_terminal() is shown


def test_the_bar_is_asked_for_long_batches_only(tmp_path: Path, cdv, monkeypatch: pytest.MonkeyPatch) -> None:
    from cdv_prog.cli import check_run as check

    asked: list[bool] = []

    def spy(items: Any, total: int, shown: bool, label: str) -> Any:
        asked.append(shown)
        return common.progress(items, total, False, label)

    monkeypatch.setattr(check, "progress", spy)
    monkeypatch.setattr(check, "stderr_is_own_terminal", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    root = tmp_path / "lot"
    root.mkdir()
    for i in range(common.PROGRESS_MIN_FILES):
        (root / f"d{i:03}.yaml").write_text(dossier_text(f"CDV-{i:03}"), encoding="utf-8")
    assert cdv("check", "lot", "-j", "1", "-q", cwd=tmp_path).code == 1  # 100 × 3 000 €: Ville's enveloppe exceeded
    (root / "d000.yaml").unlink()
    assert cdv("check", "lot", "-j", "1", "-q", cwd=tmp_path).code == 1
    assert asked == [True, False]  # 100 files: a bar; 99: none
