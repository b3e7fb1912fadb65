"""What only real processes show: stop signals, worker processes that never outlive the batch, the bar on a terminal.

``cdv check --jobs 2`` forks two workers. The parent is held mid-batch by
its own standard output: a pipe nobody reads fills up (the JSON of a few
dozen dossiers is larger than a pipe's buffer), so the parent waits in a
write, deterministically, while its workers are alive. Then it gets a
signal, and no worker may remain: SIGTERM, SIGHUP and SIGINT stop the batch
cleanly (« Interrompu. », exit 128 + the signal's number); SIGKILL cannot be
caught, and the kernel kills the workers with their parent (PR_SET_PDEATHSIG).
Every wait is bounded; a worker left behind by a failing test is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_catalogue import REPO

from cdv_prog.files.interrupt import Interrupted, interruptible
from processus import wait_for

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie is dead, only not yet reaped


def children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == parent and fields[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


@pytest.fixture(scope="module")
def lot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("signaux") / "lot"
    generate(root, 60, seed=3)
    return root


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
    env.pop("CDV_DEBUG", None)
    return env


@pytest.fixture
def held_batch(lot: Path) -> Iterator[tuple[subprocess.Popen[bytes], list[int]]]:
    """``cdv check lot -f json -j 2``, held in a write to stdout, and its two live workers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdv_prog", "check", str(lot), "-f", "json", "-j", "2"],
        cwd=lot.parent,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    try:
        assert wait_for(lambda: len(children(proc.pid)) >= 2, 60), "the workers never started"
        workers[:] = children(proc.pid)
        yield proc, workers
    finally:
        for pid in [*workers, proc.pid]:  # nothing left behind, even by a failing test
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.communicate(timeout=30)


@LINUX
@pytest.mark.parametrize(("signame", "code"), [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_stop_signal_stops_the_workers_too(held_batch, signame: str, code: int) -> None:
    if signame == "SIGHUP" and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
        pytest.skip("SIGHUP ignored (the suite runs under nohup): cdv leaves it ignored, on purpose")
    proc, workers = held_batch
    assert all(running(pid) for pid in workers)
    os.kill(proc.pid, getattr(signal, signame))
    _, err = proc.communicate(timeout=60)  # reading stdout lets the parent finish its write and stop
    assert proc.returncode == code
    stderr = err.decode("utf-8")
    assert "Interrompu." in stderr and "Traceback" not in stderr
    assert wait_for(lambda: not any(running(pid) for pid in workers), 10), "a worker outlived the batch"


@LINUX
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_reader_that_stopped_reading_never_blocks_the_stop(held_batch, signame: str) -> None:
    """Stopped while its payload waits on a full pipe nobody reads: it still exits, dropping the rest."""
    proc, workers = held_batch
    os.kill(proc.pid, getattr(signal, signame))
    try:
        proc.wait(timeout=30)  # stdout is never read
    except subprocess.TimeoutExpired:
        pytest.fail("the command waited forever on its unread output")
    assert proc.returncode == {"SIGINT": 130, "SIGTERM": 143}[signame]
    assert wait_for(lambda: not any(running(pid) for pid in workers), 10), "a worker outlived the batch"


@LINUX
def test_workers_die_with_a_killed_parent(held_batch) -> None:
    """SIGKILL runs no handler: the kernel kills the workers when their parent dies."""
    proc, workers = held_batch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert wait_for(lambda: not any(running(pid) for pid in workers), 10), "orphan workers"


ORPHAN = """
import ctypes, os, sys, time
from cdv_prog.files import workers
if sys.argv[1] == "sans-prctl":  # the death signal cannot be armed: the watcher thread must do the job
    def refused(*args, **kwargs):
        raise OSError("pas de prctl")
    ctypes.CDLL = refused
parent = os.getpid()
child = os.fork()
if child == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the test reads the parent's output to its end: the child does not hold it
    os.dup2(devnull, 2)
    workers._die_with_parent(parent)
    time.sleep(120)  # a worker waiting for work
    os._exit(0)
print(child, flush=True)
time.sleep(0.5)  # the child arms its guard meanwhile
os._exit(0)  # the parent dies without a word
"""


@LINUX
@pytest.mark.parametrize("mode", ["prctl", "sans-prctl"])
def test_a_worker_whose_parent_dies_exits(mode: str) -> None:
    """The worker's own guard, with the kernel's death signal and with the getppid watcher alone."""
    proc = subprocess.run([sys.executable, "-c", ORPHAN, mode], env=_env(), capture_output=True, timeout=60)
    child = int(proc.stdout.decode().split()[0])
    try:
        assert wait_for(lambda: not running(child), 10), "the worker outlived its parent"
    finally:
        if running(child):
            os.kill(child, signal.SIGKILL)


def test_a_worker_started_after_its_parent_died_exits_at_once() -> None:
    code = "from cdv_prog.files import workers; workers._die_with_parent(0); print('vivant')"
    proc = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == b""


# --------------------------------------------------------------------------- interruptible, in process


def signal_self(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(5)  # cut short by the handler's exception


def test_interruptible_turns_a_signal_into_an_exception_and_puts_handlers_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interruptible(), pytest.raises(Interrupted) as caught:
        signal_self(signal.SIGTERM)
    assert caught.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is before


def test_interruptible_blocks_closed_in_any_order_restore_the_first_handlers() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    ran: list[str] = []
    outer, inner = interruptible(), interruptible(on_signal=lambda: ran.append("arrêt des processus"))
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the outer block closes first (a generator closed late holds the inner)
    with pytest.raises(Interrupted):
        signal_self(signal.SIGTERM)
    assert ran == ["arrêt des processus"]
    inner.__exit__(None, None, None)
    assert {s: signal.getsignal(s) for s in before} == before


def test_an_ignored_signal_stays_ignored() -> None:
    """``nohup cdv check …``: SIGHUP is ignored on purpose, and stays so."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with interruptible():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_IGN, signal.SIG_DFL)
    finally:
        signal.signal(signal.SIGHUP, previous)


# --------------------------------------------------------------------------- the progress bar on a terminal


@LINUX
def test_the_bar_goes_to_the_terminal_and_the_payload_stays_on_stdout(lot: Path) -> None:
    """stderr on a real terminal, stdout to a pipe: a bar on the terminal, the whole JSON on stdout."""
    import json
    import pty

    from cdv_prog.cli.common import PROGRESS_MIN_FILES

    root = lot.parent / "cent"
    if not root.exists():
        generate(root, PROGRESS_MIN_FILES, seed=5)
    master, slave = pty.openpty()
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cdv_prog", "check", str(root), "-f", "json", "-j", "1"],
            cwd=root.parent,
            env={**_env(), "TERM": "xterm", "COLUMNS": "100"},
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
        )
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    assert proc.returncode in (0, 1)
    doc = json.loads(proc.stdout.decode("utf-8"))  # not a byte of the payload went through the bar
    assert len(doc["dossiers"]) == PROGRESS_MIN_FILES
    assert "Vérification des dossiers".encode() in seen
