"""Name keys and similarity: quality on the labelled pairs, an outside check, throughput.

    python benchmarks/names.py [--names 60000] [--synth 2000] [--workers 2] [--details]

1. On tests/data/name_pairs.csv (true variant pairs and hard non-matches, labelled):
   the share of true pairs whose blocking key agrees (``name_key`` and the coarser
   ``phonetic_key``), the share of non-matches whose key collides, and the similarity
   threshold that keeps 95 % of true pairs with the share of non-matches above it;
   the same for a generic baseline (casefold + whitespace collapse as the key,
   Jaro–Winkler on the raw casefolded strings).
2. An outside check on lists written by ``fullcount.synth`` (which has its own name
   lexicon): for records of the same person in different lists, the share with equal
   keys; for records of different people, the share whose keys collide.
3. Throughput of ``parse_name`` + ``name_key`` on distinct name strings (cold caches),
   in one process and in ``--workers`` processes. Target: >= 20,000 names/s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fullcount.normalize import name_key, name_similarity, parse_name
from fullcount.normalize._translit import jaro_winkler
from fullcount.normalize.names import phonetic_key

PAIRS = ROOT / "tests" / "data" / "name_pairs.csv"


def load_pairs() -> list[tuple[str, str, int, str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        return [(r["a"], r["b"], int(r["same"]), r["kind"]) for r in csv.DictReader(handle)]


def baseline_key(text: str) -> str:
    return " ".join(text.casefold().split())


def baseline_similarity(a: str, b: str) -> float:
    return jaro_winkler(baseline_key(a), baseline_key(b))


def threshold_for_recall(scores: list[float], recall: float) -> float:
    """The highest threshold t with share(scores >= t) >= recall."""
    ordered = sorted(scores, reverse=True)
    return ordered[max(0, int(-(-recall * len(ordered) // 1)) - 1)]


def evaluate(pairs, key, similarity) -> dict[str, object]:
    true = [(a, b, k) for a, b, s, k in pairs if s]
    false = [(a, b, k) for a, b, s, k in pairs if not s]
    key_true = [key(a) == key(b) and key(a) != "" for a, b, _ in true]
    key_false = [key(a) == key(b) and key(a) != "" for a, b, _ in false]
    distinct = [hit for (_, _, kind), hit in zip(false, key_false)
                if kind != "namesake_other_father"]
    sim_true = [similarity(a, b) for a, b, _ in true]
    sim_false = [similarity(a, b) for a, b, _ in false]
    t95 = threshold_for_recall(sim_true, 0.95)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for (a, b, kind), hit in zip(true, key_true):
        by_kind["+" + kind].append(hit)
    for (a, b, kind), hit in zip(false, key_false):
        by_kind["-" + kind].append(hit)
    fm_kind: dict[str, list[bool]] = defaultdict(list)
    for (a, b, kind), s in zip(false, sim_false):
        fm_kind[kind].append(s >= t95)
    return {
        "key_recall": sum(key_true) / len(true),
        "key_collision": sum(key_false) / len(false),
        "key_collision_distinct": sum(distinct) / len(distinct),
        "t95": t95,
        "false_match_at_t95": sum(s >= t95 for s in sim_false) / len(false),
        "true_mean": statistics.fmean(sim_true),
        "false_mean": statistics.fmean(sim_false),
        "by_kind": {k: sum(v) / len(v) for k, v in sorted(by_kind.items())},
        "fm_kind": {k: sum(v) / len(v) for k, v in sorted(fm_kind.items())},
        "n_true": len(true),
        "n_false": len(false),
    }


def report_pairs(details: bool) -> None:
    pairs = load_pairs()
    ours = evaluate(pairs, name_key, name_similarity)
    phon = evaluate(pairs, phonetic_key, name_similarity)
    base = evaluate(pairs, baseline_key, baseline_similarity)
    print(f"labelled pairs: {ours['n_true']} true variant pairs, {ours['n_false']} hard "
          f"non-matches ({PAIRS.relative_to(ROOT)})")
    print(f"{'':34}{'name_key':>12}{'phonetic_key':>14}{'baseline':>12}")
    print(f"{'key recall on true pairs':34}{ours['key_recall']:>12.1%}"
          f"{phon['key_recall']:>14.1%}{base['key_recall']:>12.1%}")
    print(f"{'key collisions on non-matches':34}{ours['key_collision']:>12.1%}"
          f"{phon['key_collision']:>14.1%}{base['key_collision']:>12.1%}")
    print(f"{'  of them, differently named':34}{ours['key_collision_distinct']:>12.1%}"
          f"{phon['key_collision_distinct']:>14.1%}{base['key_collision_distinct']:>12.1%}")
    print(f"{'  (the rest: namesakes with another father, one key by design)':34}")
    print(f"{'similarity':34}{'name_similarity':>26}{'baseline JW':>12}")
    print(f"{'threshold for 95% recall':34}{ours['t95']:>26.3f}{base['t95']:>12.3f}")
    print(f"{'false-match rate at it':34}{ours['false_match_at_t95']:>26.1%}"
          f"{base['false_match_at_t95']:>12.1%}")
    print(f"{'mean score true / non-match':34}"
          f"{ours['true_mean']:>17.3f} / {ours['false_mean']:.3f}"
          f"{base['true_mean']:>6.3f} / {base['false_mean']:.3f}")
    print("key agreement by kind (+ true pairs: recall; - non-matches: collisions):")
    for kind, value in ours["by_kind"].items():
        print(f"  {kind:28}{value:>8.1%}{phon['by_kind'][kind]:>10.1%}"
              f"{base['by_kind'][kind]:>10.1%}")
    print("false matches at the 95%-recall threshold, by kind:")
    for kind, value in ours["fm_kind"].items():
        print(f"  {kind:28}{value:>8.1%}{base['fm_kind'][kind]:>20.1%}")
    if details:
        print("true pairs whose keys differ:")
        for a, b, s, k in pairs:
            if s and name_key(a) != name_key(b):
                print(f"  [{k}] {a!r} -> {name_key(a)!r} | {b!r} -> {name_key(b)!r}")
        print("non-matches whose keys collide:")
        for a, b, s, k in pairs:
            if not s and name_key(a) == name_key(b) and name_key(a):
                print(f"  [{k}] {a!r} | {b!r} -> {name_key(a)!r}  sim={name_similarity(a, b):.3f}")
        print(f"non-matches at or above {ours['t95']:.3f}:")
        for a, b, s, k in pairs:
            if not s and name_similarity(a, b) >= ours["t95"]:
                print(f"  [{k}] {a!r} | {b!r}  sim={name_similarity(a, b):.3f}")
        print("lowest-scoring true pairs:")
        low = sorted((name_similarity(a, b), a, b, k) for a, b, s, k in pairs if s)[:25]
        for score, a, b, k in low:
            print(f"  [{k}] {score:.3f} {a!r} | {b!r}")


# ------------------------------------------------------------------ outside check

def synth_records(n: int, seed: int = 11) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """(person_id, source, full name as written) for every good record of a synth run,
    and each person's canonical Latin full name (from the truth files)."""
    from fullcount.ingest import open_reader
    from fullcount.ingest.fields import NAME_FIELDS, suggest_mapping
    from fullcount.ingest.readers import RowRules
    from fullcount.synth import generate

    out_dir = Path(tempfile.mkdtemp(prefix="names-synth-"))
    generate(out_dir, n=n, lists=8, seed=seed)
    canonical: dict[str, str] = {}
    with (out_dir / "truth" / "people.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            canonical[row["person_id"]] = (row["given_name_latin"] + " "
                                           + row["family_name_latin"]).casefold()
    truth: dict[tuple[str, int], str] = {}
    with (out_dir / "truth" / "records.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["person_id"] and row["expected"] == "record":
                truth[(row["file"], int(row["row_number"]))] = row["person_id"]
    records = []
    for path in sorted(out_dir.iterdir()):
        if path.is_dir() or path.suffix == ".txt":
            continue
        reader = open_reader(path)
        mapping = suggest_mapping(reader.header).mapping
        index = {c: i for i, c in enumerate(reader.columns)}
        rules = RowRules(name_columns=tuple(index[mapping[f]] for f in NAME_FIELDS if f in mapping),
                         max_cell_chars=100_000, batch_rows=5000)
        for batch in reader.batches(rules):
            for k, row_number in enumerate(batch.row_numbers):
                person = truth.get((path.name, row_number))
                if person is None:
                    continue
                cells = {f: batch.columns[index[mapping[f]]][k]
                         for f in ("full_name", "given_name", "family_name") if f in mapping}
                name = cells.get("full_name") or " ".join(
                    x for x in (cells.get("given_name", ""), cells.get("family_name", "")) if x)
                records.append((person, path.stem, name))
    return records, canonical


def synth_check(records: list[tuple[str, str, str]], key) -> tuple[float, float, int]:
    """(share of cross-source same-person record pairs with equal keys, share of
    different-person pairs among same-key pairs' people, number of same-person pairs)."""
    by_person: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person, source, name in records:
        by_person[person].append((source, key(name)))
    agree = total = 0
    for recs in by_person.values():
        for (s1, k1), (s2, k2) in itertools.combinations(recs, 2):
            if s1 != s2:
                total += 1
                agree += (k1 == k2 and k1 != "")
    # collisions: distinct people whose (most common) keys coincide
    person_key = {p: max(sorted({k for _, k in r}), key=[k for _, k in r].count)
                  for p, r in by_person.items()}
    people_per_key: dict[str, set[str]] = defaultdict(set)
    for p, k in person_key.items():
        if k:
            people_per_key[k].add(p)
    shared = sum(len(v) for v in people_per_key.values() if len(v) > 1)
    return agree / max(total, 1), shared / max(len(person_key), 1), total


def synth_similarity(records: list[tuple[str, str, str]], canonical: dict[str, str],
                     similarity, seed: int = 5, limit: int = 20_000
                     ) -> tuple[float, float, int, int]:
    """Similarity on synth records: the threshold keeping 95 % of cross-list same-person
    pairs, and the share of different-person pairs at or above it among pairs that
    ``phonetic_key`` blocking would put side by side (the pairs linkage has to decide).
    People with the same canonical name (namesakes, whom no name comparison can tell
    apart) are left out of the different-person pairs."""
    rng = random.Random(seed)
    by_person: dict[str, list[tuple[str, str]]] = defaultdict(list)
    by_block: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person, source, name in records:
        by_person[person].append((source, name))
        by_block[phonetic_key(name)].append((person, name))
    same = [(a, b) for recs in by_person.values() for (s1, a), (s2, b)
            in itertools.combinations(recs, 2) if s1 != s2]
    diff = [(a, b) for block, recs in by_block.items() if block
            for (p1, a), (p2, b) in itertools.combinations(recs, 2)
            if p1 != p2 and canonical[p1] != canonical[p2]]
    same = rng.sample(same, min(limit, len(same)))
    diff = rng.sample(diff, min(limit, len(diff)))
    t95 = threshold_for_recall([similarity(a, b) for a, b in same], 0.95)
    false = sum(similarity(a, b) >= t95 for a, b in diff) / max(len(diff), 1)
    return t95, false, len(same), len(diff)


def report_synth(n: int) -> None:
    records, canonical = synth_records(n)
    namesakes = defaultdict(int)
    for name in canonical.values():
        namesakes[name] += 1
    floor = sum(c for c in namesakes.values() if c > 1) / len(canonical)
    ours = synth_check(records, name_key)
    phon = synth_check(records, phonetic_key)
    base = synth_check(records, baseline_key)
    sim = synth_similarity(records, canonical, name_similarity)
    base_sim = synth_similarity(records, canonical, baseline_similarity)
    print(f"outside check (fullcount.synth, n={n}, 8 lists, {len(records)} records, "
          f"{ours[2]} cross-list same-person record pairs):")
    print(f"{'':34}{'name_key':>12}{'phonetic_key':>14}{'baseline':>12}")
    print(f"{'same person, same key':34}{ours[0]:>12.1%}{phon[0]:>14.1%}{base[0]:>12.1%}")
    print(f"{'people sharing a key with another':34}{ours[1]:>12.1%}{phon[1]:>14.1%}"
          f"{base[1]:>12.1%}")
    print(f"  (floor: {floor:.1%} of the people share their canonical full name with another)")
    print(f"similarity on {sim[2]:,} same-person pairs and {sim[3]:,} pairs of differently "
          "named people in the same phonetic_key block:")
    print(f"{'':34}{'name_similarity':>26}{'baseline JW':>12}")
    print(f"{'threshold for 95% recall':34}{sim[0]:>26.3f}{base_sim[0]:>12.3f}")
    print(f"{'false-match rate at it':34}{sim[1]:>26.1%}{base_sim[1]:>12.1%}")


# ------------------------------------------------------------------- throughput

GIVEN_FA = ["محمد", "علی", "حسین", "رضا", "زهرا", "فاطمه", "مهدی", "امیرحسین", "محمدرضا",
            "ابوالفضل", "ژینا", "هیوا", "کیان", "نیکا", "مهسا", "سارینا", "حدیث", "محمد رضا",
            "عبدالحمید", "غلامرضا", "مجید", "سعید", "آرمان", "کوروش"]
GIVEN_LA = ["Mohammad", "Muhammad", "Ali", "Hossein", "Husein", "Reza", "Zahra", "Fatemeh",
            "Fatima", "Mehdi", "Mahdi", "Amir-Hossein", "Mohammad Reza", "Abolfazl", "Kian",
            "Nika", "Sarina", "Hadis", "Mahsa", "Jina", "Hiwa", "Kourosh", "Abdolhamid",
            "Gholamreza", "Majid", "Saeed"]
FAMILY_FA = ["حسینی", "رضایی", "محمدی", "کریمی", "حسن‌زاده", "پورمحمدی", "قاسمی", "امینی",
             "دهواری", "اسماعیل‌زاده", "ریگی", "مرادی", "رحیمی", "جعفری", "شکرمی", "میرحسینی",
             "نجفی", "کاظمی", "موسوی", "بلوچ"]
FAMILY_LA = ["Hosseini", "Husseini", "Rezaei", "Rezaee", "Mohammadi", "Karimi", "Ghasemi",
             "Qasemi", "Jafari", "Amini", "Ahmadi", "Hassanzadeh", "Hassan Zadeh", "Mir-Hosseini",
             "Dehvari", "Shakarami", "Esmaeilzadeh", "Rigi", "Moradi", "Rahimi", "Mousavi"]
FATHER_FA = ["", "", "", " فرزند علی", " فرزند حسن", " فرزند: محمد"]
FATHER_LA = ["", "", "", " son of Ali", " s/o Hassan", " bin Reza"]
TITLE_FA = ["", "", "", "شهید ", "سید ", "حاج ", "جاویدنام "]
TITLE_LA = ["", "", "", "Seyed ", "Shahid ", "Haj ", "Martyr "]


# Spelling noise of the kinds lists carry, to make many distinct strings (and so many
# distinct words: caches stay cold for the words as well as for the full names).
_LATIN_NOISE = [("ou", "oo"), ("i", "ee"), ("ss", "s"), ("mm", "m"), ("a", "e"), ("e", "i"),
                ("gh", "q"), ("kh", "x"), ("h", ""), ("s", "ss"), ("d", "dd"), ("o", "u")]
_PERSIAN_NOISE = [("ی", "ي"), ("ک", "ك"), ("ه", "ة"), ("ا", "آ"), ("ی", "ئ"), ("ز", "ذ"),
                  ("س", "ص"), ("\u200c", " "), ("ت", "ط")]


def _noisy(word: str, rng: random.Random) -> str:
    table = _PERSIAN_NOISE if any("\u0600" <= c <= "\u06ff" for c in word) else _LATIN_NOISE
    for _ in range(rng.choice((0, 1, 1, 2))):
        old, new = rng.choice(table)
        if old in word:
            at = rng.choice([i for i in range(len(word)) if word.startswith(old, i)])
            word = word[:at] + new + word[at + len(old):]
    return word


def distinct_names(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        persian = rng.random() < 0.5
        g = _noisy(rng.choice(GIVEN_FA if persian else GIVEN_LA), rng)
        f = _noisy(rng.choice(FAMILY_FA if persian else FAMILY_LA), rng)
        form = rng.random()
        if form < 0.15:
            text = f"{f}, {g}"
        elif form < 0.2:
            text = (g + f).replace(" ", "")
        else:
            text = f"{g} {f}"
        text = (rng.choice(TITLE_FA if persian else TITLE_LA) + text
                + rng.choice(FATHER_FA if persian else FATHER_LA))
        names.add(text.upper() if rng.random() < 0.1 else text)
    return sorted(names)


def _work(names: list[str]) -> tuple[int, float]:
    """Parse and key every name; (count, CPU seconds this process spent on it)."""
    cpu = time.process_time()
    for text in names:
        parse_name(text)
        name_key(text)
    return len(names), time.process_time() - cpu


def report_throughput(count: int, workers: int) -> None:
    names = distinct_names(count)
    half = names[: count // 2]
    start = time.perf_counter()
    _, cpu = _work(half)
    single = len(half) / (time.perf_counter() - start)
    single_cpu = len(half) / cpu
    rest = names[count // 2:]
    chunks = [rest[i::workers] for i in range(workers)]
    # Fresh interpreters ("spawn"): each worker starts with cold caches, as a separate
    # normalise process would, and shares no memory pages with this one.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_work, [["warm up"]] * workers))
        start = time.perf_counter()
        results = list(pool.map(_work, chunks))
        multi = sum(n for n, _ in results) / (time.perf_counter() - start)
        multi_cpu = sum(n / c for n, c in results)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"throughput, parse_name + name_key on {count:,} distinct name strings "
          f"(cold caches; {os.cpu_count()} cores, load average {load:.1f}):")
    print(f"  1 process:     {single:>10,.0f} names/s wall   {single_cpu:>10,.0f} names per CPU-s")
    print(f"  {workers} processes:   {multi:>10,.0f} names/s wall   {multi_cpu:>10,.0f} names/s if "
          f"each had a core to itself")
    print("  target: >= 20,000 names/s on 2 cores (wall time suffers when other work shares "
          "the cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=60_000)
    parser.add_argument("--synth", type=int, default=2000, help="synth population (0: skip)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--details", action="store_true", help="list the misses")
    args = parser.parse_args()
    report_pairs(args.details)
    print()
    if args.synth:
        report_synth(args.synth)
        print()
    if args.names:
        report_throughput(args.names, args.workers)


if __name__ == "__main__":
    main()
