"""Capture histories: how many people each combination of lists recorded.

The one input type of every estimator. A history (pattern) is a 0/1 vector over the K
lists; the all-zero history is never observed (those people are what estimation is for).

    CaptureHistories.from_patterns({"110": 33, "100": 403, ...}, lists=["a", "b", "c"])
    CaptureHistories.from_frame(df)            # one 0/1 column per list plus `count`
    CaptureHistories.from_csv("histories.csv")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fullcount.errors import FullcountError


class HistoriesError(FullcountError, ValueError):
    """Capture histories that no estimator can use, and why."""


@dataclass(frozen=True, eq=False)
class CaptureHistories:
    """Observed capture patterns over ``lists`` and how many people had each.

    ``patterns`` is an (M, K) array of 0/1 (unique rows, none all-zero) and ``counts``
    the (M,) number of people per pattern. Build with the ``from_*`` constructors, which
    validate and tidy (duplicate patterns are summed, zero-count rows dropped).
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_arrays(cls, patterns: Any, counts: Any,
                    lists: Iterable[str] | None = None) -> CaptureHistories:
        """Validate and tidy raw arrays (the other constructors end here)."""
        try:
            matrix = np.asarray(patterns, dtype=float)
            weights = np.asarray(counts, dtype=float)
        except (TypeError, ValueError) as exc:
            raise HistoriesError(f"capture histories must be numbers: {exc}") from None
        if matrix.ndim != 2:
            raise HistoriesError("capture patterns must be a table: one row per pattern, "
                                 "one 0/1 column per list")
        k = matrix.shape[1]
        names = tuple(lists) if lists is not None else tuple(f"list{i + 1}" for i in range(k))
        if len(names) != k:
            raise HistoriesError(f"{len(names)} list names for {k} list columns")
        if len(set(names)) != k:
            raise HistoriesError(f"list names must be unique, got {list(names)}")
        if k < 2:
            raise HistoriesError(
                f"multiple systems estimation needs at least 2 lists, got {k}",
            )
        if weights.shape != (matrix.shape[0],):
            raise HistoriesError(
                f"{matrix.shape[0]} patterns but {weights.size} counts: one count per pattern")
        if not np.all(np.isfinite(matrix)) or not np.all(np.isfinite(weights)):
            raise HistoriesError("capture histories contain missing or infinite values")
        if not np.all((matrix == 0) | (matrix == 1)):
            bad = matrix[~((matrix == 0) | (matrix == 1))][0]
            raise HistoriesError(f"list columns must hold 0 or 1, found {bad:g}")
        if np.any(weights < 0) or not np.all(weights == np.round(weights)):
            raise HistoriesError("counts must be whole numbers >= 0")
        zero = matrix.sum(axis=1) == 0
        if np.any(zero & (weights > 0)):
            raise HistoriesError(
                "a row has no list marked but a positive count: the people no list recorded "
                "cannot be observed, they are what is being estimated",
            )
        keep = (~zero) & (weights > 0)
        matrix, weights = matrix[keep].astype(np.uint8), weights[keep].astype(np.int64)
        if weights.sum() == 0:
            raise HistoriesError("no one was observed: all counts are zero")
        # Sum duplicate patterns; order patterns by their binary code (list 1 = high bit).
        codes = matrix @ (1 << np.arange(k - 1, -1, -1))
        unique, inverse = np.unique(codes, return_inverse=True)
        summed = np.bincount(inverse, weights=weights).astype(np.int64)
        bits = ((unique[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.uint8)
        for array in (bits, summed):
            array.setflags(write=False)
        return cls(names, bits, summed)

    @classmethod
    def from_patterns(cls, counts: Mapping[str, int],
                      lists: Iterable[str] | None = None) -> CaptureHistories:
        """From pattern strings, e.g. ``{"1011": 33, "1000": 403}``."""
        if not counts:
            raise HistoriesError("no capture patterns given")
        keys = [str(key).strip() for key in counts]
        widths = {len(key) for key in keys}
        if len(widths) != 1:
            raise HistoriesError(f"patterns have different lengths: {sorted(widths)}")
        for key in keys:
            if set(key) - {"0", "1"}:
                raise HistoriesError(f"pattern '{key}' must be made of 0 and 1 only")
        matrix = [[int(ch) for ch in key] for key in keys]
        return cls.from_arrays(matrix, list(counts.values()), lists)

    @classmethod
    def from_frame(cls, frame: Any, *, count: str = "count",
                   lists: Iterable[str] | None = None) -> CaptureHistories:
        """From a pandas/polars DataFrame: one 0/1 column per list plus ``count``."""
        columns = [str(c) for c in frame.columns]
        if count not in columns:
            raise HistoriesError(
                f"no '{count}' column; columns are {columns}",
            )
        names = list(lists) if lists is not None else [c for c in columns if c != count]
        missing = [c for c in names if c not in columns]
        if missing:
            raise HistoriesError(f"list column(s) {missing} not found; columns are {columns}")
        matrix = np.column_stack([np.asarray(frame[c], dtype=float) for c in names])
        return cls.from_arrays(matrix, np.asarray(frame[count], dtype=float), names)

    @classmethod
    def from_csv(cls, path: Path | str, *, count: str = "count") -> CaptureHistories:
        """From a CSV file: one 0/1 column per list plus ``count``."""
        strata = read_histories_csv(path, count=count)
        if len(strata) != 1:
            raise HistoriesError(f"{path} has a stratum column: use read_histories_csv")
        return next(iter(strata.values()))

    @classmethod
    def from_case(cls, case: Any, strata_by: list[str] | None = None,
                  ) -> dict[str, CaptureHistories]:
        """Per stratum (``{"all": …}`` without strata), from a case's register × sources."""
        from fullcount.estimate.stage import histories_from_case

        return histories_from_case(case, strata_by)[0]

    # -- views ---------------------------------------------------------------------------

    @property
    def k(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def n_observed(self) -> int:
        """People recorded by at least one list."""
        return int(self.counts.sum())

    def list_sizes(self) -> dict[str, int]:
        return {name: int(self.counts[self.patterns[:, j] == 1].sum())
                for j, name in enumerate(self.lists)}

    def full_table(self) -> tuple[np.ndarray, np.ndarray]:
        """All 2^K - 1 observable patterns (binary order) with their counts, zeros included."""
        k = self.k
        codes = np.arange(1, 2**k)
        bits = ((codes[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.uint8)
        counts = np.zeros(2**k - 1, dtype=np.int64)
        observed = self.patterns.astype(np.int64) @ (1 << np.arange(k - 1, -1, -1))
        counts[observed - 1] = self.counts
        return bits, counts

    def pattern_counts(self) -> dict[str, int]:
        """``{"1011": 33, ...}`` for the observed patterns."""
        return {"".join(map(str, row)): int(c) for row, c in zip(self.patterns, self.counts)}

    def without(self, name: str) -> CaptureHistories:
        """The histories with list ``name`` left out (for leave-one-list-out checks)."""
        if name not in self.lists:
            raise HistoriesError(f"no list named '{name}'; lists are {list(self.lists)}")
        keep = [j for j, other in enumerate(self.lists) if other != name]
        patterns = self.patterns[:, keep]
        seen = patterns.sum(axis=1) > 0  # people only on the dropped list become unobserved
        return CaptureHistories.from_arrays(
            patterns[seen], self.counts[seen], [self.lists[j] for j in keep])

    def to_frame(self) -> Any:
        """A pandas DataFrame: one 0/1 column per list plus ``count``."""
        import pandas as pd

        frame = pd.DataFrame(self.patterns.astype(int), columns=list(self.lists))
        frame["count"] = self.counts
        return frame

    def __repr__(self) -> str:
        return (f"CaptureHistories(lists={list(self.lists)}, patterns={len(self.counts)}, "
                f"n_observed={self.n_observed})")


def read_histories_csv(path: Path | str, *, count: str = "count",
                       stratum: str = "stratum") -> dict[str, CaptureHistories]:
    """Capture histories from a CSV file: one 0/1 column per list plus ``count``, and
    optionally a ``stratum`` column. Returns ``{stratum: histories}`` (``{"all": …}``)."""
    import csv

    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise HistoriesError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HistoriesError(f"{path} is not UTF-8 text") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise HistoriesError(f"{path} has no rows of capture histories")
    header = [cell.strip() for cell in rows[0]]
    if count not in header:
        raise HistoriesError(
            f"{path}: no '{count}' column; the header is {header}",
            hint="Expected one 0/1 column per list plus a `count` column "
            "(and optionally `stratum`).",
        )
    where = header.index(count)
    at = header.index(stratum) if stratum in header else None
    names = [h for i, h in enumerate(header) if i not in (where, at)]
    groups: dict[str, tuple[list[list[float]], list[float]]] = {}
    for line, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise HistoriesError(f"{path} line {line}: {len(row)} cells, the header has "
                                 f"{len(header)}")
        try:
            values = [float(cell) if i != at else 0.0 for i, cell in enumerate(row)]
        except ValueError:
            raise HistoriesError(f"{path} line {line}: list and count cells must be numbers: "
                                 f"{row}") from None
        key = row[at].strip() if at is not None else "all"
        matrix, weights = groups.setdefault(key, ([], []))
        weights.append(values[where])
        matrix.append([v for i, v in enumerate(values) if i not in (where, at)])
    result = {}
    for key, (matrix, weights) in groups.items():
        try:
            result[key] = CaptureHistories.from_arrays(matrix, weights, names)
        except HistoriesError as exc:
            where_ = f" (stratum {key})" if at is not None else ""
            raise HistoriesError(f"{path}{where_}: {exc.message}", hint=exc.hint) from None
    return result
