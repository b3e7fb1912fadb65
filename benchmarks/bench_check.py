"""Benchmark of ``cdv check``: batch speed against the YAML parse floor, start time, memory.

The **primary rows** (those of issue 17's table) are measured on the shared
peer's lot: ``../shared/peers/gen_dossiers.py -n N --seed 42`` (one exercice,
2025, every file in one folder: the yardstick the issue's table was measured
on). A **secondary row** is measured on our own mixed lot (``generate.py``:
three exercices in any order, so the history's index is read first, and about
2 % of invalid files), clearly labelled. Alternating the commands round after
round (whole processes, every command of both lots in each round) and keeping
medians:

* the **floor**: a few lines that only parse the same files with PyYAML's
  ``CSafeLoader`` (libyaml), in a fresh Python process (on one folder, the same
  work as ``../shared/peers/parse_only.py --loader c``);
* ``cdv check --format json --sans-cache`` on them with ``--jobs 1`` and
  ``--jobs 2`` (the engine's speed; ``bench_cache.py`` measures the cache);
* the machine's ceiling for two processes: two ``cdv check --jobs 1``, each on
  half of the peer's lot (hard links in two folders), run side by side — two
  busy cores may each run slower than one alone, and ``--jobs 2`` cannot beat
  this;
* ``cdv check FILE`` on one file of the peer's lot (wall time of the whole process);
* peak memory of ``cdv check --format json`` on a much bigger peer lot
  (100 000 dossiers by default), without and with the cache (cold): the peak
  RSS of the biggest process (``getrusage``) and the peak of the whole process
  tree's PSS (sampled).

Targets of issue 17 (2-core machine): ``TARGETS`` below.

Usage::

    python benchmarks/bench_check.py                 # N=10 000, 5 rounds, memory on 100 000
    python benchmarks/bench_check.py -n 2000 --rounds 3 --big 0   # quick look, no memory run
    python benchmarks/bench_check.py --sans-mixte    # the peer's lot only
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parent.parent
# The peers (gen_dossiers.py, parse_only.py, publicodes/): ../shared beside the repository.
SHARED_PEERS = REPO.parent / "shared" / "peers"
PEER_SEED = 42

FLOOR = """
import os, sys, yaml
for root in sys.argv[1:]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(dirpath, name), "rb") as f:
                    try:
                        yaml.load(f, Loader=yaml.CSafeLoader)
                    except Exception:
                        pass
"""

PEAK = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

# Two commands at once (given as two JSON lists), their output thrown away: the wall time of both.
COTE_A_COTE = """
import json, subprocess, sys
procs = [subprocess.Popen(json.loads(a), stdout=subprocess.DEVNULL) for a in sys.argv[1:]]
sys.exit(max(p.wait() for p in procs))
"""

# Issue 17: jobs1 and jobs2 are ratios to the floor (at most), one is the wall
# time of one dossier in seconds, rss_mb the peak memory on 100 000 dossiers.
TARGETS = {"jobs1": 1.2, "jobs2": 0.7, "one": 0.20, "rss_mb": 150}


def cdv_command() -> list[str]:
    script = Path(sys.executable).with_name("cdv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cdv_prog"]


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    try:
        load = f", charge {os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        load = ""
    return f"{cpus} CPU ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}{load}"


def mark(value: float, target: float, *, at_least: bool = False) -> str:
    """✓ when ``value`` meets ``target`` (at most, or at least), else ✗; ASCII when the output cannot show them."""
    return symbol(value >= target if at_least else value <= target)


def symbol(ok: bool) -> str:
    """✓ or ✗, or ``ok`` / ``X`` when standard output cannot show them."""
    sign = "✓" if ok else "✗"
    try:
        sign.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "ok" if ok else "X"
    return sign


# The commands run as after an installation: with their compiled bytecode, kept
# out of the source tree (a session may have set PYTHONDONTWRITEBYTECODE).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def safe_output() -> None:
    """Standard output that never fails on « × » or « é » (a terminal without UTF-8 gets escapes)."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")


def prepare_env(work: Path) -> None:
    """Bytecode and cdv's cache under ``work``: never the user's cache, never shared with another run."""
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    ENV["CDV_CACHE_DIR"] = str(work / "cdv-cache")


def shared_peers() -> Path:
    """The shared peers' folder (``../shared/peers`` beside the repository), or a clear stop."""
    if not (SHARED_PEERS / "gen_dossiers.py").is_file():
        raise SystemExit(
            f"pairs de référence introuvables : {SHARED_PEERS} (attendu : ../shared/peers/gen_dossiers.py"
            " à côté du dépôt, avec parse_only.py et publicodes/)"
        )
    return SHARED_PEERS


def _generated(dest: Path, make: Any) -> Path:
    """``dest`` if it exists, else made by ``make(tmp)`` in a sibling and renamed (never half a lot)."""
    if dest.exists():
        return dest
    tmp = dest.with_name(dest.name + ".partiel")
    shutil.rmtree(tmp, ignore_errors=True)
    start = time.perf_counter()
    make(tmp)
    tmp.rename(dest)
    print(f"{dest.name} : généré en {time.perf_counter() - start:.1f} s dans {dest}", file=sys.stderr)
    return dest


def peer_lot(work: Path, n: int) -> Path:
    """The shared peer's lot of ``n`` dossiers (seed 42, exercice 2025, one folder), generated once under ``work``."""
    gen = shared_peers() / "gen_dossiers.py"

    def make(tmp: Path) -> None:
        cmd = [sys.executable, str(gen), "-n", str(n), "--seed", str(PEER_SEED), "--out", str(tmp)]
        subprocess.run(cmd, env=ENV, check=True, stdout=subprocess.DEVNULL)

    return _generated(work / f"pair-{n}", make)


def mixed_lot(work: Path, n: int) -> Path:
    """Our own lot of ``n`` dossiers (``generate.py``: three exercices, 1 000 per folder), generated once."""
    return _generated(work / f"mixte-{n}", lambda tmp: generate(tmp, n))


def moities(work: Path, lot: Path) -> tuple[Path, Path]:
    """The lot's files in two folders of half each (path order: the first half, the second), made once under
    ``work`` — hard links where the file system allows them, else copies."""
    files = yaml_files(lot)
    half = len(files) // 2
    out = []
    for i, part in enumerate((files[:half], files[half:])):

        def make(tmp: Path, part: list[Path] = part) -> None:
            tmp.mkdir(parents=True)
            for f in part:
                try:
                    os.link(f, tmp / f.name)
                except OSError:
                    shutil.copyfile(f, tmp / f.name)

        out.append(_generated(work / f"{lot.name}-moitie-{i + 1}", make))
    return out[0], out[1]


def yaml_files(lot: Path) -> list[Path]:
    return sorted(p for p in lot.rglob("*") if p.suffix in (".yaml", ".yml"))


def wall(cmd: list[str], cwd: Path, expect: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in expect:
        raise SystemExit(f"échec de {' '.join(cmd)} (code {proc.returncode}) :\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def alternate(
    commands: Mapping[str, list[str]],
    rounds: int,
    cwd: Path,
    *,
    repeat: Mapping[str, int] | None = None,
    before: Mapping[str, list[str]] | None = None,
    expect: tuple[int, ...] = (0, 1),
    rotate: bool = True,
) -> dict[str, list[float]]:
    """Whole-process wall times, round after round, each round starting one command later.

    ``repeat[name]`` runs a command several times per round (a short one);
    ``before[name]`` is run, untimed, just before each timed run of ``name``
    (``cdv cache vider`` before a cold run). ``rotate=False`` keeps the order
    of ``commands`` in every round (a warm run right after its cold one).
    """
    repeat, before = repeat or {}, before or {}
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            for _ in range(repeat.get(name, 1)):
                if name in before:
                    subprocess.run(before[name], cwd=cwd, env=ENV, capture_output=True, check=True)
                times[name].append(wall(commands[name], cwd, expect))
        print(
            f"tour {r + 1}/{rounds} : " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
            file=sys.stderr,
        )
    return times


def medians(times: Mapping[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in times.items()}


def par_tour(mesures: list[float], plancher: list[float]) -> list[float]:
    """The ratio of each round: a command's time over the floor's time in the same round."""
    return [m / f for m, f in zip(mesures, plancher, strict=True)]


def digest(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True)
    return hashlib.sha256(proc.stdout).hexdigest()


def _tree_memory_kb(pid: int) -> int:
    """Memory of a process and all its descendants (Linux /proc): the sum of their PSS.

    PSS (proportional set size) shares each page between the processes that
    map it: forked workers share the parent's pages, which RSS would count
    once per process.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def peak_memory(cmd: list[str], cwd: Path, before: list[str] | None = None) -> tuple[float, float | None]:
    """(peak RSS of the biggest single process in MB, peak PSS of the process tree in MB, sampled).

    ``before`` runs, untimed, before each of the two runs (``cdv cache vider``
    for a cold cache).
    """
    if before:
        subprocess.run(before, cwd=cwd, env=ENV, capture_output=True, check=True)
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *cmd], cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    )
    code, maxrss = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"échec de {' '.join(cmd)} (code {code})")
    single = int(maxrss) / 1024
    if not Path("/proc/self/smaps_rollup").exists():
        return single, None
    if before:
        subprocess.run(before, cwd=cwd, env=ENV, capture_output=True, check=True)
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = 0
    while proc.poll() is None:
        tree = max(tree, _tree_memory_kb(proc.pid))
        time.sleep(0.05)
    return single, tree / 1024


def options_communes(parser: argparse.ArgumentParser) -> None:
    """``--workdir`` and ``--json``, which every benchmark takes."""
    parser.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire, effacé à la fin)")
    parser.add_argument("--json", action="store_true", help="résultats aussi en JSON sur la dernière ligne")


def executer(
    args: argparse.Namespace, mesurer: Callable[[Path], dict[str, Any]], rapporter: Callable[[dict[str, Any]], None]
) -> None:
    """Measure in the work folder (a temporary one, removed after, unless ``--workdir``), report, and
    with ``--json`` print the results as the last line."""
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cdv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = mesurer(work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    rapporter(result)
    if args.json:
        print(json.dumps(result))


def main() -> None:
    safe_output()
    parser = argparse.ArgumentParser(description="Benchmark de cdv check.")
    parser.add_argument("-n", type=int, default=10_000, help="dossiers des lots chronométrés (10 000)")
    parser.add_argument("--rounds", type=int, default=5, help="tours alternés (5)")
    parser.add_argument("--one-runs", type=int, default=5, help="lancements sur un seul dossier par tour (5)")
    parser.add_argument(
        "--big", type=int, default=100_000, help="dossiers de la mesure mémoire (100 000 ; 0 : pas de mesure)"
    )
    parser.add_argument("--sans-mixte", action="store_true", help="sans la ligne secondaire (notre lot mixte)")
    options_communes(parser)
    args = parser.parse_args()

    def mesurer(work: Path) -> dict[str, Any]:
        return measure(
            work, n=args.n, rounds=args.rounds, one_runs=args.one_runs, big=args.big, mixed=not args.sans_mixte
        )

    executer(args, mesurer, report)


def _check(cdv: list[str], lot: Path, jobs: int, *, cache: bool = False) -> list[str]:
    cmd = [*cdv, "check", str(lot), "--format", "json", "--jobs", str(jobs)]
    return cmd if cache else [*cmd, "--sans-cache"]


def measure(work: Path, *, n: int, rounds: int, one_runs: int, big: int, mixed: bool = True) -> dict[str, Any]:
    """Run the measures under ``work`` (lots kept there); the medians, ratios and memory, as plain data."""
    prepare_env(work)
    cdv = cdv_command()
    lots = {"pair": peer_lot(work, n)}
    if mixed:
        lots["mixte"] = mixed_lot(work, n)
    paths = yaml_files(lots["pair"])
    one = paths[min(14, len(paths) - 1)]

    commands: dict[str, list[str]] = {}
    for name, lot in lots.items():
        commands[f"{name}.floor"] = [sys.executable, "-c", FLOOR, str(lot)]
        if name == "pair":  # the peer's own floor, the definition: the same work, as a cross-check
            commands["pair.parse_only"] = [
                sys.executable,
                str(shared_peers() / "parse_only.py"),
                str(lot),
                "--loader",
                "c",
            ]
        commands[f"{name}.jobs1"] = _check(cdv, lot, 1)
        commands[f"{name}.jobs2"] = _check(cdv, lot, 2)
    # what this machine gives two processes: two cdv check --jobs 1, each on half the peer's lot, side by side
    # (the ceiling of --jobs 2 here, whatever cdv does: two busy cores may each run slower than one alone)
    premiere, seconde = moities(work, lots["pair"])
    commands["pair.moities"] = [
        sys.executable,
        "-c",
        COTE_A_COTE,
        json.dumps(_check(cdv, premiere, 1)),
        json.dumps(_check(cdv, seconde, 1)),
    ]
    commands["one"] = [*cdv, "check", str(one)]

    identical = {
        name: digest(_check(cdv, lot, 1), REPO) == digest(_check(cdv, lot, 2), REPO) for name, lot in lots.items()
    }
    for cmd in commands.values():  # warm-up: page cache, .pyc files
        wall(cmd, REPO)
    times = alternate(commands, rounds, REPO, repeat={"one": one_runs})
    med = medians(times)

    result: dict[str, Any] = {"machine": machine(), "n": n, "rounds": rounds, "one_runs": one_runs, "lots": {}}
    for name, lot in lots.items():
        floor = med[f"{name}.floor"]
        result["lots"][name] = {
            "dossiers": len(yaml_files(lot)),
            "mo": sum(p.stat().st_size for p in yaml_files(lot)) / 1e6,
            "floor": floor,
            "jobs1": med[f"{name}.jobs1"],
            "jobs2": med[f"{name}.jobs2"],
            "ratio_jobs1": med[f"{name}.jobs1"] / floor,
            "ratio_jobs2": med[f"{name}.jobs2"] / floor,
            # each round's own ratio (cdv and the floor run in the same round): on a machine whose speed
            # drifts, their spread says how far the ratio of the medians can be trusted
            "par_tour_jobs1": par_tour(times[f"{name}.jobs1"], times[f"{name}.floor"]),
            "par_tour_jobs2": par_tour(times[f"{name}.jobs2"], times[f"{name}.floor"]),
            "identical": identical[name],
        }
    result["one"] = med["one"]
    result["lots"]["pair"]["parse_only"] = med["pair.parse_only"]
    result["lots"]["pair"]["moities"] = med["pair.moities"]
    result["lots"]["pair"]["ratio_moities"] = med["pair.moities"] / med["pair.floor"]

    memory: dict[str, tuple[float, float | None]] = {}
    if big:
        lot = peer_lot(work, big)
        vider = [*cdv, "cache", "vider"]
        for jobs in (1, 2):
            memory[f"{jobs}"] = peak_memory(_check(cdv, lot, jobs), REPO)
        for jobs in (1, 2):  # with the cache, cold: every entry written
            memory[f"{jobs}, cache"] = peak_memory(_check(cdv, lot, jobs, cache=True), REPO, before=vider)
    result["big"] = big
    result["memory_mb"] = memory
    return result


LABELS = {
    "pair": "lot du pair (gen_dossiers.py --seed 42 : un exercice, un répertoire) — lignes de l'issue",
    "mixte": "lot mixte (generate.py : trois exercices, historique lu d'abord) — ligne secondaire",
}


def report(result: Mapping[str, Any]) -> None:
    print()
    print(f"Machine : {result['machine']}")
    print(
        f"{result['n']} dossiers par lot, médianes de {result['rounds']} tours alternés"
        f" ({result['rounds'] * result['one_runs']} lancements pour un dossier)"
    )
    for name, row in result["lots"].items():
        print(f"{LABELS[name]} ({row['dossiers']} fichiers, {row['mo']:.1f} Mo)")
        print(f"  plancher (lecture CSafeLoader)   {row['floor']:6.2f} s")
        if "parse_only" in row:
            print(f"  parse_only.py --loader c du pair {row['parse_only']:6.2f} s   (même travail, pour contrôle)")
        for jobs in (1, 2):
            ratio, target = row[f"ratio_jobs{jobs}"], TARGETS[f"jobs{jobs}"]
            print(
                f"  cdv check --format json -j {jobs}     {row[f'jobs{jobs}']:6.2f} s   {ratio:4.2f} × plancher"
                f"   (objectif ≤ {target}) {mark(ratio, target)}"
            )
            tours = row.get(f"par_tour_jobs{jobs}", [])
            if len(tours) > 1:
                print(f"    rapport de chaque tour : {', '.join(f'{t:4.2f}' for t in tours)}")
        if "moities" in row:
            print(
                f"  deux -j 1 côte à côte (moitiés)  {row['moities']:6.2f} s   {row['ratio_moities']:4.2f} × plancher"
                "   (ce que la machine donne à deux processus : le plafond de -j 2)"
            )
        print(f"  sortie -j 1 et -j 2 identique    {'oui' if row['identical'] else 'NON'}")
    one = result["one"]
    print(
        f"  cdv check un-dossier.yaml        {one:6.3f} s              (objectif ≤ {TARGETS['one']} s) {mark(one, TARGETS['one'])}"
    )
    for jobs, (single, tree) in result["memory_mb"].items():
        extra = f", tous processus (PSS) {tree:.0f} Mo" if tree is not None else ""
        print(
            f"  mémoire, lot du pair de {result['big']} dossiers, -j {jobs} : pic {single:.0f} Mo par processus{extra}"
            f"   (objectif ≤ {TARGETS['rss_mb']} Mo) {mark(single, TARGETS['rss_mb'])}"
        )


if __name__ == "__main__":
    main()
