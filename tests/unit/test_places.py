"""The place parser (issue 16): streets, houses and settlements however written, look-alikes left alone."""

from __future__ import annotations

import pytest

from bot.domain.places import Morphology, default_morphology, find_places, lemmas, seed_gazetteer
from bot.domain.places.tokens import clean

G = seed_gazetteer()


def keys(text: str) -> list[str]:
    return [p.key for p in find_places(text, G)]


@pytest.mark.parametrize("text", ["у дома 3 на Школьной", "Школьная 3", "ул. Школьная, д. 3", "улица Школьная дом 3",
                                  "на улице Школьной, 3", "школьная 3 снова без воды", "д.3 по ул.Школьной"])
def test_one_house_however_written(text: str) -> None:
    assert keys(text) == ["street:школьный:3"]


@pytest.mark.parametrize(("text", "key"), [("пр. Ленина 12", "street:ленин:12"), ("переулок Мира", "street:мир:"),
                                           ("Ленина 7 корп. 2", "street:ленин:7к2"), ("Ленина 7к2", "street:ленин:7к2"),
                                           ("ул. Первомайская 3/1", "street:первомайский:3/1"),
                                           ("Октябрьская 21а", "street:октябрьский:21а"),
                                           ("на Садовой прорвало трубу", "street:садовый:"),
                                           ("мкр. Южный, 4", "street:южный:4")])
def test_types_houses_and_no_type_word(text: str, key: str) -> None:
    assert keys(text) == [key]


@pytest.mark.parametrize("text", ["в Зеленчукской нет света", "ст. Зеленчукская", "станица Зеленчукская",
                                  "Зеленчукская, опять авария", "В Зеленчуской опять", "Зиленчукская без воды"])
def test_a_settlement_in_any_case_with_or_without_its_type(text: str) -> None:
    assert keys(text) == ["settlement:зеленчукская"]


@pytest.mark.parametrize("text", ["Иванов 3 раза звонил", "исправная техника нужна", "Исправная работа светофоров",
                                  "Зеленчукского района жители", "Сторожевой пёс покусал", "на Школьной линейке",
                                  "Петрова 5 лет ждёт квартиру", "на улице снег", "в 10:30 у дома",
                                  "Красная площадь в Москве красивая", "звоните 8-928-123-45-67"])
def test_look_alikes_are_not_places(text: str) -> None:
    assert keys(text) == []


def test_links_mentions_hashtags_and_emails_are_removed_first() -> None:
    text = "https://vk.com/ul.lenina_5 @ul_mira #Школьная3 mail@zelenchuk.ru — в Архызе нет света"
    assert "vk" not in clean(text) and "mail" not in clean(text) and "Школьная3" not in clean(text)
    assert keys(text) == ["settlement:архыз"]
    assert "htt" not in lemmas(text) and "vk" not in lemmas(text) and "свет" in lemmas(text)


def test_several_places_in_order_with_labels_as_people_write() -> None:
    found = find_places("станица Исправная, ул. Советская 45 — прорвало трубу", G)
    assert [(p.kind, p.key, p.label) for p in found] == [
        ("settlement", "settlement:исправная", "ст. Исправная"),
        ("street", "street:советский:45", "ул. Советская, 45")]


def test_morphology_is_loaded_once_and_caches_by_word() -> None:
    assert default_morphology() is default_morphology()
    calls: list[str] = []

    class Counting:
        def __init__(self) -> None:
            self.inner = default_morphology().analyzer

        def parse(self, word: str) -> object:
            calls.append(word)
            return self.inner.parse(word)

    morph = Morphology(Counting())
    find_places("Школьная 3, опять без воды на Школьной", G, morph)
    first = len(calls)
    for _ in range(3):
        find_places("Школьная 3, опять без воды на Школьной", G, morph)
        lemmas("Школьная 3, опять без воды", morph)
    assert first and len(calls) == first                 # the words of the second post: all from the cache


def test_streets_listed_after_one_type_word_and_people_after_a_street_are_not_streets() -> None:
    assert keys("по ул. Школьная, Садовая, Красная не будет света") == [
        "street:школьный:", "street:садовый:", "street:красный:"]
    assert keys("ул. Ленина, Иванов сказал что починят") == ["street:ленин:"]
    assert keys("ул. Мира 12, Петров обещал") == ["street:мир:12"]
