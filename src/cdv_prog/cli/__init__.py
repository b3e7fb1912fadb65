"""The command line (``cdv``): one module per command group, assembled in :mod:`.app`."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point (see :func:`cdv_prog.cli.app.main`)."""
    from cdv_prog.cli.app import main as run

    return run(argv)
