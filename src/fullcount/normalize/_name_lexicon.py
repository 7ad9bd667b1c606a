"""Lexicon of Iranian personal names: Persian spelling, canonical Latin form, variants.

Compiled for fullcount by hand from common usage (given names of all generations,
Kurdish, Baluch, Lor and Arab-Iranian names included; surnames that are frequent in
victim lists). It is deliberately independent of ``fullcount.synth``, whose generated
lists serve as an outside check of this module.

Each line: ``roles|persian[,persian...]|Canonical|latin variants``. Roles: ``m`` male
given name, ``f`` female given name, ``s`` surname, ``p`` prefix of compound surnames
(میر, حاجی), ``x`` suffix of compound surnames (زاده, پور), ``q`` prefix of compound
given names (عبدال, ابوال), ``y`` suffix of compound given names (الله, الدین). Variants list only spellings that the folding in
``_translit`` does not already reduce to the canonical one (Fatima for Fatemeh, Rida for
Reza, Cyrus for Kourosh); ``_`` stands for a space.
"""

from __future__ import annotations

MALE = """
m|محمد|Mohammad|Muhammad Mohamad Mohammed Mohamed Muhamad Mamad Mammad Mohd Mohamud
m|علی|Ali|Aly Alee
m|حسین|Hossein|Hosein Hussein Husein Hussain Husain Hosseyn Hoseyn Husayn Hossain Hosain Hussien Hosien Hosayn
m|حسن|Hassan|Hasan Hassen Hasen Hesen
m|رضا|Reza|Rida Ridha Reda
m|مهدی|Mehdi|Mahdi Mehdy Mahdy
m|امیر|Amir|Ameer Emir
m|ابوالفضل,ابالفضل|Abolfazl|Abolfazel Abulfazl Abolfazal Abu_al-Fadl Abulfadl Abolfadl Abul-Fazl Abu-l-Fazl Abolfaz
m|حمید|Hamid|Hameed
m|مجید|Majid|Madjid Majeed
m|سعید|Saeed|Saeid Said Saied Sa'id Sayeed Saiid
m|احمد|Ahmad|Ahmed
m|محمود|Mahmoud|Mahmood Mahmud Mahmod
m|مصطفی|Mostafa|Mustafa Moustafa Mostapha Mustapha
m|مرتضی|Morteza|Murtaza Murtadha Mortaza Murtada Murteza
m|مجتبی|Mojtaba|Mujtaba
m|جواد|Javad|Djavad Jawad
m|جعفر|Jafar|Ja'far Jaafar Djafar Jafer
m|کاظم|Kazem|Kazim Kadhim Kadim
m|قاسم|Ghasem|Qasem Qasim Ghassem Gasem Kasem Ghasim Kassem
m|ابراهیم|Ebrahim|Ibrahim Ebrahem Ibraheem
m|اسماعیل,اسمعیل|Esmaeil|Esmail Ismail Esmaiel Esmaeel Ismael Esmael Ismaeel Esmayil Smail
m|یوسف|Yousef|Yusuf Yousof Yosef Yousuf Youssef Yusef
m|یعقوب|Yaghoub|Yaqub Yaghoob Yaqoob Yakub Yaghub
m|یونس|Younes|Yunus Yunes Younis
m|موسی|Mousa|Musa Moosa Mussa Moussa Mosa
m|عیسی|Isa|Eisa Issa Esa Eesa
m|داوود,داود|Davoud|Davood Dawood Dawud Daud Davud Davod
m|سلیمان|Soleiman|Suleiman Soleyman Sulayman Solaiman Soliman Suleyman
m|هادی|Hadi|Hady
m|عباس|Abbas|Abas
m|امین|Amin|Ameen
m|امید|Omid|Omeed
m|بهروز|Behrouz|Behrooz Behruz Behroz
m|بهزاد|Behzad|Bahzad
m|بهنام|Behnam|Bahnam
m|بهرام|Bahram|Behram
m|پویا|Pouya|Pooya Puya Poya
m|پژمان|Pezhman|Pejman
m|پرویز|Parviz|Parwiz
m|جمشید|Jamshid|Djamshid Jamsheed
m|جلال|Jalal|Djalal
m|جمال|Jamal|Djamal
m|حبیب|Habib|Habeeb
m|حمزه|Hamzeh|Hamza Hamze Hamzah
m|حیدر|Heydar|Heidar Haidar Haydar
m|خلیل|Khalil|Halil Khaleel
m|داریوش|Dariush|Daryoush Dariyoush Darioush Daryush
m|رامین|Ramin|Rameen
m|رحیم|Rahim|Raheem
m|رحمان,رحمن|Rahman|
m|رسول|Rasoul|Rasool Rasul
m|روح‌الله|Rouhollah|Ruhollah Rohollah Ruhallah Rouhallah Ruhullah
m|سجاد|Sajjad|Sajad
m|سهراب|Sohrab|Suhrab
m|سیاوش|Siavash|Siyavash Siavosh Siyavosh Siawash Siavoush
m|شاهین|Shahin|Shaheen
m|شهرام|Shahram|Chahram
m|صادق|Sadegh|Sadeq Sadiq Sadek
m|صالح|Saleh|Salih
m|عادل|Adel|Adil
m|عبدالله,عبداله|Abdollah|Abdullah Abdolah Abdallah Abdulla
m|عرفان|Erfan|Irfan
m|عماد|Emad|Imad
m|فرهاد|Farhad|
m|فرامرز|Faramarz|
m|فریدون|Fereydoun|Fereidoun Fereydoon Freydoun Fereidoon Feridun
m|فرشید|Farshid|
m|فرزاد|Farzad|
m|فواد|Foad|Fuad Fouad
m|کامران|Kamran|
m|کریم|Karim|Kareem
m|کوروش,کورش|Kourosh|Koorosh Kurosh Cyrus Korosh
m|کیوان|Keyvan|Kayvan Keivan Kaivan
m|کیان|Kian|Kiyan
m|مسعود|Masoud|Masood Masud Massoud Mas'ud Mas'oud
m|منصور|Mansour|Mansoor Mansur
m|مهران|Mehran|Mahran
m|میلاد|Milad|Meelad
m|مازیار|Maziar|Mazyar Maziyar
m|ناصر|Naser|Nasser
m|نادر|Nader|Nadir
m|نوید|Navid|Naveed Nawid
m|وحید|Vahid|Wahid Vaheed
m|هومن|Houman|Hooman Human
m|یاسر|Yaser|Yasser Yasir
m|یاسین|Yasin|Yaseen
m|ایمان|Iman|Eiman
m|آرمان|Arman|
m|آرش|Arash|
m|آرین|Arian|Aryan Ariyan
m|بابک|Babak|
m|بنیامین|Benyamin|Benjamin Binyamin Baniamin
m|پیمان|Peyman|Payman Paiman Peiman
m|تیمور|Teymour|Teymur Timur Teimour Teimur
m|جلیل|Jalil|
m|حامد|Hamed|
m|حافظ|Hafez|Hafiz
m|خسرو|Khosrow|Khosro Khosrou Khusraw
m|رامتین|Ramtin|
m|سامان|Saman|
m|سینا|Sina|
m|شهاب|Shahab|
m|عارف|Aref|Arif
m|عزیز|Aziz|
m|فرید|Farid|Fareed
m|قربان|Ghorban|Qurban Qorban
m|کمال|Kamal|
m|مسلم|Moslem|Muslim
m|مختار|Mokhtar|Mukhtar
m|نصرالله,نصراله|Nasrollah|Nasrullah Nasrallah
m|نعمت‌الله|Nematollah|Nematullah Ne'matollah Nematolah
m|فتح‌الله|Fathollah|Fatollah Fatullah Fathullah
m|اسدالله|Asadollah|Asadullah
m|حبیب‌الله|Habibollah|Habibullah
m|ذبیح‌الله|Zabihollah|Zabihullah
m|عزت‌الله|Ezzatollah|Ezatollah Izzatullah
m|سیف‌الله|Seifollah|Saifullah Sayfollah
m|لطف‌الله|Lotfollah|Lotfullah
m|یدالله|Yadollah|Yadullah Yadolah
m|ولی|Vali|Wali
m|ولی‌الله|Valiollah|Waliullah
m|نبی|Nabi|
m|حجت|Hojjat|Hojat
m|هاشم|Hashem|Hashim
m|ابوالقاسم|Abolghasem|Abolqasem Abulqasim Abulghasem Abu_al-Qasim
m|اکبر|Akbar|
m|اصغر|Asghar|Asqar
m|غلام|Gholam|Qolam Ghulam
m|قلی|Gholi|Qoli
m|میثم|Meysam|Maysam Meisam Maitham Meitham
m|مهرداد|Mehrdad|
m|محسن|Mohsen|Muhsin Mohsin
m|مهیار|Mahyar|
m|نیما|Nima|
m|پارسا|Parsa|
m|آرتین|Artin|
m|ابوذر|Abouzar|Abuzar Abu_Dhar Abozar
m|اشکان|Ashkan|
m|افشین|Afshin|
m|بهمن|Bahman|
m|بیژن|Bijan|Bizhan
m|تورج|Touraj|Turaj Tooraj
m|جهانگیر|Jahangir|
m|چنگیز|Changiz|Tchanguiz Chengiz Changuiz
m|حسام|Hesam|Hessam Husam Hosam
m|خداداد|Khodadad|
m|خدابخش|Khodabakhsh|
m|دانیال|Danial|Daniyal Daniel
m|رشید|Rashid|Rasheed
m|ستار|Sattar|
m|سروش|Soroush|Soroosh Sorush
m|سالار|Salar|
m|سلمان|Salman|
m|شاپور|Shapour|Shapoor Shapur
m|شهریار|Shahriar|Shahriyar Shahryar
m|صابر|Saber|Sabir
m|صمد|Samad|
m|طاها,طه|Taha|
m|عثمان|Osman|Othman Usman Uthman
m|عمر|Omar|Umar Omer
m|فاضل|Fazel|Fadel Fadhil Fazil
m|فرشاد|Farshad|
m|فرزین|Farzin|
m|فریبرز|Fariborz|
m|قادر|Ghader|Qader Qadir
m|کاوه|Kaveh|Kawa Kave Kaweh
m|کامیار|Kamyar|
m|کیومرث|Kiumars|Kiomars Kioumars Keyumars Kiyumars
m|مالک|Malek|Malik
m|منوچهر|Manouchehr|Manuchehr Manoochehr Manuchihr
m|نریمان|Nariman|
m|نوروز|Norouz|Nowruz Nowrouz Nourooz Nowrooz Noruz
m|هژیر|Hazhir|Hajir
m|اسکندر|Eskandar|Iskandar Skandar
m|اردشیر|Ardeshir|Ardashir
m|اردلان|Ardalan|
m|اسفندیار|Esfandiar|Esfandyar Isfandiyar
m|بردیا|Bardia|Bardiya
m|رستم|Rostam|Rustam
m|سپهر|Sepehr|
m|سهیل|Soheil|Suhail Sohail Soheyl
m|شایان|Shayan|
m|طاهر|Taher|Tahir
m|عسگر,عسکر|Asgar|Askar
m|کیارش|Kiarash|Kiyarash
m|مانی|Mani|
m|محراب|Mehrab|Mihrab
m|مراد|Morad|Murad Mourad
m|یزدان|Yazdan|
m|یحیی|Yahya|Yahia
m|ادریس|Edris|Idris
m|الیاس|Elias|Elyas Ilyas Eliyas
m|اسحاق|Eshagh|Ishaq Es'hagh Eshaq Ishak Es-hagh
m|اسد|Asad|
m|بشیر|Bashir|Basheer
m|بهادر|Bahador|Bahadur
m|توحید|Tohid|Towhid Tawhid
m|جبار|Jabbar|
m|جاسم|Jasem|Jasim
m|خالد|Khaled|Khalid
m|ذبیح|Zabih|
m|رحمت|Rahmat|
m|رمضان|Ramezan|Ramadan Ramazan Ramzan
m|زاهد|Zahed|Zahid
m|سبحان|Sobhan|Subhan
m|شریف|Sharif|
m|صفر|Safar|
m|عمار|Ammar|
m|غفور|Ghafour|Ghafoor Ghafur Qafur
m|فرج|Faraj|
m|قدرت|Ghodrat|Qodrat Qudrat
m|کرامت|Keramat|Karamat
m|کامبیز|Kambiz|
m|لقمان|Loghman|Luqman Loqman
m|ماجد|Majed|
m|معین|Moein|Moeen Mo'in Muin Moien
m|نجیب|Najib|Najeeb
m|نصرت|Nosrat|Nusrat
m|نعیم|Naeim|Naeem Naim
m|وهاب|Vahab|Wahab Vahhab
m|هدایت|Hedayat|Hidayat
m|همایون|Homayoun|Homayoon Humayun
m|کیانوش|Kianoush|Kiyanoush Kianoosh
m|آیدین|Aydin|Aidin
m|پدرام|Pedram|
m|شروین|Shervin|Sherwin
m|شهروز|Shahrouz|Shahrooz
m|آریا|Aria|Arya
m|ارسلان|Arsalan|Arslan
m|پوریا|Pouria|Pooria Puria Pourya Pooriya
m|تقی|Taghi|Taqi
m|نقی|Naghi|Naqi
m|کرم|Karam|
m|نجف|Najaf|
m|علاءالدین|Alaeddin|Alaaddin Ala_al-Din Aladdin
m|صلاح‌الدین|Salahaddin|Salaheddin Salahuddin Salah_al-Din Salah_ad-Din
m|جلال‌الدین|Jalaleddin|Jalaladdin Jalal_al-Din
m|شمس‌الدین|Shamseddin|Shamsuddin
m|جاوید|Javid|Javeed Djavid
m|مهدیار|Mahdiar|Mehdiar Mahdiyar
m|عقیل|Aghil|Aqil Agheel
m|دادالله|Dadollah|Dadullah
m|هیمن|Hemin|Himan Hemen
m|آسو|Aso|
m|شاهو|Shaho|
m|آوات|Avat|Awat
m|دیاکو|Diako|Diyako
m|هیوا|Hiwa|
m|ریبوار|Rebwar|Reboar
m|ژیار|Zhiar|Zhiyar
m|آراس|Aras|
m|کاوان|Kavan|
m|زانیار|Zanyar|Zaniar
m|سیروان|Sirvan|
m|شوان|Shwan|Shvan Shewan Shuan
m|ریباز|Rebaz|Ribaz
m|دلیر|Delir|Dalir
m|هوشیار|Hoshyar|Houshyar
m|آکو|Ako|
m|آرام|Aram|
m|هوشنگ|Houshang|Hooshang Hushang
m|فرخ|Farrokh|Farokh
m|سامی|Sami|
m|ماهان|Mahan|
m|آرسام|Arsam|
m|دانیار|Danyar|Daniar
m|احسان|Ehsan|Ihsan
m|کسری|Kasra|Kesra
m|نصیر|Nasir|Naseer
m|فرزام|Farzam|
m|کوهیار|Kouhyar|Koohyar
m|رادین|Radin|
m|بهراد|Behrad|
m|آرشام|Arsham|
m|مهرشاد|Mehrshad|
m|کمیل|Komeil|Kumail Komail
m|حیدرعلی|Heydarali|
m|بهنود|Behnoud|Behnood
"""

FEMALE = """
f|فاطمه|Fatemeh|Fatima Fatemah Fatimah Fatma Fatimeh
f|زهرا|Zahra|Zahraa Zehra
f|زهره|Zohreh|Zuhreh Zohra
f|زینب|Zeinab|Zaynab Zainab
f|مریم|Maryam|Mariam Miriam Maryem
f|معصومه|Masoumeh|Masoomeh Masumeh Ma'soumeh Masuma
f|سکینه|Sakineh|Sakina
f|خدیجه|Khadijeh|Khadija Khadijah
f|رقیه|Roghayeh|Roqayyeh Ruqayya Roghayyeh Ruqayyah
f|طاهره|Tahereh|Tahira
f|نرگس|Narges|Nargis
f|مهسا|Mahsa|
f|ژینا|Zhina|Jina Gina
f|ژیلا|Zhila|Jila Gila
f|نیکا|Nika|
f|سارینا|Sarina|
f|حدیث|Hadis|Hadith Hadees
f|مینو|Minoo|
f|مینا|Mina|
f|نگین|Negin|Neguin
f|شیرین|Shirin|Chirine Schirin Shireen
f|پریسا|Parisa|
f|پروین|Parvin|Parwin
f|سیما|Sima|
f|سمیرا|Samira|
f|سمیه|Somayeh|Sumayya Somayye Somayyeh
f|سعیده|Saeedeh|Saeideh Saideh Saeida
f|الهام|Elham|Ilham
f|الهه|Elaheh|
f|اعظم|Azam|A'zam
f|اشرف|Ashraf|
f|افسانه|Afsaneh|
f|آزاده|Azadeh|
f|آمنه|Ameneh|Amina Aminah
f|بهاره|Bahareh|
f|پرستو|Parastoo|
f|ترانه|Taraneh|
f|حمیده|Hamideh|Hamida
f|راضیه|Razieh|Raziyeh Radhiya Raziye
f|رویا|Roya|
f|ریحانه|Reyhaneh|Reihaneh Rayhaneh
f|ژاله|Zhaleh|Jaleh
f|سارا|Sara|Sarah
f|ستاره|Setareh|
f|سهیلا|Soheila|Soheyla Suhaila
f|سوسن|Sousan|Susan Soosan
f|شهلا|Shahla|
f|شیوا|Shiva|
f|صدیقه|Sedigheh|Sediqeh Sadiqa Seddigheh
f|صغری|Soghra|Sughra Soqra
f|طیبه|Tayebeh|Tayyebeh Tayyiba
f|عاطفه|Atefeh|
f|عذرا|Azra|Ozra
f|فرزانه|Farzaneh|
f|فرشته|Fereshteh|
f|فریبا|Fariba|
f|کبری|Kobra|Kubra
f|کوثر|Kowsar|Kosar Kawthar Kousar Kowthar
f|گلاره|Gelareh|
f|گلناز|Golnaz|
f|لیلا,لیلی|Leila|Leyla Layla Laila Lila Leili Leyli
f|محبوبه|Mahboubeh|Mahboobeh Mahbubeh
f|مرضیه|Marzieh|Marziyeh Mardiya
f|منیژه|Manizheh|Manijeh
f|منیره|Monireh|Munira
f|مهناز|Mahnaz|
f|مهین|Mahin|
f|نازنین|Nazanin|
f|ندا|Neda|Nida
f|نسرین|Nasrin|Nasreen
f|نسیم|Nasim|Naseem
f|نیلوفر|Niloufar|Niloofar Nilufar Nilofar
f|هانیه|Hanieh|Haniyeh
f|هاجر|Hajar|Hajer
f|هما|Homa|Huma
f|یاسمن|Yasaman|Yasamin Yasmin
f|یگانه|Yeganeh|
f|آیدا|Aida|Ayda
f|آناهیتا|Anahita|
f|آرزو|Arezoo|
f|اکرم|Akram|
f|بتول|Batoul|Batool Batul
f|پونه|Pouneh|Pooneh
f|تهمینه|Tahmineh|
f|ثریا|Soraya|Thurayya Sorayya
f|جمیله|Jamileh|Jamila
f|حلیمه|Halimeh|Halima
f|زیبا|Ziba|
f|سحر|Sahar|
f|سودابه|Soudabeh|Soodabeh Sudabeh
f|شبنم|Shabnam|
f|شکوفه|Shokoufeh|Shokoofeh
f|شیما|Shima|
f|عصمت|Esmat|Ismat
f|فائزه,فایزه|Faezeh|Faiza
f|فهیمه|Fahimeh|
f|کیانا|Kiana|Kiyana
f|لادن|Ladan|
f|محدثه|Mohaddeseh|Mohadeseh Muhaddatha
f|مژگان|Mozhgan|Mojgan
f|مهتاب|Mahtab|
f|نجمه|Najmeh|Najma
f|نفیسه|Nafiseh|
f|هستی|Hasti|
f|یسنا|Yasna|
f|آسیه|Asieh|Asiyeh
f|ملیکا|Melika|Malika
f|ستایش|Setayesh|
f|حنانه|Hananeh|
f|بیتا|Bita|
f|مهشید|Mahshid|
f|مهرنوش|Mehrnoush|Mehrnoosh
f|عزیزه|Azizeh|Aziza
f|کلثوم|Kolsoum|Kulthum Kolsum
f|مائده|Maedeh|
f|سمانه|Samaneh|
f|فرناز|Farnaz|
f|آتنا|Atena|Athena
f|نسترن|Nastaran|
f|سپیده|Sepideh|
f|هدی|Hoda|Huda
f|مهدیه|Mahdieh|Mahdiyeh Mehdieh
f|زینت|Zinat|
f|پروانه|Parvaneh|
f|صدف|Sadaf|
f|غزاله|Ghazaleh|Qazaleh
f|غزل|Ghazal|Qazal
f|نازیلا|Nazila|
f|شیلان|Shilan|
f|روناک|Ronak|Rounak
f|هانا|Hana|
f|نازدار|Nazdar|
f|آیلار|Aylar|Ailar
f|دنیا|Donya|Dunya
f|کیمیا|Kimia|Kimiya
f|مبینا|Mobina|
f|فرح|Farah|
f|منصوره|Mansoureh|Mansoora
f|فرخنده|Farkhondeh|
f|گلی|Goli|
f|بی‌بی|Bibi|
f|نیوشا|Niousha|Nyusha
f|رها|Raha|
f|نوشین|Noushin|Nooshin
f|ساناز|Sanaz|
f|شقایق|Shaghayegh|Shaqayeq
f|مهرانگیز|Mehrangiz|
f|گلاویژ|Gelavizh|Gelawej
f|پریا|Paria|Pariya
f|نادیا|Nadia|Nadiya
f|سلما|Salma|
f|آوا|Ava|
f|ترنم|Tarannom|Taranom
f|هلیا|Helia|Heliya
f|رومینا|Romina|
f|درسا|Dorsa|
f|شادی|Shadi|
f|سوگند|Sogand|Sougand
"""

SURNAMES = """
s|حسینی|Hosseini|Husseini Hoseini Hosseyni Hosseiny Husaini Hussaini Hosaini Husayni
s|محمدی|Mohammadi|Muhammadi Mohamadi
s|رضایی|Rezaei|Rezaee Rezaie Rezayi Rezai Rezaii Rezaey
s|احمدی|Ahmadi|
s|کریمی|Karimi|Kareemi
s|موسوی|Mousavi|Musavi Moosavi Mousawi Musawi Moussavi Mosavi
s|جعفری|Jafari|Jaafari Ja'fari Djafari
s|قاسمی|Ghasemi|Qasemi Ghassemi Qassemi Kasemi Gasemi Qasimi
s|رحیمی|Rahimi|
s|حسنی|Hassani|Hasani
s|کاظمی|Kazemi|Kazimi Kadhimi Kadimi
s|هاشمی|Hashemi|Hashimi
s|صادقی|Sadeghi|Sadeqi Sadiqi
s|نجفی|Najafi|
s|عباسی|Abbasi|
s|امینی|Amini|Ameeni
s|باقری|Bagheri|Baqeri Baqiri
s|ابراهیمی|Ebrahimi|Ibrahimi
s|اسماعیلی|Esmaeili|Esmaili Ismaili Esmaeeli Ismaeili
s|یوسفی|Yousefi|Yusefi Yusufi
s|مرادی|Moradi|Muradi
s|حیدری|Heydari|Heidari Haidari Haydari
s|کرمی|Karami|
s|رستمی|Rostami|Rustami
s|نوری|Nouri|Noori Nuri
s|سلیمانی|Soleimani|Suleimani Soleymani Solaimani Sulaimani
s|اکبری|Akbari|
s|اصغری|Asghari|
s|زارعی|Zarei|Zare'i Zareei Zareie
s|فرهادی|Farhadi|
s|شریفی|Sharifi|
s|طاهری|Taheri|
s|خسروی|Khosravi|
s|قربانی|Ghorbani|Qorbani Ghurbani
s|محمودی|Mahmoudi|Mahmoodi Mahmudi
s|نظری|Nazari|
s|اسدی|Asadi|
s|عزیزی|Azizi|
s|رحمانی|Rahmani|
s|سعیدی|Saeedi|Saeidi Saidi
s|مختاری|Mokhtari|
s|بهرامی|Bahrami|
s|فتحی|Fathi|
s|جلالی|Jalali|
s|جمالی|Jamali|
s|حبیبی|Habibi|
s|خلیلی|Khalili|
s|داوودی,داودی|Davoudi|Davoodi Davudi Dawoodi
s|رسولی|Rasouli|Rasooli Rasuli
s|زمانی|Zamani|
s|سلطانی|Soltani|Sultani
s|شیرازی|Shirazi|Chirazi
s|تهرانی|Tehrani|
s|اصفهانی|Esfahani|Isfahani
s|طباطبایی|Tabatabaei|Tabatabai Tabatabaee
s|عسگری,عسکری|Asgari|Askari
s|علوی|Alavi|
s|غلامی|Gholami|Qolami
s|فاضلی|Fazeli|
s|قادری|Ghaderi|Qaderi
s|کمالی|Kamali|
s|گودرزی|Goudarzi|Goodarzi Gudarzi
s|منصوری|Mansouri|Mansoori Mansuri
s|میرزایی|Mirzaei|Mirzaee Mirzai
s|نادری|Naderi|
s|نصیری|Nasiri|
s|وحیدی|Vahidi|
s|یزدانی|Yazdani|
s|امیری|Amiri|
s|بابایی|Babaei|Babaee Babai
s|ریگی|Rigi|
s|بلوچ|Baluch|Baloch Balouch Balooch
s|نارویی|Narouei|Narooei Narui Naroui
s|گمشادزهی|Gomshadzehi|
s|سارانی|Sarani|
s|شهبخش|Shahbakhsh|
s|بامری|Bameri|
s|میرشکار|Mirshekar|
s|شهنوازی|Shahnavazi|Shahnawazi
s|دهمرده|Dahmardeh|
s|پناهی|Panahi|
s|سلیمی|Salimi|
s|ویسی|Veisi|Weisi Waisi Vaisi Veysi
s|خالدی|Khaledi|
s|صالحی|Salehi|
s|شیخی|Sheikhi|Sheykhi Shaikhi
s|کاکایی|Kakaei|
s|زندی|Zandi|
s|کردی|Kordi|Kurdi
s|سواری|Savari|Sawari
s|نیسی|Neisi|Naisi Neysi
s|کعبی|Kaabi|Ka'bi Kabi
s|حمیدی|Hamidi|
s|قنبری|Ghanbari|Qanbari
s|صفری|Safari|
s|مهدوی|Mahdavi|Mahdawi
s|مرتضوی|Mortazavi|
s|رضوی|Razavi|Radawi
s|طالبی|Talebi|Talibi
s|نعمتی|Nemati|Ne'mati
s|ناصری|Naseri|Nasseri
s|نوروزی|Norouzi|Nowruzi Nourouzi Nowrouzi Noroozi
s|پاکزاد|Pakzad|
s|فراهانی|Farahani|
s|کرمانی|Kermani|
s|یزدی|Yazdi|
s|قزوینی|Ghazvini|Qazvini
s|کاشانی|Kashani|
s|رشتی|Rashti|
s|تبریزی|Tabrizi|
s|مشهدی|Mashhadi|Mashadi
s|زاهدی|Zahedi|
s|جهانگیری|Jahangiri|
s|صمدی|Samadi|
s|شجاعی|Shojaei|Shojaee Shojai
s|عابدی|Abedi|
s|عطایی|Ataei|Ataee Atai
s|فلاحی|Fallahi|
s|کیانی|Kiani|Kiyani
s|مقدم|Moghaddam|Moghadam Moqaddam Mogadam
s|جوادی|Javadi|
s|مجیدی|Majidi|
s|ستاری|Sattari|
s|بیگی|Beigi|Beygi Baigi
s|بیات|Bayat|
s|ثابتی|Sabeti|
s|حاتمی|Hatami|
s|خدایی|Khodaei|Khodaee Khodai
s|دهقان|Dehghan|Dehqan
s|دهقانی|Dehghani|Dehqani
s|رنجبر|Ranjbar|
s|زنگنه|Zanganeh|
s|سلامی|Salami|
s|شاکری|Shakeri|
s|شهبازی|Shahbazi|
s|ضیایی|Ziaei|Ziaee Ziai
s|عرب|Arab|
s|عربی|Arabi|
s|علی‌محمدی|Alimohammadi|
s|علی‌اکبری|Aliakbari|
s|محمدباقری|Mohammadbagheri|
s|غلامحسینی|Gholamhosseini|
s|فرجی|Faraji|
s|لطفی|Lotfi|
s|مطهری|Motahari|Motahhari
s|میری|Miri|
s|نیازی|Niazi|Niyazi
s|وکیلی|Vakili|
s|یاری|Yari|
s|افشار|Afshar|
s|افشاری|Afshari|
s|انصاری|Ansari|
s|بختیاری|Bakhtiari|Bakhtiyari
s|بهمنی|Bahmani|
s|پیری|Piri|
s|ترابی|Torabi|
s|توکلی|Tavakoli|Tavakkoli
s|خادمی|Khademi|
s|ذوالفقاری|Zolfaghari|Zolfaqari Zolfeghari
s|رمضانی|Ramezani|Ramazani
s|سبحانی|Sobhani|
s|شفیعی|Shafiei|Shafiee Shafii
s|صفایی|Safaei|Safaee Safai
s|عبدی|Abdi|
s|عبداللهی,عبدالهی|Abdollahi|Abdullahi
s|فرخی|Farrokhi|Farokhi
s|کشاورز|Keshavarz|
s|مومنی|Momeni|Mo'meni
s|اسکندری|Eskandari|Iskandari
s|بیرانوند|Beiranvand|Biranvand Beyranvand
s|دالوند|Dalvand|
s|سپهوند|Sepahvand|
s|کاکاوند|Kakavand|
s|آقایی|Aghaei|Aghaee Aqaei Aghai
s|ملکی|Maleki|Maliki
s|امیدی|Omidi|
s|جهانی|Jahani|
s|سهرابی|Sohrabi|
s|شهابی|Shahabi|
s|کاویانی|Kaviani|
s|یعقوبی|Yaghoubi|Yaqubi Yaghoobi
s|بهشتی|Beheshti|
s|مطلبی|Motallebi|Motalebi
s|منتظری|Montazeri|
s|فیضی|Feizi|Feyzi
s|پیرانی|Pirani|
s|مصطفایی|Mostafaei|Mostafaee Mustafaei Mostafai
s|مهرانی|Mehrani|
s|بهاری|Bahari|
s|سیدی|Seyedi|Sayyedi
s|کرد|Kord|Kurd
s|ترکمن|Torkaman|Turkman
s|نجاتی|Nejati|
s|مرادخانی|Moradkhani|
s|امیرخانی|Amirkhani|
s|کریم‌خانی|Karimkhani|
s|فروتن|Forootan|Foroutan
s|نیکخواه|Nikkhah|
s|اسلامی|Eslami|Islami
s|حقیقی|Haghighi|Haqiqi
s|کاملی|Kameli|
s|قمی|Ghomi|Qomi
s|لرستانی|Lorestani|
s|زرگر|Zargar|
s|آهنگر|Ahangar|
s|نجار|Najjar|
s|خراسانی|Khorasani|
s|سنندجی|Sanandaji|
s|مهابادی|Mahabadi|
s|بانه‌ای|Banei|Banehi
s|سقزی|Saghezi|Saqezi
s|زاهدانی|Zahedani|
s|عیدی|Eidi|
s|جعفرپور|Jafarpour|
s|منصورپور|Mansourpour|
s|شیرزاد|Shirzad|
s|قلی‌پور|Gholipour|
s|سیاهکلی|Siahkali|
s|چراغی|Cheraghi|Chiraghi
s|شهریاری|Shahriari|
s|میرزاده|Mirzadeh|
s|کاظمیان|Kazemian|
s|کریمیان|Karimian|
s|احمدیان|Ahmadian|
s|رحیمیان|Rahimian|
s|حسینیان|Hosseinian|
s|محمدیان|Mohammadian|
s|صدیقی|Sedighi|Sediqi Siddiqi
s|موسایی|Mousaei|Musaei
s|بخشی|Bakhshi|
s|اسفندیاری|Esfandiari|
s|سپهری|Sepehri|
s|آذری|Azari|
s|رستگار|Rastegar|
s|کامرانی|Kamrani|
s|شکری|Shokri|
s|فتاحی|Fattahi|Fatahi
s|قنواتی|Ghanavati|Qanavati
s|جلیلی|Jalili|
s|پرتوی|Partovi|
s|کیهانی|Keyhani|Keihani
s|لک|Lak|
s|کولیوند|Kolivand|Kulivand
"""

AFFIXES = """
x|زاده|zadeh|zada zadah zaadeh
px|پور|pour|poor pur
x|نژاد|nejad|nezhad nejhad nejaad nejat
x|زهی|zehi|zahi
x|فر|far|
x|نیا|nia|niya
x|وند|vand|wand
x|لو|lou|loo
x|دوست|doust|doost dust
x|آبادی|abadi|
x|یان|ian|yan iyan
x|خانی|khani|
x|پناه|panah|
x|بخش|bakhsh|
x|خواه|khah|khaah
y|الله,اله|ollah|allah ullah olah ulah olla
y|الدین|eddin|oddin uddin addin aldin edin odin udin eddine
qy|دین|din|deen
p|میر|mir|meer
q|عبدال,عبد|abdol|abdul abdel abdal abd abdu abdoul
q|ابوال,ابو|abol|abu abou abo abul aboul abool
p|حاجی,حاج|haji|hajji haj hajj hadj hadji
p|شیخ|sheikh|sheykh shaikh shaykh cheikh sheik
p|ملا|molla|mulla mollah mullah
p|آقا|agha|aqa aga
q|خدا|khoda|khuda
q|نور|nour|noor nur
p|شاه|shah|
p|پیر|pir|
pq|گل|gol|gul
p|قره|qareh|ghareh qara ghara kara
"""

# Titles, honorifics and epithets that are not part of the name. Strength: "strong"
# titles are stripped whenever a name follows; "weak" ones (which are also surnames or
# given names: Mashhadi, Sheikh, Bibi) only before at least two more words. "post"
# titles follow the given name (زهرا سادات, Zahra Khanom). ``female`` marks the
# title's sex where it has one.
TITLES: dict[str, tuple[str, str]] = {}
for _canonical, _strength, _forms in [
    ("Shahid", "strong", "شهید شهیده الشهید shahid shaheed shahed shahide martyr"),
    ("Seyed", "strong", ("سید السید seyed seyyed sayed sayyed sayyid sayid syed seyd seied "
                         "seiied sied sayyied")),
    ("Seyedeh", "strong", ("سیده seyedeh seyyedeh sayyida sayyidah seyede seyyede syeda "
                           "sayeda sayedeh seiedeh")),
    ("Sadat", "post", "سادات sadat sadaat"),
    ("Beygom", "post", "بیگم begum beygom beigom"),
    ("Khanom", "strong", "خانم خانوم khanom khanum khanoum khanoom"),
    ("Haj", "strong", ("حاج حاجی حاجیه الحاج الحاجه haj hajj haji hajji hadj hadji hajiyeh "
                       "hajieh hajjieh hajiye")),
    ("Mr", "strong", "آقای mr mister monsieur"),
    ("Mrs", "strong", "بانو mrs ms miss madam mme madame"),
    ("Dr", "strong", "دکتر الدکتور dr doctor docteur"),
    ("Eng", "strong", "مهندس eng engineer mohandes"),
    ("Prof", "strong", "استاد prof professor ostad"),
    ("Karbalaei", "weak", "کربلایی karbalaei karbalai karbalayi karbalaee"),
    ("Mashhadi", "weak", "مشهدی mashhadi mashadi"),
    ("Sheikh", "weak", "شیخ الشیخ sheikh sheykh shaikh shaykh"),
    ("Molla", "weak", "ملا molla mulla mullah"),
    ("Molavi", "strong", "مولوی molavi mowlavi mowlawi mawlawi maulvi molvi"),
    ("Mamosta", "strong", "ماموستا mamosta mamoste mamousta"),
    ("Hojjatoleslam", "strong", "حجتالاسلام hojjatoleslam hojatoleslam hojjatolislam"),
    ("Ayatollah", "strong", "ایتالله ayatollah ayatullah"),
    ("Agha", "weak", "آقا agha aqa"),
    ("Bibi", "weak", "بیبی bibi"),
    ("Mirza", "weak", "میرزا mirza"),
    ("the late", "strong", ("مرحوم مرحومه المرحوم المرحومه زندهیاد late marhoum marhum "
                            "marhoumeh")),
    ("Javidnam", "strong", "جاویدنام javidnam"),
    ("victim", "strong", "جانباخته janbakhte"),
    ("Sardar", "strong", "سردار sardar general"),
    ("Colonel", "strong", "سرهنگ colonel sarhang"),
    ("Major", "strong", "سرگرد sargord major"),
    ("Lieutenant", "strong", "ستوان سروان lieutenant captain"),
    ("Soldier", "strong", "سرباز soldier sarbaz"),
    ("Pasdar", "strong", "پاسدار pasdar"),
    ("Basiji", "strong", "بسیجی basiji"),
    ("Talabeh", "strong", "طلبه talabeh"),
]:
    for _form in _forms.split():
        TITLES.setdefault(_form.rstrip("_"), (_canonical, _strength))

# Multi-word titles, matched before single words (normalised, lower case, no ZWNJ).
TITLE_PHRASES: dict[tuple[str, ...], str] = {
    ("the", "late"): "the late",
    ("جاوید", "نام"): "Javidnam",
    ("javid", "nam"): "Javidnam",
    ("حجت", "الاسلام"): "Hojjatoleslam",
    ("حجت", "الاسلام", "و", "المسلمین"): "Hojjatoleslam",
    ("hojjat", "ol", "eslam"): "Hojjatoleslam",
    ("ایت", "الله"): "Ayatollah",
    ("زنده", "یاد"): "the late",
    ("جان", "باخته"): "victim",
}

# Titles that may also follow the given name (زهرا سادات هاشمی, Zahra Khanom Hashemi).
POST_TITLES = frozenset({"Sadat", "Beygom", "Khanom"})

FEMALE_TITLES = frozenset({"Seyedeh", "Sadat", "Beygom", "Khanom", "Mrs", "Bibi"})

# Phrases that introduce the father's name ("child of"); normalised, lower case.
FATHER_MARKERS: dict[tuple[str, ...], str] = {
    ("فرزند",): "child of", ("ولد",): "son of", ("بن",): "son of", ("ابن",): "son of",
    ("بنت",): "daughter of", ("پسر",): "son of", ("دختر",): "daughter of",
    ("نام", "پدر"): "father", ("پدر",): "father", ("اسم", "الاب"): "father",
    ("son", "of"): "son of", ("daughter", "of"): "daughter of", ("child", "of"): "child of",
    ("ibn",): "son of", ("bin",): "son of", ("bint",): "daughter of", ("binti",): "daughter of",
    ("father",): "father", ("fathers", "name"): "father", ("father", "name"): "father",
    ("father", "s", "name"): "father", ("fils", "de"): "son of", ("fille", "de"): "daughter of",
    ("farzand",): "child of", ("farzande",): "child of", ("farzand", "e"): "child of",
    ("valad",): "son of", ("vald",): "son of",
}

# Whole-name values that say the person is not identified (HRDAG's "unidentifiable"):
# at least one marker word, and otherwise only filler words ("Unknown male", "جسد
# مجهول الهویه", "n/a"). Normalised, lower case, ZWNJ removed.
UNNAMED_MARKERS = frozenset({
    "نامشخص", "ناشناس", "ناشناخته", "مجهول", "مجهولالهویه", "الهویه", "الهوية", "بینام",
    "نامعلوم", "unknown", "unidentified", "unnamed", "anonymous", "na", "n", "a", "none",
    "null", "nan", "nn", "inconnu", "inconnue", "nameless", "noname",
})
UNNAMED_FILLERS = frozenset({
    "مرد", "زن", "کودک", "نوجوان", "جسد", "فرد", "شخص", "بی", "نام", "جوان", "پسر", "دختر",
    "male", "female", "man", "woman", "child", "boy", "girl", "person", "body", "victim",
    "adult", "teen", "teenager", "name", "no", "not", "known", "homme", "femme",
})
