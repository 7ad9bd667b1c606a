"""The closed population of victims: who they were, when and where they died.

All draws are vectorised over the population with one numpy generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fullcount.synth import lexicon as lx
from fullcount.synth.dates import EVENT_DAYS

LATENT_CLASSES = ("high", "medium", "low")  # documentability
LATENT_SHARES = (0.35, 0.45, 0.20)

FEMALE_SHARE = 0.14
CHILD_SHARE = 0.09
SIBLING_SHARE = 0.015
# A person in a town of a community draws a name typical of that community this often.
REGIONAL_GIVEN = 0.35
REGIONAL_FAMILY = 0.5
SAYYID_SHARE = 0.05          # among bearers of ordinary family names
SAYYID_SHARE_ASSOC = 0.6     # among bearers of names typical of sayyid families
SADAT_GIVEN_SHARE = 0.4      # sayyid women whose given name carries «سادات»


@dataclass(frozen=True)
class Wave:
    """One wave of the event series: when it peaked and which places it hit hardest."""

    centre: float
    spread: float
    share: float
    boosts: dict[str, float]  # region or province key -> weight multiplier


WAVES = (
    Wave(10, 7, 0.33, {"kurd": 3.0, "tehran": 1.5}),
    Wave(13, 1.5, 0.10, {"sistan_baluchestan": 30.0}),
    Wave(45, 12, 0.25, {}),
    Wave(60, 6, 0.14, {"kurd": 4.0, "khuzestan": 2.0}),
    Wave(140, 40, 0.18, {"baluch": 2.0}),
)


@dataclass(frozen=True)
class Population:
    """Column arrays, one entry per person (index = person number)."""

    n: int
    given: np.ndarray       # index into MALE_NAMES or FEMALE_NAMES by sex
    family: np.ndarray      # index into FAMILY_NAMES
    father: np.ndarray      # index into MALE_NAMES
    female: np.ndarray      # bool
    age: np.ndarray
    day: np.ndarray         # day of death, offset from EVENT_START
    town: np.ndarray        # index into TOWNS
    province: np.ndarray    # index into PROVINCES
    sayyid: np.ndarray      # bool
    latent: np.ndarray      # index into LATENT_CLASSES
    sibling_of: np.ndarray  # person index, or -1

    def given_entry(self, i: int) -> lx.NameEntry:
        names = lx.FEMALE_NAMES if self.female[i] else lx.MALE_NAMES
        return names[self.given[i]]

    def person_id(self, i: int) -> str:
        width = max(5, len(str(self.n)))
        return f"P{i + 1:0{width}d}"


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _draw_names(rng: np.random.Generator, entries: tuple[lx.NameEntry, ...],
                weights: list[float], region: np.ndarray, regional_share: float,
                exclude_sayyid: bool = True) -> np.ndarray:
    """Draw a name per person; in a community's towns, partly from that community's names."""
    w = np.asarray(weights, dtype=float)
    regions = np.array([e.region for e in entries])
    sayyid_only = np.array([e.sayyid for e in entries])
    general = w * (regions == "")
    if exclude_sayyid:
        general = general * ~sayyid_only
    out = rng.choice(len(entries), size=len(region), p=_normalised(general))
    for reg in lx.REGIONS:
        own = w * (regions == reg)
        if own.sum() == 0:
            continue
        who = np.flatnonzero((region == reg) & (rng.random(len(region)) < regional_share))
        out[who] = rng.choice(len(entries), size=len(who), p=_normalised(own))
    return out


def draw_population(rng: np.random.Generator, n: int) -> Population:
    towns = lx.TOWNS
    town_weight = np.array([t.weight for t in towns])
    town_province = np.array([t.province for t in towns])
    town_region = np.array([t.region for t in towns])
    province_key = np.array([lx.PROVINCES[p].key for p in town_province])

    # When and where: a wave, a day around its peak, a town weighted for that wave.
    shares = _normalised(np.array([w.share for w in WAVES]))
    wave = rng.choice(len(WAVES), size=n, p=shares)
    day = np.empty(n, dtype=np.int64)
    town = np.empty(n, dtype=np.int64)
    for k, w in enumerate(WAVES):
        who = np.flatnonzero(wave == k)
        days = np.abs(np.rint(rng.normal(w.centre, w.spread, size=len(who))))
        # Reflect at the ends of the series rather than piling days up on them.
        days = np.where(days > EVENT_DAYS - 1, 2 * (EVENT_DAYS - 1) - days, days)
        day[who] = np.clip(days, 0, EVENT_DAYS - 1)
        tw = town_weight.copy()
        for key, boost in w.boosts.items():
            tw = np.where((town_region == key) | (province_key == key), tw * boost, tw)
        town[who] = rng.choice(len(towns), size=len(who), p=_normalised(tw))
    province = town_province[town]
    region = town_region[town]

    female = rng.random(n) < FEMALE_SHARE
    child = rng.random(n) < CHILD_SHARE
    adult_age = 16 + rng.gamma(2.2, 6.0, size=n)
    child_age = rng.choice(np.arange(7, 18), size=n,
                           p=_normalised(np.linspace(1.0, 3.0, 11)))
    age = np.where(child, child_age, np.clip(np.rint(adult_age), 16, 85)).astype(np.int64)

    family = _draw_names(rng, lx.FAMILY_NAMES, list(lx.FAMILY_WEIGHTS), region,
                         REGIONAL_FAMILY, exclude_sayyid=False)
    assoc = np.array([e.sayyid for e in lx.FAMILY_NAMES])[family]
    sayyid = rng.random(n) < np.where(assoc, SAYYID_SHARE_ASSOC, SAYYID_SHARE)

    male_w = lx.zipf_weights(len(lx.MALE_NAMES), *lx.GIVEN_ZIPF)
    female_w = lx.zipf_weights(len(lx.FEMALE_NAMES), *lx.GIVEN_ZIPF)
    given_m = _draw_names(rng, lx.MALE_NAMES, male_w, region, REGIONAL_GIVEN)
    given_f = _draw_names(rng, lx.FEMALE_NAMES, female_w, region, REGIONAL_GIVEN)
    sadat = np.flatnonzero([e.sayyid for e in lx.FEMALE_NAMES])
    use_sadat = female & sayyid & (rng.random(n) < SADAT_GIVEN_SHARE)
    given_f[use_sadat] = rng.choice(sadat, size=int(use_sadat.sum()))
    given = np.where(female, given_f, given_m)
    father = _draw_names(rng, lx.MALE_NAMES, male_w, region, REGIONAL_GIVEN)

    # Siblings killed together: same family name, father, day and place.
    sibling_of = np.full(n, -1, dtype=np.int64)
    if n > 1:
        who = np.flatnonzero(rng.random(n) < SIBLING_SHARE)
        who = who[who > 0]
        partner = (rng.random(len(who)) * who).astype(np.int64)
        for i, j in zip(who.tolist(), partner.tolist()):  # in order, so chains resolve
            sibling_of[i] = j
            family[i], father[i], sayyid[i] = family[j], father[j], sayyid[j]
            day[i], town[i], province[i] = day[j], town[j], province[j]
        # A sister named «… سادات» needs a sayyid family; the copy may have changed that.
        bad = female & ~sayyid & np.isin(given, sadat)
        given[bad] = 0

    latent = rng.choice(len(LATENT_CLASSES), size=n, p=np.array(LATENT_SHARES))
    return Population(n, given, family, father, female, age, day, town, province,
                      sayyid, latent, sibling_of)
