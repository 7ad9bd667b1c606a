"""The Typer application, its consoles, and how errors reach the user.

Every command is registered through ``command`` so that a ``FullcountError`` becomes
one message on stderr and a non-zero exit code, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from fullcount import __version__
from fullcount.errors import FullcountError

HELP = """\
fullcount: from overlapping lists of victims to one register and a defensible total.

A case is a folder holding your settings (fullcount.toml) and every table
(case.duckdb). Typical session:

  fullcount init my-case
  fullcount ingest ngo_list.csv --source ngo_a --case my-case
  fullcount status --case my-case

Try it first on synthetic data: `fullcount demo`.
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
quarantine_app = typer.Typer(
    help="Rows that could not become records: list them, show one, export them.",
    no_args_is_help=True,
)
app.add_typer(quarantine_app, name="quarantine")

# Wide enough for tables when output goes to a file or pipe (Rich would assume 80).
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])

CaseOption = Annotated[
    Path,
    typer.Option(
        "--case", "-C", envvar="FULLCOUNT_CASE",
        help="The case folder (default: the current folder, or $FULLCOUNT_CASE).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
]


def command(group: typer.Typer, name: str | None = None, **options: Any) -> Callable[[F], F]:
    """Register ``fn`` as a command whose user errors become clear messages."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except FullcountError as exc:
                fail(exc)
            except KeyboardInterrupt:
                err.print("[red]interrupted[/red]: nothing half-written was kept; "
                          "the case is as it was before this command.")
                raise typer.Exit(130) from None

        group.command(name, **options)(run)
        return fn

    return register


def report_error(exc: FullcountError) -> None:
    """Print a user error as one message and its hint (and the traceback with --debug)."""
    if _state["debug"]:
        err.print(traceback.format_exc(), markup=False)
    err.print(f"[bold red]error:[/bold red] {safe(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"       {exc.hint}", markup=False)


def fail(exc: FullcountError) -> None:
    """Report a user error and exit non-zero."""
    report_error(exc)
    raise typer.Exit(exc.exit_code)


def table(*headers: str, title: str | None = None) -> Table:
    return Table(*headers, title=title)


def add_row(table_: Table, *cells: Any) -> None:
    """Add a row of user data: cells are shown as text, never parsed as Rich markup."""
    table_.add_row(*(Text("" if cell is None else str(cell)) for cell in cells))


def safe(value: Any) -> str:
    """User data inside a markup string: escape it so '[...]' prints as written."""
    return escape(str(value))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def version_callback(value: bool) -> None:
    if value:
        out.print(f"fullcount {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show the full traceback when something fails.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=version_callback, is_eager=True,
        help="Print fullcount's version and exit.")] = False,
) -> None:
    _state["debug"] = debug or os.environ.get("FULLCOUNT_DEBUG") == "1"


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """Progress bars on stderr while work runs (only when stderr is a terminal).

    Yields a function ``start(description, total) -> advance(done)``, or ``None``.
    """
    if not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                  transient=True) as progress:

        def start(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=max(total, 1))
            return lambda done: progress.update(task, completed=done)

        yield start


@contextmanager
def progress_steps(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current step of a long stage, each finished step
    listed with its time (only when stderr is a terminal; otherwise silent).

    Yields ``say(step)``: call it when a new step starts.
    """
    import time

    if not err.is_terminal:
        yield lambda _step: None
        return
    started: list[Any] = []

    def finish() -> None:
        if started:
            step, at = started.pop()
            err.print(f"  [dim]{safe(step)} ({time.perf_counter() - at:.1f} s)[/dim]")

    with err.status(f"{title}…") as status:

        def say(step: str) -> None:
            finish()
            started.append((step, time.perf_counter()))
            status.update(f"{title}: {safe(step)}…")

        yield say
        finish()
