"""Numeric claims in documents: find them (offline, rule-based) so that a reviewer can set
them against the case's documented counts and estimates.

    >>> from fullcount.claims import extract_claims
    >>> [(c.category, c.bound, c.low) for c in extract_claims(
    ...     "At least 168 people were killed and 1,500 wounded in 27 attacks.")]
    [('killed', 'at_least', 168), ('wounded', 'exact', 1500), ('attacks', 'exact', 27)]

The register in the case (``register``): documents read with their hashes, claims stored
as proposed, then accepted, rejected, edited or added by hand by a named reviewer, every
change audited. ``compare`` sets the accepted claims against the documented count and the
estimate, with a verdict and its reasons.
"""

from fullcount.claims.compare import ClaimComparison, ClaimInterval, EstimateUsed, compare_claims
from fullcount.claims.documents import read_document
from fullcount.claims.extract import Claim, detect_language, extract_claims, split_sentences
from fullcount.claims.lexicon import BOUNDS, CATEGORIES, Bound, Category
from fullcount.claims.numbers import Quantity, find_quantities, parse_quantity
from fullcount.claims.register import (
    BOUND_TYPES,
    CLAIM_CATEGORIES,
    EDITABLE_FIELDS,
    ClaimDocument,
    ClaimEdit,
    ExtractionResult,
    ReviewResult,
    StoredClaim,
    accept_claims,
    add_claim,
    edit_claim,
    extract_into_case,
    get_claim,
    list_claims,
    reject_claims,
)

__all__ = [
    "BOUNDS", "BOUND_TYPES", "CATEGORIES", "CLAIM_CATEGORIES", "EDITABLE_FIELDS", "Bound",
    "Category", "Claim", "ClaimComparison", "ClaimDocument", "ClaimEdit", "ClaimInterval",
    "EstimateUsed", "ExtractionResult", "Quantity", "ReviewResult", "StoredClaim",
    "accept_claims", "add_claim", "compare_claims", "detect_language", "edit_claim",
    "extract_claims", "extract_into_case", "find_quantities", "get_claim", "list_claims",
    "parse_quantity", "read_document", "reject_claims", "split_sentences",
]
