"""The fast JSON encoding of a dossier report is exactly json.dumps of its to_dict(), each constat with its parametres."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdv_prog.files.dossiers import check_file, discover
from cdv_prog.files.rules import load_rules, packaged_rules_path
from cdv_prog.render.check_json import encode_report, parametres

ROOT = Path(__file__).resolve().parent.parent


def _reference(report, regles) -> str:
    doc = report.to_dict()
    for c in doc["constats"]:
        c["parametres"] = parametres(regles.regles.get(c["regle"]), report.exercice, regles)
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return "\n".join("    " + line if i else line for i, line in enumerate(text.split("\n")))


FILES = discover(
    [ROOT / "data" / "dossiers", ROOT / "tests" / "fixtures" / "invalid", ROOT / "tests" / "fixtures" / "dossiers"]
)


@pytest.fixture(scope="module")
def regles():
    return load_rules(packaged_rules_path())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_same_bytes_as_json_dumps(path: Path, regles) -> None:
    report = check_file(path, regles)
    assert encode_report(report, regles) == _reference(report, regles)


def test_siret_constat_and_control_characters(tmp_path: Path, regles) -> None:
    source = (ROOT / "data" / "dossiers" / "2025" / "CDV-2025-001.yaml").read_text(encoding="utf-8")
    source = source.replace('siret: "30775520700023"', 'siret: "30775520700024"')
    source = source.replace("intitule: ", 'intitule: "Tab\\there \\"quoted\\" é — ' + "\\u2028" + '" #', 1)
    path = tmp_path / "d.yaml"
    path.write_text(source, encoding="utf-8")
    report = check_file(path, regles)
    siret = next(c for c in report.constats if c.regle == "siret-porteur")
    assert siret.statut == "echec" and "Luhn" in siret.message
    assert encode_report(report, regles) == _reference(report, regles)


def test_kinds_of_reports_covered(regles) -> None:
    verdicts = {check_file(p, regles).verdict for p in FILES}
    assert verdicts == {"eligible", "ineligible", "invalide"}


def test_written_bytes_are_the_representable_text_encoded_once() -> None:
    """``octets``: UTF-8 of the text as it is, or of its representable form when it holds a lone surrogate."""
    from cdv_prog.core.texte import representable_json
    from cdv_prog.render.check_json import octets

    plain = '{"intitule": "Été \\u00e9 ✓"}'
    assert octets(plain) == plain.encode("utf-8")
    hostile = '{"fichier": "dossier-\udcff.yaml"}'
    written = octets(hostile)
    assert written == representable_json(hostile).encode("utf-8")
    assert json.loads(written)["fichier"] == "dossier-\\xff.yaml"


def test_the_workers_json_text_is_the_documents(regles) -> None:
    """The JSON encodeur's bytes (a ``--jobs`` worker's, the cache's) are the item the sequential batch writes."""
    from types import SimpleNamespace

    from cdv_prog.core.texte import representable_json
    from cdv_prog.render.check_json import encodeur

    enc = encodeur(SimpleNamespace(regles=regles))  # type: ignore[arg-type]
    assert enc.octets
    for path in FILES[:5]:
        report = check_file(path, regles)
        assert enc(report).texte == representable_json(encode_report(report, regles)).encode("utf-8")
        assert enc.encode(report) == representable_json(encode_report(report, regles))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bytes_are_the_text_encoded(path: Path, regles) -> None:
    from cdv_prog.render.check_json import encode_report_octets, octets

    report = check_file(path, regles)
    for _ in range(3):  # the second time, the constats' bytes are kept; the third, read from there
        assert encode_report_octets(report, regles) == octets(encode_report(report, regles))


def test_a_constats_text_is_kept_the_second_time_it_is_written(regles) -> None:
    """A constat written once (its message holds the dossier's own amounts) is only noted: kept, it would
    crowd out the shared ones. Written a second time, its text and bytes are kept; then read from there."""
    from cdv_prog.render import check_json
    from cdv_prog.render.check_json import encode_report_octets, octets

    report = check_file(FILES[0], regles)
    c = report.constats[0]
    sub = check_json.ITEM_PAD + "    "
    key = (id(c), report.exercice, sub)
    for table in (check_json._constat_octets, check_json._vus_octets, check_json._constat_text, check_json._vus_text):
        table.clear()
    expected = octets(encode_report(report, regles))
    assert encode_report_octets(report, regles) == expected
    octets_kept, octets_vus = (
        check_json._constat_octets[report.exercice, sub],
        check_json._vus_octets[report.exercice, sub],
    )
    assert id(c) not in octets_kept and octets_vus[id(c)] is c  # noted only
    assert key not in check_json._constat_text and check_json._vus_text[key] is c
    assert encode_report_octets(report, regles) == expected
    assert octets_kept[id(c)][0] is c  # kept, with the constat itself
    written = octets_kept[id(c)][2]
    assert written in expected
    assert encode_report_octets(report, regles) == expected  # from the kept bytes


def test_the_constats_kept_and_noted_are_bounded(regles, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from cdv_prog.render import check_json
    from cdv_prog.render.check_json import encode_report_octets, octets

    monkeypatch.setattr(check_json, "_CACHE_LIMIT", 4)
    for table in (check_json._constat_octets, check_json._vus_octets):
        table.clear()
    report = check_file(FILES[0], regles)
    own = [
        replace(report, constats=[replace(c, message=f"{c.message} {i}") for c in report.constats[:2]])
        for i in range(5)
    ]
    key = (report.exercice, check_json.ITEM_PAD + "    ")  # the table of this exercice and indentation
    for r in own:
        for _ in range(2):  # each report's two constats written twice: kept, within the bound
            assert encode_report_octets(r, regles) == octets(encode_report(r, regles))
            assert len(check_json._vus_octets[key]) <= 4 and len(check_json._constat_octets[key]) <= 4
        assert all(check_json._constat_octets[key][id(c)][0] is c for c in r.constats)
    for exercice in range(2020, 2027):  # one table per exercice: as many tables, at most
        autre = replace(report, exercice=exercice)
        assert encode_report_octets(autre, regles) == octets(encode_report(autre, regles))
        assert len(check_json._constat_octets) <= 4 and len(check_json._vus_octets) <= 4


def test_bytes_of_a_report_with_a_lone_surrogate_are_made_representable(regles) -> None:
    from dataclasses import replace

    from cdv_prog.core.findings import Constat
    from cdv_prog.render.check_json import encode_report_octets, octets

    report = check_file(FILES[0], regles)
    hostile = replace(report, fichier="dossier-\udcff.yaml")
    assert encode_report_octets(hostile, regles) == octets(encode_report(hostile, regles))
    assert json.loads(encode_report_octets(hostile, regles))["fichier"] == "dossier-\\xff.yaml"
    bad = Constat("r", "bloquant", "echec", "id « \udcfe »", "source")
    with_bad = replace(report, constats=[*report.constats, bad])
    written = encode_report_octets(with_bad, regles)
    assert written == octets(encode_report(with_bad, regles))
    assert json.loads(written)["constats"][-1]["message"] == "id « \\xfe »"
