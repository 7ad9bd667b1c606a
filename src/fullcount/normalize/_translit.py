"""Script folding, Latin folding, consonant skeletons and a rough Persian romaniser.

Private helpers for ``fullcount.normalize.names``. Three representations of a name word
are used there:

* ``normalize_persian``: the text with Arabic code points, marks, digits and odd spacing
  folded to one Persian spelling (builds on ``script.fold_script``), with the rules that
  fired.
* ``latin_fold``: a Latin word with the transliteration choices that carry no
  information folded away (kh/x, gh/q, initial dj/j, ou/oo/o/u, final -y/-i, doubled
  letters, diacritics, apostrophes, final -eh/-e ...). Vowel *qualities* are kept, so Hassan and Hossein stay
  apart; this is what string similarity is computed on.
* ``*_skeleton``: the consonants of a word plus a marker for its final vowel. Persian
  script writes no short vowels and Latin spellings disagree mostly about vowels, so the
  skeleton is what a Persian spelling and its Latin variants share. Long vowels are
  dropped too (Latin cannot tell them from short ones); the marker for the final vowel is
  kept because it separates a name from its surname form: حسین/حسینی (Hossein/Hosseini).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from fullcount.normalize.script import fold_script

# ------------------------------------------------------------------ Persian script

ZWNJ = "\u200c"

# Characters folded before ``fold_script`` runs, with the rule each one fires.
# (fold_script itself folds ي ى ك ة ۀ أ إ ٱ ؤ ئ, digits and tatweel/harakat/bidi marks;
# the rule names for those are reported from the table below as well.)
_EXTRA_FOLD = {
    "آ": "ا",  # alef with madda: آرمان / ارمان
    "ء": "",  # lone hamza: علاءالدین / علاالدین
    "\u0653": "", "\u0654": "", "\u0655": "",  # madda/hamza above and below (ه + ٔ)
    "\u0656": "", "\u0657": "", "\u0658": "", "\u0659": "", "\u065a": "", "\u065b": "",
    "\u065c": "", "\u065d": "", "\u065e": "", "\u065f": "",
    "\u061c": "",  # Arabic letter mark (bidi)
    "\u200b": " ",  # zero-width space separates words
    "\u00ad": "",  # soft hyphen
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
    # Kurdish (Sorani), Urdu and Pashto letters Persian writes otherwise
    "ە": "ه", "ھ": "ه", "ہ": "ه", "ێ": "ی", "ې": "ی", "ۍ": "ی", "ے": "ی", "ۆ": "و",
    "ۇ": "و", "ڵ": "ل", "ڕ": "ر", "ڤ": "و", "ګ": "گ", "ڪ": "ک", "ڭ": "گ", "ٯ": "ق",
    "،": ",", "؛": ";", "٫": ".", "٬": ",",
}
_EXTRA_TABLE = str.maketrans(_EXTRA_FOLD)

_RULE_OF: dict[str, str] = {}
for _chars, _rule in [
    ("ي", "arabic_yeh"), ("ى", "alef_maksura"), ("ك", "arabic_kaf"), ("ة", "teh_marbuta"),
    ("ۀ\u0654", "heh_hamza"), ("أإٱ\u0655", "hamza_alef"), ("آ\u0653", "madda"),
    ("ؤ", "hamza_waw"), ("ئ", "hamza_yeh"), ("ء", "hamza"), ("\u0640", "tatweel"),
    ("".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670"
     + "".join(chr(c) for c in range(0x0656, 0x0660)), "harakat"),
    (("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200d"
      "\ufeff\u00ad\u200b"), "bidi_marks"),
    (ZWNJ, "zwnj"),
    ("۰۱۲۳۴۵۶۷۸۹", "persian_digits"), ("٠١٢٣٤٥٦٧٨٩", "arabic_digits"),
    ("ەھہێېۍےۆۇڵڕڤګڪڭٯ", "kurdish_urdu_letters"), ("،؛٫٬", "arabic_punctuation"),
]:
    for _c in _chars:
        _RULE_OF[_c] = _rule
_RULE_CHARS = frozenset(_RULE_OF)
_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f]")
_MOJIBAKE_HINT = re.compile("[ØÙÚÛ][\u0080-\u00ff\u0152-\u0178\u02c6-\u2122]")
_ZWNJ_RUNS = re.compile("\u200c*( )\u200c*|\u200c{2,}")


def _repair_mojibake(text: str) -> str | None:
    """UTF-8 Persian that was decoded as cp1252 (``Ù…Ø­Ù…Ø¯``) back to Persian, or None."""
    raw = bytearray()
    for ch in text:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) < 256:  # bytes cp1252 leaves undefined come through as latin-1
                raw.append(ord(ch))
            else:
                return None
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if _ARABIC_LETTER.search(fixed) else None


@lru_cache(maxsize=200_000)
def normalize_persian_cached(text: str, zwnj: str) -> tuple[str, tuple[str, ...]]:
    """``names.normalize_persian`` for a string (cached: lists repeat their values).

    With ``zwnj=ZWNJ`` the non-joiner is kept (one between two letters, none next to a
    space), which the name parser uses to see compound words."""
    rules: list[str] = []
    if _MOJIBAKE_HINT.search(text):
        fixed = _repair_mojibake(text)
        if fixed is not None:
            text = fixed
            rules.append("mojibake")
    nfkc = unicodedata.normalize("NFKC", text)
    if nfkc != text:
        # NFKC also composes; only report it when it did more than NFC would.
        if nfkc != unicodedata.normalize("NFC", text):
            rules.append("presentation_forms")
        text = nfkc
    present = _RULE_CHARS.intersection(text)
    if present:
        fired = {_RULE_OF[c] for c in present}
        if "zwnj" in fired and zwnj == ZWNJ:
            fired.discard("zwnj")
        rules.extend(sorted(fired))
        text = text.translate(_EXTRA_TABLE)
        text = fold_script(text, zwnj=zwnj)
        if zwnj == ZWNJ:
            text = _ZWNJ_RUNS.sub(lambda m: m.group(1) or ZWNJ, text).strip(ZWNJ)
    else:
        spaced = " ".join(_SPACES.split(text)).strip()
        if spaced != text:
            rules.append("whitespace")
        return spaced, tuple(rules)
    return text, tuple(rules)


# ------------------------------------------------------------------- Latin folding

_LATIN_SPECIAL = str.maketrans({
    "ʿ": "", "ʾ": "", "'": "", "’": "", "‘": "", "`": "", "´": "", "ʻ": "", "ʼ": "",
    "ı": "i", "ø": "o", "æ": "ae", "ß": "ss", "ð": "dh", "þ": "th", "ł": "l", "đ": "d",
    "œ": "oe", "ħ": "h",
})
_NON_AZ = re.compile("[^a-z]+")
_FINAL_OW = re.compile("ow$")
_FINAL_EH = re.compile("eh$")
# dj (French Djavad) only word-initially: inside a word it is as often a compound's
# d + j (Mohammadjavad), as dh is d + h (Mohammadhossein); so medial dj is left to the
# skeleton, and Kadhim-type spellings are lexicon variants.
_INITIAL_DJ = re.compile("^dj")
# Longest first; each maps to one symbol. S = sh, C = ch, x = kh, q = gh/q, j = j/zh.
_DIGRAPH_MAP = {
    "sch": "S", "tch": "C", "sh": "S", "ch": "C", "zh": "j", "ph": "f",
    "kh": "x", "gh": "q", "ck": "k", "c": "k", "w": "v", "ou": "u", "oo": "u", "o": "u",
    "ee": "i",
}
_DIGRAPHS = re.compile("|".join(sorted(_DIGRAPH_MAP, key=len, reverse=True)))
_Y_VOWEL = re.compile("(?<=.)y(?![aeiu])")
_DOUBLE = re.compile(r"(.)\1+")
_LATIN_SKELETON_DROP = str.maketrans("", "", "aeiuy")
# Final -a and -e/-eh are one marker: Latin writes Persian final ه as -a as often as -eh
# (Fatima, Khadija, Aisha for فاطمه, خدیجه, عایشه). Lexicon names that differ only
# there (زهرا/زهره) get keys apart from their long vowels.
_FINAL_MARK = {"a": "a", "e": "a", "i": "i", "u": "u"}


def collapse_doubles(text: str) -> str:
    """``text`` with runs of one character reduced to one (Hassan → Hasan)."""
    return _DOUBLE.sub(_first_group, text) if _DOUBLE.search(text) else text


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


def _digraph(match: re.Match[str]) -> str:
    return _DIGRAPH_MAP[match.group()]


@lru_cache(maxsize=200_000)
def latin_fold(word: str, final: bool = True) -> str:
    """Fold a Latin-script word to a spelling-neutral form (see module docstring).

    ``final=False`` leaves out the word-final rules (-eh → -e, -ow → -u): the form a
    name takes inside a run-together string (Zadeh in Hassanzadehpour).
    """
    s = unicodedata.normalize("NFKD", word.casefold()).translate(_LATIN_SPECIAL)
    s = _NON_AZ.sub("", s)
    if not s:
        return ""
    if final:
        s = _FINAL_OW.sub("u", s)
    s = _INITIAL_DJ.sub("j", s)
    s = _DIGRAPHS.sub(_digraph, s)
    s = _Y_VOWEL.sub("i", s)
    s = collapse_doubles(s)
    return _FINAL_EH.sub("e", s) if final else s


def latin_skeleton(folded: str) -> tuple[str, str]:
    """(consonant skeleton, final-vowel marker) of a ``latin_fold`` result."""
    if not folded:
        return "", ""
    final = _FINAL_MARK.get(folded[-1], "")
    head = folded[0] if folded[0] == "y" else ""
    body = folded[len(head):].replace("dj", "j")  # Madjid, Tadjik (French spelling)
    return head + body.translate(_LATIN_SKELETON_DROP), final


# --------------------------------------------------------------- Persian skeleton

_FA_CONSONANT = {
    "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "C", "ح": "h", "خ": "x", "د": "d",
    "ذ": "z", "ر": "r", "ز": "z", "ژ": "j", "س": "s", "ش": "S", "ص": "s", "ض": "z", "ط": "t",
    "ظ": "z", "غ": "q", "ق": "q", "ف": "f", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n",
}


def _waw_is_consonant(word: str, i: int, prev_consonant_waw: bool) -> bool:
    """Whether و at ``word[i]`` is the consonant v (وحید, جواد, موسوی) or a vowel (نوری)."""
    if i == 0:
        return True
    prev = word[i - 1]
    if prev == "و" and prev_consonant_waw:
        return False  # داوود: the second و is the vowel
    if prev == "ا":
        return True
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if nxt == "ا":
        return True
    if nxt == "ی":
        after = word[i + 2] if i + 2 < len(word) else ""
        return after not in ("ا", "و", "ی")  # نوید, پرویز, موسوی: v; رویا, نارویی: vowel
    return False


@lru_cache(maxsize=200_000)
def persian_skeleton(word: str, long_vowels: bool = False) -> tuple[str, str]:
    """(consonant skeleton, final-vowel marker) of one normalised Persian word.

    With ``long_vowels`` the medial long vowels are kept as A (ا), U (و) and I (ی): the
    finer key used to tell apart lexicon names that share a skeleton (حسن/حسین).
    """
    if len(word) > 5 and "الدین" in word[1:]:
        word = word[0] + word[1:].replace("الدین", "ادین")  # صلاح‌الدین: Salahaddin
    out: list[str] = []
    n = len(word)
    last_symbol = ""
    last_index = -2
    final = ""
    consonant_waw = False
    for i, ch in enumerate(word):
        symbol = _FA_CONSONANT.get(ch)
        vowel = ""
        if symbol is None:
            if ch == "ا":
                if i == n - 1:
                    final = "a"
                elif i > 0:
                    vowel = "A"
            elif ch == "و":
                consonant_waw = _waw_is_consonant(word, i, consonant_waw)
                if consonant_waw:
                    symbol = "v"
                elif i == n - 1:
                    final = "u"
                else:
                    vowel = "U"
            elif ch == "ی":
                if i == 0:
                    symbol = "y"
                elif i == n - 1:
                    final = "i"
                else:
                    vowel = "I"
            elif ch == "ه":
                if i == n - 1 and i > 0 and word[i - 1] not in "او" and not word.endswith("لله"):
                    final = "e"
                else:
                    symbol = "h"
            if ch != "و":
                consonant_waw = False
        else:
            consonant_waw = False
        if symbol is not None:
            if not (symbol == last_symbol and last_index == i - 1):
                out.append(symbol)
            last_symbol, last_index = symbol, i
        elif vowel and long_vowels:
            out.append(vowel)
    return "".join(out), final if long_vowels else _FINAL_MARK.get(final, final)


# ------------------------------------------------------------ rough romanisation

_FA_LATIN = {
    "ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s",
    "ض": "z", "ط": "t", "ظ": "z", "غ": "gh", "ق": "gh", "ف": "f", "ک": "k", "گ": "g",
    "ل": "l", "م": "m", "ن": "n", "ع": "", "ء": "",
}


@lru_cache(maxsize=100_000)
def romanize_persian_word(word: str) -> str:
    """A readable, approximate Latin spelling of a Persian word outside the lexicon.

    Persian script leaves short vowels unwritten, so they are guessed: an ``a`` after a
    word-initial consonant cluster and before a word-final consonant (حسن → Hasan,
    بهرام → Bahram). Good enough to read and to compare, not a transliteration standard.
    """
    out: list[str] = []
    n = len(word)
    consonant_waw = False
    prev_is_consonant = False
    for i, ch in enumerate(word):
        piece: str
        is_consonant = False
        if ch == "ع" and i == 0 and n > 1 and word[1] not in "اآویه":
            piece = "a"  # عباس, علی: Abbas, Ali
        elif ch in _FA_LATIN:
            piece = _FA_LATIN[ch]
            is_consonant = bool(piece)
        elif ch == "ا":
            piece = "a"
        elif ch == "و":
            consonant_waw = _waw_is_consonant(word, i, consonant_waw)
            piece = "v" if consonant_waw else ("o" if i == n - 1 else "ou")
            is_consonant = consonant_waw
        elif ch == "ی":
            if i == 0 or (i + 1 < n and word[i + 1] in "او" and i > 0 and word[i - 1] in "او"):
                piece, is_consonant = "y", True
            else:
                piece = "i"
        elif ch == "ه":
            if i == n - 1 and i > 0 and word[i - 1] not in "او":
                piece = "eh"
            else:
                piece, is_consonant = "h", True
        else:
            piece = ""
        if ch != "و":
            consonant_waw = False
        if is_consonant and prev_is_consonant and (len(out) == 1 or i == n - 1):
            out.append("a")
        out.append(piece)
        prev_is_consonant = is_consonant or (prev_is_consonant and not piece)
    text = "".join(out)
    if text.startswith("a") and word[0] == "ا" and n > 1 and word[1] not in "ا":
        text = "e" + text[1:] if word[1] not in "حهع" else text
    return text[:1].upper() + text[1:]


# -------------------------------------------------------------- scripts of words

_PERSIAN_RANGE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def word_script(word: str) -> str:
    """'fa' for Arabic-script words, 'la' for Latin ones, 'other' for anything else."""
    if _PERSIAN_RANGE.search(word):
        return "fa"
    if _LATIN_LETTER.search(word):
        return "la"
    return "other"


_ARABIZED = str.maketrans({"پ": "ب", "چ": "ج", "ژ": "ز", "گ": "ک"})


def arabize(word: str) -> str:
    """The spelling Arabic-language media give a Persian word (پویا → بویا, گودرزی → کودرزی)."""
    return word.translate(_ARABIZED)


# ------------------------------------------------------------ Jaro–Winkler

@lru_cache(maxsize=500_000)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity (prefix scale 0.1, up to 4 characters) of two strings."""
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    if la > lb:
        a, b, la, lb = b, a, lb, la
    window = max(lb // 2 - 1, 0)
    b_used = [False] * lb
    a_matches: list[str] = []
    for i, ch in enumerate(a):
        lo = max(0, i - window)
        hi = min(lb, i + window + 1)
        for j in range(lo, hi):
            if not b_used[j] and b[j] == ch:
                b_used[j] = True
                a_matches.append(ch)
                break
    m = len(a_matches)
    if not m:
        return 0.0
    b_matches = [b[j] for j in range(lb) if b_used[j]]
    transpositions = sum(x != y for x, y in zip(a_matches, b_matches)) / 2
    jaro = (m / la + m / lb + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)
