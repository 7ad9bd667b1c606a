"""Numeric claims in documents: find them (offline, rule-based) so that a reviewer can set
them against the case's documented counts and estimates.

    >>> from fullcount.claims import extract_claims
    >>> [(c.category, c.bound, c.low) for c in extract_claims(
    ...     "At least 168 people were killed and 1,500 wounded in 27 attacks.")]
    [('killed', 'at_least', 168), ('wounded', 'exact', 1500), ('attacks', 'exact', 27)]
"""

from fullcount.claims.documents import read_document
from fullcount.claims.extract import Claim, detect_language, extract_claims, split_sentences
from fullcount.claims.lexicon import BOUNDS, CATEGORIES, Bound, Category
from fullcount.claims.numbers import Quantity, find_quantities, parse_quantity

__all__ = [
    "BOUNDS", "CATEGORIES", "Bound", "Category", "Claim", "Quantity", "detect_language",
    "extract_claims", "find_quantities", "parse_quantity", "read_document", "split_sentences",
]
