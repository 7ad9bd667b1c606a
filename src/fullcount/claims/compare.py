"""Accepted claims set against the evidence: the documented count and the estimate.

For each accepted claim, its interval (from its bound, ``register.claim_interval``) is
compared with D, the people documented in the claim's scope, and [L, U], the interval of
the estimate used for that scope. The verdicts, in the order they are tested:

* **not comparable** – the claim counts events or cases, not people; it is a part of
  another claim ("including 44 children") or counts a subgroup only; its category is not
  one the case counts (by default killed and executed: the case counts the dead, so the
  wounded, detained, "casualties" … are not compared); its scope is not set, or is not a
  part of the case; or the case has no register of people yet.
* **below documented** – the claim's upper end is below D (or equal to D and excluded,
  as "fewer than D"): the people documented by name already exceed it.
* **above the estimate** – the claim's lower end is above U (or equal and excluded).
* **consistent** – the claim's interval meets [L, U] (and is not below D).
* **between documented and estimate** – not below D, but wholly below L: the claim may
  count documented victims only (CLAIMS.md's verdicts leave this case out).
* **not below documented** – there is no estimate for the scope (none made yet, or the
  latest run has none for that stratum): only D was compared, and the claim is not
  below it.

D for scope "all" is the number of people in the register (``entities``); for a stratum,
the people the estimate stage assigns to it. The estimate is taken from the latest run
(leave-one-list-out refits excluded) for the scope's stratum ("total" for "all" when the
case has strata, or the only stratum when it holds every documented person), chosen in
this order, and the reasoning says which:

1. the estimate marked recommended (``diagnostics.recommended``) for that stratum;
2. else the method recommended for the whole case, in that stratum (the recommendation
   is made for the total only);
3. else the first of LCMCR, DGA, log-linear, Chapman that was run (the order of
   preference of ``fullcount.estimate.recommend``), then any other method by name.

When the estimate holds an interval with linkage uncertainty (``diagnostics.linkage``),
that interval is used, as the report does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fullcount.claims.register import (
    COLUMNS,
    StoredClaim,
    claim_interval,
    documented_by_scope,
    format_number,
    list_claims,
)
from fullcount.estimate.methods import METHOD_NAMES
from fullcount.estimate.stored import StoredEstimate, latest_run

if TYPE_CHECKING:
    from fullcount.case import Case

__all__ = ["COUNTED_CATEGORIES", "VERDICTS", "ClaimComparison", "ClaimInterval",
           "EstimateUsed", "compare_claims", "export_claims", "judge"]

COUNTED_CATEGORIES = ("killed", "executed")
PREFERENCE = ("lcmcr", "dga", "loglinear", "chapman")
VERDICTS = {
    "consistent": "consistent",
    "below_documented": "below documented",
    "above_estimate": "above the estimate",
    "below_estimate": "between documented and estimate",
    "not_below_documented": "not below documented (no estimate)",
    "not_comparable": "not comparable",
}
_CATEGORY_WORDS = {
    "wounded": "the wounded", "casualties": "casualties (which usually include the wounded)",
    "detained": "people detained", "disappeared": "people disappeared",
    "hostages": "hostages", "displaced": "people displaced", "tortured": "people tortured",
    "sentenced_to_death": "death sentences, not deaths", "attacks": "attacks",
    "incidents": "incidents", "cases": "cases", "other": "something other than deaths",
    "killed": "people killed", "executed": "executions",
}


@dataclass(frozen=True)
class ClaimInterval:
    """The values a claim allows: ``[low, high]``, ``high`` None for no upper end; an
    open end (more than, fewer than) excludes the number itself."""

    low: float
    high: float | None
    low_open: bool = False
    high_open: bool = False

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        if self.high is None:
            return f"{left}{format_number(self.low)}, ∞)"
        right = ")" if self.high_open else "]"
        return f"{left}{format_number(self.low)}, {format_number(self.high)}{right}"

    def below(self, documented: float) -> bool:
        """Every value the claim allows is below ``documented``."""
        return self.high is not None and (
            self.high < documented or (self.high == documented and self.high_open))

    def above(self, upper: float) -> bool:
        """Every value the claim allows is above ``upper``."""
        return self.low > upper or (self.low == upper and self.low_open)

    def meets(self, lower: float, upper: float) -> bool:
        """The claim allows a value in ``[lower, upper]``."""
        reaches = self.high is None or self.high > lower or (
            self.high == lower and not self.high_open)
        return reaches and not self.above(upper)


@dataclass(frozen=True)
class EstimateUsed:
    """The estimate a claim was compared with, and why that one."""

    estimate_id: int
    run_id: str
    method: str
    stratum: str
    point: float
    lower: float
    upper: float
    level: float
    recommended: bool
    with_linkage: bool
    choice: str  # one sentence: why this estimate

    @property
    def label(self) -> str:
        return METHOD_NAMES.get(self.method, self.method)

    def describe(self) -> str:
        kind = "the recommended " if self.recommended else "the "
        linkage = ", with linkage uncertainty" if self.with_linkage else ""
        return (f"{kind}{self.label} estimate {format_number(round(self.point))} "
                f"({self.level:.0%} interval {format_number(round(self.lower))}–"
                f"{format_number(round(self.upper))}{linkage})")

    def to_dict(self) -> dict[str, Any]:
        return {"estimate_id": self.estimate_id, "run_id": self.run_id,
                "method": self.method, "stratum": self.stratum, "point": self.point,
                "lower": self.lower, "upper": self.upper, "level": self.level,
                "recommended": self.recommended, "with_linkage": self.with_linkage,
                "choice": self.choice}


@dataclass(frozen=True)
class ClaimComparison:
    """One accepted claim against the evidence: what the report shows in a row."""

    claim_id: int
    quote: str
    quote_translation: str | None
    claimant: str | None
    claimed: str  # "at least 212"
    category: str
    unit: str
    scope: str | None
    interval: ClaimInterval | None
    documented: int | None  # people documented in the scope
    estimate: EstimateUsed | None
    verdict: str  # a key of VERDICTS
    reasoning: str

    @property
    def verdict_label(self) -> str:
        return VERDICTS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {"claim_id": self.claim_id, "quote": self.quote,
                "quote_translation": self.quote_translation, "claimant": self.claimant,
                "claimed": self.claimed, "category": self.category, "unit": self.unit,
                "scope": self.scope,
                "interval": None if self.interval is None else {
                    "low": self.interval.low, "high": self.interval.high,
                    "low_open": self.interval.low_open,
                    "high_open": self.interval.high_open, "text": str(self.interval)},
                "documented": self.documented,
                "estimate": None if self.estimate is None else self.estimate.to_dict(),
                "verdict": self.verdict, "verdict_label": self.verdict_label,
                "reasoning": self.reasoning}


# ------------------------------------------------------------------ the rules


def interval_of(claim: StoredClaim, tolerance: float | None = None) -> ClaimInterval:
    """The claim's interval as stored, or with approximate bounds widened by
    ``tolerance`` instead of the claim's own ``approx_tolerance``."""
    low, high = claim.value_low, claim.value_high
    if tolerance is not None and claim.bound_type in ("approx", "approx_below"):
        low, high = claim_interval(claim.bound_type, claim.value_point, tolerance=tolerance)
    return ClaimInterval(low, high, low_open=claim.bound_type == "more_than",
                         high_open=claim.bound_type == "less_than")


def reading(claim: StoredClaim, interval: ClaimInterval) -> str:
    """The claim in words with how it was read: "about 300, read as 270–330"."""
    if claim.bound_type in ("approx", "approx_below") and interval.high is not None:
        share = (1 - interval.low / claim.value_point) if claim.value_point else 0.0
        sign = "−" if claim.bound_type == "approx_below" else "±"
        return (f"{claim.claimed}, read as {format_number(round(interval.low, 1))}–"
                f"{format_number(round(interval.high, 1))}, {sign}{share:.0%}")
    if claim.bound_type == "vague":
        return (f"'{claim.vague_term}', coded as {format_number(interval.low)}–"
                f"{format_number(interval.high or interval.low)}")
    if claim.bound_type == "exact":
        return f"{claim.claimed}, stated as exact"
    return claim.claimed


def judge(interval: ClaimInterval, documented: int, estimate: EstimateUsed | None, *,
          claim_words: str, where: str, no_estimate: str = "No estimate has been made "
          "yet (run `fullcount estimate`)") -> tuple[str, str]:
    """The verdict on a comparable claim and its reasoning (module docstring)."""
    people = f"{documented:,} {'person' if documented == 1 else 'people'} documented {where}"
    if interval.below(documented):
        return "below_documented", (
            f"The claim ({claim_words}) is below the {people}: the evidence already "
            "exceeds it.")
    if estimate is None:
        return "not_below_documented", (
            f"{no_estimate}, so the claim is compared with the documented count only: the "
            f"claim ({claim_words}) is not below the {people}.")
    e = estimate
    second = "" if e.recommended else f" {e.choice}"
    if interval.above(e.upper):
        lowest = ("more than " if interval.low_open else "") + format_number(
            round(interval.low, 1))
        return "above_estimate", (
            f"The claim ({claim_words}) is above {e.describe()}: even its lowest reading, "
            f"{lowest}, is above the upper bound {format_number(round(e.upper))}.{second}")
    if interval.meets(e.lower, e.upper):
        return "consistent", (
            f"The claim ({claim_words}) meets {e.describe()} and is not below the "
            f"{people}.{second}")
    return "below_estimate", (
        f"The claim ({claim_words}) is not below the {people}, but lies wholly below "
        f"{e.describe()}: it may count documented victims only, or part of the scope."
        f"{second}")


def _not_comparable(claim: StoredClaim, counted: Sequence[str]) -> str | None:
    """Why a claim cannot be set against the case's counts, or None."""
    what = _CATEGORY_WORDS.get(claim.category, claim.category)
    if claim.unit == "events":
        return (f"It counts {what} (events), not people: a count of events is never "
                "compared with a count of victims.")
    if claim.unit == "cases":
        return (f"It counts cases ({what}), not people: a case may be a file or a "
                "document, so it is not compared with a count of victims.")
    if claim.parent_claim_id is not None:
        part = f" ({claim.subgroup})" if claim.subgroup else ""
        return (f"It is a part{part} of claim {claim.parent_claim_id}: a part is never "
                "compared on its own, nor added to its whole.")
    if claim.subgroup:
        return (f"It counts only {claim.subgroup}; the case's figures are for everyone in "
                "its scope, so the two are not compared (clear the subgroup with "
                f"`fullcount claims edit {claim.claim_id} --subgroup ''` if the claim is "
                "about everyone).")
    if claim.category not in counted:
        return (f"It counts {what}; the case counts people who died "
                f"({', '.join(counted)}), so the numbers are not comparable.")
    if claim.scope is None:
        return ("Its scope is not set: say which part of the case it is about with "
                f"`fullcount claims edit {claim.claim_id} --scope all` (or a stratum).")
    return None


def _scope_problem(case: Case, scope: str, documented: dict[str, int],
                   strata_readable: bool) -> str | None:
    if scope in documented:
        return None
    by = case.settings.strata.by
    if not by:
        return (f"Its scope '{scope}' is not a part of this case: the case has no strata, "
                "so only 'all' can be compared.")
    if not strata_readable:
        return (f"Its scope '{scope}' is a stratum, and the case's strata cannot be "
                "counted yet (they need a register of people from at least two lists).")
    return (f"Its scope '{scope}' is not a stratum of this case (strata by "
            f"{' / '.join(by)}); the claim's place or period may lie outside the case.")


# ------------------------------------------------------------------ estimates


def _latest_run(case: Case) -> list[StoredEstimate] | None:
    """The estimates of the latest run (not the leave-one-list-out refits), or None."""
    run = latest_run(case)
    return run.estimates if run is not None else None


def _estimate_stratum(rows: Sequence[StoredEstimate], scope: str, documented: int) -> str | None:
    """The stratum label of ``scope`` in a run: "all" is "total" when the run has strata,
    or its only stratum when that holds every documented person."""
    if scope != "all":
        return scope
    strata = {r.stratum for r in rows}
    if "total" in strata or "all" in strata:
        return "total" if "total" in strata else "all"
    if len(strata) == 1 and all(r.n_observed == documented for r in rows):
        return next(iter(strata))
    return None


def choose_estimate(rows: Sequence[StoredEstimate], scope: str, documented: int) -> EstimateUsed | None:
    """The estimate a claim about ``scope`` is compared with (module docstring);
    ``documented`` is the number of people documented in that scope."""
    stratum = _estimate_stratum(rows, scope, documented)
    candidates = [r for r in rows if r.stratum == stratum]
    if not candidates:
        return None
    marked = [r for r in candidates if r.recommended]
    run_choice = next((r.method for r in rows if r.recommended), None)
    if marked:
        row = marked[0]
        choice = f"{METHOD_NAMES.get(row.method, row.method)} is the recommended estimate."
    elif run_choice is not None and any(r.method == run_choice for r in candidates):
        row = next(r for r in candidates if r.method == run_choice)
        choice = (f"{METHOD_NAMES.get(run_choice, run_choice)} is used because it is the "
                  "method recommended for the whole case (recommendations are made for "
                  "the total only).")
    else:
        rank = {m: i for i, m in enumerate(PREFERENCE)}
        row = min(candidates, key=lambda r: (rank.get(r.method, len(rank)), r.method))
        choice = (f"No estimate is marked recommended; {METHOD_NAMES.get(row.method, row.method)}"
                  " is used, the first available in the order LCMCR, DGA, log-linear, "
                  "Chapman.")
    lower, upper = row.lower, row.upper
    if row.linkage is not None:
        lower, upper = float(row.linkage["lower"]), float(row.linkage["upper"])
    return EstimateUsed(row.estimate_id, row.run_id, row.method, row.stratum, row.point,
                        lower, upper, row.level, recommended=bool(marked),
                        with_linkage=row.linkage is not None, choice=choice)


# ------------------------------------------------------------------ the comparison


def compare_claims(case: Case, *, tolerance: float | None = None,
                   counted: Sequence[str] = COUNTED_CATEGORIES) -> list[ClaimComparison]:
    """Every accepted claim against the evidence, by claim id (module docstring).

    ``tolerance`` reads approximate claims as ±tolerance instead of each claim's own
    ``approx_tolerance``; ``counted`` are the categories the case counts."""
    claims = list_claims(case, "accepted")
    if not claims:
        return []
    strata_needed = any(c.scope not in (None, "all") for c in claims)
    documented, strata_readable = documented_by_scope(case, strata=strata_needed)
    rows = _latest_run(case)
    return [_compare(case, claim, documented, strata_readable, rows, tolerance, counted)
            for claim in claims]


def _compare(case: Case, claim: StoredClaim, documented: dict[str, int],
             strata_readable: bool, rows: list[StoredEstimate] | None, tolerance: float | None,
             counted: Sequence[str]) -> ClaimComparison:
    interval = interval_of(claim, tolerance)

    def result(verdict: str, why: str, d: int | None = None,
               e: EstimateUsed | None = None) -> ClaimComparison:
        return ClaimComparison(claim.claim_id, claim.quote, claim.quote_translation,
                               claim.claimant, claim.claimed, claim.category, claim.unit,
                               claim.scope, interval, d, e, verdict, why)

    why = _not_comparable(claim, counted)
    if why is None and claim.scope is not None:
        why = _scope_problem(case, claim.scope, documented, strata_readable)
    if why is None and documented["all"] == 0:
        why = ("The case has no register of people yet (run `fullcount link`), so there "
               "is nothing to compare it with.")
    if why is not None:
        return result("not_comparable", why)
    assert claim.scope is not None
    d = documented[claim.scope]
    where = "in the case" if claim.scope == "all" else f"in {claim.scope}"
    estimate = choose_estimate(rows, claim.scope, d) if rows else None
    no_estimate = ("No estimate has been made yet (run `fullcount estimate`)" if not rows
                   else "The latest estimate run has no estimate of the whole case"
                   if claim.scope == "all"
                   else f"The latest estimate run has no estimate for {claim.scope}")
    verdict, why = judge(interval, d, estimate, claim_words=reading(claim, interval),
                         where=where, no_estimate=no_estimate)
    return result(verdict, why, d, estimate)


EXPORT_COLUMNS = (
    *(c for c in COLUMNS if c != "history"), "file_name", "sha256", "claimed",
    "interval", "documented", "estimate_method", "estimate_point", "estimate_lower",
    "estimate_upper", "estimate_level", "verdict", "reasoning", "history",
)


def export_claims(case: Case, path: Path | str, *, status: str | None = None,
                  tolerance: float | None = None) -> int:
    """Write the register (or the claims with ``status``) to CSV, one row per claim with
    its document, and for accepted claims the comparison; audited. Returns the rows."""
    from fullcount.case.files import write_csv

    path = Path(path)
    claims = list_claims(case, status)
    compared = {c.claim_id: c for c in compare_claims(case, tolerance=tolerance)}
    documents = {row[0]: (row[1], row[2]) for row in case.con.execute(
        "SELECT document_id, file_name, sha256 FROM claim_documents").fetchall()}

    def row(claim: StoredClaim) -> list[Any]:
        data = claim.to_dict()
        file_name, sha256 = documents.get(claim.document_id, (None, None))
        c = compared.get(claim.claim_id)
        e = c.estimate if c else None
        data.update({
            "file_name": file_name, "sha256": sha256,
            "interval": str(c.interval) if c and c.interval else None,
            "documented": c.documented if c else None,
            "estimate_method": e.method if e else None,
            "estimate_point": e.point if e else None,
            "estimate_lower": e.lower if e else None,
            "estimate_upper": e.upper if e else None,
            "estimate_level": e.level if e else None,
            "verdict": c.verdict_label if c else None,
            "reasoning": c.reasoning if c else None,
            "history": json.dumps(claim.history, ensure_ascii=False)})
        return [data[name] for name in EXPORT_COLUMNS]

    with case.transaction():
        written = write_csv(path, EXPORT_COLUMNS, (row(c) for c in claims))
        case.audit("claims_export", {"file": str(path), "rows": written, "status": status})
    return written
