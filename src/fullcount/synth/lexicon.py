"""Name and place lexicons for the synthetic population, with their Latin spellings.

Each name line reads ``persian ; latin ; tags``.

* Persian: the parts of a compound name, separated by the joint the canonical spelling
  uses: ``+`` joined with nothing (محمدرضا), ``~`` a zero-width non-joiner (روح‌الله),
  ``_`` a space (زهرا سادات).
* Latin: the parts, separated by ``+`` (joined, next part lower-cased: Mohammadreza)
  or ``_`` (space); each part lists its spellings ``Canonical/Variant/…`` (a spelling may
  itself contain a hyphen or a space: Abol-Fazl, Abd al-Hamid).
  Further variants are derived by the rules in ``_RULES`` (the variation tables of how
  Iranian names are romanised: gh/q, ou/oo/u, ei/ey, -eh/-e, doubled consonants …).
* Tags: a region (``kurd``, ``baluch``, ``lur``, ``azeri``) where the name is typical of
  one community, ``sayyid`` for names borne (or mostly borne) by sayyid families.

Lines are in rough order of frequency; draws use Zipf-like weights by rank, so common
names repeat and distinct people share full names, as in real lists. Beyond the listed
family names, a long tail is derived from given names and towns with the usual endings
(-ی, -یان, -زاده, -پور, -نژاد, …), as most Iranian family names were formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

ZWNJ = "\u200c"

# Letters that never join to the following letter: after them a compound is written
# joined with nothing; after any other letter the standard spelling uses a ZWNJ.
NON_JOINING = set("اآأإدذرزژوؤ")


@dataclass(frozen=True)
class Spelling:
    """The Latin spellings of one name part; ``forms[0]`` is the canonical one."""

    forms: tuple[str, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class NameEntry:
    """One given name or family name in both scripts."""

    fa_parts: tuple[str, ...]
    fa_joints: tuple[str, ...]
    la_parts: tuple[Spelling, ...]
    la_joints: tuple[str, ...]
    region: str = ""
    sayyid: bool = False

    @cached_property
    def fa(self) -> str:
        return join_parts(self.fa_parts, self.fa_joints)

    @cached_property
    def la(self) -> str:
        return join_latin([p.forms[0] for p in self.la_parts], self.la_joints)


def join_parts(parts: tuple[str, ...] | list[str], joints: tuple[str, ...] | list[str]) -> str:
    out = parts[0]
    for joint, part in zip(joints, parts[1:]):
        out += joint + part
    return out


def join_latin(parts: list[str], joints: tuple[str, ...] | list[str]) -> str:
    out = parts[0]
    for joint, part in zip(joints, parts[1:]):
        out += joint + (part.lower() if joint == "" else part)
    return out


# --------------------------------------------------------------------------------------
# Derived Latin variants: (pattern, replacement, weight). Each rule is applied on its own
# to the lower-cased canonical form; a rule that does not change the form adds nothing.
_RULES: tuple[tuple[str, str, float], ...] = (
    (r"ou", "oo", 0.6),
    (r"ou", "u", 0.5),
    (r"oo", "ou", 0.5),
    (r"gh", "q", 0.6),
    (r"^q", "gh", 0.4),
    (r"ei(?!$)", "ey", 0.6),
    (r"ey(?!$)", "ei", 0.6),
    (r"ei(?!$)", "ai", 0.2),
    (r"eh$", "e", 0.7),
    (r"eh$", "a", 0.15),
    (r"ss", "s", 0.5),
    (r"mm", "m", 0.5),
    (r"bb", "b", 0.4),
    (r"jj", "j", 0.4),
    (r"kk", "k", 0.4),
    (r"aei$", "aee", 0.5),
    (r"aei$", "aie", 0.3),
    (r"aei$", "ai", 0.3),
    (r"aei$", "ayi", 0.2),
    (r"([^aeiou])i$", r"\1y", 0.15),
    (r"^e([bsr])", r"i\1", 0.3),
    (r"^mo([hsrj])", r"mu\1", 0.3),
    (r"zh", "j", 0.3),
    (r"kh", "x", 0.05),
    (r"^j", "dj", 0.05),
    (r"^sh", "ch", 0.05),
    (r"v", "w", 0.1),
    (r"([^aeiou])i([bdjklmnrst])$", r"\1ee\2", 0.2),
)

_CANONICAL_WEIGHT = 4.0
_LISTED_WEIGHT = 1.0


def _spelling(spec: str) -> Spelling:
    listed = [s.strip() for s in spec.split("/") if s.strip()]
    forms: list[str] = []
    weights: list[float] = []

    def add(form: str, weight: float) -> None:
        if form and form not in forms:
            forms.append(form)
            weights.append(weight)

    add(listed[0], _CANONICAL_WEIGHT)
    for form in listed[1:]:
        add(form, _LISTED_WEIGHT)
    base = listed[0].lower()
    for pattern, repl, weight in _RULES:
        derived = re.sub(pattern, repl, base)
        if derived != base:
            add(derived[:1].upper() + derived[1:], weight)
    return Spelling(tuple(forms), tuple(weights))


_FA_JOINT = {"+": "", "~": ZWNJ, "_": " "}
_LA_JOINT = {"+": "", "_": " "}


def _split(text: str, joints: dict[str, str]) -> tuple[list[str], list[str]]:
    marks = "[" + re.escape("".join(joints)) + "]"
    parts = re.split(marks, text)
    return [p.strip() for p in parts], [joints[m] for m in re.findall(marks, text)]


def _parse(block: str) -> tuple[NameEntry, ...]:
    entries = []
    for line in block.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(";")]
        fa, la = fields[0], fields[1]
        tags = [t.strip() for t in fields[2].split(",")] if len(fields) > 2 else []
        fa_parts, fa_joints = _split(fa, _FA_JOINT)
        la_parts, la_joints = _split(la, _LA_JOINT)
        region = next((t for t in tags if t in REGIONS), "")
        entries.append(
            NameEntry(
                tuple(fa_parts),
                tuple(fa_joints),
                tuple(_spelling(p) for p in la_parts),
                tuple(la_joints),
                region=region,
                sayyid="sayyid" in tags,
            )
        )
    return tuple(entries)


REGIONS = ("kurd", "baluch", "lur", "azeri")

_MALE = """
محمد ; Mohammad/Mohamad/Muhammad/Mohammed/Mohamed
علی ; Ali
حسین ; Hossein/Hosein/Hussein/Hossain/Husayn/Hoseyn
رضا ; Reza/Rida/Ridha
مهدی ; Mehdi/Mahdi/Mehdy
امیر ; Amir/Ameer
محمد+رضا ; Mohammad/Mohamad/Muhammad+Reza
امیر+حسین ; Amir+Hossein/Hosein/Hussein
علی+رضا ; Ali+Reza
حمید ; Hamid/Hameed
مجید ; Majid/Madjid/Majeed
سعید ; Saeed/Saeid/Said/Saied
جواد ; Javad/Jawad/Djavad
حسن ; Hassan/Hasan
ابو+الفضل ; Abolfazl/Abolfazel/Abulfazl/Abolfazal/Abol-Fazl
امین ; Amin/Ameen
مصطفی ; Mostafa/Mustafa/Moustafa
مرتضی ; Morteza/Murtaza/Mortaza
عباس ; Abbas/Abas
احمد ; Ahmad/Ahmed
محسن ; Mohsen/Muhsin
یوسف ; Yousef/Yusef/Yousof/Youssef/Yusuf
ابراهیم ; Ebrahim/Ibrahim/Ebraheem
اسماعیل ; Esmaeil/Esmail/Ismail/Esmaeel/Esmaiel
سجاد ; Sajjad/Sajad
میلاد ; Milad
محمد+علی ; Mohammad+Ali
علی~اکبر ; Ali+Akbar
غلام+رضا ; Gholam/Qolam+Reza
روح~الله ; Rouhollah/Ruhollah/Rohollah/Rouhallah
حمزه ; Hamzeh/Hamze/Hamza
کیان ; Kian/Kiyan
آرمان ; Arman
پویا ; Pouya/Pooya/Puya
کوروش ; Kourosh/Koorosh/Kurosh
بهنام ; Behnam
سینا ; Sina
نوید ; Navid/Naveed
وحید ; Vahid/Wahid
مهران ; Mehran
فرزاد ; Farzad
بهزاد ; Behzad
حامد ; Hamed
صادق ; Sadegh/Sadeq/Sadek
قاسم ; Ghasem/Qasem/Ghassem/Kasem
جعفر ; Jafar/Ja'far/Jaafar/Djafar
کاظم ; Kazem/Kadhim/Kazim
یاسر ; Yaser/Yasser/Yasir
مجتبی ; Mojtaba/Mujtaba
هادی ; Hadi
عرفان ; Erfan/Irfan
آرین ; Arian/Aryan
امید ; Omid/Omeed
پژمان ; Pejman/Pezhman
شهرام ; Shahram
سامان ; Saman
رامین ; Ramin
داود ; Davoud/Davood/Dawood/Davud
نادر ; Nader
اکبر ; Akbar
اصغر ; Asghar/Asqar
خلیل ; Khalil
رسول ; Rasoul/Rasool/Rasul
منصور ; Mansour/Mansoor/Mansur
محمود ; Mahmoud/Mahmood/Mahmud
عبد+الله ; Abdollah/Abdullah/Abdolah/Abdulla
عبد+الکریم ; Abdolkarim/Abdulkarim/Abdol-Karim
نیما ; Nima
دانیال ; Danial/Daniyal/Daniel
سیاوش ; Siavash/Siyavash/Siavosh
بهروز ; Behrouz/Behrooz/Behruz
فرهاد ; Farhad
کامران ; Kamran
مسعود ; Masoud/Masood/Masud/Mas'ud
ناصر ; Naser/Nasser
یونس ; Younes/Yunes/Younis
عادل ; Adel
طاها ; Taha
یاسین ; Yasin/Yaseen
متین ; Matin/Mateen
آرشام ; Arsham
ماهان ; Mahan
محمد+جواد ; Mohammad+Javad
محمد+حسین ; Mohammad+Hossein
محمد+مهدی ; Mohammad+Mehdi/Mahdi
امیر+محمد ; Amir+Mohammad
علی~اصغر ; Ali+Asghar
محمد+امین ; Mohammad+Amin
محمد+صادق ; Mohammad+Sadegh
مهرداد ; Mehrdad
کاوه ; Kaveh/Kave
بهمن ; Bahman
بهرام ; Bahram
جمال ; Jamal
کمال ; Kamal
فرشاد ; Farshad
سهراب ; Sohrab
بابک ; Babak
کیوان ; Keyvan/Kayvan/Keivan
پیمان ; Peyman/Payman/Peiman
مازیار ; Maziar/Mazyar
تقی ; Taghi/Taqi
نقی ; Naghi/Naqi
ولی ; Vali/Wali
کریم ; Karim/Kareem
رحیم ; Rahim/Raheem
رحمان ; Rahman
جلال ; Jalal/Djalal
چنگیز ; Changiz/Tchanguiz/Chengiz
مهرشاد ; Mehrshad
شایان ; Shayan
میثم ; Meysam/Meisam/Maytham
اشکان ; Ashkan
پرهام ; Parham
سپهر ; Sepehr
علی+محمد ; Ali+Mohammad
حبیب ; Habib
سلمان ; Salman
قادر ; Ghader/Qader
رشید ; Rashid/Rasheed
یحیی ; Yahya
عارف ; Aref
فریدون ; Fereydoun/Fereidoun/Fereydoon
صمد ; Samad
موسی ; Mousa/Musa/Moosa
عیسی ; Eisa/Isa/Issa
ایوب ; Ayoub/Ayub/Ayoob
شاهو ; Shaho ; kurd
هیوا ; Hiva/Hiwa ; kurd
ریبوار ; Rebwar/Ribvar/Rebvar ; kurd
هیمن ; Hemin/Himan ; kurd
دیاکو ; Diako/Diyako ; kurd
آسو ; Aso ; kurd
زانیار ; Zanyar/Zaniar ; kurd
آوات ; Avat/Awat ; kurd
فواد ; Foad/Fuad ; kurd
صلاح~الدین ; Salahaddin/Salaheddin/Salahuddin ; kurd
آکو ; Ako ; kurd
عبد+الحمید ; Abdolhamid/Abdulhamid/Abdol-Hamid/Abd al-Hamid ; baluch
عبد+الغفور ; Abdolghafour/Abdulghafoor/Abdolghafur ; baluch
عبد+الملک ; Abdolmalek/Abdulmalik ; baluch
عبد+الواحد ; Abdolvahed/Abdulwahid ; baluch
یعقوب ; Yaghoub/Yaqub/Yaghoob ; baluch
عثمان ; Osman/Othman/Usman ; baluch
عمر ; Omar/Umar ; baluch
زکریا ; Zakaria/Zakariya ; baluch
جاوید ; Javid/Javed ; baluch
دلاور ; Delavar/Dilawar ; lur
کرم ; Karam ; lur
ستار ; Sattar/Satar ; azeri
آیدین ; Aydin/Aidin ; azeri
ایلقار ; Ilghar/Ilqar ; azeri
"""

_FEMALE = """
فاطمه ; Fatemeh/Fateme/Fatima/Fatimah
زهرا ; Zahra
مریم ; Maryam/Mariam
معصومه ; Masoumeh/Masoomeh/Ma'soumeh/Masume
زینب ; Zeinab/Zaynab/Zeynab
سارا ; Sara/Sarah
نرگس ; Narges
مهسا ; Mahsa
نیکا ; Nika
سارینا ; Sarina
حدیث ; Hadis/Hadith
غزاله ; Ghazaleh/Ghazale/Qazaleh
مینو ; Minoo/Minou/Minu
نسرین ; Nasrin/Nasreen
لیلا ; Leila/Leyla/Layla
الهه ; Elaheh/Elahe
سمیرا ; Samira/Sameera
شیرین ; Shirin/Chirine/Shireen
نگین ; Negin
ژیلا ; Zhila/Jila/Gila
آیدا ; Aida/Ayda
ستاره ; Setareh/Setare
پریسا ; Parisa
مهناز ; Mahnaz
سمانه ; Samaneh/Samane
طاهره ; Tahereh/Tahere
خدیجه ; Khadijeh/Khadije/Khadija
اکرم ; Akram
اعظم ; Azam/A'zam
رقیه ; Roghayeh/Roqayeh/Roghaye
کوثر ; Kowsar/Kosar/Kawsar
فرشته ; Fereshteh/Fereshte
شیما ; Shima
نازنین ; Nazanin
نازنین_زهرا ; Nazanin_Zahra
آتنا ; Atena/Athena
هستی ; Hasti
یلدا ; Yalda
مرضیه ; Marzieh/Marziyeh/Marzie
منیژه ; Manizheh/Manijeh
سکینه ; Sakineh/Sakine
صدیقه ; Sedigheh/Sediqeh/Sedighe
رویا ; Roya/Roia
مژگان ; Mojgan/Mozhgan
بهاره ; Bahareh/Bahare
ریحانه ; Reyhaneh/Reihaneh/Reyhane
محدثه ; Mohaddeseh/Mohadeseh
ملیکا ; Melika/Malika
آسیه ; Asieh/Asiyeh
عاطفه ; Atefeh/Atefe
سپیده ; Sepideh/Sepide
فریبا ; Fariba
نسیم ; Nasim/Naseem
کیمیا ; Kimia/Kimiya
ترانه ; Taraneh/Tarane
نیلوفر ; Niloufar/Niloofar/Nilufar
شهلا ; Shahla
پروین ; Parvin/Parveen
نگار ; Negar
سحر ; Sahar
مهتاب ; Mahtab
مائده ; Maedeh/Maede/Ma'edeh
هانیه ; Hanieh/Haniyeh
آمنه ; Ameneh/Amena
ملیحه ; Malihe/Malihah/Maliheh
زهرا_سادات ; Zahra_Sadat ; sayyid
فاطمه_سادات ; Fatemeh_Sadat ; sayyid
مریم_سادات ; Maryam_Sadat ; sayyid
ژینا ; Zhina/Jina ; kurd
هانا ; Hana/Hanna ; kurd
شیلان ; Shilan ; kurd
گلاره ; Gelareh/Gelare ; kurd
روناک ; Ronak ; kurd
آوین ; Avin/Awin ; kurd
عایشه ; Aisha/Ayesheh/Aysha ; baluch
بی~بی ; Bibi ; baluch
"""

# Simple family names. Compound ones (…زاده, …پور, …نژاد, میر…) are built below.
_FAMILY = """
محمدی ; Mohammadi/Muhammadi/Mohamadi
حسینی ; Hosseini/Hoseini/Husseini/Hosseyni/Husaini ; sayyid
احمدی ; Ahmadi
رضایی ; Rezaei/Rezaee/Rezaie/Rezayi/Rezai
موسوی ; Mousavi/Musavi/Moosavi/Mousawi ; sayyid
کریمی ; Karimi
جعفری ; Jafari/Ja'fari/Djafari
رحیمی ; Rahimi
هاشمی ; Hashemi ; sayyid
قاسمی ; Ghasemi/Ghassemi/Qasemi/Qassemi/Kasemi/Gasemi
صادقی ; Sadeghi/Sadeqi
حیدری ; Heidari/Heydari/Haidari
کاظمی ; Kazemi/Kadhimi ; sayyid
اکبری ; Akbari
نوری ; Nouri/Noori/Nuri
امینی ; Amini
عباسی ; Abbasi/Abasi
نجفی ; Najafi
مرادی ; Moradi/Muradi
سلیمانی ; Soleimani/Soleymani/Sulaimani
ابراهیمی ; Ebrahimi/Ibrahimi
اسماعیلی ; Esmaeili/Esmaili/Ismaili
خسروی ; Khosravi/Xosravi
یوسفی ; Yousefi/Yusefi/Yousfi
طاهری ; Taheri
باقری ; Bagheri/Baqeri
شریفی ; Sharifi
ملکی ; Maleki
نظری ; Nazari
قربانی ; Ghorbani/Qorbani
رستمی ; Rostami/Rustami
فرجی ; Faraji
کرمی ; Karami
عزیزی ; Azizi
جمالی ; Jamali
سلطانی ; Soltani/Sultani
زارعی ; Zarei/Zare'i/Zareei
میرزایی ; Mirzaei/Mirzaee/Mirzayi
طباطبایی ; Tabatabaei/Tabatabai ; sayyid
فتحی ; Fathi
شیرازی ; Shirazi/Chirazi
تهرانی ; Tehrani
اصفهانی ; Esfahani/Isfahani
کرمانی ; Kermani
رحمانی ; Rahmani
حسنی ; Hassani/Hasani
علوی ; Alavi/Alawi ; sayyid
بهرامی ; Bahrami
گودرزی ; Goudarzi/Goodarzi/Gudarzi
کاویانی ; Kaviani/Kavyani
دهقان ; Dehghan/Dehqan
صالحی ; Salehi
توکلی ; Tavakoli/Tavakkoli
یزدانی ; Yazdani
رنجبر ; Ranjbar
آزادی ; Azadi
مختاری ; Mokhtari
منصوری ; Mansouri/Mansoori
کیانی ; Kiani/Kiyani
فاضلی ; Fazeli
نعمتی ; Nemati/Ne'mati
شجاعی ; Shojaei/Shojaee
بابایی ; Babaei/Babaee/Babayi
عسگری ; Asgari/Askari
زمانی ; Zamani
امیری ; Amiri
افشار ; Afshar
شاملو ; Shamlou/Shamloo
اسدی ; Asadi
ایمانی ; Imani/Eimani
فلاحی ; Fallahi/Falahi
نادری ; Naderi
پاکزاد ; Pakzad
کاظمیان ; Kazemian
حسینیان ; Hosseinian ; sayyid
کریمیان ; Karimian
رحیمیان ; Rahimian
احمدیان ; Ahmadian
رسولی ; Rasouli/Rasooli ; kurd
قادری ; Ghaderi/Qaderi ; kurd
ویسی ; Veisi/Weisi/Veysi ; kurd
خضری ; Khezri/Khedri ; kurd
لطفی ; Lotfi ; kurd
مصطفایی ; Mostafaei/Mostafaee ; kurd
پیرانی ; Pirani ; kurd
شیخی ; Sheikhi/Sheykhi ; kurd
فتاحی ; Fattahi/Fatahi ; kurd
ریگی ; Rigi ; baluch
شه~بخش ; Shahbakhsh/Shah Bakhsh ; baluch
بلوچ ; Baluch/Balouch/Baloch ; baluch
نارویی ; Narouei/Naroui ; baluch
براهویی ; Brahouei/Barahouei ; baluch
گمشادزهی ; Gomshadzehi/Gomshadzahi ; baluch
ملازهی ; Mollazehi/Mollazahi ; baluch
دهواری ; Dehvari/Dehwari ; baluch
سرگلزایی ; Sargolzaei/Sargolzayi ; baluch
شهنوازی ; Shahnavazi ; baluch
جدگال ; Jadgal ; baluch
بیرانوند ; Beiranvand/Biranvand ; lur
کاکاوند ; Kakavand ; lur
سپهوند ; Sepahvand ; lur
میرزاوند ; Mirzavand ; lur
ملکشاهی ; Malekshahi ; lur
بختیاری ; Bakhtiari/Bakhtiyari ; lur
بیگدلی ; Beigdeli/Bigdeli ; azeri
آذری ; Azari/Azeri ; azeri
قره~باغی ; Gharebaghi/Qarabaghi ; azeri
ترکمان ; Torkaman/Turkman ; azeri
"""

# Stems for compound family names, with the suffixes each takes: z = -زاده, p = -پور,
# n = -نژاد. Persian stem ; Latin stem ; suffix letters.
_STEMS = """
حسن ; Hassan/Hasan ; zpn
علی ; Ali ; zpn
رضا ; Reza ; zpn
حسین ; Hossein/Hosein ; zpn
محمد ; Mohammad/Mohamad ; zp
جعفر ; Jafar ; zp
قاسم ; Ghasem/Qasem ; zp
عباس ; Abbas/Abas ; zp
کریم ; Karim ; zp
رحیم ; Rahim ; z
تقی ; Taghi/Taqi ; z
نقی ; Naghi ; z
ولی ; Vali ; z
یوسف ; Yousef/Yusef ; z
قلی ; Gholi/Qoli ; z
ابراهیم ; Ebrahim ; zp
اسماعیل ; Esmaeil/Esmail ; z
امین ; Amin ; zp
حیدر ; Heidar/Heydar ; z
نجف ; Najaf ; z
صادق ; Sadegh/Sadeq ; p
مهدی ; Mehdi/Mahdi ; p
احمدی ; Ahmadi ; n
محمدی ; Mohammadi ; n
کریمی ; Karimi ; n
"""

_SUFFIXES = {
    "z": ("زاده", "zadeh/zade/zada"),
    "p": ("پور", "pour/poor/pur"),
    "n": ("نژاد", "nejad/nezhad/nejhad"),
}

_MIR = """
حسینی ; Hosseini/Hoseini
موسوی ; Mousavi/Musavi
باقری ; Bagheri
جعفری ; Jafari
هاشمی ; Hashemi
"""


def _compound_families() -> tuple[NameEntry, ...]:
    """The hand-picked common compounds: stems of ``_STEMS`` with their suffixes, and Mir-."""
    entries = []
    for line in _STEMS.strip().splitlines():
        fa, la, codes = (f.strip() for f in line.split(";"))
        for code in codes:
            suffix_fa, suffix_la = _SUFFIXES[code]
            entries.append(_compound(fa, _spelling(la), suffix_fa, suffix_la))
    for line in _MIR.strip().splitlines():
        fa, la = (f.strip() for f in line.split(";"))
        entries.append(
            NameEntry(
                ("میر", fa), ("",), (_spelling("Mir"), _spelling(la)), ("",), sayyid=True,
            )
        )
    return tuple(entries)


def _compound(stem_fa: str, stem_la: Spelling, suffix_fa: str, suffix_la: str) -> NameEntry:
    joint = "" if stem_fa[-1] in NON_JOINING else ZWNJ
    return NameEntry((stem_fa, suffix_fa), (joint,), (stem_la, _spelling(suffix_la)), ("",))


# The long tail: family names derived from given names and towns, as most Iranian family
# names are (حمیدی, حمیدیان, حمیدزاده, حمیدپور … ; تبریزی, رشتی …).
# (Persian suffix, Latin suffix spellings, weight relative to the stem, compound?)
_DERIVATIONS = (
    ("ی", "i", 1.0, False),
    ("یان", "ian/iyan", 0.15, False),
    ("زاده", "zadeh/zade/zada", 0.3, True),
    ("پور", "pour/poor/pur", 0.25, True),
    ("نژاد", "nejad/nezhad", 0.1, True),
    ("فر", "far", 0.05, True),
    ("نیا", "nia/niya", 0.05, True),
    ("خانی", "khani", 0.04, True),
    ("دوست", "doust/doost/dust", 0.03, True),
    ("وند", "vand/wand", 0.03, True),
    ("لو", "lou/loo/lu", 0.03, True),
)
_VOWELS = "aeiou"


def _glued(stem: Spelling, suffix: str) -> Spelling:
    """Spellings of stem + suffix written as one word (Hamid + i = Hamidi)."""
    stems = [f for f in stem.forms if "'" not in f and " " not in f] or [stem.forms[0]]
    endings = suffix.split("/")
    return _spelling("/".join(f + e for e in endings for f in stems))


def _derived_families(given: tuple[NameEntry, ...], towns: tuple[Town, ...],
                      ) -> tuple[list[NameEntry], list[float]]:
    entries: list[NameEntry] = []
    weights: list[float] = []
    stem_weights = zipf_weights(len(given), *GIVEN_ZIPF)
    for entry, stem_w in zip(given, stem_weights):
        if len(entry.fa_parts) > 1 or entry.region or entry.sayyid:
            continue
        fa, la = entry.fa_parts[0], entry.la_parts[0]
        canon = la.forms[0]
        for suffix_fa, suffix_la, factor, compound in _DERIVATIONS:
            if compound:
                entries.append(_compound(fa, la, suffix_fa, suffix_la))
            elif fa[-1] not in "اوهیآ" and canon[-1] not in _VOWELS:
                entries.append(NameEntry((fa + suffix_fa,), (), (_glued(la, suffix_la),), ()))
            elif fa[-1] == "ا" and canon[-1] == "a" and suffix_fa == "ی":
                entries.append(NameEntry((fa + "یی",), (), (_glued(la, "ei"),), ()))
            else:
                continue
            weights.append(stem_w * factor)
    for town in towns:
        fa, la = town.fa, town.la[0]
        if " " in fa or "\u200c" in fa or " " in la or fa[-1] in "اوهیآ" or la[-1] in _VOWELS:
            continue
        entries.append(NameEntry((fa + "ی",), (), (_glued(_spelling("/".join(town.la)), "i"),),
                                 (), region=town.region))
        weights.append(0.02 * town.weight)
    return entries, weights


def _families() -> tuple[tuple[NameEntry, ...], tuple[float, ...]]:
    """All family names, without duplicates, and their relative frequencies."""
    simple = _parse(_FAMILY)
    compound = _compound_families()
    simple_w = zipf_weights(len(simple), *FAMILY_ZIPF)
    mid = simple_w[len(simple_w) // 3]
    derived, derived_w = _derived_families(MALE_NAMES, TOWNS)
    entries: list[NameEntry] = []
    weights: list[float] = []
    seen: set[str] = set()
    for entry, weight in zip(
        [*simple, *compound, *derived],
        [*simple_w, *[mid] * len(compound), *[w * DERIVED_SCALE for w in derived_w]],
    ):
        if entry.fa in seen:
            continue
        seen.add(entry.fa)
        entries.append(entry)
        weights.append(weight)
    return tuple(entries), tuple(weights)


# Frequency curves (exponent, offset), tuned so that, as in real lists, about one person
# in six shares their full name with someone else at n=5,000, and most people do at
# n=50,000 (the most common given name is borne by about 4 % of men).
GIVEN_ZIPF = (0.8, 5.0)
FAMILY_ZIPF = (0.3, 30.0)
DERIVED_SCALE = 2.5


def zipf_weights(count: int, exponent: float = 1.0, offset: float = 2.0) -> list[float]:
    return [1.0 / (rank + offset) ** exponent for rank in range(count)]


MALE_NAMES: tuple[NameEntry, ...] = _parse(_MALE)
FEMALE_NAMES: tuple[NameEntry, ...] = _parse(_FEMALE)


# --------------------------------------------------------------------------------------
# Titles, epithets and the "child of" phrase, in both scripts.
TITLE_SAYYID_M_FA = "سید"
TITLE_SAYYID_F_FA = "سیده"
TITLE_SAYYID_M_LA = ("Seyed", "Seyyed", "Sayyid", "Sayed", "Syed", "S.")
TITLE_SAYYID_F_LA = ("Seyedeh", "Seyyedeh", "Sayyida", "Syeda")
TITLE_HAJ_FA = ("حاج", "حاجی")
TITLE_HAJ_LA = ("Haj", "Hajj", "Haji", "Hajji", "Hadj")
EPITHET_MARTYR_FA = "شهید"
CHILD_OF_FA = ("فرزند", "فرزند:")
SON_OF_LA = ("son of", "s/o", "son of")
DAUGHTER_OF_LA = ("daughter of", "d/o", "daughter of")
UNNAMED_FA = ("ناشناس", "نامشخص", "مجهول الهویه")
UNNAMED_LA_M = ("Unidentified man", "Unknown male", "Unidentified")
UNNAMED_LA_F = ("Unidentified woman", "Unknown female", "Unidentified")


# --------------------------------------------------------------------------------------
# Places. Province line: key ; Persian ; Latin spellings. Town line: province key ;
# Persian ; Latin spellings ; weight ; region. The first town of a province is its centre.


@dataclass(frozen=True)
class Province:
    key: str
    fa: str
    la: tuple[str, ...]


@dataclass(frozen=True)
class Town:
    province: int
    fa: str
    la: tuple[str, ...]
    weight: float
    region: str


_PROVINCES = """
tehran ; تهران ; Tehran/Teheran/Tehran Province
alborz ; البرز ; Alborz
qazvin ; قزوین ; Qazvin/Ghazvin/Kazvin
qom ; قم ; Qom/Ghom
markazi ; مرکزی ; Markazi/Central
zanjan ; زنجان ; Zanjan
gilan ; گیلان ; Gilan/Guilan
mazandaran ; مازندران ; Mazandaran/Mazanderan
golestan ; گلستان ; Golestan
razavi_khorasan ; خراسان رضوی ; Razavi Khorasan/Khorasan Razavi/Khorasan-e Razavi
north_khorasan ; خراسان شمالی ; North Khorasan/Khorasan Shomali
south_khorasan ; خراسان جنوبی ; South Khorasan/Khorasan Jonoubi
semnan ; سمنان ; Semnan
isfahan ; اصفهان ; Isfahan/Esfahan/Ispahan
yazd ; یزد ; Yazd/Yezd
kerman ; کرمان ; Kerman
hormozgan ; هرمزگان ; Hormozgan
fars ; فارس ; Fars/Pars
bushehr ; بوشهر ; Bushehr/Boushehr/Bushire
khuzestan ; خوزستان ; Khuzestan/Khouzestan/Khuzistan
kohgiluyeh ; کهگیلویه و بویراحمد ; Kohgiluyeh and Boyer-Ahmad/Kohgiluyeh & Boyer-Ahmad/Kohkiloyeh
chaharmahal ; چهارمحال و بختیاری ; Chaharmahal and Bakhtiari/Chahar Mahal & Bakhtiari/Chaharmahal
lorestan ; لرستان ; Lorestan/Luristan
ilam ; ایلام ; Ilam/Eelam
kermanshah ; کرمانشاه ; Kermanshah/Kermanshahan
kurdistan ; کردستان ; Kurdistan/Kordestan/Kurdestan
hamadan ; همدان ; Hamadan/Hamedan
west_azarbaijan ; آذربایجان غربی ; West Azerbaijan/West Azarbaijan/Azarbaijan-e Gharbi
east_azarbaijan ; آذربایجان شرقی ; East Azerbaijan/East Azarbaijan/Azarbaijan-e Sharghi
ardabil ; اردبیل ; Ardabil/Ardebil
sistan_baluchestan ; سیستان و بلوچستان ; Sistan and Baluchestan/Sistan & Baluchistan/Baluchestan
"""

_TOWNS = """
tehran ; تهران ; Tehran/Teheran ; 10
tehran ; اسلامشهر ; Eslamshahr/Islamshahr/Eslam Shahr ; 1.5
tehran ; شهریار ; Shahriar/Shahriyar ; 1
tehran ; قرچک ; Gharchak/Qarchak ; 0.8
tehran ; ورامین ; Varamin ; 0.8
tehran ; پاکدشت ; Pakdasht ; 0.6
tehran ; رباط‌کریم ; Robat Karim/Robatkarim ; 0.5
alborz ; کرج ; Karaj ; 4
alborz ; فردیس ; Fardis ; 0.8
alborz ; نظرآباد ; Nazarabad ; 0.4
qazvin ; قزوین ; Qazvin/Ghazvin ; 1.5
qazvin ; تاکستان ; Takestan ; 0.3
qom ; قم ; Qom/Ghom ; 1
markazi ; اراک ; Arak ; 1
markazi ; ساوه ; Saveh/Save ; 0.4
zanjan ; زنجان ; Zanjan ; 0.8 ; azeri
zanjan ; ابهر ; Abhar ; 0.3 ; azeri
gilan ; رشت ; Rasht ; 2
gilan ; لاهیجان ; Lahijan ; 0.6
gilan ; بندر انزلی ; Bandar Anzali/Anzali/Bandar-e Anzali ; 0.5
mazandaran ; ساری ; Sari ; 1
mazandaran ; آمل ; Amol ; 1.2
mazandaran ; بابل ; Babol ; 1.2
mazandaran ; نوشهر ; Nowshahr/Noshahr ; 0.4
golestan ; گرگان ; Gorgan ; 1
golestan ; گنبد کاووس ; Gonbad-e Kavus/Gonbad Kavoos/Gonbad ; 0.5
razavi_khorasan ; مشهد ; Mashhad/Mashad/Meshed ; 3
razavi_khorasan ; نیشابور ; Neyshabur/Nishapur/Neishabour ; 0.5
razavi_khorasan ; سبزوار ; Sabzevar ; 0.4
north_khorasan ; بجنورد ; Bojnurd/Bojnourd ; 0.4
south_khorasan ; بیرجند ; Birjand ; 0.3
semnan ; سمنان ; Semnan ; 0.3
semnan ; شاهرود ; Shahroud/Shahrud ; 0.3
isfahan ; اصفهان ; Isfahan/Esfahan ; 3
isfahan ; نجف‌آباد ; Najafabad/Najaf Abad ; 0.6
isfahan ; کاشان ; Kashan ; 0.5
isfahan ; شاهین‌شهر ; Shahin Shahr/Shahinshahr ; 0.5
yazd ; یزد ; Yazd/Yezd ; 0.6
kerman ; کرمان ; Kerman ; 0.8
kerman ; رفسنجان ; Rafsanjan ; 0.3
kerman ; سیرجان ; Sirjan ; 0.3
hormozgan ; بندرعباس ; Bandar Abbas/Bandar-e Abbas/Bandarabbas ; 0.8
fars ; شیراز ; Shiraz/Chiraz ; 3
fars ; مرودشت ; Marvdasht ; 0.4
fars ; کازرون ; Kazerun/Kazeroon ; 0.3
bushehr ; بوشهر ; Bushehr/Boushehr ; 0.4
khuzestan ; اهواز ; Ahvaz/Ahwaz ; 2.5
khuzestan ; آبادان ; Abadan ; 0.8
khuzestan ; ایذه ; Izeh/Izeh City/Izah ; 0.8
khuzestan ; ماهشهر ; Mahshahr/Bandar Mahshahr ; 0.5
khuzestan ; دزفول ; Dezful/Dezfoul ; 0.5
khuzestan ; شوشتر ; Shushtar/Shoushtar ; 0.3
kohgiluyeh ; یاسوج ; Yasuj/Yasouj ; 0.4 ; lur
kohgiluyeh ; دهدشت ; Dehdasht ; 0.2 ; lur
chaharmahal ; شهرکرد ; Shahrekord/Shahr-e Kord ; 0.4 ; lur
lorestan ; خرم‌آباد ; Khorramabad/Khoramabad ; 1 ; lur
lorestan ; بروجرد ; Borujerd/Boroujerd ; 0.6 ; lur
lorestan ; الیگودرز ; Aligudarz/Aligoudarz ; 0.2 ; lur
lorestan ; ازنا ; Azna ; 0.2 ; lur
ilam ; ایلام ; Ilam ; 0.4 ; kurd
ilam ; آبدانان ; Abdanan ; 0.2 ; kurd
kermanshah ; کرمانشاه ; Kermanshah ; 2 ; kurd
kermanshah ; جوانرود ; Javanrud/Javanroud ; 0.6 ; kurd
kermanshah ; اسلام‌آباد غرب ; Eslamabad-e Gharb/Islamabad-e Gharb/Eslamabad Gharb ; 0.4 ; kurd
kermanshah ; پاوه ; Paveh/Pawe ; 0.3 ; kurd
kurdistan ; سنندج ; Sanandaj/Sine ; 2 ; kurd
kurdistan ; سقز ; Saqqez/Saqez/Saghez ; 1.2 ; kurd
kurdistan ; مریوان ; Marivan ; 0.8 ; kurd
kurdistan ; دیواندره ; Divandarreh/Divandareh ; 0.6 ; kurd
kurdistan ; بانه ; Baneh/Bane ; 0.6 ; kurd
kurdistan ; کامیاران ; Kamyaran/Kamiyaran ; 0.4 ; kurd
kurdistan ; قروه ; Qorveh/Ghorveh ; 0.3 ; kurd
hamadan ; همدان ; Hamadan/Hamedan ; 1
hamadan ; ملایر ; Malayer ; 0.3
west_azarbaijan ; ارومیه ; Urmia/Orumiyeh/Oroumieh/Urumieh ; 1.5 ; azeri
west_azarbaijan ; مهاباد ; Mahabad ; 1.2 ; kurd
west_azarbaijan ; بوکان ; Bukan/Boukan ; 1 ; kurd
west_azarbaijan ; پیرانشهر ; Piranshahr/Piranshar ; 0.8 ; kurd
west_azarbaijan ; اشنویه ; Oshnavieh/Oshnaviyeh/Shno ; 0.6 ; kurd
west_azarbaijan ; سردشت ; Sardasht ; 0.4 ; kurd
west_azarbaijan ; نقده ; Naqadeh/Naghadeh ; 0.4 ; kurd
west_azarbaijan ; خوی ; Khoy/Khoi ; 0.4 ; azeri
east_azarbaijan ; تبریز ; Tabriz ; 2.5 ; azeri
east_azarbaijan ; مرند ; Marand ; 0.3 ; azeri
east_azarbaijan ; مراغه ; Maragheh/Maragha ; 0.3 ; azeri
ardabil ; اردبیل ; Ardabil/Ardebil ; 0.8 ; azeri
sistan_baluchestan ; زاهدان ; Zahedan ; 3 ; baluch
sistan_baluchestan ; خاش ; Khash ; 1 ; baluch
sistan_baluchestan ; ایرانشهر ; Iranshahr/Iranshar ; 0.6 ; baluch
sistan_baluchestan ; سراوان ; Saravan ; 0.5 ; baluch
sistan_baluchestan ; چابهار ; Chabahar/Chah Bahar ; 0.5 ; baluch
sistan_baluchestan ; زابل ; Zabol ; 0.3
"""


def _places() -> tuple[tuple[Province, ...], tuple[Town, ...]]:
    provinces = []
    index = {}
    for line in _PROVINCES.strip().splitlines():
        key, fa, la = (f.strip() for f in line.split(";"))
        index[key] = len(provinces)
        provinces.append(Province(key, fa, tuple(s.strip() for s in la.split("/"))))
    towns = []
    for line in _TOWNS.strip().splitlines():
        fields = [f.strip() for f in line.split(";")]
        key, fa, la, weight = fields[:4]
        region = fields[4] if len(fields) > 4 else ""
        towns.append(
            Town(index[key], fa, tuple(s.strip() for s in la.split("/")), float(weight), region)
        )
    return tuple(provinces), tuple(towns)


PROVINCES, TOWNS = _places()
PROVINCE_INDEX = {p.key: i for i, p in enumerate(PROVINCES)}


FAMILY_NAMES, FAMILY_WEIGHTS = _families()
