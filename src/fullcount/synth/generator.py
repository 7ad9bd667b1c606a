"""``generate``: a population, its capture by K sources, the source files and the truth."""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from fullcount.synth import lexicon as lx
from fullcount.synth.capture import capture_histories, draw_captures
from fullcount.synth.dates import EVENT_DAYS, EVENT_START, Calendar, day_to_date
from fullcount.synth.population import LATENT_CLASSES, Population, draw_population
from fullcount.synth.profiles import MAX_LISTS, MIN_LISTS, PROFILES, Profile, source_names
from fullcount.synth.render import Renderer
from fullcount.synth.writers import (
    Row,
    defect_kinds,
    row_id,
    write_delimited,
    write_json,
    write_jsonl,
    write_xlsx,
)

VERSION = 1
MAX_N = 10_000_000
MAX_NOISE = 10.0
MAX_MALFORMED_RATE = 0.5
MAX_HETEROGENEITY = 3.0
MAX_DEPENDENCE = 3.0   # the largest copy rate (0.3) times 3 is still a probability
MIN_ROWS_FOR_ALL_DEFECTS = 50

# Relative frequency of each malformed kind beyond the guaranteed one of each.
_DEFECT_WEIGHTS = {"ragged": 3, "no_name": 3, "repeated_header": 1, "bad_bytes": 2,
                   "bad_json": 3}


@dataclass(frozen=True)
class SourceSummary:
    """One generated source file and what ingest should make of it."""

    name: str
    path: str                 # relative to out_dir
    format: str               # csv, tsv, xlsx, jsonl, json
    encoding: str | None      # None for xlsx
    script: str               # persian or latin
    kind: str                 # ngo, media, official, witness
    header_language: str      # fa or en
    layout: str               # full (one name cell) or split (given + family)
    fields: tuple[str, ...]   # the record fields its columns map to, in column order
    n_persons: int            # distinct people it records (its list size)
    n_duplicates: int         # extra good rows for people it already records
    rows_written: int         # data rows, as ingest numbers them
    expected_records: int     # rows ingest should keep
    expected_quarantined: int  # rows ingest should quarantine
    defects: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate`` wrote, with the known truth needed to check later stages."""

    out_dir: Path
    n: int                    # true population size
    n_observed: int           # people recorded by at least one source
    seed: int
    lists: int
    noise: float
    malformed_rate: float
    sources: list[SourceSummary]
    capture_histories: dict[str, int]  # "1011" -> people; sources in order; no "0000"
    heterogeneity: float = 1.0
    dependence: float = 1.0

    def to_dict(self) -> dict[str, object]:
        return {
            "generator": "fullcount.synth",
            "version": VERSION,
            "seed": self.seed,
            "arguments": {"n": self.n, "lists": self.lists, "seed": self.seed,
                          "noise": self.noise, "malformed_rate": self.malformed_rate,
                          "heterogeneity": self.heterogeneity,
                          "dependence": self.dependence},
            "n": self.n,
            "n_observed": self.n_observed,
            "event_start": EVENT_START.isoformat(),
            "event_end": day_to_date(EVENT_DAYS - 1).isoformat(),
            "sources": [_source_dict(s) for s in self.sources],
            "capture_histories": self.capture_histories,
        }


def _source_dict(s: SourceSummary) -> dict[str, object]:
    d = asdict(s)
    d["fields"] = list(s.fields)
    return d


# ---------------------------------------------------------------------- arguments


def _check_int(name: str, value: object, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _check_real(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or value > high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


# ---------------------------------------------------------------------- randomness


def _numpy_rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _python_rng(seed: int, *key: int) -> random.Random:
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(2, np.uint64)
    return random.Random(int(state[0]) << 64 | int(state[1]))


# ---------------------------------------------------------------------- one source


def _good_rows(profile: Profile, renderer: Renderer, pop: Population, people: np.ndarray,
               rng: random.Random) -> list[Row]:
    rows = []
    p_dup = renderer.prob["duplicate"]
    for i in people.tolist():
        cells, tags = renderer.record(i)
        key = (pop.day[i] + rng.uniform(-2.0, 2.0)) if profile.ordered_by_date else rng.random()
        rows.append(Row(i, cells, tags, key=float(key)))
        if p_dup > 0 and rng.random() < p_dup:
            dup_cells, dup_tags = renderer.duplicate(i, cells)
            span = EVENT_DAYS if profile.ordered_by_date else 1.0
            rows.append(Row(i, dup_cells, dup_tags, duplicate=True, key=rng.random() * span))
    return rows


def _malformed_rows(profile: Profile, good: list[Row], rate: float,
                    rng: random.Random) -> list[Row]:
    if rate <= 0 or not good:
        return []
    kinds = defect_kinds(profile)
    count = round(rate * len(good))
    if len(good) >= MIN_ROWS_FOR_ALL_DEFECTS:
        count = max(count, len(kinds))
    chosen = list(kinds[:count])
    weights = [_DEFECT_WEIGHTS[k] for k in kinds]
    chosen += rng.choices(kinds, weights, k=count - len(chosen))
    keys = [r.key for r in good]
    low, high = min(keys), max(keys)
    out = []
    for defect in chosen:
        variant = rng.random()
        base = good[rng.randrange(len(good))]
        # A repeated header, and some unparseable JSON, is junk; the rest are damaged
        # copies of a row of a person the list also records correctly.
        junk = defect == "repeated_header" or (defect == "bad_json" and variant < 0.2)
        person = -1 if junk else base.person
        cells = None if junk else dict(base.cells or {})
        out.append(Row(person, cells, [], defect=defect, variant=variant,
                       key=rng.uniform(low, high)))
    return out


def _write_source(out_dir: Path, name: str, profile: Profile, pop: Population,
                  cal: Calendar, people: np.ndarray, seed: int, j: int, noise: float,
                  malformed_rate: float) -> tuple[SourceSummary, list[Row]]:
    rng = _python_rng(seed, 3, j)
    renderer = Renderer(profile, pop, cal, noise, rng, _python_rng(seed, 4, j))
    good = _good_rows(profile, renderer, pop, people, rng)
    bad = _malformed_rows(profile, good, malformed_rate, rng)
    every = good + bad
    order = sorted(range(len(every)), key=lambda k: (every[k].key, k))
    rows = [every[k] for k in order]
    counter = 0
    for row in rows:
        if row.person < 0:  # junk rows carry no row id
            continue
        counter += 1
        row.row_id = row_id(profile, counter)

    blank_before: set[int] = set()
    if malformed_rate > 0 and rows:
        n_blank = max(1, round(malformed_rate * len(rows) / 3))
        blank_before = {rng.randrange(len(rows)) for _ in range(n_blank)}

    filename = f"{name}.{profile.extension}"
    path = out_dir / filename
    if profile.fmt in ("csv", "tsv"):
        write_delimited(path, profile, rows, blank_before, rng,
                        leading_blank=malformed_rate > 0 and profile.encoding == "cp1256",
                        trailing_empty=2 if malformed_rate > 0 else 0)
    elif profile.fmt == "jsonl":
        write_jsonl(path, profile, rows, blank_before)
    elif profile.fmt == "json":
        write_json(path, profile, rows)
    else:
        write_xlsx(path, profile, rows, blank_before)

    defects: dict[str, int] = {}
    for row in rows:
        if row.defect:
            defects[row.defect] = defects.get(row.defect, 0) + 1
    n_bad = sum(defects.values())
    summary = SourceSummary(
        name=name,
        path=filename,
        format=profile.fmt,
        encoding=profile.encoding or None,
        script="persian" if profile.script == "fa" else "latin",
        kind=profile.kind,
        header_language=profile.header_language,
        layout=profile.layout,
        fields=profile.fields,
        n_persons=len(people),
        n_duplicates=sum(1 for r in rows if r.duplicate),
        rows_written=len(rows),
        expected_records=len(rows) - n_bad,
        expected_quarantined=n_bad,
        defects={k: defects[k] for k in defect_kinds(profile) if k in defects},
    )
    return summary, rows


# ---------------------------------------------------------------------- truth files


def _csv_text(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _people_csv(pop: Population, captured: np.ndarray, names: list[str]) -> bytes:
    header = ["person_id", "given_name_fa", "family_name_fa", "father_name_fa",
              "given_name_latin", "family_name_latin", "father_name_latin", "sayyid",
              "sex", "age", "date_of_death", "place_latin", "place_fa", "province_latin",
              "province_fa", "latent_class", "sibling_of", *names]
    dates = {d: day_to_date(d).isoformat() for d in np.unique(pop.day).tolist()}
    rows = []
    for i in range(pop.n):
        given = pop.given_entry(i)
        family = lx.FAMILY_NAMES[pop.family[i]]
        father = lx.MALE_NAMES[pop.father[i]]
        town = lx.TOWNS[pop.town[i]]
        province = lx.PROVINCES[pop.province[i]]
        sib = int(pop.sibling_of[i])
        rows.append([
            pop.person_id(i), given.fa, family.fa, father.fa, given.la, family.la, father.la,
            int(pop.sayyid[i]), "F" if pop.female[i] else "M", int(pop.age[i]),
            dates[int(pop.day[i])], town.la[0], town.fa, province.la[0], province.fa,
            LATENT_CLASSES[pop.latent[i]], pop.person_id(sib) if sib >= 0 else "",
            *captured[i].astype(int).tolist(),
        ])
    return _csv_text(header, rows)


def _records_csv(pop: Population, per_source: list[tuple[SourceSummary, list[Row]]]) -> bytes:
    header = ["source", "file", "row_number", "person_id", "expected", "defect",
              "is_duplicate", "source_row_id", "noise"]
    rows = []
    for summary, source_rows in per_source:
        for k, row in enumerate(source_rows, start=1):
            rows.append([
                summary.name, summary.path, k,
                pop.person_id(row.person) if row.person >= 0 else "",
                "quarantine" if row.defect else "record", row.defect,
                int(row.duplicate), "" if row.row_id is None else row.row_id,
                ";".join(row.tags),
            ])
    return _csv_text(header, rows)


_README = """\
SYNTHETIC DATA — every person in these files is invented.

Generated by fullcount.synth (version {version}) with n={n}, lists={lists}, seed={seed},
noise={noise}, malformed_rate={rate}{knobs}. The same arguments give byte-identical files.

A closed population of {n} victims of an invented event series
({start} to {end}) in Iranian provinces, documented by {lists} sources
with {capture} capture. {observed} of the {n} people appear in
at least one source; the rest are the people a multiple systems estimate must find.

Source files (as an analyst would receive them):
{listing}
Truth (for testing; never ingest these):
  truth/people.csv   one row per person: canonical names (Persian and Latin), sex,
                     age, date of death (ISO, Gregorian), place, province, latent
                     documentability class, and a 0/1 column per source.
  truth/records.csv  one row per data row of every source file: row number as ingest
                     counts rows, the person it records (empty for junk), whether
                     ingest should keep it ("record") or quarantine it and why, whether
                     it is a second row for the same person, and the noise applied.
  truth/summary.json the arguments, per-source counts and the capture histories.
"""


def _capture_words(heterogeneity: float, dependence: float) -> str:
    """How the README describes capture (at the defaults, the words it always used)."""
    if heterogeneity == 0:
        who = "homogeneous"
    else:
        who = "heterogeneous" + ("" if heterogeneity == 1 else f" (x{heterogeneity:g})")
    if dependence == 0:
        lists = "independent"
    else:
        lists = "partly dependent" + ("" if dependence == 1 else f" (x{dependence:g})")
    return f"{who}, {lists}"


def _readme(summary: SynthSummary) -> bytes:
    listing = "".join(
        f"  {s.path:<16} {s.kind}, {s.format}"
        f"{', ' + s.encoding if s.encoding else ''}, {s.script} script, "
        f"{s.header_language} headers, {s.rows_written} rows "
        f"({s.expected_quarantined} malformed)\n"
        for s in summary.sources
    )
    return _README.format(
        version=VERSION, n=summary.n, lists=summary.lists, seed=summary.seed,
        noise=summary.noise, rate=summary.malformed_rate,
        knobs=("" if (summary.heterogeneity, summary.dependence) == (1.0, 1.0) else
               f",\nheterogeneity={summary.heterogeneity}, dependence={summary.dependence}"),
        capture=_capture_words(summary.heterogeneity, summary.dependence),
        start=EVENT_START.isoformat(),
        end=day_to_date(EVENT_DAYS - 1).isoformat(), observed=summary.n_observed,
        listing=listing,
    ).encode("utf-8")


# ---------------------------------------------------------------------- entry point


def generate(out_dir: Path | str, *, n: int = 5000, lists: int = 4, seed: int = 1,
             noise: float = 1.0, malformed_rate: float = 0.01,
             heterogeneity: float = 1.0, dependence: float = 1.0,
             progress: Callable[[int, int], None] | None = None) -> SynthSummary:
    """Write ``lists`` synthetic victim lists of a population of ``n`` and their truth.

    ``noise`` scales every kind of per-record variation (0: clean lists in each source's
    own script and formats; 1: realistic; more: worse). ``malformed_rate`` is the share
    of extra damaged or junk rows ingest must quarantine. ``heterogeneity`` scales every
    effect that makes people differ in how likely a list is to record them (0: each list
    records everyone with the same probability); ``dependence`` scales how much lists
    copy earlier ones (0: lists independent given the person); 1 and 1 are the realistic
    defaults. ``progress(done, total)`` is
    called after each step. Files are written into ``out_dir`` (created if needed;
    files of the same names are overwritten, nothing else is touched).
    """
    n = _check_int("n", n, 1, MAX_N)
    lists = _check_int("lists", lists, MIN_LISTS, MAX_LISTS)
    seed = _check_int("seed", seed, 0, None)
    noise = _check_real("noise", noise, 0.0, MAX_NOISE)
    malformed_rate = _check_real("malformed_rate", malformed_rate, 0.0, MAX_MALFORMED_RATE)
    heterogeneity = _check_real("heterogeneity", heterogeneity, 0.0, MAX_HETEROGENEITY)
    dependence = _check_real("dependence", dependence, 0.0, MAX_DEPENDENCE)
    if progress is not None and not callable(progress):
        raise ValueError("progress must be a callable taking (done, total), or None")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir {str(out)!r} exists and is not a directory")

    total = lists + 3
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    (out / "truth").mkdir(parents=True, exist_ok=True)
    profiles = list(PROFILES[:lists])
    names = source_names(lists)

    pop = draw_population(_numpy_rng(seed, 0), n)
    step()
    captured = draw_captures(lambda j: _numpy_rng(seed, 1, j), pop, profiles,
                             heterogeneity=heterogeneity, dependence=dependence)
    step()

    cal = Calendar()
    per_source = []
    for j, (name, profile) in enumerate(zip(names, profiles)):
        people = np.flatnonzero(captured[:, j])
        per_source.append(_write_source(out, name, profile, pop, cal, people, seed, j,
                                        noise, malformed_rate))
        step()

    summary = SynthSummary(
        out_dir=out,
        n=n,
        n_observed=int(captured.any(axis=1).sum()),
        seed=seed,
        lists=lists,
        noise=noise,
        malformed_rate=malformed_rate,
        sources=[s for s, _ in per_source],
        capture_histories=capture_histories(captured),
        heterogeneity=heterogeneity,
        dependence=dependence,
    )
    (out / "truth" / "people.csv").write_bytes(_people_csv(pop, captured, names))
    (out / "truth" / "records.csv").write_bytes(_records_csv(pop, per_source))
    (out / "truth" / "summary.json").write_bytes(
        (json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    (out / "README.txt").write_bytes(_readme(summary))
    step()
    return summary
