"""Scoring extracted claims against a hand-labelled test set.

A test set is JSON lines, one sentence each::

    {"id": "en-001", "split": "tune", "text": "...",
     "claims": [{"category": "killed", "bound": "at_least", "low": 168, "high": 168,
                 "claimant": "the rights group", "place": "...", "period": "...",
                 "event": "...", "subset": false}]}

A predicted claim matches an expected one when category, bound, low and high are all
equal; each expected claim is matched at most once. Precision is matches over predicted
claims, recall matches over expected claims. The optional fields are scored on matched
pairs only. A field written on a sentence's first claim holds for its other claims too,
unless they give their own (who claims, where and when are usually said once per
sentence). A value is right when, folded, one of the two strings contains the other
("the Ministry of Health" and "Ministry of Health"); field precision counts a value
given where none was labelled as wrong, field recall counts a labelled value not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fullcount.claims.extract import Claim, extract_claims
from fullcount.claims.numbers import fold_term

__all__ = ["FIELDS", "Score", "load_test_set", "score_claims"]

FIELDS = ("claimant", "period", "place", "event", "subset")


@dataclass
class _Counts:
    true_positive: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.expected if self.expected else 1.0


@dataclass
class Score:
    """Precision and recall of claims, and of each optional field on matched claims."""

    claims: _Counts = field(default_factory=_Counts)
    fields: dict[str, _Counts] = field(default_factory=lambda: {f: _Counts() for f in FIELDS})
    errors: list[dict[str, Any]] = field(default_factory=list)
    sentences: int = 0

    @property
    def precision(self) -> float:
        return self.claims.precision

    @property
    def recall(self) -> float:
        return self.claims.recall


def load_test_set(path: str | Path) -> list[dict[str, Any]]:
    """The sentences of a JSON-lines test set."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _key(claim: dict[str, Any]) -> tuple[str, str, int, int]:
    return (claim["category"], claim["bound"], int(claim["low"]), int(claim["high"]))


def _as_dict(claim: Claim) -> dict[str, Any]:
    return {"category": claim.category, "bound": claim.bound, "low": claim.low,
            "high": claim.high, "claimant": claim.claimant, "period": claim.period,
            "place": claim.place, "event": claim.event, "subset": claim.is_subset,
            "quantity": claim.quantity.text}


def _fold(value: str) -> str:
    folded = fold_term(value).strip(" .,'")
    for article in ("the ", "a ", "an "):
        folded = folded.removeprefix(article)
    return folded


def _agree(predicted: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(predicted, bool):
        return bool(predicted) == bool(expected)
    a, b = _fold(str(predicted)), _fold(str(expected))
    return bool(a) and bool(b) and (a in b or b in a)


def _with_sentence_fields(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not claims:
        return []
    shared = {name: claims[0][name] for name in FIELDS if name != "subset" and name in claims[0]}
    return [claims[0]] + [{**shared, **claim} for claim in claims[1:]]


def score_claims(rows: Iterable[dict[str, Any]], *,
                 extract: Callable[[str, str], list[Claim]] | None = None,
                 language: str | None = None) -> Score:
    """Score ``extract`` (default: ``extract_claims``) on test-set ``rows``.

    ``language`` is passed to the extractor for every row (None: detect it)."""
    run = extract or (lambda text, lang: extract_claims(text, lang))
    score = Score()
    for row in rows:
        score.sentences += 1
        predicted = [_as_dict(c) for c in run(row["text"], language)]  # type: ignore[arg-type]
        expected = _with_sentence_fields(row["claims"])
        score.claims.predicted += len(predicted)
        score.claims.expected += len(expected)
        unmatched = list(range(len(expected)))
        pairs = []
        extra = []
        for p in predicted:
            hit = next((i for i in unmatched if _key(expected[i]) == _key(p)), None)
            if hit is None:
                extra.append(p)
                continue
            unmatched.remove(hit)
            pairs.append((p, expected[hit]))
        score.claims.true_positive += len(pairs)
        for p, e in pairs:
            for name in FIELDS:
                have = p.get(name)
                want = e.get(name, False if name == "subset" else None)
                counts = score.fields[name]
                if name == "subset":
                    counts.predicted += bool(have)
                    counts.expected += bool(want)
                    counts.true_positive += bool(have) and bool(want)
                    continue
                counts.predicted += have is not None
                counts.expected += want is not None
                counts.true_positive += have is not None and want is not None and _agree(
                    have, want)
        if extra or unmatched:
            score.errors.append({
                "id": row["id"], "text": row["text"],
                "extra": [{k: v for k, v in p.items() if v is not None} for p in extra],
                "missed": [expected[i] for i in unmatched]})
    return score
