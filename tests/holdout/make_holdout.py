#!/usr/bin/env python3
"""Writes the blind holdout corpus: msgs/h-NNN.eml and msgs/labels.tsv.

Python 3 stdlib only, deterministic (fixed seed, fixed dates).  Written
without looking at the rule patterns or at the other corpora.
"""
import base64
import html
import os
import quopri
import random
from email.header import Header

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "msgs")
ORDER = ["review-threat", "chargeback", "chargeback-reship", "wrong-address",
         "delivered-not-received", "subscription-surprise",
         "amazon-expectation"]

M = []


def m(lang, flags, note, sender, subject, body, enc="8bit", htmlonly=False):
    M.append(dict(lang=lang, flags=flags, note=note, sender=sender,
                  subject=subject, body=body.strip("\n") + "\n", enc=enc,
                  html=htmlonly))


# ---------------------------------------------------------------- en (20)
m("en", "review-threat", "influencer leverage: 40k followers, unboxing video unless refunded",
  "Jade Morrow", "broken lamp - third email",
  """Third email now and still nothing.

The lamp arrived with the base snapped in two. I run a home decor account
with about 40k followers and I was going to feature you. Instead I'm going
to film the unboxing of this mess and tag you in it, unless I see a full
refund by Friday. Your call.

Jade""")
m("en", "review-threat,amazon-expectation", "any normal big store would swap it + neighbourhood group exposure",
  "Terry Oduya", "Faulty toaster",
  """hello,

the toaster you sent only heats on one side. any normal big store would
just swap it, no questions asked, and pay the postage. you want photos, a
video, a form, and me to pay to send it back?? not happening.

sort it out properly or the whole neighbourhood group will hear about how
you treat people. there are 3000 of us in there.

T. Oduya""")
m("en", "chargeback", "reported the transaction as unauthorized with card issuer",
  "Priya Lanford", "Notice regarding order",
  """To whom it may concern,

Please be advised that this morning I reported the transaction as
unauthorized with my card issuer. I did not agree to the amount that was
taken and I have had no reply to two earlier messages.

Consider this notice. Further correspondence should go through the bank.

Regards,
P. Lanford""", enc="quoted-printable")
m("en", "chargeback", "threat only: my bank is getting my money back unless refunded",
  "Dom Keane", "refund??",
  """refund by monday or my bank is getting my money back, your choice. been
waiting 3 weeks for a jacket that never came and u keep saying "soon".""")
m("en", "chargeback,chargeback-reship", "PayPal case already open and still asks for the kettle to be resent",
  "Helen Brask", "Kettle never turned up",
  """Hi there,

Bit awkward - the PayPal case is open already because I got worried after
two weeks of silence, so that's in motion. But honestly I'd still rather
just have the kettle than the money. Could you send another one out while
that gets sorted on their end?

Thanks,
Helen""")
m("en", "chargeback,chargeback-reship", "texting: already disputed with card company, also wants discount code",
  "Kai Renner", "order mess",
  """ok so i already disputed it w my card company lol but can u also give me
a discount code for next time bc this whole thing was a mess tbh. like 20%
would be fair""")
m("en", "wrong-address", "long rambling: moved, autofill used old flat",
  "Margaret Ellison-Shaw", "Address - I think I've made a mistake",
  """Hello, I hope you're well, sorry this is a long one. I placed an order on
Sunday evening for the blue throw and the two cushion covers, which I was
very pleased to find because the colour matches our new sofa exactly, and
it was only this morning over breakfast that my husband pointed out that we
moved out of the flat on Carver Street at the end of last month! The
checkout must have filled in the old address by itself and I just clicked
through without looking, which is entirely my own fault. We are now at
7 Hollins Lane, same town. Is there any way you can change it before it
goes out, or tell me what to do if it has already gone? I don't really
know the new people at the old flat.

With many thanks,
Margaret""")
m("en", "wrong-address", "broken grammar: customer typed wrong house number, asks to change",
  "Yusuf Demir", "house number wrong",
  """Hello

I am put wrong house number in the order, is 14 not 41. My mistake sorry.
Please can you change before send? If already send what I can do?

Thank you
Yusuf""")
m("en", "delivered-not-received", "tracking says delivered at front door, nothing there",
  "Carla Whitfield", "Says delivered - it wasn't",
  """Tracking says delivered at 2:14pm, "left at front door". I was home all
day working from the kitchen table which looks straight at the front door.
Nothing came. Checked the bins, the side gate, asked both neighbours.
Nothing. Please look into it.

Carla""")
m("en", "review-threat,delivered-not-received", "marked delivered but not received + threat to post on every review site",
  "Ben Achterberg", "Where is my parcel",
  """Your courier marked my parcel as delivered on Tuesday. I never got it.
There was no photo, no card, nothing.

I expect a replacement or my money back this week. If this isn't fixed
I'll be posting the whole story on every review site I can find, with
screenshots of your emails.""", enc="base64")
m("en", "subscription-surprise", "thought it was one bag, charged monthly, ignored 'upcoming box' emails",
  "Lou Pereira", "why am I being charged every month",
  """I thought I was buying ONE bag of coffee. I've now been charged three
months in a row. I never saw anything about a subscription at checkout,
ok yes I've been getting emails about "your upcoming box" but I thought
they were just adverts and deleted them. Please cancel whatever this is
and refund the last two payments.""")
m("en", "subscription-surprise", "formal: admits not reading terms, disregarded reminders, wants recurring charges refunded",
  "Dr. Anthony Rusk", "Recurring debits",
  """Dear Sir or Madam,

I have noticed recurring debits from your company on my statement for
the past four months. I concede that I did not read the terms at the time
of purchase and that I disregarded the reminder messages you appear to
have sent, as I assumed they were marketing. Nevertheless I had no
intention of entering into a standing arrangement.

I would ask that you terminate the arrangement and refund the amounts
taken after the first month.

Yours faithfully,
A. Rusk""", enc="quoted-printable")
m("en", "amazon-expectation", "Amazon would have replaced next day and refunded instantly; objects to RMA",
  "Fiona Gale", "Cracked screen protector",
  """On Amazon I'd have had a replacement on my doorstep tomorrow and a refund
before I'd even posted the broken one back. Why do I need to send photos,
fill in an RMA form and then wait 10 working days? It&#39;s a screen
protector.""".replace("&#39;", "'"))
m("en", "-", "positive review, 5 stars already left, no leverage",
  "Nadia Hollis", "Lovely blanket!",
  """Just wanted to say the blanket is gorgeous &amp; so soft. I&rsquo;ve left
you five stars on Trustpilot and I&rsquo;ll be telling all my friends
about you. Thanks for the handwritten note too!""", htmlonly=True)
m("en", "-", "explicitly won't dispute, asks how to get a refund",
  "Graham Tully", "Cracked mug",
  """Hi,

One of the two mugs arrived cracked. I won't dispute the charge or
anything like that, I know these things happen in the post. Just let me
know how to get a refund for the one mug, or a replacement, whichever is
easier for you.

Cheers, Graham""")
m("en", "-", "claim filed with the courier for damaged box, not a payment dispute",
  "Sophie Marchetti", "DPD claim - letter needed",
  """Hello,

I've filed a claim with the courier (DPD) for the box that arrived
crushed. They've asked for a short letter from the sender confirming the
value of the contents. Could you send one over when you get a chance?

Many thanks,
Sophie""")
m("en", "-", "parcel still in transit at hub, just asking",
  "Owen Batts", "tracking stuck",
  """hiya, tracking hasn't moved in 4 days, still says "in transit" at the
Leeds hub. any idea what's going on? not urgent, just curious""")
m("en", "-", "retracts: marked delivered, found at neighbour's",
  "Rachel Imbert", "Re: parcel - ignore me!",
  """Please ignore my last email! Tracking said delivered and I panicked, but
it was at my neighbour's the whole time - she took it in while I was at
work. All sorted, thank you.""")
m("en", "-", "Amazon only as carrier, asks about colour",
  "Marcus Lowe", "colour question",
  """Hi, the tracking link shows it's with Amazon Logistics now and out for
delivery tomorrow. Just confirming - I ordered the navy one, not the
black, right? Thanks""")
m("en", "-", "harmless reply over quoted shop text that mentions chargeback and review",
  "Ellie Sandoval", "Re: Your replacement",
  """Thanks, that works for me. I'll wait for the replacement then.

Ellie

On Tue, 10 Nov 2026 at 09:12, Customer Care <care@shop.example> wrote:
> Hi Ellie,
> We understand you mentioned a chargeback and a one-star review in your
> earlier message. Please note that if a dispute is opened with your bank
> we cannot send a replacement at the same time. If you are happy to wait,
> we will send a new one on Thursday.
> Kind regards, Customer Care""")

# ---------------------------------------------------------------- ko (14)
m("ko", "review-threat,delivered-not-received", "반말: 배송완료인데 못받음, 인스타에 올린다",
  "이도윤", "배송완료라는데 없음",
  """배송완료라고 떴는데 물건 없음. 문 앞에도 없고 경비실에도 없음.
오늘 안에 해결 안 해주면 인스타에 다 올린다. 팔로워 2만명이야.""")
m("ko", "review-threat,amazon-expectation", "해요체: 큰 쇼핑몰은 그냥 교환해줌 + 맘카페 후기 협박",
  "박서연", "교환 요청드려요",
  """안녕하세요. 받은 가습기에서 물이 새요.
쿠팡이나 아마존 같은 큰 쇼핑몰은 사진 이런 거 없이 그냥 새 걸로 바꿔주던데요,
여기는 왜 이렇게 복잡한지 모르겠어요.
이렇게 처리하시면 저희 동네 맘카페에 후기 자세하게 올릴 거예요. 회원 5만 명이에요.""", enc="quoted-printable")
m("ko", "chargeback,chargeback-reship", "페이팔 분쟁 이미 접수 + 물건 다시 보내달라",
  "김민준", "주문한 물건 관련",
  """안녕하세요.
2주 넘게 연락이 없어서 페이팔에 분쟁 접수해 놨어요.
근데 그거랑 별개로 물건은 꼭 필요해서요, 다시 보내주세요.
빠른 답변 부탁드립니다.""")
m("ko", "chargeback,chargeback-reship", "반말/채팅체: 카드사 결제취소 이미 신청 + 할인쿠폰 요구",
  "최하은", "ㅡㅡ",
  """카드사에 결제 취소 신청 이미 했음 ㅇㅇ
그래도 이렇게 고생시켰으면 다음 주문 할인쿠폰은 줘야 되는거 아님??""")
m("ko", "wrong-address", "해요체: 이사 전 주소로 잘못 입력, 변경 요청",
  "정우진", "배송지 변경 가능할까요",
  """안녕하세요~ 어제 주문한 사람인데요,
이사한 지 얼마 안 돼서 주소를 예전 집 주소로 잘못 입력했어요 ㅠㅠ
새 주소는 서울시 마포구 ... 입니다.
아직 출고 전이면 배송지 변경 가능할까요?""")
m("ko", "wrong-address", "합니다체, 띄어쓰기 없음: 동호수 잘못 기재, 수정 요청",
  "한지민", "주소수정",
  """동호수를잘못적었습니다 101동1203호가아니라 110동1203호입니다
제가착각했습니다 발송전이면수정부탁드립니다""")
m("ko", "delivered-not-received,amazon-expectation", "배송완료인데 못받음 + 아마존이면 바로 다시 보내줬을 것",
  "오세훈", "택배 못 받았습니다",
  """조회해 보면 배송완료로 나오는데 저는 택배를 받은 적이 없습니다.
아마존에서 샀으면 이런 경우 묻지도 않고 바로 새로 보내줬을 겁니다.
여기도 그 정도는 해주셔야 하는 거 아닌가요?""")
m("ko", "subscription-surprise", "해요체: 정기구독인 줄 몰랐고 안내메일 스팸인 줄, 환불 요청",
  "윤수아", "왜 매달 결제가 되나요",
  """정기구독인 줄 전혀 몰랐어요. 한 번만 사는 건 줄 알았는데 매달 결제되고 있었네요.
결제 전에 약관은 솔직히 안 읽었고, 안내 메일은 광고인 줄 알고 안 봤어요.
구독 취소해 주시고 지난 두 달치 환불해 주세요.""")
m("ko", "subscription-surprise", "반말: 약관 안 읽음, 알림 메일 무시, 취소+환불",
  "강태현", "구독 이거 뭐야",
  """아니 구독 약관 안 읽은 건 내 잘못이긴 한데 세 달째 돈 빠져나가는 건 좀 아니지
알림 메일 온 거 무시한 거 맞음 근데 구독인 줄 알았으면 안 샀지
이거 취소하고 환불해줘""", enc="base64")
m("ko", "-", "긍정 후기: 별 다섯 개 남김",
  "서예린", "잘 받았어요!",
  """잘 받았어요! 포장도 꼼꼼하고 향도 너무 좋아요.
리뷰에 별 다섯 개 남겼습니다 ㅎㅎ 친구들한테도 추천할게요.""")
m("ko", "-", "이중결제 확인 요청, 카드사 이의제기 안 하겠다고 명시",
  "임현우", "결제가 두 번 된 것 같습니다",
  """안녕하십니까. 주문 한 건에 결제가 두 번 된 것 같아 확인 부탁드립니다.
카드사에 이의제기할 생각은 없고요, 확인되면 한 건만 취소해 주시면 됩니다.
감사합니다.""")
m("ko", "-", "배송완료 떠서 놀랐지만 옆집에서 찾음",
  "송다인", "택배 찾았어요",
  """아까 배송완료인데 택배가 없다고 문의드렸는데요,
옆집에 잘못 가 있었어요! 방금 찾았습니다. 신경 쓰게 해서 죄송해요.""")
m("ko", "-", "정중한 정기배송 해지 요청, 약관 불만 없음",
  "배준호", "정기배송 해지 요청",
  """안녕하세요. 그동안 잘 사용했습니다.
이번 달까지만 받고 다음 달부터 정기배송을 해지하고 싶습니다.
처리 부탁드립니다. 감사합니다.""")
m("ko", "-", "무해한 답장 아래 차지백/리뷰 언급한 상담원 인용문",
  "조은비", "Re: 교환 안내",
  """네 알겠습니다. 목요일까지 기다릴게요. 감사합니다.

2026년 11월 10일 (화) 오전 9:12, 고객센터 <care@shop.example>님이 작성:
> 안녕하세요 고객님,
> 지난 메일에서 차지백 신청과 별점 1점 리뷰를 언급하셨는데요,
> 카드사 이의제기가 접수되면 교환 발송은 어렵습니다.
> 기다려 주시면 목요일에 새 제품을 보내드리겠습니다.""")

# ---------------------------------------------------------------- uk (14)
m("uk", "review-threat", "погроза: facebook-групи і відгук з однією зіркою, якщо не повернуть гроші",
  "Оксана Гнатюк", "Повернення коштів",
  """Добрий день.
Чекаю на повернення грошей уже третій тиждень. Якщо до понеділка кошти не
надійдуть, напишу про вашу крамницю в усіх групах у фейсбуці, де я є, і
залишу відгук з однією зіркою на Rozetka та в Google. Подумайте.""")
m("uk", "review-threat,delivered-not-received", "доставлено за трекінгом, не отримала + розповім підписникам",
  "Ірина Мельник", "Посилка «доставлена», але в мене її немає",
  """Трекінг показує «доставлено» ще вчора, але посилки я не отримала. У
поштовій скриньці нічого, сусіди теж нічого не бачили.
Розберіться, будь ласка, інакше розповім усім своїм підписникам в
інстаграмі, як ви працюєте з клієнтами.""")
m("uk", "chargeback,chargeback-reship", "спір у PayPal уже відкритий + надішліть замовлення ще раз",
  "Андрій Коваленко", "Замовлення не прийшло",
  """Вітаю. Я вже відкрив спір у PayPal, бо ви не відповідали два тижні.
Але все одно прошу надіслати замовлення ще раз — мені ця річ потрібна до
свят.""", enc="quoted-printable")
m("uk", "chargeback,chargeback-reship", "банк уже оформив повернення коштів + хоче знижку на наступне",
  "Наталія Бондар", "щодо мого замовлення",
  """Банк уже оформив мені повернення коштів (чарджбек), заяву я подала минулого
тижня. Але після всього цього я хочу ще й знижку на наступне замовлення,
мінімум 30%.""")
m("uk", "chargeback", "лише погроза: звернуся до банку, щоб скасували платіж",
  "Тарас Шевчук", "Останнє попередження",
  """Якщо до п'ятниці не буде повернення, звернуся до банку, щоб скасували
платіж. Більше писати не буду.""")
m("uk", "wrong-address", "помилково вказав стару адресу, просить змінити",
  "Максим Литвин", "Неправильна адреса",
  """Добрий день! Я помилково вказав стару адресу доставки — ми переїхали ще у
вересні, а в профілі залишилася стара. Нова адреса: м. Львів, вул. Зелена.
Чи можна змінити, поки посилку не відправили?""")
m("uk", "wrong-address", "розмовно: вказала не той номер відділення Нової пошти",
  "Юля Савчук", "відділення",
  """привіт) я вказала не той номер відділення нової пошти, треба 27 а не 72,
переплутала цифри. можна виправити? дякую""")
m("uk", "delivered-not-received,amazon-expectation", "за трекінгом вручено, але не отримав + великий магазин як Amazon надіслав би нову",
  "Віктор Романюк", "Посилку не отримав",
  """За трекінгом посилку мені вручили в суботу, але я її не отримував — у
цей день мене взагалі не було в місті. Будь-який нормальний великий магазин,
як-от Amazon, просто надіслав би нову без зайвих питань. А ви пропонуєте
мені самому розбиратися з перевізником. Це несерйозно.""")
m("uk", "subscription-surprise,amazon-expectation", "не читав умов підписки, ігнорував нагадування + на Амазоні повернення за хвилину",
  "Богдан Ткаченко", "Підписка",
  """Не читав умов, коли оформлював, це правда. Але я не думав, що це підписка
і що з мене щомісяця списуватимуть гроші. Листи-нагадування бачив, але
ігнорував, думав, що це реклама. Скасуйте підписку і поверніть гроші за
два останні місяці. На Амазоні таке повертають за хвилину, без жодних
питань.""")
m("uk", "subscription-surprise", "здивована регулярними списаннями, не помітила умов, просить скасувати і повернути",
  "Леся Кравчук", "списання щомісяця??",
  """Доброго дня. Побачила у виписці, що ви списуєте з мене гроші щомісяця.
Я купувала один набір, про підписку при оформленні не читала, а листи з
нагадуваннями навіть не відкривала. Прошу скасувати все це і повернути
кошти.""", enc="base64")
m("uk", "-", "претензія до Нової пошти щодо пошкодженої посилки, не платіжний спір",
  "Олена Марченко", "Претензія до перевізника",
  """Добрий день. Я подала претензію до Нової пошти щодо пошкодженої посилки.
Вони просять від відправника накладну та опис вкладення. Надішліть,
будь ласка.""")
m("uk", "-", "посилка ще в дорозі, трекінг не оновлюється",
  "Дмитро Гончаренко", "Де посилка?",
  """Посилка досі в дорозі, трекінг не оновлюється вже п'ять днів. Підкажіть,
будь ласка, чи все гаразд? Не поспішаю, просто хвилююся.""")
m("uk", "-", "Amazon лише як перевізник",
  "Світлана Поліщук", "доставка",
  """Бачу, що посилку доставляє Amazon, прийде завтра. Чи можна попросити кур'єра
подзвонити перед приїздом? Дякую!""")
m("uk", "-", "нейтральна відповідь під цитатою магазину про чарджбек і відгук",
  "Роман Кузьменко", "Re: Заміна товару",
  """Дякую, мене влаштовує. Чекатиму на заміну.

Вт, 10 лист. 2026 р. о 09:12 Служба підтримки <care@shop.example> пише:
> Добрий день!
> Ви згадували чарджбек і негативний відгук у попередньому листі.
> Якщо спір у банку буде відкрито, ми не зможемо відправити заміну.
> Якщо ви згодні почекати, нову річ надішлемо в четвер.""")

# ---------------------------------------------------------------- ru (9)
m("ru", "chargeback", "позвонила в банк и оспорила платёж",
  "Елена Соколова", "Оплата",
  """Здравствуйте. Сообщаю, что я уже позвонила в банк и оспорила платёж —
товар так и не пришёл, а на письма вы не отвечаете.""")
m("ru", "review-threat", "отзывы на Отзовике и телеграм-канал на 15 тысяч, если не вернут деньги",
  "Игорь Лебедев", "Возврат",
  """Не вернёте деньги до конца недели — напишу подробные отзывы на Отзовике и
на Яндекс Картах, плюс выложу переписку в свой телеграм-канал, там
15 тысяч человек. Решайте.""", enc="quoted-printable")
m("ru", "chargeback,chargeback-reship", "диспут в PayPal открыт + выслать замену",
  "Артём Волков", "замена",
  """Открыл диспут в PayPal на прошлой неделе. Пока он рассматривается, вышлите,
пожалуйста, замену — подарок нужен к дню рождения сына.""")
m("ru", "wrong-address", "указал старый адрес по ошибке",
  "Павел Морозов", "Адрес доставки",
  """Добрый день, по ошибке указал в заказе старый адрес, с которого мы съехали
месяц назад. Можно ли поменять на новый, пока посылка не ушла?""")
m("ru", "delivered-not-received", "статус вручено, но ничего не получал",
  "Дарья Кузнецова", "Посылка не получена",
  """В отслеживании стоит статус «вручено», но я ничего не получала, никакого
извещения тоже не было. Разберитесь, пожалуйста.""")
m("ru", "-", "положительный отзыв",
  "Мария Попова", "Спасибо!",
  """Всё пришло, качество отличное! Оставила вам пять звёзд и отзыв,
обязательно закажу ещё.""")
m("ru", "-", "не будет оспаривать платёж, просто спрашивает про возврат",
  "Сергей Новиков", "Как оформить возврат",
  """Здравствуйте. Размер не подошёл. Оспаривать платёж через банк я не
собираюсь, просто подскажите, как оформить возврат.""")
m("ru", "-", "нашла посылку у соседей",
  "Анна Федорова", "Нашлась",
  """Извините за беспокойство — посылка была у соседей, они забрали её за меня.
Всё в порядке!""")
m("ru", "-", "вежливая отмена подписки без претензий",
  "Ольга Васильева", "Отмена подписки",
  """Добрый день. Хочу отменить подписку со следующего месяца. Всё было хорошо,
просто пока не нужно. Спасибо!""")

# ---------------------------------------------------------------- de (9)
m("de", "chargeback", "Lastschrift bei der Bank widersprochen",
  "Jürgen Hartmann", "Widerspruch Lastschrift",
  """Sehr geehrte Damen und Herren,

da ich seit drei Wochen weder Ware noch Antwort erhalten habe, habe ich der
Lastschrift bei meiner Bank widersprochen. Das Geld wird zurückgebucht.

Mit freundlichen Grüßen
J. Hartmann""")
m("de", "review-threat", "Google-Bewertungen und Nachbarschaftsgruppe publik machen",
  "Sabine Krüger", "Reklamation Staubsauger",
  """Hallo,
der Staubsauger ist nach zwei Tagen kaputt. Entweder Sie erstatten mir den
Kaufpreis, oder ich mache das Ganze bei Google und in unserer
Nachbarschaftsgruppe auf nebenan.de publik. Dann wissen alle Bescheid.""", enc="quoted-printable")
m("de", "subscription-surprise", "Abo nicht bemerkt, AGB nicht gelesen, Erinnerungen ignoriert, will Geld zurück",
  "Tobias Weber", "Abo?!",
  """Ich dachte, ich kaufe einmal Tee. Jetzt wird jeden Monat abgebucht. Die
AGB habe ich ehrlich gesagt nicht gelesen und die Erinnerungsmails habe ich
ignoriert, weil ich dachte, das ist Werbung. Bitte kündigen Sie das Abo und
erstatten Sie die letzten zwei Monate.""")
m("de", "amazon-expectation", "bei Amazon hätte ich längst Ersatz",
  "Lena Schulz", "Defektes Ladegerät",
  """Bei Amazon hätte ich längst ein neues Ladegerät und mein Geld zurück,
ohne dass ich Fotos schicken und Formulare ausfüllen muss. Warum geht das bei
Ihnen nicht genauso?""")
m("de", "chargeback,chargeback-reship", "Klarna-Fall eröffnet + trotzdem neues Gerät schicken",
  "Markus Becker", "Kaffeemaschine",
  """Guten Tag,
ich habe bei Klarna bereits einen Fall eröffnet, weil die Maschine defekt
ankam. Trotzdem möchte ich die Maschine gerne haben – schicken Sie mir
bitte ein neues Gerät.
Gruß, M. Becker""")
m("de", "-", "Nachforschungsauftrag bei DHL, kein Zahlungsstreit",
  "Katrin Vogel", "DHL Nachforschung",
  """Hallo, ich habe bei DHL einen Nachforschungsauftrag gestellt, weil das
Paket beschädigt war. DHL braucht dafür eine Bestätigung vom Absender.
Könnten Sie mir die schicken? Danke!""")
m("de", "-", "Paket noch unterwegs",
  "Florian Wagner", "Sendungsverfolgung",
  """Moin, laut Sendungsverfolgung ist das Paket noch unterwegs, seit vier
Tagen im Verteilzentrum. Ist das normal? Kein Stress, nur neugierig.""")
m("de", "-", "positive Bewertung, keine Rückbuchung",
  "Petra Zimmermann", "Alles gut angekommen",
  """Alles gut angekommen, vielen Dank! Ich habe Ihnen gerade fünf Sterne
gegeben. Die doppelte Abbuchung hat sich übrigens auch erledigt, ich werde
da nichts zurückbuchen lassen.""")
m("de", "-", "harmlose Antwort über zitierter Shop-Mail mit Rückbuchung und Bewertung",
  "Stefan Richter", "AW: Ersatzlieferung",
  """Danke, passt so. Ich warte dann auf den Ersatz.

Am 10.11.2026 um 09:12 schrieb Kundenservice <care@shop.example>:
> Hallo Herr Richter,
> Sie hatten eine Rückbuchung und eine negative Bewertung angekündigt.
> Bitte beachten Sie, dass wir bei einer offenen Rückbuchung keinen
> Ersatz versenden können. Der Ersatz geht am Donnerstag raus.""")

# ---------------------------------------------------------------- es (9)
m("es", "chargeback", "pidió al banco que le devuelva el dinero (reclamación del cargo)",
  "Lucía Fernández", "Cargo en mi tarjeta",
  """Hola. Ya he reclamado el cargo a mi banco y les he pedido que me devuelvan
el dinero, porque el pedido nunca llegó y nadie me contesta.""")
m("es", "review-threat", "redes sociales, 30 mil seguidores, poner el grito en el cielo",
  "Javier Ruiz", "Esto es una vergüenza",
  """Llevo un mes esperando. Si mañana no tengo el reembolso, voy a poner el
grito en el cielo en redes: tengo 30 mil seguidores en TikTok y les voy a
contar con pelos y señales cómo tratáis a los clientes.""")
m("es", "wrong-address", "puso la dirección de su antiguo piso",
  "Carmen Navarro", "Dirección equivocada",
  """Buenas, metí la pata: puse la dirección de mi antiguo piso en el pedido.
¿Se puede cambiar antes del envío? La nueva es calle Mayor 12, Zaragoza.
Gracias de antemano.""", enc="quoted-printable")
m("es", "review-threat,delivered-not-received", "pone entregado pero no llegó + reseña de una estrella",
  "Diego Moreno", "Pedido entregado?? NO",
  """El seguimiento pone "entregado" desde el martes, pero a mí no me ha
llegado nada. Ni en el buzón ni en la portería. Como no me lo solucionéis,
os dejo una reseña de una estrella en Google y en Trustpilot.""")
m("es", "amazon-expectation", "cualquier tienda grande como Amazon lo cambiaría sin rechistar",
  "Marta Gil", "Producto defectuoso",
  """La batidora vino defectuosa. Cualquier tienda grande como Amazon me la
cambiaría sin rechistar y sin hacerme pagar el envío de vuelta. No
entiendo tanto papeleo.""")
m("es", "-", "reseña positiva",
  "Pablo Ortega", "¡Genial!",
  """Me ha encantado el pedido, de diez. Ya os he dejado cinco estrellas y se
lo he recomendado a mi hermana.""")
m("es", "-", "Amazon solo como transportista",
  "Elena Castro", "Envío",
  """Hola, veo que el paquete lo reparte Amazon y llega el jueves. ¿Podéis
confirmarme que va la talla M? Gracias.""")
m("es", "-", "cancelación educada de suscripción",
  "Andrés Romero", "Baja de la suscripción",
  """Buenos días, quería darme de baja de la suscripción a partir del mes que
viene. Todo muy bien, simplemente ya no lo necesito. Un saludo.""")
m("es", "-", "paquete encontrado en casa de la vecina",
  "Rosa Delgado", "Paquete encontrado",
  """Perdonad el lío de ayer: el paquete lo tenía la vecina del segundo, lo
recogió ella. Ya está todo bien.""", enc="base64")

# ---------------------------------------------------------------- fr (9)
m("fr", "chargeback", "a contesté le prélèvement auprès de sa banque",
  "Camille Laurent", "Contestation",
  """Bonjour,
Sans nouvelles de ma commande depuis trois semaines, j'ai contesté le
prélèvement auprès de ma banque ce matin. Je vous laisse voir avec eux.
Cordialement,
C. Laurent""")
m("fr", "review-threat", "avis Google et réseaux sociaux si pas remboursé",
  "Julien Moreau", "Remboursement",
  """Vous avez jusqu'à vendredi pour me rembourser. Sinon je vais vous faire une
sacrée publicité : avis Google, Facebook, Instagram, tout y passera. On
verra si vous tenez toujours autant à vos quatre étoiles.""")
m("fr", "subscription-surprise", "abonnement non vu, conditions non lues, mails de rappel ignorés, remboursement",
  "Chloé Petit", "Abonnement ?",
  """Bonjour, je découvre que vous me prélevez tous les mois. Je n&#8217;ai
pas lu les conditions en commandant, je l&#8217;avoue, et j&#8217;ai
ignoré les mails de rappel en pensant que c&#8217;était de la pub. Merci
d&#8217;annuler cet abonnement et de me rembourser les deux derniers
mois.""", htmlonly=True)
m("fr", "chargeback,chargeback-reship", "litige PayPal ouvert + geste commercial et renvoi",
  "Nicolas Dubois", "Commande jamais reçue",
  """Un litige PayPal est ouvert depuis lundi. En attendant, j'aimerais quand
même que vous me renvoyiez le colis, et un petit geste commercial ne serait
pas de trop vu le temps perdu.""", enc="quoted-printable")
m("fr", "delivered-not-received", "indiqué livré, jamais reçu",
  "Manon Girard", "Colis livré ?",
  """Le suivi indique « livré » depuis hier, mais je n'ai jamais reçu le colis.
Rien dans la boîte aux lettres, rien chez le gardien.""")
m("fr", "-", "réclamation auprès de Colissimo, pas un litige de paiement",
  "Hugo Lefebvre", "Réclamation Colissimo",
  """Bonjour, j'ai déposé une réclamation auprès de Colissimo pour le colis
abîmé. Ils demandent une attestation de l'expéditeur. Pouvez-vous me
l'envoyer ? Merci.""")
m("fr", "-", "colis en cours d'acheminement",
  "Léa Bernard", "Suivi",
  """Coucou, le suivi indique toujours « en cours d'acheminement » depuis
quatre jours. C'est normal ? Pas pressée, juste curieuse.""")
m("fr", "-", "ne va pas contester le paiement, demande un échange",
  "Thomas Roux", "Échange",
  """Bonjour, la taille ne va pas. Je ne compte pas contester le paiement,
rassurez-vous : comment puis-je faire un échange ?""")
m("fr", "-", "réponse anodine au-dessus d'une citation du SAV parlant de litige et d'avis",
  "Sarah Fontaine", "Re: Remplacement",
  """Merci, ça me va. J'attends le remplacement.

Le mar. 10 nov. 2026 à 09:12, Service client <care@shop.example> a écrit :
> Bonjour Madame,
> Vous aviez évoqué une rétrofacturation et un avis négatif.
> Si un litige bancaire est ouvert, nous ne pouvons pas envoyer de
> remplacement. Le nouvel article part jeudi.""")


def slug(name, i):
    s = "".join(c.lower() for c in name if c.isascii() and c.isalnum())
    return (s or "customer") + ".h%03d" % i


def build(msg, idx):
    subj = msg["subject"]
    if not subj.isascii():
        subj = Header(subj, "utf-8").encode()
    name = msg["sender"]
    disp = name if name.isascii() else Header(name, "utf-8").encode()
    if msg["html"]:
        paras = msg["body"].strip("\n").split("\n\n")
        # body text already carries entities where wanted
        text = "<html><body>\n" + "\n".join(
            "<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paras) \
            + "\n</body></html>\n"
        ctype = "text/html"
    else:
        text = msg["body"]
        ctype = "text/plain"
    raw = text.encode("utf-8")
    enc = msg["enc"]
    if enc == "8bit" and raw.isascii():
        enc = "7bit"
    if enc == "quoted-printable":
        body = quopri.encodestring(raw).decode("ascii")
    elif enc == "base64":
        b = base64.b64encode(raw).decode("ascii")
        body = "\n".join(b[i:i + 76] for i in range(0, len(b), 76)) + "\n"
    else:
        body = text
    day = 1 + idx % 20
    hdr = [
        "From: %s <%s@example.org>" % (disp, slug(name, idx)),
        "To: Support <support@shop.example>",
        "Subject: %s" % subj,
        "Date: %s, %02d Nov 2026 %02d:%02d:00 +0000" % (
            ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][day % 7],
            day, 8 + idx % 11, (idx * 7) % 60),
        "Message-ID: <holdout-%03d@example.org>" % idx,
        "MIME-Version: 1.0",
        "Content-Type: %s; charset=utf-8" % ctype,
        "Content-Transfer-Encoding: %s" % enc,
    ]
    out = "\n".join(hdr) + "\n\n" + body
    if idx % 4 == 0:
        out = out.replace("\n", "\r\n")
    return out.encode("utf-8")


def canon(flags):
    if flags == "-":
        return "-"
    fs = flags.split(",")
    for f in fs:
        assert f in ORDER, f
    if "chargeback-reship" in fs:
        assert "chargeback" in fs
    return ",".join(f for f in ORDER if f in fs)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith("h-") and f.endswith(".eml"):
            os.remove(os.path.join(OUT, f))
    items = list(M)
    random.Random(20261123).shuffle(items)
    rows = ["file\tlang\tflags\ttier\tnote"]
    for i, msg in enumerate(items, 1):
        fn = "h-%03d.eml" % i
        with open(os.path.join(OUT, fn), "wb") as fh:
            fh.write(build(msg, i))
        note = msg["note"].replace("\t", " ")
        rows.append("%s\t%s\t%s\tnew\t%s" % (fn, msg["lang"],
                                             canon(msg["flags"]), note))
    with open(os.path.join(OUT, "labels.tsv"), "w", encoding="utf-8",
              newline="\n") as fh:
        fh.write("\n".join(rows) + "\n")
    print("wrote %d messages to %s" % (len(items), OUT))


if __name__ == "__main__":
    main()
