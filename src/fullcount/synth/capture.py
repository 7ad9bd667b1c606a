"""Which sources document which people.

Capture is heterogeneous on purpose, as in real casualty lists: a person's latent
documentability class, their province and community, being a child, and whether the
person died in a provincial centre all change the chance that a source records them.
Some lists partly copy an earlier list (media reprinting an NGO's names), which makes
captures in the two lists dependent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fullcount.synth import lexicon as lx
from fullcount.synth.population import Population
from fullcount.synth.profiles import Profile


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_captures(rng_for: Callable[[int], np.random.Generator], pop: Population,
                  profiles: list[Profile]) -> np.ndarray:
    """A boolean matrix, people x sources: True where the source records the person.

    Source ``j`` draws from its own generator ``rng_for(j)``, so adding a source does
    not change who the earlier ones recorded.
    """
    n = pop.n
    region = np.array([t.region for t in lx.TOWNS])[pop.town]
    capital_towns = {}
    for k, town in enumerate(lx.TOWNS):
        capital_towns.setdefault(town.province, k)
    is_capital = np.isin(pop.town, np.array(list(capital_towns.values())))
    child = pop.age < 18

    captured = np.zeros((n, len(profiles)), dtype=bool)
    for j, prof in enumerate(profiles):
        cap = prof.capture
        rng = rng_for(j)
        logit = cap.base + np.asarray(cap.latent)[pop.latent]
        for reg, shift in cap.regions.items():
            logit = logit + shift * (region == reg)
        logit = logit + cap.capital * is_capital + cap.child * child
        logit = logit + rng.normal(0.0, cap.province_sd, len(lx.PROVINCES))[pop.province]
        own = rng.random(n) < _expit(logit)
        if cap.copies_from:
            earlier = [k for k in range(j) if profiles[k].kind == cap.copies_from]
            if earlier:
                copied = captured[:, earlier[-1]] & (rng.random(n) < cap.copy_rate)
                own = own | copied
        captured[:, j] = own
    return captured


def capture_histories(captured: np.ndarray) -> dict[str, int]:
    """Pattern ("1011", one character per source in order) -> number of people."""
    k = captured.shape[1]
    seen = captured.any(axis=1)
    codes = captured[seen].astype(np.int64) @ (1 << np.arange(k - 1, -1, -1))
    counts = np.bincount(codes, minlength=1 << k)
    return {format(c, f"0{k}b"): int(counts[c]) for c in range(1, 1 << k) if counts[c]}
