"""The command line (``cdv``): one module per command group, assembled in :mod:`.app`."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (see :func:`cdv_prog.cli.app.main`).

    ``cdv check`` in its usual forms runs without typer (:mod:`cdv_prog.cli.fast`: the same
    parameters, the same command); any other command line goes through typer.
    """
    import os
    import sys

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
