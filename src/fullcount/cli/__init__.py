"""The `fullcount` command line. Each command lives in the module of its stage group."""

from __future__ import annotations

import sys

from fullcount.cli import (  # noqa: F401
    audit_commands,
    case_commands,
    claims_commands,
    estimate_command,
    export_commands,
    ingest_command,
    link_commands,
    normalize_command,
    report_command,
    review_command,
    synth_commands,
    validate_command,
)
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
                  "and report it.", markup=False)
        sys.exit(2)
