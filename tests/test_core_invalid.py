"""One broken file per load error: verdict ``invalide``, the field and the line named.

Dossier files live in tests/fixtures/invalid/ (each says in its first line
what is wrong); encodings are written at test time so no editor or git
setting can normalise them. Messages are French, but tests compare the field
(``champ``) and the line (``ligne``), never the wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdv_prog.files.dossiers import check_file, check_files

INVALID = Path(__file__).parent / "fixtures" / "invalid"
VALID = Path(__file__).parent / "fixtures" / "dossiers" / "CDV-T-001.yaml"

# file → (champ, ligne) of the error that must be reported
EXPECTED = {
    "cle-en-double.yaml": ("exercice", 24),
    "cle-en-double-imbriquee.yaml": ("financements[1].montant", 23),
    "cle-inconnue.yaml": ("intitulé", 4),
    "cle-inconnue-imbriquee.yaml": ("porteur.siren", 8),
    "exercice-texte.yaml": ("exercice", 3),
    "montant-texte.yaml": ("financements[0].montant", 20),
    "montant-trois-decimales.yaml": ("financements[0].montant", 20),
    "montant-negatif.yaml": ("financements[1].montant", 22),
    "accorde-negatif.yaml": ("financements[1].accorde", 23),
    "elan-yes.yaml": ("elan", 24),
    "innovante-oui.yaml": ("action.innovante", 14),
    "date-inexistante.yaml": ("action.debut", 12),
    "date-texte.yaml": ("action.fin", 13),
    "fin-avant-debut.yaml": ("action.fin", 13),
    "financeur-inconnu.yaml": ("financements[1].financeur", 21),
    "quartier-inconnu.yaml": ("action.quartiers[1]", 11),
    "quartiers-texte.yaml": ("action.quartiers", 11),
    "objectif-hors-defi.yaml": ("action.objectif", 10),
    "defi-inconnu.yaml": ("action.defi", 9),
    "exercice-hors-periode.yaml": ("exercice", 3),
    "exercice-avant-periode.yaml": ("exercice", 3),
    "porteur-texte.yaml": ("porteur", 5),
    "type-porteur-inconnu.yaml": ("porteur.type", 7),
    "budget-nul.yaml": ("budget.total", 15),
    "intitule-manquant.yaml": ("intitule", None),  # a missing key has no line of its own
    "financements-vides.yaml": ("financements", 17),
    "liste.yaml": ("", 2),
    "texte.yaml": ("", 2),
    "vide.yaml": ("", 1),
    "commentaires-seulement.yaml": ("", 1),
    "syntaxe.yaml": ("", 12),
    "syntaxe-deux-points.yaml": ("", 4),
    "tabulation.yaml": ("", 7),
    "etiquette-python.yaml": ("intitule", 4),
    "etiquette-python-racine.yaml": ("", 2),
    "ancre-alias.yaml": ("financements[1]", 18),
    "ancre-alias-cle.yaml": ("axes", 24),
    "plusieurs-documents.yaml": ("", 24),
}


def test_every_invalid_fixture_has_an_expectation() -> None:
    assert {p.name for p in INVALID.glob("*.yaml")} == set(EXPECTED)


def _assert_error(report, champ: str, ligne: int | None) -> None:
    assert report.verdict == "invalide"
    assert report.constats == []  # no rule is run on an invalid file
    assert report.erreurs, "an invalid file must say why"
    found = [(e.champ, e.ligne) for e in report.erreurs]
    if ligne is None:
        assert champ in [c for c, _ in found], found
    else:
        assert (champ, ligne) in found, found
    for e in report.erreurs:
        assert e.message.strip()
        assert "Traceback" not in e.message
        # French, not pydantic's or PyYAML's English
        for english in ("Field required", "Input should", "should be", "found ", "expected ", "while "):
            assert english not in e.message, e.message


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_invalid_file(name: str, expected: tuple[str, int | None], regles) -> None:
    path = INVALID / name
    before = path.read_bytes()
    report = check_file(path, regles)
    _assert_error(report, *expected)
    d = report.to_dict()
    assert d["verdict"] == "invalide" and d["constats"] == []
    assert all(set(e) == {"champ", "ligne", "message"} for e in d["erreurs"])
    assert path.read_bytes() == before  # an input file is never modified
    assert check_file(str(path), regles).to_dict() == d  # a batch gives the path's text: the same report


def test_elan_yes_is_not_silently_true(regles) -> None:
    report = check_file(INVALID / "elan-yes.yaml", regles)
    assert report.verdict == "invalide"
    assert report.dossier is None


def test_valid_base_is_valid(regles) -> None:
    report = check_file(VALID, regles)
    assert report.verdict == "eligible", report.erreurs
    texte = check_file(str(VALID), regles)  # a batch gives the path's text (no Path per file): the same report
    assert texte.to_dict() == report.to_dict() and texte.fichier == str(VALID)


# --------------------------------------------------------------------------- encodings


def test_latin1_file_is_invalide_with_the_line(tmp_path, regles) -> None:
    # the header comment is ASCII-free of accents here, so the first bad byte is in intitule
    lines = VALID.read_text(encoding="utf-8").splitlines()
    text = "\n".join(["# sans accent"] + lines[1:]).replace("Atelier de test", "Atelier de théâtre") + "\n"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "théâtre" in t)
    assert line == 4
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.encode("latin-1"))
    report = check_file(path, regles)
    _assert_error(report, "", line)


def test_utf16_file_is_invalide(tmp_path, regles) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes(VALID.read_text(encoding="utf-8").encode("utf-16"))
    assert check_file(path, regles).verdict == "invalide"


def test_binary_file_is_invalide(tmp_path, regles) -> None:
    path = tmp_path / "binaire.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert check_file(path, regles).verdict == "invalide"


def test_utf8_bom_is_accepted(tmp_path, regles) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.read_bytes())
    assert check_file(path, regles).verdict == "eligible"


def test_crlf_is_accepted(tmp_path, regles) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(VALID.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert check_file(path, regles).verdict == "eligible"


def test_crlf_keeps_line_numbers(tmp_path, regles) -> None:
    path = tmp_path / "crlf-double.yaml"
    path.write_bytes((INVALID / "cle-en-double-imbriquee.yaml").read_bytes().replace(b"\n", b"\r\n"))
    _assert_error(check_file(path, regles), "financements[1].montant", 23)


def test_french_amount_strings_are_accepted(regles) -> None:
    path = Path(__file__).parent / "fixtures" / "dossiers" / "CDV-T-002.yml"
    report = check_file(path, regles)
    assert report.verdict == "eligible", report.erreurs
    assert report.dossier is not None
    from decimal import Decimal

    assert report.dossier.budget.total == Decimal("12000.50")
    assert report.dossier.financements[0].montant == Decimal("3000.50")


# --------------------------------------------------------------------------- the batch


def test_duplicate_id_in_a_batch_makes_the_second_invalide(tmp_path, regles) -> None:
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_bytes(VALID.read_bytes())
    second.write_bytes(VALID.read_bytes())
    reports = list(check_files([first, second], regles))
    assert [r.verdict for r in reports] == ["eligible", "invalide"]
    assert reports[1].id == "CDV-T-001"
    _assert_error(reports[1], "id", 2)  # the line of « id: » in the second file


def test_batch_goes_on_after_invalid_files(tmp_path, regles) -> None:
    files = [INVALID / "vide.yaml", INVALID / "syntaxe.yaml", VALID, INVALID / "etiquette-python.yaml"]
    reports = list(check_files(files, regles))
    assert [r.verdict for r in reports] == ["invalide", "invalide", "eligible", "invalide"]
    assert [r.fichier for r in reports] == [str(f) for f in files]


def test_unreadable_paths_are_invalide_not_crashes(tmp_path, regles) -> None:
    folder = tmp_path / "dossier.yaml"
    folder.mkdir()
    assert check_file(folder, regles).verdict == "invalide"
    missing = tmp_path / "absent.yaml"
    assert check_file(missing, regles).verdict == "invalide"
