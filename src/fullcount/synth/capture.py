"""Which sources document which people.

Capture is heterogeneous on purpose, as in real casualty lists: a person's latent
documentability class, their province and community, being a child, and whether the
person died in a provincial centre all change the chance that a source records them.
Some lists partly copy an earlier list (media reprinting an NGO's names), which makes
captures in the two lists dependent.

Two knobs scale these departures from the textbook assumptions, for validating the
estimators: ``heterogeneity`` multiplies every effect that differs between people (0:
each list records everyone with its own base probability) and ``dependence`` multiplies
every copy rate (0: no list copies another, so lists are independent given the person).
Both leave the random streams as they are, so at 1 the captures are today's, bit for bit.
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
                  profiles: list[Profile], *, heterogeneity: float = 1.0,
                  dependence: float = 1.0) -> np.ndarray:
    """A boolean matrix, people x sources: True where the source records the person.

    Source ``j`` draws from its own generator ``rng_for(j)``, so adding a source does
    not change who the earlier ones recorded. ``heterogeneity`` scales the latent-class,
    region, provincial-centre, child and province effects on the logit; ``dependence``
    scales the copy rates (see the module docstring).
    """
    n = pop.n
    h = float(heterogeneity)
    region = np.array([t.region for t in lx.TOWNS])[pop.town]
    capital_towns: dict[int, int] = {}
    for k, town in enumerate(lx.TOWNS):
        capital_towns.setdefault(town.province, k)
    is_capital = np.isin(pop.town, np.array(list(capital_towns.values())))
    child = pop.age < 18

    captured = np.zeros((n, len(profiles)), dtype=bool)
    for j, prof in enumerate(profiles):
        cap = prof.capture
        rng = rng_for(j)
        # Each coefficient is multiplied by h (exact when h = 1), and the province
        # effects are drawn even when h = 0, so the stream stays where it was.
        logit = cap.base + (np.asarray(cap.latent) * h)[pop.latent]
        for reg, shift in cap.regions.items():
            logit = logit + (shift * h) * (region == reg)
        logit = logit + (cap.capital * h) * is_capital + (cap.child * h) * child
        logit = logit + rng.normal(0.0, cap.province_sd * h,
                                   len(lx.PROVINCES))[pop.province]
        own = rng.random(n) < _expit(logit)
        if cap.copies_from:
            earlier = [k for k in range(j) if profiles[k].kind == cap.copies_from]
            if earlier:
                copied = captured[:, earlier[-1]] & (rng.random(n) < cap.copy_rate * dependence)
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
