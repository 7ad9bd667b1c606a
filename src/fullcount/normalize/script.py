"""Persian/Arabic script folding: the same text typed on different keyboards compares equal.

This is the minimal core that ingest needs (header matching, reading digits in ages and
dates); the full normalisation stage builds on it.
"""

from __future__ import annotations

import re
import unicodedata

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})

# Arabic code points that Persian keyboards write differently.
_LETTERS = {
    ord("ي"): "ی",  # Arabic yeh
    ord("ى"): "ی",  # alef maksura
    ord("ك"): "ک",  # Arabic kaf
    ord("ة"): "ه",  # teh marbuta
    ord("ۀ"): "ه",  # heh with yeh above (ezafe)
    ord("أ"): "ا",
    ord("إ"): "ا",
    ord("ٱ"): "ا",
    ord("ؤ"): "و",
    ord("ئ"): "ی",
}

# Tatweel, harakat (U+064B..U+0652), superscript alef, and bidi/zero-width marks
# that arrive with copy-paste; ZWNJ is handled separately because it separates words.
_DROP = re.compile("[\u0640\u064b-\u0652\u0670\u200e\u200f\u202a-\u202e\u2066-\u2069\u200d\ufeff]")


def fold_digits(text: str) -> str:
    """Return ``text`` with Persian and Arabic-Indic digits replaced by ASCII digits."""
    return text.translate(_DIGITS)


def fold_script(text: str, *, zwnj: str = " ") -> str:
    """Fold Arabic code points to Persian ones, drop marks, unify digits and spacing.

    ``zwnj`` is what a zero-width non-joiner becomes: a space by default (so that
    حسن‌زاده and حسن زاده compare equal), or ``""`` to join the parts.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u200c", zwnj)
    text = _DROP.sub("", text)
    text = text.translate(_LETTERS).translate(_DIGITS)
    return " ".join(text.split())


# Latin diacritics (ā, š, ḥ…) and Arabic marks (hamza above/below, madda, harakat) after
# NFKD decomposition; dropping them folds أ إ آ to ا and ئ ؤ to their base letters.
_MARKS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Sorani Kurdish and other Arabic-script letters to the Persian letters they stand for.
_EXTRA_LETTERS = str.maketrans({
    "ە": "ه", "ھ": "ه", "ہ": "ه", "ێ": "ی", "ې": "ی", "ۆ": "و", "ۇ": "و", "ڵ": "ل",
    "ڕ": "ر", "ڤ": "و", "ٸ": "ی",
    "–": "-", "—": "-", "−": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "ـ": "",
    "ʿ": "'", "ʾ": "'", "‘": "'", "’": "'", "`": "'", "´": "'",
})


def fold_for_matching(text: str) -> str:
    """Fold ``text`` for dictionary look-ups: script (fold_script), Kurdish letters,
    Latin diacritics, dashes and quotes, and case."""
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return fold_script(text.translate(_EXTRA_LETTERS)).casefold()
