"""Files the case writes for people to open: CSV that a spreadsheet cannot execute."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fullcount.errors import FullcountError

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A cell a spreadsheet will show as text: values starting with = + - @ tab or CR
    (formula injection) get a leading apostrophe; ``None`` becomes an empty cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` under ``header`` as UTF-8 CSV, every cell made spreadsheet-safe;
    return how many rows were written."""
    written, opened = 0, False
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            opened = True
            writer = csv.writer(handle)
            writer.writerow([spreadsheet_cell(h) for h in header])
            for row in rows:
                writer.writerow([spreadsheet_cell(v) for v in row])
                written += 1
    except OSError as exc:
        if opened:
            path.unlink(missing_ok=True)  # not half a file
        raise FullcountError(f"cannot write {path}: {exc.strerror or exc}",
                             hint="Choose a folder you can write to.") from exc
    return written
