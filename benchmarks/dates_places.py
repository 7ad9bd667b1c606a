"""Raw speed of reading dates, ages and places, on realistic mixes of how lists write them.

    python benchmarks/dates_places.py [--values 200000] [--repeat 3] [--seed 7]

Builds a mix of date strings (Jalali numeric in ASCII and Persian digits, Jalali with
Persian and Latin month names, lunar Hijri with month names and markers, Gregorian ISO,
d/m/Y and month-name forms, ranges, and unreadable values), of ages, and of place strings
(canonical names, listed variants, transliteration variants, qualified and prefixed forms,
unknown places), and prints values parsed per second, best of --repeat, plus the share
read. Each value is parsed as if new (no cache): ingest and the normalise stage parse
each distinct value once, so their real cost is far lower on repetitive columns.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fullcount.normalize import load_gazetteer, match_place, parse_date, read_age
from fullcount.normalize.dates import MONTH_NAMES, from_gregorian

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_FA = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
             "دی", "بهمن", "اسفند"]
HIJRI_FA = ["محرم", "صفر", "ربیع‌الاول", "ربیع‌الثانی", "جمادی‌الاول", "جمادی‌الثانی", "رجب",
            "شعبان", "رمضان", "شوال", "ذی‌القعده", "ذی‌الحجه"]


def date_mix(n: int, rng: random.Random) -> list[str]:
    start = date(2009, 1, 1)
    out = []
    for _ in range(n):
        day = start + timedelta(days=rng.randrange(16 * 365))
        jy, jm, jd = from_gregorian(day, "jalali")
        hy, hm, hd = from_gregorian(day, "hijri")
        kind = rng.random()
        if kind < 0.30:
            text = f"{jy}/{jm:02d}/{jd:02d}"
        elif kind < 0.45:
            text = f"{jy}/{jm:02d}/{jd:02d}".translate(PERSIAN)
        elif kind < 0.55:
            text = f"{jd} {JALALI_FA[jm - 1]} {jy}".translate(PERSIAN)
        elif kind < 0.60:
            text = f"{jd} {MONTH_NAMES['jalali'][jm - 1]} {jy}"
        elif kind < 0.63:
            text = f"{hd} {HIJRI_FA[hm - 1]} {hy} ه.ق".translate(PERSIAN)
        elif kind < 0.78:
            text = day.isoformat()
        elif kind < 0.85:
            text = day.strftime("%d/%m/%Y")
        elif kind < 0.90:
            text = day.strftime("%B %d, %Y")
        elif kind < 0.93:
            text = f"{JALALI_FA[jm - 1]} {jy}"
        elif kind < 0.95:
            text = f"{jy}-{jy + 1}"
        elif kind < 0.97:
            first = min(jd, 26)
            text = f"{first} تا {first + 3} {JALALI_FA[jm - 1]} {jy}".translate(PERSIAN)
        else:
            text = rng.choice(["نامعلوم", "unknown", "1401/13/02", "?", "2022-02-30", ""])
        out.append(text)
    return out


def age_mix(n: int, rng: random.Random) -> list[str]:
    words = ["child", "کودک", "نوجوان", "teenager", "elderly", "unknown", "نامعلوم"]
    out = []
    for _ in range(n):
        age = rng.randrange(1, 80)
        kind = rng.random()
        if kind < 0.5:
            out.append(str(age))
        elif kind < 0.7:
            out.append(str(age).translate(PERSIAN))
        elif kind < 0.8:
            out.append(f"حدود {age}".translate(PERSIAN))
        elif kind < 0.9:
            out.append(f"{age}-{age + 5}")
        else:
            out.append(rng.choice(words))
    return out


def place_mix(n: int, rng: random.Random) -> list[str]:
    gazetteer = load_gazetteer()
    cities = [p for p in gazetteer.places if p.kind == "city"]
    weights = [1.0 / (rank + 1) for rank in range(len(cities))]  # larger towns more often
    unknown = ["Evin prison", "زندان اوین", "unknown", "نامعلوم", "Sulaymaniyah", "خیابان آزادی"]
    out = []
    for place in rng.choices(cities, weights=weights, k=n):
        kind = rng.random()
        if kind < 0.35:
            text = place.name_fa
        elif kind < 0.55:
            text = place.name
        elif kind < 0.70:
            text = rng.choice(place.spellings)
        elif kind < 0.78:
            text = place.name.upper().replace("-", " ")
        elif kind < 0.85:
            text = f"{place.name}, {place.province}"
        elif kind < 0.90:
            text = f"شهر {place.name_fa}"
        elif kind < 0.95:  # a vowel written twice: only the transliteration key finds it
            text = place.name.replace("a", "aa", 1).replace("o", "ou", 1)
        else:
            text = rng.choice(unknown)
        out.append(text)
    return out


def measure(name: str, parse: Callable[[str], Any], values: list[str], repeat: int,
            read: Callable[[Any], bool]) -> None:
    best = float("inf")
    results: list[Any] = []
    for _ in range(repeat):
        started = time.perf_counter()
        results = [parse(v) for v in values]
        best = min(best, time.perf_counter() - started)
    share = sum(read(r) for r in results) / len(values)
    print(f"{name:<8} {len(values):>9,} values  {len(values) / best:>10,.0f} /s  "
          f"{best / len(values) * 1e6:6.1f} µs each  {share:6.1%} read  "
          f"({len(set(values)):,} distinct)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    load_gazetteer()
    print(f"gazetteer loaded in {(time.perf_counter() - started) * 1e3:.0f} ms")
    measure("dates", parse_date, date_mix(args.values, rng), args.repeat,
            lambda p: p.iso is not None)
    measure("ages", read_age, age_mix(args.values, rng), args.repeat,
            lambda a: a is not None)
    measure("places", match_place, place_mix(args.values, rng), args.repeat,
            lambda m: m is not None)


if __name__ == "__main__":
    main()
