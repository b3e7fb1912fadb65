"""The incremental cache of ``cdv check`` (``files/cache.py``): the same output, cache cold or warm.

A report is reused only when the file's content, the rules, the history digest and the tool are
all unchanged; a corrupt, truncated or foreign cache is ignored and rebuilt; a cache that cannot
be written is not an error.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

import cdv_prog
from cdv_prog.files import cache as cache_module
from cdv_prog.files import dossiers as dossiers_module
from cdv_prog.files.cache import (
    FILE_NAME,
    ReportCache,
    decode_registre,
    decode_rendu,
    decode_report,
    encode_registre,
    encode_rendu,
    encode_report,
    spec_for,
)
from cdv_prog.files.dossiers import check_file, discover

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "data" / "dossiers"
FORMATS = ("json", "text", "github", "sarif")


@pytest.fixture
def lot(tmp_path: Path) -> Path:
    """A copy of the example dossiers, plus an invalid file and a duplicate id."""
    dest = tmp_path / "lot"
    shutil.copytree(EXAMPLES, dest)
    (dest / "2025" / "zz-invalide.yaml").write_text("id: CDV-X\nexercice: deux\n", encoding="utf-8")
    copy = (dest / "2025" / "CDV-2025-014.yaml").read_text(encoding="utf-8") + "# copie\n"
    (dest / "2025" / "zz-doublon.yaml").write_text(copy, encoding="utf-8")  # the same id, another content
    return dest


@pytest.fixture
def cache_folder() -> Path:
    """This test's own cache folder (set for every test by the root conftest)."""
    return Path(os.environ["CDV_CACHE_DIR"])


def _counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[Path]:
    """The paths ``module.name(path, regles, …)`` is called with from now on, in this process."""
    seen: list[Path] = []
    real = getattr(module, name)

    def counting(path, regles, *args, **kw):
        seen.append(path)
        return real(path, regles, *args, **kw)

    monkeypatch.setattr(module, name, counting)
    return seen


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the engine really checks (not read back from the cache), in this process: each file
    read is judged (or said invalide) once, by ``_juge``, whether checked alone or in a group."""
    seen: list[Path] = []
    real = dossiers_module._juge

    def counting(result, path, *args, **kw):
        seen.append(Path(path))
        return real(result, path, *args, **kw)

    monkeypatch.setattr(dossiers_module, "_juge", counting)
    return seen


def _runs(cdv, lot: Path, fmt: str, *extra: str) -> tuple[str, str, str]:
    args = ("check", lot, "--format", fmt, *extra)
    cold = cdv(*args)
    warm = cdv(*args)
    bare = cdv(*args, "--sans-cache")
    assert cold.code == warm.code == bare.code == 1
    return cold.out, warm.out, bare.out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cold_warm_and_without_cache_are_byte_identical(cdv, lot: Path, fmt: str, jobs: str) -> None:
    cold, warm, bare = _runs(cdv, lot, fmt, "--jobs", jobs)
    assert cold == warm == bare
    assert "CDV-2025-014" in cold


def test_jobs_1_and_2_share_the_cache(cdv, lot: Path) -> None:
    one = cdv("check", lot, "--format", "json", "--jobs", "1")
    two = cdv("check", lot, "--format", "json", "--jobs", "2")  # warm, read by the workers
    assert one.out == two.out == cdv("check", lot, "--format", "json", "--sans-cache").out


def test_a_warm_run_checks_nothing_again(cdv, lot: Path, checks: list[Path]) -> None:
    cdv("check", lot, "--jobs", "1")
    n = len(discover([lot]))
    assert len(checks) == n
    cdv("check", lot, "--jobs", "1")
    assert len(checks) == n  # every report read back
    target = lot / "2025" / "CDV-2025-014.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "# modifié\n", encoding="utf-8")
    cdv("check", lot, "--jobs", "1")
    assert checks[n:] == [target]  # only the changed file
    cdv("check", lot, "--jobs", "1", "--sans-cache")
    assert len(checks) == 2 * n + 1


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files handed to ``--jobs`` workers, in this (parent) process (sent as their paths' text)."""
    from cdv_prog.files import parallel

    seen: list[Path] = []
    real = parallel._Pool.submit

    def counting(self, task, chunk):
        seen.extend(map(Path, chunk))
        return real(self, task, chunk)

    monkeypatch.setattr(parallel._Pool, "submit", counting)
    return seen


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_jobs_only_what_the_cache_does_not_know_goes_to_the_workers(
    cdv, lot: Path, submitted: list[Path], fmt: str
) -> None:
    args = ("check", lot, "--format", fmt, "--jobs", "2")
    cold = cdv(*args)
    n = len(submitted)
    assert n == len(discover([lot]))  # cold: every file checked by a worker
    assert cdv(*args).out == cold.out
    assert len(submitted) == n  # warm: every written report read back in the parent, no worker started
    target = lot / "2025" / "CDV-2025-014.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "# modifié\n", encoding="utf-8")
    changed = cdv(*args)
    assert submitted[n:] == [target]  # only the changed file, in its place in the output
    assert changed.out == cdv(*args, "--sans-cache").out


def test_a_written_report_depends_on_its_format_and_width(
    cdv, lot: Path, checks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The written text is kept per format and per what the text depends on (here the width): another
    format or width checks the files again, once; each is then read back, and the same as without cache."""
    n = len(discover([lot]))
    json_out = cdv("check", lot, "--format", "json", "--jobs", "1").out
    assert len(checks) == n
    outs = {}
    for rang, columns in enumerate(("100", "200"), start=2):
        monkeypatch.setenv("COLUMNS", columns)
        outs[columns] = cdv("check", lot, "--format", "text", "--jobs", "1").out
        assert len(checks) == rang * n
    assert outs["100"] != outs["200"]
    for columns in ("100", "200"):
        monkeypatch.setenv("COLUMNS", columns)
        assert cdv("check", lot, "--format", "text", "--jobs", "1").out == outs[columns]
        assert cdv("check", lot, "--format", "text", "--sans-cache").out == outs[columns]
    assert json_out == cdv("check", lot, "--format", "json", "--jobs", "1").out
    assert len(checks) == 3 * n + 2 * n  # the warm runs checked nothing, the two --sans-cache everything


@pytest.mark.parametrize(
    "value",
    [b"", b"\x00\x00\x00", b"\x00\x00\x10\x00[]", b"\x00\x00\x00\x02[]", b"\x00\x00\x00\x04[1]x"],
)
def test_unsound_written_reports_are_refused(value: bytes) -> None:
    assert decode_rendu(value, "x.yaml") is None


@pytest.mark.parametrize("taille", [cache_module.MAX_TEXTE + 1, 2**40, 5, -1, "16"])
def test_a_written_report_never_inflates_beyond_what_it_says(taille: object) -> None:
    """The text's size is read from the head and bounded before anything is decompressed: a lying or
    hostile size is refused, never allocated."""
    import json

    import lz4.block

    head = json.dumps(["eligible", "X", 2025, None, 0, False, None, True, taille]).encode()
    value = len(head).to_bytes(4, "big") + head + lz4.block.compress(b"x" * 1000, store_size=False)
    assert decode_rendu(value, "x.yaml") is None


def test_the_written_form_gives_the_same_text_and_figures(regles) -> None:
    from cdv_prog.core.report import Encodeur

    encodeur = Encodeur("test", lambda report: f"« {report.id} » {report.verdict}")
    for path in discover([EXAMPLES]):
        encoded = encodeur(check_file(path, regles))
        back = decode_rendu(encode_rendu(encoded), encoded.fichier)
        assert back is not None
        fields = ("fichier", "verdict", "id", "exercice", "montants", "reserves", "par_derogation", "ligne_id", "texte")
        assert [getattr(back, f) for f in fields] == [getattr(encoded, f) for f in fields], path


def test_one_file_is_not_cached(cdv, lot: Path, cache_folder: Path) -> None:
    cdv("check", lot / "2025" / "CDV-2025-014.yaml")
    assert not (cache_folder / FILE_NAME).exists()
    cdv("check", lot)
    assert (cache_folder / FILE_NAME).exists()


def test_a_rules_change_is_seen(cdv, lot: Path, rules_copy: Path, checks: list[Path]) -> None:
    args = ("check", lot, "--format", "json", "--jobs", "1", "--rules", rules_copy)
    before = cdv(*args)
    path = rules_copy / "regles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["regles"]["plancher-financeur"]["minimum"] = 3000
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    n = len(checks)
    after = cdv(*args)
    assert len(checks) == 2 * n  # nothing reused
    assert after.out != before.out
    assert after.out == cdv(*args, "--sans-cache").out


def test_a_version_change_is_seen(cdv, lot: Path, monkeypatch, checks: list[Path]) -> None:
    args = ("check", lot, "--format", "json", "--jobs", "1")
    cdv(*args)
    n = len(checks)
    monkeypatch.setattr(cdv_prog, "__version__", "99.0.0")
    after = cdv(*args)
    assert len(checks) == 2 * n
    assert '"version": "99.0.0"' in after.out
    cdv(*args)
    assert len(checks) == 2 * n  # warm again, for this version
    assert after.out == cdv(*args, "--sans-cache").out


def test_a_history_digest_is_part_of_the_key(regles, lot: Path, cache_folder: Path) -> None:
    assert spec_for(regles).contexte == spec_for(regles, b"").contexte == spec_for(regles, "").contexte
    assert spec_for(regles, b"h1").contexte != spec_for(regles, b"h2").contexte != spec_for(regles).contexte
    files = discover([lot])
    first = ReportCache(spec_for(regles, b"h1"))
    list(first.check_files(files, regles))
    again = ReportCache(spec_for(regles, b"h1"))
    list(again.check_files(files, regles))
    assert (again.hits, again.misses) == (len(files), 0)
    other = ReportCache(spec_for(regles, b"h2"))
    list(other.check_files(files, regles))
    assert other.hits == 0


def test_same_content_under_another_name_is_reused_with_its_own_name(regles, tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b" / "x.yaml"
    b.parent.mkdir()
    shutil.copy(EXAMPLES / "2025" / "CDV-2025-014.yaml", a)
    shutil.copy(a, b)
    rc = ReportCache(spec_for(regles))
    ra, rb = rc.check_file(a, regles), rc.check_file(b, regles)
    rc.close()
    assert (rc.hits, rc.misses) == (1, 1)
    assert ra.fichier == str(a) and rb.fichier == str(b)


def test_the_compact_form_gives_the_same_report(regles) -> None:
    for path in [*discover([EXAMPLES]), *discover([REPO / "tests" / "fixtures"])]:
        report = check_file(path, regles)
        back = decode_report(encode_report(report, regles), report.fichier, regles)
        report.dossier = None
        assert back == report, path


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"not json",
        b"[]",
        b'["eligible"]',
        b'["peut-etre", null, null, [], [], null, [], []]',
        b'["eligible", 3, null, [], [], null, [], []]',
        b'["eligible", null, null, [["r", "bloquant", "inconnu", "m", "s"]], [], null, [], []]',
        b'["eligible", null, null, [["regle-inconnue", "ok", "m"]], [], null, [], []]',
        b'["eligible", null, null, [], [], [[["etat", null, "NaN", "1", null, "specifique"]], false], [], []]',
        b'["eligible", null, null, [], [], [[["etat", null, "1", "1", null, "autre"]], false], [], []]',
        b'["eligible", null, null, [], [], [[["etat", null, "1", "1", null, "specifique"]], 0], [], []]',
        b'["eligible", null, null, [], [], null, ["2"], [["id"]]]',
        b'["eligible", null, null, [], [], null, [2], [[{"a": 1}]]]',
        b'["eligible", null, null, [], [], null, [2, 3], [["id"]]]',
        b'["eligible", null, null, [], [["champ", "2", "m"]], null, [], []]',
        b'["eligible", null, 2025.0, [], [], null, [], []]',
        b"\xff\xfe",
    ],
)
def test_unsound_values_are_refused(value: bytes, regles) -> None:
    import zlib

    assert decode_report(zlib.compress(value), "x.yaml", regles) is None
    assert decode_report(value, "x.yaml", regles) is None  # not even compressed


def _entries(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / FILE_NAME, isolation_level=None)


def _damage(db: sqlite3.Connection, table: str, damage: str) -> None:
    if damage == "truncated":
        db.execute(f"UPDATE {table} SET valeur = substr(valeur, 1, length(valeur) / 2)")
    elif damage == "appended":
        db.execute(f"UPDATE {table} SET valeur = valeur || x'00'")
    elif damage == "swapped":  # a sound value, but another dossier's: the keyed digest says so
        db.execute(f"UPDATE {table} SET valeur = (SELECT valeur FROM {table} AS e WHERE e.cle != {table}.cle LIMIT 1)")
    else:
        db.execute(f"UPDATE {table} SET controle = zeroblob(16)")


@pytest.mark.parametrize("damage", ["truncated", "appended", "swapped", "digest"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cdv, lot: Path, cache_folder: Path, checks, damage: str) -> None:
    args = ("check", lot, "--format", "json", "--jobs", "1")
    first = cdv(*args)
    n = len(checks)
    db = _entries(cache_folder)
    for table in ("entrees", "rendus"):  # the reports, and the reports as written
        _damage(db, table, damage)
    db.close()
    again = cdv(*args)
    assert again.out == first.out
    rebuilt = len(checks) - n
    # every damaged entry checked again (a swap may give one entry its own value back)…
    assert rebuilt == n or (damage == "swapped" and rebuilt >= n - 1)
    cdv(*args)
    assert len(checks) == n + rebuilt  # …and stored again


@pytest.mark.parametrize("content", [b"", b"garbage, not a database" * 100, "foreign-sqlite"])
def test_a_foreign_or_corrupt_cache_file_is_replaced(cdv, lot: Path, cache_folder: Path, content) -> None:
    path = cache_folder / FILE_NAME
    if content == "foreign-sqlite":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE entrees (x)")
        db.commit()
        db.close()
    else:
        path.write_bytes(content)
    args = ("check", lot, "--format", "json", "--jobs", "1")
    run = cdv(*args)
    assert run.code == 1 and "Traceback" not in run.err
    assert run.out == cdv(*args, "--sans-cache").out
    db = _entries(cache_folder)
    assert db.execute("SELECT valeur FROM meta WHERE cle = 'format'").fetchone() == (cache_module.FORMAT,)
    assert db.execute("SELECT count(*) FROM rendus").fetchone()[0] > 0
    db.close()


def test_a_cache_that_cannot_be_created_is_not_an_error(cdv, lot: Path, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "un-fichier"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("CDV_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    for jobs in ("1", "2"):
        run = cdv("check", lot, "--format", "json", "--jobs", jobs)
        assert run.code == 1
        assert "cache" not in run.err.lower()
        assert run.out == cdv("check", lot, "--format", "json", "--sans-cache").out


def test_a_read_only_cache_is_read_not_written(regles, lot: Path, cache_folder: Path, monkeypatch) -> None:
    files = discover([lot])
    list(ReportCache(spec_for(regles)).check_files(files[:10], regles))

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refused)  # as on a read-only disk
    before = (cache_folder / FILE_NAME).read_bytes()
    rc = ReportCache(spec_for(regles))
    reports = list(rc.check_files(files, regles))
    assert (rc.hits, rc.misses) == (10, len(files) - 10)
    assert [r.fichier for r in reports] == [str(p) for p in files]
    assert (cache_folder / FILE_NAME).read_bytes() == before


def test_cache_commands(cdv, lot: Path, cache_folder: Path) -> None:
    assert cdv("cache", "chemin").out.strip() == str(cache_folder)
    cdv("check", lot)
    assert (cache_folder / FILE_NAME).exists()
    run = cdv("cache", "vider")
    assert run.code == 0 and "Cache vidé" in run.err
    assert not list(cache_folder.iterdir())
    again = cdv("cache", "vider")
    assert again.code == 0 and "déjà vide" in again.err


def test_default_location_is_the_user_cache(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CDV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_module.cache_dir() == tmp_path / "xdg" / "cdv"
    monkeypatch.setenv("XDG_CACHE_HOME", "relatif")  # not absolute: ignored, as the XDG spec says
    assert cache_module.cache_dir() == Path.home() / ".cache" / "cdv"


def test_a_cache_locked_by_another_run_is_left_alone(regles, lot: Path, cache_folder: Path, monkeypatch) -> None:
    files = discover([lot])
    monkeypatch.setattr(cache_module, "LOCK_TIMEOUT", 0.05)
    path = cache_folder / FILE_NAME
    other = sqlite3.connect(path, isolation_level=None)  # another run, creating the cache right now
    other.execute("BEGIN EXCLUSIVE")
    other.execute("CREATE TABLE en_cours (x)")
    try:
        rc = ReportCache(spec_for(regles))
        reports = list(rc.check_files(files, regles))
        assert [r.fichier for r in reports] == [str(p) for p in files]
        assert rc.hits == 0
        assert path.exists()  # not removed under the other run's feet
        other.execute("COMMIT")
        assert other.execute("SELECT name FROM sqlite_master").fetchall() == [("en_cours",)]
    finally:
        other.close()


def test_a_history_change_rechecks_the_later_exercices_only(cdv, lot: Path, checks: list[Path]) -> None:
    args = ("check", lot, "--format", "json", "--jobs", "1")
    cdv(*args)
    n = len(checks)
    target = lot / "2024" / "CDV-2024-008.yaml"
    text = target.read_text(encoding="utf-8")
    assert "    montant: 16000\n" in text
    target.write_text(text.replace("    montant: 16000\n", "    montant: 15000\n", 1), encoding="utf-8")
    after = cdv(*args)
    rechecked = {p.parent.name for p in checks[n:]}
    assert target in checks[n:]  # its own content changed
    assert rechecked == {"2024", "2025", "2026"}  # and the later exercices' history with it
    assert not any(p.parent.name == "2024" and p != target for p in checks[n:])  # not the others of 2024
    assert after.out == cdv(*args, "--sans-cache").out


# --------------------------------------------------------------------------- the history's records


@pytest.fixture
def lus(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The history files really read (not read back from the cache), in this process."""
    from cdv_prog.files import historique

    return _counted(monkeypatch, historique, "lire")


def test_a_warm_run_reads_no_history_file_again(cdv, lot: Path, lus: list[Path]) -> None:
    args = ("check", lot, "--format", "json", "--jobs", "1")
    cold = cdv(*args)
    n = len(lus)
    assert n > 0  # the earlier exercices, read as history
    assert cdv(*args).out == cold.out
    invalide = lot / "2025" / "zz-invalide.yaml"
    assert lus[n:] == [invalide]  # every record read back; an invalid file is read again (it says why)
    target = sorted((lot / "2024").glob("*.yaml"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "# modifié\n", encoding="utf-8")
    changed = cdv(*args)
    assert lus[n + 1 :] == [target, invalide]  # only the changed file read again…
    assert changed.out == cdv(*args, "--sans-cache").out  # …and the same output as without the cache


def test_the_record_form_gives_the_same_record(regles) -> None:
    from cdv_prog.files.historique import lire

    records = [r for p in discover([EXAMPLES]) if not isinstance(r := lire(p, regles), cache_module.DossierReport)]
    assert any(r.annees_cpo for r in records) and any(r.bilan_envoye_le for r in records)
    for record in records:
        assert decode_registre(encode_registre(record), record.fichier) == record


@pytest.mark.parametrize(
    "value",
    [b"", b"[]", b"not json", b'["X", "2025", "t", ["n", null, null], [], null, null, [], [], null, null, false, null]',
     b'["X", 2025, "t", ["n", null, null], [], null, null, [["etat", "NaN"]], [], null, null, false, null]',
     b'["X", 2025, "t", ["n", null, null], [], null, null, [], [], "2025-13-01", null, false, null]',
     b'["X", 2025, "t", ["n", null, null], [], null, ["2025"], [], [], null, null, false, null]'],
)  # fmt: skip
def test_unsound_records_are_refused(value: bytes) -> None:
    assert decode_registre(value, "x.yaml") is None


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_warm_run_reads_an_unchanged_file_once(
    cdv, lot: Path, monkeypatch: pytest.MonkeyPatch, checks: list[Path], jobs: str
) -> None:
    """The quick look's digest finds a report without reading the file a second time; a file changed
    since its report was kept is read again (its new bytes) and checked."""
    args = ("check", lot, "--format", "json", "--jobs", jobs)
    cold = cdv(*args)
    reads: list[str] = []
    real = cache_module.read_bytes

    def counting(path, *a, **kw):
        reads.append(str(path))
        return real(path, *a, **kw)

    monkeypatch.setattr(cache_module, "read_bytes", counting)
    checked = len(checks)
    warm = cdv(*args)
    assert warm.out == cold.out
    assert reads == [] and len(checks) == checked  # every report and record found from the digest alone
    target = lot / "2025" / "CDV-2025-014.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "# modifié\n", encoding="utf-8")
    reads.clear()
    changed = cdv(*args)
    # only the changed file is read again: for its report, and for its history record (the lot has a
    # later exercice), each kept under the key of its bytes as they are now
    assert set(reads) == {str(target)} and len(reads) <= 2
    assert changed.out == cdv(*args, "--sans-cache").out


def test_a_digest_is_used_only_for_a_file_read_in_full(tmp_path: Path) -> None:
    from cdv_prog.files import historique

    small = tmp_path / "petit.yaml"
    small.write_bytes(b"id: A\nexercice: 2025\n")
    big = tmp_path / "grand.yaml"
    big.write_bytes(b"id: B\nexercice: 2025\n" + b"# " + b"x" * historique.LOOK_BYTES + b"\n")
    empreintes: dict[str, bytes] = {}
    assert historique.exercice_annonce(small, empreintes) == historique.exercice_annonce(big, empreintes) == 2025
    import hashlib

    assert empreintes == {str(small): hashlib.sha256(small.read_bytes()).digest()}
