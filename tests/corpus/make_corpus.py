#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""make_corpus.py - writes the triage-milter TEST corpus (tests/corpus).

Writes, next to this script:
  msgs/t-NNN.eml     labeled support e-mails (en, ko, uk, ru, de, es, fr)
  msgs/labels.tsv    file, lang, flags, tier, note  (see corpus/TAXONOMY.md)
  customers.csv      Shopify customers export ("Total Spent" decides the tier)
  orders.csv         Shopify orders export (order number -> customer e-mail)

Python 3 standard library only; fixed seed, no clock: two runs give
byte-identical output.

    python3 make_corpus.py           # write everything, then verify
    python3 make_corpus.py --check   # verify the files already present
"""
import base64
import csv
import datetime as dt
import email
import email.policy
import hashlib
import html
import io
import os
import quopri
import random
import re
import struct
import sys
import textwrap
import zlib
from collections import Counter, defaultdict
from decimal import Decimal, ROUND_HALF_UP
from html.parser import HTMLParser

SEED = 77031
HERE = os.path.dirname(os.path.abspath(__file__))
MSGDIR = os.path.join(HERE, "msgs")
SHOP = "Larkspur Home"
SHOP_ADDR = "help@larkspur-home.example"
FLAGS = ["review-threat", "chargeback", "chargeback-reship", "wrong-address",
         "delivered-not-received", "subscription-surprise", "amazon-expectation"]
TIERS = ["vip", "loyal", "standard", "new"]
LANGS = ["en", "ko", "uk", "ru", "de", "es", "fr"]
CENT = Decimal("0.01")


def D(x):
    return Decimal(str(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def T(s):
    return textwrap.dedent(s).strip("\n")


def hx(*parts, n=16):
    return hashlib.sha256(("%d|" % SEED + "|".join(map(str, parts))).encode()).hexdigest()[:n]


# ---------------------------------------------------------------- charsets --
CODEC = {"utf-8": "utf-8", "us-ascii": "ascii", "iso-8859-1": "latin-1",
         "windows-1252": "cp1252", "euc-kr": "euc_kr", "ks_c_5601-1987": "cp949",
         "koi8-u": "koi8_u", "koi8-r": "koi8_r", "windows-1251": "cp1251"}
# characters legacy charsets lack: folded before encoding (the folded text is
# what the customer "typed" in that client, and what --check looks for)
FOLD = {"koi8-u": {"№": "N", "«": '"', "»": '"', "’": "'", "ʼ": "'", "—": "-", "–": "-", "…": "..."},
        "koi8-r": {"№": "N", "«": '"', "»": '"', "’": "'", "—": "-", "–": "-", "…": "..."},
        "windows-1251": {"ʼ": "'"},
        "iso-8859-1": {"’": "'", "“": '"', "”": '"', "—": "-", "–": "-", "…": "...", "€": "EUR"},
        "euc-kr": {"’": "'", "—": "-", "…": "..."},
        "ks_c_5601-1987": {"’": "'", "—": "-", "…": "..."}}


def fold(text, cs):
    for a, b in FOLD.get(cs, {}).items():
        text = text.replace(a, b)
    return text


def enc(text, cs):
    codec = CODEC[cs]
    if cs == "euc-kr":
        for ch in set(text):
            if len(ch.encode(codec)) > 2:
                raise ValueError("not in KS X 1001: %r" % ch)
    return text.encode(codec)


def ewords(text, cs, method="B"):
    def one(s):
        bs = enc(s, cs)
        if method == "B":
            return "=?%s?B?%s?=" % (cs, base64.b64encode(bs).decode())
        q = "".join(chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b in b"!*+-/")
                    else "_" if b == 32 else "=%02X" % b for b in bs)
        return "=?%s?Q?%s?=" % (cs, q)
    words, cur = [], ""
    for ch in text:
        if cur and len(one(cur + ch)) > 72:
            words.append(one(cur))
            cur = ch
        else:
            cur += ch
    if cur:
        words.append(one(cur))
    return "\n ".join(words)


def htext(text, cs, method="B"):
    if all(ord(c) < 128 for c in text):
        return text
    return ewords(text, cs, method)


def haddr(name, addr, cs="utf-8", method="B"):
    if not name:
        return addr
    if all(ord(c) < 128 for c in name):
        if re.search(r'[(),.:;<>@\[\]"&]', name):
            return '"%s" <%s>' % (name, addr)
        return "%s <%s>" % (name, addr)
    w = ewords(name, cs, method)
    if "\n" in w:
        w = ewords(name, cs, "B")
    return "%s <%s>" % (w.replace("\n ", " "), addr)


# ------------------------------------------------------------------- dates --
DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DOWF = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONF = ["January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"]
TZ = {"en": -4, "ko": 9, "uk": 3, "ru": 3, "de": 2, "es": 2, "fr": 2}


def h12(t):
    return "%d:%02d %s" % (t.hour % 12 or 12, t.minute, "AM" if t.hour < 12 else "PM")


def ko_t(t):
    return "%s %d:%02d" % ("오전" if t.hour < 12 else "오후", t.hour % 12 or 12, t.minute)


def rfcdate(t, off):
    return "%s, %d %s %d %02d:%02d:%02d %+03d00" % (DOW[t.weekday()], t.day, MON[t.month - 1],
                                                   t.year, t.hour, t.minute, t.second, off)


UK_MA = ["січ.", "лют.", "бер.", "квіт.", "трав.", "черв.", "лип.", "серп.", "вер.", "жовт.", "лист.", "груд."]
UK_MG = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
         "жовтня", "листопада", "грудня"]
UK_D = ["пн", "вт", "ср", "чт", "пт", "сб", "нд"]
RU_MA = ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."]
RU_MG = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
         "октября", "ноября", "декабря"]
RU_D = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
KO_D = ["월", "화", "수", "목", "금", "토", "일"]
DE_D = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
DE_DF = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
DE_M = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]
DE_MF = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
         "Oktober", "November", "Dezember"]
FR_D = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_M = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
ES_D = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
ES_M = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]


def attribution(style, t, name, addr, subj, to):
    """Plain-text header line(s) that a mail client puts above a quote."""
    w, m, d, y = t.weekday(), t.month - 1, t.day, t.year
    hm = "%02d:%02d" % (t.hour, t.minute)
    na = "%s <%s>" % (name, addr)
    if style == "gmail":
        return ["On %s, %s %d, %d at %s %s wrote:" % (DOW[w], MON[m], d, y, h12(t), na)]
    if style == "apple":
        return ["On %s %d, %d, at %s, %s wrote:" % (MON[m], d, y, hm, na)]
    if style == "outlook":
        return ["________________________________", "From: " + na,
                "Sent: %s, %s %d, %d %s" % (DOWF[w], MONF[m], d, y, h12(t)), "To: " + to,
                "Subject: " + subj]
    if style == "original":
        return ["-----Original Message-----", "From: " + na,
                "Sent: %s, %s %d, %d %s" % (DOWF[w], MONF[m], d, y, h12(t)), "To: " + to,
                "Subject: " + subj]
    if style == "fwd":
        return ["---------- Forwarded message ---------", "From: " + na,
                "Date: %s, %s %d, %d at %s" % (DOW[w], MON[m], d, y, h12(t)),
                "Subject: " + subj, "To: " + to]
    if style == "ko_gmail":
        return ["%d년 %d월 %d일 (%s) %s, %s님이 작성:" % (y, m + 1, d, KO_D[w], ko_t(t), na)]
    if style == "ko_outlook":
        return ["________________________________", "보낸 사람: " + na,
                "보낸 날짜: %d년 %d월 %d일 %s요일 %s" % (y, m + 1, d, KO_D[w], ko_t(t)),
                "받는 사람: " + to, "제목: " + subj]
    if style == "ko_naver":
        return ["-----Original Message-----", "From: " + na, "To: " + to,
                "Sent: %04d-%02d-%02d (%s) %s:%02d (GMT+09:00)" % (y, m + 1, d, KO_D[w], hm, t.second),
                "Subject: " + subj]
    if style == "uk_gmail":
        return ["%s, %d %s %d р. о %s %s пише:" % (UK_D[w], d, UK_MA[m], y, hm, na)]
    if style == "uk_apple":
        return ["%d %s %d р. о %s %s написав(-ла):" % (d, UK_MA[m], y, hm, na)]
    if style == "uk_outlook":
        return ["________________________________", "Від: " + na,
                "Надіслано: %d %s %d р. %s" % (d, UK_MG[m], y, hm), "Кому: " + to, "Тема: " + subj]
    if style == "uk_fwd":
        return ["---------- Пересланий лист ---------", "Від: " + na,
                "Date: %s, %d %s %d р. о %s" % (UK_D[w], d, UK_MA[m], y, hm), "Subject: " + subj, "To: " + to]
    if style == "ru_gmail":
        return ["%s, %d %s %d г. в %s, %s:" % (RU_D[w], d, RU_MA[m], y, hm, na)]
    if style == "ru_outlook":
        return ["-----Исходное сообщение-----", "От: " + na,
                "Отправлено: %d %s %d г. %s" % (d, RU_MG[m], y, hm), "Кому: " + to, "Тема: " + subj]
    if style == "de_gmail":
        return ["Am %s, %d. %s %d um %s Uhr schrieb %s:" % (DE_D[w], d, DE_M[m], y, hm, na)]
    if style == "de_outlook":
        return ["-----Ursprüngliche Nachricht-----", "Von: " + na,
                "Gesendet: %s, %d. %s %d %s" % (DE_DF[w], d, DE_MF[m], y, hm), "An: " + to, "Betreff: " + subj]
    if style == "fr_gmail":
        return ["Le %s %d %s %d à %s, %s a écrit :" % (FR_D[w], d, FR_M[m], y, hm, na)]
    if style == "es_gmail":
        return ["El %s, %d %s %d a las %s, %s (<%s>) escribió:" % (ES_D[w], d, ES_M[m], y, hm, name, addr)]
    raise KeyError(style)


PREFIXED = {"gmail", "apple", "ko_gmail", "uk_gmail", "uk_apple", "ru_gmail", "de_gmail",
            "fr_gmail", "es_gmail"}


# ------------------------------------------------------------------ catalog --
PRODUCTS = [
    ("Oak Serving Board - Large", "58.00", "LH-OSB-L"),
    ("Linen Napkins (Set of 6) - Clay", "42.00", "LH-LNP-CLY"),
    ("Enamel Dutch Oven 5.5qt - Teal", "214.00", "LH-EDO-55T"),
    ("Hand-blown Carafe 1L", "46.00", "LH-CAR-1L"),
    ("Waffle Bath Towel - Fog", "36.00", "LH-WBT-FOG"),
    ("Rattan Floor Lamp", "249.00", "LH-RFL-01"),
    ("Stoneware Dinner Plates (4)", "88.00", "LH-SDP-4"),
    ("Wool Blend Throw - Rust", "132.00", "LH-WBT-RST"),
    ("Copper Kettle 1.7L", "119.00", "LH-CK-17"),
    ("Percale Sheet Set - King / White", "168.00", "LH-PSS-KW"),
    ("Beeswax Taper Candles (6)", "24.00", "LH-BTC-6"),
    ("Espresso Cups (2) - Speckled", "31.00", "LH-ESC-2"),
    ("Cast Aluminium Grill Pan", "74.00", "LH-GRP-01"),
    ("Jute Doormat 60x90", "39.00", "LH-JDM-69"),
    ("Chef Knife 8in - Damascus", "156.00", "LH-CK8-DM"),
    ("Ceramic Planter - Medium", "49.00", "LH-CPL-M"),
    ("Cordless Milk Frother", "28.00", "LH-CMF-01"),
    ("Down Alternative Pillow (2)", "96.00", "LH-DAP-2"),
]
SUBS = [("Fresh Roast Coffee Club - Monthly", "26.00", "LH-SUB-COF"),
        ("Candle of the Month Subscription", "32.00", "LH-SUB-CDL"),
        ("Linen Refresh Box - Every 60 Days", "45.00", "LH-SUB-LIN")]

# per-language people: (given, romanized given, gender), surnames (m, f, rom)
PEOPLE = {
    "en": ([("Megan", "megan", "f"), ("Travis", "travis", "m"), ("Priya", "priya", "f"), ("Caleb", "caleb", "m"),
            ("Dana", "dana", "f"), ("Howard", "howard", "m"), ("Lucia", "lucia", "f"), ("Owen", "owen", "m"),
            ("Rachel", "rachel", "f"), ("Marcus", "marcus", "m"), ("Tess", "tess", "f"), ("Derek", "derek", "m"),
            ("Nadia", "nadia", "f"), ("Grant", "grant", "m"), ("Holly", "holly", "f"), ("Jerome", "jerome", "m"),
            ("Wendy", "wendy", "f"), ("Felix", "felix", "m"), ("Amara", "amara", "f"), ("Kurt", "kurt", "m")],
           [("Whitaker",) * 2 + ("whitaker",), ("Okafor",) * 2 + ("okafor",), ("Lindqvist",) * 2 + ("lindqvist",),
            ("Brennan",) * 2 + ("brennan",), ("Sato",) * 2 + ("sato",), ("Delgado",) * 2 + ("delgado",),
            ("Hargrove",) * 2 + ("hargrove",), ("Pruitt",) * 2 + ("pruitt",), ("Castellano",) * 2 + ("castellano",),
            ("McAllister",) * 2 + ("mcallister",), ("Voss",) * 2 + ("voss",), ("Abernathy",) * 2 + ("abernathy",),
            ("Quinlan",) * 2 + ("quinlan",), ("Farrow",) * 2 + ("farrow",), ("Yates",) * 2 + ("yates",)]),
    "ko": ([("서연", "seoyeon", "f"), ("지훈", "jihoon", "m"), ("하은", "haeun", "f"), ("도윤", "doyoon", "m"),
            ("수빈", "subin", "f"), ("민재", "minjae", "m"), ("예린", "yerin", "f"), ("건우", "gunwoo", "m"),
            ("채원", "chaewon", "f"), ("현우", "hyunwoo", "m"), ("지아", "jia", "f"), ("태민", "taemin", "m"),
            ("윤서", "yunseo", "f"), ("성민", "sungmin", "m"), ("다은", "daeun", "f"), ("준영", "junyoung", "m")],
           [("김", "김", "kim"), ("이", "이", "lee"), ("박", "박", "park"), ("최", "최", "choi"), ("정", "정", "jung"),
            ("강", "강", "kang"), ("조", "조", "cho"), ("윤", "윤", "yoon"), ("장", "장", "jang"), ("임", "임", "lim"),
            ("한", "한", "han"), ("오", "오", "oh"), ("서", "서", "seo"), ("신", "신", "shin"), ("황", "황", "hwang")]),
    "uk": ([("Оксана", "oksana", "f"), ("Тарас", "taras", "m"), ("Мирослава", "myroslava", "f"),
            ("Богдан", "bohdan", "m"), ("Ірина", "iryna", "f"), ("Остап", "ostap", "m"), ("Соломія", "solomiia", "f"),
            ("Андрій", "andrii", "m"), ("Леся", "lesia", "f"), ("Назар", "nazar", "m"), ("Христина", "khrystyna", "f"),
            ("Степан", "stepan", "m"), ("Дарина", "daryna", "f"), ("Олексій", "oleksii", "m"),
            ("Юлія", "yuliia", "f"), ("Василь", "vasyl", "m")],
           [("Коваленко",) * 2 + ("kovalenko",), ("Бондар",) * 2 + ("bondar",), ("Ткачук",) * 2 + ("tkachuk",),
            ("Мельничук",) * 2 + ("melnychuk",), ("Гнатюк",) * 2 + ("hnatiuk",), ("Савчук",) * 2 + ("savchuk",),
            ("Кравець",) * 2 + ("kravets",), ("Лисенко",) * 2 + ("lysenko",), ("Дорошенко",) * 2 + ("doroshenko",),
            ("Павлюк",) * 2 + ("pavliuk",), ("Сидоренко",) * 2 + ("sydorenko",), ("Остапчук",) * 2 + ("ostapchuk",),
            ("Гаврилюк",) * 2 + ("havryliuk",), ("Зінченко",) * 2 + ("zinchenko",), ("Яремчук",) * 2 + ("yaremchuk",)]),
    "ru": ([("Екатерина", "ekaterina", "f"), ("Дмитрий", "dmitry", "m"), ("Ольга", "olga", "f"),
            ("Сергей", "sergey", "m"), ("Наталья", "natalia", "f"), ("Алексей", "alexey", "m"),
            ("Татьяна", "tatiana", "f"), ("Игорь", "igor", "m"), ("Марина", "marina", "f"), ("Павел", "pavel", "m")],
           [("Соколов", "Соколова", "sokolov"), ("Морозов", "Морозова", "morozov"), ("Волков", "Волкова", "volkov"),
            ("Лебедев", "Лебедева", "lebedev"), ("Новиков", "Новикова", "novikov"), ("Фёдоров", "Фёдорова", "fedorov"),
            ("Егоров", "Егорова", "egorov"), ("Орлов", "Орлова", "orlov"), ("Зайцев", "Зайцева", "zaitsev")]),
    "de": ([("Jana", "jana", "f"), ("Lukas", "lukas", "m"), ("Sabine", "sabine", "f"), ("Matthias", "matthias", "m"),
            ("Carina", "carina", "f"), ("Florian", "florian", "m"), ("Ute", "ute", "f"), ("Jörg", "joerg", "m"),
            ("Bettina", "bettina", "f"), ("Tobias", "tobias", "m")],
           [("Krüger", "Krüger", "krueger"), ("Hoffmann", "Hoffmann", "hoffmann"), ("Weißmann", "Weißmann", "weissmann"),
            ("Brandt", "Brandt", "brandt"), ("Lorenz", "Lorenz", "lorenz"), ("Vogt", "Vogt", "vogt"),
            ("Schäfer", "Schäfer", "schaefer"), ("Kuhn", "Kuhn", "kuhn"), ("Albrecht", "Albrecht", "albrecht")]),
    "es": ([("Lucía", "lucia", "f"), ("Javier", "javier", "m"), ("Marta", "marta", "f"), ("Andrés", "andres", "m"),
            ("Inés", "ines", "f"), ("Rodrigo", "rodrigo", "m"), ("Paula", "paula", "f"), ("Sergio", "sergio", "m"),
            ("Noelia", "noelia", "f"), ("Íñigo", "inigo", "m")],
           [("Gómez",) * 2 + ("gomez",), ("Fernández",) * 2 + ("fernandez",), ("Ruiz",) * 2 + ("ruiz",),
            ("Ortega",) * 2 + ("ortega",), ("Navarro",) * 2 + ("navarro",), ("Muñoz",) * 2 + ("munoz",),
            ("Herrera",) * 2 + ("herrera",), ("Castro",) * 2 + ("castro",), ("Peña",) * 2 + ("pena",)]),
    "fr": ([("Camille", "camille", "f"), ("Théo", "theo", "m"), ("Élodie", "elodie", "f"), ("Julien", "julien", "m"),
            ("Margaux", "margaux", "f"), ("Benoît", "benoit", "m"), ("Clémence", "clemence", "f"),
            ("Rémi", "remi", "m"), ("Anaïs", "anais", "f"), ("Hugo", "hugo", "m")],
           [("Lefèvre",) * 2 + ("lefevre",), ("Moreau",) * 2 + ("moreau",), ("Girard",) * 2 + ("girard",),
            ("Bonnet",) * 2 + ("bonnet",), ("Rousseau",) * 2 + ("rousseau",), ("Faure",) * 2 + ("faure",),
            ("Chevalier",) * 2 + ("chevalier",), ("Mercier",) * 2 + ("mercier",), ("Gauthier",) * 2 + ("gauthier",)]),
}
DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "inbox.example"]
LANG_DOMAINS = {"ko": ["example.co.kr.example", "hanmail.example", "example.com", "naver.example"],
                "uk": ["ukr.example", "example.com.ua.example", "example.net"],
                "ru": ["yandex.example", "example.ru.example", "example.org"],
                "de": ["web.example", "gmx.example", "example.de.example"],
                "es": ["example.es.example", "correo.example", "example.com"],
                "fr": ["orange.example", "example.fr.example", "laposte.example"]}
PLACES = {
    "en": [("US", "NY", "Brooklyn", "'11215", "{n} Prospect Pl"), ("US", "TX", "Austin", "'78704", "{n} Barton Springs Rd"),
           ("US", "OR", "Portland", "'97214", "{n} SE Belmont St"), ("US", "IL", "Evanston", "'60201", "{n} Sherman Ave"),
           ("GB", "", "Leeds", "LS6 2AB", "{n} Cardigan Road"), ("CA", "ON", "Ottawa", "K1S 3X5", "{n} Bank St"),
           ("AU", "VIC", "Fitzroy", "'3065", "{n} Brunswick St"), ("US", "CO", "Boulder", "'80302", "{n} Pearl St")],
    "ko": [("KR", "", "서울 마포구", "'04044", "양화로 {n}"), ("KR", "", "부산 해운대구", "'48094", "센텀중앙로 {n}"),
           ("KR", "", "성남시 분당구", "'13561", "정자일로 {n}"), ("KR", "", "대전 유성구", "'34141", "대학로 {n}")],
    "uk": [("UA", "", "Київ", "'01033", "вул. Саксаганського, {n}"), ("UA", "", "Львів", "'79008", "вул. Городоцька, {n}"),
           ("UA", "", "Одеса", "'65012", "вул. Канатна, {n}"), ("PL", "", "Kraków", "'30-059", "ul. Królewska {n}")],
    "ru": [("LV", "", "Rīga", "LV-1010", "Elizabetes iela {n}"), ("DE", "", "Berlin", "'10245", "Warschauer Str. {n}"),
           ("EE", "", "Tallinn", "'10145", "Narva mnt {n}"), ("IL", "", "Haifa", "'3303105", "Herzl St {n}")],
    "de": [("DE", "", "München", "'80337", "Lindwurmstraße {n}"), ("AT", "", "Wien", "'1070", "Neubaugasse {n}"),
           ("DE", "", "Köln", "'50674", "Zülpicher Str. {n}"), ("CH", "", "Zürich", "'8004", "Langstrasse {n}")],
    "es": [("ES", "", "Valencia", "'46004", "Calle de Colón, {n}"), ("ES", "", "Sevilla", "'41003", "Calle Feria, {n}"),
           ("MX", "", "Ciudad de México", "'06700", "Av. Álvaro Obregón {n}")],
    "fr": [("FR", "", "Lyon", "'69003", "{n} rue Paul Bert"), ("FR", "", "Nantes", "'44000", "{n} rue de Strasbourg"),
           ("BE", "", "Bruxelles", "'1050", "Rue du Bailli {n}"), ("CA", "QC", "Montréal", "H2T 1S1", "{n} rue Saint-Viateur")],
}
SIGNOFF_PHONE = {"en": ["Sent from my iPhone", "Sent from my Galaxy", "Get Outlook for Android"],
                 "ko": ["iPhone에서 보냄", "Galaxy에서 보냄"],
                 "uk": ["Надіслано з iPhone", "Відправлено з мого Galaxy"],
                 "ru": ["Отправлено с iPhone", "Отправлено из мобильной Почты"],
                 "de": ["Von meinem iPhone gesendet", "Gesendet von Outlook für Android"],
                 "es": ["Enviado desde mi iPhone", "Enviado desde mi Samsung Galaxy"],
                 "fr": ["Envoyé de mon iPhone", "Envoyé depuis mon appareil Galaxy"]}


# ------------------------------------------------------------ message specs --
MSGS = []


def M(key, lang, flags, subj, body, note, **kw):
    """One message.  flags: space/comma separated; body: the customer's new text.
    kw: tier, who (from|case|reply|order|order-missing|unknown|zero|zero-refund),
    spend (exact Total Spent), sub (subscription orders), quote=(style, text, by),
    form (plain|alt|html|mixed|mixedalt|rfc822), cs, cte, hcte, sig, crlf,
    forged, wrap, flowed, attach (png|pdf), ent (HTML entities), subjq (Q words)."""
    fl = [f for f in re.split(r"[ ,]+", flags) if f and f != "-"]
    for f in fl:
        assert f in FLAGS, (key, f)
    if "chargeback-reship" in fl:
        assert "chargeback" in fl, key
    d = dict(key=key, lang=lang, flags=[f for f in FLAGS if f in fl], subj=subj, body=T(body),
             note=note)
    d.update(kw)
    MSGS.append(d)


# --------------------------------------------------------------- customers --
class Cust:
    pass


CUSTOMERS = []   # Cust
ORDERS = []      # dict
USED_EMAILS = set()


def new_person(lang, r):
    givens, surnames = PEOPLE[lang]
    for _ in range(200):
        g, gr, sex = r.choice(givens)
        sm, sf, sr = r.choice(surnames)
        s = sf if sex == "f" else sm
        dom = r.choice(LANG_DOMAINS.get(lang, DOMAINS) + DOMAINS[:2])
        pat = r.randrange(5)
        local = [gr + "." + sr, gr + "_" + sr, gr[0] + sr, gr + "." + sr + str(r.randrange(2, 99)),
                 sr + "." + gr][pat]
        addr = local + "@" + dom
        if addr not in USED_EMAILS:
            USED_EMAILS.add(addr)
            return g, s, addr
    raise RuntimeError("names exhausted")


def make_items(r, lo=1, hi=3):
    items = []
    for p in r.sample(PRODUCTS, r.randint(lo, hi)):
        items.append((p[0], D(p[1]), p[2], 1 if r.random() < 0.8 else 2))
    return items


def price_order(o, country):
    sub = sum(p * q for _, p, _, q in o["items"])
    o["subtotal"] = sub
    o["discount"] = D(sub * Decimal("0.10")) if o.get("code") else D(0)
    o["shipping"] = D(0) if sub >= 100 or o.get("subscription") else D("12.50" if country != "US" else "7.95")
    o["taxes"] = D((sub - o["discount"]) * Decimal("0.0725")) if country == "US" else D(0)
    o["total"] = sub - o["discount"] + o["shipping"] + o["taxes"]


def counted(o):
    return o["status"] in ("paid", "partially_refunded", "refunded")


def ltv(orders):
    return sum((o["total"] - o["refunded"] for o in orders if counted(o)), D(0))


RANGES = {"vip": (D(1000), D(3800)), "loyal": (D(250), D("999.99")), "standard": (D("0.01"), D("249.99"))}
NORDERS = {"vip": (3, 9), "loyal": (2, 5), "standard": (1, 2)}


def gen_orders(c, tier, spend, sub, r):
    """Orders for customer c so that Total Spent lands in tier (or == spend)."""
    country = c.country
    for attempt in range(500):
        orders = []
        if sub:
            prod = r.choice(SUBS)
            start = dt.datetime(2024, 11, 1) + dt.timedelta(days=r.randrange(60))
            for k in range(r.randint(2, 4)):
                orders.append(dict(items=[(prod[0], D(prod[1]), prod[2], 1)], subscription=True,
                                   tags="Subscription First Order" if k == 0 else "Subscription Recurring Order",
                                   created=start + dt.timedelta(days=30 * k, minutes=r.randrange(600))))
        if tier == "standard" and sub:
            n = 0
        else:
            n = r.randint(*NORDERS[tier]) if tier in NORDERS else 0
        for k in range(n):
            lo, hi = (1, 2) if tier == "standard" else (1, 4)
            o = dict(items=make_items(r, lo, hi), code=r.random() < 0.15,
                     created=dt.datetime(2023, 1, 10) + dt.timedelta(days=r.randrange(780),
                                                                     minutes=r.randrange(1440)))
            orders.append(o)
        for o in orders:
            o["status"] = "paid"
            o["refunded"] = D(0)
            price_order(o, country)
            if not o.get("subscription"):
                x = r.random()
                if x < 0.07:
                    o["status"], o["refunded"] = "partially_refunded", D(o["total"] * Decimal("0.25"))
                elif x < 0.10 and len(orders) > 1:
                    o["status"], o["refunded"] = "refunded", o["total"]
        lv = ltv(orders)
        if spend is not None:
            target = D(spend)
            extra = lv - target
            cands = [o for o in orders if o["status"] == "paid" and not o.get("subscription")
                     and o["total"] > extra]
            if extra <= 0 or not cands:
                continue
            o = cands[-1]
            o["status"], o["refunded"] = "partially_refunded", extra
            assert ltv(orders) == target
            return orders
        lo, hi = RANGES[tier]
        if lo <= lv <= hi:
            return orders
    raise RuntimeError("cannot fit orders for %s %s %s" % (c.email, tier, spend))


def add_customer(lang, r, tier, spend=None, sub=False, zero=None):
    c = Cust()
    c.lang = lang
    c.first, c.last, c.email = new_person(lang, r)
    pl = r.choice(PLACES[lang])
    c.country, c.prov, c.city, c.zip, street = pl
    c.addr1 = street.format(n=r.randint(2, 240))
    c.phone = ""
    if r.random() < 0.3:
        c.phone = "'+%d %03d-%03d-%04d" % (r.choice([1, 44, 82, 380, 49]), r.randrange(200, 999),
                                            555, r.randrange(100, 199))
    c.id = "'%d" % (7104400000000 + r.randrange(10 ** 8))
    c.marketing = r.choice(["yes", "no"])
    c.note = ""
    c.tags = ""
    if tier == "new":
        orders = []
        if zero == "refund":
            o = dict(items=make_items(r, 1, 1), created=dt.datetime(2024, 12, 1) + dt.timedelta(days=r.randrange(60)))
            price_order(o, c.country)
            o["status"], o["refunded"] = "refunded", o["total"]
            orders.append(o)
    else:
        orders = gen_orders(c, tier, spend, sub, r)
    if r.random() < 0.08 and tier != "new":
        o = dict(items=make_items(r, 1, 1), created=dt.datetime(2024, 6, 1) + dt.timedelta(days=r.randrange(200)))
        price_order(o, c.country)
        o["status"], o["refunded"], o["voided"] = "voided", D(0), True
        orders.append(o)
    for o in orders:
        o["cust"] = c
        o.setdefault("tags", "")
        ORDERS.append(o)
    c.orders = orders
    if tier == "vip" and r.random() < 0.5:
        c.tags = "VIP"
    CUSTOMERS.append(c)
    return c


def assign_order_names():
    ORDERS.sort(key=lambda o: (o["created"], o["cust"].email))
    for i, o in enumerate(ORDERS):
        o["name"] = "#%d" % (4101 + i)


ORDER_COLS = None  # set from the header list below


def shop_ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S -0500")


def write_csvs():
    cust_cols = ["Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
                 "Default Address Company", "Default Address Address1", "Default Address Address2",
                 "Default Address City", "Default Address Province Code", "Default Address Country Code",
                 "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
                 "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags"]
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(cust_cols)
    for c in sorted(CUSTOMERS, key=lambda c: c.id):
        w.writerow([c.id, c.first, c.last, c.email, c.marketing, "", c.addr1, "", c.city, c.prov,
                    c.country, c.zip, c.phone, c.phone, "no", str(ltv(c.orders)),
                    str(sum(1 for o in c.orders if counted(o))), c.note, "no", c.tags])
    with open(os.path.join(HERE, "customers.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(ORDER_HEADER)
    for o in ORDERS:
        c = o["cust"]
        full = c.first + " " + c.last
        t = o["created"]
        paid = shop_ts(t + dt.timedelta(seconds=17))
        voided = o.get("voided")
        ful = "" if voided else "fulfilled"
        fat = "" if voided else shop_ts(t + dt.timedelta(days=2, hours=3))
        method = "Subscription Shipping" if o.get("subscription") else (
            "Free Shipping" if o["shipping"] == 0 else "Standard Shipping")
        pay = "PayPal Express Checkout" if int(hx(o["name"], n=2), 16) < 40 else "Shopify Payments"
        for k, (name, price, sku, qty) in enumerate(o["items"]):
            row = dict.fromkeys(ORDER_HEADER, "")
            row.update({"Name": o["name"], "Email": c.email, "Created at": shop_ts(t),
                        "Lineitem quantity": str(qty), "Lineitem name": name, "Lineitem price": str(price),
                        "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                        "Lineitem fulfillment status": "pending" if voided else "fulfilled",
                        "Vendor": SHOP, "Lineitem discount": "0.00"})
            if k == 0:
                row.update({"Financial Status": o["status"], "Paid at": "" if voided else paid,
                            "Fulfillment Status": "unfulfilled" if voided else ful, "Fulfilled at": fat,
                            "Accepts Marketing": c.marketing, "Currency": "USD",
                            "Subtotal": str(o["subtotal"]), "Shipping": str(o["shipping"]),
                            "Taxes": str(o["taxes"]), "Total": str(o["total"]),
                            "Discount Code": "SPRING10" if o["discount"] else "",
                            "Discount Amount": str(o["discount"]), "Shipping Method": method,
                            "Billing Name": full, "Billing Street": c.addr1, "Billing Address1": c.addr1,
                            "Billing City": c.city, "Billing Zip": c.zip, "Billing Province": c.prov,
                            "Billing Country": c.country, "Billing Phone": c.phone,
                            "Shipping Name": full, "Shipping Street": c.addr1, "Shipping Address1": c.addr1,
                            "Shipping City": c.city, "Shipping Zip": c.zip, "Shipping Province": c.prov,
                            "Shipping Country": c.country, "Shipping Phone": c.phone,
                            "Cancelled at": shop_ts(t + dt.timedelta(hours=5)) if voided else "",
                            "Payment Method": pay, "Payment Reference": "c" + hx("ref", o["name"], n=21) + ".1",
                            "Refunded Amount": str(o["refunded"]), "Outstanding Balance": "0.00",
                            "Id": "'%d" % (6301100000000 + int(hx("oid", o["name"], n=8), 16) % 10 ** 9),
                            "Tags": o["tags"], "Risk Level": "Low", "Source": "web"})
            w.writerow([row[h] for h in ORDER_HEADER])
    with open(os.path.join(HERE, "orders.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


# ----------------------------------------------------------------- rendering --
def hard_wrap(text, width=72):
    out = []
    for line in text.split("\n"):
        out.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""])
    return "\n".join(out)


def flowed(text, width=72):
    out = []
    for line in text.split("\n"):
        parts = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        out.extend([p + " " for p in parts[:-1]] + [parts[-1]])
    return "\n".join(out)


def quote_plain(style, lines_attr, qtext):
    q = "\n".join(">" if not l else (">" + l if l.startswith(">") else "> " + l) for l in qtext.split("\n"))
    if style in ("apple", "uk_apple"):
        return "> " + "\n> ".join(lines_attr) + "\n>\n" + q
    if style in PREFIXED:
        return "\n".join(lines_attr) + "\n\n" + q
    return "\n".join(lines_attr) + "\n\n" + qtext


def esc(s, ent):
    s = html.escape(s, quote=True)
    if ent:
        s = s.replace("&#x27;", "&#39;").replace(". ", ".&nbsp; ").replace(", ", ",&nbsp;")
    return s


def text_html(text, ent):
    paras = text.split("\n\n")
    return "".join('<div dir="ltr">%s</div><div><br></div>' % "<br>".join(esc(l, ent) for l in p.split("\n"))
                   for p in paras)


def quote_html(style, lines_attr, qtext, ent):
    qh = text_html(qtext, ent)
    if style in ("apple", "uk_apple"):
        return ('<div><br><blockquote type="cite"><div>%s</div><br>%s</blockquote></div>'
                % (esc(lines_attr[0], ent), qh))
    if style in PREFIXED:
        return ('<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">%s<br></div>'
                '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                'rgb(204,204,204);padding-left:1ex">%s</blockquote></div>' % (esc(lines_attr[0], ent), qh))
    hdr = []
    for l in lines_attr:
        if ":" in l and not l.startswith("-") and not l.startswith("_"):
            k, v = l.split(":", 1)
            hdr.append("<b>%s:</b>%s" % (esc(k, ent), esc(v, ent)))
    return ('<div id="appendonsend"></div><hr style="display:inline-block;width:98%%" tabindex="-1">'
            '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
            'color="#000000">%s</font><div>&nbsp;</div></div><div>%s</div>' % ("<br>".join(hdr), qh))


def cte_encode(data, cte):
    if cte in ("7bit", "8bit"):
        return data if data.endswith(b"\n") else data + b"\n"
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    if cte == "base64":
        return base64.encodebytes(data)
    raise KeyError(cte)


def leaf(ctype, cs, text, cte, extra="", errors="strict"):
    if errors == "strict":
        data = enc(text, cs)
    else:
        data = text.encode(CODEC[cs], errors)
    if cte in ("7bit", "8bit"):
        cte = "7bit" if all(b < 128 for b in data) else "8bit"
    return ("Content-Type: %s; charset=%s%s\nContent-Transfer-Encoding: %s\n\n" % (
        ctype, '"%s"' % cs if cs.startswith("ks_c") or cs.startswith("euc") else cs, extra, cte)).encode() + \
        cte_encode(data, cte)


def multipart(sub, parts, bnd):
    out = b"Content-Type: multipart/%s;\n boundary=\"%s\"\n\n" % (sub.encode(), bnd.encode())
    for p in parts:
        out += b"--" + bnd.encode() + b"\n" + p + (b"" if p.endswith(b"\n") else b"\n")
    return out + b"--" + bnd.encode() + b"--\n"


def png_bytes(seed):
    w = h = 8
    raw = b"".join(b"\x00" + bytes([(seed * 37 + x * 29 + y * 11) % 256 for x in range(w)] * 3)[:w * 3]
                   for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b""))


def pdf_bytes(label):
    s = "BT /F1 12 Tf 40 90 Td (%s) Tj ET" % label
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length %d >>\nstream\n%s\nendstream" % (len(s), s),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = "%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    x = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += "".join("%010d 00000 n \n" % o for o in offs)
    out += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out.encode("ascii")


ATTACH_NAMES = {"en": ("tracking-screenshot.png", "receipt.pdf"), "ko": ("배송조회_캡처.png", "영수증.pdf"),
                "uk": ("скріншот_відстеження.png", "квитанція.pdf"), "ru": ("скриншот.png", "чек.pdf"),
                "de": ("Sendungsverfolgung.png", "Rechnung_Kopie.pdf"), "es": ("captura_envío.png", "recibo.pdf"),
                "fr": ("capture_suivi.png", "reçu.pdf")}


def attachment(kind, lang, key, style):
    name = ATTACH_NAMES[lang][0 if kind == "png" else 1]
    data = png_bytes(int(hx(key, n=2), 16)) if kind == "png" else pdf_bytes("Scan " + key)
    ctype = "image/png" if kind == "png" else "application/pdf"
    if all(ord(c) < 128 for c in name):
        disp = 'attachment; filename="%s"' % name
        nm = '; name="%s"' % name
    elif style == 2231:
        q = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "".join("%%%02X" % b for b in c.encode())
                    for c in name)
        disp = "attachment;\n filename*=utf-8''%s" % q
        nm = ""
    else:
        w = ewords(name, "utf-8", "B").replace("\n ", " ")
        disp = 'attachment; filename="%s"' % w
        nm = '; name="%s"' % w
    return ("Content-Type: %s%s\nContent-Disposition: %s\nContent-Transfer-Encoding: base64\n\n"
            % (ctype, nm, disp)).encode() + base64.encodebytes(data)


ORDER_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes",
    "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level",
    "Source", "Lineitem discount",
]


# ================================================================== ENGLISH ==
QE_CB = """Hi {name},

Thanks for your patience while we looked into order #{ord}. One note for
transparency: if a chargeback or bank dispute is opened, we're required to
pause any replacement until the card issuer closes the case. We'd much rather
fix this with you directly.

Warm regards,
Ellie | Larkspur Home Support"""

QE_REV = """Hi {name}!

Good news: your refund of the shipping fee went through today. If you have a
minute, a review helps a small shop like ours more than you'd think - we read
every single one, the 1-star ones too.

Best,
Ravi at Larkspur Home"""

QE_AMZ = """Hello {name},

Your replacement left our warehouse this morning. It's traveling with Amazon
Shipping this time, so the tracking page may look a little different.
We know big retailers like Amazon can refund instantly; we're a small team,
so refunds take 3-5 business days after the return scan.

Kind regards,
Larkspur Home Support"""

M("E01", "en", "review-threat", "Still waiting on order #{ord}", """
Hi,

This is my third email about the lamp that arrived with a cracked base. Three weeks, zero answers. I’ve been a customer for a while and honestly I'm stunned.

I run a small home-decor account and people deserve to know how you treat the customers who actually keep you in business. If I don’t have a real answer by Monday, that's exactly what my next post will be about.

{name}
""", "indirect threat of public exposure as leverage")

M("E02", "en", "review-threat", "broken carafe - really?", """
hey so the carafe showed up in pieces. not thrilled.

i have about 40k followers on instagram and most of them are into exactly this kind of kitchen stuff. they will hear about this unless someone gets back to me with a replacement this week. just saying.

- {lname}
""", "threat to tell followers unless replaced", who="case", wrap=False)

M("E03", "en", "review-threat", "About my review", """
Hello,

Yes, I'm the one who left the 1-star review on your product page and on Trustpilot last week. The towels shed everywhere after one wash.

I'll take both reviews down once you refund the full amount for order #{ord}. Until then they stay up, and I'll keep updating them.

{full}
""", "review extortion: remove 1-star review once refunded",
  forged=["X-Triage-Tier: vip", "X-Triage-Flags: none", "x-triage-action: accommodate"])

M("E04", "en", "review-threat chargeback", "Final notice re: order {ord}", """
To whom it may concern,

The Dutch oven I received has a chip in the enamel the size of a dime. I sent photos ten days ago.

Here is where we are: either I get a full refund by Friday, or I dispute the charge with my credit card company AND I write up the whole experience on every review site I can find. Your choice.

Regards,
D. Abernathy
""", "threatens both a card dispute and bad reviews as leverage for a refund")

M("E05", "en", "chargeback", "Refund request", """
Hi there,

I returned the grill pan on the 2nd (tracking shows you received it on the 6th) and I still haven't seen my money. Please process the refund this week.

If it isn't back on my card by next Wednesday I'll just have my bank claw it back - I really don’t want to go that route, but I will.

Thanks,
{name}
""", "dispute threatened only as leverage for a refund: chargeback alone")

M("E06", "en", "chargeback", "Charge I don’t recognize", """
I'm not going to go back and forth on this. I ordered a throw, got a doormat, and your 'returns portal' just loops back to the login page.

I’ve already opened a claim with PayPal for the full amount. They can sort it out with you. Consider this notice.

{name}
""", "PayPal claim opened, no request for anything more", sig="phone")

M("E07", "en", "chargeback chargeback-reship", "order #{ord} never arrived properly", """
Hi,

Just to update you - I called my bank yesterday and they're reversing the payment since the box showed up with the wrong pillows in it.

In the meantime can you please send out the correct pair (the down alternative ones, 2-pack)? I still need them before my in-laws visit on the 20th.

Thanks
{name}
""", "bank reversal already under way + asks for the correct item to be sent")

M("E08", "en", "chargeback chargeback-reship", "Need a new kettle", """
Good morning,

The copper kettle leaks from the spout seam. The card company is pulling the money back - I filed with them on Saturday because nobody answered the phone.

Could you also ship me a replacement kettle in the meantime? I don’t want to be without one for weeks while the bank does its thing.

{full}
""", "card issuer dispute filed + asks for a replacement", who="reply")

M("E09", "en", "chargeback chargeback-reship", "dispute + replacement", """
Hello Larkspur team,

I opened a dispute with Amex for order #{ord} because the sheets were the wrong size (queen, not king). That's already in process, reference on their side is pending.

Separately, I'd still like the king set actually sent to me. Can you just ship it out and we'll let the dispute run its course?

Best,
{full}
""", "Amex dispute opened + asks for the right item to be shipped too", tier="vip")

M("E10", "en", "chargeback chargeback-reship", "Klarna", """
Hi,

Since the order was three weeks late and arrived dented, I’ve raised it with Klarna and paused my remaining installments. They said the case is open now.

Given all the hassle I think a discount code for my next order would be fair on top of that. 20% would feel about right.

{name}
""", "Klarna dispute opened + asks for a discount on top", form="alt", ent=True)

M("E11", "en", "wrong-address", "Wrong address on my order!!", """
Hi, I just realized I checked out with my OLD address - we moved out of the apartment on Sherman Ave in January and the autofill picked it up. Completely my fault.

Tracking says it's still at the local depot. Is there any way to reroute it to 57 Cedar Ct, Evanston IL 60202 instead? Happy to pay any fee.

Thank you so much,
{name}
""", "customer's own old address, asks to reroute", tier="loyal")

M("E12", "en", "wrong-address", "typo in zip", """
Hello,

I think I made a typo in my zip code when ordering the candles - I typed 78740 instead of 78704. The tracking now shows some town I’ve never heard of.

Can you contact the carrier or resend? Sorry about this.

{name}
""", "typo in own zip code, asks for help")

M("E13", "en", "wrong-address", "gift went to me instead of my sister", """
Hi there,

Silly mistake on my part: the dinner plates were meant as a housewarming gift for my sister in Denver, but I left my own address as the shipping address (I forgot to switch it in the checkout). They arrived here in Brooklyn today.

Is there anything you can do to help me get a set to her? I'm happy to send these back.

Thanks,
{name}
""", "own address left in checkout instead of the recipient's; vip -> accommodate", tier="vip")

M("E14", "en", "review-threat wrong-address", "address problem on #{ord}", """
OK so I'll admit I put my old address in. But your checkout should really have caught that it didn't match my billing address.

Either you get the package redirected to my new place at no charge, or I'm leaving a review about how useless your checkout is. Pretty simple.

{name}
""", "own wrong address + review threat as leverage", tier="vip")

M("E15", "en", "delivered-not-received", "Package says delivered but it isn't here", """
Hi,

Tracking for my order says "Delivered, left at front door" yesterday at 2:14pm. There is nothing at my front door. I was home all afternoon and checked with the building manager and both neighbours.

What are the next steps? I'd like either a replacement or a refund.

{full}
""", "tracking says delivered, never received", spend="249.99", tier="standard")

M("E16", "en", "delivered-not-received", "missing delivery", """
The app shows my package as delivered on March 11 with a photo - but the photo is of a door that isn't mine. Different color, different house number.

I never received the serving board. Can you open an investigation or send another one?

{name}
""", "marked delivered (photo of another door), not received")

M("E17", "en", "delivered-not-received amazon-expectation", "where is my stuff", """
Your tracking says delivered. My porch says otherwise. Been a week.

Honestly, with Amazon this would've been sorted in five minutes - they'd just send a new one, no questions asked, no filling out forms. I don’t understand why I have to prove to you that I didn't get something.

{initial}
""", "delivered per tracking but missing + Amazon held up as the standard")

M("E18", "en", "delivered-not-received", "Order #{ord} - marked as delivered", """
Hello,

I hope you're well. The tracking for my order shows it was delivered last Thursday, but it never made it to me. I’ve checked the mailroom twice and our concierge has no record of it.

I’ve ordered from you many times and never had a problem, so I'm sure this is just a carrier mix-up. Could you look into it?

Kind regards,
{full}
""", "delivered per tracking, not received; vip -> accommodate", tier="vip", flowed=True)

M("E19", "en", "subscription-surprise", "Why was I charged again??", """
Hi,

I bought a bag of the coffee in December and I’ve now been charged three more times. I had no idea this was a subscription - I thought it was a one-time purchase. I must have missed that when I checked out.

Please cancel it and refund the last two charges. I never wanted this.

{name}
""", "did not realize it was recurring, wants charges refunded", sub=True)

M("E20", "en", "subscription-surprise", "candle subscription", """
Hello,

I'll be honest, I didn't read the fine print when I signed up for the candle box and I guess I ignored the reminder emails too (they went to my promotions folder). I just saw four charges on my statement.

Is there any way to cancel and get at least the last one or two refunded? I really thought it was a single box.

Thank you,
{name}
""", "ignored reminders, surprised by recurring charges, wants refund", sub=True)

M("E21", "en", "chargeback subscription-surprise", "unauthorized recurring charges", """
I never agreed to a monthly subscription. I clicked buy ONCE. Nobody reads those terms and you know it.

Refund every charge after the first one, or I'm going to my bank and disputing all of them.

{full}
""", "surprised by subscription + threatens bank dispute as leverage", sub=True, form="plain", cte="base64")

M("E22", "en", "subscription-surprise", "Linen box - cancel + refund please", """
Dear Larkspur team,

I’ve just noticed that the linen box I ordered for myself in the autumn has been renewing every two months. I clearly didn't pay attention to the terms when I placed the order, and I must have skimmed past your reminder emails.

Would you be able to cancel it and refund the most recent box? It hasn't been opened.

Many thanks,
{full}
""", "subscription taken without reading terms, wants last charge refunded; vip -> accommodate",
  tier="vip", sub=True)

M("E23", "en", "amazon-expectation", "Return process is ridiculous", """
I have to print a label, pay for postage, AND wait for you to inspect the return before you send a replacement?

When something breaks from Amazon I drop it at the UPS store and have a new one on my doorstep in two days. This is 2025. Please just send the replacement now.

{name}
""", "Amazon's return-and-replace held up as the standard")

M("E24", "en", "amazon-expectation", "refund timing", """
Hi,

Your email says refunds take 5-7 business days after you receive the return. Any big retailer refunds the moment the carrier scans the package. I don’t see why you can't do the same.

Can you please push my refund through today?

Thanks, {full}
""", "'any big retailer' refund speed demanded as the standard", form="html", ent=True)

M("E25", "en", "amazon-expectation", "damaged throw", """
Thanks for getting back to me, but asking for photos, the packaging, AND the order slip is a lot.

Amazon would just take my word for it and ship a new one. That's the bar now, sorry.

Can you just send a new throw?

Best,
{full}
""", "Amazon as the bar for no-questions replacement", quote=("gmail", """Hi {name},

Sorry to hear the throw arrived damaged! Could you send us two photos of the
damage, a photo of the outer box and the packing slip? Then we'll sort it out.

Thanks,
Ellie""", "shop"))

M("E26", "en", "review-threat amazon-expectation", "this is why people buy on amazon", """
Seriously, I’ve been waiting 12 days for a refund on a knife I returned.

Amazon refunds before the box even reaches the warehouse. If you want to compete you need to do the same. And if this isn't fixed today, I'm putting this whole story in a Google review so others know what to expect.

{full}
""", "Amazon as the standard + review threat")

# ---- English hard negatives
M("EN01", "en", "-", "Question before I leave a review", """
Hi!

The oak serving board arrived yesterday and it's gorgeous - I'm definitely going to leave a review once I’ve used it a few times. 5 stars so far :)

Quick question: what oil do you recommend for it, and how often?

Cheers,
{name}
""", "positive review promise + care question", tier="vip", spend="1000.00")

M("EN02", "en", "-", "Thank you!!", """
Just wanted to say the pillows are amazing. Best sleep I’ve had in months. Five stars, will tell all my friends!

{name}
""", "positive '5 stars' and telling friends, no leverage", sig="phone")

M("EN03", "en", "-", "Fake review on your site", """
Hello,

Someone has posted a 1-star review of the enamel Dutch oven under my first name and last initial saying it rusted. That wasn't me - I love mine and I’ve never written a review for you.

Could you remove it or at least mark it so people don’t think it's from me?

Thanks,
{full}
""", "asks to remove someone else's fake review")

M("EN04", "en", "-", "How do I return something?", """
Hi there,

I'd like to return the linen napkins from order #{ord} - the colour is more orange than I expected. How do I get a refund? Do I need a label from you, or can I send them back myself?

Thank you!
""", "refund how-to; sender unknown, order number identifies the customer", who="order")

M("EN05", "en", "-", "Charged twice?", """
Hi,

I just noticed two identical charges of the same amount on my card from Larkspur Home on the same day, but I only placed one order. Before I contact my bank, I wanted to check with you - is one of them just a pending authorization that will drop off?

Thanks for checking,
{full}
""", "double charge, asks the shop before contacting the bank (no dispute)", who="case")

M("EN06", "en", "-", "UPS damage claim", """
Hello,

The rattan lamp arrived with the shade crushed. The box was clearly dropped. I’ve already filed a damage claim with UPS and they said they'd contact the shipper too.

Let me know if you need photos from me as well.

{name}
""", "damage claim with UPS (courier), not a payment dispute", form="mixed", attach="png")

M("EN07", "en", "-", "Tracking question", """
Hi, my tracking number shows the package was handed over to Amazon Logistics for the last mile. Is that normal? I’ve never had a Larkspur order come that way before. It says arriving Thursday.

Thanks!
""", "Amazon only as the carrier")

M("EN08", "en", "-", "Espresso cups", """
Hello,

I bought a little espresso machine on Amazon last week and I'm looking for cups to go with it. Are your speckled espresso cups dishwasher safe, and do they fit under a 9cm spout?

Thanks,
{name}
""", "Amazon only as another shop")

M("EN09", "en", "-", "Cancel my coffee club", """
Hi,

Could you please cancel my coffee subscription after this month's bag? We're moving to a place with a great roaster down the street. Loved the beans, thank you for a great year.

Best,
{name}
""", "polite subscription cancellation, no complaint", sub=True)

M("EN10", "en", "-", "Order status", """
Hello,

My order hasn't arrived yet - the tracking says "in transit" and it's been stuck at the regional hub in Memphis for four days now. Should I be worried? Is there anything you can do on your end?

Thanks,
{full}
""", "parcel stuck in transit (not delivered-not-received)", who="reply")

M("EN11", "en", "-", "False alarm", """
Hi again,

Please ignore my last message! The tracking said delivered and I couldn't find it anywhere, but it turns out our neighbour took it in for us while we were out. All good now.

Sorry for the trouble,
{name}
""", "marked delivered but found at the neighbour's: no flag", form="alt")

M("EN12", "en", "-", "Can I change the delivery address?", """
Hi,

My order #{ord} has the right address, but I'll be away at my parents' place for the next three weeks. Is it possible to send it there instead? 14 Fern Hollow Rd, Ithaca NY 14850.

Thank you,
{name}
""", "address was correct; change for travel is no flag")

M("EN13", "en", "-", "Your refund", """
Thank you Ravi, got it! Appreciate the quick help.
""", "short thanks; quoted agent text mentions reviews and 1-star", form="html",
  quote=("gmail", QE_REV, "shop"))

M("EN14", "en", "-", "order #{ord}", """
Hi Ellie,

The replacement arrived today and it's perfect. Thank you for sorting this out so quickly, and sorry if my earlier email was a bit heated.

{name}
""", "issue resolved; quoted agent text mentions chargeback and bank dispute", form="alt",
  quote=("outlook", QE_CB, "shop"))

M("EN15", "en", "-", "carafe", """
Hi,

Okay, understood. I'll wait for the replacement then. When do you think it will ship?

{name}
""", "own earlier review threat appears only in the quoted thread", quote=("apple", """Hello,

My carafe arrived broken. If I don’t hear back by tomorrow I'm posting 1-star
reviews everywhere and telling everyone I know.

Jerome""", "self"), form="alt")

M("EN16", "en", "-", "Your replacement is on the way", """
Hi team, forwarding the email you sent me last week. It says the replacement shipped, but the tracking link in it doesn't work for me. Could you send me a working one?

Thanks,
{name}
""", "status question; forwarded agent mail (message/rfc822) mentions Amazon",
  quote=("rfc822", QE_AMZ, "shop"))

M("EN17", "en", "-", "Disappointed with the sheets", """
Hi,

I wanted to give you honest feedback: the percale sheets pilled after three washes. I followed the care instructions. I'm not asking for anything, I just think you should know, because the quality doesn't match the price.

Regards,
{full}
""", "honest complaint, no leverage", form="plain", cs="windows-1252")

M("EN18", "en", "-", "Gift card question", """
Hello, I created an account last month but haven't ordered yet. Do you sell gift cards, and can they be emailed?

Thanks
""", "pre-sales question", who="zero", tier="new")

M("EN19", "en", "-", "Where is my order #{ord}?", """
Hi,

I placed an order about a week ago (#{ord}) and haven't received a shipping confirmation yet. Could you let me know when it will ship?

Thanks, {name}
""", "order-status question; cited number is not in orders.csv", who="order-missing", tier="new")

M("EN20", "en", "-", "quick question", """
Hi, do you ship to Puerto Rico? And if I leave a review after my first order, is there a discount for the next one? Thanks!
""", "pre-sales question mentioning reviews neutrally; unknown sender")


# =================================================================== KOREAN ==
QK_CB = """{name}님, 안녕하세요. 라크스퍼 홈 고객센터 김하늘입니다.

주문 #{ord} 건은 확인 후 다시 안내드리겠습니다.
참고로 카드사 이의제기(차지백)가 접수되면 분쟁이 종료될 때까지
재발송이나 추가 보상이 어려운 점 양해 부탁드립니다.
만족하셨다면 리뷰 한 줄 남겨 주시면 큰 힘이 됩니다. 별점 1점 리뷰도 모두 읽고 있어요.

감사합니다."""

QK_AMZ = """안녕하세요 {name}님,

교환 상품이 오늘 출고되었습니다. 이번에는 아마존 배송(Amazon Shipping)으로
발송되어 조회 화면이 조금 다를 수 있습니다. 쿠팡처럼 즉시 환불은 어렵지만
반품 도착 후 3~5영업일 안에 처리해 드립니다.

라크스퍼 홈 드림"""

M("K01", "ko", "review-threat", "주문한 램프 관련 문의드립니다", """
안녕하세요.

램프 받았는데 받침대에 금이 가 있어서 사진까지 보내드렸는데 벌써 2주째 답이 없네요.
제가 육아 블로그를 하는데 이웃분들이 거의 만 명 가까이 됩니다. 이런 식으로 고객 응대하시는 거, 다른 분들도 알아야 한다고 생각해요.
이번 주 안에 연락 없으시면 그대로 포스팅하겠습니다.

{full}
""", "블로그 포스팅을 지렛대로 한 간접 위협")

M("K02", "ko", "review-threat", "리뷰 관련해서요", """
네, 별점 1점 남긴 사람 저 맞아요. 수건이 한 번 빨았는데 털이 너무 빠져서요.

주문번호 #{ord} 전액 환불해 주시면 그 리뷰 바로 내릴게요. 그 전까지는 그대로 둘 거고 다른 사이트에도 똑같이 올릴 생각입니다.
""", "리뷰 삭제를 조건으로 환불 요구 (review extortion)")

M("K03", "ko", "review-threat", "아니 진짜 너무하시네요", """
택배 박스 열어보니까 그릇 두 개가 깨져 있었어요. 문의 남긴 지 열흘 넘었는데 아무 답도 없고요.
오늘까지 교환 안 해주시면 저 맘카페에 사진이랑 같이 다 올립니다. 동네 엄마들 다 보는 데예요.
""", "맘카페 공개를 조건으로 교환 요구", form="plain", cte="base64")

M("K04", "ko", "review-threat chargeback", "마지막으로 말씀드립니다", """
더치오븐 법랑이 깨진 채로 왔고 사진도 두 번이나 보냈습니다.

금요일까지 전액 환불 처리가 안 되면 카드사에 이의 신청하고, 네이버 리뷰랑 인스타에 이번 일 전부 올리겠습니다. 선택은 그쪽이 하세요.

{full} 드림
""", "카드사 이의신청과 리뷰 공개를 함께 위협")

M("K05", "ko", "chargeback", "반품 환불 언제 되나요?", """
안녕하세요, 그릴팬 반품한 지 2주 됐고 배송조회 보면 3일에 이미 회사에 도착했다고 나와요.
그런데 아직 환불이 안 들어왔네요.

다음 주 수요일까지 카드로 환불 안 되면 그냥 카드사에 결제 취소 요청할게요. 저도 그렇게까지 하고 싶진 않은데 어쩔 수 없네요.
""", "환불을 받기 위한 카드사 결제취소 위협 (chargeback만)",
  forged=["X-Triage-Flags: none", "X-Triage-Tier: vip", "X-TRIAGE-Customer: ltv=99999.00 USD; orders=99; matched=from"])

M("K06", "ko", "chargeback", "결제 건 처리 안내", """
여러 번 문의드려도 답이 없어서 카드사에 이의제기 접수했습니다.
주문한 건 담요인데 현관매트가 왔고, 반품 페이지는 계속 로그인 화면으로만 돌아가네요.
카드사 쪽에서 연락 갈 거라고 하니 그쪽이랑 해결하시면 될 것 같습니다.
""", "카드사 이의제기 이미 접수, 추가 요구 없음")

M("K07", "ko", "chargeback chargeback-reship", "베개가 잘못 왔어요", """
안녕하세요.
주문한 거랑 다른 베개가 와서 어제 카드사에 전화해서 이의신청 했어요. 카드사에서 결제 취소 진행 중이라고 하더라고요.

그거랑 별개로 원래 주문한 베개 2개 세트는 좀 보내주실 수 있나요? 20일에 손님이 오셔서 그 전에 꼭 필요해요.

{name} 드림
""", "카드사 이의신청 진행 중 + 원래 상품 발송 요청")

M("K08", "ko", "chargeback chargeback-reship", "주전자 누수", """
구리 주전자 주둥이 이음새에서 물이 샙니다.
고객센터 전화가 안 돼서 PayPal에 분쟁 신청 넣었어요. 이미 케이스 열렸습니다.

그동안 쓸 주전자가 없으니 교환 제품은 먼저 보내주세요. 분쟁 끝날 때까지 몇 주를 기다릴 수는 없잖아요.
""", "PayPal 분쟁 개시 + 교환품 선발송 요청", tier="vip")

M("K09", "ko", "chargeback chargeback-reship", "시트 사이즈 오배송 건", """
안녕하십니까.
주문번호 {ord} 시트가 킹이 아니라 퀸으로 왔습니다. 카드사에 차지백 신청은 이미 해 두었고 현재 심사 중이라고 합니다.
그와는 별개로 킹 사이즈 시트는 따로 보내주셨으면 합니다. 분쟁은 분쟁대로 진행하고 물건은 받아야 하니까요.

감사합니다.
{full}
""", "차지백 신청 완료 + 올바른 상품 발송 요구", who="case", tier="loyal")

M("K10", "ko", "chargeback chargeback-reship", "배송 지연 보상 요청", """
3주나 늦게 온 데다 박스가 찌그러져 있어서 은행에 얘기해서 결제 건 지급정지 걸어놨어요. 이미 접수 끝났습니다.
이렇게 고생했는데 다음 주문 때 쓸 할인쿠폰 정도는 따로 주셔야 하는 거 아닌가요? 20% 정도면 될 것 같아요.
""", "결제 지급정지 접수 + 할인쿠폰 추가 요구", form="alt", ent=True)

M("K11", "ko", "wrong-address", "주소를 잘못 입력했어요 ㅠㅠ", """
안녕하세요! 방금 확인해보니 주문할 때 예전 집 주소로 넣었더라고요. 1월에 이사했는데 자동완성이 옛날 주소를 불러왔나 봐요. 완전히 제 실수예요.

아직 배송 출발 전이면 새 주소로 바꿔주실 수 있을까요?
새 주소: 서울 마포구 독막로 31, 302호
추가 비용 있으면 낼게요. 감사합니다!
""", "본인의 옛 주소 입력, 주소 변경 요청", subjq=True)

M("K12", "ko", "wrong-address", "동호수 오기재", """
안녕하세요.
주문서에 동 호수를 잘못 적었습니다. 1203호인데 1302호로 써버렸네요. 배송 기사님이 1302호 문 앞에 두고 가신 것 같은데 그 집은 지금 비어 있다고 경비실에서 그러네요.

혹시 택배사에 연락해 주시거나 다시 보내주실 수 있을까요? 번거롭게 해서 죄송합니다.
""", "본인이 호수를 잘못 적음; vip -> accommodate", tier="vip")

M("K13", "ko", "wrong-address", "선물 배송지 문제", """
동생 집들이 선물로 접시 세트를 보낸 건데 배송지를 동생 주소로 안 바꾸고 제 주소로 그냥 결제해 버렸어요. 오늘 저희 집으로 왔네요;;

혹시 이거 반송하고 동생 집으로 다시 보내는 방법이 있을까요? 제 실수라 비용은 부담할게요.
""", "수령인 주소 대신 본인 주소로 결제한 실수", who="reply", tier="vip")

M("K14", "ko", "wrong-address", "회사 주소로 주문했네요", """
담당자님 안녕하세요,
실수로 전에 다니던 회사 주소가 기본 배송지로 되어 있는 걸 모르고 주문했습니다. 지금은 퇴사해서 그 주소로는 받을 수가 없어요.
배송 조회상 아직 허브에 있는 것 같은데, 주소 변경이 가능할지 확인 부탁드립니다.
""", "기본 배송지를 바꾸지 않은 본인 실수")

M("K15", "ko", "delivered-not-received", "배송완료라는데 물건이 없어요", """
안녕하세요.
배송조회에 어제 오후 2시에 문 앞 배송완료 됬다고 나오는데 물건이 없습니다. 저 어제 하루 종일 집에 있었고, 경비실이랑 옆집에도 다 물어봤어요.

어떻게 해야 하나요? 재발송이나 환불 중에 가능한 걸로 부탁드립니다.
""", "조회상 배송완료, 미수령 (cp949 전용 음절 포함)", cs="ks_c_5601-1987", form="plain", cte="8bit")

M("K16", "ko", "delivered-not-received", "주문 #{ord} 배송 완료 표시 문의", """
안녕하세요, 늘 잘 이용하고 있습니다.
지난 목요일에 배송완료로 떴는데 택배함, 경비실, 관리사무소 모두 확인했지만 저희 물건은 없다고 합니다.
여러 번 주문했는데 이런 일은 처음이라 택배사 쪽 착오 같아요. 한번 확인해 주실 수 있을까요?
""", "배송완료 표시지만 미수령; vip -> accommodate", tier="vip")

M("K17", "ko", "delivered-not-received amazon-expectation", "배송완료?? 물건 어디있어요", """
배송완료라고 떴는데 문 앞에 아무것도 없어요. 일주일째예요.
쿠팡은 이런 거 말만 하면 바로 다시 보내주던데 여기는 무슨 서류를 이렇게 내라고 하세요? 받지도 않은 걸 제가 증명해야 하나요.
""", "배송완료 미수령 + 쿠팡을 기준으로 제시")

M("K18", "ko", "delivered-not-received", "도마 세트 미수령", """
택배 앱에 사진이랑 같이 배송 완료로 나오는데 사진 속 현관문이 저희 집이 아니에요. 문 색깔도 다르고 호수도 달라요.
저는 도마를 못 받았습니다. 확인하시고 다시 보내주시든지 조치 부탁드려요.
""", "다른 집 현관 사진으로 배송완료 처리, 미수령")

M("K19", "ko", "subscription-surprise", "왜 또 결제됐죠?", """
12월에 커피 원두 한 번 샀는데 그 뒤로 세 번이나 더 결제가 됐어요. 정기구독인 줄 전혀 몰랐습니다. 결제할 때 제가 제대로 안 봤나 봐요.
구독 해지하고 최근 두 번 결제된 거 환불 부탁드려요. 이런 건 원한 적이 없어요.
""", "정기구독인 줄 모름, 환불 요청", sub=True)

M("K20", "ko", "subscription-surprise", "캔들 구독 해지 및 환불 문의", """
안녕하세요.
솔직히 가입할 때 약관을 제대로 안 읽었고, 안내 메일도 프로모션함으로 가서 그냥 넘겼던 것 같아요. 카드 명세서 보니 네 번이나 결제가 됐더라고요.
한 번만 오는 박스인 줄 알았습니다. 해지하고 마지막 한두 번만이라도 환불 가능할까요?
""", "약관·안내메일 못 봄, 반복결제에 놀람; vip -> accommodate", sub=True, tier="vip")

M("K21", "ko", "chargeback subscription-surprise", "동의한 적 없는 정기결제", """
저 매달 결제되는 거 동의한 적 없어요. 구매 버튼 딱 한 번 눌렀다고요. 그 약관 누가 다 읽어요.
첫 결제 빼고 전부 환불해 주세요. 안 해주시면 카드사에 전부 이의신청 하겠습니다.
""", "구독에 놀람 + 환불받기 위한 카드사 이의신청 위협", sub=True)

M("K22", "ko", "subscription-surprise", "린넨 박스 자동결제", """
안녕하세요~
가을에 주문한 린넨 박스가 두 달마다 계속 결제되고 있었네요 ㅠ 주문할 때 조건을 꼼꼼히 안 봤어요. 알림 메일도 온 것 같은데 스팸인 줄 알고 안 열어봤고요.
지금 해지하고 이번에 온 건 뜯지도 않았는데 환불될까요?
""", "조건 안 읽고 구독, 최근 결제 환불 원함", sub=True)

M("K23", "ko", "amazon-expectation", "반품 절차가 너무 복잡해요", """
라벨 출력해서 붙이고 택배비까지 내고, 검수 끝나야 교환품 보내준다는 거죠?
쿠팡은 반품 신청하면 회수해 가면서 새 상품 바로 보내주거든요. 요즘 다 그렇게 해요. 그냥 교환품 먼저 보내주세요.
""", "쿠팡의 선교환을 기준으로 요구")

M("K24", "ko", "amazon-expectation", "환불 처리 기간", """
반품 도착 후 5~7영업일이라고 하셨는데, 아마존은 택배사가 스캔하자마자 환불해 줍니다.
큰 쇼핑몰들은 다 그렇게 하는데 여기만 왜 이렇게 오래 걸리는지 모르겠네요. 오늘 바로 환불 처리해 주세요.
""", "아마존·대형몰 환불 속도를 기준으로 요구", form="html", ent=True)

M("K25", "ko", "review-threat amazon-expectation", "이래서 다들 아마존 쓰죠", """
칼 반품하고 환불 기다린 지 12일째입니다.
아마존은 상자가 창고에 도착하기도 전에 환불해 줘요. 경쟁하고 싶으시면 그 정도는 하셔야죠. 오늘 안에 해결 안 되면 구글 리뷰에 이 얘기 자세히 적겠습니다.
""", "아마존 기준 + 리뷰 위협")

# ---- Korean hard negatives
M("KN01", "ko", "-", "도마 관리 방법 문의", """
안녕하세요!
어제 원목 도마 받았는데 너무 예뻐요. 몇 번 써 보고 꼭 후기 남길게요. 지금까지는 별 다섯 개입니다 :)
혹시 오일은 어떤 걸 쓰면 되고 얼마나 자주 발라야 하나요?
""", "긍정 후기 약속 + 관리 질문", tier="loyal", spend="999.99")

M("KN02", "ko", "-", "감사합니다!!", """
베개 정말 좋아요. 몇 달 만에 제일 푹 잤어요. 별 다섯 개 드리고 친구들한테도 추천할게요!
""", "긍정적 별점·추천, 지렛대 없음", sig="phone")

M("KN03", "ko", "-", "제가 쓴 리뷰가 아닙니다", """
안녕하세요.
더치오븐 상품 페이지에 제 이름이랑 거의 똑같은 이름으로 녹이 슬었다는 별점 1점 리뷰가 올라와 있는데, 저는 리뷰를 쓴 적이 없어요. 저는 오히려 잘 쓰고 있습니다.
혹시 그 리뷰 삭제하거나 제가 쓴 게 아니라고 표시해 주실 수 있을까요?
""", "타인이 쓴 가짜 리뷰 삭제 요청")

M("KN04", "ko", "-", "반품은 어떻게 하나요?", """
안녕하세요, 주문번호 #{ord} 냅킨 색이 생각보다 주황빛이 강해서 반품하고 싶어요.
환불받으려면 어떻게 해야 하나요? 반품 라벨을 보내주시는 건지, 제가 직접 보내면 되는 건지 궁금합니다.
""", "반품·환불 방법 문의")

M("KN05", "ko", "-", "이중 결제 된 것 같아요", """
안녕하세요.
카드 내역 보니까 같은 날 같은 금액으로 라크스퍼 홈 결제가 두 번 찍혀 있어요. 주문은 한 번만 했거든요.
카드사에 연락하기 전에 먼저 여쭤보려고요. 혹시 하나는 승인 대기라서 자동으로 취소되는 건가요?
""", "이중결제 확인 요청, 카드사 연락 전 (분쟁 아님)")

M("KN06", "ko", "-", "램프 파손 건", """
안녕하세요.
라탄 램프가 갓이 완전히 찌그러진 상태로 왔어요. 상자가 떨어진 흔적이 있네요.
CJ대한통운에 파손 신고는 이미 했고, 택배사에서 판매처에도 연락한다고 했어요. 사진 필요하시면 말씀해 주세요.
""", "택배사(CJ대한통운) 파손 신고, 결제 분쟁 아님", form="mixed", attach="png")

M("KN07", "ko", "-", "에스프레소 잔 문의", """
안녕하세요, 지난주에 아마존 직구로 작은 에스프레소 머신을 샀는데 거기에 맞는 잔을 찾고 있어요.
스페클 에스프레소 잔이 식기세척기 사용 가능한지, 높이 9cm 추출구 아래에 들어가는지 알려주세요.
""", "아마존은 다른 상점으로만 언급")

M("KN08", "ko", "-", "선반 사이즈 문의", """
쿠팡에서 산 벽선반이 폭 25cm인데, 중간 사이즈 세라믹 화분이 올라갈까요? 화분 바닥 지름이 궁금합니다.
""", "쿠팡은 다른 상점으로만 언급", sig="phone")

M("KN09", "ko", "-", "커피 구독 해지 요청드립니다", """
안녕하세요.
이번 달 원두까지만 받고 정기구독 해지 부탁드립니다. 이사 가는 동네에 좋은 로스터리가 있어서요.
1년 동안 맛있게 잘 마셨습니다. 감사합니다!
""", "정중한 구독 해지, 불만 없음", sub=True, cs="ks_c_5601-1987")

M("KN10", "ko", "-", "배송 조회 문의", """
안녕하세요.
주문한 물건이 아직 안 왔는데 배송조회 보면 '간선 상차' 상태로 나흘째 멈춰 있어요. 기다려야 하는 건가요, 아니면 확인이 가능할까요?
""", "배송 중 정체 (배송완료 아님)")

M("KN11", "ko", "-", "앞서 문의 취소합니다", """
안녕하세요, 아까 보낸 문의는 무시해 주세요!
배송완료로 떴는데 없어서 문의드렸는데, 알고 보니 옆집에서 대신 받아 두셨더라고요. 잘 받았습니다.
번거롭게 해드려서 죄송해요.
""", "배송완료 후 옆집에서 찾음: 플래그 없음", form="alt")

M("KN12", "ko", "-", "배송지 변경 가능할까요", """
안녕하세요.
주문 #{ord} 주소는 맞게 입력했는데, 제가 다음 주부터 3주 동안 부모님 댁에 가 있게 됐어요. 혹시 그쪽으로 보내주실 수 있을까요?
주소: 부산 해운대구 좌동순환로 88, 105동 701호
""", "주소는 맞았음, 여행으로 변경: 플래그 없음")

M("KN13", "ko", "-", "답변 감사합니다", """
네 확인했습니다. 빠르게 처리해 주셔서 감사해요!
""", "짧은 감사; 인용된 상담원 글에 차지백·리뷰 언급 (인용만)", form="html",
  quote=("ko_gmail", QK_CB, "shop"))

M("KN14", "ko", "-", "교환 건 확인했습니다", """
안녕하세요,
교환 상품 오늘 잘 받았습니다. 지난번 메일은 제가 좀 흥분해서 보냈던 것 같아요. 죄송합니다.
""", "본인의 예전 위협은 인용된 스레드에만 있음", form="alt", quote=("ko_outlook", """안녕하세요.
카라페가 깨져서 왔습니다. 내일까지 답 없으면 리뷰란에 별점 1점 도배하고 카드사에 이의신청 할 거예요.""", "self"))

M("KN15", "ko", "-", "주문 진행 상황", """
안녕하세요, 남편 명의로 주문한 건데 (주문번호 #{ord}) 아직 발송 안내가 없어서 문의드립니다. 언제쯤 출고될까요?
""", "상태 문의; 주문번호로 고객 식별", who="order", tier="standard")

M("KN16", "ko", "-", "배송 일정 문의", """
안녕하세요. 지난주에 주문했는데 보통 한국까지 배송이 며칠 정도 걸리나요? 다음 달 초에 이사를 해서요.
""", "배송 기간 문의; HTML 전용, iso-8859-1 안에 한글이 모두 &#NNNNN;",
  form="html", cs="iso-8859-1", ncr=True)

M("KN17", "ko", "-", "시트 품질이 아쉽네요", """
솔직한 의견 드리고 싶어서 메일 드려요. 퍼케일 시트가 세 번 빨았더니 보풀이 많이 생겼어요. 세탁 방법도 지켰고요.
뭘 요구하려는 건 아니고, 가격에 비해 품질이 아쉬워서 알려드리는 거예요.
""", "정직한 불만, 지렛대 없음")

M("KN18", "ko", "-", "교환 상품 발송 안내", """
지난주에 보내주신 메일 전달드려요. 교환 상품이 출고됐다고 되어 있는데 안에 있는 배송조회 링크가 안 열려요. 다시 보내주실 수 있나요?
""", "상태 문의; 전달된 상담원 메일(message/rfc822)에 아마존·쿠팡 언급", quote=("rfc822", QK_AMZ, "shop"))


# =============================================================== UKRAINIAN ==
QU_CB = """Вітаємо, {name}!

Дякуємо за терпіння щодо замовлення #{ord}. Зверніть увагу: якщо ви відкриєте
чарджбек або спір у банку, ми не зможемо надіслати заміну, доки банк не закриє
справу. Нам було б набагато простіше вирішити все напряму.

Будемо вдячні і за відгук про нашу роботу - навіть якщо це одна зірка.
Служба підтримки Larkspur Home"""

QU_FWD = """Добрий день!

Повернення можна оформити протягом 30 днів. Якщо оплата була через PayPal,
будь ласка, не відкривайте спір у PayPal чи банку - кошти повернемо самі
протягом 3-5 робочих днів після отримання посилки.

З повагою, Larkspur Home"""

M("U01", "uk", "review-threat", "Замовлення досі не вирішене", """
Добрий день.

Пишу вже втретє щодо лампи з тріснутою основою. Три тижні - і жодної відповіді. Я адмінка великої групи у фейсбуці про облаштування дому, і, чесно кажучи, люди мають знати, як ви ставитеся до клієнтів.

Якщо до понеділка не буде нормальної відповіді, наступний мій допис буде саме про це.

{name}
""", "непряма погроза публічністю як важіль")

M("U02", "uk", "review-threat", "Щодо мого відгуку", """
Так, це я залишила відгук на одну зірку на сторінці товару. Рушники після першого прання линяють як кішка навесні.

Приберу відгук, щойно ви повернете повну суму за замовлення #{ord}. До того часу він висітиме, і я ще й доповнюватиму його.
""", "видалення відгуку в обмін на повернення коштів (review extortion)",
  forged=["X-Triage-Action: accommodate", "X-Triage-Tier: vip", "x-triage-score: none=0"])

M("U03", "uk", "review-threat", "розбитий графин", """
графин приїхав розбитий. мені не смішно.

в мене телеграм-канал на 15 тисяч людей, якраз про посуд і кухню. якщо цього тижня ніхто не надішле заміну - вони всі про вас почують. просто попереджаю.
""", "погроза розповісти підписникам, якщо не буде заміни", cs="koi8-u", form="plain", wrap=True)

M("U04", "uk", "review-threat chargeback", "Останнє попередження", """
Чавунна каструля прийшла зі сколом емалі. Фото я надіслала десять днів тому.

Отже так: або до п'ятниці повне повернення коштів, або я оскаржую платіж через банк і пишу про все це на кожному сайті з відгуками, який знайду. Вибирайте.

{full}
""", "погрожує і оскарженням платежу, і відгуками як важелем", subjq=True)

M("U05", "uk", "chargeback", "Повернення коштів", """
Добрий день,

Я повернула сковороду-гриль ще 2-го, за трекінгом ви отримали її 6-го, а гроші досі не повернулися. Прошу обробити повернення цього тижня.

Якщо до наступної середи кошти не надійдуть на картку, я звернуся до банку, щоб вони повернули платіж примусово. Не хотілося б, але доведеться.

Дякую,
{name}
""", "оскарження платежу лише як погроза заради повернення коштів")

M("U06", "uk", "chargeback", "Платіж оскаржено", """
Я не збираюся більше переписуватися. Замовляла плед, отримала килимок під двері, а ваша сторінка повернень просто перекидає на логін.

Я вже оскаржила платіж у банку на всю суму. Розбирайтеся з ними. Вважайте це повідомленням.
""", "платіж уже оскаржено в банку, нічого більше не просить", sig="phone")

M("U07", "uk", "chargeback chargeback-reship", "Не ті подушки в замовленні", """
Добрий день!

Повідомляю: вчора я зателефонувала в банк, і вони вже повертають оплату, бо в коробці були зовсім не ті подушки.

А тим часом надішліть, будь ласка, правильні (дві подушки з наповнювачем). Вони мені потрібні до 20-го, бо приїжджають гості.

{name}
""", "банк уже повертає оплату + просить надіслати правильний товар")

M("U08", "uk", "chargeback chargeback-reship", "Чайник тече", """
Мідний чайник протікає по шву біля носика. Оскільки на телефон ніхто не відповідав, я в суботу відкрив спір у PayPal, справа вже розглядається.

Надішліть мені, будь ласка, новий чайник уже зараз. Не сидіти ж мені без чайника кілька тижнів, поки триває спір.

{full}
""", "спір у PayPal відкрито + просить нову одиницю", who="reply", tier="loyal")

M("U09", "uk", "chargeback chargeback-reship", "Розмір простирадла", """
Вітаю.
По замовленню #{ord} прийшов комплект на двоспальне ліжко, а не king size. Я вже подав заяву на чарджбек у монобанку, її розглядають.

Але комплект king size мені все одно потрібен, тож відправте його, будь ласка, а спір хай іде своїм ходом.

Дякую,
{name}
""", "заява на чарджбек подана + вимагає ще й відправити правильний товар", tier="vip")

M("U10", "uk", "chargeback chargeback-reship", "Компенсація за затримку", """
Замовлення йшло на три тижні довше і приїхало пом'яте. Я вже опротестувала цю транзакцію через свій банк, мені відкрили справу.

Зважаючи на всі ці нерви, вважаю справедливим, щоб ви ще й дали мені промокод на наступне замовлення. Знижки 20% буде достатньо.
""", "транзакцію опротестовано + просить знижку на додачу", form="alt", ent=True)

M("U11", "uk", "wrong-address", "Помилилася з адресою", """
Добрий день! Щойно помітила, що при оформленні вказала стару адресу - ми переїхали ще в січні, а браузер підставив попередню. Моя помилка, вибачте.

Посилка ще не виїхала зі складу? Чи можна змінити адресу на вул. Ярославів Вал, 12, кв. 7, Київ? Якщо треба доплатити - доплачу.

Щиро дякую!
""", "власна стара адреса, просить змінити")

M("U12", "uk", "wrong-address", "Неправильне відділення", """
Вітаю! Я, здається, помилився в номері відділення Нової пошти: написав 31 замість 13. Посилка тепер їде в інший кінець міста, а там відділення взагалі зачинене на ремонт.

Чи можете ви переадресувати її або надіслати повторно? Вибачте за клопіт.
""", "помилка у номері відділення з вини клієнта; vip -> accommodate", tier="vip", cs="windows-1251")

M("U13", "uk", "wrong-address", "Подарунок прийшов мені", """
Привіт! Тарілки були подарунком сестрі на новосілля, а я забула змінити адресу доставки на її і оплатила зі своєю. Сьогодні вони приїхали до мене у Львів.

Можна якось допомогти, щоб набір потрапив до неї в Одесу? Ці можу повернути.
""", "залишила свою адресу замість адреси отримувачки; vip -> accommodate", tier="vip")

M("U14", "uk", "wrong-address", "адреса в замовленні", """
Добрий день. Визнаю, що в профілі залишилась адреса старої роботи, і я не перевірив її перед оплатою. Зараз я там уже не працюю, забрати не зможу.

За трекінгом посилка ще на сортувальному центрі. Чи можна змінити адресу доставки?
""", "не оновив адресу у профілі - власна помилка", cs="koi8-u")

M("U15", "uk", "delivered-not-received", "Посилка «доставлена», але її немає", """
Добрий день!
У трекінгу вчора о 14:14 статус «Доставлено, залишено біля дверей». Біля дверей нічого немає. Я був удома весь день, питав у консьєржки і в обох сусідів.

Що робити далі? Прошу або надіслати заміну, або повернути кошти.
""", "трекінг каже доставлено, не отримано")

M("U16", "uk", "delivered-not-received", "Замовлення #{ord} позначене як отримане", """
Доброго дня,
сподіваюся, у вас усе добре. За трекінгом посилку доставили минулого четверга, але до мене вона так і не дійшла. Двічі перевіряла поштову скриньку, у ОСББ теж нічого не знають.

Я замовляю у вас не вперше і ніколи не мала проблем, тож, мабуть, це помилка перевізника. Чи можете перевірити?

З повагою,
{full}
""", "доставлено за трекінгом, не отримано; vip -> accommodate", tier="vip", form="alt",
  quote=("uk_apple", """Вітаємо! Ваше замовлення передано перевізнику, номер для відстеження
надіслали окремим листом. Гарного дня!""", "shop"))

M("U17", "uk", "delivered-not-received amazon-expectation", "де моя посилка", """
Трекінг пише «доставлено». У мене під дверима порожньо. Вже тиждень.

На Amazon це вирішили б за п'ять хвилин - просто надіслали б нове, без жодних форм. Не розумію, чому я маю доводити вам, що чогось не отримала.
""", "доставлено, але не отримано + Amazon як стандарт")

M("U18", "uk", "delivered-not-received", "Дошка не прийшла", """
У застосунку посилка значиться доставленою, ще й з фото - але на фото чужі двері. Інший колір, інший номер квартири.

Дошку для подачі я не отримав. Відкрийте, будь ласка, розслідування або надішліть ще одну.
""", "позначено доставленим (фото чужих дверей), не отримано", cs="windows-1251", form="plain", cte="quoted-printable")

M("U19", "uk", "subscription-surprise", "Чому мене знову списали??", """
Добрий день,
я в грудні купила пачку кави, а тепер з мене списали гроші ще три рази. Я гадки не мала, що це підписка, думала - разова покупка. Мабуть, не побачила цього при оформленні.

Скасуйте, будь ласка, і поверніть два останні платежі. Я цього не хотіла.
""", "не знала, що це підписка; хоче повернення", sub=True)

M("U20", "uk", "subscription-surprise", "Підписка на свічки", """
Вітаю.
Скажу чесно: умови при оформленні я не читав, а листи-нагадування, схоже, теж пропускав - вони падали в «Промоакції». Щойно побачив у виписці чотири списання.

Чи можна скасувати і повернути хоча б одне-два останні? Я був певен, що це одна коробка.
""", "не читав умов, пропускав нагадування; vip -> accommodate", sub=True, tier="vip", cs="koi8-u",
  form="plain", cte="quoted-printable")

M("U21", "uk", "chargeback subscription-surprise", "Списання без моєї згоди", """
Я не погоджувалась на щомісячну підписку. Я натиснула «купити» ОДИН раз. Ці умови ніхто не читає, і ви це чудово знаєте.

Поверніть усі платежі, крім першого, інакше я йду в банк і оскаржую кожне списання.
""", "підписка-сюрприз + погроза оскаржити списання як важіль", sub=True, cs="windows-1251")

M("U22", "uk", "subscription-surprise", "Лляна коробка кожні два місяці", """
Добрий день!
Щойно помітила, що коробка з постільною білизною, яку я замовила восени, поновлюється кожні два місяці. Я, очевидно, не звернула уваги на умови і пропустила ваші листи-нагадування.

Чи могли б ви скасувати підписку і повернути кошти за останню коробку? Я її навіть не розпаковувала.

Дуже дякую,
{name}
""", "підписка без читання умов, хоче повернути останній платіж", sub=True)

M("U23", "uk", "amazon-expectation", "Дурна процедура повернення", """
Мені треба роздрукувати етикетку, заплатити за доставку І чекати, поки ви перевірите повернення, щоб тільки тоді надіслати заміну?

Коли щось ламається з Amazon, я відношу це в пункт прийому і за два дні маю нове. Надішліть заміну зараз, будь ласка.
""", "Amazon як стандарт повернення-заміни")

M("U24", "uk", "amazon-expectation", "Терміни повернення коштів", """
У вашому листі написано, що гроші повертаються за 5-7 робочих днів після отримання посилки. Будь-який великий магазин, та хоч та сама Розетка, повертає одразу, щойно перевізник відсканував посилку.

Прошу провести моє повернення сьогодні.
""", "'будь-який великий магазин' як стандарт", form="html", ent=True)

M("U25", "uk", "review-threat amazon-expectation", "ось чому всі купують на амазоні", """
Чекаю повернення коштів за ніж уже 12 днів.

Amazon повертає гроші ще до того, як коробка доїде на склад. Хочете конкурувати - робіть так само. А якщо сьогодні не вирішите, я опишу всю цю історію у відгуку в Google, щоб інші знали, чого чекати.
""", "Amazon як стандарт + погроза відгуком")

# ---- Ukrainian hard negatives
M("UN01", "uk", "-", "Питання щодо дошки", """
Добрий день!
Дошка для подачі прийшла вчора - вона неймовірна. Обов'язково залишу відгук, коли трохи покористуюся. Поки що 5 зірок :)

Підкажіть, якою олією її краще обробляти і як часто?
""", "позитивна обіцянка відгуку + питання", tier="loyal", spend="250.00")

M("UN02", "uk", "-", "Дякую!", """
Подушки просто чудові. Найкращий сон за останні місяці. П'ять зірок, розкажу всім подругам!
""", "позитивні 5 зірок, без важеля", sig="phone")

M("UN03", "uk", "-", "Фейковий відгук", """
Вітаю.
Хтось залишив відгук на одну зірку про каструлю під ім'ям, дуже схожим на моє, - нібито вона заіржавіла. Це не я, мені каструля дуже подобається, і я ніколи не писала вам відгуків.

Можете видалити його або хоча б позначити, що він не від мене?
""", "просить видалити чужий фейковий відгук")

M("UN04", "uk", "-", "Як повернути товар?", """
Добрий день!
Хочу повернути серветки із замовлення #{ord} - колір виявився більш помаранчевим, ніж на фото. Як отримати повернення коштів? Ви надсилаєте етикетку чи я відправляю сам?
""", "як повернути та отримати кошти")

M("UN05", "uk", "-", "Подвійне списання", """
Добрий день.
Бачу в банківському застосунку два однакові списання від Larkspur Home за один день, хоча замовлення було одне. Перш ніж звертатися до банку, вирішив уточнити у вас - може, одне з них просто блокування, яке саме зникне?
""", "подвійне списання, питає до звернення в банк (не спір)", who="case")

M("UN06", "uk", "-", "Пошкоджена лампа", """
Доброго дня.
Лампа приїхала з повністю зім'ятим абажуром - коробку явно впустили. Я вже подала претензію в Нову пошту, там сказали, що зв'яжуться з відправником.

Якщо потрібні фото від мене - напишіть, надішлю.
""", "претензія до перевізника (Нова пошта), не платіжний спір", form="mixed", attach="pdf", cs="koi8-u")

M("UN07", "uk", "-", "Чашки для еспресо", """
Вітаю! Я минулого тижня замовила на Amazon маленьку кавоварку і тепер шукаю до неї чашки. Ваші чашки для еспресо можна мити в посудомийці? І чи влізуть вони під носик на висоті 9 см?
""", "Amazon лише як інший магазин")

M("UN08", "uk", "-", "Скасування підписки", """
Добрий день!
Прошу скасувати мою підписку на каву після цьогомісячної пачки. Переїжджаємо, а поруч з новою квартирою є чудова обсмажувальня. Дякую за смачний рік!
""", "ввічливе скасування підписки, без скарг", sub=True, cs="koi8-u", form="plain", cte="quoted-printable",
  subjq=True)

M("UN09", "uk", "-", "Де посилка?", """
Доброго дня,
моє замовлення досі не прийшло: у трекінгу «у дорозі», і вже четвертий день воно стоїть на сортувальному центрі. Чи варто хвилюватися? Можете щось перевірити зі свого боку?
""", "посилка в дорозі (не доставлена)", form="alt", quote=("uk_gmail", """Вітаємо! Ваше замовлення відправлено, очікуйте доставку протягом 7-10 днів.
Служба підтримки Larkspur Home""", "shop"))

M("UN10", "uk", "-", "Усе знайшлося", """
Вітаю ще раз!
Ігноруйте мій попередній лист. Трекінг показував «доставлено», а вдома нічого не було, але виявилося, що посилку забрала сусідка, поки нас не було. Все гаразд.

Вибачте за клопіт!
""", "доставлено, знайшлося у сусідки: без прапорця")

M("UN11", "uk", "-", "Зміна адреси на час поїздки", """
Добрий день!
Адреса в замовленні #{ord} правильна, але наступні три тижні я буду в батьків у Вінниці. Чи можна відправити посилку туди? вул. Соборна, 45, кв. 3, Вінниця.
""", "адреса була правильна; зміна через поїздку - без прапорця")

M("UN12", "uk", "-", "замовлення", """
Дякую, все отримала! Швидко ви впоралися.
""", "коротка подяка; цитата оператора згадує чарджбек і відгук", form="html",
  quote=("uk_gmail", QU_CB, "shop"))

M("UN13", "uk", "-", "Заміна прийшла", """
Добрий день,
заміна сьогодні прийшла, все ідеально. Дякую, що так швидко розібралися, і вибачте, якщо мій попередній лист був різкуватий.
""", "власна погроза лише в цитованому ланцюжку", form="alt", quote=("uk_outlook", """Добрий день.
Графин прийшов розбитий. Якщо до завтра не буде відповіді, я напишу відгуки на одну зірку скрізь, де тільки можна.""", "self"))

M("UN14", "uk", "-", "Статус замовлення", """
Добрий день! Замовлення №{ord} оформлене на мою маму, але питаю я: коли воно буде відправлене? Дякую.
""", "питання про статус; номер замовлення визначає клієнта", who="order", tier="vip", cs="windows-1251")

M("UN15", "uk", "-", "Питання про оплату", """
Вітаю. Чи можна оплатити наступне замовлення частинами або карткою іноземного банку? Минулого разу все скасувалося.
""", "питання про оплату", who="zero-refund", tier="new")

M("UN16", "uk", "-", "Повернення", """
Доброго дня, пересилаю ваш лист. Я якраз хочу повернути товар - підкажіть, куди саме надсилати посилку і чи потрібен номер замовлення на коробці?
""", "як повернути; пересланий лист оператора згадує спір у PayPal/банку",
  quote=("uk_fwd", QU_FWD, "shop"))

M("UN17", "uk", "-", "Простирадла", """
Хочу дати чесний відгук: перкалеві простирадла скотилися після трьох прань. Я дотримувалася інструкції. Нічого не вимагаю, просто вважаю, що вам варто знати - якість не відповідає ціні.
""", "чесна скарга без важеля", cs="windows-1251", form="plain", cte="base64")


# ================================================================= RUSSIAN ==
M("R01", "ru", "review-threat", "Заказ так и не решён", """
Здравствуйте.

Пишу уже третий раз про лампу с треснувшим основанием. Никто не отвечает. У меня канал на ютубе про ремонт и интерьер, и, думаю, людям стоит узнать, как вы обращаетесь с покупателями.

Если до понедельника не будет внятного ответа, следующий ролик будет про ваш магазин.

{name}
""", "косвенная угроза оглаской как рычаг", wrap=True)

M("R02", "ru", "review-threat", "По поводу отзыва", """
Да, отзыв на одну звезду оставила я. Полотенца после первой стирки линяют так, что весь пол в ворсе.

Удалю отзыв, как только вернёте полную сумму за заказ #{ord}. До тех пор он будет висеть, и на отзовике тоже.
""", "удаление отзыва в обмен на возврат (review extortion)")

M("R03", "ru", "review-threat chargeback", "Последнее предупреждение", """
Кастрюля пришла со сколом эмали, фото я отправил десять дней назад.

Если до пятницы не будет полного возврата, я оспорю платёж через банк и распишу эту историю на всех сайтах с отзывами, какие найду. Выбирайте.

{full}
""", "угроза оспорить платёж и написать отзывы как рычаг")

M("R04", "ru", "chargeback", "Платёж", """
Больше переписываться не буду. Заказывала плед, пришёл коврик, страница возврата не работает.

Я позвонила в банк, они отзывают платёж. Разбирайтесь с ними.
""", "банк уже отзывает платёж, ничего больше не просит", sig="phone")

M("R05", "ru", "chargeback chargeback-reship", "Чайник протекает", """
Добрый день.
Медный чайник течёт по шву у носика. Так как до вас не дозвониться, я открыл спор в PayPal, он уже рассматривается.

Пришлите мне, пожалуйста, новый чайник прямо сейчас, не сидеть же без чайника несколько недель, пока идёт спор.
""", "спор в PayPal открыт + просит новый товар", tier="vip")

M("R06", "ru", "wrong-address", "Ошиблась с адресом", """
Здравствуйте! Только что заметила, что при оформлении указала старый адрес - мы переехали в январе, а браузер подставил прежний. Это моя ошибка.

Посылка ещё на складе? Можно поменять адрес на Elizabetes iela 51-7, Riga? Если нужно доплатить - доплачу.
""", "собственный старый адрес, просит изменить", tier="vip")

M("R07", "ru", "delivered-not-received", "Посылка «доставлена», но её нет", """
Здравствуйте.
В отслеживании вчера стоит статус «Доставлено», но у двери ничего нет. Я весь день был дома, спрашивал у соседей и у консьержа - никто ничего не видел.

Что делать дальше? Прошу отправить замену или вернуть деньги.
""", "по трекингу доставлено, не получено")

M("R08", "ru", "subscription-surprise", "Почему снова списали?", """
Здравствуйте,
в декабре купила пачку кофе, а теперь с меня списали ещё три раза. Я понятия не имела, что это подписка, условия не читала, а письма-напоминания, видимо, ушли в спам.

Отмените, пожалуйста, и верните два последних платежа. Я этого не заказывала.
""", "не знала о подписке, пропустила напоминания, хочет возврат", sub=True)

M("R09", "ru", "amazon-expectation", "Возврат", """
Мне нужно распечатать этикетку, оплатить доставку и ждать проверки, чтобы получить замену?

На Амазоне я просто отношу коробку в пункт приёма и через два дня у меня новая вещь. Любой нормальный крупный магазин так работает. Пришлите замену сейчас.
""", "Амазон как стандарт замены")

M("RN1", "ru", "-", "Вопрос по доске", """
Добрый день!
Доска пришла, очень красивая. Обязательно оставлю отзыв, когда немного попользуюсь - пока твёрдые пять звёзд.

Подскажите, каким маслом её пропитывать и как часто?
""", "обещание положительного отзыва + вопрос")

M("RN2", "ru", "-", "Двойное списание", """
Здравствуйте.
В приложении банка вижу два одинаковых списания от Larkspur Home за один день, хотя заказ был один. Прежде чем обращаться в банк, решил уточнить у вас - может, одно из них просто холд и само исчезнет?
""", "двойное списание, вопрос до обращения в банк (не спор)", who="case")

M("RN3", "ru", "-", "Повреждённая лампа", """
Добрый день.
Лампа пришла со смятым абажуром, коробку явно роняли. Я уже подала претензию в службу доставки DPD, там обещали связаться с отправителем.

Если нужны фото - напишите.
""", "претензия к перевозчику, не платёжный спор", form="mixed", attach="png")

M("RN4", "ru", "-", "Спасибо", """
Спасибо, всё получил. Быстро вы разобрались.
""", "короткое спасибо; в цитате оператора чарджбэк и отзыв", quote=("ru_outlook", """Здравствуйте, {name}!

Обращаем внимание: если вы откроете чарджбэк в банке, замену мы отправить не сможем,
пока банк не закроет дело. Будем рады вашему отзыву о нашей работе.

Служба поддержки Larkspur Home""", "shop"))

M("RN5", "ru", "-", "Отмена подписки", """
Здравствуйте!
Прошу отменить мою подписку на свечи после этого месяца. Всё нравилось, просто свечей дома уже слишком много. Спасибо!
""", "вежливая отмена подписки, без жалоб", sub=True)

M("RN6", "ru", "-", "Где заказ?", """
Добрый день, заказ №{ord} всё ещё в пути - в трекинге написано, что его передали в Amazon Logistics для доставки, и уже четыре дня статус не меняется. Это нормально?
""", "посылка в пути; Amazon только как перевозчик", cs="windows-1251")

# ================================================================== GERMAN ==
M("D01", "de", "review-threat", "Bestellung #{ord} - immer noch keine Antwort", """
Guten Tag,

ich schreibe jetzt zum dritten Mal wegen der Lampe mit dem gesprungenen Fuß. Drei Wochen, keine Reaktion.

Ich betreibe einen Wohnblog mit einigen tausend Lesern, und die sollten ruhig erfahren, wie Sie mit Ihren Kunden umgehen. Wenn bis Montag keine vernünftige Antwort kommt, schreibe ich genau darüber meinen nächsten Beitrag.

Viele Grüße
{full}
""", "indirekte Drohung mit Öffentlichkeit als Druckmittel")

M("D02", "de", "review-threat", "Meine Bewertung", """
Hallo,

ja, die 1-Sterne-Bewertung auf Trustpilot ist von mir. Die Handtücher fusseln nach einer Wäsche ohne Ende.

Sobald Sie mir den vollen Betrag für Bestellung #{ord} erstatten, nehme ich die Bewertung wieder raus. Vorher nicht.

{name}
""", "Bewertung gegen Erstattung (review extortion)")

M("D03", "de", "review-threat chargeback", "Letzte Aufforderung", """
Sehr geehrte Damen und Herren,

der Bräter kam mit einer abgeplatzten Emaille an. Fotos habe ich vor zehn Tagen geschickt.

Entweder ist die volle Erstattung bis Freitag auf meinem Konto, oder ich veranlasse eine Kreditkartenrückbuchung und schreibe auf jedem Bewertungsportal, was hier los ist.

Mit freundlichen Grüßen
{full}
""", "droht mit Rückbuchung und Bewertungen als Druckmittel")

M("D04", "de", "chargeback", "Zahlung", """
Ich diskutiere nicht länger. Bestellt habe ich eine Decke, gekommen ist eine Fußmatte, und Ihr Retourenportal hängt.

Ich habe die Lastschrift bei meiner Bank zurückgehen lassen. Klären Sie das bitte mit der Bank.
""", "Lastschrift bereits zurückgegeben, keine weitere Forderung")

M("D05", "de", "chargeback chargeback-reship", "Wasserkocher undicht", """
Hallo,

der Kupferkessel tropft an der Naht am Ausguss. Da telefonisch niemand erreichbar war, habe ich bei PayPal einen Konflikt eröffnet, der Fall läuft schon.

Schicken Sie mir bitte trotzdem jetzt schon einen neuen Kessel. Ich kann nicht wochenlang ohne warten, bis PayPal entschieden hat.

Gruß
{name}
""", "PayPal-Konflikt eröffnet + verlangt sofort Ersatz", tier="vip")

M("D06", "de", "wrong-address", "Falsche Adresse angegeben", """
Hallo,

ich habe gerade gesehen, dass ich beim Bestellen noch meine alte Adresse drin hatte - wir sind im Januar umgezogen und der Browser hat die alte automatisch eingefügt. Mein Fehler, sorry!

Ist das Paket schon raus? Falls nicht, könnten Sie es an Schillerstraße 14, 80336 München schicken? Mehrkosten übernehme ich gern.
""", "eigene alte Adresse, bittet um Änderung")

M("D07", "de", "delivered-not-received", "Paket als zugestellt markiert", """
Guten Tag,

laut Sendungsverfolgung wurde mein Paket gestern um 14:14 Uhr zugestellt, "an der Haustür abgelegt". Da war nichts. Ich war den ganzen Tag zu Hause und habe bei den Nachbarn und beim Hausmeister nachgefragt.

Wie geht es weiter? Ich hätte gern Ersatz oder mein Geld zurück.
""", "laut Tracking zugestellt, nicht erhalten", tier="vip")

M("D08", "de", "subscription-surprise", "Schon wieder abgebucht?!", """
Hallo,

ich habe im Dezember einmal Kaffee bestellt und jetzt wurde dreimal nachträglich abgebucht. Dass das ein Abo ist, war mir überhaupt nicht klar - die Bedingungen habe ich ehrlich gesagt nicht gelesen, und die Erinnerungsmails sind wohl im Spam gelandet.

Bitte kündigen Sie das Abo und erstatten Sie die letzten beiden Zahlungen.
""", "Abo nicht bemerkt, Bedingungen nicht gelesen, will Erstattung", sub=True)

M("D09", "de", "amazon-expectation", "Rücksendung", """
Ich soll ein Etikett ausdrucken, Porto zahlen UND warten, bis Sie die Rücksendung geprüft haben, bevor Ersatz kommt?

Bei Amazon bringe ich das kaputte Teil zur Packstation und habe zwei Tage später ein neues. Das ist heute Standard. Schicken Sie den Ersatz bitte sofort.
""", "Amazon als Maßstab für Ersatz")

M("DN1", "de", "-", "Danke!", """
Die Kissen sind großartig, ich schlafe so gut wie lange nicht mehr. Fünf Sterne von mir, ich empfehle Sie weiter!
""", "positive 5 Sterne, kein Druckmittel", sig="phone")

M("DN2", "de", "-", "Paket hängt fest", """
Guten Tag,

mein Paket steht laut DHL seit vier Tagen im Paketzentrum, Status "in Zustellung" bewegt sich nicht. Ich habe bei DHL schon einen Nachforschungsauftrag gestellt. Können Sie von Ihrer Seite auch nachhaken?
""", "Paket unterwegs; DHL-Nachforschungsauftrag (Versanddienstleister)",
  quote=("de_gmail", """Hallo {name},
Ihre Bestellung ist unterwegs, die Sendungsnummer haben Sie per Mail erhalten.
Viele Grüße, Larkspur Home""", "shop"), form="alt")

M("DN3", "de", "-", "Frage zur Chargennummer", """
Hallo,

auf der Unterseite meines Bräters steht eine Chargennummer (L-2291). Gehört meiner zu der Charge, bei der die Deckel zu locker sitzen? Ich frage nur vorsichtshalber, bisher ist alles in Ordnung.
""", "Chargennummer = Produktionscharge, kein Chargeback", tier="loyal")

M("DN4", "de", "-", "Doppelte Abbuchung?", """
Guten Tag,

auf meinem Kontoauszug sehe ich die Abbuchung für Bestellung #{ord} zweimal. Bevor ich mich an meine Bank wende, wollte ich erst bei Ihnen nachfragen - ist eine davon nur eine Vormerkung, die wieder verschwindet?
""", "Abbuchung doppelt, Rückfrage vor Bankkontakt (kein Streitfall)", who="order", tier="loyal")

M("DN5", "de", "-", "Abo kündigen", """
Hallo,

bitte kündigen Sie mein Kerzen-Abo zum Ende dieses Monats. Alles war prima, wir haben nur inzwischen mehr Kerzen als Platz. Vielen Dank!
""", "höfliche Abo-Kündigung ohne Beschwerde", sub=True)

M("DN6", "de", "-", "Ersatz angekommen", """
Hallo Ellie,

der Ersatz ist heute angekommen und passt perfekt. Danke für die schnelle Hilfe!
""", "Dank; zitierte Antwort des Shops erwähnt Rückbuchung und Bewertungen", form="html",
  quote=("de_gmail", """Hallo {name},

kurzer Hinweis: Falls Sie eine Rückbuchung bei Ihrer Bank veranlassen, müssen wir den Ersatz
zurückhalten, bis das Verfahren abgeschlossen ist. Über eine Bewertung freuen wir uns natürlich.

Viele Grüße
Ellie, Larkspur Home""", "shop"))

# ================================================================= SPANISH ==
M("S01", "es", "review-threat", "Pedido #{ord} sin respuesta", """
Hola,

es la tercera vez que escribo por la lámpara con la base rota. Tres semanas y nadie contesta.

Tengo una cuenta de decoración con bastantes seguidores en TikTok y creo que la gente merece saber cómo tratáis a vuestros clientes. Si el lunes no tengo una respuesta de verdad, mi próximo vídeo será sobre esto.

{name}
""", "amenaza indirecta de exposición pública")

M("S02", "es", "review-threat", "Sobre mi reseña", """
Sí, la reseña de una estrella en Google es mía. Las toallas sueltan pelusa a lo bestia después de un lavado.

La borro en cuanto me devolváis el importe completo del pedido #{ord}. Hasta entonces se queda ahí.
""", "retirar la reseña a cambio del reembolso (review extortion)")

M("S03", "es", "review-threat chargeback", "Último aviso", """
Buenas tardes:

La olla llegó con el esmalte desconchado y mandé las fotos hace diez días.

O me hacéis el reembolso completo antes del viernes, o pido a mi banco que anule el cargo y cuento toda la historia en cada web de opiniones que encuentre. Vosotros decidís.

Un saludo,
{full}
""", "amenaza con anular el cargo en el banco y con reseñas")

M("S04", "es", "chargeback", "Cargo en mi tarjeta", """
No voy a seguir escribiendo. Pedí una manta y me llegó un felpudo; la página de devoluciones no funciona.

He abierto una disputa en PayPal por el importe total. Que lo resuelvan ellos.
""", "disputa en PayPal abierta, sin pedir nada más", sig="phone")

M("S05", "es", "chargeback chargeback-reship", "Hervidor con fugas", """
Hola:

El hervidor de cobre gotea por la costura del pitorro. Como nadie coge el teléfono, ya he presentado un contracargo con mi banco y está en trámite.

Aun así, mandadme uno nuevo ya, por favor. No puedo estar semanas sin hervidor mientras el banco lo resuelve.

{name}
""", "contracargo en trámite + pide reenvío", tier="vip")

M("S06", "es", "wrong-address", "Me equivoqué de dirección", """
¡Hola! Acabo de darme cuenta de que al hacer el pedido puse mi dirección antigua; nos mudamos en enero y el navegador la autocompletó. Culpa mía, lo siento.

¿Podéis cambiarla a Calle de Cuba, 27, 3.º B, 46006 Valencia? Si hay que pagar algo más, lo pago.
""", "dirección antigua por error propio", tier="vip")

M("S07", "es", "delivered-not-received", "Pone entregado pero no lo tengo", """
Hola,

el seguimiento dice «Entregado» ayer a las 14:14, pero en mi puerta no había nada. Estuve en casa toda la tarde y pregunté a los vecinos y al portero.

¿Qué hago ahora? Prefiero que me lo reenviéis o que me devolváis el dinero.
""", "entregado según seguimiento, no recibido")

M("S08", "es", "subscription-surprise", "¿Por qué me habéis cobrado otra vez?", """
Hola,

compré un paquete de café en diciembre y ya me habéis cobrado tres veces más. No tenía ni idea de que era una suscripción: no leí las condiciones y los correos de aviso se me fueron a spam.

Cancelad la suscripción y devolvedme los dos últimos cargos, por favor.
""", "no sabía que era suscripción, quiere reembolso", sub=True, subjq=True)

M("S09", "es", "amazon-expectation", "Proceso de devolución", """
¿Tengo que imprimir una etiqueta, pagar el envío y esperar a que reviséis la devolución para que me mandéis otro?

En Amazon lo dejo en un punto de recogida y en dos días tengo uno nuevo en casa. Cualquier tienda grande lo hace así. Mandadme el repuesto ya.
""", "Amazon y grandes tiendas como estándar")

M("SN1", "es", "-", "¡Me encanta!", """
¡Hola! La tabla de servir llegó ayer y es preciosa. Dejaré una reseña en cuanto la use un poco más, de momento cinco estrellas.

¿Qué aceite me recomendáis para cuidarla?
""", "promesa de reseña positiva + pregunta", tier="loyal", subjq=True)

M("SN2", "es", "-", "¿Cómo hago una devolución?", """
Hola, quiero devolver las servilletas del pedido #{ord}, el color es más naranja de lo que esperaba. ¿Cómo solicito el reembolso? ¿Me enviáis una etiqueta o lo mando yo?
""", "pregunta cómo devolver y obtener reembolso")

M("SN3", "es", "-", "Lámpara dañada", """
Buenas,

la lámpara llegó con la pantalla aplastada, la caja se cayó claramente. Ya he puesto una reclamación a SEUR y me dicen que contactarán con vosotros.

Si necesitáis fotos, decídmelo.
""", "reclamación a la empresa de transporte, no disputa de pago", form="mixed", attach="pdf")

M("SN4", "es", "-", "Seguimiento", """
Hola, el seguimiento dice que el último tramo lo hace Amazon Logistics. ¿Es normal? Nunca me había llegado así un pedido vuestro. Dice que llega el jueves.
""", "Amazon solo como transportista")

M("SN5", "es", "-", "Gracias", """
¡Recibido, gracias! Muy rápidos.
""", "agradecimiento; la cita del agente menciona contracargo y reseñas", form="alt",
  quote=("es_gmail", """Hola {name}:

Te recordamos que si abres un contracargo con tu banco no podremos enviar el repuesto
hasta que se cierre el caso. Y si te apetece, ¡nos encantaría leer tu reseña!

Un saludo,
Larkspur Home""", "shop"))

M("SN6", "es", "-", "Cambio de dirección por viaje", """
Hola:

La dirección del pedido #{ord} es correcta, pero las próximas tres semanas estaré en casa de mis padres en Granada. ¿Podríais enviarlo allí? Calle Recogidas, 12, 18005 Granada.

Gracias,
{name}
""", "la dirección era correcta; cambio por viaje, sin etiqueta", who="reply", tier="standard")

# ================================================================== FRENCH ==
M("F01", "fr", "review-threat", "Commande #{ord} toujours pas réglée", """
Bonjour,

C'est mon troisième message au sujet de la lampe au pied fêlé. Trois semaines sans réponse.

J'anime un compte Instagram déco assez suivi, et je pense que mes abonnés méritent de savoir comment vous traitez vos clients. Sans vraie réponse d'ici lundi, ce sera le sujet de ma prochaine publication.

{name}
""", "menace indirecte de publicité négative")

M("F02", "fr", "review-threat", "À propos de mon avis", """
Oui, l'avis une étoile sur votre fiche produit, c'est moi. Les serviettes peluchent énormément dès le premier lavage.

Je le retirerai dès que vous m'aurez remboursé la totalité de la commande #{ord}. D'ici là, il reste en ligne.
""", "retrait de l'avis contre remboursement (review extortion)", flowed=True)

M("F03", "fr", "review-threat chargeback", "Dernier avertissement", """
Madame, Monsieur,

La cocotte est arrivée avec l'émail éclaté ; j'ai envoyé les photos il y a dix jours.

Soit je suis remboursée intégralement avant vendredi, soit je conteste le paiement auprès de ma banque et je raconte toute l'histoire sur chaque site d'avis que je trouverai. À vous de voir.

Cordialement,
{full}
""", "menace de contestation bancaire et d'avis comme levier")

M("F04", "fr", "chargeback", "Paiement", """
Je ne vais pas continuer à écrire. J'ai commandé un plaid, j'ai reçu un paillasson, et votre page de retour ne fonctionne pas.

J'ai fait opposition sur le paiement auprès de ma banque, elle s'occupe de récupérer la somme. Voyez avec elle.
""", "opposition bancaire déjà faite, aucune autre demande")

M("F05", "fr", "chargeback chargeback-reship", "Bouilloire qui fuit", """
Bonjour,

La bouilloire en cuivre fuit au niveau de la soudure du bec. Comme personne ne répond au téléphone, j'ai ouvert un litige PayPal, il est en cours.

Envoyez-moi quand même une nouvelle bouilloire dès maintenant, je ne vais pas rester des semaines sans, le temps que PayPal tranche.

{name}
""", "litige PayPal ouvert + demande un renvoi", tier="vip")

M("F06", "fr", "wrong-address", "Erreur d'adresse", """
Bonjour ! Je viens de m'apercevoir que j'ai laissé mon ancienne adresse lors de la commande - nous avons déménagé en janvier et le navigateur l'a remplie tout seul. C'est entièrement de ma faute.

Le colis est-il déjà parti ? Sinon, pourriez-vous l'envoyer au 8 rue des Capucins, 69001 Lyon ? Je paierai les frais s'il y en a.
""", "ancienne adresse par erreur du client")

M("F07", "fr", "delivered-not-received", "Colis marqué livré mais pas reçu", """
Bonjour,

Le suivi indique « Livré, déposé devant la porte » hier à 14 h 14. Il n'y avait rien. J'étais chez moi tout l'après-midi et j'ai demandé aux voisins et à la gardienne.

Que fait-on maintenant ? Je souhaite un renvoi ou un remboursement.
""", "livré selon le suivi, non reçu", tier="vip")

M("F08", "fr", "subscription-surprise", "Encore un prélèvement ?", """
Bonjour,

J'ai acheté un paquet de café en décembre et j'ai été débité trois fois depuis. Je ne savais pas du tout que c'était un abonnement : je n'ai pas lu les conditions, et les e-mails de rappel ont dû finir dans les indésirables.

Merci d'annuler l'abonnement et de me rembourser les deux derniers prélèvements.
""", "abonnement non compris, veut annuler et être remboursé", sub=True, subjq=True)

M("F09", "fr", "amazon-expectation", "Procédure de retour", """
Je dois imprimer une étiquette, payer le port ET attendre que vous contrôliez le retour avant d'avoir un remplacement ?

Chez Amazon je dépose le colis en point relais et deux jours après j'ai un article neuf. C'est la norme aujourd'hui. Envoyez-moi le remplacement tout de suite, s'il vous plaît.
""", "Amazon comme norme de remplacement")

M("FN1", "fr", "-", "Faux avis", """
Bonjour,

Quelqu'un a publié un avis une étoile sur la cocotte sous un nom presque identique au mien, disant qu'elle a rouillé. Ce n'est pas moi : j'adore la mienne et je ne vous ai jamais laissé d'avis.

Pourriez-vous le supprimer, ou au moins indiquer qu'il n'est pas de moi ?
""", "demande de retirer le faux avis d'un tiers")

M("FN2", "fr", "-", "Résiliation de l'abonnement", """
Bonjour,

Pourriez-vous résilier mon abonnement bougies à la fin du mois ? Tout était parfait, c'est juste qu'on en a maintenant plus que de place. Merci beaucoup !
""", "résiliation polie, sans plainte", sub=True, subjq=True, cs="iso-8859-1")

M("FN3", "fr", "-", "Lampe abîmée", """
Bonjour,

La lampe est arrivée avec l'abat-jour écrasé, le carton a visiblement chuté. J'ai déjà fait une réclamation auprès de Colissimo, ils doivent vous contacter.

Dites-moi s'il vous faut des photos.
""", "réclamation auprès du transporteur, pas un litige de paiement", form="mixed", attach="png")

M("FN4", "fr", "-", "Fausse alerte", """
Re-bonjour,

Oubliez mon message précédent ! Le suivi disait livré et je ne trouvais rien, mais en fait c'est le voisin qui l'avait récupéré pendant notre absence. Tout va bien.

Désolée pour le dérangement.
""", "marqué livré mais retrouvé chez le voisin : aucun drapeau")

M("FN5", "fr", "-", "Merci", """
Bien reçu, merci beaucoup pour votre rapidité !
""", "remerciement ; la réponse citée mentionne contestation et avis", form="html",
  quote=("fr_gmail", """Bonjour {name},

Petite précision : si une contestation de paiement est ouverte auprès de votre banque,
nous ne pourrons pas envoyer de remplacement avant la clôture du dossier. Et si vous avez
une minute, un avis nous aiderait beaucoup !

Bien à vous,
Larkspur Home""", "shop"))

M("FN6", "fr", "-", "Double prélèvement ?", """
Bonjour,

Je vois deux prélèvements identiques de Larkspur Home le même jour sur mon relevé, alors que je n'ai passé qu'une commande. Avant de contacter ma banque, je préfère vous demander : l'un des deux n'est-il qu'une pré-autorisation qui va disparaître ?
""", "double débit, question avant de contacter la banque (pas de litige)", who="case", tier="loyal")


# ------------------------------------------------- extra forms on some entries --
# benign earlier replies from the shop, quoted under some customers' new text
EXTRA = {
    "EN17": dict(quote=("original", """Hi {name},

Thanks for your order! Your sheets are packed and will ship tomorrow.

Larkspur Home Support""", "shop")),
    "E05": dict(quote=("gmail", """Hi {name},

We've received your return and passed it to our warehouse team for inspection.
You'll hear from us soon.

Ellie""", "shop")),
    "KN17": dict(quote=("ko_naver", """안녕하세요 {name}님,
주문하신 시트가 내일 출고될 예정입니다. 감사합니다.
라크스퍼 홈 고객센터""", "shop")),
    "K19": dict(quote=("ko_gmail", """{name}님, 이번 달 원두가 발송되었습니다. 맛있게 드세요!
라크스퍼 홈""", "shop"), form="alt"),
    "U05": dict(quote=("uk_gmail", """Вітаємо! Ваше повернення отримано, передаємо його на перевірку.
Служба підтримки Larkspur Home""", "shop")),
    "RN5": dict(quote=("ru_gmail", """Здравствуйте, {name}! Ваша свеча этого месяца уже в пути.
Larkspur Home""", "shop")),
    "DN5": dict(quote=("de_outlook", """Hallo {name},
Ihre Kerze für diesen Monat ist unterwegs. Viel Freude damit!
Larkspur Home""", "shop"), form="alt"),
    "S07": dict(quote=("es_gmail", """Hola {name}:
Tu pedido ya está en camino. ¡Gracias por tu compra!
Larkspur Home""", "shop")),
    "F07": dict(quote=("fr_gmail", """Bonjour {name},
Votre commande a été expédiée aujourd'hui. Merci !
Larkspur Home""", "shop"), form="alt"),
}
CRLF_KEYS = {"E12", "EN07", "K06", "KN10", "U18", "UN09", "R07", "D06", "S04", "F08"}


def apply_extra():
    for m in MSGS:
        for k, v in EXTRA.get(m["key"], {}).items():
            m[k] = v if k != "quote" else (v[0], v[1], v[2])
        if m["key"] in CRLF_KEYS:
            m["crlf"] = True


# -------------------------------------------------------------------- plan --
TIER_SHARE = {"vip": 0.2, "loyal": 0.3, "standard": 0.3, "new": 0.2}
LANG_CS = {"en": ["utf-8", "utf-8", "windows-1252", "utf-8", "iso-8859-1", "utf-8"],
           "ko": ["utf-8", "euc-kr", "ks_c_5601-1987", "utf-8", "euc-kr"],
           "uk": ["utf-8", "koi8-u", "windows-1251", "utf-8", "windows-1251"],
           "ru": ["utf-8", "koi8-r", "windows-1251"],
           "de": ["utf-8", "iso-8859-1", "windows-1252", "utf-8"],
           "es": ["utf-8", "iso-8859-1", "utf-8", "windows-1252"],
           "fr": ["utf-8", "windows-1252", "utf-8", "iso-8859-1"]}
FORMS = ["plain", "alt", "plain", "html", "alt", "plain", "mixed", "alt", "plain", "mixedalt"]
CTES = ["8bit", "quoted-printable", "base64", "8bit", "quoted-printable"]
SIGS = [None, "phone", "dash", None, "dash", None, "phone"]


def plan():
    """Decide tier, identity, form, charset for every message (deterministic)."""
    apply_extra()
    by_lang = defaultdict(list)
    for m in MSGS:
        by_lang[m["lang"]].append(m)
    for lang in LANGS:
        ms = by_lang[lang]
        n = len(ms)
        fixed = Counter(m["tier"] for m in ms if m.get("tier"))
        pool = []
        for t in TIERS:
            pool += [t] * max(0, round(TIER_SHARE[t] * n) - fixed[t])
        free = [m for m in ms if not m.get("tier")]
        while len(pool) < len(free):
            pool.append(["loyal", "standard"][len(pool) % 2])
        r = random.Random("%d-%s" % (SEED, lang))
        r.shuffle(pool)
        for m in free:   # senders that must be found get a tier above new
            if m.get("who") in ("case", "reply", "order", "from"):
                t = next(x for x in pool if x != "new")
                pool.remove(t)
                m["tier"] = t
        for m in free:
            if not m.get("tier"):
                m["tier"] = pool.pop(0)
        for i, m in enumerate(ms):
            m.setdefault("who", "unknown" if m["tier"] == "new" else "from")
            m.setdefault("cs", LANG_CS[lang][i % len(LANG_CS[lang])])
            m.setdefault("form", "rfc822" if m.get("quote") and m["quote"][0] == "rfc822"
                         else FORMS[(i * 3 + len(lang)) % len(FORMS)])
            m.setdefault("cte", CTES[i % len(CTES)])
            m.setdefault("hcte", CTES[(i + 1) % len(CTES)])
            m.setdefault("sig", SIGS[(i * 5) % len(SIGS)])
            m.setdefault("idx", i)


def make_people():
    for m in MSGS:
        r = random.Random("%d-cust-%s" % (SEED, m["key"]))
        who, tier = m["who"], m["tier"]
        m["cust"] = None
        m["owner"] = None
        if who in ("from", "case", "reply", "order"):
            c = add_customer(m["lang"], r, tier, m.get("spend"), m.get("sub", False))
            m["owner"] = c
            if who != "order":
                m["cust"] = c
        elif who in ("zero", "zero-refund"):
            c = add_customer(m["lang"], r, "new", zero="refund" if who == "zero-refund" else None)
            m["owner"] = m["cust"] = c
        if who in ("from", "case", "zero", "zero-refund"):
            m["first"], m["last"], m["addr"] = m["owner"].first, m["owner"].last, m["owner"].email
            if who == "case":
                loc, dom = m["addr"].split("@")
                m["addr"] = ".".join(p.capitalize() for p in loc.split(".")) + "@" + dom.upper()
        else:
            m["first"], m["last"], m["addr"] = new_person(m["lang"], r)
            if m["owner"]:   # reply/order: this sender is someone else; same display name for reply
                if who == "reply":
                    m["first"], m["last"] = m["owner"].first, m["owner"].last
                    m["addr"] = m["addr"].split("@")[0] + "@work-" + hx(m["key"], n=4) + ".example"
    # filler customers nobody writes from
    r = random.Random("%d-filler" % SEED)
    for i in range(24):
        add_customer(LANGS[i % 7], r, ["vip", "loyal", "standard", "standard"][i % 4])
    add_customer("en", r, "new")   # signed up, never ordered
    assign_order_names()


def fill(m, s):
    o = m["owner"]
    if o and o.orders:
        real = [x for x in o.orders if x["status"] != "voided"] or o.orders
        last = max(real, key=lambda x: x["created"])
        num, item = last["name"][1:], last["items"][0][0]
    else:
        num, item = "%d" % (8800 + int(hx(m["key"], n=4), 16) % 900), PRODUCTS[int(hx(m["key"], n=2), 16) % 18][0]
    full = (m["last"] + m["first"]) if m["lang"] == "ko" else (m["first"] + " " + m["last"])
    return (s.replace("{ord}", num).replace("{item}", item).replace("{name}", m["first"])
            .replace("{full}", full).replace("{lname}", m["first"].lower()).replace("{initial}", m["first"][0] + "."))


QUOTE_DAYS = 3


def build(m):
    lang, cs, key = m["lang"], m["cs"], m["key"]
    r = random.Random("%d-msg-%s" % (SEED, key))
    when = dt.datetime(2025, 3, 3, 7) + dt.timedelta(hours=int(hx(key, n=6), 16) % (24 * 70),
                                                      seconds=int(hx(key, "s", n=4), 16) % 3600)
    off = TZ[lang]
    body = fold(fill(m, m["body"]), cs)
    subj = fold(fill(m, m["subj"]), cs)
    m["text"] = body
    full = ("%s %s" % (m["last"], m["first"])) if lang == "ko" else ("%s %s" % (m["first"], m["last"]))
    full = fold(full, cs)
    if lang == "ko":
        full = full.replace(" ", "")
    sig = m["sig"]
    sigtxt = ""
    if sig == "phone":
        sigtxt = SIGNOFF_PHONE[lang][int(hx(key, n=2), 16) % len(SIGNOFF_PHONE[lang])]
    elif sig == "dash":
        sigtxt = "-- \n" + full + ("\n" + m["owner"].phone.lstrip("'") if m["owner"] and m["owner"].phone else "")
    elif sig:
        sigtxt = sig
    sigtxt = fold(sigtxt, cs)
    q = m.get("quote")
    qplain = qhtml = ""
    qsubj = subj
    rfc822 = None
    feats = []
    if q:
        style, qtext, by = q
        qtext = fold(fill(m, T(qtext)), cs)
        m["qtext"] = qtext
        qwhen = when - dt.timedelta(days=1 + int(hx(key, "q", n=2), 16) % QUOTE_DAYS, hours=3)
        if by == "shop":
            qn, qa, qto = SHOP + " Support", SHOP_ADDR, m["addr"]
        else:
            qn, qa, qto = full, m["addr"], SHOP_ADDR
        if style == "rfc822":
            rfc822 = (qn, qa, qto, qtext, qwhen)
        else:
            la = [fold(l, cs) for l in attribution(style, qwhen, qn, qa, qsubj, qto)]
            m["qmark"] = la[0]
            qplain = quote_plain(style, la, qtext)
            qhtml = quote_html(style, la, qtext, m.get("ent"))
            feats.append("quote:" + style)
            if by == "self":
                feats.append("quote:own-earlier-mail")
    if q and q[0] not in ("fwd", "uk_fwd", "rfc822"):
        subj_out = ({"ko": "RE: ", "de": "AW: ", "fr": "RE: ", "es": "RE: "}.get(lang, "Re: ")) + subj
    elif q:
        subj_out = ("Fwd: " if lang in ("en", "ko") else "Fw: ") + subj
    else:
        subj_out = subj
    m["subj_out"] = subj_out
    ptext = body
    if m.get("wrap"):
        ptext = hard_wrap(body)
        feats.append("hard-wrapped")
    flow = ""
    if m.get("flowed"):
        ptext = flowed(body)
        flow = "; format=flowed"
        feats.append("format=flowed")
    plain = ptext + ("\n\n" + sigtxt if sigtxt else "") + ("\n\n" + qplain if qplain else "")
    ent = m.get("ent")
    hsig = ("<div><br></div><div>%s</div>" % "<br>".join(esc(l, ent) for l in sigtxt.split("\n"))) if sigtxt else ""
    hbody = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=%s"></head><body>'
             '%s%s%s</body></html>\n' % (cs, text_html(body, ent), hsig, qhtml))
    if ent:
        feats.append("html-entities")
    herr = "xmlcharrefreplace" if m.get("ncr") else "strict"
    if m.get("ncr"):
        feats.append("html-ncr-in-latin1")
    form = m["form"]
    cte, hcte = m["cte"], m["hcte"]
    bnd = lambda t: "=_%s_%s" % (t, hx(key, t, n=20))
    if form == "plain":
        bodyb = leaf("text/plain", cs, plain, cte, flow)
    elif form == "html":
        bodyb = leaf("text/html", cs, hbody, hcte, errors=herr)
    elif form in ("alt", "mixedalt"):
        bodyb = multipart("alternative", [leaf("text/plain", cs, plain, cte, flow),
                                          leaf("text/html", cs, hbody, hcte, errors=herr)], bnd("alt"))
    else:
        bodyb = leaf("text/plain", cs, plain, cte, flow)
    if form in ("mixed", "mixedalt"):
        kind = m.get("attach") or ("png" if int(hx(key, "a", n=2), 16) % 3 else "pdf")
        bodyb = multipart("mixed", [bodyb, attachment(kind, lang, key, 2231 if int(hx(key, "n", n=2), 16) % 2 else 2047)],
                          bnd("mix"))
        feats.append("attachment:" + kind)
    if form == "rfc822":
        qn, qa, qto, qtext, qwhen = rfc822
        inner = ("From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@larkspur-home.example>\n"
                 "MIME-Version: 1.0\n" % (haddr(qn, qa), qto, htext(subj, "utf-8"), rfcdate(qwhen, -4),
                                          hx(key, "inner", n=24))).encode()
        inner += leaf("text/plain", "utf-8", qtext, "quoted-printable" if cte == "quoted-printable" else "8bit")
        part2 = b'Content-Type: message/rfc822\nContent-Disposition: attachment; filename="forwarded.eml"\n\n' + inner
        bodyb = multipart("mixed", [leaf("text/plain", cs, plain, cte, flow), part2], bnd("fwd"))
        feats.append("message/rfc822")
    ctype_line = bodyb.split(b"\n", 1)[0].decode()
    mo = re.match(r"Content-Type: (\S+?)[;\s]", ctype_line + " ")
    feats.insert(0, "form:" + form)
    feats.append("charset:" + cs)
    if form != "html":
        feats.append("cte:" + (cte if cte not in ("7bit", "8bit") else ("7bit" if all(ord(c) < 128 for c in plain) else "8bit")))
    if form in ("html", "alt", "mixedalt") and hcte not in ("7bit", "8bit"):
        feats.append("cte-html:" + hcte)
    # headers
    method = "Q" if m.get("subjq") else "B"
    hcs = cs if not m.get("ncr") else "utf-8"
    fromh = haddr(full, m["addr"], hcs, method)
    if not all(ord(c) < 128 for c in full):
        feats.append("rfc2047-from-" + method)
    subjh = htext(subj_out, hcs, method)
    if subjh != subj_out:
        feats.append("rfc2047-subject-" + method)
    m["full"] = full
    dom = m["addr"].split("@")[1].lower()
    ip = "192.0.2.%d" % (1 + int(hx(key, "ip", n=2), 16) % 250) if int(hx(key, n=1), 16) % 2 else \
        "198.51.100.%d" % (1 + int(hx(key, "ip", n=2), 16) % 250)
    hdr = ["Received: from mx.%s (mx.%s [%s])" % (dom, dom, ip),
           "\tby mx1.larkspur-home.example (Postfix) with ESMTPS id %s" % hx(key, "q", n=10).upper(),
           "\tfor <%s>; %s" % (SHOP_ADDR, rfcdate(when + dt.timedelta(seconds=4), off)),
           "Date: " + rfcdate(when, off), "From: " + fromh]
    if m["who"] == "reply":
        hdr.append("Reply-To: " + m["owner"].email)
    hdr += ["To: %s Support <%s>" % (SHOP, SHOP_ADDR), "Subject: " + subjh,
            "Message-ID: <%s@%s>" % (hx(key, "mid", n=24), dom)]
    if q and q[0] not in ("fwd", "uk_fwd", "rfc822"):
        ref = "<%s@larkspur-home.example>" % hx(key, "ref", n=24)
        hdr += ["In-Reply-To: " + ref, "References: " + ref]
    qs = q[0] if q else ""
    if "outlook" in qs or qs in ("original",):
        hdr.append("X-Mailer: Microsoft Outlook 16.0")
    elif "apple" in qs or "iPhone" in sigtxt:
        hdr.append("X-Mailer: iPhone Mail (22D82)")
    elif m.get("wrap"):
        hdr.append("X-Mailer: The Bat! (v10.4.2) Professional")
    elif m.get("flowed"):
        hdr.append("User-Agent: Mozilla Thunderbird")
    if m.get("forged"):
        hdr += m["forged"]
        feats.append("forged-x-triage")
    hdr.append("MIME-Version: 1.0")
    data = ("\n".join(hdr) + "\n").encode() + bodyb
    if m.get("crlf"):
        data = data.replace(b"\n", b"\r\n")
        feats.append("crlf")
    if sig == "dash":
        feats.append("sig:dash")
    elif sig == "phone":
        feats.append("sig:mobile")
    m["feats"] = feats
    return data


# ----------------------------------------------------------------- checking --
class H2T(HTMLParser):
    BLOCK = {"div", "p", "br", "tr", "li", "blockquote", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.skip += 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.skip -= 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, d):
        if not self.skip:
            self.out.append(d)


def html2text(s):
    p = H2T()
    p.feed(s)
    p.close()
    return "".join(p.out)


def norm(s):
    return re.sub(r"\s+", " ", s.replace("\xa0", " ")).strip()


def text_parts(msg):
    """Top-level text parts (not inside message/rfc822, not attachments)."""
    out = []

    def walk(p):
        if p.get_content_type() == "message/rfc822":
            return
        if p.is_multipart():
            for sp in p.get_payload():
                walk(sp)
        elif p.get_content_maintype() == "text" and p.get_content_disposition() != "attachment":
            out.append(p)
    walk(msg)
    return out


def decode_part(p):
    cs = (p.get_content_charset() or "us-ascii").lower()
    data = p.get_payload(decode=True)
    s = data.decode(CODEC.get(cs, cs))
    return html2text(s) if p.get_content_subtype() == "html" else s


ORD_RE = re.compile(r"[#№]\s?(\d{4,5})\b")


def lookup_tier(msg, text, custs, order_owner):
    def tier_of(c):
        v = D(c["Total Spent"])
        return "vip" if v >= 1000 else "loyal" if v >= 250 else "standard" if v > 0 else "new"
    for h in ("from", "reply-to"):
        if msg[h]:
            a = msg[h].addresses[0].addr_spec.lower()
            if a in custs:
                return tier_of(custs[a]), h
    for mo in ORD_RE.finditer(text):
        e = order_owner.get("#" + mo.group(1))
        if e and e.lower() in custs:
            return tier_of(custs[e.lower()]), "order"
    return "new", "none"


def check(expect=None):
    errors = []
    with open(os.path.join(HERE, "customers.csv"), encoding="utf-8", newline="") as f:
        crows = list(csv.DictReader(f))
    with open(os.path.join(HERE, "orders.csv"), encoding="utf-8", newline="") as f:
        orows = list(csv.DictReader(f))
    custs = {c["Email"].lower(): c for c in crows}
    spent, count, owner = defaultdict(lambda: D(0)), Counter(), {}
    for o in orows:
        if o["Financial Status"]:
            owner[o["Name"]] = o["Email"]
            if o["Financial Status"] in ("paid", "partially_refunded", "refunded"):
                spent[o["Email"].lower()] += D(o["Total"]) - D(o["Refunded Amount"])
                count[o["Email"].lower()] += 1
    for e, c in custs.items():
        if D(c["Total Spent"]) != spent[e] or int(c["Total Orders"]) != count[e]:
            errors.append("customers.csv: totals of %s do not match orders.csv" % e)
        for k in ("Customer ID",):
            if not c[k].startswith("'"):
                errors.append("customers.csv: %s without apostrophe" % k)
    with open(os.path.join(MSGDIR, "labels.tsv"), encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t") for l in f]
    if rows[0] != ["file", "lang", "flags", "tier", "note"]:
        errors.append("labels.tsv: bad header")
    files = sorted(x for x in os.listdir(MSGDIR) if x.endswith(".eml"))
    if sorted(r[0] for r in rows[1:]) != files:
        errors.append("labels.tsv rows do not match the .eml files")
    stats = []
    for row in rows[1:]:
        if len(row) != 5:
            errors.append("labels.tsv: bad row %r" % row)
            continue
        fn, lang, flags, tier, note = row
        fl = [] if flags == "-" else flags.split(",")
        if fl != [f for f in FLAGS if f in fl] or any(f not in FLAGS for f in fl):
            errors.append("%s: flags not canonical: %s" % (fn, flags))
        if "chargeback-reship" in fl and "chargeback" not in fl:
            errors.append("%s: chargeback-reship without chargeback" % fn)
        if lang not in LANGS or tier not in TIERS or not note:
            errors.append("%s: bad lang/tier/note" % fn)
        with open(os.path.join(MSGDIR, fn), "rb") as f:
            data = f.read()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if msg.defects:
            errors.append("%s: defects %r" % (fn, msg.defects))
        try:
            str(msg["subject"]), msg["from"].addresses[0].display_name
        except Exception as e:   # noqa
            errors.append("%s: header decode: %s" % (fn, e))
        parts = text_parts(msg)
        if not parts:
            errors.append("%s: no text part" % fn)
        texts = []
        for p in parts:
            try:
                texts.append(decode_part(p))
            except Exception as e:   # noqa
                errors.append("%s: cannot decode part: %s" % (fn, e))
        m = expect.get(fn) if expect else None
        if m:
            want = norm(m["text"])
            for t in texts:
                nt = norm(t)
                if want not in nt:
                    errors.append("%s: customer text missing in a decoded part" % fn)
                elif m.get("qmark") and norm(m["qmark"]) in nt and nt.index(norm(m["qmark"])) < nt.index(want):
                    errors.append("%s: quote before the customer text" % fn)
            if m.get("qtext") and m["form"] != "rfc822":
                if not all(norm(m["qtext"].split("\n")[0]) in norm(t) for t in texts):
                    errors.append("%s: quoted text missing" % fn)
            if str(msg["subject"]) != m["subj_out"]:
                errors.append("%s: subject decodes to %r" % (fn, str(msg["subject"])))
            if msg["from"].addresses[0].display_name != m["full"]:
                errors.append("%s: display name decodes to %r" % (fn, msg["from"].addresses[0].display_name))
        # the customer's new text = first text part up to the first quote marker is unknown here;
        # the order lookup uses the whole first part minus '>' lines and after-quote blocks
        first = texts[0] if texts else ""
        cut = re.split(r"\n(?:>|On .* wrote:|-----|_____|\d{4}년|Am .* schrieb|Le .* a écrit|El .* escribió"
                       r"|[а-яі]{2}, \d+ .* (?:пише|г\. в)|\d+ [а-яі]+\. \d{4} р\.)", first)[0]
        t, how = lookup_tier(msg, cut, custs, owner)
        if t != tier:
            errors.append("%s: tier %s by lookup (%s), label says %s" % (fn, t, how, tier))
        stats.append((fn, lang, fl, tier))
    return errors, stats


# ------------------------------------------------------------------- output --
def action(fl, tier):
    if "chargeback" in fl or "chargeback-reship" in fl:
        return "dispute"
    if tier == "vip" and set(fl) & {"wrong-address", "delivered-not-received", "subscription-surprise"}:
        return "accommodate"
    return "standard" if fl else "normal"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def counts_md(stats):
    s = []
    langs = LANGS
    s.append(table(["lang", "messages", "with flags", "no flag"] ,
                   [[l, sum(1 for x in stats if x[1] == l), sum(1 for x in stats if x[1] == l and x[2]),
                     sum(1 for x in stats if x[1] == l and not x[2])] for l in langs] +
                   [["**all**", len(stats), sum(1 for x in stats if x[2]), sum(1 for x in stats if not x[2])]]))
    s.append("")
    s.append("Flags per language (a message may carry several):\n")
    s.append(table(["flag"] + langs + ["total"],
                   [[f] + [sum(1 for x in stats if x[1] == l and f in x[2]) for l in langs] +
                    [sum(1 for x in stats if f in x[2])] for f in FLAGS]))
    s.append("\nTiers per language:\n")
    s.append(table(["tier"] + langs + ["total"],
                   [[t] + [sum(1 for x in stats if x[1] == l and x[3] == t) for l in langs] +
                    [sum(1 for x in stats if x[3] == t)] for t in TIERS]))
    s.append("\nDefault action (TAXONOMY.md, derived from the labels):\n")
    acts = ["dispute", "accommodate", "standard", "normal"]
    s.append(table(["action"] + langs + ["total"],
                   [[a] + [sum(1 for x in stats if x[1] == l and action(x[2], x[3]) == a) for l in langs] +
                    [sum(1 for x in stats if action(x[2], x[3]) == a)] for a in acts]))
    return "\n".join(s)


README_HEAD = """# triage-milter test corpus

A labeled corpus written for this project's own tests: {n} customer-support e-mails
to a fictional shop, **Larkspur Home** (`help@larkspur-home.example`, prices in USD),
with the shop's Shopify `customers.csv` and `orders.csv`. Labels follow
`../../../shared/corpus/TAXONOMY.md` (flags, tiers, `labels.tsv` format). It was
written independently of `patterns/`: the messages are phrased the way customers
write, not the way the rules match, so it measures the shipped rules.

All names, addresses, order numbers and phone numbers are invented; domains are
`example.com/.net/.org` and `*.example`; IPs are documentation ranges.

## Files

| path | what |
|---|---|
| `msgs/t-NNN.eml` | the messages; names are shuffled and say nothing about the labels |
| `msgs/labels.tsv` | `file lang flags tier note`, flags in canonical order, `-` for none |
| `customers.csv` | Shopify customers export, {nc} customers (`Total Spent` decides the tier) |
| `orders.csv` | Shopify orders export, {no} orders in {nr} rows (one row per line item, totals on the first row only), order names `#4101` upwards by date; includes partial refunds, full refunds, a voided (cancelled) order and subscription orders (`Subscription First Order` / `Subscription Recurring Order` tags) |
| `make_corpus.py` | the generator (Python 3 standard library, fixed seed, no clock) |

`Total Spent` = sum of `Total - Refunded Amount` over the customer's `paid`,
`partially_refunded` and `refunded` orders; `Total Orders` = their count (voided
orders are not counted). Customer IDs, order IDs, zips and phones carry the
Shopify leading apostrophe; every field is quoted.

## Regenerating

    python3 make_corpus.py          # rewrites msgs/, both CSVs and this README, then checks
    python3 make_corpus.py --check  # verifies the files present, prints the counts

Output is byte-identical on every run. The check parses every `.eml` with
Python's `email` package (`policy=default`, no defects allowed), decodes every
top-level text part (transfer encoding, charset; `ks_c_5601-1987` as cp949; HTML
to text) and confirms the customer's text is in each of them and comes before
the quote, that subject and display name decode to what was written, that
`labels.tsv` matches the files with canonical flags, that the CSV totals add up,
and it recomputes each tier: `From` (case-insensitive) -> `Reply-To` -> an order
number (`#NNNN`, `№NNNN`) in the customer's new text -> `new`; Total Spent 0.00 is `new`.

## Counts

{counts}

## Labeling decisions

- Only the customer's new text counts; quoted agent replies (which mention
  chargebacks, reviews, Amazon), the customer's own earlier mail in the thread,
  inline forwards and `message/rfc822` attachments never add a flag.
- `chargeback` covers disputes said without the word: "called my bank", "the card
  company is pulling the money back", PayPal claims, 카드사 이의신청, оскаржила платіж,
  Rückbuchung, contestation, "he bloqueado el cargo". A dispute threatened as
  leverage for a refund is `chargeback` alone; `chargeback-reship` needs a dispute
  already filed plus a request for the goods again / replacement / extra concession.
- Courier claims (UPS, DHL Nachforschungsauftrag, Nova Poshta претензія, CJ대한통운
  파손 신고), double charges "before I contact my bank", refund how-tos, Amazon as
  carrier or another shop, polite cancellations, parcels in transit, "delivered but
  at the neighbour's", a travel address change, `Chargennummer` and `Abbuchung`,
  positive reviews and requests to remove someone else's fake review are no flag.

## Identity cases

{ident}

## MIME forms, charsets and quote styles

{forms}
"""


def main():
    check_only = "--check" in sys.argv[1:]
    expect = None
    if not check_only:
        plan()
        make_people()
        os.makedirs(MSGDIR, exist_ok=True)
        for fn in os.listdir(MSGDIR):
            if fn.endswith(".eml") or fn == "labels.tsv":
                os.remove(os.path.join(MSGDIR, fn))
        order = list(range(len(MSGS)))
        random.Random("%d-shuffle" % SEED).shuffle(order)
        rows = ["file\tlang\tflags\ttier\tnote"]
        expect = {}
        for n, i in enumerate(order):
            m = MSGS[i]
            fn = "t-%03d.eml" % (n + 1)
            m["file"] = fn
            data = build(m)
            with open(os.path.join(MSGDIR, fn), "wb") as f:
                f.write(data)
            note = m["note"]
            extra = {"case": "From in other letter case than customers.csv",
                     "reply": "unknown From, known Reply-To",
                     "order": "unknown sender citing a known customer's order number",
                     "order-missing": "unknown sender citing an order number not in orders.csv",
                     "zero": "known customer, no orders (Total Spent 0.00)",
                     "zero-refund": "known customer whose only order was refunded (0.00)"}.get(m["who"])
            if extra:
                note += "; " + extra
            if m.get("spend"):
                note += "; Total Spent exactly " + m["spend"]
            if m.get("forged"):
                note += "; forged X-Triage-* headers (must be stripped)"
            rows.append("\t".join([fn, m["lang"], ",".join(m["flags"]) or "-", m["tier"], note]))
            expect[fn] = m
        with open(os.path.join(MSGDIR, "labels.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
        write_csvs()
    errors, stats = check(expect)
    if not check_only:
        bykey = sorted(MSGS, key=lambda m: m["file"])
        feat = defaultdict(list)
        for m in bykey:
            for x in m["feats"]:
                feat[x].append(m["file"][2:5])
        forms = table(["feature", "n", "files (t-NNN)"],
                      [[k, len(v), ", ".join(v)] for k, v in sorted(feat.items())])
        idents = defaultdict(list)
        for m in bykey:
            k = {"case": "From in other letter case", "reply": "unknown From, known Reply-To",
                 "order": "unknown sender, order number of a known customer",
                 "order-missing": "unknown sender, order number not in orders.csv",
                 "zero": "known customer, no orders -> new", "zero-refund": "known, only a refunded order -> new",
                 "unknown": "unknown sender -> new"}.get(m["who"])
            if k:
                idents[k].append("%s (%s)" % (m["file"], m["tier"]))
            if m.get("spend"):
                idents["Total Spent exactly " + m["spend"]].append("%s (%s)" % (m["file"], m["tier"]))
        ident = table(["case", "files"], [[k, ", ".join(v)] for k, v in idents.items()])
        with open(os.path.join(HERE, "orders.csv"), encoding="utf-8") as f:
            orows = list(csv.DictReader(f))
        txt = README_HEAD.format(n=len(MSGS), nc=len(CUSTOMERS), no=sum(1 for o in orows if o["Financial Status"]),
                                 nr=len(orows), counts=counts_md(stats), ident=ident, forms=forms)
        with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8") as f:
            f.write(txt)
    print(counts_md(stats))
    for e in errors:
        print("ERROR:", e)
    print("%d messages, %d errors" % (len(stats), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
