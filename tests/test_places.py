"""Places: every gazetteer spelling finds its place, realistic variant spellings find the
right place and province, common words rarely match, and user gazetteers extend it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.normalize import (
    Gazetteer,
    PlaceMatch,
    fold_place,
    load_gazetteer,
    match_place,
    match_province,
)
from fullcount.normalize.places import GazetteerError

GAZETTEER = load_gazetteer()


def test_the_gazetteer_has_every_province_and_many_cities() -> None:
    provinces = [p for p in GAZETTEER.places if p.kind == "province"]
    cities = [p for p in GAZETTEER.places if p.kind == "city"]
    assert len(provinces) == 31
    assert len(cities) >= 231  # every capital and the ~200 largest towns
    capitals = {p.province for p in cities}
    assert capitals == {p.name for p in provinces}  # every province has cities
    for place in GAZETTEER.places:
        assert place.name and place.name_fa and place.province in GAZETTEER.provinces


def test_every_entry_matches_itself_in_persian_and_each_latin_variant() -> None:
    for place in GAZETTEER.places:
        for spelling in place.spellings:
            found = match_place(spelling, province_hint=place.province)
            assert found is not None, (place.name, spelling)
            assert found.province == place.province, (place.name, spelling, found)
            if place.kind == "city":
                assert (found.canonical, found.kind) == (place.name, "city"), (spelling, found)
                assert found.how in ("name", "variant")
            # A province written as one is the province, whatever else shares its name.
            for as_province in (f"استان {spelling}", f"{spelling} Province"):
                found = match_place(as_province) if place.kind == "province" else None
                if found is not None:
                    assert (found.canonical, found.kind) == (place.name, "province"), (
                        as_province, found)


# Variant spellings as lists write them (typed for this test; most are not in the file).
VARIANTS = [
    ("AHVAZ", "Ahvaz", "Khuzestan"), ("ahwāz", "Ahvaz", "Khuzestan"),
    ("Al Ahwaz", "Ahvaz", "Khuzestan"), ("الأهواز", "Ahvaz", "Khuzestan"),
    ("اهواز، خوزستان", "Ahvaz", "Khuzestan"), ("Ahvaz city", "Ahvaz", "Khuzestan"),
    ("Orumieh", "Urmia", "West Azerbaijan"), ("Oroumiyeh", "Urmia", "West Azerbaijan"),
    ("Urumiyeh", "Urmia", "West Azerbaijan"), ("ارومیّه", "Urmia", "West Azerbaijan"),
    ("Rezaieh", "Urmia", "West Azerbaijan"), ("Ghazvin", "Qazvin", "Qazvin"),
    ("Qazvīn", "Qazvin", "Qazvin"), ("قزوين", "Qazvin", "Qazvin"),
    ("TEHRAN", "Tehran", "Tehran"), ("city of Tehran", "Tehran", "Tehran"),
    ("Tehran, Iran", "Tehran", "Tehran"), ("تهران - ایران", "Tehran", "Tehran"),
    ("شهر تهران", "Tehran", "Tehran"), ("Teheran", "Tehran", "Tehran"),
    ("Isfahan City", "Isfahan", "Isfahan"), ("Esfahan", "Isfahan", "Isfahan"),
    ("اصفهان‌", "Isfahan", "Isfahan"), ("Meshhed", "Mashhad", "Razavi Khorasan"),
    ("Mashhad, Khorasan Razavi", "Mashhad", "Razavi Khorasan"),
    ("مشهد مقدس", "Mashhad", "Razavi Khorasan"), ("Meshed", "Mashhad", "Razavi Khorasan"),
    ("Kermanshahan", "Kermanshah", "Kermanshah"), ("كرمانشاه", "Kermanshah", "Kermanshah"),
    ("Sanandadj", "Sanandaj", "Kurdistan"), ("Sine", "Sanandaj", "Kurdistan"),
    ("سنه", "Sanandaj", "Kurdistan"), ("Zahidan", "Zahedan", "Sistan and Baluchestan"),
    ("Zaahedaan", "Zahedan", "Sistan and Baluchestan"),
    ("زاهدان، سیستان و بلوچستان", "Zahedan", "Sistan and Baluchestan"),
    ("Saghez", "Saqqez", "Kurdistan"), ("Saqez (Kurdistan)", "Saqqez", "Kurdistan"),
    ("سقّز", "Saqqez", "Kurdistan"), ("Seqqiz", "Saqqez", "Kurdistan"),
    ("Mahabad, West Azarbaijan", "Mahabad", "West Azerbaijan"),
    ("مەهاباد", "Mahabad", "West Azerbaijan"), ("بۆکان", "Bukan", "West Azerbaijan"),
    ("Bokan", "Bukan", "West Azerbaijan"), ("Piranshar", "Piranshahr", "West Azerbaijan"),
    ("Serdasht", "Sardasht", "West Azerbaijan"), ("Oshnaviye", "Oshnavieh", "West Azerbaijan"),
    ("بانە", "Baneh", "Kurdistan"), ("Meriwan", "Marivan", "Kurdistan"),
    ("Kamyaran", "Kamyaran", "Kurdistan"), ("Divandarre", "Divandarreh", "Kurdistan"),
    ("Javanroud", "Javanrud", "Kermanshah"), ("Izeh, Khuzestan", "Izeh", "Khuzestan"),
    ("Mahshahr", "Bandar-e Mahshahr", "Khuzestan"),
    ("Bandar-e-Mahshahr", "Bandar-e Mahshahr", "Khuzestan"),
    ("عبادان", "Abadan", "Khuzestan"), ("المحمرة", "Khorramshahr", "Khuzestan"),
    ("Khoramshahr", "Khorramshahr", "Khuzestan"), ("Shooshtar", "Shushtar", "Khuzestan"),
    ("Dezfool", "Dezful", "Khuzestan"), ("Masjid Soleyman", "Masjed Soleyman", "Khuzestan"),
    ("Chiraz", "Shiraz", "Fars"), ("شيراز", "Shiraz", "Fars"), ("Kazeroun", "Kazerun", "Fars"),
    ("Marvdasht", "Marvdasht", "Fars"), ("Larestan", "Lar", "Fars"),
    ("Resht", "Rasht", "Gilan"), ("Bandar Anzali", "Bandar-e Anzali", "Gilan"),
    ("Enzeli", "Bandar-e Anzali", "Gilan"), ("Langroud", "Langarud", "Gilan"),
    ("Ghaemshahr", "Qaemshahr", "Mazandaran"), ("Qa'em Shahr", "Qaemshahr", "Mazandaran"),
    ("Chaloos", "Chalus", "Mazandaran"), ("Babul", "Babol", "Mazandaran"),
    ("Gonbad-e Kavoos", "Gonbad-e Kavus", "Golestan"),
    ("Gonbad Kavous", "Gonbad-e Kavus", "Golestan"), ("Aqqala", "Aq Qala", "Golestan"),
    ("Tabrīz", "Tabriz", "East Azerbaijan"), ("تبريز", "Tabriz", "East Azerbaijan"),
    ("Miyaneh", "Mianeh", "East Azerbaijan"), ("Ardebil", "Ardabil", "Ardabil"),
    ("Meshkinshahr", "Meshginshahr", "Ardabil"), ("Zenjan", "Zanjan", "Zanjan"),
    ("Hamedan", "Hamadan", "Hamadan"), ("Nahawand", "Nahavand", "Hamadan"),
    ("Khorram-Abad", "Khorramabad", "Lorestan"), ("Boroujerd", "Borujerd", "Lorestan"),
    ("Aligoudarz", "Aligudarz", "Lorestan"), ("Ghom", "Qom", "Qom"), ("Qum", "Qom", "Qom"),
    ("Najaf Abad", "Najafabad", "Isfahan"), ("Khomeini-Shahr", "Khomeyni Shahr", "Isfahan"),
    ("Yezd", "Yazd", "Yazd"), ("Kirman", "Kerman", "Kerman"),
    ("Rafsandjan", "Rafsanjan", "Kerman"), ("Chah Bahar", "Chabahar", "Sistan and Baluchestan"),
    ("Iranshar", "Iranshahr", "Sistan and Baluchestan"),
    ("Bandarabbas", "Bandar Abbas", "Hormozgan"), ("بندرعباس", "Bandar Abbas", "Hormozgan"),
    ("Bandar-e-Abbas", "Bandar Abbas", "Hormozgan"), ("Gheshm", "Qeshm", "Hormozgan"),
    ("Bushire", "Bushehr", "Bushehr"), ("Yasouj", "Yasuj", "Kohgiluyeh and Boyer-Ahmad"),
    ("Gachsaran", "Dogonbadan", "Kohgiluyeh and Boyer-Ahmad"),
    ("Shahrekord", "Shahr-e Kord", "Chaharmahal and Bakhtiari"),
    ("شهر کرد", "Shahr-e Kord", "Chaharmahal and Bakhtiari"),
    ("Bojnourd", "Bojnurd", "North Khorasan"), ("Ghaen", "Qaen", "South Khorasan"),
    ("Shahroud", "Shahrud", "Semnan"), ("Eslam Shahr", "Eslamshahr", "Tehran"),
    ("Shahr-e Qods", "Qods", "Tehran"), ("Shahr-e Rey", "Rey", "Tehran"),
    ("Karadj", "Karaj", "Alborz"),
    # provinces
    ("Kordestan", "Kurdistan", "Kurdistan"), ("کوردستان", "Kurdistan", "Kurdistan"),
    ("Sistan-Baluchistan", "Sistan and Baluchestan", "Sistan and Baluchestan"),
    ("Baluchistan", "Sistan and Baluchestan", "Sistan and Baluchestan"),
    ("Khuzistan", "Khuzestan", "Khuzestan"),
    ("Kohgiluyeh & Boyer-Ahmad", "Kohgiluyeh and Boyer-Ahmad", "Kohgiluyeh and Boyer-Ahmad"),
    ("Chaharmahal-o-Bakhtiari", "Chaharmahal and Bakhtiari", "Chaharmahal and Bakhtiari"),
    ("East Azerbaijan Province", "East Azerbaijan", "East Azerbaijan"),
    ("استان آذربایجان غربی", "West Azerbaijan", "West Azerbaijan"),
    ("West Azarbayjan", "West Azerbaijan", "West Azerbaijan"),
    ("Khorasan-e Razavi", "Razavi Khorasan", "Razavi Khorasan"),
    ("خراسان شمالی", "North Khorasan", "North Khorasan"),
    ("Guilan", "Gilan", "Gilan"), ("Central Province", "Markazi", "Markazi"),
    ("Fars province", "Fars", "Fars"), ("Tehran Province", "Tehran", "Tehran"),
]


@pytest.mark.parametrize("text, canonical, province", VARIANTS)
def test_realistic_variant_spellings(text: str, canonical: str, province: str) -> None:
    found = match_place(text)
    assert found is not None, (text, fold_place(text))
    assert (found.canonical, found.province) == (canonical, province), found


def test_variant_list_is_large_enough() -> None:
    assert len(VARIANTS) >= 100


# Words that turn up in place columns, and ordinary words, that are not places.
NOT_PLACES = """
unknown n/a none prison hospital street home house road border village mountain mountains
abroad Iraq Turkey Afghanistan Pakistan Europe protest demonstration shot killed martyr
student worker male female yes no sorry the and city town province capital centre center
person persian pairs risk river
north south east west downtown suburb district neighbourhood square bazaar mosque school
university police station army base checkpoint highway desert forest river lake sea island
farm factory office custody detention morgue cemetery unknown-place not-known see-notes
Evin Ghezel-Hesar Fashafouyeh Kahrizak-detention Azadi Enghelab Valiasr Vanak Tajrish
Ali Reza Mohammad Hossein Zahra Fatemeh Mahsa Nika Sarina Hadis Kian Javad Majid Mohsen
teacher doctor nurse farmer driver child woman man elderly boy girl father mother brother
حکومت زندان بیمارستان خیابان منزل خانه مرز کوه روستا دانشجو کارگر مرد زن بله خیر شهید
تظاهرات اعتراضات کشته نامعلوم نامشخص میدان بازار مسجد مدرسه دانشگاه پاسگاه پادگان
بزرگراه جنگل رودخانه دریا جزیره مزرعه کارخانه اداره بازداشتگاه پزشکی‌قانونی قبرستان
آزادی انقلاب ولیعصر ونک محمد علی حسین زهرا فاطمه معلم پزشک پرستار کشاورز راننده کودک
""".split()  # noqa: SIM905 (a word list reads better as text)


def test_common_words_rarely_match() -> None:
    false = {word: m for word in NOT_PLACES if (m := match_place(word)) is not None}
    assert len(NOT_PLACES) >= 150
    # "Kahrizak-detention" names a real town (the detention centre is named after it).
    assert set(false) <= {"Kahrizak-detention"}, {w: (m.canonical, m.how) for w, m in
                                                  false.items()}


def test_ties_between_places_of_one_name() -> None:
    fars = match_place("Nurabad")
    assert fars is not None and fars.ambiguous and fars.alternatives == ("Nurabad (Lorestan)",)
    lorestan = match_place("نورآباد", province_hint="لرستان")
    assert lorestan is not None and (lorestan.province, lorestan.ambiguous) == ("Lorestan", False)
    assert match_place("Nurabad, Lorestan").province == "Lorestan"  # type: ignore[union-attr]
    golestan = match_place("Golestan")
    assert golestan is not None and (golestan.kind, golestan.ambiguous) == ("province", True)
    assert golestan.alternatives == ("Golestan (Tehran)",)
    city = match_place("Golestan", province_hint="Tehran")
    assert city is not None and (city.kind, city.province, city.ambiguous) == (
        "city", "Tehran", False)


def test_a_capital_is_the_city_unless_written_as_a_province() -> None:
    city = match_place("Tehran")
    assert city is not None and (city.kind, city.ambiguous) == ("city", False)
    for text in ("استان تهران", "Tehran Province", "Province of Tehran", "Ostan-e Tehran"):
        province = match_place(text)
        assert province is not None and province.kind == "province", text
    assert match_place("Kurdistan").kind == "province"  # type: ignore[union-attr]


def test_match_carries_both_scripts_and_how() -> None:
    found = match_place("Orumiyeh")
    assert found == PlaceMatch(
        canonical="Urmia", canonical_fa="ارومیه", province="West Azerbaijan",
        province_fa="آذربایجان غربی", kind="city", how="variant", original="Orumiyeh",
        folded="orumiyeh")
    assert match_place("ارومیه").how == "name"  # type: ignore[union-attr]
    assert match_place("Zaahedaan").how == "transliteration"  # type: ignore[union-attr]
    assert match_place("مەهاباد").how == "spelling"  # type: ignore[union-attr]


def test_unknown_places_return_none_and_fold() -> None:
    assert match_place("Evin Prison") is None
    assert fold_place("  City of  ÉVIN-Prison ") == "evin prison"
    assert fold_place("شهر  كرج") == "کرج"
    assert match_place("") is None and match_place(None) is None
    assert match_place("x" * 500) is None


@given(st.text(max_size=40))
@settings(max_examples=500)
def test_matching_is_total(text: str) -> None:
    found = match_place(text)
    assert found is None or found.province in GAZETTEER.provinces
    assert isinstance(fold_place(text), str)


# --------------------------------------------------------------------------- user gazetteers


def test_a_user_gazetteer_adds_places_and_variants(tmp_path: Path) -> None:
    extra = tmp_path / "places.csv"
    extra.write_text(
        "# our own additions\n"
        "kind,name,name_fa,province,latin_variants,persian_variants\n"
        "city,Zahedan,زاهدان,Sistan and Baluchestan,Zahedun,زاهدون\n"
        "city,Shapour,شاپور,خوزستان,Shapur,\n"
        "province,Erbil,اربیل,Erbil,Hewler|Arbil,هەولێر\n"
        "city,Koya,کویه,Erbil,Koysinjaq,\n", encoding="utf-8")
    gazetteer = load_gazetteer(extra=extra)
    assert isinstance(gazetteer, Gazetteer) and len(gazetteer) == len(GAZETTEER) + 3
    zahedan = match_place("Zahedun", gazetteer=gazetteer)
    assert zahedan is not None and (zahedan.canonical, zahedan.how) == ("Zahedan", "variant")
    assert match_place("زاهدون", gazetteer=gazetteer).canonical == "Zahedan"  # type: ignore[union-attr]
    shapour = match_place("Shapur", gazetteer=gazetteer)
    assert shapour is not None and shapour.province == "Khuzestan"  # Persian province name
    koya = match_place("Koysinjaq", gazetteer=gazetteer)
    assert koya is not None and (koya.province, koya.province_fa) == ("Erbil", "اربیل")
    assert match_place("هەولێر", gazetteer=gazetteer).kind == "province"  # type: ignore[union-attr]
    assert match_place("زاهدون") is None  # the built-in gazetteer is unchanged


HEADER = "kind,name,name_fa,province,latin_variants,persian_variants\n"


@pytest.mark.parametrize("content, message", [
    ("kind,name,province\ncity,A,Tehran\n", "the columns are kind, name, province"),
    (HEADER + "city,Atlantis,,Oceania,,\n", "line 2: province 'Oceania' is not a province"),
    (HEADER + "town,Atlantis,,Tehran,,\n", "line 2: kind 'town' is not 'city' or 'province'"),
    (HEADER + "city,A,B,Tehran,x,y,z\n", "line 2: 7 fields where 6 are needed"),
    ("# only a comment\n", "has no header row"),
])
def test_a_bad_user_gazetteer_is_refused_clearly(tmp_path: Path, content: str,
                                                 message: str) -> None:
    extra = tmp_path / "bad.csv"
    extra.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(extra=extra)
    assert "bad.csv" in caught.value.message and message in caught.value.message


def test_a_missing_user_gazetteer_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="cannot read the gazetteer"):
        load_gazetteer(extra=tmp_path / "missing.csv")


def test_a_province_column_is_read_as_provinces() -> None:
    tehran = match_province("Tehran")
    assert tehran is not None and (tehran.canonical, tehran.kind) == ("Tehran", "province")
    assert match_province("Kurdestaan").canonical == "Kurdistan"  # type: ignore[union-attr]
    assert match_province("کوردستان").province_fa == "کردستان"  # type: ignore[union-attr]
    assert match_province("Saqqez") is None  # a city, not a province
    assert match_province(None) is None
    hinted = match_place("Nurabad", province_hint="Lurestan")  # a hint in any spelling
    assert hinted is not None and hinted.province == "Lorestan"
