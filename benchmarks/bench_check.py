"""Benchmark of ``cdv check``: batch speed against the YAML parse floor, start time, memory.

Generates N synthetic dossiers (``generate.py``: deterministic, every rule
exercised, about a third inéligibles), then measures, alternating the commands
round after round and keeping medians:

* the **floor**: a few lines that only parse the same files with PyYAML's
  ``CSafeLoader`` (libyaml), in a fresh Python process;
* ``cdv check --format json`` on them with ``--jobs 1`` and ``--jobs 2``;
* ``cdv check`` on one file (wall time of the whole process);
* peak memory of ``cdv check --format json`` on a much bigger batch
  (100 000 dossiers by default): the peak RSS of the biggest process
  (``getrusage``) and the peak of the whole process tree's PSS (sampled).

Targets (2-core machine): jobs 1 ≤ 1.5 × floor, jobs 2 ≤ 0.9 × floor, one
dossier ≤ 0.25 s, 100 000 dossiers ≤ 200 MB.

Usage::

    python benchmarks/bench_check.py                 # N=10 000, 5 rounds, memory on 100 000
    python benchmarks/bench_check.py -n 2000 --rounds 3 --big 0   # quick look, no memory run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parent.parent

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

TARGETS = {"jobs1": 1.5, "jobs2": 0.9, "one": 0.25, "rss_mb": 200}


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
    return f"{cpus} CPU ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


# The commands run as after an installation: with their compiled bytecode, kept
# out of the source tree (a session may have set PYTHONDONTWRITEBYTECODE).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], cwd: Path, expect: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in expect:
        raise SystemExit(f"échec de {' '.join(cmd)} (code {proc.returncode}) :\n{proc.stderr.decode(errors='replace')}")
    return elapsed


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


def peak_memory(cmd: list[str], cwd: Path) -> tuple[float, float | None]:
    """(peak RSS of the biggest single process in MB, peak PSS of the process tree in MB, sampled)."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *cmd], cwd=cwd, env=ENV, capture_output=True, text=True, check=True
    )
    code, maxrss = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"échec de {' '.join(cmd)} (code {code})")
    single = int(maxrss) / 1024
    if not Path("/proc/self/smaps_rollup").exists():
        return single, None
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = 0
    while proc.poll() is None:
        tree = max(tree, _tree_memory_kb(proc.pid))
        time.sleep(0.05)
    return single, tree / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark de cdv check.")
    parser.add_argument("-n", type=int, default=10_000, help="dossiers du lot chronométré (10 000)")
    parser.add_argument("--rounds", type=int, default=5, help="tours alternés (5)")
    parser.add_argument("--one-runs", type=int, default=5, help="lancements sur un seul dossier par tour (5)")
    parser.add_argument(
        "--big", type=int, default=100_000, help="dossiers de la mesure mémoire (100 000 ; 0 : pas de mesure)"
    )
    parser.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire, effacé à la fin)")
    parser.add_argument("--json", action="store_true", help="résultats aussi en JSON sur la dernière ligne")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cdv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    ENV["CDV_CACHE_DIR"] = str(work / "cdv-cache")  # never the user's cache
    cdv = cdv_command()
    lot = work / f"lot-{args.n}"
    if not lot.exists():
        t = time.perf_counter()
        paths = generate(lot, args.n)
        print(f"{args.n} dossiers générés en {time.perf_counter() - t:.1f} s dans {lot}", file=sys.stderr)
    else:
        paths = sorted(lot.rglob("*.yaml"))
    one = paths[min(14, len(paths) - 1)]
    size_mb = sum(p.stat().st_size for p in paths) / 1e6

    commands = {
        "floor": [sys.executable, "-c", FLOOR, str(lot)],
        # the engine's speed, not the cache's (benchmarks/bench_cache.py measures the cache)
        "jobs1": [*cdv, "check", str(lot), "--format", "json", "--jobs", "1", "--sans-cache"],
        "jobs2": [*cdv, "check", str(lot), "--format", "json", "--jobs", "2", "--sans-cache"],
    }
    one_cmd = [*cdv, "check", str(one)]

    same = digest(commands["jobs1"], REPO) == digest(commands["jobs2"], REPO)
    for cmd in commands.values():  # warm-up: page cache, .pyc files
        wall(cmd, REPO)
    wall(one_cmd, REPO)

    times: dict[str, list[float]] = {k: [] for k in [*commands, "one"]}
    names = list(commands)
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]  # alternate who goes first
        for name in order:
            times[name].append(wall(commands[name], REPO))
        for _ in range(args.one_runs):
            times["one"].append(wall(one_cmd, REPO))
        print(
            f"tour {r + 1}/{args.rounds} : " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
            file=sys.stderr,
        )
    med = {k: statistics.median(v) for k, v in times.items()}

    memory = None
    if args.big:
        big = work / f"lot-{args.big}"
        if not big.exists():
            t = time.perf_counter()
            generate(big, args.big)
            print(f"{args.big} dossiers générés en {time.perf_counter() - t:.1f} s", file=sys.stderr)
        memory = {
            jobs: peak_memory([*cdv, "check", str(big), "--format", "json", "--jobs", jobs, "--sans-cache"], REPO)
            for jobs in ("1", "2")
        }
        for jobs in ("1", "2"):  # with the cache, cold: every entry written
            shutil.rmtree(work / "cdv-cache", ignore_errors=True)
            memory[f"{jobs}, cache"] = peak_memory([*cdv, "check", str(big), "--format", "json", "--jobs", jobs], REPO)

    floor = med["floor"]
    print()
    print(f"Machine : {machine()}")
    print(
        f"Lot : {args.n} dossiers ({size_mb:.1f} Mo), médianes de {args.rounds} tours alternés"
        f" ({args.rounds * args.one_runs} lancements pour un dossier)"
    )
    print(f"  plancher (lecture CSafeLoader)   {floor:6.2f} s")
    print(
        f"  cdv check --format json -j 1     {med['jobs1']:6.2f} s   {med['jobs1'] / floor:4.2f} × plancher"
        f"   (objectif ≤ {TARGETS['jobs1']})"
    )
    print(
        f"  cdv check --format json -j 2     {med['jobs2']:6.2f} s   {med['jobs2'] / floor:4.2f} × plancher"
        f"   (objectif ≤ {TARGETS['jobs2']})"
    )
    print(f"  cdv check un-dossier.yaml        {med['one']:6.3f} s              (objectif ≤ {TARGETS['one']} s)")
    print(f"  sortie -j 1 et -j 2 identique    {'oui' if same else 'NON'}")
    if memory:
        for jobs, (single, tree) in memory.items():
            extra = f", tous processus (PSS) {tree:.0f} Mo" if tree is not None else ""
            print(
                f"  mémoire, {args.big} dossiers, -j {jobs} : pic {single:.0f} Mo par processus{extra}"
                f"   (objectif ≤ {TARGETS['rss_mb']} Mo)"
            )
    if args.json:
        print(
            json.dumps(
                {
                    "machine": machine(),
                    "n": args.n,
                    "medians": med,
                    "ratios": {"jobs1": med["jobs1"] / floor, "jobs2": med["jobs2"] / floor},
                    "identical": same,
                    "memory_mb": memory,
                }
            )
        )


if __name__ == "__main__":
    main()
