"""The words of a post that can name its topic: lemmas of its significant words, links and mentions removed.

«Нет горячей воды» and «горячую воду когда дадут?» share ``горячий`` and ``вода``; «htt» or «vk» never
appear (links are removed first), and words too common to mean a topic are left out.
"""

from __future__ import annotations

from bot.domain.places.morph import Morphology, default_morphology
from bot.domain.places.tokens import tokenize

MIN_LETTERS = 3
#: Parts of speech that carry a topic.
TOPIC_POS = frozenset({"NOUN", "ADJF", "ADJS", "VERB", "INFN", "PRTF", "PRTS", ""})
#: Lemmas too common to mean a topic.
STOP_LEMMAS = frozenset("""
это этот тот такой который какой весь всё свой наш ваш мой твой его её их сам самый каждый другой
быть мочь хотеть сказать говорить делать сделать стать знать видеть давать дать идти пойти писать
есть нет нету уже опять снова очень ещё еще только тоже также просто вообще когда почему потому чтобы
сегодня вчера завтра день неделя месяц год время час минута раз утро вечер ночь
администрация район глава житель человек люди народ вопрос проблема ситуация информация сообщение пост
добрый здравствуйте пожалуйста спасибо уважаемый помочь помогать просить прошу подсказать
улица дом город станица село поселок аул хутор место сторона
какой-то кто-то что-то где-то вот там тут здесь куда откуда сколько много мало
ул пр-т пр-кт просп пер мкр мкрн наб корп корпус стр кв квартира шоссе проспект переулок площадь микрорайон
""".split())


def lemmas(text: str, morph: Morphology | None = None) -> frozenset[str]:
    """Lemmas of the significant words of a text (links, mentions, hashtags and e-mails removed)."""
    return frozenset(lemmas_in_order(text, morph))


def lemmas_in_order(text: str, morph: Morphology | None = None) -> list[str]:
    """The same lemmas in the order the text writes them, each once."""
    m = morph or default_morphology()
    out: dict[str, None] = {}
    for t in tokenize(text):
        if t.kind != "word" or len(t.low) < MIN_LETTERS:
            continue
        parses = m.parses(t.low)
        if parses and parses[0].pos not in TOPIC_POS:
            continue
        lemma = m.lemma(t.low)
        if lemma not in STOP_LEMMAS and len(lemma) >= MIN_LETTERS:
            out[lemma] = None
    return list(out)
