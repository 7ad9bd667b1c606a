"""Running `fullcount` commands in the test process (Typer's runner), for CLI tests."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from fullcount.cli import app


def fullcount(*args: str | Path) -> Result:
    """Run a `fullcount` command in this process; exceptions are caught into the result."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"FULLCOUNT_CASE": None})


def ok(*args: str | Path) -> Result:
    result = fullcount(*args)
    assert result.exit_code == 0, (
        f"fullcount {args} failed ({result.exit_code}):\n{result.output}\n{result.exception!r}")
    return result


def fails(*args: str | Path) -> Result:
    """A command that must fail as a user error: a message, no traceback."""
    result = fullcount(*args)
    assert result.exit_code not in (0, None), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "error:" in result.stderr
    return result
