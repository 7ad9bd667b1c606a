"""Cases for the linkage tests: synthetic lists ingested and normalised, and two small
hand-made lists of hard cases (one Persian, one English) for the same invented people.

Everyone here is invented. The hard cases are the ones linkage exists for: one person
written in two scripts and several romanisations, and different people (brothers, or
two men of one common name) who agree on nearly everything.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from fullcount.case import Case
from fullcount.ingest import ingest_file
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import SynthSummary, generate

# The synthetic lists every linkage test starts from (1,500 people, 4 lists, seed 5).
# Linking them takes a few seconds.
SYNTH_N, SYNTH_LISTS, SYNTH_SEED = 1500, 4, 5

Reference = tuple[str, int]  # (source, row number)


def synth_lists(folder: Path) -> SynthSummary:
    return generate(folder, n=SYNTH_N, lists=SYNTH_LISTS, seed=SYNTH_SEED)


def source_files(summary: SynthSummary) -> list[tuple[str, Path]]:
    """(source name, file) of every synthetic list, in the generator's order."""
    return [(src.name, summary.out_dir / src.path) for src in summary.sources]


def ingest_and_normalise(case: Case, files: Iterable[tuple[str, Path]]) -> None:
    for source, path in files:
        ingest_file(case, path, source=source)
    run_normalize_stage(case)


def new_case(case_dir: Path, files: Iterable[tuple[str, Path]]) -> Path:
    """A case holding ``files``, ingested and normalised (not linked)."""
    with Case.create(case_dir) as case:
        ingest_and_normalise(case, files)
    return case_dir


def copy_case(case_dir: Path, to: Path) -> Path:
    """A copy of a (closed) case folder, to change without touching the original."""
    shutil.copytree(case_dir, to)
    return to


def register(case: Case) -> dict[Reference, int]:
    """The entity of every current record, by (source, row number)."""
    rows = case.con.execute("""
        SELECT r.source, r.row_number, e.entity_id
        FROM current_records r JOIN entity_records e USING (record_id)""").fetchall()
    return {(source, int(row)): int(entity) for source, row, entity in rows}


def linked_pairs(labels: Mapping[Reference, int]) -> set[tuple[Reference, Reference]]:
    """Every pair of records put in one entity."""
    members: dict[int, list[Reference]] = {}
    for ref, entity in labels.items():
        members.setdefault(entity, []).append(ref)
    pairs: set[tuple[Reference, Reference]] = set()
    for refs in members.values():
        refs.sort()
        pairs.update((a, b) for i, a in enumerate(refs) for b in refs[i + 1:])
    return pairs


def parse_reference(reference: str) -> Reference:
    """``"crafted_fa:6"`` -> ``("crafted_fa", 6)``."""
    source, row = reference.rsplit(":", 1)
    return source, int(row)


def record_id(case: Case, reference: str) -> int:
    found = case.con.execute("SELECT record_id FROM current_records "
                             "WHERE source = ? AND row_number = ?",
                             list(parse_reference(reference))).fetchone()
    assert found is not None, f"no record {reference}"
    return int(found[0])


# ---------------------------------------------------------------- hand-made hard cases

# Dates are within the synthetic event series (2022-09 .. 2023-04) except the Shirzadi
# brothers' (a quiet day with no other death), written Jalali in the Persian list and
# Gregorian in the English one. Row numbers are the lines below the header.
CRAFTED_FA = """\
ردیف,نام و نام خانوادگی,نام پدر,جنسیت,سن,تاریخ جان باختن,شهر,استان
1,محمدرضا حسینی,علی,مرد,23,1401/08/24,سنندج,کردستان
2,رضا كريمي,حسن,مرد,31,1401/09/10,مهاباد,آذربایجان غربی
3,رضا کریمی,حسن,مرد,31,1401/09/10,مهاباد,آذربایجان غربی
4,مهدی حسینی,رسول,مرد,28,1401/07/20,زاهدان,سیستان و بلوچستان
5,محمد حسینی,جواد,مرد,35,1401/10/05,آمل,مازندران
6,حسن کریمی,علی,مرد,24,1401/08/30,اصفهان,اصفهان
7,حسین کریمی,علی,مرد,27,1401/08/30,اصفهان,اصفهان
8,محمد احمدی,حسن,مرد,30,1401/09/20,شیراز,فارس
9,محمد احمدی,محمود,مرد,32,1401/09/20,شیراز,فارس
10,حسن شیرزادی,بهرام,مرد,19,1402/03/30,کازرون,فارس
11,حسین شیرزادی,بهرام,مرد,19,1402/03/30,کازرون,فارس
"""
CRAFTED_EN = """\
id,name,father's name,sex,age,date of death,place,province
1,Mohammad-Reza Hosseini,Ali,M,23,2022-11-15,Sanandaj,Kurdistan
2,Mahdi Hosseini,Rasoul,M,28,2022-10-12,Zahedan,Sistan and Baluchestan
3,Mahdi Hoseini,Rasoul,M,28,2022-10-12,Zahedan,Sistan and Baluchestan
4,Mahdi Husseini,Rasoul,M,28,2022-10-12,Zahedan,Sistan and Baluchestan
5,"HOSSEINI, Mohammad",Javad,M,35,2022-12-26,Amol,Mazandaran
6,Hassan Karimi,Ali,M,24,2022-11-21,Isfahan,Isfahan
7,Hossein Karimi,Ali,M,27,2022-11-21,Isfahan,Isfahan
8,Mohammad Ahmadi,Hassan,M,30,2022-12-11,Shiraz,Fars
9,Mohammad Ahmadi,Mahmoud,M,32,2022-12-11,Shiraz,Fars
10,Hasan Shirzadi,Bahram,M,19,2023-06-20,Kazerun,Fars
11,Hossein Shirzadi,Bahram,M,19,2023-06-20,Kazerun,Fars
"""

# Each invented person and their records: one entity each.
CRAFTED_PEOPLE: dict[str, tuple[str, ...]] = {
    # compound given name, Persian joined vs Latin hyphenated
    "mohammadreza-hosseini": ("crafted_fa:1", "crafted_en:1"),
    # Arabic kaf and yeh (كريمي) vs Persian (کریمی)
    "reza-karimi-arabic-letters": ("crafted_fa:2", "crafted_fa:3"),
    # Hosseini / Hoseini / Husseini and the Persian spelling
    "mahdi-hosseini-romanisations": ("crafted_fa:4", "crafted_en:2", "crafted_en:3",
                                     "crafted_en:4"),
    # family name first, upper case, comma: HOSSEINI, Mohammad
    "mohammad-hosseini-swapped": ("crafted_fa:5", "crafted_en:5"),
    # the brothers, each in both scripts
    "hassan-karimi": ("crafted_fa:6", "crafted_en:6"),
    "hossein-karimi": ("crafted_fa:7", "crafted_en:7"),
    # two men named Mohammad Ahmadi, same day and town, different fathers
    "mohammad-ahmadi-son-of-hassan": ("crafted_fa:8", "crafted_en:8"),
    "mohammad-ahmadi-son-of-mahmoud": ("crafted_fa:9", "crafted_en:9"),
}
# Twin brothers Hassan and Hossein (the usual names of twin boys): same rare family
# name, same father's name, same age, same quiet day, same small town.
CRAFTED_TWINS = (("crafted_fa:10", "crafted_en:10"), ("crafted_fa:11", "crafted_en:11"))

# Pairs of different people that agree on all but one name.
CRAFTED_APART: dict[str, tuple[str, str]] = {
    "brothers-hassan-and-hossein-karimi": ("crafted_fa:6", "crafted_fa:7"),
    "brothers-across-scripts": ("crafted_fa:6", "crafted_en:7"),
    "same-name-day-town-different-fathers": ("crafted_fa:8", "crafted_fa:9"),
    "same-name-different-fathers-across-scripts": ("crafted_en:8", "crafted_fa:9"),
}


def write_crafted(folder: Path) -> list[tuple[str, Path]]:
    """Write the two hand-made lists; (source name, file) of each."""
    folder.mkdir(parents=True, exist_ok=True)
    fa, en = folder / "crafted_fa.csv", folder / "crafted_en.csv"
    fa.write_text(CRAFTED_FA, encoding="utf-8")
    en.write_text(CRAFTED_EN, encoding="utf-8")
    return [("crafted_fa", fa), ("crafted_en", en)]
