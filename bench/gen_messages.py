#!/usr/bin/env python3
"""gen_messages.py - a deterministic benchmark message set.

Writes N support emails (default 400) of about 2-64 KB (1.7 KB for the
shortest), median about 8 KB, in
en, ko, uk, ru, de, es and fr and in the MIME forms support mail arrives
in: plain UTF-8 (8bit), quoted-printable, base64, multipart/alternative
with HTML, HTML only, a legacy charset (EUC-KR, KOI8-U, windows-1251,
ISO-8859-1), a quoted reply, and multipart/mixed with an attachment.
About half of the messages carry sentences that the shipped rules are
meant to recognise (review threats, disputes, "send it again", Amazon,
wrong address, delivered but not received, subscriptions).

With --customers N --csv FILE it also writes a plain customer table
(email,ltv,orders,currency) of N customers; senders of the messages are
drawn from the same address scheme, so about two thirds are found.

The same arguments always give byte-identical files (Python 3 stdlib
only, seeded random, fixed dates).

    gen_messages.py [-n COUNT] [--seed S] [-o DIR]
                    [--customers N --csv FILE]
"""
import argparse
import base64
import os
import random
import quopri
import sys
from email.header import Header

LANGS = ["en", "ko", "uk", "ru", "de", "es", "fr"]
LEGACY = {"ko": "euc-kr", "uk": "koi8-u", "ru": "windows-1251",
          "en": "iso-8859-1", "de": "iso-8859-1", "es": "iso-8859-1",
          "fr": "iso-8859-1"}
FORMS = ["plain", "qp", "base64", "alternative", "html", "legacy",
         "reply", "attachment"]

# Per language: greeting, closing, neutral sentences, an agent's earlier
# answer (quoted in replies), subjects, and sentences per topic.
T = {
    "en": dict(
        hi="Hello,", bye="Best regards,",
        neutral=[
            "I ordered the ceramic coffee grinder two weeks ago.",
            "The tracking page has not changed since Monday.",
            "Could you please tell me what happens next?",
            "I have attached a photo of the box as it arrived.",
            "My neighbour did not take anything in for me either.",
            "The colour is fine but the lid does not close properly.",
            "I would appreciate an answer before the weekend.",
            "Thank you for looking into this for me.",
            "The invoice number is on the packing slip.",
            "I am usually very happy with your shop.",
        ],
        agent=[
            "Thank you for contacting our support team.",
            "We have forwarded your request to the warehouse.",
            "Please allow three to five working days for an answer.",
            "Your ticket number is mentioned in the subject line.",
        ],
        subj=["Question about my order", "Where is my parcel?",
              "Problem with order", "Refund request"],
        threat=["If this is not fixed today I will post bad reviews everywhere.",
                "I'll leave a one-star review on Trustpilot unless you refund me."],
        dispute=["I have already filed a chargeback with my bank.",
                 "We opened a dispute with PayPal on Friday."],
        reship=["Also please send the grinder again, I still want it."],
        amazon=["Amazon would just send a new one without all these questions.",
                "On Amazon I would get my money back instantly."],
        address=["I typed the wrong street number when I placed the order."],
        dnr=["The tracking says delivered but nothing arrived at my door."],
        sub=["I did not realise this was a subscription that charges me every month."],
    ),
    "de": dict(
        hi="Guten Tag,", bye="Mit freundlichen Grüßen",
        neutral=[
            "Ich habe vor zwei Wochen eine Kaffeemühle bestellt.",
            "Die Sendungsverfolgung zeigt seit Montag nichts Neues.",
            "Können Sie mir bitte sagen, wie es weitergeht?",
            "Ein Foto vom Karton hänge ich an.",
            "Die Farbe passt, aber der Deckel schließt nicht richtig.",
            "Über eine Antwort vor dem Wochenende würde ich mich freuen.",
            "Vielen Dank, dass Sie sich darum kümmern.",
            "Die Rechnungsnummer steht auf dem Lieferschein.",
            "Sonst bin ich mit Ihrem Shop immer zufrieden.",
        ],
        agent=[
            "Vielen Dank für Ihre Nachricht an unseren Kundenservice.",
            "Wir haben Ihre Anfrage an das Lager weitergeleitet.",
            "Bitte haben Sie drei bis fünf Werktage Geduld.",
        ],
        subj=["Frage zu meiner Bestellung", "Wo ist mein Paket?",
              "Problem mit der Lieferung"],
        threat=["Ich werde überall eine negative Bewertung schreiben, wenn das nicht heute gelöst wird."],
        dispute=["Ich habe die Zahlung bei meiner Bank zurückbuchen lassen."],
        reship=["Schicken Sie mir die Mühle trotzdem bitte noch einmal zu."],
        amazon=["Bei Amazon hätte ich sofort ein neues Gerät bekommen."],
        address=["Ich habe bei der Bestellung die falsche Hausnummer angegeben."],
        dnr=["Laut Sendungsverfolgung wurde das Paket zugestellt, aber es ist nie angekommen."],
        sub=["Mir war nicht klar, dass das ein Abo ist, das jeden Monat abbucht."],
    ),
    "es": dict(
        hi="Hola,", bye="Un saludo,",
        neutral=[
            "Hice un pedido de un molinillo de café hace dos semanas.",
            "El seguimiento no ha cambiado desde el lunes.",
            "¿Podrían decirme qué pasa ahora?",
            "Adjunto una foto de la caja tal como llegó.",
            "El color está bien pero la tapa no cierra.",
            "Agradecería una respuesta antes del fin de semana.",
            "Gracias por revisarlo.",
            "Normalmente estoy muy contenta con su tienda.",
        ],
        agent=[
            "Gracias por ponerse en contacto con nuestro servicio de atención.",
            "Hemos enviado su solicitud al almacén.",
            "Le responderemos en un plazo de tres a cinco días laborables.",
        ],
        subj=["Consulta sobre mi pedido", "¿Dónde está mi paquete?",
              "Problema con el pedido"],
        threat=["Si no me devuelven el dinero hoy, dejaré una reseña negativa en Google."],
        dispute=["Ya he abierto una disputa en PayPal por este cargo."],
        reship=["Además envíenme el molinillo otra vez, lo sigo queriendo."],
        amazon=["En Amazon me lo habrían cambiado al momento."],
        address=["Me equivoqué de dirección al hacer el pedido."],
        dnr=["Pone que está entregado pero nunca llegó nada."],
        sub=["No sabía que era una suscripción que me cobra cada mes."],
    ),
    "fr": dict(
        hi="Bonjour,", bye="Cordialement,",
        neutral=[
            "J'ai commandé un moulin à café il y a deux semaines.",
            "Le suivi n'a pas bougé depuis lundi.",
            "Pouvez-vous me dire ce qui se passe maintenant ?",
            "Je joins une photo du carton tel qu'il est arrivé.",
            "La couleur me plaît mais le couvercle ferme mal.",
            "Merci de me répondre avant le week-end.",
            "Merci de vous en occuper.",
            "D'habitude je suis très contente de votre boutique.",
        ],
        agent=[
            "Merci d'avoir contacté notre service client.",
            "Nous avons transmis votre demande à l'entrepôt.",
            "Comptez trois à cinq jours ouvrés pour une réponse.",
        ],
        subj=["Question sur ma commande", "Où est mon colis ?",
              "Problème de livraison"],
        threat=["Je vais laisser un avis négatif partout si ce n'est pas réglé."],
        dispute=["J'ai ouvert un litige sur PayPal pour ce paiement."],
        reship=["Envoyez-moi quand même le moulin une nouvelle fois."],
        amazon=["Chez Amazon on m'aurait renvoyé un produit tout de suite."],
        address=["Je me suis trompée d'adresse en passant la commande."],
        dnr=["Le suivi indique livré mais je n'ai jamais rien reçu."],
        sub=["Je ne savais pas que c'était un abonnement prélevé chaque mois."],
    ),
    "ru": dict(
        hi="Здравствуйте,", bye="С уважением,",
        neutral=[
            "Две недели назад я заказала кофемолку.",
            "Статус отслеживания не менялся с понедельника.",
            "Подскажите, пожалуйста, что будет дальше?",
            "Прикладываю фото коробки, в каком виде она пришла.",
            "Цвет подходит, но крышка плохо закрывается.",
            "Буду благодарна за ответ до выходных.",
            "Спасибо, что разбираетесь.",
            "Обычно я очень довольна вашим магазином.",
        ],
        agent=[
            "Спасибо, что обратились в нашу службу поддержки.",
            "Мы передали ваш запрос на склад.",
            "Ответ придёт в течение трёх-пяти рабочих дней.",
        ],
        subj=["Вопрос по заказу", "Где моя посылка?", "Проблема с заказом"],
        threat=["Если не решите сегодня, напишу плохие отзывы везде."],
        dispute=["Я уже подала чарджбэк через банк."],
        reship=["И пришлите мне кофемолку ещё раз, она мне нужна."],
        amazon=["Amazon бы просто прислал новую без вопросов."],
        address=["Я указала неправильный адрес при оформлении заказа."],
        dnr=["Написано, что доставлено, но посылку я так и не получила."],
        sub=["Я не знала, что это подписка с ежемесячным списанием."],
    ),
    "uk": dict(
        hi="Добрий день,", bye="З повагою,",
        neutral=[
            "Два тижні тому я замовила кавомолку.",
            "Статус відстеження не змінювався з понеділка.",
            "Підкажіть, будь ласка, що буде далі?",
            "Додаю фото коробки, якою вона прийшла.",
            "Колір підходить, але кришка погано закривається.",
            "Буду вдячна за відповідь до вихідних.",
            "Дякую, що розбираєтеся.",
            "Зазвичай я дуже задоволена вашим магазином.",
        ],
        agent=[
            "Дякуємо, що звернулися до нашої служби підтримки.",
            "Ми передали ваш запит на склад.",
            "Відповідь надійде протягом трьох-п'яти робочих днів.",
        ],
        subj=["Питання щодо замовлення", "Де моя посилка?",
              "Проблема із замовленням"],
        threat=["Якщо не вирішите сьогодні, напишу погані відгуки всюди."],
        dispute=["Я вже подала чарджбек через банк."],
        reship=["І надішліть мені кавомолку ще раз, вона мені потрібна."],
        amazon=["Amazon би просто надіслав нову без питань."],
        address=["Я вказала неправильну адресу під час замовлення."],
        dnr=["Пише, що доставлено, але посилку я так і не отримала."],
        sub=["Я не знала, що це підписка зі щомісячним списанням."],
    ),
    "ko": dict(
        hi="안녕하세요,", bye="감사합니다.",
        neutral=[
            "2주 전에 커피 그라인더를 주문했어요.",
            "배송 조회가 월요일 이후로 그대로예요.",
            "앞으로 어떻게 되는지 알려주시겠어요?",
            "도착한 상자 사진을 첨부합니다.",
            "색상은 괜찮은데 뚜껑이 잘 안 닫혀요.",
            "주말 전에 답변 주시면 좋겠습니다.",
            "확인해 주셔서 고맙습니다.",
            "평소에는 이 쇼핑몰에 아주 만족하고 있어요.",
        ],
        agent=[
            "고객센터에 문의해 주셔서 감사합니다.",
            "요청하신 내용을 물류센터에 전달했습니다.",
            "답변까지 영업일 기준 3~5일이 걸립니다.",
        ],
        subj=["주문 문의드립니다", "택배가 어디 있나요?", "주문 관련 문제"],
        threat=["오늘 해결 안 되면 모든 곳에 악성 리뷰 남길 거예요."],
        dispute=["카드사에 이의제기 했습니다."],
        reship=["그리고 그라인더 다시 한 번 보내 주세요."],
        amazon=["쿠팡이었으면 바로 새 걸로 보내줬을 거예요."],
        address=["주문할 때 주소를 잘못 적었어요."],
        dnr=["배송완료라고 나오는데 물건을 못 받았어요."],
        sub=["매달 결제되는 정기구독인 줄 몰랐어요."],
    ),
}
TOPICS = ["threat", "dispute", "reship", "amazon", "address", "dnr", "sub"]
NAMES = {"en": "Jane Miller", "de": "Jürgen Schäfer", "es": "Lucía Gómez",
         "fr": "Hélène Dubois", "ru": "Анна Петрова", "uk": "Олена Коваль",
         "ko": "김민지"}
QUOTE_INTRO = {"en": "wrote:", "de": "schrieb:", "es": "escribió:",
               "fr": "a écrit :", "ru": "написал(а):", "uk": "написав(ла):",
               "ko": "작성:"}


def customer_addr(i):
    return "cust%06d@mail%d.example" % (i, i % 50)


def pick_size(rng):
    """Bytes, log-normal around 8 KB, clamped to 2-64 KB."""
    s = int(rng.lognormvariate(9.0, 0.8))  # e^9 ~ 8.1 KB
    return max(2048, min(65536, s))


def customer_text(rng, lang, triggers):
    t = T[lang]
    sents = [rng.choice(t["neutral"]) for _ in range(rng.randint(2, 5))]
    for topic in triggers:
        sents.insert(rng.randint(0, len(sents)), rng.choice(t[topic]))
    if rng.random() < 0.3:
        sents.append("#%d" % rng.randint(1000, 99999))
    return t["hi"] + "\n\n" + " ".join(sents) + "\n\n" + t["bye"] + "\n" + \
        NAMES[lang] + "\n"


def filler_paragraph(rng, lang):
    t = T[lang]
    return " ".join(rng.choice(t["neutral"] + t["agent"])
                    for _ in range(rng.randint(3, 7)))


def quoted_history(rng, lang, nbytes):
    """An earlier thread quoted with "> ", about nbytes of UTF-8."""
    out, size, depth = [], 0, 1
    while size < nbytes:
        who = "support@shop.example" if depth % 2 else NAMES[lang]
        intro = "On Mon, 2 Nov 2026 at 10:%02d, %s %s" % (
            depth % 60, who, QUOTE_INTRO[lang])
        out.append(">" * (depth - 1) + (" " if depth > 1 else "") + intro)
        para = " ".join(T[lang]["agent"]) + " " + filler_paragraph(rng, lang)
        for line in wrap(para, 72):
            out.append(">" * depth + " " + line)
        out.append(">" * depth)
        size = sum(len(x.encode()) + 1 for x in out)
        depth = depth % 4 + 1
    return "\n".join(out) + "\n"


def wrap(text, width):
    lines, cur = [], ""
    for w in text.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    if cur:
        lines.append(cur)
    return lines


def html_of(text, rng):
    esc = (text.replace("&", "&amp;").replace("<", "&lt;")
           .replace(">", "&gt;"))
    paras = "".join("<p style=\"margin:0 0 8px\">%s</p>\n" %
                    p.replace("\n", "<br>\n") for p in esc.split("\n\n"))
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<style>p{font-family:Arial}</style></head>\n<body>\n"
            "<div dir=\"ltr\">\n%s</div>\n<div class=\"footer\"><table>"
            "<tr><td>%s</td></tr></table></div>\n</body></html>\n"
            % (paras, "&nbsp;" * rng.randint(1, 4)))


def b64(data):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def qp(data):
    return quopri.encodestring(data).decode("ascii")


def pad_text(rng, lang, text, target):
    """Adds quoted history so the UTF-8 text is about target bytes."""
    have = len(text.encode())
    if have >= target:
        return text
    return text + "\n" + quoted_history(rng, lang, target - have)


def headers(i, lang, rng, sender, extra):
    subj = rng.choice(T[lang]["subj"])
    if i % 3 == 0:
        subj = "Re: " + subj
    name = NAMES[lang]
    h = [
        "Return-Path: <%s>" % sender,
        "Received: from mx.mail%d.example (mx.mail%d.example [192.0.2.%d])"
        % (i % 50, i % 50, i % 250 + 1),
        "\tby mx1.shop.example (Postfix) with ESMTPS id 4X%05dQ;"
        % i,
        "\tMon, 23 Nov 2026 10:%02d:%02d +0000" % (i // 60 % 60, i % 60),
        "From: %s <%s>" % (Header(name, "utf-8").encode(), sender),
        "To: Shop Support <support@shop.example>",
        "Subject: %s" % Header(subj, "utf-8").encode(),
        "Date: Mon, 23 Nov 2026 10:%02d:%02d +0000" % (i // 60 % 60, i % 60),
        "Message-ID: <bench-%05d@gen.example>" % i,
        "MIME-Version: 1.0",
    ]
    if i % 11 == 0:  # a forged verdict header the filter must remove
        h.append("X-Triage-Tier: vip")
    return "\n".join(h + extra) + "\n"


def ctype_text(sub, cs, cte):
    return ["Content-Type: text/%s; charset=\"%s\"" % (sub, cs),
            "Content-Transfer-Encoding: %s" % cte]


def build(i, rng, scale):
    lang = LANGS[i % len(LANGS)]
    form = FORMS[(i // len(LANGS)) % len(FORMS)]
    target = int(pick_size(rng) * scale)
    triggers = []
    if rng.random() < 0.55:
        triggers = rng.sample(TOPICS, rng.choice([1, 1, 1, 2, 2, 3]))
    if "reship" in triggers and "dispute" not in triggers:
        triggers.append("dispute")
    if rng.random() < 0.66:
        sender = customer_addr(rng.randrange(100000))
    else:
        sender = "visitor%d@elsewhere%d.example" % (i, i % 7)
    text = customer_text(rng, lang, triggers)
    bnd = "=_bench_%05d_%d" % (i, rng.randrange(1 << 30))

    def body_enc(t, cte, cs="utf-8"):
        raw = t.encode(cs, errors="replace")
        if cte == "base64":
            return b64(raw)
        if cte == "quoted-printable":
            return qp(raw)
        return raw.decode(cs)

    if form in ("plain", "reply"):
        t = pad_text(rng, lang, text, target)
        hdr = headers(i, lang, rng, sender, ctype_text("plain", "utf-8", "8bit"))
        body = t
    elif form == "qp":
        t = pad_text(rng, lang, text, int(target * 0.7))
        hdr = headers(i, lang, rng, sender,
                      ctype_text("plain", "utf-8", "quoted-printable"))
        body = body_enc(t, "quoted-printable")
    elif form == "base64":
        t = pad_text(rng, lang, text, int(target * 0.74))
        hdr = headers(i, lang, rng, sender, ctype_text("plain", "utf-8", "base64"))
        body = body_enc(t, "base64")
    elif form == "legacy":
        cs = LEGACY[lang]
        t = pad_text(rng, lang, text, target)
        cte = "8bit" if lang in ("ko", "ru", "uk") else "quoted-printable"
        hdr = headers(i, lang, rng, sender, ctype_text("plain", cs, cte))
        body = t.encode(cs, errors="replace").decode(cs) if cte == "8bit" \
            else body_enc(t, cte, cs)
        return hdr, body, cs
    elif form == "html":
        t = pad_text(rng, lang, text, int(target * 0.6))
        hdr = headers(i, lang, rng, sender,
                      ctype_text("html", "utf-8", "quoted-printable"))
        body = body_enc(html_of(t, rng), "quoted-printable")
    elif form == "alternative":
        t = pad_text(rng, lang, text, int(target * 0.35))
        hdr = headers(i, lang, rng, sender, [
            "Content-Type: multipart/alternative; boundary=\"%s\"" % bnd])
        body = ("This is a multi-part message in MIME format.\n\n"
                "--%s\n%s\n\n%s\n--%s\n%s\n\n%s\n--%s--\n" % (
                    bnd, "\n".join(ctype_text("plain", "utf-8",
                                              "quoted-printable")),
                    body_enc(t, "quoted-printable"),
                    bnd, "\n".join(ctype_text("html", "utf-8", "base64")),
                    body_enc(html_of(t, rng), "base64"), bnd))
    else:  # attachment
        t = text
        att_len = max(512, int((target - len(t.encode()) - 800) * 0.75))
        blob = bytes(rng.getrandbits(8) for _ in range(att_len))
        kind = rng.choice([("image/jpeg", "box.jpg"),
                           ("application/pdf", "invoice.pdf")])
        hdr = headers(i, lang, rng, sender, [
            "Content-Type: multipart/mixed; boundary=\"%s\"" % bnd])
        body = ("--%s\n%s\n\n%s\n--%s\nContent-Type: %s; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n%s--%s--\n" % (
                    bnd, "\n".join(ctype_text("plain", "utf-8", "8bit")),
                    t, bnd, kind[0], kind[1], kind[1], b64(blob), bnd))
    return hdr, body, "utf-8"


def write_messages(n, seed, outdir):
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if name.startswith("g-") and name.endswith(".eml"):
            os.unlink(os.path.join(outdir, name))
    sizes = []
    for i in range(n):
        # Transfer encodings and charsets change the size: build again
        # with the text scaled until the file is near its drawn size.
        scale = 1.0
        for _ in range(4):
            want = pick_size(random.Random("%d/%d" % (seed, i)))
            hdr, body, cs = build(i, random.Random("%d/%d" % (seed, i)), scale)
            data = hdr.encode("ascii") + b"\n" + \
                body.encode(cs, errors="replace")
            if abs(len(data) - want) < want * 0.1:
                break
            scale *= want / len(data)
        with open(os.path.join(outdir, "g-%04d.eml" % i), "wb") as f:
            f.write(data)
        sizes.append(len(data))
    sizes.sort()
    return sizes


def write_customers(n, seed, path):
    rng = random.Random("customers/%d" % seed)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("email,ltv,orders,currency\n")
        for i in range(n):
            orders = rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 6, 9, 15])
            ltv = sum(rng.uniform(15, 220) for _ in range(orders))
            f.write("%s,%.2f,%d,USD\n" % (customer_addr(i), ltv, orders))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=400, help="messages (400)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", default="build/bench/msgs", help="output folder")
    ap.add_argument("--customers", type=int, default=0)
    ap.add_argument("--csv", default=None)
    a = ap.parse_args()
    if a.n < 0 or a.customers < 0 or (a.customers and not a.csv):
        ap.error("bad arguments")
    if a.n:
        s = write_messages(a.n, a.seed, a.o)
        print("gen_messages: %d messages in %s, %d-%d bytes, median %d, "
              "total %d" % (len(s), a.o, s[0], s[-1], s[len(s) // 2], sum(s)))
    if a.customers:
        write_customers(a.customers, a.seed, a.csv)
        print("gen_messages: %d customers in %s" % (a.customers, a.csv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
