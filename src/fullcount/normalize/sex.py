"""Reading sex or gender as lists write it: F / M, in English, Persian or Arabic."""

from __future__ import annotations

from fullcount.normalize.script import fold_script

_FEMALE_WORDS = {"f", "female", "woman", "women", "girl", "w", "fem", "زن", "مونث", "دختر",
           "خانم", "انثی", "انثى", "امراه", "امراة", "بانو"}
_MALE_WORDS = {"m", "male", "man", "men", "boy", "masc", "مرد", "مذکر", "پسر", "اقا", "آقا",
         "ذکر", "رجل"}
_FEMALE = {fold_script(word).casefold() for word in _FEMALE_WORDS}
_MALE = {fold_script(word).casefold() for word in _MALE_WORDS}


def read_sex(text: str | None) -> str | None:
    """``"F"``, ``"M"`` or ``None`` when the value is empty or not recognised."""
    if text is None:
        return None
    value = fold_script(text).casefold().strip(" .")
    if value in _FEMALE:
        return "F"
    if value in _MALE:
        return "M"
    return None
