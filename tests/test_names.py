"""Tests of personal-name normalisation (``fullcount.normalize.names``).

Three kinds of evidence: properties (hypothesis) — normalisation is idempotent, keys do
not change under the variant rules catalogued in shared/domain/PERSIAN_NAMES.md, nothing
raises on arbitrary text; a hand-labelled set of true variant pairs and hard
non-matches (tests/data/name_pairs.csv) with minimum figures; and an outside check on
lists written by ``fullcount.synth``, whose name lexicon is independent of this one.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fullcount.normalize import (
    ParsedName,
    name_key,
    name_similarity,
    normalize_persian,
    parse_name,
    phonetic_key,
)
from fullcount.normalize._translit import jaro_winkler

PAIRS = Path(__file__).parent / "data" / "name_pairs.csv"

# --------------------------------------------------------------------------------
# normalize_persian


def test_arabic_code_points_fold_to_persian():
    text, rules = normalize_persian("علي كريمي")
    assert text == "علی کریمی"
    assert {"arabic_yeh", "arabic_kaf"} <= set(rules)
    assert normalize_persian("فاطمة")[0] == "فاطمه"
    assert normalize_persian("مرتضى")[0] == "مرتضی"
    assert normalize_persian("أمير إسماعيل")[0] == "امیر اسماعیل"
    assert normalize_persian("آرمان")[0] == normalize_persian("ارمان")[0]
    assert normalize_persian("مؤمنی")[0] == "مومنی"


def test_hamza_yeh_spellings_are_one():
    # Every library tested in PERSIAN_NAMES.md §6.1 leaves these apart.
    assert normalize_persian("رضائی")[0] == normalize_persian("رضایی")[0] == "رضایی"
    assert normalize_persian("رضائي")[0] == "رضایی"
    assert "hamza_yeh" in normalize_persian("رضائی")[1]


def test_marks_digits_and_spacing():
    text, rules = normalize_persian("مُحَمَّـــد\u200f  ۱۲ ٣٤")
    assert text == "محمد 12 34"
    assert {"harakat", "tatweel", "bidi_marks", "persian_digits", "arabic_digits"} <= set(rules)
    assert normalize_persian("حسن\u200cزاده")[0] == "حسن زاده"
    assert normalize_persian("حسن\u200cزاده", zwnj="")[0] == "حسنزاده"
    assert normalize_persian("  Mohammad   Reza ") == ("Mohammad Reza", ("whitespace",))


def test_presentation_forms_and_mojibake():
    assert normalize_persian("ﻣﺤﻤﺪ")[0] == "محمد"
    fixed, rules = normalize_persian("Ù…Ø­Ù…Ø¯")  # UTF-8 read as cp1252
    assert fixed == "محمد" and "mojibake" in rules
    assert normalize_persian("Ørsted Ùlla")[1] == ()  # Latin text is left alone


def test_normalize_persian_of_nothing():
    assert normalize_persian(None) == ("", ())
    assert normalize_persian("") == ("", ())
    assert normalize_persian(42) == ("", ())  # type: ignore[arg-type]


PERSIAN_ALPHABET = ("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةأإآؤئءـ\u064e\u064f\u0650\u0651"
                    "\u200c\u200f ۱۲٣٤")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=PERSIAN_ALPHABET, max_size=30) | st.text(max_size=30))
def test_normalize_persian_is_idempotent(text):
    once, _ = normalize_persian(text)
    assert normalize_persian(once)[0] == once
    joined, _ = normalize_persian(text, zwnj="")
    assert normalize_persian(joined, zwnj="")[0] == joined


# --------------------------------------------------------------------------------
# parse_name


def test_parse_persian_name_with_titles_and_father():
    p = parse_name("شهید سید محمد رضا حسيني فرزند علی")
    assert p.titles == ("Shahid", "Seyed")
    assert p.given == "محمد رضا" and p.family == "حسینی" and p.father == "علی"
    assert p.latin == "Mohammadreza Hosseini"
    assert p.script == "persian"
    assert {"arabic_yeh", "titles", "father_phrase"} <= set(p.rules)
    assert not p.swapped


def test_parse_latin_name_with_titles_and_father():
    p = parse_name("Seyyed Muhammadreza Husseini s/o Ali")
    assert p.titles == ("Seyed",)
    assert p.father == "Ali"
    assert (p.given_key, p.family_key) == (parse_name("محمدرضا حسینی").given_key,
                                           parse_name("محمدرضا حسینی").family_key)
    assert parse_name("Ali Ahmadi son of Hassan").father == "Hassan"
    assert parse_name("Zeinab Karimi daughter of Reza").father == "Reza"
    assert parse_name("Ali bin Hassan Ahmadi").family == "Ahmadi"
    assert parse_name("علی احمدی (فرزند: حسن)").father == "حسن"


@pytest.mark.parametrize("text", [
    "HOSSEINI, Mohammad-Reza", "Hosseini Mohammad Reza", "حسینی، محمدرضا", "حسینی محمد رضا",
])
def test_family_name_first_is_detected(text):
    p = parse_name(text)
    assert p.swapped
    assert p.latin == "Mohammadreza Hosseini"
    assert p.order_evidence in ("comma", "lexicon")


def test_compounds_and_run_together():
    keys = {name_key(t) for t in ["محمدرضا حسینی", "محمد رضا حسینی", "محمد\u200cرضا حسینی",
                                   "Mohammadreza Hosseini", "Mohammad-Reza Hosseini",
                                   "Mohammad Reza Hosseini", "Mohammadrezahosseini",
                                   "MohammadReza Hosseini", "محمدرضاحسینی"]}
    assert len(keys) == 1
    p = parse_name("Jafarnajafi")
    assert (p.latin, "run_together" in p.rules) == ("Jafar Najafi", True)
    assert parse_name("علی‌اکبر حسن‌زاده").latin == "Aliakbar Hassanzadeh"
    assert name_key("Hassan Zadeh Ali") == name_key("علی حسن زاده") == name_key("Ali Hassanzadeh")
    assert name_key("Mir Hosseini, Ali") == name_key("علی میرحسینی")
    assert name_key("Abd al-Hamid Rigi") == name_key("عبدالحمید ریگی") == name_key(
        "Abdolhamid Rigi")


def test_sayyid_markers_in_either_place():
    a, b = parse_name("زهرا سادات هاشمی"), parse_name("Seyedeh Zahra Hashemi")
    assert a.key == b.key
    assert "Sadat" in a.titles and "Seyedeh" in b.titles
    assert a.female_title and b.female_title
    assert name_key("سیده فاطمه‌سادات رسولی") == name_key("Fatemeh Rasouli")


def test_unnamed_records_get_no_key():
    for text in ["نامشخص", "ناشناس", "Unidentified man", "مجهول الهوية", "unknown"]:
        p = parse_name(text)
        assert p.key == "" and "unnamed" in p.rules


@pytest.mark.parametrize("empty", [None, "", "   ", "\u200c", "---", "()", "12 ۱۴۰۱"])
def test_empty_inputs(empty):
    p = parse_name(empty)
    assert isinstance(p, ParsedName)
    assert p.key == "" and p.given == "" and p.family == ""
    assert name_key(empty) == ""
    assert phonetic_key(empty) == ""
    assert name_similarity(empty, "Ali Ahmadi") == 0.0
    assert name_similarity("Ali Ahmadi", empty) == 0.0
    assert name_similarity(empty, empty) == 0.0


# --------------------------------------------------------------------------------
# keys under the catalogued variant rules (PERSIAN_NAMES.md §1–4)

# (Persian given, Persian family, Latin given, Latin family, sex); "+" marks compound
# joints, "|" separates the Latin spellings a variant may start from.
CANONICAL = [
    ("محمد+رضا", "حسینی", "Mohammad+Reza|Muhammad+Reza", "Hosseini|Husseini", "m"),
    ("فاطمه", "رضایی", "Fatemeh|Fateme", "Rezaei|Rezaee", "f"),
    ("جعفر", "نجفی", "Jafar|Ja'far|Djafar", "Najafi", "m"),
    ("قاسم", "قاسمی", "Ghasem|Qasem", "Ghasemi|Qasemi", "m"),
    ("علی+اکبر", "حسن+زاده", "Ali+Akbar", "Hassan+zadeh|Hasan+zadeh", "m"),
    ("کوروش", "خسروی", "Kourosh|Koorosh", "Khosravi", "m"),
    ("زهرا", "هاشمی", "Zahra", "Hashemi", "f"),
    ("امیر+حسین", "نوری", "Amir+Hossein|Amir+Hosein", "Nouri|Noori", "m"),
    ("مهسا", "امینی", "Mahsa", "Amini", "f"),
    ("غلام+رضا", "طباطبایی", "Gholam+Reza|Qolam+Reza", "Tabatabaei", "m"),
    ("معصومه", "صادق+پور", "Masoumeh|Masoomeh", "Sadegh+pour", "f"),
    ("ابوالفضل", "کاظمی", "Abolfazl", "Kazemi", "m"),
    ("یوسف", "اسماعیلی", "Yousef|Yusuf", "Esmaeili|Esmaili", "m"),
    ("مریم", "موسوی", "Maryam", "Mousavi|Musavi", "f"),
    ("حسین", "قربانی", "Hossein|Hussein", "Ghorbani", "m"),
    ("خدیجه", "عباس+زاده", "Khadijeh", "Abbas+zadeh", "f"),
    ("سعید", "کریمی", "Saeed|Saeid", "Karimi", "m"),
    ("نرگس", "محمدی", "Narges", "Mohammadi", "f"),
    ("مجید", "رحیمی", "Majid", "Rahimi", "m"),
    ("عبد+الحمید", "ریگی", "Abdol+hamid|Abdul+hamid", "Rigi", "m"),
    ("ژینا", "پور+محمدی", "Zhina", "Pour+mohammadi", "f"),
    ("هیوا", "جمالی", "Hiwa", "Jamali", "m"),
]
FATHERS = [("علی", "Ali"), ("حسن", "Hassan"), ("محمد", "Mohammad"), ("رضا", "Reza")]


def _join_fa(text: str, joint: str) -> str:
    return text.replace("+", joint)


def _join_la(text: str, style: str) -> str:
    parts = text.split("+")
    if style == "joined":
        return parts[0] + "".join(p.lower() for p in parts[1:])
    sep = " " if style == "space" else "-"
    return sep.join(p[:1].upper() + p[1:] for p in parts)


def _latin_spelling(word: str, draw) -> str:
    """Apply catalogued transliteration variants (§3) to one Latin word."""
    rules = draw(st.lists(st.sampled_from(
        ["ou", "kh", "gh", "double", "final_i", "zadeh", "case"]), max_size=4))
    for rule in rules:
        low = word.lower()
        if rule == "ou" and "ou" in low:
            word = word.replace("ou", draw(st.sampled_from(["oo", "u"])))
        elif rule == "kh" and "kh" in low:
            word = word.replace("kh", "x").replace("Kh", "X")
        elif rule == "gh" and "gh" in low:
            word = word.replace("gh", "q").replace("Gh", "Q")
        elif rule == "double":
            consonants = [i for i, c in enumerate(word) if c.lower() in "bdfjlmnrstvz"
                          and word[i + 1:i + 2].lower() != "h"]  # not inside sh, zh, dh
            if consonants:
                i = draw(st.sampled_from(consonants))
                if i + 1 < len(word) and word[i + 1] == word[i]:
                    word = word[:i] + word[i + 1:]  # Hassan → Hasan
                else:
                    word = word[:i + 1] + word[i] + word[i + 1:]  # Hasan → Hassan
        elif rule == "final_i" and low.endswith("i") and low[-2:-1] not in "aeiou":
            word = word[:-1] + draw(st.sampled_from(["y", "ee"]))
        elif rule == "zadeh" and "zadeh" in low:
            word = word.replace("zadeh", draw(st.sampled_from(["zade", "-zadeh", " Zadeh"])))
    return word


ARABIC_KEYBOARD = str.maketrans({"ی": "ي", "ک": "ك"})


@st.composite
def persian_variant(draw, person, father=FATHERS[0]):
    g, f, _, _, sex = person
    joint = draw(st.sampled_from(["", " ", "\u200c"]))
    given_, family = _join_fa(g, joint), _join_fa(f, draw(st.sampled_from(["", " ", "\u200c"])))
    if draw(st.booleans()):
        text = f"{family}{draw(st.sampled_from(['، ', ' ']))}{given_}"
    else:
        text = f"{given_} {family}"
    if draw(st.booleans()):
        titles = draw(st.sampled_from(
            ["شهید", "جاویدنام", "سید" if sex == "m" else "سیده", "حاج", "مرحوم"]))
        text = f"{titles} {text}"
    if draw(st.booleans()):
        text += draw(st.sampled_from([f" فرزند {father[0]}", f" فرزند: {father[0]}",
                                      f" (فرزند {father[0]})"]))
    if draw(st.booleans()):
        text = text.translate(ARABIC_KEYBOARD)
        if sex == "f" and text.endswith("ه"):
            text = text[:-1] + "ة"
        text = text.replace("ایی", "ائی").replace("ايي", "ائي")
    if draw(st.booleans()):
        text = text.replace("م", "مـ", 1).replace("د", "دَ", 1)  # tatweel and a haraka
    return text


@st.composite
def latin_variant(draw, person, father=FATHERS[0]):
    _, _, gla, fla, sex = person
    style = draw(st.sampled_from(["joined", "space", "hyphen"]))
    given_ = _latin_spelling(_join_la(draw(st.sampled_from(gla.split("|"))), style), draw)
    family = _latin_spelling(_join_la(draw(st.sampled_from(fla.split("|"))), "joined"), draw)
    order = draw(st.sampled_from(["gf", "gf", "comma", "fg"]))
    text = {"gf": f"{given_} {family}", "comma": f"{family.upper()}, {given_}",
            "fg": f"{family} {given_}"}[order]
    if draw(st.booleans()):
        title = draw(st.sampled_from(
            ["Shahid", "Martyr", "Dr.", "Haj", "Seyed" if sex == "m" else "Seyedeh",
             "Sayyid" if sex == "m" else "Sayyida", "Mr." if sex == "m" else "Mrs."]))
        text = f"{title} {text}"
    if draw(st.booleans()):
        marker = draw(st.sampled_from(["son of", "s/o", "bin", "child of"]) if sex == "m" else
                      st.sampled_from(["daughter of", "d/o", "bint", "child of"]))
        text += f" {marker} {father[1]}"
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_key_is_invariant_under_catalogued_variants(data):
    person = data.draw(st.sampled_from(CANONICAL))
    father = data.draw(st.sampled_from(FATHERS))
    reference = name_key(_join_fa(person[0], "") + " " + _join_fa(person[1], "\u200c"))
    assert reference
    persian = data.draw(persian_variant(person, father))
    latin = data.draw(latin_variant(person, father))
    assert name_key(persian) == reference, persian
    assert name_key(latin) == reference, latin
    assert name_similarity(persian, latin) >= 0.9, (persian, latin)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_keys_of_different_canonical_people_differ(data):
    a, b = data.draw(st.lists(st.sampled_from(CANONICAL), min_size=2, max_size=2, unique=True))
    assert name_key(data.draw(persian_variant(a))) != name_key(data.draw(latin_variant(b)))


# --------------------------------------------------------------------------------
# nothing raises, outputs stay in range


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_arbitrary_unicode_never_raises(a, b):
    p = parse_name(a)
    assert isinstance(p, ParsedName) and p.original == a
    assert isinstance(name_key(a), str)
    assert isinstance(phonetic_key(a), str)
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=PERSIAN_ALPHABET + "abcdefghijklmnopqrstuvwxyzABCDEFGHZ-,.'()/:",
               max_size=40))
def test_name_like_text_never_raises_and_keys_are_stable(text):
    key = name_key(text)
    assert name_key(normalize_persian(text)[0]) == key or "\u200c" in text or "/" in text
    if key:
        assert name_similarity(text, text) == 1.0


# --------------------------------------------------------------------------------
# similarity


def test_similarity_orders_variants_near_misses_and_strangers():
    variant = name_similarity("محمد حسینی", "Muhammad Husseini")
    swap = name_similarity("Hosseini, Mohammad", "Mohammad Hosseini")
    hassan_hossein = name_similarity("Hassan Rezaei", "Hossein Rezaei")
    zahra_zohreh = name_similarity("زهرا کاظمی", "Zohreh Kazemi")
    sibling = name_similarity("Ali Ahmadi son of Hassan", "Reza Ahmadi son of Hassan")
    stranger = name_similarity("Fatemeh Rezaei", "Kourosh Khosravi")
    assert variant == swap == 1.0
    assert 0.4 < hassan_hossein < 0.85 and 0.4 < zahra_zohreh < 0.85
    assert stranger < min(hassan_hossein, zahra_zohreh, sibling)
    assert sibling < 0.85


def test_father_name_disagreement_lowers_similarity():
    same = name_similarity("Ali Ahmadi son of Hassan", "علی احمدی فرزند حسن")
    other = name_similarity("Ali Ahmadi son of Hassan", "علی احمدی فرزند جواد")
    assert same == 1.0 and other < 0.9


def test_jaro_winkler_reference_values():
    # Winkler's classic examples.
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("dwayne", "duane") == pytest.approx(0.84, abs=1e-4)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.8133, abs=1e-4)
    assert jaro_winkler("", "") == 0.0 and jaro_winkler("abc", "abc") == 1.0


# --------------------------------------------------------------------------------
# the labelled set


def _labelled() -> list[tuple[str, str, int, str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        return [(r["a"], r["b"], int(r["same"]), r["kind"]) for r in csv.DictReader(handle)]


def _threshold_for_recall(scores: list[float], recall: float) -> float:
    """The highest threshold that keeps at least ``recall`` of ``scores``."""
    ordered = sorted(scores, reverse=True)
    return ordered[max(0, math.ceil(recall * len(ordered)) - 1)]


def test_labelled_set_has_the_promised_shape():
    pairs = _labelled()
    true = [p for p in pairs if p[2] == 1]
    false = [p for p in pairs if p[2] == 0]
    assert len(true) >= 300 and len(false) >= 300
    kinds = {p[3] for p in true}
    assert {"persian_latin", "arabic_keyboard", "compound", "titles", "father_phrase",
            "run_together", "swapped"} <= kinds
    assert {"near_given", "near_family", "siblings", "same_given",
            "compound_split"} <= {p[3] for p in false}


def test_keys_on_the_labelled_set():
    pairs = _labelled()
    true = [(a, b) for a, b, same, _ in pairs if same]
    # namesakes (same name, another father) are different people a name key cannot
    # tell apart; they are measured by similarity below
    false = [(a, b) for a, b, same, kind in pairs if not same and kind != "namesake_other_father"]
    recall = sum(name_key(a) == name_key(b) != "" for a, b in true) / len(true)
    collisions = sum(name_key(a) == name_key(b) != "" for a, b in false) / len(false)
    baseline = sum(" ".join(a.casefold().split()) == " ".join(b.casefold().split())
                   for a, b in true) / len(true)
    assert recall >= 0.95  # measured 98.2 %
    assert collisions <= 0.02  # measured 0 %
    assert recall - baseline >= 0.8
    coarse = sum(phonetic_key(a) == phonetic_key(b) != "" for a, b in true) / len(true)
    assert coarse >= recall


def test_similarity_separates_the_labelled_pairs():
    pairs = _labelled()
    true = [name_similarity(a, b) for a, b, same, _ in pairs if same]
    false = [name_similarity(a, b) for a, b, same, _ in pairs if not same]
    threshold = _threshold_for_recall(true, 0.95)
    false_match = sum(s >= threshold for s in false) / len(false)
    assert threshold >= 0.9
    assert false_match <= 0.05  # measured 0 %
    baseline_true = [jaro_winkler(a.casefold(), b.casefold()) for a, b, s, _ in pairs if s]
    baseline_false = [jaro_winkler(a.casefold(), b.casefold()) for a, b, s, _ in pairs if not s]
    t = _threshold_for_recall(baseline_true, 0.95)
    assert sum(s >= t for s in baseline_false) / len(baseline_false) > 0.5  # the gain is real


# --------------------------------------------------------------------------------
# the outside check: lists written by fullcount.synth (its own lexicon and noise)


@pytest.fixture(scope="module")
def synth_records(tmp_path_factory):
    from fullcount.ingest import open_reader
    from fullcount.ingest.fields import NAME_FIELDS, suggest_mapping
    from fullcount.ingest.readers import RowRules
    from fullcount.synth import generate

    out = tmp_path_factory.mktemp("synth-names")
    generate(out, n=600, lists=8, seed=17)
    truth = {}
    with (out / "truth" / "records.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["person_id"] and row["expected"] == "record":
                truth[(row["file"], int(row["row_number"]))] = row["person_id"]
    records = []
    for path in sorted(out.iterdir()):
        if path.is_dir() or path.suffix == ".txt":
            continue
        reader = open_reader(path)
        mapping = suggest_mapping(reader.header).mapping
        index = {c: i for i, c in enumerate(reader.columns)}
        rules = RowRules(tuple(index[mapping[f]] for f in NAME_FIELDS if f in mapping),
                         100_000, 5000)
        for batch in reader.batches(rules):
            for k, row_number in enumerate(batch.row_numbers):
                person = truth.get((path.name, row_number))
                if person is None:
                    continue
                cells = {f: batch.columns[index[mapping[f]]][k]
                         for f in ("full_name", "given_name", "family_name") if f in mapping}
                name = cells.get("full_name") or " ".join(
                    c for c in (cells.get("given_name", ""), cells.get("family_name", "")) if c)
                records.append((person, path.stem, name))
    assert len(records) > 1500
    return records


def test_synth_lists_same_person_shares_the_key(synth_records):
    by_person = defaultdict(list)
    for person, source, name in synth_records:
        by_person[person].append((source, name))
    agree = base = total = 0
    for recs in by_person.values():
        for (s1, a), (s2, b) in itertools.combinations(recs, 2):
            if s1 == s2:
                continue
            total += 1
            agree += name_key(a) == name_key(b) != ""
            base += " ".join(a.casefold().split()) == " ".join(b.casefold().split())
    assert total > 2000
    assert agree / total >= 0.85  # measured 92 % at n=2000
    assert base / total <= 0.3


def test_synth_lists_similarity_separates_people(synth_records):
    by_person = defaultdict(list)
    for person, source, name in synth_records:
        by_person[person].append(name)
    same = [name_similarity(a, b) for names in by_person.values()
            for a, b in itertools.combinations(names, 2)]
    threshold = _threshold_for_recall(same, 0.9)
    people = sorted(by_person)
    others = [name_similarity(by_person[p][0], by_person[q][0])
              for p, q in zip(people, people[1:] + people[:1])]
    assert sum(s >= threshold for s in others) / len(others) <= 0.05
