"""The words that make a number a claim, in English, Persian and Arabic (CLAIMS.md §1.1).

Entries are written as a reader would write them; they are folded (``fold_term``) the way
text is before matching, so Arabic ي/ك/ة, harakat, ZWNJ and case need no variants here.
An entry ending in ``*`` matches any word that starts with it.
"""

from __future__ import annotations

import re
from typing import Literal

from fullcount.claims.numbers import _words, fold_term

Language = Literal["en", "fa", "ar"]
LANGUAGES: tuple[Language, ...] = ("en", "fa", "ar")

Category = Literal[
    "killed", "executed", "wounded", "casualties", "detained", "disappeared", "hostages",
    "displaced", "tortured", "sentenced_to_death", "attacks",
]
CATEGORIES: tuple[Category, ...] = (
    "killed", "executed", "wounded", "casualties", "detained", "disappeared", "hostages",
    "displaced", "tortured", "sentenced_to_death", "attacks",
)
Bound = Literal["exact", "at_least", "at_most", "about", "between"]
BOUNDS: tuple[Bound, ...] = ("exact", "at_least", "at_most", "about", "between")

# Where people are held: "died in custody" is a death, "۳۰۰ نفر در بازداشت" a detention.
_DETENTION_PLACES: dict[str, list[str]] = {
    "en": ["in custody", "in detention", "detention centre", "detention centres",
           "detention center", "detention centers", "detention facility",
           "detention facilities", "detention sites", "detention site"],
    "fa": ["در بازداشت", "بازداشتگاه", "بازداشتگاه ها", "در زندان"],
    "ar": ["في الاحتجاز", "مراكز الاحتجاز", "في السجن"],
}

# Terms that name what is counted. "attacks" count events, all others persons.
# Some phrases are listed under None: they contain a category word but are not one
# ("hunger strike", "death penalty"), and matching them first keeps the word out.
CATEGORY_TERMS: dict[Category | None, dict[Language, list[str]]] = {
    "killed": {
        "en": ["killed", "kill", "kills", "killing", "killings", "dead", "death", "deaths",
               "death toll", "toll", "died", "die", "dying", "fatalities", "fatality",
               "lost their lives", "lost his life", "lost her life", "lives lost",
               "shot dead", "beaten to death", "tortured to death", "slain", "murdered", "massacred", "bodies", "perished",
               "martyrs", "martyred", "lives"],
        "fa": ["کشته", "کشته شدگان", "کشته شده", "کشته شد", "کشته شدند", "کشتند", "کشت",
               "کشتار", "کشتن", "جان باخت", "جان باختند", "جان باختگان", "جانباختگان",
               "جان باخته", "جان خود را از دست دادند", "جان سپردند", "جان سپرد",
               "به قتل رسیدند", "به قتل رساندند", "به قتل رسید", "قتل", "مرگ",
               "شهید", "شهدا", "فوت", "جسد", "اجساد", "جان خود را از دست داد"],
        "ar": ["قتل", "قتلت", "قتلوا", "قتلى", "قتيل", "قتيلا", "مقتل", "لقي حتفه",
               "لقوا حتفهم", "حتفهم", "شهيد", "شهداء", "شهيدا", "الوفيات", "وفاة", "توفي",
               "مصرع", "جثة", "جثث", "حصيلة القتلى"],
    },
    "executed": {
        "en": ["executed", "execute", "executes", "executing", "execution", "executions",
               "hanged", "hangings", "put to death"],
        "fa": ["اعدام", "اعدام شدند", "اعدام ها", "به دار آویخته", "حلق آویز"],
        "ar": ["أعدم", "أعدمت", "أعدموا", "إعدام", "إعدامات", "اعدام", "اعدامات"],
    },
    "wounded": {
        "en": ["wounded", "wounding", "wounds", "injured", "injuring", "injuries", "injury",
               "hurt", "maimed"],
        "fa": ["زخمی", "مجروح", "مجروحان", "مصدوم", "مصدومان", "جراحت", "زخم",
               "آسیب دیدند", "زخمی شدند"],
        "ar": ["أصيب", "أصيبوا", "جرح", "جرحى", "جريح", "جرحوا", "مصاب", "مصابين",
               "إصابة", "إصابات"],
    },
    "casualties": {
        "en": ["casualties", "casualty"],
        "fa": ["تلفات"],
        "ar": [],
    },
    "detained": {
        "en": ["detained", "detain", "detaining", "detention", "detentions", "detainees",
               "detainee", "arrested", "arrest", "arrests", "arresting", "imprisoned",
               "jailed", "into custody", "held in custody", "held without charge",
               "held incommunicado", "rounded up", *_DETENTION_PLACES["en"],
               "political prisoners", "political prisoner"],
        "fa": ["بازداشت", "بازداشت شدند", "بازداشت شدگان", "بازداشتی", "بازداشتی ها",
               "دستگیر", "دستگیری", "دستگیر شدگان", "دستگیرشدگان", "بازداشت شده",
               *_DETENTION_PLACES["fa"], "زندانی سیاسی", "زندانیان سیاسی"],
        "ar": ["اعتقل", "اعتقلت", "اعتقلوا", "اعتقال", "اعتقالات", "معتقل", "معتقلين",
               "احتجاز", "محتجز", "محتجزين", "توقيف", "أوقف", *_DETENTION_PLACES["ar"],
               "المعتقلين السياسيين", "معتقلين سياسيين"],
    },
    "disappeared": {
        "en": ["disappeared", "disappearance", "disappearances", "missing",
               "unaccounted for", "whereabouts unknown", "vanished"],
        "fa": ["ناپدید", "ناپدید شدند", "ناپدید شدگان", "ناپدیدسازی", "ناپدید سازی",
               "ناپدیدشدگان", "مفقود", "مفقودالاثر", "مفقودان", "مفقود شدند"],
        "ar": ["مفقود", "مفقودين", "المفقودين", "اختفاء", "مختفين", "مختفون", "اختفى",
               "اختفوا"],
    },
    "hostages": {
        "en": ["hostages", "hostage", "abducted", "kidnapped", "abductions", "kidnappings",
               "taken captive", "held captive", "captives"],
        "fa": ["گروگان", "گروگان ها", "ربوده", "ربوده شدند", "ربودند", "آدم ربایی"],
        "ar": ["رهينة", "رهائن", "مختطف", "مختطفين", "اختطف", "اختطفوا", "اختطاف"],
    },
    "displaced": {
        "en": ["displaced", "displacement", "fled", "flee", "fleeing",
               "forced from their homes", "forced to flee", "forced out of their homes",
               "driven from their homes", "refugees", "evicted", "evacuated", "idps",
               "homeless", "uprooted"],
        "fa": ["آواره", "آوارگان", "آواره شدند", "بی خانمان", "جابجا", "جابه جا",
               "گریختند", "گریخته", "فرار کردند", "مجبور به ترک", "ترک خانه", "پناهجو",
               "پناهجویان", "جابجا شدند"],
        "ar": ["نزح", "نزحوا", "نازح", "نازحين", "نزوح", "تهجير", "مهجرين", "فروا", "لاجئ",
               "لاجئين"],
    },
    "tortured": {
        "en": ["tortured", "torture", "torturing", "ill-treated", "ill-treatment"],
        "fa": ["شکنجه", "شکنجه شدند"],
        "ar": ["تعذيب", "عذبوا", "للتعذيب"],
    },
    "sentenced_to_death": {
        "en": ["sentenced to death", "death sentences", "death sentence", "condemned to death",
               "on death row", "death row",
               r"re:sentenced(?=[^.;]{0,40}\bto death\b)"],
        "fa": ["به اعدام محکوم", "محکوم به اعدام", "محکومان به اعدام", "حکم اعدام",
               "احکام اعدام"],
        "ar": ["حكم بالإعدام", "أحكام بالإعدام", "أحكام الإعدام", "بالإعدام"],
    },
    "attacks": {
        "en": ["attacks", "attack", "raids", "raid", "airstrikes", "air strikes",
               "air strike", "airstrike", "drone strikes", "strikes", "bombings",
               "incidents", "assaults", "explosions", "bombardments"],
        "fa": ["حمله", "حملات", "یورش", "بمباران", "انفجار", "حمله هوایی", "حملات هوایی",
               "تهاجم"],
        "ar": ["غارة", "غارات", "هجوم", "هجمات", "اعتداء", "اعتداءات"],
    },
    None: {
        "en": ["hunger strike", "hunger strikes", "death penalty", "age of", "years old",
               "year old", "died down", "missing out", "to death"],
        "fa": ["اعتصاب غذا", "مجازات اعدام"],
        "ar": ["عقوبة الإعدام", "إضراب عن الطعام"],
    },
}

# Nouns for people in a state ("300 detainees", "40 hostages"): the number's category
# unless a later word says what happened to them ("300 detainees ... disappeared").
# Places of detention are status words too: "tortured in detention" is torture.
STATUS_NOUNS: dict[Language, list[str]] = {
    "en": ["detainees", "detainee", "hostages", "hostage", "captives", "refugees", "idps",
           "political prisoners", "political prisoner", *_DETENTION_PLACES["en"]],
    "fa": ["بازداشت شدگان", "بازداشتی", "بازداشتی ها", "دستگیر شدگان", "دستگیرشدگان",
           "گروگان", "گروگان ها", "آوارگان", "پناهجو", "پناهجویان", "زندانی سیاسی",
           "زندانیان سیاسی", *_DETENTION_PLACES["fa"]],
    "ar": ["معتقل", "معتقلين", "محتجز", "محتجزين", "رهينة", "رهائن", "مختطفين", "نازحين",
           "لاجئين", "المعتقلين السياسيين", "معتقلين سياسيين", *_DETENTION_PLACES["ar"]],
}

# Event words do not name a count of persons: as the category of a number they are taken
# only from the number's own noun ("27 attacks") or from before it ("the strikes, 14 in
# total"), never from a later clause ("pulled 19 survivors ... after the strike").
EVENT_CATEGORIES = frozenset({"attacks"})

# Bound phrases written just before the number: (phrase, bound, strict, from_below).
# strict: "more than"/"fewer than" exclude the number; from_below: "nearly", "almost".
BOUND_TERMS: dict[Language, list[tuple[str, Bound, bool, bool]]] = {
    "en": [
        *[(p, "at_least", False, False) for p in (
            "at least", "at the very least", "no fewer than", "no less than",
            "not less than", "not fewer than", "a minimum of", "minimum of", "at minimum")],
        *[(p, "at_least", True, False) for p in (
            "more than", "over", "in excess of", "upwards of", "upward of", "above",
            "exceeds", "exceeded", "exceeding", "surpassed", "topped", "well over",
            "just over", "well above", "greater than", "beyond")],
        *[(p, "at_most", False, False) for p in (
            "up to", "as many as", "at most", "no more than", "not more than",
            "a maximum of", "maximum of", "as high as")],
        *[(p, "at_most", True, False) for p in (
            "fewer than", "less than", "under", "below", "just under")],
        *[(p, "about", False, False) for p in (
            "about", "around", "roughly", "approximately", "approx", "approx.", "some",
            "an estimated", "estimated", "circa", "ca.", "~", "an approximate",
            "in the region of", "something like", "on the order of", "the order of",
            "an estimate of", "some estimated")],
        *[(p, "about", False, True) for p in (
            "nearly", "almost", "close to", "approaching", "just short of", "near")],
    ],
    "fa": [
        *[(p, "at_least", False, False) for p in ("دست کم", "دستکم", "حداقل", "لااقل",
                                                  "کمینه")],
        *[(p, "at_least", True, False) for p in (
            "بیش از", "بیشتر از", "بیش تر از", "متجاوز از", "افزون بر", "فزون بر",
            "بالغ بر", "بالای", "بالاتر از")],
        *[(p, "at_most", False, False) for p in ("تا", "حداکثر", "حداکثر تا", "نهایتا")],
        *[(p, "at_most", True, False) for p in ("کمتر از", "کم تر از", "زیر")],
        *[(p, "about", False, False) for p in (
            "حدود", "حدودا", "در حدود", "تقریبا", "حوالی", "چیزی حدود", "چیزی در حدود",
            "حدودی")],
        *[(p, "about", False, True) for p in ("نزدیک به", "قریب به", "نزدیک")],
    ],
    "ar": [
        *[(p, "at_least", False, False) for p in ("ما لا يقل عن", "لا يقل عن",
                                                  "على الأقل")],
        *[(p, "at_least", True, False) for p in (
            "أكثر من", "ما يزيد عن", "ما يزيد على", "يزيد عن", "يزيد على", "يربو على")],
        *[(p, "at_most", False, False) for p in ("ما يصل إلى", "يصل إلى", "حتى",
                                                 "ما لا يزيد عن")],
        *[(p, "at_most", True, False) for p in ("أقل من",)],
        *[(p, "about", False, False) for p in (
            "نحو", "حوالي", "حوالى", "زهاء", "تقريبا", "ما يناهز", "يناهز")],
        *[(p, "about", False, True) for p in ("قرابة", "ما يقارب", "ما يقرب من", "يقارب")],
    ],
}
# Bound phrases written after the number (and its noun): "300 or more", "١٦٨ شخصا على الأقل".
POST_BOUND_TERMS: dict[Language, list[tuple[str, Bound, bool, bool]]] = {
    "en": [("or more", "at_least", False, False), ("and more", "at_least", False, False),
           ("plus", "at_least", True, False), ("+", "at_least", True, False),
           ("at least", "at_least", False, False), ("or so", "about", False, False),
           ("or fewer", "at_most", False, False), ("at most", "at_most", False, False)],
    "fa": [("و بیشتر", "at_least", False, False), ("به بالا", "at_least", False, False)],
    "ar": [("على الأقل", "at_least", False, False), ("تقريبا", "about", False, False)],
}

# Nouns for people: a number followed by one counts persons ("168 protesters").
PERSON_NOUNS: dict[Language, list[str]] = {
    "en": _words("""people persons person individuals civilians civilian protesters protestors
        demonstrators children child minors kids boys girls women men students pupils
        journalists reporters lawyers activists prisoners inmates members workers teachers
        fighters soldiers officers police policemen troops residents villagers bystanders
        passengers patients doctors nurses medics teenagers adolescents adults families
        households migrants victims others more citizens nationals dissidents farmers
        labourers laborers porters kolbars youths juveniles infants babies survivors men
        mourners clerics believers worshippers converts christians baha'is bahais
        opponents defenders guards staff employees relatives"""),
    "fa": _words("""نفر تن شخص فرد افراد شهروند شهروندان غیرنظامی غیرنظامیان معترض معترضان
        تظاهرکننده تظاهرکنندگان کودک کودکان نوجوان نوجوانان زن زنان مرد مردان دانشجو
        دانشجویان دانش آموز آموزان خبرنگار خبرنگاران روزنامه نگار نگاران وکیل وکلا فعال
        فعالان زندانی زندانیان عضو اعضای کارگر کارگران معلم معلمان مامور ماموران نیرو
        نیروی سرباز سربازان پلیس ساکن ساکنان روستایی روستاییان کولبر کولبران سوختبر
        بهایی بهاییان مهاجر مهاجران خانواده خانوار بیمار پزشک سرنشین سرنشینان مسافر
        مسافران قربانی قربانیان دیگر زندانی سیاسی"""),
    "ar": _words("""شخص شخصا أشخاص اشخاص مدني مدنيا مدنيين مدنيون طفل طفلا أطفال اطفال امرأة
        نساء رجل رجال متظاهر متظاهرا متظاهرين متظاهرون صحفي صحفيين ناشط ناشطين سجين
        سجناء عامل عمال مواطن مواطنا مواطنين سكان آخرين آخرون فلسطينيا فلسطينيين
        معتقلا قاصر قاصرا قاصرين"""),
}
# Nouns counted "as cases": "4,800 complaints of torture", "۳۵ مورد شکنجه".
CASE_NOUNS: dict[Language, list[str]] = {
    "en": _words("cases case complaints reports allegations instances counts"),
    "fa": _words("مورد موارد شکایت شکایات پرونده گزارش"),
    "ar": _words("حالة حالات حالة شكوى شكاوى"),
}
# Nouns a count of victims never has: a number followed by one is something else.
OTHER_NOUNS: dict[Language, list[str]] = {
    "en": _words("""cities city provinces towns villages countries districts hospitals schools
        prisons homes houses buildings vehicles cars rounds bullets shots lashes pages
        votes degrees kilometres kilometers km miles dollars euros pounds rials tomans
        percent articles times meters metres hours minutes seconds days weeks months years
        decades nights centuries kilograms kg tonnes tons shells rockets missiles"""),
    "fa": _words("""شهر شهرها استان استانها روستا روستاها کشور بیمارستان مدرسه مدارس زندان خانه
        خانه ها ساختمان خودرو گلوله ضربه شلاق صفحه رای درجه روز هفته ماه سال ساعت دقیقه
        کیلومتر دلار تومان ریال درصد ماده بند بار دهه قرن شب ثانیه متر کیلو"""),
    "ar": _words("""مدينة مدن محافظة قرية قرى دولة مستشفى مدرسة سجن منزل منازل مبنى سيارة رصاصة
        صفحة يوم أيام يوما أسبوع أسابيع شهر أشهر شهرا سنة سنوات عام أعوام عاما ساعة ساعات
        دقيقة دولار مرة مرات بالمئة"""),
}
# Words a number's noun phrase may run into without leaving it (verbs, prepositions).
FUNCTION_WORDS: dict[Language, list[str]] = {
    "en": _words("""were was are is be been being have has had will would may might could can
        of in on at by during from to for with and or but who whom whose that which
        reportedly allegedly also so since this last among including as while after
        before when where across into between over under them their total all
        altogether so-far each"""),
    "fa": _words("""و در از به را که تا با برای طی هم نیز توسط پس بر این آن همه همچنان هنوز
        شدند شده اند است بود بودند"""),
    "ar": _words("""في من على إلى الى عن و خلال منذ بين بينهم ب ل مع بعد قبل"""),
}

# Words before a number that make it a label, not a count ("Article 6", "ماده ۲۸۶").
LABEL_WORDS: dict[Language, list[str]] = {
    "en": _words("""article articles art section sections paragraph paragraphs para paras chapter
        page pages p pp rule rules resolution resolutions ward wards cell block case no
        nos number flight branch item annex footnote clause principle table figure fig
        law decree session volume vol issue verse line route highway code unit room
        bus protocol report station gate box platform camp sector zone grade class
        category level phase district region"""),
    "fa": _words("""ماده مواد بند تبصره اصل صفحه شماره پرونده شعبه قطعنامه اندرزگاه فصل بخش
        کلاسه بخشنامه سوله سالن ساعت منطقه فاز"""),
    "ar": _words("""المادة مادة الفقرة فقرة صفحة رقم القرار قرار البند بند الفصل"""),
}

MONTHS: dict[Language, list[str]] = {
    "en": _words("""january february march april may june july august september october november
        december jan feb mar apr jun jul aug sep sept oct nov dec"""),
    "fa": _words("""فروردین اردیبهشت خرداد تیر مرداد امرداد شهریور مهر آبان آذر دی بهمن اسفند
        ژانویه فوریه مارس آوریل مه می ژوئن ژوئیه جولای اوت آگوست سپتامبر اکتبر نوامبر
        دسامبر محرم صفر رمضان شوال"""),
    "ar": _words("""يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
        كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين"""),
}
# Words that mark a number as a year or a date ("in 2023", "سال ۱۴۰۱", "عام ١٩٨١").
YEAR_WORDS: dict[Language, list[str]] = {
    "en": _words("""in since of from until till by during year years before after the a as
        between circa early late mid end spring summer autumn fall winter"""),
    "fa": _words("سال سالهای سال های از در تا طی دهه اوایل اواخر اواسط پاییز تابستان"),
    "ar": _words("عام العام سنة منذ في حتى من خلال"),
}
# Nouns of episodes a number may be the year of: "کشتار ۶۷", "اعتراضات ۱۴۰۱", "1988 massacre".
EVENT_NOUNS: dict[Language, list[str]] = {
    "en": _words("""protests protest uprising massacre crackdown war conflict revolution
        demonstrations unrest offensive siege bombing battle clashes riots movement
        genocide invasion occupation fighting shelling election elections
        earthquake"""),
    "fa": ["اعتراضات", "اعتراض", "قیام", "کشتار", "جنبش", "جنگ", "سرکوب", "خیزش", "انقلاب",
           "درگیری", "درگیری ها", "تظاهرات", "شورش", "انتخابات", "گلوله باران", "بمباران"],
    "ar": ["الاحتجاجات", "احتجاجات", "الحرب", "حرب", "مجزرة", "المجزرة", "الانتفاضة",
           "انتفاضة", "الهجوم", "المواجهات", "مواجهات", "الاشتباكات", "الثورة", "القصف"],
}

# Where a claim is attributed. Verbs of reporting, after their subject.
REPORTING_VERBS: dict[Language, list[str]] = {
    "en": _words("""said says say reported reports report documented documents document recorded
        records verified verifies confirmed confirms estimated estimates estimate counted
        counts announced announces stated states told claimed claims found finds put puts
        acknowledged acknowledges concluded concludes insisted insists wrote writes
        registered received tallied tallies noted notes alleged alleges believes believe
        shows showed"""),
    "fa": ["اعلام کرد", "اعلام کرده", "اعلام کردند", "گزارش داد", "گزارش داده",
           "گزارش کرد", "گفت", "گفتند", "گفته است", "می گوید", "می گویند", "تخمین می زند",
           "تخمین زده", "برآورد کرده", "برآورد می کند", "ثبت کرده", "ثبت کرده اند",
           "تایید کرده", "تأیید کرده", "تایید کرد", "تأیید کرد", "خبر داد", "خبر داده",
           "نوشت", "مستند کرده", "دریافت کرده", "اعلام کرده است", "افزود", "شمارش کردند",
           "شمارش کرده", "شمارش کرد"],
    "ar": ["قالت", "قال", "أفادت", "أفاد", "ذكرت", "ذكر", "أعلنت", "أعلن", "وثقت", "وثق",
           "أكدت", "أكد", "أحصت", "رصدت", "سجلت"],
}
# Phrases before the claimant: "according to X", "به گزارش X", "وفقاً لـ X".
ATTRIBUTION_PREFIXES: dict[Language, list[str]] = {
    "en": ["according to", "as reported by", "as documented by", "figures from",
           "data from", "figures compiled by", "by the count of", "cited by"],
    "fa": ["به گزارش", "به گفته", "بنا بر گزارش", "بنابر گزارش", "بنا به گزارش",
           "بر اساس گزارش", "بر اساس برآورد", "بر اساس آمار", "براساس گزارش", "طبق گزارش",
           "طبق آمار", "به نقل از", "بنا به گفته", "بر پایه گزارش", "بنا بر آمار",
           "بنابر آمار", "به روایت", "طبق اعلام", "بر اساس اعلام"],
    "ar": ["وفقا ل", "وفقا لـ", "وفق", "بحسب", "حسب", "نقلا عن", "طبقا ل", "استنادا إلى"],
}


# ------------------------------------------------------------------ compiled forms

_LETTER = r"[^\W\d_]"
_AR_PREFIX = r"(?:و|ف|ب|ل|ال|وال|بال|فال|لل|ول|وب|ولل)?"
_AR_SUFFIX = r"(?:ون|ین|وا|ات|ا|ه|ها|هم)?"
_FA_SUFFIX = r"(?:ها|های|ان|اند|ند)?"


def _entry(term: str) -> str:
    if term.startswith("re:"):
        return term[3:]
    if term.endswith("*"):
        return re.escape(fold_term(term[:-1])).replace(r"\ ", r"\s+") + r"\w*"
    return re.escape(fold_term(term)).replace(r"\ ", r"\s+")


def terms_regex(terms: list[str], language: Language, *, affixes: bool = True) -> str:
    """An alternation of ``terms`` as whole words, longest first."""
    ordered = sorted(set(terms), key=lambda t: -len(fold_term(t.removeprefix("re:"))))
    body = "|".join(_entry(t) for t in ordered)
    if language == "ar" and affixes:
        return rf"(?<!{_LETTER}){_AR_PREFIX}(?:{body}){_AR_SUFFIX}(?!{_LETTER})"
    if language == "fa" and affixes:
        return rf"(?<!{_LETTER})(?:{body}){_FA_SUFFIX}(?!{_LETTER})"
    return rf"(?<!{_LETTER})(?:{body})(?!{_LETTER})"


def _category_regex(language: Language) -> tuple[re.Pattern[str], list[Category | None]]:
    entries = [(term, category) for category, by_language in CATEGORY_TERMS.items()
               for term in by_language[language]]
    entries.sort(key=lambda e: -len(fold_term(e[0].removeprefix("re:"))))
    groups = "|".join(f"(?P<c{i}>{_entry(term)})" for i, (term, _) in enumerate(entries))
    prefix, suffix = {"ar": (_AR_PREFIX, _AR_SUFFIX), "fa": ("", _FA_SUFFIX)}.get(
        language, ("", ""))
    pattern = rf"(?<!{_LETTER}){prefix}(?:{groups}){suffix}(?!{_LETTER})"
    return re.compile(pattern), [category for _, category in entries]


CATEGORY_RX = {language: _category_regex(language) for language in LANGUAGES}


def _folded_set(words: dict[Language, list[str]]) -> dict[Language, frozenset[str]]:
    return {language: frozenset(fold_term(w) for w in words[language]) for language in words}


PERSON_SET = _folded_set(PERSON_NOUNS)
STATUS_SET = _folded_set(STATUS_NOUNS)
CASE_SET = _folded_set(CASE_NOUNS)
OTHER_SET = _folded_set(OTHER_NOUNS)
FUNCTION_SET = _folded_set(FUNCTION_WORDS)
LABEL_SET = _folded_set(LABEL_WORDS)
MONTH_SET = _folded_set(MONTHS)
YEAR_WORD_SET = _folded_set(YEAR_WORDS)
EVENT_SET = _folded_set(EVENT_NOUNS)


def _bound_regex(terms: list[tuple[str, Bound, bool, bool]], language: Language, *,
                 before: bool) -> tuple[re.Pattern[str], dict[str, tuple[Bound, bool, bool]]]:
    table = {fold_term(p): (b, s, below) for p, b, s, below in terms}
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+")
                    for p in sorted(table, key=lambda p: -len(p)))
    left = rf"(?<!{_LETTER})" if language != "ar" else rf"(?<!{_LETTER})(?:و|ف)?"
    if before:  # at the end of the text before the number
        return re.compile(rf"{left}({body})\s*$"), table
    not_comparative = r"(?!\s*(?:than|از|من)(?![^\W\d_]))"  # "53 dead and more than 400"
    return (re.compile(rf"\s*({body})(?!{_LETTER}){not_comparative}"),  # .match(text, pos)
            table)


BOUND_RX = {language: _bound_regex(BOUND_TERMS[language], language, before=True)
            for language in LANGUAGES}
POST_BOUND_RX = {language: _bound_regex(POST_BOUND_TERMS[language], language, before=False)
                 for language in LANGUAGES}
