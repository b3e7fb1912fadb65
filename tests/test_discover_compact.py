"""Discovery keeps the batch's paths compact (issue 17, memory): no ``Path`` object per file.

A batch of 100 000 files held as ``Path`` objects is some 40 MB for the whole
run (and again in each ``--jobs`` worker, copied on write). ``discover`` gives a
:class:`~cdv_prog.files.dossiers.Chemins`: the paths' texts in one block, a
``Path`` built each time one is asked for — the same paths, in the same order,
as the list of ``Path`` it gave before.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdv_prog.files.dossiers import Chemins, discover


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("id: x\n", encoding="utf-8")


@pytest.fixture
def lot(tmp_path: Path) -> Path:
    root = tmp_path / "lot"
    _tree(
        root,
        [
            "b.yaml",
            "a.yml",
            "a/z.yaml",
            "a.b/c.yaml",
            "a-b/c.yaml",
            "sub/deep/er/x.yaml",
            "sub/y.yaml",
            ".cache.yaml",
            "notes.txt",
            "é/ü.yaml",
        ],
    )
    (root / "dossier.yaml").mkdir()  # a folder named like a dossier is listed (reading it says so)
    return root


def _paths(chemins: Chemins) -> list[Path]:
    return list(chemins)


def test_discover_keeps_no_path_object(lot: Path) -> None:
    files = discover([lot])
    assert isinstance(files, Chemins)
    held = [o for o in gc.get_referents(files) if not isinstance(o, type)]
    # one block of text and an array of ends, whatever the number of files: no object per path
    assert sorted(type(o).__name__ for o in held) == ["array", "str"]
    assert len(next(o for o in held if isinstance(o, str))) == sum(len(str(p)) for p in files)
    assert all(isinstance(p, Path) for p in files)  # a Path is made when one is asked for


def test_discover_order_is_that_of_the_paths_parts(lot: Path) -> None:
    files = discover([lot])
    names = [p.relative_to(lot).as_posix() for p in files]
    assert names == [
        "a/z.yaml",  # ("a", "z.yaml") before ("a-b", …), ("a.b", …), ("a.yml",): by parts, not by text
        "a-b/c.yaml",
        "a.b/c.yaml",
        "a.yml",
        "b.yaml",
        "dossier.yaml",
        "sub/deep/er/x.yaml",
        "sub/y.yaml",
        "é/ü.yaml",
    ]
    assert names == sorted(names, key=lambda n: Path(n).parts)


def test_discover_files_as_given_and_duplicates_once(lot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(lot.parent)
    files = discover([Path("lot/b.yaml"), Path("lot"), Path("./lot/sub/../b.yaml"), Path("lot/sub")])
    shown = [str(p) for p in files]
    assert shown[0] == "lot/b.yaml" and shown.count("lot/b.yaml") == 1  # the same file once, first place kept
    assert "lot/sub/../b.yaml" not in shown  # the same once normalised (os.path.normpath): once
    assert len(shown) == len(set(shown)) == 9  # lot/sub's files found once, under lot


def test_a_sequence_of_paths(lot: Path) -> None:
    files = discover([lot])
    as_list = list(files)
    assert len(files) == len(as_list) == 9
    assert files == as_list and files == tuple(as_list) and files == discover([lot])
    assert files != as_list[:-1] and files != [str(p) for p in as_list]
    assert [files[i] for i in range(-len(files), len(files))] == as_list + as_list
    assert files[2:5] == as_list[2:5] and files[::-2] == as_list[::-2] and isinstance(files[1:3], list)
    with pytest.raises(IndexError):
        files[len(files)]
    assert list(files.textes()) == [str(p) for p in as_list]
    kept = files.filtre(lambda texte: texte.endswith(".yaml"))
    assert isinstance(kept, Chemins) and kept == [p for p in as_list if p.suffix == ".yaml"]
    both = files + [Path("regles/a.yaml")]
    assert isinstance(both, Chemins) and both == [*as_list, Path("regles/a.yaml")]
    twice = files + files  # two blocks joined: the second's ends shifted by the first's length
    assert isinstance(twice, Chemins) and twice == [*as_list, *as_list] and twice[len(files)] == as_list[0]
    assert list(twice.textes(len(files) - 1, len(files) + 1)) == [str(as_list[-1]), str(as_list[0])]
    assert Chemins() + files == files and files + Chemins() == files and files + [] == files
    assert pickle.loads(pickle.dumps(files)) == files
    assert Chemins() == [] and len(Chemins()) == 0 and list(Chemins()) == []
    with pytest.raises(TypeError):
        hash(files)


@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes: Linux")
def test_a_name_that_is_not_utf8_comes_back_the_same(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/\xff\xfe.yaml"
    with open(raw, "w", encoding="utf-8") as fh:
        fh.write("id: x\n")
    files = discover([tmp_path])
    assert files == [tmp_path / os.fsdecode(b"\xff\xfe.yaml")]
    assert os.fsencode(files[0]) == raw


@given(st.lists(st.text(min_size=1, max_size=12).filter(lambda t: "\x00" not in t), max_size=20))
def test_chemins_gives_back_the_paths_it_was_given(textes: list[str]) -> None:
    shown = [str(Path(t)) for t in textes]
    chemins = Chemins(shown)
    assert [str(p) for p in chemins] == shown
    assert chemins == [Path(t) for t in shown]
    assert [str(chemins[i]) for i in range(len(shown))] == shown


@given(
    st.lists(st.text(min_size=1, max_size=12).filter(lambda t: "\x00" not in t), max_size=20),
    st.integers(min_value=0, max_value=25),
    st.integers(min_value=0, max_value=25),
)
def test_a_chunk_of_the_batch_is_its_paths_text(textes: list[str], debut: int, fin: int) -> None:
    """``tranche``: what slicing gives, as text (a chunk sent to a process builds no Path)."""
    shown = [str(Path(t)) for t in textes]
    chemins = Chemins(shown)
    assert chemins.tranche(debut, fin) == [str(p) for p in chemins[debut:fin]] == shown[debut:fin]


def test_the_chunks_of_a_batch_found_are_texts_in_order(tmp_path: Path) -> None:
    from cdv_prog.files.parallel import chunks

    for i in range(7):
        (tmp_path / f"d{i}.yaml").write_text("id: x\n", encoding="utf-8")
    files = discover([tmp_path])
    parts = list(chunks(files, 3))
    assert [len(p) for p in parts] == [3, 3, 1]
    assert all(type(t) is str for part in parts for t in part)
    assert [t for part in parts for t in part] == [str(p) for p in files]
    given_paths = list(files)  # paths given as a list (not found): the slices as they are
    assert next(chunks(given_paths, 3)) == given_paths[:3]


@given(n=st.integers(0, 300), size=st.integers(1, 70), fin=st.integers(0, 400), compact=st.booleans())
def test_the_last_chunks_are_small(n: int, size: int, fin: int, compact: bool) -> None:
    """The end of a batch in chunks a quarter as large (the processes finish together), every file once, in order."""
    from cdv_prog.files.parallel import chunks

    textes = [f"/lot/d{i:04d}.yaml" for i in range(n)]
    files = Chemins(textes) if compact else textes
    parts = [list(p) for p in chunks(files, size, fin)]  # type: ignore[arg-type]
    assert [t for p in parts for t in p] == textes
    petit = max(1, size // 4)
    debut = 0
    for p in parts:
        if debut + size <= n - fin:  # before the end: full chunks
            assert len(p) == size
        else:  # the end: small ones (the very last one may be shorter); without ``fin``, the last one, shorter
            assert len(p) == (min(petit, n - debut) if fin else n - debut)
        debut += len(p)
    assert list(map(len, chunks(files, size))) == [min(size, n - i) for i in range(0, n, size)]  # type: ignore[arg-type]
