"""How one source writes one person: names, dates, ages, places — with realistic noise.

A ``Renderer`` belongs to one source. It keeps the source's house style (the spelling
it usually uses for each name, how it joins compounds, which title form it writes) and
draws per-record deviations from it. Every deviation is recorded as a tag, so the truth
files say what was done to each row.
"""

from __future__ import annotations

import random
from dataclasses import fields

from fullcount.synth import lexicon as lx
from fullcount.synth.dates import (
    Calendar,
    arabic_digits,
    format_day,
    format_partial,
    persian_digits,
    unreadable_date,
)
from fullcount.synth.lexicon import ZWNJ, NameEntry, Spelling, join_latin, join_parts
from fullcount.synth.population import Population
from fullcount.synth.profiles import Noise, Profile

Cells = dict[str, "str | int | None"]

_CAP = 0.95
_ARABIC_KEYBOARD = str.maketrans({"ی": "ي", "ک": "ك"})

# One-edit typos: letters that are confused when typing or reading Persian script.
_FA_CONFUSABLE = ("سصث", "زذضظ", "تط", "هح", "قغ", "کگ", "اآ", "رز", "بپ", "جچ")
_FA_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_LA_CONFUSABLE = ("ae", "ou", "ie", "sz", "kq", "vw", "mn", "dt")
_LA_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _spelling_of(forms: tuple[str, ...]) -> Spelling:
    return Spelling(forms, (3.0,) + (1.0,) * (len(forms) - 1))


_TOWN_SPELLINGS = tuple(_spelling_of(t.la) for t in lx.TOWNS)
_PROVINCE_SPELLINGS = tuple(_spelling_of(p.la) for p in lx.PROVINCES)
# Parts of compound given names that are names on their own (محمد|رضا, Amir|Hossein);
# only those survive when a source shortens a compound (never «الدین» of صلاح‌الدین).
_STANDALONE_FA = frozenset(e.fa for e in lx.MALE_NAMES + lx.FEMALE_NAMES
                           if len(e.fa_parts) == 1)
_STANDALONE_LA = frozenset(e.la for e in lx.MALE_NAMES + lx.FEMALE_NAMES
                           if len(e.la_parts) == 1)

_CENTRE: dict[int, int] = {}
for _k, _town in enumerate(lx.TOWNS):
    _CENTRE.setdefault(_town.province, _k)


def typo(text: str, script: str, rng: random.Random) -> str:
    """One edit (substitute, delete, double, swap neighbours) at a letter of ``text``."""
    positions = [k for k, ch in enumerate(text) if ch.isalpha()]
    if len(positions) < 3:
        return text + (text[-1] if text else "")
    groups = _FA_CONFUSABLE if script == "fa" else _LA_CONFUSABLE
    letters = _FA_LETTERS if script == "fa" else _LA_LETTERS
    for _ in range(8):
        k = positions[rng.randrange(1, len(positions))]  # rarely the first letter
        ch = text[k]
        op = rng.random()
        if op < 0.45:
            group = next((g for g in groups if ch.lower() in g), "")
            pool = group.replace(ch.lower(), "") or letters.replace(ch.lower(), "")
            new = rng.choice(pool)
            if ch.isupper():
                new = new.upper()
            out = text[:k] + new + text[k + 1:]
        elif op < 0.7:
            out = text[:k] + text[k + 1:]
        elif op < 0.85:
            out = text[:k] + ch + text[k:]
        else:
            j = k - 1
            if not text[j].isalpha():
                continue
            out = text[:j] + text[k] + text[j] + text[k + 1:]
        if out != text and out.strip():
            return out
    return text + text[-1]


class Renderer:
    """Writes records of the people a source captured, in that source's manner."""

    def __init__(self, profile: Profile, pop: Population, cal: Calendar, noise: float,
                 rng: random.Random, style_rng: random.Random) -> None:
        self.profile = profile
        self.pop = pop
        self.cal = cal
        self.rng = rng
        self.style_rng = style_rng
        self.fa = profile.script == "fa"
        self.prob = self._probabilities(profile.noise, noise)
        self.prob_dup = self._probabilities(profile.noise, max(noise, 0.5) * 1.5)
        self.p = self.prob
        self._house: dict[int, int] = {}
        # Source-wide habits, drawn once.
        s = style_rng
        self.fa_joint = s.choice(("", " ")) if s.random() < self.prob["house"] * 0.5 else None
        self.la_joint = s.choice((" ", "-")) if s.random() < self.prob["house"] * 0.5 else None
        self.seyed_m = s.choice(lx.TITLE_SAYYID_M_LA[:5])
        self.seyed_f = s.choice(lx.TITLE_SAYYID_F_LA)
        self.haj_la = s.choice(lx.TITLE_HAJ_LA)
        self.haj_fa = s.choice(lx.TITLE_HAJ_FA)

    @staticmethod
    def _probabilities(base: Noise, noise: float) -> dict[str, float]:
        return {f.name: min(_CAP, getattr(base, f.name) * noise) for f in fields(Noise)}

    def _chance(self, key: str, factor: float = 1.0) -> bool:
        p = self.p[key] * factor
        return p > 0 and self.rng.random() < p

    # ---------------------------------------------------------------- names, Latin

    def _latin_part(self, sp: Spelling, tags: set[str]) -> str:
        key = id(sp)
        pref = self._house.get(key)
        if pref is None:
            pref = 0
            if len(sp.forms) > 1 and self.style_rng.random() < self.prob["house"]:
                pref = self.style_rng.choices(range(1, len(sp.forms)), sp.weights[1:])[0]
            self._house[key] = pref
        idx = pref
        if len(sp.forms) > 1 and self._chance("translit"):
            idx = self.rng.choices(range(len(sp.forms)), sp.weights)[0]
        if idx:
            tags.add("translit")
        return sp.forms[idx]

    def _latin_name(self, entry: NameEntry, tags: set[str], parts: slice = slice(None)) -> str:
        spellings = entry.la_parts[parts]
        forms = [self._latin_part(sp, tags) for sp in spellings]
        joints = list(entry.la_joints[parts][: len(forms) - 1])
        for k, joint in enumerate(joints):
            new = joint
            if self.la_joint is not None:
                new = self.la_joint
            if self._chance("joint"):
                new = self.rng.choice([j for j in ("", " ", "-") if j != new])
            if new != joint:
                tags.add("joint")
            joints[k] = new
        forms = [forms[0]] + [f if joints[k] == "" else f[:1].upper() + f[1:]
                              for k, f in enumerate(forms[1:])]
        return join_latin(forms, joints)

    # -------------------------------------------------------------- names, Persian

    def _persian_name(self, entry: NameEntry, tags: set[str], female: bool = False,
                      parts: slice = slice(None)) -> str:
        fa_parts = entry.fa_parts[parts]
        joints = list(entry.fa_joints[parts][: len(fa_parts) - 1])
        for k, joint in enumerate(joints):
            new = joint
            if self.fa_joint is not None and self.fa_joint != joint:
                new = self.fa_joint
            if self._chance("joint"):
                new = self.rng.choice([j for j in ("", ZWNJ, " ") if j != new])
            if new != joint:
                tags.add("joint")
            joints[k] = new
        text = join_parts(fa_parts, joints)
        if "ایی" in text and self._chance("translit", 1.5):
            text = text.replace("ایی", "ائی")
            tags.add("hamza")
        if text.startswith("آ") and self._chance("translit"):
            text = "ا" + text[1:]
            tags.add("madda")
        if female and text.endswith("ه") and self._arabic:
            text = text[:-1] + "ة"
        return text

    def _name(self, entry: NameEntry, tags: set[str], female: bool = False,
              parts: slice = slice(None)) -> str:
        if self.fa:
            return self._persian_name(entry, tags, female, parts)
        return self._latin_name(entry, tags, parts)

    def _given_and_family(self, i: int, tags: set[str]) -> tuple[str, str]:
        pop = self.pop
        female = bool(pop.female[i])
        entry = pop.given_entry(i)
        parts = slice(None)
        if self.fa:
            names = [k for k, part in enumerate(entry.fa_parts) if part in _STANDALONE_FA]
        else:
            names = [k for k, sp in enumerate(entry.la_parts) if sp.forms[0] in _STANDALONE_LA]
        if len(entry.fa_parts if self.fa else entry.la_parts) > 1 and names \
                and self._chance("short_name"):
            k = self.rng.choice(names)
            parts = slice(k, k + 1)
            tags.add("short_name")
        given = self._name(entry, tags, female, parts)
        family = self._name(lx.FAMILY_NAMES[pop.family[i]], tags)
        if self._chance("typo"):
            if self.rng.random() < 0.5:
                given = typo(given, self.profile.script, self.rng)
            else:
                family = typo(family, self.profile.script, self.rng)
            tags.add("typo")
        return given, family

    def _titles(self, i: int, tags: set[str]) -> list[str]:
        pop = self.pop
        female = bool(pop.female[i])
        out = []
        if self.fa and self._chance("martyr"):
            out.append(lx.EPITHET_MARTYR_FA)
            tags.add("martyr")
        if not female and pop.age[i] >= 45 and self._chance("haj"):
            out.append(self.haj_fa if self.fa else self.haj_la)
            tags.add("haj")
        if pop.sayyid[i] and self._chance("sayyid_title"):
            if self.fa:
                out.append(lx.TITLE_SAYYID_F_FA if female else lx.TITLE_SAYYID_M_FA)
            else:
                out.append(self.seyed_f if female else self.seyed_m)
            tags.add("sayyid_title")
        return out

    def _patronymic(self, i: int, tags: set[str], factor: float = 1.0) -> str:
        if not self._chance("patronymic", factor):
            return ""
        tags.add("patronymic")
        father = self._name(lx.MALE_NAMES[self.pop.father[i]], set())
        if self.fa:
            return f" {self.rng.choice(lx.CHILD_OF_FA)} {father}"
        words = lx.DAUGHTER_OF_LA if self.pop.female[i] else lx.SON_OF_LA
        sep = ", " if self.rng.random() < 0.3 else " "
        return f"{sep}{self.rng.choice(words)} {father}"

    def _unnamed(self, i: int) -> str:
        if self.fa:
            return self.rng.choice(lx.UNNAMED_FA)
        pool = lx.UNNAMED_LA_F if self.pop.female[i] else lx.UNNAMED_LA_M
        return self.rng.choice(pool)

    def _case(self, texts: list[str], tags: set[str]) -> list[str]:
        if self.fa or not self._chance("case"):
            return texts
        tags.add("case")
        if self.rng.random() < 0.7:
            return [t.upper() for t in texts]
        return [t.lower() for t in texts]

    def _name_cells(self, i: int, cells: Cells, tags: set[str]) -> None:
        rng = self.rng
        if self._chance("unnamed"):
            tags.add("unnamed")
            if self.profile.layout == "full":
                cells["full_name"] = self._unnamed(i)
            else:
                cells["given_name"], cells["family_name"] = self._unnamed(i), None
            return
        given, family = self._given_and_family(i, tags)
        titles = self._titles(i, tags)
        comma = "، " if self.fa else ", "
        if self.profile.layout == "full":
            if self._chance("run_together"):
                tags.add("run_together")
                name = given + (family if self.fa or rng.random() < 0.5 else family.lower())
            elif self._chance("swap"):
                tags.add("swap")
                style = rng.random()
                if style < 0.5:
                    name = f"{family} {given}"
                elif self.fa or style < 0.75:
                    name = f"{family}{comma}{given}"
                else:
                    name = f"{family.upper()}{comma}{given}"
            else:
                name = f"{given} {family}"
            name = " ".join(titles + [name]) + self._patronymic(i, tags)
            cells["full_name"] = self._case([name], tags)[0]
            return
        first = " ".join(titles + [given])
        last: str | None = family + self._patronymic(i, tags, 0.3)
        if self._chance("run_together"):
            tags.add("run_together")
            first = first + (" " if rng.random() < 0.5 else "") + (last or "")
            last = None
        elif self._chance("swap"):
            tags.add("swap")
            first, last = last or "", first
        first, last = self._case([first, last or ""], tags)
        cells["given_name"], cells["family_name"] = first, last or None

    # ------------------------------------------------------------ other fields

    def _missing(self, name: str, tags: set[str], factor: float = 1.0) -> bool:
        if name in self.profile.fields and self._chance("missing", factor):
            tags.add(f"missing:{name}")
            return True
        return False

    def _digits(self, text: str) -> str:
        if self._persian_digits:
            text = persian_digits(text)
        if self._arabic_digits:
            text = arabic_digits(text)
        return text

    def _date(self, i: int, tags: set[str]) -> str | None:
        if self._missing("date_of_death", tags, 0.6):
            return None
        rng = self.rng
        day = int(self.pop.day[i])
        if self._chance("date_off"):
            day += rng.choice((-1, 1))
            tags.add("date_off_by_one")
        elif self._chance("date_shift"):
            day += rng.choice((-1, 1)) * rng.randint(2, 7)
            tags.add("date_shift")
        formats = self.profile.date_formats
        fmt = formats[0]
        if len(formats) > 1 and self._chance("date_format"):
            fmt = rng.choice(formats[1:])
            tags.add("date_format")
        if self._chance("date_unreadable"):
            tags.add("date_unreadable")
            text = unreadable_date(self.cal, day, fmt, rng.randrange(5))
        elif self._chance("date_partial"):
            precision = "month" if rng.random() < 0.8 else "year"
            tags.add(f"date_{precision}_only")
            text = format_partial(self.cal, day, fmt, precision, rng.randrange(2))
        else:
            text = format_day(self.cal, day, fmt)
        return self._digits(text)

    def _age(self, i: int, tags: set[str]) -> str | int | None:
        if self._missing("age", tags):
            return None
        rng = self.rng
        age = int(self.pop.age[i])
        if self._chance("age_unreadable"):
            tags.add("age_unreadable")
            return rng.choice(("نامعلوم", "نامشخص", "؟")) if self.fa else rng.choice(
                ("unknown", "?", "n/a"))
        if self._chance("age_range"):
            tags.add("age_range")
            low = max(1, age - rng.randint(0, 4))
            sep = rng.choice((" تا ", "-")) if self.fa else rng.choice(("-", " - ", "–"))
            return self._digits(f"{low}{sep}{low + 5}")
        if age >= 20 and self._chance("age_approx"):
            tags.add("age_approx")
            shown = 5 * round(age / 5)
            if self.fa:
                return self._digits(f"{rng.choice(('حدود', 'حدودا', 'حدوداً'))} {shown}")
            return rng.choice(("about {}", "approx. {}", "~{}", "c. {}", "around {}")).format(
                shown)
        if self._chance("age_off"):
            age += rng.choice((-1, 1)) if rng.random() < 0.8 else rng.choice((-3, -2, 2, 3))
            tags.add("age_off")
        if self._persian_digits or self._arabic_digits:
            return self._digits(str(age))
        return age

    def _sex(self, i: int, tags: set[str]) -> str | None:
        if self._missing("sex", tags, 0.5):
            return None
        words = self.profile.sex_words
        style = words[0]
        if len(words) > 1 and self._chance("translit"):
            style = words[1]
            tags.add("sex_style")
        female = bool(self.pop.female[i])
        if self.fa and self.pop.age[i] < 15 and self._chance("translit"):
            return "دختر" if female else "پسر"
        return style[1] if female else style[0]

    def _place(self, i: int, tags: set[str]) -> str | None:
        if self._missing("place", tags, 0.6):
            return None
        town = int(self.pop.town[i])
        if self._chance("place_coarse"):
            centre = _CENTRE[lx.TOWNS[town].province]
            if centre != town:
                tags.add("place_coarse")
            town = centre
        if self.fa:
            return lx.TOWNS[town].fa
        return self._latin_part(_TOWN_SPELLINGS[town], tags)

    def _province(self, i: int, tags: set[str]) -> str | None:
        if self._missing("province", tags, 1.5):
            return None
        prov = int(self.pop.province[i])
        if self.fa:
            return lx.PROVINCES[prov].fa
        return self._latin_part(_PROVINCE_SPELLINGS[prov], tags)

    def _father(self, i: int, tags: set[str]) -> str | None:
        if self._missing("father_name", tags):
            return None
        father = self._name(lx.MALE_NAMES[self.pop.father[i]], tags)
        if self._chance("typo", 0.5):
            father = typo(father, self.profile.script, self.rng)
            tags.add("typo")
        return father

    def _notes(self) -> str | None:
        phrases = self.profile.notes
        r = self.rng.random()
        if r < 0.03:
            a, b = self.rng.sample(range(len(phrases)), 2)
            return phrases[a] + "\n" + phrases[b]
        if r < 0.3:
            return self.rng.choice(phrases)
        return None

    # ---------------------------------------------------------------- a record

    def record(self, i: int, duplicate: bool = False) -> tuple[Cells, list[str]]:
        """The cells (by field name, without the row id) and noise tags of one row."""
        self.p = self.prob_dup if duplicate else self.prob
        tags: set[str] = set()
        self._arabic = self.fa and self._chance("arabic")
        digits = self.profile.digits == "persian"
        self._persian_digits = self.fa and (digits or self._chance("digits"))
        self._arabic_digits = self._persian_digits and self._chance("digits", 0.2)
        if self._arabic:
            tags.add("arabic_letters")
        if self._persian_digits and not digits:
            tags.add("persian_digits")
        if self._arabic_digits:
            tags.add("arabic_digits")

        cells: Cells = {}
        self._name_cells(i, cells, tags)
        wanted = self.profile.fields
        if "father_name" in wanted:
            cells["father_name"] = self._father(i, tags)
        if "sex" in wanted:
            cells["sex"] = self._sex(i, tags)
        if "age" in wanted:
            cells["age"] = self._age(i, tags)
        if "date_of_death" in wanted:
            cells["date_of_death"] = self._date(i, tags)
        if "place" in wanted:
            cells["place"] = self._place(i, tags)
        if "province" in wanted:
            cells["province"] = self._province(i, tags)
        if "notes" in wanted:
            cells["notes"] = self._notes()
        if self._arabic:
            for key, value in cells.items():
                if isinstance(value, str) and key != "notes":
                    cells[key] = value.translate(_ARABIC_KEYBOARD)
        self.p = self.prob
        return cells, sorted(tags)

    def duplicate(self, i: int, first: Cells) -> tuple[Cells, list[str]]:
        """A second row for the same person that differs from ``first``."""
        for _ in range(6):
            cells, tags = self.record(i, duplicate=True)
            if _differs(cells, first):
                return cells, tags
        key = "full_name" if "full_name" in cells else "given_name"
        value = cells.get(key) or ""
        cells[key] = typo(value, self.profile.script, self.rng) if value else "?"
        return cells, sorted(set(tags) | {"typo"})


def _differs(a: Cells, b: Cells) -> bool:
    keys = [k for k in a if k != "notes"]
    return any(a.get(k) != b.get(k) for k in keys)
