"""The numeric-claims extractor: numbers, bounds, categories, negatives, offsets, the
measured test set (precision and recall per language) and the document readers."""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.claims import (
    BOUNDS,
    CATEGORIES,
    detect_language,
    extract_claims,
    find_quantities,
    parse_quantity,
    read_document,
    split_sentences,
)
from fullcount.claims.documents import DocumentError
from fullcount.claims.evaluate import load_test_set, score_claims
from fullcount.errors import FullcountError

DATA = Path(__file__).parent / "data" / "claims"
_words = str.split
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def claims_of(text: str, language: str | None = None) -> list[tuple[str, str, int, int]]:
    return [(c.category, c.bound, c.low, c.high) for c in extract_claims(text, language)]


# ------------------------------------------------------------------ the measured test set


@pytest.fixture(scope="module")
def test_set() -> dict[str, list[dict]]:
    return {lang: load_test_set(DATA / f"{lang}.jsonl") for lang in ("en", "fa", "ar")}


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_precision_and_recall_per_language(test_set: dict[str, list[dict]],
                                           language: str) -> None:
    score = score_claims(test_set[language])
    wrong = "\n".join(str(e) for e in score.errors)
    assert score.precision >= 0.9, f"precision {score.precision:.2f}\n{wrong}"
    assert score.recall >= 0.9, f"recall {score.recall:.2f}\n{wrong}"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_held_out_part_is_also_good(test_set: dict[str, list[dict]], language: str) -> None:
    held_out = [r for r in test_set[language] if r["split"] == "heldout"]
    score = score_claims(held_out)
    assert score.precision >= 0.85 and score.recall >= 0.85, score.errors


def test_test_set_covers_every_bound_category_and_hard_negatives(
        test_set: dict[str, list[dict]]) -> None:
    assert len(test_set["en"]) >= 70 and len(test_set["fa"]) >= 35
    for language in ("en", "fa"):
        rows = test_set[language]
        claims = [c for r in rows for c in r["claims"]]
        assert {c["bound"] for c in claims} == set(BOUNDS), language
        assert {c["category"] for c in claims} == set(CATEGORIES), language
        negatives = [r for r in rows if not r["claims"]]
        assert len(negatives) >= 8, language
        splits = Counter(r["split"] for r in rows)
        assert 0.2 <= splits["heldout"] / len(rows) <= 0.3, splits
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids))


def test_offsets_point_at_the_quantity_in_the_original_text(
        test_set: dict[str, list[dict]]) -> None:
    rows = [r for rows in test_set.values() for r in rows]
    document = "\n\n".join(r["text"] for r in rows)
    claims = extract_claims(document)
    assert len(claims) > 100
    for claim in claims:
        q = claim.quantity
        assert document[q.start:q.end] == q.text
        assert document[claim.sentence_start:claim.sentence_end] == claim.sentence
        assert claim.sentence_start <= q.start < q.end <= claim.sentence_end
        assert q.text.strip() == q.text and q.text


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize("text, expected", [
    ("1,500", (1500, 1500)), ("۱۵۰۰", (1500, 1500)), ("۱٬۵۰۰", (1500, 1500)),
    ("١٬٥٠٠", (1500, 1500)), ("١،٥٠٠", (1500, 1500)), ("22,600", (22600, 22600)),
    ("fifteen hundred", (1500, 1500)), ("two thousand", (2000, 2000)),
    ("Twenty-seven", (27, 27)), ("two hundred and fifty", (250, 250)),
    ("a dozen", (12, 12)), ("three dozen", (36, 36)), ("a hundred", (100, 100)),
    ("half a million", (500_000, 500_000)), ("one and a half million", (1_500_000,) * 2),
    ("1.5 million", (1_500_000, 1_500_000)), ("2.3 million", (2_300_000, 2_300_000)),
    ("120 thousand", (120_000, 120_000)), ("۱٫۵ میلیون", (1_500_000, 1_500_000)),
    ("۱/۵ میلیون", (1_500_000, 1_500_000)), ("۷ هزار", (7000, 7000)),
    ("۲ هزار و ۵۰۰", (2500, 2500)), ("سی هزار", (30_000, 30_000)),
    ("هزار و پانصد", (1500, 1500)), ("صد و شصت و هشت", (168, 168)),
    ("بیست و هفت", (27, 27)), ("یک و نیم میلیون", (1_500_000, 1_500_000)),
    ("١٢٠ ألف", (120_000, 120_000)), ("ثلاثة", (3, 3)), ("مئة وثمانية وستون", (168, 168)),
    ("between 200 and 300", (200, 300)), ("200-300", (200, 300)), ("200–300", (200, 300)),
    ("1,200 to 1,400", (1200, 1400)), ("۲۰۰ تا ۳۰۰", (200, 300)), ("بین ۲۰۰ و ۳۰۰", (200, 300)),
    ("بين ١٥٠٠ و٢٠٠٠", (1500, 2000)), ("20 to 30 thousand", (20_000, 30_000)),
    ("between 1.5 and 2 million", (1_500_000, 2_000_000)), ("۱۰ تا ۱۲ هزار", (10_000, 12_000)),
    ("dozens", (24, 99)), ("hundreds", (200, 999)), ("tens of thousands", (20_000, 99_999)),
    ("ده‌ها", (20, 99)), ("ده‌ها هزار", (20_000, 99_999)), ("صدها", (200, 999)),
    ("هزاران", (2000, 9999)), ("عشرات الآلاف", (20_000, 99_999)), ("مئات", (200, 999)),
])
def test_parse_quantity(text: str, expected: tuple[int, int]) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["one", "a", "یک", "2.5", "1402/07/08", "300-200", "", "people"])
def test_not_a_quantity(text: str) -> None:
    assert parse_quantity(text) is None


@given(st.integers(min_value=1, max_value=99_999_999))
def test_digits_in_any_script_and_separators(n: int) -> None:
    plain, grouped = str(n), f"{n:,}"
    for written in (plain, grouped, plain.translate(PERSIAN_DIGITS),
                    grouped.replace(",", "٬").translate(PERSIAN_DIGITS),
                    grouped.replace(",", "٬").translate(ARABIC_DIGITS)):
        assert parse_quantity(written) == (n, n), written


_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = _words("_ _ twenty thirty forty fifty sixty seventy eighty ninety")


def _english(n: int) -> str:
    """Number words for 1..999,999,999, written independently of the parser."""
    def below_thousand(k: int) -> str:
        parts = []
        if k >= 100:
            parts.append(f"{_EN_UNITS[k // 100]} hundred")
            k %= 100
            if k:
                parts.append("and")
        if k >= 20:
            parts.append(_EN_TENS[k // 10] + (f"-{_EN_UNITS[k % 10]}" if k % 10 else ""))
        elif k:
            parts.append(_EN_UNITS[k])
        return " ".join(parts)
    words = []
    for scale, name in ((1_000_000, "million"), (1000, "thousand"), (1, "")):
        if n >= scale:
            words.append((below_thousand(n // scale) + f" {name}").strip())
            n %= scale
    return " ".join(words)


_FA_UNITS = _words("_ یک دو سه چهار پنج شش هفت هشت نه ده یازده دوازده سیزده چهارده پانزده شانزده هفده هجده نوزده")
_FA_TENS = _words("_ _ بیست سی چهل پنجاه شصت هفتاد هشتاد نود")
_FA_HUNDREDS = _words("_ صد دویست سیصد چهارصد پانصد ششصد هفتصد هشتصد نهصد")


def _persian(n: int) -> str:
    """Persian number words ("دو هزار و پانصد و چهل و هفت"), written independently."""
    def below_thousand(k: int) -> list[str]:
        parts = []
        if k >= 100:
            parts.append(_FA_HUNDREDS[k // 100])
            k %= 100
        if k >= 20:
            parts.append(_FA_TENS[k // 10])
            k %= 10
        if k:
            parts.append(_FA_UNITS[k])
        return parts
    groups = []
    for scale, name in ((1_000_000, "میلیون"), (1000, "هزار"), (1, "")):
        if n >= scale:
            k = n // scale
            words = " و ".join(below_thousand(k))
            if name == "هزار" and k == 1:
                words = "هزار"
            elif name:
                words = f"{words} {name}"
            groups.append(words)
            n %= scale
    return " و ".join(groups)


@settings(max_examples=300)
@given(st.integers(min_value=2, max_value=999_999_999))
def test_number_words_round_trip(n: int) -> None:
    assert parse_quantity(_english(n)) == (n, n), _english(n)
    if n in (9, 10):
        return  # a lone نه ("no"/nine) or ده ("village"/ten) is deliberately not read
    assert parse_quantity(_persian(n)) == (n, n), _persian(n)


def test_find_quantities_keeps_surface_and_offsets() -> None:
    text = "Nearly two thousand were hurt; ۱۲۰ هزار نفر fled, and between 1,500 and 2,000 died."
    found = find_quantities(text)
    assert [(q.low, q.high) for q in found] == [(2000, 2000), (120_000, 120_000), (1500, 2000)]
    for q in found:
        assert text[q.start:q.end] == q.text
    assert [q.text for q in found] == ["two thousand", "۱۲۰ هزار", "1,500 and 2,000"]


# ------------------------------------------------------------------ bounds and categories


@pytest.mark.parametrize("text, bound, bound_type", [
    ("At least 212 people were killed.", "at_least", "at_least"),
    ("No fewer than 75 people were executed.", "at_least", "at_least"),
    ("More than 7,000 people were arrested.", "at_least", "more_than"),
    ("Over 900 people remain missing.", "at_least", "more_than"),
    ("Up to 500 prisoners were executed.", "at_most", "at_most"),
    ("As many as 40 hostages are held.", "at_most", "at_most"),
    ("Fewer than 100 protesters were arrested.", "at_most", "less_than"),
    ("About 300 people were injured.", "about", "approx"),
    ("An estimated 1.5 million people have been displaced.", "about", "approx"),
    ("Nearly two thousand people were injured.", "about", "approx_below"),
    ("Between 1,500 and 2,000 people were killed.", "between", "range"),
    ("Dozens of protesters were detained.", "between", "vague"),
    ("168 people were killed.", "exact", "exact"),
    ("300 or more people were detained.", "at_least", "at_least"),
    ("دست‌کم ۲۱۲ نفر کشته شدند.", "at_least", "at_least"),
    ("بیش از ۱۲۰ هزار نفر اعدام شده‌اند.", "at_least", "more_than"),
    ("تا ۵۰۰ زندانی اعدام شدند.", "at_most", "at_most"),
    ("کمتر از ۱۰۰ معترض بازداشت شدند.", "at_most", "less_than"),
    ("حدود ۴۵۰۰ خانواده آواره شده‌اند.", "about", "approx"),
    ("نزدیک به دو هزار نفر مجروح شدند.", "about", "approx_below"),
    ("بین ۲۰۰ تا ۳۰۰ نفر ناپدید شدند.", "between", "range"),
    ("صدها نفر بازداشت شدند.", "between", "vague"),
    ("قُتل ما لا يقل عن ١٦٨ شخصاً.", "at_least", "at_least"),
    ("اعتُقل نحو ٣٠٠٠ شخص.", "about", "approx"),
    ("قُتل ١٦٨ شخصاً على الأقل.", "at_least", "at_least"),
])
def test_bounds(text: str, bound: str, bound_type: str) -> None:
    [claim] = extract_claims(text)
    assert (claim.bound, claim.bound_type) == (bound, bound_type)


def test_several_claims_in_one_sentence() -> None:
    assert claims_of("168 killed and 1,500 wounded in 27 attacks") == [
        ("killed", "exact", 168, 168), ("wounded", "exact", 1500, 1500),
        ("attacks", "exact", 27, 27)]
    assert claims_of("Security forces killed at least 168 people and wounded 1,500 in 27 "
                     "raids.") == [("killed", "at_least", 168, 168),
                                   ("wounded", "exact", 1500, 1500),
                                   ("attacks", "exact", 27, 27)]
    assert claims_of("۱۶۸ نفر در ۲۷ حمله کشته شدند.") == [
        ("killed", "exact", 168, 168), ("attacks", "exact", 27, 27)]
    assert claims_of("قُتل ما لا يقل عن ١٦٨ شخصاً وأصيب أكثر من ١٥٠٠ آخرين في ٢٧ غارة.") == [
        ("killed", "at_least", 168, 168), ("wounded", "at_least", 1500, 1500),
        ("attacks", "exact", 27, 27)]
    [attacks] = [c for c in extract_claims("168 killed in 27 attacks") if c.low == 27]
    assert attacks.unit == "events"


def test_subset_is_marked_and_never_independent() -> None:
    claims = extract_claims("At least 300 people were killed, including 44 children.")
    parent, child = claims
    assert (child.category, child.low, child.subgroup) == ("killed", 44, "children")
    assert child.part_of == parent.quantity and not parent.is_subset
    [_, child] = extract_claims("نیروهای امنیتی ۱۴ نفر از جمله سه کودک را کشتند.")
    assert child.is_subset and child.low == 3 and child.category == "killed"


def test_claimant_period_place_and_event() -> None:
    [claim] = extract_claims("Rights Monitor International said security forces killed at "
                             "least 321 protesters in Zahedan during the November 2019 protests.")
    assert claim.claimant == "Rights Monitor International"
    assert claim.place == "Zahedan"
    assert claim.period == "November 2019"
    assert (claim.period_start, claim.period_end) == ("2019-11-01", "2019-11-30")
    assert claim.event == "November 2019 protests"
    [claim] = extract_claims("At least 22,600 executions have been recorded since 1979.")
    assert claim.cumulative and claim.period_start == "1979-01-01"
    [claim] = extract_claims("به گزارش سازمان کاوه، در سال ۱۴۰۱ دست‌کم ۵۸۲ نفر در زاهدان اعدام شدند.")
    assert claim.claimant == "سازمان کاوه"
    assert claim.period == "سال ۱۴۰۱" and claim.period_start == "2022-03-21"
    assert claim.place == "زاهدان"
    government, monitors = extract_claims(
        "The government reported 45 deaths, but independent monitors counted at least 121.")
    assert government.claimant == "The government" and monitors.claimant == "independent monitors"


@pytest.mark.parametrize("text", [
    "The 1988 massacre remains a dark chapter.",
    "A 24-year-old woman died in custody on 16 September 2022.",
    "Under Article 6 of the Covenant, the death penalty is restricted.",
    "For more information call +44 20 7946 0958 or see page 14.",
    "Roughly 20% of the victims were under the age of 18.",
    "The prisoners were held in Ward 209 for 45 days before their trial on 3 March.",
    "Over 60 percent of those arrested were under 30.",
    "The boy, 17, was shot in the head at close range.",
    "Case No. 1402-45 was heard in Branch 26 of the Revolutionary Court.",
    "COVID-19 killed many people in 2020.",
    "The judiciary paid 2 million dollars to 30 families.",
    "Two hundred and fifty prisoners went on hunger strike on 5 January.",
    "Rescue workers pulled 19 survivors from the rubble after the strike.",
    "Security forces burned 300 homes and 12 cars.",
    "یک زن ۲۴ ساله در ۲۵ شهریور ۱۴۰۱ در بازداشت جان باخت.",
    "طبق ماده ۲۸۶ قانون مجازات اسلامی، مجازات افساد فی‌الارض اعدام است.",
    "برای اطلاعات بیشتر با شماره ۰۲۱۸۸۷۶۵۴۳۲ تماس بگیرید.",
    "کشتار ۶۷ یکی از تاریک‌ترین فصل‌های تاریخ است.",
    "او به ۱۰ سال حبس و ۷۴ ضربه شلاق محکوم شد.",
    "وُلد في ١٥ أيار ١٩٩٨ واعتُقل عندما كان عمره ٢٤ عاماً.",
])
def test_numbers_that_are_not_claims(text: str) -> None:
    assert extract_claims(text) == []


# ------------------------------------------------------------------ sentences, language


def test_sentences_and_language() -> None:
    text = "Dr. Smith said 1.5 million fled. At least 12 died!\n\nدست‌کم ۲۱۲ نفر کشته شدند. بعد"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Dr. Smith said 1.5 million fled.", "At least 12 died!",
        "دست‌کم ۲۱۲ نفر کشته شدند.", "بعد"]
    assert detect_language("دست‌کم ۲۱۲ نفر کشته شدند.") == "fa"
    assert detect_language("قُتل ما لا يقل عن ١٦٨ شخصاً في مدينة") == "ar"
    assert detect_language("At least 12 died.") == "en"
    mixed = extract_claims(text)
    assert [(c.language, c.low) for c in mixed] == [
        ("en", 1_500_000), ("en", 12), ("fa", 212)]


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(FullcountError, match="language 'de'") as error:
        extract_claims("Mindestens 12 Tote.", "de")
    assert error.value.hint and "en, fa or ar" in error.value.hint


# ------------------------------------------------------------------ documents

CLAIM_EN = "At least 168 people were killed and 1,500 wounded in 27 attacks."


def _pdf(lines: list[str], path: Path) -> Path:
    """A minimal one-page PDF with Helvetica text, written by hand."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in lines) + " ET"
    data = zlib.compress(stream.encode("latin-1"))
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_read_plain_text_in_several_encodings(tmp_path: Path) -> None:
    persian = "دست‌کم ۲۱۲ نفر کشته شدند."
    for name, encoding in [("a.txt", "utf-8"), ("b.txt", "utf-8-sig"), ("c.txt", "utf-16"),
                           ("d.txt", "cp1256")]:
        text = persian
        if encoding == "cp1256":  # has no Persian ی, ک or digits: old files use ي, ك, 0-9
            text = "دستکم 212 نفر کشته شدند و 300 نفر زخمی.".translate(
                str.maketrans("یک", "يك"))
        (tmp_path / name).write_bytes((text * 20).encode(encoding))
        assert read_document(tmp_path / name) == text * 20, encoding


def test_read_html_strips_tags_scripts_and_styles(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>Report</title>
    <style>p { color: red }</style><script>var killed = 999;</script></head>
    <body><h1>Annual report 2023</h1><p>At least <b>168</b> people were killed
    and 1,500 wounded&nbsp;in 27 attacks, the group said.</p>
    <ul><li>Dozens were detained &amp; 12 disappeared.</li></ul>
    <noscript>Enable JavaScript</noscript></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    text = read_document(path)
    assert "var killed" not in text and "color" not in text and "JavaScript" not in text
    assert "Report" not in text  # the head is not part of the page's text
    assert text.startswith("Annual report 2023\n\nAt least 168 people were killed and 1,500")
    assert "Dozens were detained & 12 disappeared." in text
    assert [(c.category, c.low) for c in extract_claims(text)] == [
        ("killed", 168), ("wounded", 1500), ("attacks", 27), ("detained", 24),
        ("disappeared", 12)]


def test_read_html_in_a_legacy_persian_encoding(tmp_path: Path) -> None:
    body = "<p>دستکم 212 نفر کشته شدند.</p>" * 5
    html = f'<html><head><meta charset="windows-1256"></head><body>{body}</body></html>'
    path = tmp_path / "page.htm"
    path.write_bytes(html.encode("cp1256"))
    text = read_document(path)
    assert text.startswith("دستکم 212 نفر کشته شدند.")
    assert next((c.category, c.bound, c.low) for c in extract_claims(text)) == (
        "killed", "at_least", 212)


def test_read_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Findings", level=1)
    document.add_paragraph(CLAIM_EN)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Province"
    table.cell(0, 1).text = "Detained"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "More than 7,000 people were arrested."
    document.add_paragraph("دست‌کم ۲۱۲ نفر کشته شدند.")
    path = tmp_path / "report.docx"
    document.save(str(path))
    text = read_document(path)
    assert text.split("\n\n") == ["Findings", CLAIM_EN, "Province", "Detained",
                                  "More than 7,000 people were arrested.",
                                  "دست‌کم ۲۱۲ نفر کشته شدند."]
    assert [(c.category, c.low) for c in extract_claims(text)] == [
        ("killed", 168), ("wounded", 1500), ("attacks", 27), ("detained", 7000),
        ("killed", 212)]


def test_read_pdf(tmp_path: Path) -> None:
    path = _pdf(["Summary of findings (2023)", CLAIM_EN,
                 "Over 900 people remain missing."], tmp_path / "report.pdf")
    text = read_document(path)
    assert "At least 168 people were killed" in text and "Summary of findings" in text
    assert [(c.category, c.bound, c.low) for c in extract_claims(text)] == [
        ("killed", "at_least", 168), ("wounded", "exact", 1500), ("attacks", "exact", 27),
        ("disappeared", "at_least", 900)]


@pytest.mark.parametrize("name, content, message", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Microsoft Office"),
    ("report.rtf", b"{\\rtf1\\ansi hello}", "RTF"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50, "binary"),
    ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "cannot read the PDF"),
    ("sheet.xlsx", None, "not a Word"),
    ("broken.docx", b"PK\x03\x04garbage", "not a Word"),
])
def test_unreadable_documents_raise_a_clear_error(tmp_path: Path, name: str,
                                                  content: bytes | None,
                                                  message: str) -> None:
    path = tmp_path / name
    if content is None:
        import zipfile
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as error:
        read_document(path)
    assert str(path) in error.value.message and error.value.hint


def test_missing_file_and_pdf_without_text(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "absent.pdf")
    with pytest.raises(DocumentError, match="no text layer"):
        read_document(_pdf([], tmp_path / "scan.pdf"))
    assert isinstance(DocumentError("x"), FullcountError)
