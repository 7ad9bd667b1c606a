"""The claims register in the case: documents read, the claims found in them, and what
reviewers decided about each (CLAIMS.md §2).

``extract_into_case`` reads a document, keeps its text and SHA-256, and stores every
claim the extractor finds as *proposed*; the same file again changes nothing. Reviewers
``accept_claims``, ``reject_claims``, ``edit_claim`` (any field, validated) and
``add_claim`` by hand. Every change is written to the audit log with the reviewer's name
and appended to the claim's own ``history``; nothing is deleted.

Numbers. ``value_point`` is the number as written (None for a range or a vague term);
``value_low``/``value_high`` are the interval its bound implies (``value_high`` None: no
upper end), by CLAIMS.md §2:

==============  =====================  ==============  ======================
bound_type      interval               bound_type      interval
==============  =====================  ==============  ======================
exact           [v, v]                 approx          [v·(1−t), v·(1+t)]
at_least        [v, ∞)                 approx_below    [v·(1−t), v]
more_than       (v, ∞)                 range           [low, high] as written
at_most         [0, v]                 vague           the coded range of the
less_than       [0, v)                                 term (``claims.numbers``)
==============  =====================  ==============  ======================

``t`` is the claim's ``approx_tolerance`` (0.1 unless set), kept in the row as CLAIMS.md
asks. Whether an end is open (more_than, less_than) follows from ``bound_type``.

Scope says which part of the case a claim is about: "all", or a stratum value of
``[strata] by`` (as the estimate stage names strata). A reviewer who sets it asserts that
the claim's place and period are the case's; unset, the claim is not compared.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fullcount import __version__
from fullcount.claims.documents import read_document
from fullcount.claims.extract import Claim, extract_claims
from fullcount.claims.lexicon import CATEGORIES
from fullcount.claims.numbers import parse_quantity
from fullcount.errors import FullcountError

if TYPE_CHECKING:
    from fullcount.case import Case

__all__ = [
    "BOUND_TYPES", "CLAIM_CATEGORIES", "DEFAULT_TOLERANCE", "EDITABLE_FIELDS", "STATUSES",
    "UNITS", "ClaimDocument", "ClaimEdit", "ExtractionResult", "ReviewResult", "StoredClaim",
    "accept_claims", "add_claim", "claim_interval", "describe_value", "document_text",
    "documented_by_scope", "edit_claim", "extract_into_case", "format_number", "get_claim",
    "get_document", "list_claims", "reject_claims",
]

ORIGIN = f"fullcount.claims rules (fullcount {__version__})"
MANUAL = "manual"
STATUSES = ("proposed", "accepted", "rejected")
UNITS = ("persons", "events", "cases")
BOUND_TYPES = ("exact", "at_least", "more_than", "at_most", "less_than", "approx",
               "approx_below", "range", "vague")
SINGLE_BOUNDS = ("exact", "at_least", "more_than", "at_most", "less_than", "approx",
                 "approx_below")
# The extractor's categories and the others of CLAIMS.md §2 a reviewer may need.
CLAIM_CATEGORIES: tuple[str, ...] = (*CATEGORIES, "incidents", "cases", "other")
DEFAULT_TOLERANCE = 0.1

# What `edit_claim` changes, by the names a user types (``--bound`` …) and by column.
FIELD_ALIASES = {"value": "value_point", "low": "value_low", "high": "value_high",
                 "bound": "bound_type", "tolerance": "approx_tolerance",
                 "parent": "parent_claim_id", "translation": "quote_translation"}
EDITABLE_FIELDS = ("category", "unit", "bound_type", "value_point", "value_low", "value_high",
                   "vague_term", "approx_tolerance", "subgroup", "parent_claim_id", "event",
                   "place", "period", "period_start", "period_end", "cumulative", "claimant",
                   "scope", "language", "quote_translation", "quote", "note")
_NUMBER_FIELDS = ("bound_type", "value_point", "value_low", "value_high", "vague_term",
                  "approx_tolerance")
_TEXT_FIELDS = ("vague_term", "subgroup", "event", "place", "period", "claimant",
                "quote_translation", "note", "quote")

COLUMNS = (
    "claim_id", "document_id", "quote", "quote_start", "quote_end", "quote_translation",
    "quantity_text", "quantity_start", "quantity_end", "language", "value_point", "value_low",
    "value_high", "bound_type", "approx_tolerance", "vague_term", "category", "unit",
    "subgroup", "parent_claim_id", "event", "place", "period", "period_start", "period_end",
    "cumulative", "claimant", "scope", "status", "origin", "reviewer", "reviewed_at", "note",
    "created_at", "history",
)
_DOCUMENT_COLUMNS = ("document_id", "file_name", "file_path", "sha256", "size_bytes",
                     "format", "characters", "origin", "added_at", "added_by")


# ------------------------------------------------------------------ what is stored


@dataclass(frozen=True)
class StoredClaim:
    """One row of the claims register (columns as in the case's ``claims`` table)."""

    claim_id: int
    document_id: int | None
    quote: str
    quote_start: int | None
    quote_end: int | None
    quote_translation: str | None
    quantity_text: str | None
    quantity_start: int | None
    quantity_end: int | None
    language: str | None
    value_point: float | None
    value_low: float
    value_high: float | None
    bound_type: str
    approx_tolerance: float
    vague_term: str | None
    category: str
    unit: str
    subgroup: str | None
    parent_claim_id: int | None
    event: str | None
    place: str | None
    period: str | None
    period_start: date | None
    period_end: date | None
    cumulative: bool
    claimant: str | None
    scope: str | None
    status: str
    origin: str
    reviewer: str | None
    reviewed_at: datetime | None
    note: str | None
    created_at: datetime
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def claimed(self) -> str:
        """The number as the claim states it: "at least 212", "1,500–2,000"."""
        return describe_value(self.bound_type, self.value_point, self.value_low,
                              self.value_high, self.vague_term)

    @property
    def is_subset(self) -> bool:
        return self.parent_claim_id is not None

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in COLUMNS}
        for key in ("period_start", "period_end", "reviewed_at", "created_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["claimed"] = self.claimed
        return data


@dataclass(frozen=True)
class ClaimDocument:
    """A document claims were read from: the file, its hash, the text's length."""

    document_id: int
    file_name: str
    file_path: str
    sha256: str
    size_bytes: int
    format: str
    characters: int
    origin: str
    added_at: datetime
    added_by: str

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _DOCUMENT_COLUMNS}
        data["added_at"] = self.added_at.isoformat()
        return data


@dataclass(frozen=True)
class ExtractionResult:
    """What ``extract_into_case`` did: the document, its claims, and whether the same
    file (same SHA-256) was already in the case, in which case nothing was done."""

    document: ClaimDocument
    claims: list[StoredClaim]
    already_present: bool

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document.to_dict(), "already_present": self.already_present,
                "claims": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True)
class ReviewResult:
    """Claims whose status changed, and those that already had it."""

    status: str
    changed: list[int]
    unchanged: list[int]


@dataclass(frozen=True)
class ClaimEdit:
    """A claim after an edit, and each changed field's old and new value."""

    claim: StoredClaim
    changes: dict[str, tuple[Any, Any]]


# ------------------------------------------------------------------ numbers and bounds


def claim_interval(bound_type: str, point: float | None, low: float | None = None,
                   high: float | None = None, *, tolerance: float = DEFAULT_TOLERANCE,
                   ) -> tuple[float, float | None]:
    """The interval a bound implies (module docstring); ``high`` None is no upper end.
    ``low``/``high`` are the written ends of a range or the coded range of a vague term."""
    if bound_type in ("range", "vague"):
        if low is None or high is None:
            raise FullcountError(f"a claim with bound '{bound_type}' needs both ends")
        return float(low), float(high)
    if point is None:
        raise FullcountError(f"a claim with bound '{bound_type}' needs its number")
    v = float(point)
    if bound_type == "exact":
        return v, v
    if bound_type in ("at_least", "more_than"):
        return v, None
    if bound_type in ("at_most", "less_than"):
        return 0.0, v
    if bound_type == "approx":
        return v * (1 - tolerance), v * (1 + tolerance)
    if bound_type == "approx_below":
        return v * (1 - tolerance), v
    raise FullcountError(f"'{bound_type}' is not a bound type",
                         hint=f"Use one of: {', '.join(BOUND_TYPES)}.")


def format_number(value: float) -> str:
    """1500 → "1,500"; 190.8 → "190.8"."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def describe_value(bound_type: str, point: float | None, low: float | None,
                   high: float | None, vague_term: str | None = None) -> str:
    """The claim's number in words: "at least 212", "about 300", "1,500–2,000"."""
    if bound_type == "range" and low is not None and high is not None:
        return f"{format_number(low)}–{format_number(high)}"
    if bound_type == "vague" and low is not None and high is not None:
        return f"{vague_term or 'vague'} ({format_number(low)}–{format_number(high)})"
    if point is None:
        return "?"
    words = {"exact": "", "at_least": "at least ", "more_than": "more than ",
             "at_most": "at most ", "less_than": "fewer than ", "approx": "about ",
             "approx_below": "nearly "}
    return f"{words.get(bound_type, '')}{format_number(point)}"


def _number(field_name: str, value: Any, *, allow_none: bool = False) -> float | None:
    """A count given as a number or as text ("1,500", "۱۵۰۰", "1.5 million")."""
    label = _LABELS.get(field_name, field_name)
    if value is None or (isinstance(value, str) and value.strip().lower() in
                         ("", "none", "inf", "infinity", "∞", "unbounded")):
        if allow_none:
            return None
        raise FullcountError(f"{label} needs a number")
    if isinstance(value, bool):
        raise FullcountError(f"{label}: {value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        parsed = parse_quantity(text)
        if parsed is None and re.fullmatch(r"[0۰٠]+", text):
            parsed = (0, 0)
        if parsed is None:
            raise FullcountError(f"{label}: '{text}' is not a number",
                                 hint="Write a whole number such as 1500, 1,500, ۱۵۰۰ or "
                                      "1.5 million.")
        if parsed[0] != parsed[1]:
            raise FullcountError(f"{label}: '{text}' is a range, not one number",
                                 hint="Give the ends with --low and --high and --bound range.")
        number = float(parsed[0])
    if not math.isfinite(number) or number < 0:
        raise FullcountError(f"{label}: {value} is not a count (it must be 0 or more)")
    return number


_LABELS = {"value_point": "value", "value_low": "low", "value_high": "high",
           "bound_type": "bound", "approx_tolerance": "tolerance",
           "parent_claim_id": "parent", "quote_translation": "translation"}


def _choice(field_name: str, value: Any, allowed: Sequence[str],
            aliases: Mapping[str, str] | None = None) -> str:
    text = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    text = (aliases or {}).get(text, text)
    if text not in allowed:
        raise FullcountError(f"{_LABELS.get(field_name, field_name)}: '{value}' is not allowed",
                             hint=f"Use one of: {', '.join(allowed)}.")
    return text


def _single_number(bound: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> float | None:
    """The one number of a single-number bound: ``value``; or the lower end for "at
    least" / "more than", the upper end for "at most" / "fewer than"; or both ends when
    they are equal."""
    low, high = new.get("value_low"), new.get("value_high")
    if new.get("value_point") is not None:
        if low is not None or high is not None:
            raise FullcountError(f"bound '{bound}' takes one number: give --value alone",
                                 hint="For a range use --bound range with --low and --high.")
        return float(new["value_point"])
    if low is None and high is None:
        return old.get("value_point") if "value_point" not in new else None
    if low is not None and high is not None and low == high:
        return float(low)
    if bound in ("at_least", "more_than") and high is None:
        return float(low)  # type: ignore[arg-type]
    if bound in ("at_most", "less_than") and low is None:
        return float(high)  # type: ignore[arg-type]
    end = "--low" if low is not None else "--high"
    raise FullcountError(
        f"bound '{bound}' takes one number, and {end} does not say which",
        hint="Give --value N (--low goes with at_least or more_than, --high with at_most or "
             "less_than, both with range or vague).")


def _resolve_numbers(claim_id: int | None, old: Mapping[str, Any],
                     new: Mapping[str, Any]) -> dict[str, Any]:
    """The bound and numbers after ``new`` is applied to ``old``, made consistent: a
    single-number bound gets its interval from the number, a range keeps its ends."""
    bound = new.get("bound_type", old["bound_type"])
    tolerance = new.get("approx_tolerance", old["approx_tolerance"])
    what = f"claim {claim_id}" if claim_id is not None else "the claim"
    if bound in SINGLE_BOUNDS:
        point = _single_number(bound, old, new)
        if point is None:
            raise FullcountError(f"{what} has no single number for bound '{bound}'",
                                 hint="Give it with --value N.")
        if "vague_term" in new and new["vague_term"] is not None:
            raise FullcountError("a vague term goes with bound 'vague' only",
                                 hint="Add --bound vague with --low and --high (the coded "
                                      "range), or leave --vague-term out.")
        low, high = claim_interval(bound, point, tolerance=tolerance)
        return {"bound_type": bound, "value_point": point, "value_low": low,
                "value_high": high, "approx_tolerance": tolerance, "vague_term": None}
    if new.get("value_point") is not None:
        raise FullcountError(f"bound '{bound}' has no single value",
                             hint="Give the ends with --low and --high.")
    base_low: float | None
    base_high: float | None
    if old["bound_type"] in ("range", "vague"):
        base_low, base_high = old.get("value_low"), old.get("value_high")
    else:
        base_low = base_high = old.get("value_point")
    low = new.get("value_low", base_low)
    high = new.get("value_high", base_high)
    if low is None or high is None:
        raise FullcountError(f"bound '{bound}' needs both ends",
                             hint="Give --low and --high.")
    if low > high:
        raise FullcountError(f"low ({format_number(low)}) is above high "
                             f"({format_number(high)})", hint="Swap them.")
    vague_term = new.get("vague_term", old.get("vague_term"))
    if bound == "vague" and not vague_term:
        raise FullcountError("a vague claim needs its vague term",
                             hint="Give --vague-term with the word as written, e.g. dozens, "
                                  "and --low/--high with the range it is coded as.")
    return {"bound_type": bound, "value_point": None, "value_low": low, "value_high": high,
            "approx_tolerance": tolerance,
            "vague_term": vague_term if bound == "vague" else None}


# ------------------------------------------------------------------ scopes


def documented_by_scope(case: Case, *, strata: bool = True) -> tuple[dict[str, int], bool]:
    """People documented in each scope: "all" (the register: one entity, one person)
    and, with ``strata``, each stratum of ``[strata] by`` as the estimate stage assigns
    people to strata. The flag says whether the strata could be read (they need a
    register and at least two lists)."""
    from fullcount.case import fetch_one

    counts = {"all": int(fetch_one(case.con, "SELECT count(*) FROM entities")[0])}
    by = case.settings.strata.by
    if not (strata and by):
        return counts, not by
    from fullcount.estimate.stage import histories_from_case

    try:
        histories, _ = histories_from_case(case, by)
    except FullcountError:
        return counts, False
    for name, h in histories.items():
        counts.setdefault(name, h.n_observed)
    return counts, True


def _scope(case: Case, value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    if text.lower() == "all":
        return "all"
    by = case.settings.strata.by
    if not by:
        raise FullcountError(
            f"scope: '{text}' is not a part of this case; it has no strata, so the scope "
            "can only be 'all'",
            hint="Use --scope all, or set [strata] by in fullcount.toml to compare claims "
                 "with a stratum (e.g. a province).")
    known, readable = documented_by_scope(case)
    if text in known or not readable:
        return text
    listed = sorted(k for k in known if k != "all")
    shown = ", ".join(listed[:20]) + (f" … ({len(listed)} in all)" if len(listed) > 20 else "")
    raise FullcountError(f"scope: '{text}' is not a stratum of this case",
                         hint=f"Use all, or one of the strata by {' / '.join(by)}: {shown}.")


# ------------------------------------------------------------------ validation


def _validate(case: Case, claim: StoredClaim | None, name: str, value: Any) -> Any:
    """A field's new value, checked; the error names the field and what it may be."""
    if name in _TEXT_FIELDS:
        text = str(value).strip() if value is not None else ""
        if name == "quote":
            if claim is not None and claim.document_id is not None:
                raise FullcountError(
                    f"the quote of claim {claim.claim_id} is the document's own sentence "
                    "and cannot be changed",
                    hint="Add a translation (--translation) or a note (--note) instead.")
            if not text:
                raise FullcountError("quote: a claim needs the words that state it",
                                     hint="Give --quote with the sentence as written.")
        return text or None
    if name == "category":
        return _choice(name, value, CLAIM_CATEGORIES, {"arrested": "detained",
                                                       "killings": "killed",
                                                       "deaths": "killed",
                                                       "executions": "executed"})
    if name == "unit":
        return _choice(name, value, UNITS, {"people": "persons", "person": "persons",
                                            "event": "events", "case": "cases"})
    if name == "bound_type":
        return _choice(name, value, BOUND_TYPES, {"about": "approx", "between": "range",
                                                  "up_to": "at_most", "over": "more_than",
                                                  "nearly": "approx_below",
                                                  "almost": "approx_below"})
    if name in ("value_point", "value_low"):
        return _number(name, value, allow_none=name == "value_point")
    if name == "value_high":
        return _number(name, value, allow_none=True)
    if name == "approx_tolerance":
        try:
            tolerance = float(value)
        except (TypeError, ValueError):
            raise FullcountError(f"tolerance: '{value}' is not a number",
                                 hint="Give a share such as 0.1 (for ±10%).") from None
        if not 0 <= tolerance < 1:
            raise FullcountError(f"tolerance: {value} is outside 0 to 1",
                                 hint="Give a share such as 0.1 (for ±10%).")
        return tolerance
    if name == "parent_claim_id":
        if value is None or str(value).strip() == "":
            return None
        try:
            parent = int(value)
        except (TypeError, ValueError):
            raise FullcountError(f"parent: '{value}' is not a claim id") from None
        if claim is not None and parent == claim.claim_id:
            raise FullcountError(f"parent: claim {parent} cannot be a part of itself")
        found = get_claim(case, parent)
        if claim is not None and found.parent_claim_id == claim.claim_id:
            raise FullcountError(f"parent: claim {parent} is already a part of claim "
                                 f"{claim.claim_id}")
        return parent
    if name in ("period_start", "period_end"):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise FullcountError(f"{name}: '{value}' is not a date",
                                 hint="Write it as YYYY-MM-DD (Gregorian), e.g. 2022-09-16.",
                                 ) from None
    if name == "cumulative":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "1"):
            return True
        if text in ("no", "false", "0"):
            return False
        raise FullcountError(f"cumulative: '{value}' is not yes or no")
    if name == "scope":
        return _scope(case, value)
    if name == "language":
        text = str(value or "").strip().lower()
        if not text:
            return None
        if not re.fullmatch(r"[a-z]{2,3}", text):
            raise FullcountError(f"language: '{value}' is not a language code",
                                 hint="Use a two- or three-letter code: en, fa, ar, ckb …")
        return text
    raise FullcountError(f"'{name}' is not a field of a claim that can be edited",
                         hint=f"Fields: {', '.join(EDITABLE_FIELDS)}.")


def _field_name(key: str) -> str:
    name = FIELD_ALIASES.get(key, key).replace("-", "_")
    name = FIELD_ALIASES.get(name, name)
    if name == "status":
        raise FullcountError("the status is not edited",
                             hint="Use `fullcount claims accept` or `claims reject`.")
    if name not in EDITABLE_FIELDS:
        raise FullcountError(f"'{key}' is not a field of a claim that can be edited",
                             hint=f"Fields: {', '.join(EDITABLE_FIELDS)}.")
    return name


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise FullcountError(f"the period starts ({start}) after it ends ({end})")


def _require_reviewer(reviewer: str) -> str:
    name = (reviewer or "").strip()
    if not name:
        raise FullcountError("say who reviews", hint="Add --reviewer 'Your Name'.")
    return name


# ------------------------------------------------------------------ reading


def _claims_where(case: Case, where: str = "", params: Sequence[Any] = ()) -> list[StoredClaim]:
    rows = case.con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM claims {where} ORDER BY claim_id",
        list(params)).fetchall()
    claims = []
    for row in rows:
        data = dict(zip(COLUMNS, row, strict=True))
        data["history"] = json.loads(data["history"]) if data["history"] else []
        claims.append(StoredClaim(**data))
    return claims


def list_claims(case: Case, status: str | None = None, *,
                document_id: int | None = None) -> list[StoredClaim]:
    """The register's claims, by id; only those with ``status`` (proposed, accepted or
    rejected) or from one document, when given."""
    conditions: list[str] = []
    params: list[Any] = []
    if status is not None:
        conditions.append("status = ?")
        params.append(_choice("status", status, STATUSES))
    if document_id is not None:
        conditions.append("document_id = ?")
        params.append(document_id)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return _claims_where(case, where, params)


def get_claim(case: Case, claim_id: int) -> StoredClaim:
    """One claim; a clear error when there is no such id."""
    found = _claims_where(case, "WHERE claim_id = ?", [claim_id])
    if not found:
        raise FullcountError(f"there is no claim {claim_id}",
                             hint="See the ids with `fullcount claims list`.")
    return found[0]


def _claims_by_ids(case: Case, ids: Iterable[int]) -> list[StoredClaim]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise FullcountError("give at least one claim id",
                             hint="See the ids with `fullcount claims list`.")
    found = {c.claim_id: c for c in _claims_where(
        case, f"WHERE claim_id IN ({', '.join('?' * len(wanted))})", wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise FullcountError(
            f"there is no claim {', '.join(map(str, missing))}"
            + ("; nothing was changed" if len(wanted) > 1 else ""),
            hint="See the ids with `fullcount claims list`.")
    return [found[i] for i in wanted]


def get_document(case: Case, document_id: int) -> ClaimDocument:
    row = case.con.execute(
        f"SELECT {', '.join(_DOCUMENT_COLUMNS)} FROM claim_documents WHERE document_id = ?",
        [document_id]).fetchone()
    if row is None:
        raise FullcountError(f"there is no claims document {document_id}")
    return ClaimDocument(*row)


def document_text(case: Case, document_id: int) -> str:
    """The text read from a document: what the claims' offsets count characters in."""
    row = case.con.execute("SELECT text FROM claim_documents WHERE document_id = ?",
                           [document_id]).fetchone()
    if row is None:
        raise FullcountError(f"there is no claims document {document_id}")
    return str(row[0])


# ------------------------------------------------------------------ writing


def _history_entry(action: str, by: str, at: datetime, **more: Any) -> dict[str, Any]:
    entry = {"action": action, "by": by, "at": at.isoformat(timespec="seconds")}
    entry.update({k: v for k, v in more.items() if v is not None})
    return entry


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    """A value as it goes into the audit log and history (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def _insert(case: Case, row: Mapping[str, Any]) -> None:
    case.con.execute(
        f"INSERT INTO claims ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        [_json(row[c]) if c == "history" else row[c] for c in COLUMNS])


def _next_id(case: Case, table: str, column: str) -> int:
    from fullcount.case import fetch_one

    return int(fetch_one(case.con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0])


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise FullcountError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest(), size


def _document_format(path: Path) -> str:
    """text, html, pdf or docx, told as ``read_document`` tells them."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if path.suffix.lower() in (".html", ".htm", ".xhtml", ".shtml") or re.search(
            rb"<(?:!doctype\s+html|html)\b", head[:2048], re.IGNORECASE):
        return "html"
    return "text"


def extract_into_case(case: Case, path: Path | str, *, language: str | None = None,
                      tolerance: float = DEFAULT_TOLERANCE) -> ExtractionResult:
    """Read a document, keep it (name, path, SHA-256, size, format, text) and store every
    claim found in it as *proposed*, in one audited transaction.

    The same file (same SHA-256, under any name) again changes nothing: the result says
    ``already_present`` and lists the claims stored the first time."""
    from fullcount.case import current_actor, utc_now

    path = Path(path)
    if not path.is_file():
        raise FullcountError(f"cannot read {path}: no such file",
                             hint="Check the path; give a file, not a folder.")
    tolerance = _validate(case, None, "approx_tolerance", tolerance)
    sha256, size = _sha256(path)
    row = case.con.execute("SELECT document_id FROM claim_documents WHERE sha256 = ?",
                           [sha256]).fetchone()
    if row is not None:
        return ExtractionResult(get_document(case, row[0]),
                                list_claims(case, document_id=row[0]), already_present=True)
    text = read_document(path)
    found = extract_claims(text, language)
    now = utc_now()
    with case.transaction():
        document_id = _next_id(case, "claim_documents", "document_id")
        document = ClaimDocument(document_id, path.name, str(path.resolve()), sha256, size,
                                 _document_format(path), len(text), ORIGIN, now,
                                 current_actor())
        case.con.execute(
            f"INSERT INTO claim_documents ({', '.join(_DOCUMENT_COLUMNS)}, text) "
            f"VALUES ({', '.join('?' * (len(_DOCUMENT_COLUMNS) + 1))})",
            [getattr(document, c) for c in _DOCUMENT_COLUMNS] + [text])
        first = _next_id(case, "claims", "claim_id")
        ids = {(c.quantity.start, c.quantity.end): first + i for i, c in enumerate(found)}
        for i, claim in enumerate(found):
            _insert(case, _extracted_row(claim, first + i, document_id, ids, tolerance, now))
        stored = list_claims(case, document_id=document_id)
        case.audit("claims_extract", {
            "document_id": document_id, "file": str(path), "sha256": sha256,
            "size_bytes": size, "format": document.format, "characters": len(text),
            "origin": ORIGIN, "claims": len(stored),
            "claim_ids": [c.claim_id for c in stored]})
    return ExtractionResult(document, stored, already_present=False)


def _extracted_row(claim: Claim, claim_id: int, document_id: int,
                   ids: Mapping[tuple[int, int], int], tolerance: float,
                   now: datetime) -> dict[str, Any]:
    q = claim.quantity
    bound = claim.bound_type
    point = None if bound in ("range", "vague") else float(q.low)
    low, high = claim_interval(bound, point, q.low, q.high, tolerance=tolerance)
    parent = ids.get((claim.part_of.start, claim.part_of.end)) if claim.part_of else None
    return {
        "claim_id": claim_id, "document_id": document_id, "quote": claim.sentence,
        "quote_start": claim.sentence_start, "quote_end": claim.sentence_end,
        "quote_translation": None, "quantity_text": q.text, "quantity_start": q.start,
        "quantity_end": q.end, "language": claim.language, "value_point": point,
        "value_low": low, "value_high": high, "bound_type": bound,
        "approx_tolerance": tolerance, "vague_term": q.vague_term,
        "category": claim.category, "unit": claim.unit, "subgroup": claim.subgroup,
        "parent_claim_id": parent, "event": claim.event, "place": claim.place,
        "period": claim.period, "period_start": claim.period_start,
        "period_end": claim.period_end, "cumulative": claim.cumulative,
        "claimant": claim.claimant, "scope": None, "status": "proposed", "origin": ORIGIN,
        "reviewer": None, "reviewed_at": None, "note": None, "created_at": now,
        "history": [_history_entry("proposed", ORIGIN, now)],
    }


def accept_claims(case: Case, claim_ids: Iterable[int], *, reviewer: str,
                  note: str | None = None, scope: str | None = None) -> ReviewResult:
    """Accept claims into the register (they are then compared with the evidence);
    ``scope`` ("all" or a stratum) is set on them too when given."""
    return _review(case, claim_ids, "accepted", reviewer, note, scope)


def reject_claims(case: Case, claim_ids: Iterable[int], *, reviewer: str,
                  note: str | None = None) -> ReviewResult:
    """Reject claims (a misread number, a year, not a claim about this case); they stay
    in the register, marked rejected, with the reviewer's note."""
    return _review(case, claim_ids, "rejected", reviewer, note, None)


def _review(case: Case, claim_ids: Iterable[int], status: str, reviewer: str,
            note: str | None, scope: str | None) -> ReviewResult:
    from fullcount.case import utc_now

    reviewer = _require_reviewer(reviewer)
    claims = _claims_by_ids(case, claim_ids)
    new_scope = _validate(case, None, "scope", scope) if scope is not None else None
    note = (note or "").strip() or None
    changed, unchanged = [], []
    now = utc_now()
    with case.transaction():
        for claim in claims:
            scope_change = new_scope is not None and new_scope != claim.scope
            if claim.status == status and not scope_change:
                unchanged.append(claim.claim_id)
                continue
            history = [*claim.history, _history_entry(
                status, reviewer, now, note=note,
                scope=new_scope if scope_change else None,
                previous=claim.status if claim.status != status else None)]
            case.con.execute("""
                UPDATE claims SET status = ?, reviewer = ?, reviewed_at = ?,
                    note = coalesce(?, note), scope = coalesce(?, scope), history = ?
                WHERE claim_id = ?""",
                [status, reviewer, now, note, new_scope, _json(history), claim.claim_id])
            changed.append(claim.claim_id)
        if changed:
            case.audit("claims_" + ("accept" if status == "accepted" else "reject"),
                       {"claim_ids": changed, "reviewer": reviewer, "note": note,
                        "scope": new_scope})
    return ReviewResult(status, changed, unchanged)


def edit_claim(case: Case, claim_id: int, changes: Mapping[str, Any], *, reviewer: str,
               note: str | None = None) -> ClaimEdit:
    """Change fields of a claim (names as in ``EDITABLE_FIELDS``, or value / low / high /
    bound / tolerance / parent / translation). Each value is checked; the bound and its
    numbers are kept consistent (``_resolve_numbers``). Its status does not change; the
    edit is recorded in its history and the audit log."""
    from fullcount.case import utc_now

    reviewer = _require_reviewer(reviewer)
    claim = get_claim(case, claim_id)
    if not changes:
        raise FullcountError(f"nothing to change on claim {claim_id}",
                             hint="Give the fields to change, e.g. --category killed "
                                  "--scope all.")
    new: dict[str, Any] = {}
    for key, value in changes.items():
        name = _field_name(key)
        new[name] = _validate(case, claim, name, value)
    current = {name: getattr(claim, name) for name in COLUMNS}
    if any(name in new for name in _NUMBER_FIELDS):
        new.update(_resolve_numbers(claim_id, current, new))
    _check_period(new.get("period_start", claim.period_start),
                  new.get("period_end", claim.period_end))
    diff = {name: (_plain(current[name]), _plain(value)) for name, value in new.items()
            if value != current[name]}
    if not diff:
        return ClaimEdit(claim, {})
    note = (note or "").strip() or None
    now = utc_now()
    history = [*claim.history, _history_entry(
        "edited", reviewer, now, note=note,
        changes={k: list(v) for k, v in diff.items()})]
    assignments = ", ".join(f"{name} = ?" for name in diff)
    with case.transaction():
        case.con.execute(
            f"UPDATE claims SET {assignments}, reviewer = ?, reviewed_at = ?, history = ? "
            "WHERE claim_id = ?",
            [new[name] for name in diff] + [reviewer, now, _json(history), claim_id])
        case.audit("claims_edit", {"claim_id": claim_id, "reviewer": reviewer, "note": note,
                                   "changes": {k: list(v) for k, v in diff.items()}})
    return ClaimEdit(get_claim(case, claim_id), diff)


def add_claim(case: Case, *, quote: str, category: str, reviewer: str,
              value: Any = None, low: Any = None, high: Any = None, bound: str | None = None,
              unit: str = "persons", status: str = "accepted",
              tolerance: float = DEFAULT_TOLERANCE, **fields: Any) -> StoredClaim:
    """Add a claim by hand (origin 'manual', no document), audited.

    Give ``value`` for one number (bound default "exact"), ``low`` and ``high`` for a
    range (default "range"), or one end alone (default "at_least" for ``low``, "at_most"
    for ``high``). ``fields`` are other fields of ``EDITABLE_FIELDS``
    (claimant, scope, place, period, subgroup, parent_claim_id, …). It is *accepted*
    unless ``status`` says "proposed" (to leave it for another reviewer)."""
    from fullcount.case import utc_now

    reviewer = _require_reviewer(reviewer)
    status = _choice("status", status, ("proposed", "accepted"))
    if value is None and low is None and high is None:
        raise FullcountError("a claim needs its number",
                             hint="Give --value N for one number, or --low and --high for a "
                                  "range.")
    if bound is None:  # one number is exact; a low end alone "at least", a high end "at most"
        bound = ("exact" if value is not None else "range" if low is not None and high is not None
                 else "at_least" if low is not None else "at_most")
    given: dict[str, Any] = {"quote": quote, "category": category, "unit": unit,
                             "bound_type": bound, "approx_tolerance": tolerance}
    for key, number in (("value_point", value), ("value_low", low), ("value_high", high)):
        if number is not None:
            given[key] = number
    for key, item in fields.items():
        given[_field_name(key)] = item
    new = {name: _validate(case, None, name, item) for name, item in given.items()}
    empty: dict[str, Any] = {"bound_type": new["bound_type"], "value_point": None,
                             "value_low": None, "value_high": None,
                             "approx_tolerance": new["approx_tolerance"], "vague_term": None}
    new.update(_resolve_numbers(None, empty, new))
    _check_period(new.get("period_start"), new.get("period_end"))
    now = utc_now()
    note = new.pop("note", None)
    with case.transaction():
        claim_id = _next_id(case, "claims", "claim_id")
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(new)
        row.update({
            "claim_id": claim_id, "cumulative": bool(new.get("cumulative", False)),
            "status": status, "origin": MANUAL, "note": note,
            "reviewer": reviewer if status == "accepted" else None,
            "reviewed_at": now if status == "accepted" else None, "created_at": now,
            "history": [_history_entry("added", reviewer, now, status=status, note=note)]})
        _insert(case, row)
        case.audit("claims_add", {"claim_id": claim_id, "reviewer": reviewer,
                                  "fields": {k: _plain(v) for k, v in new.items()},
                                  "status": status, "note": note})
    return get_claim(case, claim_id)
