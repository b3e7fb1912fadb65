"""The rule set read back from the cache (``files/rules_cache.py``): the same rule set, or none at all.

Reading the rules from the cache changes nothing but the time it takes: the rule set, its
errors and every output are those of the YAML loader, cache cold, warm or broken, and
after a change of the rules.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.core.modeles import regles as modeles_regles
from cdv_prog.core.ruleset import JeuDeRegles, RulesError
from cdv_prog.files import cache as reports_cache
from cdv_prog.files import cache_location, rules_cache
from cdv_prog.files import rules as rules_loader
from rules_text import edit_rule

REPO = Path(__file__).resolve().parent.parent
DOSSIER = Path(__file__).parent / "fixtures" / "dossiers" / "CDV-T-001.yaml"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(REPO / "rules", target, ignore=shutil.ignore_patterns("tests"))
    return target


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache" / rules_cache.FOLDER


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{rules_cache.SUFFIX}")) if folder.is_dir() else []


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading the rules' YAML fails the test: the rule set must come from the cache."""

    def refuse(*_: object) -> JeuDeRegles:
        raise AssertionError("the rules were read from their YAML")

    monkeypatch.setattr(rules_loader, "load_rules", refuse)


def test_the_rule_set_read_back_is_the_loaders(rules: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = rules_loader.load_rules(rules)
    first = rules_cache.load_rules(rules, folder=folder)
    assert first == built
    assert len(_entries(folder)) == 1
    _no_yaml(monkeypatch)
    again = rules_cache.load_rules(rules, folder=folder)
    assert again == built and again is not first
    assert again.empreinte == built.empreinte and again.fichiers == built.fichiers
    assert {r.id: r.kind for r in again.regles.values()} == {r.id: r.kind for r in built.regles.values()}


def test_a_change_of_the_rules_is_seen(rules: Path, folder: Path) -> None:
    before = rules_cache.load_rules(rules, folder=folder)
    edit_rule(rules / "regles.yaml", "plancher-financeur", "minimum: {2024: 500}", "minimum: {2024: 600}")
    after = rules_cache.load_rules(rules, folder=folder)
    assert after == rules_loader.load_rules(rules)
    assert after.empreinte != before.empreinte
    assert after.regles["plancher-financeur"].parametres_bruts != before.regles["plancher-financeur"].parametres_bruts
    assert len(_entries(folder)) == 2


def test_rules_in_error_are_never_cached(rules: Path, folder: Path) -> None:
    edit_rule(rules / "regles.yaml", "plancher-financeur", "type: montant-minimum", "type: montant-minimal")
    with pytest.raises(RulesError) as direct:
        rules_loader.load_rules(rules)
    for _ in range(2):
        with pytest.raises(RulesError) as cached:
            rules_cache.load_rules(rules, folder=folder)
        assert [str(p) for p in cached.value.problems] == [str(p) for p in direct.value.problems]
    assert not _entries(folder)
    missing = rules.parent / "absentes"
    with pytest.raises(RulesError, match="introuvable"):
        rules_cache.load_rules(missing, folder=folder)


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty", "other key"])
def test_a_damaged_or_foreign_entry_is_ignored_and_written_again(
    rules: Path, folder: Path, tmp_path: Path, damage: str
) -> None:
    expected = rules_cache.load_rules(rules, folder=folder)
    (entry,) = _entries(folder)
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        entry.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    elif damage == "garbage":
        entry.write_bytes(b"\x80\x05 not a rule set")
    elif damage == "empty":
        entry.write_bytes(b"")
    else:  # the entry of another rule set, under this one's name
        other = tmp_path / "autres"
        shutil.copytree(rules, other)
        edit_rule(other / "regles.yaml", "plancher-financeur", "minimum: {2024: 500}", "minimum: {2024: 700}")
        rules_cache.load_rules(other, folder=folder)
        (foreign,) = [p for p in _entries(folder) if p != entry]
        entry.write_bytes(foreign.read_bytes())
    assert rules_cache.load_rules(rules, folder=folder) == expected
    assert entry.read_bytes() == data  # rebuilt and written again


def test_an_entry_others_could_write_is_not_read(rules: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules_cache.load_rules(rules, folder=folder)
    (entry,) = _entries(folder)
    entry.chmod(0o666)
    calls = []
    real = rules_loader.load_rules

    def counted(*args: Any) -> JeuDeRegles:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(rules_loader, "load_rules", counted)
    rules_cache.load_rules(rules, folder=folder)
    assert len(calls) == 1  # rebuilt from the YAML
    assert entry.stat().st_mode & 0o077 == 0  # and written again, for its owner only


def test_a_sealed_entry_builds_only_a_rule_set(rules: Path, folder: Path) -> None:
    """A valid seal is not enough: reading back never calls anything but cdv's classes."""
    expected = rules_cache.load_rules(rules, folder=folder)
    (entry,) = _entries(folder)
    found = rules_cache._key(rules, None)
    assert found is not None
    key = found[0]
    for hostile in (
        pickle.dumps((print, ("appelé",))),  # a callable outside the rule set
        pickle.dumps(reports_cache.CacheSpec(Path("x"), b"")),  # a class of cdv's I/O edge, not the engine's
        pickle.dumps([Path("x"), 1]),  # a sound pickle of something else than a rule set
    ):
        entry.write_bytes(rules_cache._MAGIC + key + rules_cache._seal(key, hostile) + hostile)
        assert rules_cache.load_rules(rules, folder=folder) == expected


def test_a_cache_that_cannot_be_written_is_not_an_error(rules: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier", encoding="utf-8")
    assert rules_cache.load_rules(rules, folder=blocker / "regles") == rules_loader.load_rules(rules)


def test_old_entries_are_pruned(rules: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_cache, "KEEP", 2)
    for minimum in (600, 700, 800):
        edit_rule(
            rules / "regles.yaml",
            "plancher-financeur",
            f"minimum: {{2024: {minimum - 100}}}",
            f"minimum: {{2024: {minimum}}}",
        )
        rules_cache.load_rules(rules, folder=folder)
    assert len(_entries(folder)) == 2
    _no_yaml(monkeypatch)
    assert (
        rules_cache.load_rules(rules, folder=folder).regles["plancher-financeur"].parametres_bruts["minimum"].at(2024)
        == 800
    )


def test_clear_removes_the_rule_sets(rules: Path, folder: Path) -> None:
    rules_cache.load_rules(rules, folder=folder)
    removed = rules_cache.clear(folder.parent)
    assert [p.suffix for p in removed] == [rules_cache.SUFFIX]
    assert not folder.exists()
    assert rules_cache.clear(folder.parent) == []


def test_the_same_folder_as_the_reports_cache() -> None:
    """One place says where the caches live: the reports' cache takes it from there."""
    assert reports_cache.cache_dir is cache_location.cache_dir


# --------------------------------------------------------------------------- through the command line


def test_check_is_the_same_cache_cold_warm_and_after_a_change(cdv, rules: Path, tmp_path: Path) -> None:
    dossier = tmp_path / "CDV-T-001.yaml"
    shutil.copy(DOSSIER, dossier)
    cold = cdv("check", dossier, "--format", "json", cwd=tmp_path)
    assert _entries(Path(os.environ["CDV_CACHE_DIR"]) / rules_cache.FOLDER)
    warm = cdv("check", dossier, "--format", "json", cwd=tmp_path)
    text = cdv("check", dossier, cwd=tmp_path)
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert cold.json()["dossiers"][0]["verdict"] == "eligible"
    edit_rule(rules / "regles.yaml", "plancher-financeur", "minimum: {2024: 500}", "minimum: {2024: 900000}")
    changed = cdv("check", dossier, "--format", "json", cwd=tmp_path)
    assert changed.code == 1 and changed.json()["dossiers"][0]["verdict"] == "ineligible"
    shutil.rmtree(Path(os.environ["CDV_CACHE_DIR"]))  # and the same without any cache
    assert cdv("check", dossier, "--format", "json", cwd=tmp_path).out == changed.out
    edit_rule(rules / "regles.yaml", "plancher-financeur", "minimum: {2024: 900000}", "minimum: {2024: 500}")
    assert cdv("check", dossier, cwd=tmp_path).out == text.out


def test_cache_vider_removes_the_rule_sets(cdv, rules: Path, tmp_path: Path) -> None:
    dossier = tmp_path / "CDV-T-001.yaml"
    shutil.copy(DOSSIER, dossier)
    cdv("check", dossier, cwd=tmp_path)
    folder = Path(os.environ["CDV_CACHE_DIR"])
    assert _entries(folder / rules_cache.FOLDER)
    run = cdv("cache", "vider")
    assert run.code == 0 and "Cache vidé" in run.err
    assert not list(folder.iterdir())


@pytest.mark.parametrize(
    "value",
    [
        print,
        os.system,
        reports_cache.CacheSpec(Path("x"), b""),
        rules_loader.load_rules,
        modeles_regles.Perimetre.model_construct(),
    ],
    ids=["builtin", "os", "files-class", "files-function", "pydantic-model"],
)
def test_only_the_engines_classes_are_unpickled(value: object) -> None:
    with pytest.raises(pickle.UnpicklingError):
        rules_cache._Unpickler(pickle.dumps(value)).load()


def test_a_rule_set_unpickles(regles: JeuDeRegles) -> None:
    buffer = io.BytesIO()
    rules_cache._Pickler(buffer).dump(regles)
    assert rules_cache._Unpickler(buffer.getvalue()).load() == regles


def test_the_rule_set_read_back_has_its_parameters_validated_for_the_whole_period(
    rules: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its parameters come back already validated for each exercice of the contract (no validator built at
    start, issue 17): the very parameters the loader's rule set validates when asked."""
    built = rules_loader.load_rules(rules)
    rules_cache.load_rules(rules, folder=folder)
    _no_yaml(monkeypatch)
    again = rules_cache.load_rules(rules, folder=folder)
    premiere, derniere = again.contrat.periode
    periode = list(range(premiere, derniere + 1))
    for regle in (*again.regles.values(), *again.programmation.values()):
        assert sorted(regle._cache) == periode, regle.id
        autre = built.regles.get(regle.id) or built.programmation[regle.id]
        for exercice in periode:
            assert regle._cache[exercice] == autre.parametres(exercice, built), (regle.id, exercice)
    # an exercice outside the period is validated when asked, as before
    regle = next(iter(again.regles.values()))
    assert regle.parametres(derniere + 1, again) == built.regles[regle.id].parametres(derniere + 1, built)


def test_a_rule_set_whose_validated_parameters_would_not_read_back_is_cached_without_them(
    rules: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the validated parameters hold something the cache refuses to read back, the entry is
    written without them (a cache that never reads back would rebuild the rules at every start)."""
    real = rules_cache._Unpickler.find_class

    def refuse_parameters(self: Any, module: str, name: str) -> Any:
        if (module, name) == ("cdv_prog.core.valeurs", "Valeurs"):  # what holds the validated parameters
            raise pickle.UnpicklingError("refused")
        return real(self, module, name)

    monkeypatch.setattr(rules_cache._Unpickler, "find_class", refuse_parameters)
    first = rules_cache.load_rules(rules, folder=folder)
    assert len(_entries(folder)) == 1
    _no_yaml(monkeypatch)
    again = rules_cache.load_rules(rules, folder=folder)
    assert again == first
    assert all(not regle._cache for regle in again.regles.values())
