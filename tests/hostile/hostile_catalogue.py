"""The hostile-input catalogue: files a batch may meet, built in tmp_path.

Each case writes one (or a few) entries into a folder and says what the batch
must answer for each: the verdict, and for an ``invalide`` file the field
(``champ``) and line of its first error when they are meaningful. Nothing big
is committed: the 50 MB file, the alias bomb and the deep nesting are written
by the fixtures.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# A valid, éligible dossier (two principal financeurs above the plancher, a
# balanced budget, a QPV): the hostile variants below are built from it.
GOOD = """\
id: {id}
exercice: 2025
intitule: {intitule}
porteur:
  nom: Association de test
  type: association
action:
  defi: grandir
  objectif: grandir.education
  quartiers: [grazailles]
  debut: 2025-01-01
  fin: 2025-12-31
budget:
  total: {total}
  autres-produits: 1000
financements:
  - financeur: etat
    montant: {montant}
  - financeur: ville
    montant: 3000
pieces: [attestation-prefecture, liste-bureau, rib]
"""


def good_text(
    ident: str = "CDV-OK-001", *, intitule: str = "Action de test", total: str = "7000", montant: str = "3000"
) -> str:
    return GOOD.format(id=ident, intitule=intitule, total=total, montant=montant)


@dataclass
class Expect:
    """What the batch must say about one entry of the tree."""

    verdict: str
    champ: str | None = None  # field of an error (None: not checked)
    ligne: int | None = None  # line of that error (None: not checked)
    value: tuple[str, Any] | None = None  # (dotted field, value) read back from an accepted dossier


@dataclass
class Case:
    name: str
    build: Callable[[Path], dict[str, Expect]]  # writes into a folder; returns {relative path: expectation}
    needs: Callable[[], str | None] = lambda: None  # a reason to skip, or None
    tags: set[str] = field(default_factory=set)


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8"))
    return path


def _one(name: str, data: str | bytes, expect: Expect) -> Callable[[Path], dict[str, Expect]]:
    def build(folder: Path) -> dict[str, Expect]:
        _write(folder, name, data)
        return {name: expect}

    return build


def _billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _bomb_in_dossier() -> str:
    return good_text("CDV-BOMBE").replace("intitule: Action de test", "intitule: &x Action de test") + _billion_laughs()


def _fifo(folder: Path) -> dict[str, Expect]:
    os.mkfifo(folder / "tube.yaml")
    return {"tube.yaml": Expect("invalide", champ="", ligne=None)}


def _device(folder: Path) -> dict[str, Expect]:
    (folder / "z.yaml").symlink_to("/dev/zero")
    return {"z.yaml": Expect("invalide", champ="", ligne=None)}


def _symlink_loops(folder: Path) -> dict[str, Expect]:
    (folder / "boucle").symlink_to(".")  # a folder loop: never followed
    (folder / "retour.yaml").symlink_to("..")  # a link to a folder named like a dossier: reported
    (folder / "a.yaml").symlink_to("b.yaml")  # a file loop: unreadable, reported
    (folder / "b.yaml").symlink_to("a.yaml")
    return {
        "retour.yaml": Expect("invalide", champ="", ligne=None),
        "a.yaml": Expect("invalide", champ="", ligne=None),
        "b.yaml": Expect("invalide", champ="", ligne=None),
    }


def _folder_named_yaml(folder: Path) -> dict[str, Expect]:
    (folder / "x.yaml").mkdir()
    (folder / "x.yaml" / "dedans.yaml").write_text(good_text("CDV-DANS-X"), encoding="utf-8")
    return {"x.yaml": Expect("invalide", champ="", ligne=None), "x.yaml/dedans.yaml": Expect("eligible")}


def _big_file(folder: Path) -> dict[str, Expect]:
    with open(folder / "enorme.yaml", "wb") as fh:
        fh.write(good_text("CDV-ENORME").encode())
        line = b"# " + b"x" * 1021 + b"\n"
        for _ in range(50 * 1024):  # 50 MB of comments after a valid dossier
            fh.write(line)
    return {"enorme.yaml": Expect("invalide", champ="", ligne=None)}


def _unreadable(folder: Path) -> dict[str, Expect]:
    path = _write(folder, "secret.yaml", good_text("CDV-SECRET"))
    path.chmod(0)
    return {"secret.yaml": Expect("invalide", champ="", ligne=None)}


def _not_root() -> str | None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return (
            "les tests tournent en root, qui lit tous les fichiers : cas couvert par test_unreadable_file_monkeypatched"
        )
    return None


def _has_mkfifo() -> str | None:
    return None if hasattr(os, "mkfifo") else "pas de tubes nommés sur ce système"


def _has_dev_zero() -> str | None:
    return None if os.path.exists("/dev/zero") else "pas de /dev/zero sur ce système"


_rng = random.Random(20240101)
GARBAGE_WITH_NUL = bytes(_rng.randrange(256) for _ in range(4096))
GARBAGE_NO_NUL = bytes(_rng.randrange(128, 256) for _ in range(4096))  # no NUL, not UTF-8
HUGE = "x" * (3 * 1024 * 1024)

CASES: list[Case] = [
    Case("alias-bomb", _one("bombe.yaml", _bomb_in_dossier(), Expect("invalide", ligne=None))),
    Case(
        "alias-simple",
        _one(
            "alias.yaml",
            good_text("CDV-ALIAS")
            .replace("total: 7000", "total: &t 7000")
            .replace("    montant: 3000\n  - financeur: ville", "    montant: *t\n  - financeur: ville"),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "nesting-10000", _one("profond.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n", Expect("invalide", champ=""))
    ),
    Case(
        "nesting-block",
        _one("profond-bloc.yaml", "".join("  " * i + f"k{i}:\n" for i in range(2000)), Expect("invalide", champ="")),
    ),
    Case("file-50mb", _big_file, tags={"slow-io"}),
    Case("binary-garbage", _one("binaire.yaml", GARBAGE_WITH_NUL, Expect("invalide", champ="", ligne=None))),
    Case("binary-no-nul", _one("binaire2.yaml", GARBAGE_NO_NUL, Expect("invalide", champ="", ligne=1))),
    Case(
        "latin-1",
        _one(
            "latin1.yaml",
            good_text("CDV-LATIN", intitule="Atelier parentalité").encode("latin-1"),
            Expect("invalide", champ="", ligne=3),
        ),
    ),
    Case(
        "utf-16", _one("utf16.yaml", good_text("CDV-UTF16").encode("utf-16"), Expect("invalide", champ="", ligne=None))
    ),
    Case(
        "utf-16-no-bom",
        _one("utf16le.yaml", good_text("CDV-UTF16LE").encode("utf-16-le"), Expect("invalide", champ="")),
    ),
    Case(
        "utf-8-bom",
        _one("bom.yaml", b"\xef\xbb\xbf" + good_text("CDV-BOM").encode(), Expect("eligible", value=("id", "CDV-BOM"))),
    ),
    Case(
        "crlf",
        _one(
            "crlf.yaml",
            good_text("CDV-CRLF").replace("\n", "\r\n").encode(),
            Expect("eligible", value=("intitule", "Action de test")),
        ),
    ),
    Case("cr-only", _one("cr.yaml", good_text("CDV-CR").replace("\n", "\r").encode(), Expect("eligible"))),
    Case(
        "duplicate-top",
        _one(
            "double-racine.yaml",
            good_text("CDV-DOUBLE-1") + "id: CDV-AUTRE\n",
            Expect("invalide", champ="id", ligne=22),
        ),
    ),
    Case(
        "duplicate-nested",
        _one(
            "double-budget.yaml",
            good_text("CDV-DOUBLE-2").replace("  autres-produits: 1000\n", "  autres-produits: 1000\n  total: 9000\n"),
            Expect("invalide", champ="budget.total", ligne=16),
        ),
    ),
    Case(
        "duplicate-in-list",
        _one(
            "double-ligne.yaml",
            good_text("CDV-DOUBLE-3").replace(
                "    montant: 3000\n  - financeur: ville", "    montant: 3000\n    montant: 4000\n  - financeur: ville"
            ),
            Expect("invalide", champ="financements[0].montant", ligne=19),
        ),
    ),
    Case(
        "duplicate-deep",
        _one(
            "double-cpo.yaml",
            good_text("CDV-DOUBLE-4").replace(
                "  fin: 2025-12-31\n",
                "  fin: 2025-12-31\n  cpo:\n    annees: [2025, 2026, 2027]\n    annees: [2024, 2025, 2026]\n",
            ),
            Expect("invalide", champ="action.cpo.annees", ligne=15),
        ),
    ),
    Case(
        "python-tag",
        _one(
            "python.yaml",
            good_text("CDV-PY").replace(
                "intitule: Action de test", 'intitule: !!python/object/apply:os.system ["touch cdv-pwned"]'
            ),
            Expect("invalide", champ="intitule", ligne=3),
        ),
    ),
    Case(
        "python-tag-root",
        _one(
            "python-racine.yaml", '!!python/object/apply:os.system ["touch cdv-pwned"]\n', Expect("invalide", ligne=1)
        ),
    ),
    Case(
        "unknown-tag",
        _one(
            "etiquette.yaml",
            good_text("CDV-TAG").replace("total: 7000", "total: !foo 7000"),
            Expect("invalide", champ="budget.total", ligne=14),
        ),
    ),
    Case(
        "yaml11-no-in-text",
        _one("no-texte.yaml", good_text("CDV-NO", intitule="no"), Expect("eligible", value=("intitule", "no"))),
    ),
    Case(
        "yaml11-on-in-text",
        _one("on-texte.yaml", good_text("CDV-ON", intitule="on"), Expect("eligible", value=("intitule", "on"))),
    ),
    Case(
        "sexagesimal-in-text",
        _one(
            "heure-texte.yaml",
            good_text("CDV-HEURE", intitule="12:30"),
            Expect("eligible", value=("intitule", "12:30")),
        ),
    ),
    Case(
        "no-as-amount",
        _one(
            "no-montant.yaml",
            good_text("CDV-NO-M", montant="no"),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "on-as-boolean",
        _one("on-booleen.yaml", good_text("CDV-ON-B") + "elan: on\n", Expect("invalide", champ="elan", ligne=22)),
    ),
    Case(
        "sexagesimal-as-amount",
        _one(
            "heure-montant.yaml",
            good_text("CDV-HEURE-M", total="12:30"),
            Expect("invalide", champ="budget.total", ligne=14),
        ),
    ),
    Case(
        "sexagesimal-as-year",
        _one(
            "heure-exercice.yaml",
            good_text("CDV-HEURE-E").replace("exercice: 2025", "exercice: 20:25"),
            Expect("invalide", champ="exercice", ligne=2),
        ),
    ),
    Case(
        "exponent-amount",
        _one(
            "exposant.yaml",
            good_text("CDV-EXP", montant="3e3"),
            Expect("eligible", value=("financements.0.montant", "3000.00")),
        ),
    ),
    Case(
        "underscore-amount",
        _one(
            "souligne.yaml",
            good_text("CDV-SOUL", montant="3_000"),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "inf-amount",
        _one(
            "infini.yaml",
            good_text("CDV-INF", montant=".inf"),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "minus-inf-amount",
        _one(
            "moins-infini.yaml",
            good_text("CDV-MINF", total="-.inf"),
            Expect("invalide", champ="budget.total", ligne=14),
        ),
    ),
    Case(
        "nan-amount",
        _one("nan.yaml", good_text("CDV-NAN", total=".nan"), Expect("invalide", champ="budget.total", ligne=14)),
    ),
    Case(
        "huge-amount",
        _one(
            "demesure.yaml",
            good_text("CDV-HUGE", montant="1" + "0" * 29),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "huge-integer",
        _one(
            "entier-geant.yaml",
            good_text("CDV-GEANT", montant="9" * 5000),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "huge-exponent",
        _one(
            "exposant-geant.yaml",
            good_text("CDV-EXPG", montant="1e999999999"),
            Expect("invalide", champ="financements[0].montant", ligne=18),
        ),
    ),
    Case(
        "impossible-date",
        _one(
            "date.yaml",
            good_text("CDV-DATE").replace("debut: 2025-01-01", "debut: 2025-02-30"),
            Expect("invalide", champ="action.debut", ligne=11),
        ),
    ),
    Case(
        "several-documents",
        _one("documents.yaml", good_text("CDV-DOC-1") + "---\n" + good_text("CDV-DOC-2"), Expect("invalide", ligne=22)),
    ),
    Case("empty-file", _one("vide.yaml", b"", Expect("invalide", champ=""))),
    Case("comments-only", _one("commentaires.yaml", "# rien\n# du tout\n", Expect("invalide", champ=""))),
    Case("scalar-document", _one("scalaire.yaml", "juste du texte\n", Expect("invalide", champ=""))),
    Case("list-document", _one("liste.yaml", "- a\n- b\n", Expect("invalide", champ=""))),
    Case("folder-named-yaml", _folder_named_yaml),
    Case("symlink-loops", _symlink_loops),
    Case("fifo", _fifo, needs=_has_mkfifo, tags={"special"}),
    Case("device", _device, needs=_has_dev_zero, tags={"special"}),
    Case("unreadable", _unreadable, needs=_not_root),
    Case(
        "long-line",
        _one("ligne-longue.yaml", good_text("CDV-LONG", intitule=HUGE), Expect("invalide", champ="intitule", ligne=3)),
    ),
    Case("huge-key", _one("cle-longue.yaml", good_text("CDV-CLE") + HUGE + ": 1\n", Expect("invalide", ligne=22))),
    Case(
        "huge-code",
        _one(
            "code-long.yaml",
            good_text("CDV-CODE").replace("type: association", "type: " + HUGE),
            Expect("invalide", champ="porteur.type", ligne=6),
        ),
    ),
    Case(
        "control-raw",
        _one("controle.yaml", good_text("CDV-CTRL", intitule="Atelier\x07bip"), Expect("invalide", ligne=3)),
    ),
    Case(
        "control-escape",
        _one(
            "controle-echappe.yaml",
            good_text("CDV-ESC", intitule='"Atelier \\e[31mrouge\\a"'),
            Expect("eligible", value=("intitule", "Atelier \x1b[31mrouge\x07")),
        ),
    ),
    Case(
        "nul-escape",
        _one(
            "nul-echappe.yaml",
            good_text("CDV-NUL", intitule='"a\\0b"'),
            Expect("eligible", value=("intitule", "a\x00b")),
        ),
    ),
    Case(
        "tab-indent",
        _one(
            "tabulation.yaml",
            good_text("CDV-TAB").replace("  nom: Association", "\tnom: Association"),
            Expect("invalide", ligne=5),
        ),
    ),
    Case(
        "unclosed-flow",
        _one(
            "crochet.yaml",
            good_text("CDV-CROCHET").replace("quartiers: [grazailles]", "quartiers: [grazailles"),
            Expect("invalide", champ=""),
        ),
    ),
]


def build_tree(root: Path, cases: list[Case]) -> dict[str, Expect]:
    """All the given cases in one tree (one sub-folder each) plus two good dossiers."""
    expected: dict[str, Expect] = {}
    root.mkdir(parents=True, exist_ok=True)
    _write(root, "00-bon.yaml", good_text("CDV-BON-001"))
    expected["00-bon.yaml"] = Expect("eligible")
    for case in cases:
        folder = root / case.name
        folder.mkdir()
        for rel, expect in case.build(folder).items():
            expected[f"{case.name}/{rel}"] = expect
    _write(root, "zz-bon.yaml", good_text("CDV-BON-002"))
    expected["zz-bon.yaml"] = Expect("eligible")
    return expected


def snapshot(root: Path) -> dict[str, tuple]:
    """What every entry of a tree is, without opening anything that is not a regular file."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("lien", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if st.st_mode & 292 else "illisible"
                out[rel] = ("fichier", st.st_size, st.st_mtime_ns, stat.S_IMODE(st.st_mode), digest)
            else:
                out[rel] = ("autre", stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
    return out


ENGLISH = re.compile(
    r"\b(Traceback|Error|error|should|Input|expected|found|not allowed|Too many|No such|"
    r"Permission denied|unacceptable|position|codec)\b"
)


def french_enough(message: str) -> bool:
    """No English text leaking from Python, pydantic or libyaml into a user message."""
    return bool(message.strip()) and not ENGLISH.search(message)


def run_cli(*args: str | Path, cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    """The real command in a subprocess, with a timeout: a hang is a failure, not a stuck suite."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
    for var in ("FORCE_COLOR", "COLUMNS"):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-m", "cdv_prog", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=timeout,
    )
