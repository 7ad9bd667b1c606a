"""The linkage model: Splink comparisons for this data, how they are trained, and the
checks made on the trained weights before anything is predicted.

Comparisons work on the normalisation keys (``given_key``, ``family_key``,
``father_key``: the same for a name's Persian and Latin spellings), so a Persian record
and a Latin one are compared like two Latin ones. What Splink's generic comparisons
cannot know is supplied here: two *different* names that the lexicon knows (Hassan /
Hossein, Zahra / Zohreh) are a disagreement however alike they look; a phonetic key
catches spellings the keys miss; dates carry their precision (a month-precision date
agrees with any day of that month); ages may be ranges.

All SQL is written in DuckDB's dialect; Splink translates it for Spark.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from fullcount.errors import FullcountError
from fullcount.link.prepare import memory_only

NAME_PARTS = ("given", "family", "father")
# The level of two different names the lexicon knows: a disagreement, so it stands
# outside the order of the similarity levels (see ``check_weights``).
KNOWN_DIFFERENT = "two different known names"
PART_OF_COMPOUND = "one is part of the other (compound name)"
# A value rarer than this counts as this rare: term-frequency adjustments are bounded, so
# one unique name cannot outweigh everything else (and vetoes can be capped, below).
TF_MINIMUM_U = 1e-4


def _name_comparison(part: str, label: str) -> cl.CustomComparison:
    key, ph, known = f"{part}_key", f"{part}_ph", f"{part}_known"
    return cl.CustomComparison(
        output_column_name=f"{part}_name",
        comparison_description=label,
        comparison_levels=[
            cll.NullLevel(key),
            cll.ExactMatchLevel(key).configure(
                tf_adjustment_column=key, tf_minimum_u_value=TF_MINIMUM_U,
                label_for_charts=f"same {label}"),
            cll.CustomLevel(
                # a compound written in full on one side and in part on the other
                # (Mohammadreza / Reza, Amirhossein / Hossein, Mirjafari / Jafari)
                f"(length({key}_l) >= 2 AND length({key}_r) >= 2) AND "
                f"({key}_l LIKE concat('%', {key}_r) OR {key}_r LIKE concat('%', {key}_l) "
                f"OR {key}_l LIKE concat({key}_r, '%') OR {key}_r LIKE concat({key}_l, '%'))",
                label_for_charts=PART_OF_COMPOUND, base_dialect_str="duckdb"),
            cll.CustomLevel(
                f"{known}_l AND {known}_r",
                label_for_charts=KNOWN_DIFFERENT, base_dialect_str="duckdb"),
            cll.CustomLevel(f"{ph}_l = {ph}_r", label_for_charts="same phonetic key",
                            base_dialect_str="duckdb"),
            # a letter dropped, added, changed or two swapped: the typing errors that turn
            # short keys (sna / sa, qsr / sqr) into strangers for Jaro-Winkler
            cll.DamerauLevenshteinLevel(key, 1).configure(
                label_for_charts="one letter apart"),
            cll.JaroWinklerLevel(key, 0.9).configure(
                label_for_charts="similar spelling (Jaro-Winkler ≥ 0.9)"),
            cll.JaroWinklerLevel(key, 0.75).configure(
                label_for_charts="somewhat similar (Jaro-Winkler ≥ 0.75)"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def _sql_level(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb")


def _null_level(sql: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts="missing on either side",
                           base_dialect_str="duckdb").configure(is_null_level=True)


def comparisons() -> list[cl.CustomComparison]:
    """The comparisons of the model, in the order they are stored with each pair."""
    # Ages are held as ranges [age_lo, age_hi] (a point age has age_lo = age_hi); twice
    # the midpoint keeps the arithmetic in integers.
    mid_l, mid_r = "(age_lo_l + age_hi_l)", "(age_lo_r + age_hi_r)"
    age = cl.CustomComparison(
        output_column_name="age", comparison_description="age",
        comparison_levels=[
            _null_level("age_lo_l IS NULL OR age_lo_r IS NULL"),
            _sql_level("age_lo_l = age_hi_l AND age_lo_r = age_hi_r AND age_lo_l = age_lo_r",
                       "same age"),
            _sql_level(f"abs({mid_l} - {mid_r}) <= 2", "within 1 year"),
            _sql_level(f"abs({mid_l} - {mid_r}) <= 6", "within 3 years"),
            _sql_level("age_lo_l <= age_hi_r + 1 AND age_lo_r <= age_hi_l + 1",
                       "age ranges overlap"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ])
    # Dates are day numbers [day_lo, day_hi]; a day-precision date has day_lo = day_hi.
    precise = "day_lo_l = day_hi_l AND day_lo_r = day_hi_r"
    date = cl.CustomComparison(
        output_column_name="date_of_death", comparison_description="date of death",
        comparison_levels=[
            _null_level("day_lo_l IS NULL OR day_lo_r IS NULL"),
            # Many deaths on one day (a massacre) make a shared day weaker evidence:
            # term frequencies of the day adjust this level.
            _sql_level(f"{precise} AND day_lo_l = day_lo_r", "same day").configure(
                tf_adjustment_column="day_lo", tf_minimum_u_value=TF_MINIMUM_U,
                disable_tf_exact_match_detection=True),
            _sql_level(f"{precise} AND abs(day_lo_l - day_lo_r) <= 2", "within 2 days"),
            _sql_level(f"NOT ({precise}) AND day_lo_l <= day_hi_r AND day_lo_r <= day_hi_l",
                       "imprecise dates that overlap"),
            _sql_level("month_no_l = month_no_r", "same month"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ])
    place = cl.CustomComparison(
        output_column_name="place", comparison_description="place",
        comparison_levels=[
            _null_level("province_l IS NULL OR province_r IS NULL"),
            _sql_level("place_l = place_r", "same town").configure(
                tf_adjustment_column="place", tf_minimum_u_value=TF_MINIMUM_U,
                disable_tf_exact_match_detection=True),
            _sql_level("province_l = province_r", "same province"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ])
    sex = cl.CustomComparison(
        output_column_name="sex", comparison_description="sex",
        comparison_levels=[
            cll.NullLevel("sex_code"),
            cll.ExactMatchLevel("sex_code").configure(label_for_charts="same sex"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ])
    return [
        _name_comparison("given", "given name"),
        _name_comparison("family", "family name"),
        _name_comparison("father", "father's name"),
        sex, age, date, place,
    ]


# Candidate pairs are records agreeing on every column of at least one rule. Each rule
# has a broad form and a tight one (one more column): the tight one is used when the
# broad one would make more than PAIRS_PER_RECORD candidate pairs per record, as names
# repeat more, the larger a case. Measured on synthetic lists with realistic noise:
# broad rules keep 99.5% of true pairs at 8,000 records; at 1,000,000 records they would
# make about 250 million candidate pairs, the tight ones about 50 million, keeping 98.9%.
BLOCKING_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("name_key",), ("name_key", "province")),
    (("name_joined",), ("name_joined", "place")),  # a name split in two places
    (("given_key", "father_key"), ("given_key", "father_key", "province")),
    (("family_key", "father_key"), ("family_key", "father_key", "province")),
    (("given_key", "day_lo"), ("given_key", "day_lo", "place")),
    (("family_key", "day_lo"), ("family_key", "day_lo", "place")),
    (("given_ph", "family_ph"), ("given_ph", "family_ph", "place")),
    (("family_key", "age_lo", "province"), ("family_key", "age_lo", "place")),
    (("given_key", "age_lo", "province"), ("given_key", "age_lo", "place")),
    (("family_key", "given_initial", "place"), ("family_key", "given_initial", "day_lo")),
    (("given_key", "family_initial", "place"), ("given_key", "family_initial", "day_lo")),
    (("day_lo", "place", "age_lo"), ("day_lo", "place", "age_lo", "sex_code")),
    (("day_lo", "place", "father_key"), ("day_lo", "place", "father_key")),
)
# Always used (narrow at any size): they recover pairs the tight rules lose.
EXTRA_RULES: tuple[tuple[str, ...], ...] = (
    ("name_key", "day_lo"), ("name_key", "father_key"), ("name_key", "age_lo"),
    ("given_ph", "family_ph", "day_lo"),
)
# Given and family names swapped, and the swap not detected.
_SWAPPED = ("l.given_key = r.family_key AND l.place = r.place",
            "l.family_key = r.given_key AND l.place = r.place")
PAIRS_PER_RECORD = 5
_MIN_PAIR_BUDGET = 200_000


def choose_blocking_rules(records: pa.Table) -> tuple[list[list[str]], dict[str, int]]:
    """The blocking rules for these linkage-input records (see ``BLOCKING_RULES``) and
    the candidate pairs each rule would make."""
    budget = max(PAIRS_PER_RECORD * records.num_rows, _MIN_PAIR_BUDGET)
    con = memory_only()
    counts: dict[str, int] = {}
    try:
        con.register("r", records)

        def pairs(columns: tuple[str, ...]) -> int:
            key = "+".join(columns)
            if key not in counts:
                not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
                counts[key] = int(con.execute(
                    f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n "
                    f"FROM r WHERE {not_null} GROUP BY {', '.join(columns)})").fetchone()[0])
            return counts[key]

        chosen = [list(broad if pairs(broad) <= budget else tight)
                  for broad, tight in BLOCKING_RULES]
        for columns in EXTRA_RULES:
            pairs(columns)
            if list(columns) not in chosen:
                chosen.append(list(columns))
    finally:
        con.close()
    return chosen, counts


def prediction_blocking_rules(rules: list[list[str]]) -> list[Any]:
    """Splink blocking rules from lists of columns, and the swapped-name rules."""
    return [block_on(*columns) for columns in rules] + list(_SWAPPED)


def settings_creator(rules: list[list[str]], prior: float = 1e-4) -> SettingsCreator:
    """Splink settings for a case: every record compared with every other (a source's
    duplicates and other sources' records alike), candidates from ``rules``."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(rules),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # Splink outputs the levels (gammas) only then
        additional_columns_to_retain=[],
    )


# -------------------------------------------------------------- checks on the weights

# The least probability, among true matches, of a disagreement that recording errors
# alone produce: a sex typed wrong, an age or a town misheard. EM, left alone, can drive
# these to zero (a sex mismatch of -100 bits), so that one typo keeps two records of one
# person apart for ever.
_FLOOR_M: dict[str, float] = {"sex": 0.005, "age": 0.01, "date_of_death": 0.01,
                              "place": 0.01, "father_name": 0.01}
# Names may be strongly negative (two brothers differ only there) but not unboundedly.
_FLOOR_M_NAMES = 0.0005


# Levels outside the similarity order of their comparison.
_UNORDERED = (KNOWN_DIFFERENT, PART_OF_COMPOUND)

# Disagreements that veto a match. Brothers killed together share a family name, a
# father's name, a day and a town: under Fellegi-Sunter's independence those agreements
# add up to a sure match, and only the given name tells them apart. Likewise two men of
# one common name who died the same day are told apart by their fathers' names. These
# levels are capped so that agreement on everything else cannot outweigh them.
VETO_LEVELS = (("given_name", KNOWN_DIFFERENT), ("given_name", "different"),
               ("father_name", KNOWN_DIFFERENT), ("family_name", KNOWN_DIFFERENT),
               ("family_name", "different"))
_VETO_MARGIN_BITS = 6.0


@dataclass
class Check:
    """One finding about the trained weights: what was wrong and what was done."""

    comparison: str
    level: str
    problem: str
    action: str

    def to_dict(self) -> dict[str, str]:
        return {"comparison": self.comparison, "level": self.level, "problem": self.problem,
                "action": self.action}


@dataclass
class WeightReport:
    checks: list[Check] = field(default_factory=list)
    weights: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def check_weights(model: dict[str, Any]) -> WeightReport:
    """Check and repair the trained m probabilities of a saved Splink model (in place).

    Within a comparison, a more specific agreement must not weigh less than a looser one
    (same day ≥ within 2 days ≥ same month ≥ different); the best agreement must count for
    the match and the worst against it; no disagreement may be stronger than recording
    errors allow. A violation is repaired (the m probability is moved to the nearest
    plausible value) and reported.
    """
    report = WeightReport()
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        floor = _FLOOR_M.get(name, _FLOOR_M_NAMES)
        for level in levels:
            level.setdefault("m_probability", None)
            level.setdefault("u_probability", None)
            if level["m_probability"] is None and level["u_probability"] is not None:
                # no training pair fell in this level (no sex mismatch among them, say)
                report.checks.append(Check(name, level["label_for_charts"],
                                           "m not trained (no training pair in this level)",
                                           f"set to {floor:g}"))
                level["m_probability"] = floor
            elif level["m_probability"] is None or level["u_probability"] is None:
                report.checks.append(Check(name, level["label_for_charts"],
                                           "not trained", "left at Splink's default"))
        trained = [lv for lv in levels if lv["m_probability"] is not None
                   and lv["u_probability"] is not None]
        for level in trained:
            if level["m_probability"] < floor:
                report.checks.append(Check(
                    name, level["label_for_charts"],
                    f"m = {level['m_probability']:.2g} (weight "
                    f"{_weight(level):+.1f} bits) is below what recording errors give",
                    f"raised to {floor:g}"))
                level["m_probability"] = floor
        # Monotone: each level's Bayes factor at most the one above it.
        ordered = [lv for lv in trained if lv["label_for_charts"] not in _UNORDERED]
        for above, below in itertools.pairwise(ordered):
            bf_above = above["m_probability"] / above["u_probability"]
            bf_below = below["m_probability"] / below["u_probability"]
            if bf_below > bf_above * 1.0001:
                new_m = bf_above * below["u_probability"]
                report.checks.append(Check(
                    name, below["label_for_charts"],
                    f"weighs more ({_weight(below):+.1f} bits) than the stricter "
                    f"'{above['label_for_charts']}' ({_weight(above):+.1f} bits)",
                    "lowered to the stricter level's weight"))
                below["m_probability"] = new_m
        if ordered:
            top, bottom = ordered[0], ordered[-1]
            if _weight(top) <= 0:
                report.checks.append(Check(name, top["label_for_charts"],
                                           "full agreement counts against a match",
                                           "kept; the model is suspect"))
            if _weight(bottom) >= 0:
                report.checks.append(Check(name, bottom["label_for_charts"],
                                           "disagreement counts for a match",
                                           "kept; the model is suspect"))
        for level in trained:
            if level["label_for_charts"] == KNOWN_DIFFERENT and _weight(level) > 0:
                report.checks.append(Check(
                    name, KNOWN_DIFFERENT, f"counts for a match ({_weight(level):+.1f} bits)",
                    "set to the weight of 'different'"))
                level["m_probability"] = ordered[-1]["m_probability"] * (
                    level["u_probability"] / ordered[-1]["u_probability"])
        report.weights[name] = [(lv["label_for_charts"], _weight(lv)) for lv in trained]
    _apply_vetoes(model, report)
    return report


def _apply_vetoes(model: dict[str, Any], report: WeightReport) -> None:
    """Cap the ``VETO_LEVELS`` so that a pair in one of them stays below even odds
    (by ``_VETO_MARGIN_BITS``) when every other comparison agrees as well as it can,
    rarest values included."""
    prior = model.get("probability_two_random_records_match") or 1e-4
    prior_bits = math.log2(prior / (1 - prior))
    best = {c["output_column_name"]: max(
        (_weight(lv) + _largest_tf_bonus(lv) for lv in c["comparison_levels"]
         if not lv.get("is_null_level") and not math.isnan(_weight(lv))), default=0.0)
        for c in model["comparisons"]}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        others = sum(max(0.0, w) for other, w in best.items() if other != name)
        cap = -(others + prior_bits) - _VETO_MARGIN_BITS
        for level in comparison["comparison_levels"]:
            if (name, level.get("label_for_charts")) not in VETO_LEVELS:
                continue
            if level.get("m_probability") is None or level.get("u_probability") is None:
                continue
            if _weight(level) > cap:
                report.checks.append(Check(
                    name, level["label_for_charts"],
                    f"{_weight(level):+.1f} bits could be outweighed by agreement on "
                    f"everything else ({others:+.1f} bits)",
                    f"capped at {cap:+.1f} bits (a veto)"))
                # (never below what a float holds: Splink refuses m < 1e-300)
                level["m_probability"] = max(level["u_probability"] * 2.0 ** cap, 1e-250)
        report.weights[name] = [
            (lv["label_for_charts"], _weight(lv)) for lv in comparison["comparison_levels"]
            if not lv.get("is_null_level") and lv.get("m_probability") is not None
            and lv.get("u_probability") is not None]


def _largest_tf_bonus(level: dict[str, Any]) -> float:
    """The most a term-frequency adjustment can add to a level (a value as rare as
    ``tf_minimum_u_value``)."""
    u = level.get("u_probability")
    if not level.get("tf_adjustment_column") or not u:
        return 0.0
    floor = level.get("tf_minimum_u_value") or TF_MINIMUM_U
    return max(0.0, math.log2(u / floor) * (level.get("tf_adjustment_weight") or 1.0))


def _weight(level: dict[str, Any]) -> float:
    m, u = level.get("m_probability"), level.get("u_probability")
    if not m or not u:
        return float("nan")
    return math.log2(m / u)


def model_in_dialect(model: dict[str, Any], rules: list[list[str]],
                     dialect: str) -> dict[str, Any]:
    """A saved Splink model as settings for another SQL dialect ("duckdb", "spark"): the
    comparisons and blocking rules (``rules``) made again from ``settings_creator`` in
    that dialect (Splink translates our DuckDB SQL), with the trained prior and m and u
    probabilities copied over level by level. A model trained on Spark is used on DuckDB
    (explanations, incremental runs) this way, and the other way round."""
    settings = settings_creator(
        rules, prior=model.get("probability_two_random_records_match") or 1e-4,
    ).create_settings_dict(dialect)
    saved = {c["output_column_name"]: c for c in model["comparisons"]}
    made = [c["output_column_name"] for c in settings["comparisons"]]
    if sorted(saved) != sorted(made):
        raise _model_mismatch(f"comparisons {sorted(saved)}, this version's {sorted(made)}")
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        saved_levels = saved[name]["comparison_levels"]
        levels = comparison["comparison_levels"]
        labels = [lv.get("label_for_charts") for lv in levels]
        saved_labels = [lv.get("label_for_charts") for lv in saved_levels]
        if labels != saved_labels:
            raise _model_mismatch(f"levels of {name} {saved_labels}, this version's {labels}")
        for level, trained in zip(levels, saved_levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in trained:
                    level[key] = trained[key]
    return settings


def _model_mismatch(detail: str) -> FullcountError:
    return FullcountError(
        f"the case's linkage model does not fit this version of fullcount (stored {detail})",
        hint="Train it again with `fullcount link --retrain`.")
