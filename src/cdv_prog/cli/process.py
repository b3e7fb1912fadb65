"""A command run as a process: its environment, its exit code, never a traceback (typer-free).

:func:`protected` runs a command — the whole command line through typer
(:func:`cdv_prog.cli.app.main`), or ``cdv check``'s fast path (:func:`cdv_prog.cli.main`) — with
the same start and the same end: pydantic's plugins not looked for, standard streams that never
fail on a character, stop signals turned into « Interrompu. » and 128 + the signal, a usage error
(:class:`~cdv_prog.cli.common.CommandExit`) its code, a broken pipe 1, a bug of cdv a French
message (``CDV_DEBUG=1``: the traceback) and exit 2.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

from cdv_prog.cli.common import CommandExit, err_console, prepare_streams
from cdv_prog.files.interrupt import Interrupted, interruptible, recu


def protected(action: Callable[[], object], usage: Callable[[Exception], int | None] | None = None) -> int:
    """Run ``action`` (its result: the exit code, or 0 when not an int) and exit the process with its code.

    ``usage``: the exit code of an exception the caller knows (click's usage errors), after its
    message; ``None`` for any other, which is then a bug of cdv.
    """
    import os

    # cdv uses no pydantic plugin: skip their discovery (an entry-point scan, ~15 ms at each start)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _no_plugin_loader()
    prepare_streams()  # a cp1252 or ASCII standard output shows stand-ins, never fails on « ✘ »
    try:
        with interruptible():  # SIGTERM, SIGHUP, Ctrl-C: Interrupted, below; cleanups (worker processes) run
            result = action()
    except CommandExit as exc:  # its message is already on standard error
        return _fin(exc.exit_code)
    except KeyboardInterrupt:
        err_console().print("Interrompu.")
        return _exit(130)
    except Interrupted as exc:  # 130 Ctrl-C, 129 SIGHUP, 143 SIGTERM
        return _interrompu(exc)
    except BrokenPipeError:  # the reader gone — or the pipe to a worker a stop signal stopped
        return _fin(1)
    except Exception as exc:  # a bug of cdv: a French message and the details, never a bare traceback
        if (signum := recu()) is not None:  # a consequence of the stop (a stopped worker's pool), not a bug
            return _interrompu(Interrupted(signum))
        known = usage(exc) if usage is not None else None
        if known is not None:
            return _exit(known)
        if _travail_perdu(exc):  # a worker killed (by the system, out of memory…): not a bug of cdv
            from rich.markup import escape

            err_console().print(
                f"[bold red]Erreur[/] : {escape(str(exc))} (arrêté par le système ? mémoire ?) ; "
                "le lot n'est pas allé au bout. Relancer, ou avec --jobs 1.",
                highlight=False,
            )
            return _exit(2)
        if os.environ.get("CDV_DEBUG"):
            raise
        from rich.markup import escape

        console = err_console()
        console.print(
            f"[bold red]Erreur interne de cdv[/] ({type(exc).__name__}) : {escape(str(exc))}", highlight=False
        )
        console.print("Relancer avec CDV_DEBUG=1 pour le détail, et signaler le problème.", highlight=False)
        return _exit(2)
    code = result if isinstance(result, int) else 0
    return _fin(code)


def _travail_perdu(exc: Exception) -> bool:
    """``exc`` says a worker process of the batch ended before giving its work back (nothing imported here)."""
    workers = sys.modules.get("cdv_prog.files.workers")
    return workers is not None and isinstance(exc, workers.WorkerPerdu)


def _fin(code: int) -> int:
    """Exit with ``code`` — or as :func:`_interrompu` if a stop signal came whose exception was lost
    (raised in a finalizer, where Python ignores it: :func:`~cdv_prog.files.interrupt.recu`)."""
    signum = recu()
    return _interrompu(Interrupted(signum)) if signum is not None else _exit(code)


def _interrompu(exc: Interrupted) -> int:
    """« Interrompu. », and the process ends with 128 + the signal's number."""
    import os

    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
        err_console().print("Interrompu.", highlight=False)
    _drop_pending_output()
    if sys.stdout is sys.__stdout__:  # a real process: no clean-up may wait for a stopped pool's threads
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(exc.exit_code)
    return _exit(exc.exit_code)


def _no_plugin_loader() -> None:
    """With pydantic's plugins disabled, its plugin loader is a function answering « none ».

    pydantic's loader (``pydantic.plugin._loader``) imports ``importlib.metadata`` (and with it
    ``email``, ``zipfile``…: about a tenth of a start) only to find no plugin when
    ``PYDANTIC_DISABLE_PLUGINS`` disables them all; its ``get_plugins()`` then returns ``()``,
    which is all this stand-in does. Only before pydantic has loaded it, and only then.
    """
    import os
    import types

    name = "pydantic.plugin._loader"
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true") or name in sys.modules:
        return
    loader = types.ModuleType(name, "pydantic's plugin loader when every plugin is disabled (cdv_prog.cli.process).")

    def get_plugins() -> tuple[()]:
        return ()

    loader.get_plugins = get_plugins  # type: ignore[attr-defined]  # a module built here, not pydantic's
    sys.modules[name] = loader


def _drop_pending_output() -> None:
    """After an interruption, what is left of the payload is dropped, never waited for.

    A reader that stopped reading (a full pipe) would otherwise block the final
    flush forever. Only the real standard output is redirected (not a test's capture).
    """
    import os

    stdout = sys.__stdout__
    if stdout is None or sys.stdout is not stdout:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)


def _exit(code: int) -> int:
    from cdv_prog import cli

    with contextlib.suppress(BrokenPipeError, ValueError):
        sys.stdout.flush()
    if cli.EN_PROCESSUS and sys.stdout is sys.__stdout__:  # the process's own entry point, not a test's call
        _quitter(code)
    sys.exit(code)


def _arreter_processus() -> None:
    """Stop the worker processes of a batch that did not finish, rather than wait for them.

    A batch that ends normally has waited for its workers; one left unfinished — the reader of standard
    output gone mid-batch (``cdv check … | head``: the write fails with a broken pipe) — may still have
    a worker waiting for its next chunk (:func:`cdv_prog.files.parallel.stop_workers`). Only a batch that
    forked has workers, and only it loaded the modules that know them: nothing is imported here.
    """
    parallel = sys.modules.get("cdv_prog.files.parallel")
    if parallel is not None:
        parallel.stop_workers()


def _quitter(code: int) -> None:
    """End the process now, its output written, without Python's final teardown.

    The exit handlers still run (``atexit``, the ``weakref.finalize`` ones); what
    is skipped is the destruction of every module and object one by one, which serves no purpose at
    the end of a process: 32 to 118 ms of a ``cdv check`` (38 to 81 ms for one dossier; issue 17).
    Whatever cdv writes is closed before the command returns (outputs are written atomically, the
    cache's connection is closed, the worker processes are gone — or stopped here, :func:`_arreter_processus`);
    the standard streams are flushed here.
    """
    import atexit
    import os

    _arreter_processus()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)
