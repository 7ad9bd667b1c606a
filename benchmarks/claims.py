"""Precision and recall of the numeric-claims extractor on the hand-labelled test set.

    python benchmarks/claims.py [--split tune|heldout|all] [--errors] [--speed]

The test set (tests/data/claims/{en,fa,ar}.jsonl) is synthetic but written in the style
of NGO statements, UN reports and news wires, with hard negatives (years, ages, article
and phone numbers, percentages, durations). It was written in two batches: the first
before the extractor existed, the second (``"batch": 2``) after the rules had been tuned
on the first, and measured once before they were tuned on it. In each batch about a
quarter of the sentences, drawn at random before any extraction ran on them, are marked
``"split": "heldout"``: their errors were never looked at while tuning, so their figures
estimate performance on new text (with few sentences: read them as rough).

Prints, per language and split, claim precision and recall (a claim is right when
category, bound, low and high all match) and, on matched claims, precision and recall of
each optional field (claimant, period, place, event, subset). ``--errors`` lists the
misses of the chosen split; ``--speed`` times extraction on the whole set.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from fullcount.claims import extract_claims
from fullcount.claims.evaluate import FIELDS, load_test_set, score_claims

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "claims"
LANGUAGES = ("en", "fa", "ar")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default=None,
                        help="one split only (default: tune, heldout and all)")
    parser.add_argument("--errors", action="store_true",
                        help="list the wrong claims of the chosen split")
    parser.add_argument("--speed", action="store_true", help="time extraction")
    args = parser.parse_args()
    splits = [args.split] if args.split else ["tune", "heldout", "all"]
    header = f"{'lang':<5}{'split':<9}{'sent':>5}{'claims':>7}{'P':>7}{'R':>7}"
    header += "".join(f"{name[:8]:>17}" for name in FIELDS)
    print(header)
    print(" " * 33 + "".join(f"{'P / R':>17}" for _ in FIELDS))
    for language in LANGUAGES:
        rows = load_test_set(DATA / f"{language}.jsonl")
        for split in splits:
            chosen = [r for r in rows if split == "all" or r.get("split", "tune") == split]
            if not chosen:
                continue
            score = score_claims(chosen)
            line = (f"{language:<5}{split:<9}{score.sentences:>5}{score.claims.expected:>7}"
                    f"{score.precision:>7.2f}{score.recall:>7.2f}")
            for name in FIELDS:
                counts = score.fields[name]
                line += f"{counts.precision:>8.2f} / {counts.recall:<6.2f}"
            print(line)
            if args.errors and split == (args.split or "tune"):
                for error in score.errors:
                    print("   ", json.dumps(error, ensure_ascii=False))
    if args.speed:
        texts = [r["text"] for lang in LANGUAGES for r in load_test_set(DATA / f"{lang}.jsonl")]
        document = "\n\n".join(texts * 20)
        started = time.perf_counter()
        claims = extract_claims(document)
        elapsed = time.perf_counter() - started
        print(f"\n{len(document):,} characters, {len(claims):,} claims in {elapsed:.2f} s "
              f"({len(document) / elapsed / 1000:,.0f} k characters/s)")


if __name__ == "__main__":
    main()
