"""The space of hierarchical log-linear models over K lists, as Rcapture enumerates it.

A term is a set of lists, held as a bitmask (list j is bit j): the intercept is 0, the
main effect of list j is ``1 << j``, an interaction is a mask with two or more bits. A
model is hierarchical when every interaction it holds has all its lower-order margins
in it too, i.e. its interactions form a down-set of the subset lattice. The space here
is Rcapture's ``getAllModels(t, maxorder)`` with its default ``forced = 1:t``: every
model has the intercept and all main effects, and interactions up to ``max_order``
lists. Its size is 8 for 3 lists (order 2), 113 for 4 (order 3), 6,893 for 5 (order 4)
and 2^15 = 32,768 for 6 lists with order 2.

Models are named in Rcapture's notation: the highest terms of each hierarchy, higher
orders first, lexicographic within an order, lists numbered from 1 — ``[12,3,4]`` is
the model with the interaction of lists 1 and 2, and lists 3 and 4 alone.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from fullcount.estimate.result import EstimationError

# Beyond this many models the search is refused, saying what to do instead. It admits
# 7 lists with order 2 (2^21 models, a minute or two), where Rcapture already stops.
MAX_MODELS = 2_100_000


def default_max_order(k: int) -> int:
    """Rcapture's default (K - 1), lowered to 2 from 6 lists, where its default stops."""
    return k - 1 if k <= 5 else 2


def interaction_terms(k: int, max_order: int) -> np.ndarray:
    """All interaction masks of order 2..max_order, by order then lexicographically."""
    masks = [sum(1 << j for j in combo)
             for order in range(2, max_order + 1)
             for combo in combinations(range(k), order)]
    return np.array(masks, dtype=np.int64)


def enumerate_models(k: int, max_order: int) -> tuple[np.ndarray, np.ndarray]:
    """Every hierarchical model: ``(interactions, included)``.

    ``interactions`` are the candidate interaction masks (see ``interaction_terms``) and
    ``included`` a (models, interactions) boolean matrix. Models are built one order at a
    time: an interaction of order r + 1 may enter only if all its order-r margins are
    in, and every subset of the terms that may enter gives a model. Refuses (before
    building anything large) when there would be more than ``MAX_MODELS``.
    """
    if not 1 <= max_order <= k - 1:
        raise EstimationError(
            f"max_order must be between 1 and {k - 1} for {k} lists (the {k}-way "
            f"interaction would leave no degrees of freedom), got {max_order}")
    inter = interaction_terms(k, max_order)
    if max_order == 1:
        return inter, np.zeros((1, 0), dtype=bool)
    pairs = comb(k, 2)
    _check_size(1 << pairs, k, max_order)
    if max_order >= 3:  # the complete graph alone admits every subset of the triples
        _check_size((1 << pairs) - 1 + (1 << comb(k, 3)), k, max_order)
    codes = np.arange(1 << pairs, dtype=np.int64)
    included = np.zeros((len(codes), len(inter)), dtype=bool)
    for i in range(pairs):
        included[:, i] = (codes >> i) & 1
    position = {int(m): i for i, m in enumerate(inter)}
    for order in range(3, max_order + 1):
        level = [i for i, m in enumerate(inter) if _popcount(int(m)) == order]
        margins = np.array([[position[int(inter[i]) & ~(1 << j)]
                             for j in range(k) if int(inter[i]) >> j & 1] for i in level])
        # allowed[model, t]: all order-(r-1) margins of the t-th order-r term are in
        allowed = included[:, margins].all(axis=2)
        counts = allowed.sum(axis=1)
        _check_size(int(np.sum(np.left_shift(1, counts, dtype=np.int64))), k, max_order)
        grown = []
        for row, free in zip(included, allowed):
            slots = np.array(level)[free]
            choices = np.arange(1 << len(slots), dtype=np.int64)
            block = np.repeat(row[None, :], len(choices), axis=0)
            block[:, slots] = (choices[:, None] >> np.arange(len(slots))) & 1
            grown.append(block)
        included = np.concatenate(grown)
    return inter, included


def _check_size(count: int, k: int, max_order: int) -> None:
    if count > MAX_MODELS:
        raise EstimationError(
            f"{k} lists with max_order={max_order} give {count:,} or more hierarchical "
            f"log-linear models, more than the {MAX_MODELS:,} this search will fit",
            hint=f"Use max_order={max_order - 1}, merge lists, or use a method that does "
                 "not enumerate models (lcmcr).")


def _popcount(mask: int) -> int:
    return mask.bit_count()


def design_terms(k: int, inter: np.ndarray, included: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each model's term masks as a padded (models, P) matrix (-1 pads) and P per model.

    Column 0 is the intercept, then the K main effects, then the model's interactions in
    the order of ``inter``.
    """
    count = included.sum(axis=1)
    width = 1 + k + (int(count.max()) if len(count) else 0)
    terms = np.full((len(included), width), -1, dtype=np.int64)
    terms[:, 0] = 0
    terms[:, 1:k + 1] = 1 << np.arange(k)
    if included.shape[1]:
        first = np.argsort(~included, axis=1, kind="stable")
        slots = np.arange(width - k - 1)
        chosen = inter[first[:, :width - k - 1]]
        terms[:, k + 1:] = np.where(slots < count[:, None], chosen, -1)
    return terms, 1 + k + count


def model_name(k: int, interactions: list[int] | np.ndarray) -> str:
    """Rcapture's name of the model with these interaction masks, e.g. ``[12,3,4]``."""
    masks = [int(m) for m in interactions]
    tops = [m for m in masks if not any(o != m and o & m == m for o in masks)]
    covered = 0
    for m in masks:
        covered |= m
    tops += [1 << j for j in range(k) if not covered >> j & 1]
    tops.sort(key=lambda m: (-_popcount(m), [j for j in range(k) if m >> j & 1]))
    sep = "" if k <= 9 else "."
    return "[" + ",".join(sep.join(str(j + 1) for j in range(k) if m >> j & 1)
                          for m in tops) + "]"


def parse_model_name(name: str, k: int) -> list[int]:
    """The interaction masks (hierarchy closed) of a model written as ``[12,3,4]``."""
    text = name.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise EstimationError(f"model '{name}' must be written like [12,3,4]")
    masks: set[int] = set()
    for part in filter(None, text[1:-1].split(",")):
        digits = part.split(".") if k > 9 else list(part)
        try:
            lists = [int(d) - 1 for d in digits]
        except ValueError:
            raise EstimationError(f"model '{name}': '{part}' is not a term of list numbers") \
                from None
        if not all(0 <= j < k for j in lists) or len(set(lists)) != len(lists):
            raise EstimationError(f"model '{name}': term '{part}' names lists outside 1..{k}")
        for order in range(2, len(lists) + 1):
            for combo in combinations(lists, order):
                masks.add(sum(1 << j for j in combo))
    return sorted(masks, key=lambda m: (_popcount(m), [j for j in range(k) if m >> j & 1]))
