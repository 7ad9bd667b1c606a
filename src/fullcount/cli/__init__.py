"""The `fullcount` command line. Each command lives in the module of its stage group."""

from __future__ import annotations

import sys

from fullcount.cli import case_commands, ingest_command, synth_commands  # noqa: F401
from fullcount.cli.app import app, err

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `fullcount` console script."""
    try:
        app()
    except Exception as exc:  # a bug, not a user error: say so without a wall of text
        if "--debug" in sys.argv:
            raise
        err.print(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {exc}",
                  markup=True, highlight=False)
        err.print("       This is a bug in fullcount. Re-run with --debug for the traceback "
                  "and report it; the case was not left half-written.", markup=False)
        sys.exit(2)
