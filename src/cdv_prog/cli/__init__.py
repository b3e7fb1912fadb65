"""The command line (``cdv``): one module per command group, assembled in :mod:`.app`."""

from __future__ import annotations

GC_SEUILS = (50_000, 10, 10)  # the collector's thresholds for a cdv process (Python's: 700, 10, 10)
EN_PROCESSUS = False  # set by the process's own entry point (:func:`executer`), never by a call in-process


def executer() -> None:
    """The console script's and ``python -m cdv_prog``'s entry point: :func:`main` in a process of its own.

    The process ends as soon as its output is flushed, without Python's final teardown
    (:func:`cdv_prog.cli.process._quitter`); called in-process (the tests), :func:`main` ends as usual.
    """
    import sys

    global EN_PROCESSUS
    EN_PROCESSUS = True
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (see :func:`cdv_prog.cli.app.main`).

    ``cdv check`` in its usual forms runs without typer (:mod:`cdv_prog.cli.fast`: the same
    parameters, the same command); any other command line goes through typer.
    """
    import gc
    import os
    import sys

    # a dossier's objects die young and, but for a few, by reference counting: collecting the youngest
    # generation every 700 allocations cost ~3 % of a batch and of the start (imports), for nothing
    gc.set_threshold(*GC_SEUILS)
    from cdv_prog.cli.fast import check_parameters

    params = check_parameters(sys.argv[1:] if argv is None else argv, os.environ, os.name)
    if params is None:
        from cdv_prog.cli.app import main as run

        return run(argv)
    from cdv_prog.cli.process import protected

    def check() -> int:
        from cdv_prog.cli.check_run import run_check  # after protected() set pydantic's environment

        return run_check(**params)

    return protected(check)
