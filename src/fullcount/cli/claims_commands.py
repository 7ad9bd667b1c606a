"""`fullcount claims …`: the claims register. Numbers other people publish are read from
documents, checked by a reviewer, and set against what the case documents and estimates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fullcount.case import Case
from fullcount.claims.compare import ClaimComparison, compare_claims, export_claims
from fullcount.claims.register import (
    CLAIM_CATEGORIES,
    STATUSES,
    UNITS,
    StoredClaim,
    accept_claims,
    add_claim,
    edit_claim,
    extract_into_case,
    format_number,
    get_claim,
    list_claims,
    reject_claims,
)
from fullcount.cli.app import (
    CaseOption,
    JsonOption,
    add_row,
    app,
    command,
    out,
    print_json,
    table,
)

claims_app = typer.Typer(
    help="""\
The claims register: numbers that others publish ("at least 212 killed"), set against
what the case documents and estimates.

  fullcount claims extract statement.html     # find the claims in a document
  fullcount claims list --status proposed     # what a reviewer has to look at
  fullcount claims accept 3 4 --scope all --reviewer 'A. Analyst'
  fullcount claims compare                    # each accepted claim: a verdict and why
""",
    no_args_is_help=True,
)
app.add_typer(claims_app, name="claims")

ReviewerOption = Annotated[str, typer.Option(
    help="Your name: it is kept with the claim and in the audit log.")]
NoteOption = Annotated[str | None, typer.Option(help="Why (kept with the claim).")]
ScopeHelp = ("Which part of the case the claim is about: 'all' (the whole case) or a "
             "stratum value of \\[strata] by (e.g. a province). Only claims with a scope "
             "are compared. '' clears it.")
ToleranceOption = Annotated[float | None, typer.Option(
    help="Read 'about N' as N ± this share (e.g. 0.2 for ±20%) instead of each claim's "
    "own tolerance (0.1 unless edited).", min=0.0, max=0.99)]
BOUND_HELP = ("exact, at_least, more_than, at_most, less_than, approx ('about'), "
              "approx_below ('nearly'), range, vague ('dozens', with --low/--high as "
              "the range it stands for)")


@command(claims_app, "extract")
def extract(
    document: Annotated[Path, typer.Argument(
        help="The document: plain text, HTML, PDF (with a text layer) or DOCX.",
        show_default=False)],
    case_dir: CaseOption = Path("."),
    language: Annotated[str | None, typer.Option(
        help="en, fa or ar for the whole document (default: decided per sentence).",
        show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Find the numeric claims in a document and propose them for the register.

    The document's text and SHA-256 are kept in the case as evidence; each claim keeps
    its sentence word for word and where it stands in the document. Nothing is compared
    until a reviewer accepts a claim (`claims accept`). Adding the same file again does
    nothing."""
    with Case.open(case_dir) as case:
        result = extract_into_case(case, document, language=language)
    if as_json:
        print_json(result.to_dict())
        return
    doc = result.document
    if result.already_present:
        out.print(f"{document} is already in the case as document {doc.document_id} "
                  f"({doc.file_name}, added {doc.added_at:%Y-%m-%d %H:%M} UTC, SHA-256 "
                  f"{doc.sha256[:12]}…): nothing was done. Its {len(result.claims)} claim(s):",
                  markup=False)
    else:
        out.print(f"Document {doc.document_id}: {doc.file_name} ({doc.format}, "
                  f"{doc.characters:,} characters, SHA-256 {doc.sha256[:12]}…): "
                  f"{len(result.claims)} claim(s) proposed.", markup=False)
    if not result.claims:
        out.print("No numeric claims were found in it. Add one by hand with "
                  "`fullcount claims add`.", markup=False)
        return
    claims_table(result.claims)
    if not result.already_present:
        out.print("Check each against the quote, then `fullcount claims accept ID... --scope "
                  "all --reviewer NAME`, `claims edit ID --field value` or `claims reject "
                  "ID`.", markup=False)


def excerpt(claim: StoredClaim, width: int = 70) -> str:
    """The part of the quote around the claim's number, on one line."""
    start = 0
    if claim.quantity_start is not None and claim.quote_start is not None:
        start = max(0, claim.quantity_start - claim.quote_start - width // 2)
    piece = " ".join(claim.quote[start:start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(claim.quote) else "")


def claims_table(claims: list[StoredClaim], *, title: str | None = None) -> None:
    grid = table("id", "status", "claimed", "bound", "category", "unit", "scope", "claimant",
                 "quote", title=title)
    for c in claims:
        what = c.category + (f" ({c.subgroup}, part of {c.parent_claim_id})"
                             if c.parent_claim_id else f" ({c.subgroup})" if c.subgroup else "")
        add_row(grid, c.claim_id, c.status, c.claimed, c.bound_type, what, c.unit,
                c.scope or "–", c.claimant or "", excerpt(c))
    out.print(grid)


@command(claims_app, "list")
def list_command(
    case_dir: CaseOption = Path("."),
    status: Annotated[str | None, typer.Option(
        help=f"Only claims with this status: {', '.join(STATUSES)}.",
        show_default=False)] = None,
    document: Annotated[int | None, typer.Option(
        help="Only claims from this document (its number, from `claims extract`).",
        show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """List the claims in the register: number, status, what is claimed, and the quote."""
    with Case.open(case_dir, readonly=True) as case:
        claims = list_claims(case, status, document_id=document)
    if as_json:
        print_json([c.to_dict() for c in claims])
        return
    if not claims:
        out.print("No claims" + (" match." if status or document else " yet. Find some with "
                                 "`fullcount claims extract FILE`."), markup=False)
        return
    claims_table(claims)


@command(claims_app, "show")
def show(
    claim_id: Annotated[int, typer.Argument(help="The claim's number.", show_default=False)],
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Show one claim in full: the quote, every field, and its history of reviews."""
    with Case.open(case_dir, readonly=True) as case:
        claim = get_claim(case, claim_id)
    if as_json:
        print_json(claim.to_dict())
        return
    data = claim.to_dict()
    history = data.pop("history")
    for key, value in data.items():
        if value is not None:
            out.print(f"{key:>17}: {shown(value)}", markup=False)
    if claim.value_high is None:
        out.print(f"{'value_high':>17}: none (no upper end)", markup=False)
    out.print("          history:", markup=False)
    for entry in history:
        extra = "; ".join(f"{k}: {v}" for k, v in entry.items() if k not in ("action", "by", "at"))
        out.print(f"    {entry['at']}  {entry['action']} by {entry['by']}"
                  + (f"  ({extra})" if extra else ""), markup=False)


@command(claims_app, "accept")
def accept(
    claim_ids: Annotated[list[int], typer.Argument(
        help="The claims' numbers (from `claims list`).", show_default=False)],
    reviewer: ReviewerOption = "",
    scope: Annotated[str | None, typer.Option(help=ScopeHelp, show_default=False)] = None,
    note: NoteOption = None,
    case_dir: CaseOption = Path("."),
) -> None:
    """Accept claims, after checking them against their quotes.

    Check the number, its bound and its category against the quote first. Accepted claims
    with a scope are compared with the evidence (`claims compare`)."""
    with Case.open(case_dir) as case:
        result = accept_claims(case, claim_ids, reviewer=reviewer, note=note, scope=scope)
        unscoped = [c.claim_id for c in list_claims(case, "accepted")
                    if c.claim_id in claim_ids and c.scope is None]
    report_review(result.changed, result.unchanged, "accepted")
    if unscoped:
        out.print(f"Claim(s) {', '.join(map(str, unscoped))} have no scope, so they are not "
                  "compared yet: accept again with --scope all (or a stratum), or use "
                  "`fullcount claims edit ID --scope …`.", markup=False)


@command(claims_app, "reject")
def reject(
    claim_ids: Annotated[list[int], typer.Argument(
        help="The claims' numbers (from `claims list`).", show_default=False)],
    reviewer: ReviewerOption = "",
    note: NoteOption = None,
    case_dir: CaseOption = Path("."),
) -> None:
    """Reject claims that are misread or not about this case.

    For example a year read as a number, or a sentence the extractor misunderstood. They
    stay in the register, marked rejected, with your note."""
    with Case.open(case_dir) as case:
        result = reject_claims(case, claim_ids, reviewer=reviewer, note=note)
    report_review(result.changed, result.unchanged, "rejected")


def shown(value: Any) -> str:
    """A field's value for people: numbers with thousands separators, nothing as –."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def report_review(changed: list[int], unchanged: list[int], status: str) -> None:
    if changed:
        out.print(f"{status.capitalize()}: claim(s) {', '.join(map(str, changed))}.",
                  markup=False)
    if unchanged:
        out.print(f"Already {status}: claim(s) {', '.join(map(str, unchanged))} "
                  "(unchanged).", markup=False)


TextOption = Annotated[str | None, typer.Option(show_default=False)]


@command(claims_app, "edit")
def edit(
    claim_id: Annotated[int, typer.Argument(help="The claim's number.", show_default=False)],
    reviewer: ReviewerOption = "",
    category: Annotated[str | None, typer.Option(
        help=f"What is counted: {', '.join(CLAIM_CATEGORIES)}.", show_default=False)] = None,
    unit: Annotated[str | None, typer.Option(
        help=f"{', '.join(UNITS)} (attacks and raids are events).",
        show_default=False)] = None,
    bound: Annotated[str | None, typer.Option(help=BOUND_HELP, show_default=False)] = None,
    value: Annotated[str | None, typer.Option(
        help="The number, for a single-number bound (1500, 1,500 or ۱۵۰۰).",
        show_default=False)] = None,
    low: Annotated[str | None, typer.Option(
        help="The lower end of a range or vague term.", show_default=False)] = None,
    high: Annotated[str | None, typer.Option(
        help="The upper end of a range or vague term.", show_default=False)] = None,
    vague_term: Annotated[str | None, typer.Option(
        help="The vague word as written (dozens, صدها …), with --bound vague.",
        show_default=False)] = None,
    tolerance: Annotated[str | None, typer.Option(
        help="How far 'about N' may be from N, as a share (0.1 = ±10%).",
        show_default=False)] = None,
    scope: Annotated[str | None, typer.Option(help=ScopeHelp, show_default=False)] = None,
    claimant: Annotated[str | None, typer.Option(
        help="Who asserts the number.", show_default=False)] = None,
    place: TextOption = None,
    period: Annotated[str | None, typer.Option(
        help="The period as written (e.g. 'November 2019').", show_default=False)] = None,
    period_start: Annotated[str | None, typer.Option(
        help="First day of the period, YYYY-MM-DD.", show_default=False)] = None,
    period_end: Annotated[str | None, typer.Option(
        help="Last day of the period, YYYY-MM-DD.", show_default=False)] = None,
    cumulative: Annotated[bool | None, typer.Option(
        "--cumulative/--not-cumulative", help="A running total ('since 1981').",
        show_default=False)] = None,
    event: TextOption = None,
    subgroup: Annotated[str | None, typer.Option(
        help="Who only is counted (children, protesters …); '' clears it.",
        show_default=False)] = None,
    parent: Annotated[str | None, typer.Option(
        help="The claim this one is a part of ('including 44 children'); '' clears it.",
        show_default=False)] = None,
    language: TextOption = None,
    translation: Annotated[str | None, typer.Option(
        help="An English translation of the quote (say whose).", show_default=False)] = None,
    quote: Annotated[str | None, typer.Option(
        help="The quote (claims added by hand only).", show_default=False)] = None,
    note: NoteOption = None,
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Correct a claim: its category, bound and numbers, scope, claimant, place, period.

    Give only what changes; '' clears a text field. The claim keeps its status; the edit
    is kept in its history and the audit log.

    Examples: --bound at_least --value 212; --bound range --low 1500 --high 2000;
    --category executed --scope all."""
    given: dict[str, Any] = {
        "category": category, "unit": unit, "bound": bound, "value": value, "low": low,
        "high": high, "vague_term": vague_term, "tolerance": tolerance, "scope": scope,
        "claimant": claimant, "place": place, "period": period,
        "period_start": period_start, "period_end": period_end, "cumulative": cumulative,
        "event": event, "subgroup": subgroup, "parent": parent, "language": language,
        "translation": translation, "quote": quote}
    changes = {k: v for k, v in given.items() if v is not None}
    with Case.open(case_dir) as case:
        result = edit_claim(case, claim_id, changes, reviewer=reviewer, note=note)
    if as_json:
        print_json({"claim": result.claim.to_dict(),
                    "changes": {k: list(v) for k, v in result.changes.items()}})
        return
    if not result.changes:
        out.print(f"Claim {claim_id} already has those values: nothing changed.",
                  markup=False)
        return
    out.print(f"Claim {claim_id} edited:", markup=False)
    for name, (old, new) in result.changes.items():
        out.print(f"  {name}: {shown(old)} → {shown(new)}", markup=False)
    out.print(f"  now: {result.claim.claimed} {result.claim.category} "
              f"({result.claim.status}, scope {result.claim.scope or 'not set'})",
              markup=False)


@command(claims_app, "add")
def add(
    category: Annotated[str, typer.Option(
        help=f"What is counted: {', '.join(CLAIM_CATEGORIES)}.", show_default=False)],
    quote: Annotated[str, typer.Option(
        help="The words that state the claim, as written (any language).",
        show_default=False)],
    reviewer: ReviewerOption = "",
    value: Annotated[str | None, typer.Option(
        help="The number (for one number; the bound is then 'exact' unless --bound).",
        show_default=False)] = None,
    low: Annotated[str | None, typer.Option(
        help="The lower end of a range.", show_default=False)] = None,
    high: Annotated[str | None, typer.Option(
        help="The upper end of a range.", show_default=False)] = None,
    bound: Annotated[str | None, typer.Option(help=BOUND_HELP, show_default=False)] = None,
    unit: Annotated[str, typer.Option(help=f"{', '.join(UNITS)}.")] = "persons",
    scope: Annotated[str | None, typer.Option(help=ScopeHelp, show_default=False)] = None,
    claimant: Annotated[str | None, typer.Option(
        help="Who asserts the number.", show_default=False)] = None,
    place: TextOption = None,
    period: TextOption = None,
    period_start: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD.", show_default=False)] = None,
    period_end: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD.", show_default=False)] = None,
    cumulative: Annotated[bool, typer.Option(
        help="A running total ('since 1981').")] = False,
    event: TextOption = None,
    subgroup: TextOption = None,
    parent: Annotated[str | None, typer.Option(
        help="The claim this one is a part of.", show_default=False)] = None,
    vague_term: TextOption = None,
    language: TextOption = None,
    translation: TextOption = None,
    proposed: Annotated[bool, typer.Option(
        help="Leave it proposed, for another reviewer to accept (default: accepted).")
    ] = False,
    note: NoteOption = None,
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Add a claim by hand (one the extractor missed, or from elsewhere).

    Give --value (one number) or --low and --high (a range). It is accepted at once
    unless --proposed.

    Example: fullcount claims add --value 3117 --category killed --claimant 'the
    authorities' --quote '…' --scope all --reviewer 'A. Analyst'"""
    fields: dict[str, Any] = {
        "scope": scope, "claimant": claimant, "place": place, "period": period,
        "period_start": period_start, "period_end": period_end, "cumulative": cumulative,
        "event": event, "subgroup": subgroup, "parent": parent, "vague_term": vague_term,
        "language": language, "translation": translation, "note": note}
    with Case.open(case_dir) as case:
        claim = add_claim(case, quote=quote, category=category, reviewer=reviewer,
                          value=value, low=low, high=high, bound=bound, unit=unit,
                          status="proposed" if proposed else "accepted",
                          **{k: v for k, v in fields.items() if v is not None})
    if as_json:
        print_json(claim.to_dict())
        return
    out.print(f"Claim {claim.claim_id} added ({claim.status}): {claim.claimed} "
              f"{claim.category}, scope {claim.scope or 'not set'}.", markup=False)


@command(claims_app, "compare")
def compare(
    case_dir: CaseOption = Path("."),
    tolerance: ToleranceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set each accepted claim against the evidence, with a verdict and its reason.

    A claim is compared with the people documented in its scope and with the estimate's
    interval (the recommended estimate, or the one the reason names). Verdicts:
    consistent; below documented (the named victims already exceed it); above the
    estimate (above the interval's upper end); between documented and estimate; not
    below documented (no estimate yet); not comparable (events, the wounded, a part of
    another claim, no scope)."""
    with Case.open(case_dir, readonly=True) as case:
        results = compare_claims(case, tolerance=tolerance)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    if not results:
        out.print("No accepted claims to compare. Accept some with `fullcount claims "
                  "accept ID... --scope all --reviewer NAME`.", markup=False)
        return
    report_comparison(results)


def report_comparison(results: list[ClaimComparison]) -> None:
    grid = table("id", "claimant", "claimed", "category", "scope", "documented", "estimate",
                 "verdict", "why", title="Claims against the evidence")
    for r in results:
        e = r.estimate
        shown = (f"{e.label} {e.lower:,.0f}–{e.upper:,.0f}" if e else "–")
        add_row(grid, r.claim_id, r.claimant or "", r.claimed, r.category, r.scope or "–",
                "–" if r.documented is None else f"{r.documented:,}", shown, r.verdict_label,
                r.reasoning)
    out.print(grid)


@command(claims_app, "export")
def export(
    target: Annotated[Path, typer.Argument(
        help="The CSV file to write.", dir_okay=False, show_default=False)],
    case_dir: CaseOption = Path("."),
    status: Annotated[str | None, typer.Option(
        help=f"Only claims with this status: {', '.join(STATUSES)}.",
        show_default=False)] = None,
    tolerance: ToleranceOption = None,
) -> None:
    """Write the register to CSV, with the comparison of accepted claims.

    Every claim with its quote, document and SHA-256, numbers, bound, fields, review and
    history; for accepted claims the verdict and its reason. Safe to open in a
    spreadsheet. The export is recorded in the audit log."""
    with Case.open(case_dir) as case:
        written = export_claims(case, target, status=status, tolerance=tolerance)
    out.print(f"Wrote {written:,} claim(s) to {target}", markup=False)


__all__ = ["claims_app"]
