"""Places in free text: streets with their houses and the district's settlements, however written.

«у дома 3 на Школьной», «Школьная 3» and «ул. Школьная, д. 3» are one place, ``street:школьный:3``;
«в Зеленчукской» and «ст. Зеленчукская» are ``settlement:зеленчукская``. The rules, in order:

1. a street type word, full or abbreviated (data: places.json ``street_types``), and the name after it
   («ул. Школьная», «по улице Карла Маркса») or a capitalised adjective before it («на Школьной улице»);
2. a settlement of the gazetteer in any case, with or without its type word; lower case only after
   the type word («ст. исправная»), so that ordinary adjectives («исправная техника») stay words;
3. a street the admins added, by its name alone;
4. a capitalised adjective or a noun in the genitive followed by a house number («Школьная 3», «Ленина, д. 12»),
   unless the number counts something («Иванов 3 раза звонил»);
5. a capitalised name after a word that places it («на Школьной», «по Гагарина», «угол Мира и Октябрьской»),
   an adjective in the case the word governs and no noun agreeing after it, and the names listed after it
   («на Школьной, Садовой и Лесной»).

A house number standing before the street («дом 3 на Школьной») belongs to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.places.gazetteer import SETTLEMENT_TYPES, STREET_ABBR, Gazetteer, Settlement
from bot.domain.places.morph import CASES, Morphology, default_morphology
from bot.domain.places.tokens import Token, tokenize


@dataclass(frozen=True)
class Place:
    kind: str                 # street | settlement
    key: str                  # street:<name lemmas>:<house> | settlement:<name>
    label: str                # as people write it: «ул. Школьная, 3», «ст. Зеленчукская»


HOUSE_WORDS = frozenset({"д", "дом", "дома", "доме", "домом", "дому", "домик", "домика"})
CORPUS_WORDS = frozenset({"к", "корп", "корпус", "корпуса", "корпусе", "стр", "строение"})
#: Words a number counts, not a house: «3 раза», «5 дней», «2 часа».
UNITS = frozenset("""
раз час минута секунда день сутки неделя месяц год лето человек метр км километр рубль руб тысяча тыс
процент штука шт этаж градус сантиметр см литр ребенок семья машина класс подъезд дом
января февраля марта апреля мая июня июля августа сентября октября ноября декабря число номер мм
автобус вагон место остановка ночь утро вечер
""".split())
MONTHS = frozenset("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split())
#: Words never part of a place name.
NEVER_NAMES = frozenset("""
дом двор подъезд квартира кв район администрация глава город станица село посёлок поселок аул хутор республика
край мой твой наш ваш свой весь этот тот который какой такой сам самый каждый любой другой
""".split()) | MONTHS
#: Words that name a street only after its type word («ул. Новая»), never alone («Новая 3-этажка»).
NOT_NAMES = NEVER_NAMES | frozenset("""
новый старый сегодня вчера завтра уважаемый добрый спасибо пожалуйста здравствуйте опять снова очень вода свет
газ дтп
""".split())
_PREPOSITION_CASES = {"на": ("loct",), "по": ("datv", "loct"), "от": ("gent",), "до": ("gent",), "с": ("gent",),
                      "угол": ("gent",), "углу": ("gent",), "перекресток": ("gent",), "перекрестке": ("gent",),
                      "перекрёсток": ("gent",), "перекрёстке": ("gent",), "жителям": ("gent",), "жители": ("gent",)}
STREET_PREPOSITIONS = frozenset(_PREPOSITION_CASES)
_NOT_ADJ = frozenset({"Apro", "Poss", "Infr"})


@dataclass
class _Parser:
    toks: Sequence[Token]
    gaz: Gazetteer
    morph: Morphology

    def __post_init__(self) -> None:
        self.used = [False] * len(self.toks)
        letters = [t for t in self.toks if t.kind == "word" and len(t.text) > 1]
        self.shouting = bool(letters) and sum(t.text.isupper() for t in letters) > len(letters) / 2   # ВСЁ КАПСОМ
        self.found: list[tuple[int, Place]] = []

    # ---- tokens -----------------------------------------------------------------------------------
    def tok(self, i: int) -> Token | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def word(self, i: int) -> Token | None:
        t = self.tok(i)
        return t if t is not None and t.kind == "word" and not self.used[i] else None

    def skip_dot(self, i: int) -> int:
        t = self.tok(i)
        return i + 1 if t is not None and t.text == "." else i

    def name_like(self, t: Token, typed: bool = False) -> bool:
        """Could be a word of a street name: an adjective or a noun in the genitive, not a common word, not an
        abbreviation in capitals («ДТП»)."""
        if len(t.low) < (2 if typed else 3) or (t.text.isupper() and len(t.text) > 1 and not self.shouting) \
                or t.low in HOUSE_WORDS \
                or self.morph.name_lemma(t.low) in (NEVER_NAMES if typed else NOT_NAMES):
            return False
        return any(p.pos == "ADJF" and "Apro" not in p.grammemes for p in self.morph.parses(t.low)) or \
            self.morph.has(t.low, "NOUN", "gent")

    def described(self, adjective: Token, noun: Token | None, cases: Sequence[str] = ()) -> bool:
        """A lower-case noun the adjective agrees with (in one of ``cases`` if given) follows it: an ordinary
        phrase («на Школьной линейке»), not a name («на Школьной воды нет»)."""
        return noun is not None and not noun.capital and self.morph.known(adjective.low) \
            and self.morph.agree(adjective.low, noun.low, frozenset(cases) if cases else CASES)

    def person(self, t: Token) -> bool:
        return self.morph.known(t.low) and any(p.pos == "NOUN" and p.grammemes & {"Name", "Patr", "Surn"} for p in self.morph.parses(t.low))

    def after_place_preposition(self, i: int) -> bool:
        prev = self.word(i - 1)
        return prev is not None and prev.low in ("в", "во", "из", "до", "под", "около", "возле", "у")

    def elsewhere(self, i: int) -> bool:
        """«… в Москве»: the place at ``i`` is in a city the district does not have."""
        t = self.word(i)
        w = self.word(i + 1)
        return t is not None and t.low in ("в", "во") and w is not None and w.capital and \
            self.morph.has(w.low, "NOUN", "Geox")

    def adjective(self, t: Token) -> bool:
        """A true adjective («Школьной»), not a possessive reading of a surname («Ленина»)."""
        return any(p.pos == "ADJF" and not p.grammemes & _NOT_ADJ for p in self.morph.parses(t.low)) \
            and self.morph.name_lemma(t.low) not in NOT_NAMES

    # ---- houses -----------------------------------------------------------------------------------
    def counted(self, i: int) -> bool:
        """The number at ``i - 1`` counts the word at ``i`` («3 раза», «5-этажка»)."""
        t = self.tok(i)
        if t is None:
            return False
        if t.text in ("-", "%"):
            return True
        return t.kind == "word" and (t.low in UNITS or self.morph.lemma(t.low) in UNITS)

    def house_after(self, i: int) -> tuple[str, int]:
        """A house number at ``i`` («, д. 3», «дом 3а», «3/1», «3 корп. 2»): the number and the next index."""
        j = i
        t = self.tok(j)
        if t is not None and t.text == ",":
            j += 1
        t = self.tok(j)
        if t is not None and t.kind == "word" and t.low in HOUSE_WORDS:
            j = self.skip_dot(j + 1)
        t = self.tok(j)
        if t is None or t.kind != "num" or self.counted(j + 1):
            return "", i
        house, j = t.house(), j + 1
        k = j + 1 if (comma := self.tok(j)) is not None and comma.text == "," else j
        c = self.tok(k)
        if c is not None and c.kind == "word" and c.low in CORPUS_WORDS:
            k = self.skip_dot(k + 1)
            n = self.tok(k)
            if n is not None and n.kind == "num":
                house, j = f"{house}к{n.house()}", k + 1
        return house, j

    def house_before(self, i: int) -> str:
        """«дом 3 на Школьной», «д. 5 по ул. Ленина»: a house number just before the street at ``i``."""
        j = i - 1
        t = self.tok(j)
        if t is not None and t.kind == "word" and t.low in STREET_PREPOSITIONS | {"в"}:
            j -= 1
        t = self.tok(j)
        if t is not None and t.text == ",":
            j -= 1
        num = self.tok(j)
        if num is None or num.kind != "num":
            return ""
        k = j - 1
        if (dot := self.tok(k)) is not None and dot.text == ".":
            k -= 1
        w = self.tok(k)
        return num.house() if w is not None and w.kind == "word" and w.low in HOUSE_WORDS else ""

    # ---- places -----------------------------------------------------------------------------------
    def add_street(self, start: int, end: int, names: list[Token], kind: str, house: str) -> None:
        lemmas = [self.morph.name_lemma(t.low) for t in names]
        written = []
        for t in names:
            if self.adjective(t):
                grammemes = frozenset({"nomn", "sing", _GENDER.get(kind, "femn")})
                word = self.morph.inflect(t.low, grammemes)
            else:
                word = t.text if t.kind == "num" else t.low
            written.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        label = f"{STREET_ABBR.get(kind, kind)} {' '.join(written)}" + (f", {house}" if house else "")
        for k in range(start, end):
            self.used[k] = True
        self.found.append((start, Place("street", f"street:{' '.join(lemmas)}:{house}", label)))

    def typed_streets(self) -> None:
        for i, t in enumerate(self.toks):
            if self.used[i] or t.kind != "word":
                continue
            kind = self.gaz.street_type(t.low, self.morph)
            if kind is None:
                continue
            abbreviated = t.low != kind and len(t.low) <= 4
            j = self.skip_dot(i + 1)
            names: list[Token] = []
            first = self.tok(j)
            if first is not None and first.kind == "num" and (m := self.word(j + 1)) is not None \
                    and self.morph.lemma(m.low) in MONTHS:
                names, j = [first, m], j + 2              # «ул. 8 Марта»
            while len(names) < 3 and (w := self.word(j)) is not None and self.gaz.street_type(w.low, self.morph) is None:
                if not (w.capital or (abbreviated and not names)) or not self.name_like(w, typed=True):
                    break
                names.append(w)
                j += 1
            start = i
            if not names:
                prev = self.word(i - 1)
                if prev is None or not prev.capital or not self.adjective(prev):
                    continue
                names, start = [prev], i - 1              # «на Школьной улице»
            house, j = self.house_after(j)
            if self.elsewhere(j):
                continue
            self.add_street(start, j, names, kind, house or self.house_before(start))
            if abbreviated or t.capital or names[0].capital:
                self.listed(j, kind)

    def listed(self, i: int, kind: str) -> None:
        """«по ул. Школьная, Садовая, Красная»: more streets of one type listed after the first."""
        while (sep := self.tok(i)) is not None and sep.text in (",", "и") and (t := self.word(i + 1)) is not None \
                and t.capital and self.name_like(t) and (self.adjective(t) or self.genitive_name(t)):
            house, j = self.house_after(i + 2)
            self.add_street(i + 1, j, [t], kind, house)
            i = j

    def genitive_name(self, t: Token) -> bool:
        """«Ленина», «Мира»: most likely a noun in the genitive, not a first name or a city."""
        top = next((p for p in self.morph.parses(t.low) if p.pos == "NOUN"), None)
        return top is not None and "gent" in top.grammemes and not top.grammemes & {"Geox", "Name"}

    def settlements(self) -> None:
        # A word can begin a settlement's name only by its form, a typo of it (capitalised) or a shared lemma:
        # the lemmas of each word are read once, so most (settlement, word) pairs are rejected by a set test.
        words = [(i, t.low, t.capital, frozenset(p.lemma for p in self.morph.parses(t.low)))
                 for i, t in enumerate(self.toks) if t.kind == "word"]
        for s in sorted(self.gaz.settlements, key=lambda s: -len(s.name.split())):   # «Нижний Архыз» first
            patterns = [self.pattern(n) for n in (s.name, *s.aliases)]
            starts = [(first, gender, form) for (first, gender, form), *_ in patterns]
            for i, low, capital, lemmas in words:
                if self.used[i] or not any(low == form or (capital and gender is not None) or lemmas & first
                                           for first, gender, form in starts):
                    continue
                for pat in patterns:
                    if self.matches(i, pat, s):
                        break

    def pattern(self, name: str) -> list[tuple[frozenset[str], str | None, str]]:
        out = []
        for w in name.replace("ё", "е").split():
            low = w.lower()
            ps = [p for p in self.morph.parses(low) if "nomn" in p.grammemes] or list(self.morph.parses(low))
            adj = next((p for p in ps if p.pos == "ADJF"), None)
            lemmas = frozenset({adj.lemma} if adj else {p.lemma for p in ps})
            out.append((lemmas, adj.gender if adj else None, low))
        return out

    def matches(self, i: int, pat: list[tuple[frozenset[str], str | None, str]], s: Settlement) -> bool:
        words = [self.word(i + k) for k in range(len(pat))]
        if any(w is None for w in words):
            return False
        for w, (lemmas, gender, form) in zip(words, pat, strict=True):
            assert w is not None
            if w.low == form or (gender is not None and w.capital and _typo(w.low, form)):
                continue
            if not any(p.lemma in lemmas and (gender is None or p.gender in (gender, "plur"))
                       for p in self.morph.parses(w.low)):
                return False
        start = i
        typed = (prev := self.word(i - 1)) is not None and prev.low in SETTLEMENT_TYPES
        if not typed and (dot := self.tok(i - 1)) is not None and dot.text == "." and \
                (prev := self.word(i - 2)) is not None and prev.low in SETTLEMENT_TYPES:
            typed, start = True, i - 2
        elif typed:
            start = i - 1
        first, last = words[0], words[-1]
        assert first is not None and last is not None
        nxt = self.word(i + len(pat))
        if not typed and (not first.capital or (nxt is not None and (self.morph.lemma(nxt.low) == "район" or (
                self.described(last, nxt) and not self.after_place_preposition(i))))):
            return False                                  # «Зеленчукский район», «Исправная работа»
        if not typed and len(pat) == 1 and self.person(first) and not self.after_place_preposition(i):
            return False                                  # «Владимир Ильич», «Ильич смотрит с памятника»
        for k in range(start, i + len(pat)):
            self.used[k] = True
        self.found.append((start, Place("settlement", s.key, s.label)))
        return True

    def known_streets(self) -> None:
        for street in self.gaz.streets:
            lemmas = [self.morph.name_lemma(w) for w in street.name.lower().split()]
            for i in range(len(self.toks)):
                words = [self.word(i + k) for k in range(len(lemmas))]
                if all(w is not None and w.capital and self.morph.name_lemma(w.low) == lemma
                       for w, lemma in zip(words, lemmas, strict=True)):
                    names = [w for w in words if w is not None]
                    house, j = self.house_after(i + len(lemmas))
                    self.add_street(i, j, names, street.type, house or self.house_before(i))

    def untyped_streets(self) -> None:
        for i, t in enumerate(self.toks):
            if self.used[i] or t.kind != "word" or not self.name_like(t):
                continue
            if not t.capital and not (self.adjective(t) and self.morph.has(t.low, "ADJF", "femn", "sing")
                                      and self.house_after(i + 1)[0]):
                continue                                  # «школьная 3»: a lower-case street needs its house
            names, j = [t], i + 1
            nxt = self.word(j)
            if nxt is not None and nxt.capital and self.morph.has(nxt.low, "NOUN", "gent") and self.name_like(nxt):
                names, j = [t, nxt], j + 1                # «Карла Маркса 5»
            house, end = self.house_after(j)
            if house:
                if self.morph.has(t.low, "NOUN", "Name") and len(names) == 1 and not self.adjective(t):
                    continue                              # «Марина 12 …»: a first name, not a street
                self.add_street(i, end, names, "улица", house)
                continue
            prev = self.word(i - 1)
            if prev is not None and prev.low in STREET_PREPOSITIONS and len(names) == 1 and self.bare_name(i, prev.low):
                self.add_street(i, i + 1, names, "улица", self.house_before(i))
                self.chain(i + 1, prev.low)

    def bare_name(self, i: int, preposition: str) -> bool:
        """«на Школьной», «по Гагарина», «углу Ленина»: a capitalised name in the case the word before governs,
        an adjective no noun follows, or a surname or a noun in the genitive where no genitive is expected."""
        t = self.toks[i]
        if not t.capital:
            return False
        cases = _PREPOSITION_CASES[preposition]
        if self.adjective(t):
            return any(self.morph.has(t.low, "ADJF", case) for case in cases) and \
                not self.described(t, self.word(i + 1), cases)
        top = next((p for p in self.morph.parses(t.low) if p.pos == "NOUN"), None)
        if top is None or top.grammemes & {"Geox", "Name"}:
            return False                                  # «до Москвы», «к Ивану»
        return self.morph.has(t.low, "NOUN", "gent")      # a capital letter mid-sentence: a name

    def chain(self, i: int, preposition: str) -> None:
        """«на Школьной, Садовой и Лесной», «угол Мира и Октябрьской»: more names after the first."""
        while (sep := self.tok(i)) is not None and sep.text in (",", "и") and (t := self.word(i + 1)) is not None \
                and (self.bare_name(i + 1, preposition) or self.bare_name(i + 1, "угол")) and self.name_like(t):
            self.add_street(i + 1, i + 2, [t], "улица", "")
            i += 2

    def result(self) -> list[Place]:
        ordered = [p for _, p in sorted(self.found, key=lambda x: x[0])]
        housed = {p.key.rsplit(":", 1)[0] for p in ordered if p.kind == "street" and not p.key.endswith(":")}
        out: dict[str, Place] = {}
        for p in ordered:
            if p.kind == "street" and p.key.endswith(":") and p.key[:-1] in housed:
                continue                                  # «Школьная 3 … на Школьной»: the house is the place
            out.setdefault(p.key, p)
        return list(out.values())


def _typo(word: str, name: str) -> bool:
    """«Зеленчуской», «Зиленчукская»: an adjective name's stem written with one letter wrong, missing or extra."""
    a, b = word[:-2], name[:-2]
    if len(b) < 7 or abs(len(a) - len(b)) > 1:
        return False
    prev = list(range(len(b) + 1))
    for x, ca in enumerate(a, 1):
        cur = [x]
        for y, cb in enumerate(b, 1):
            cur.append(min(prev[y] + 1, cur[y - 1] + 1, prev[y - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 1


_GENDER = {"улица": "femn", "площадь": "femn", "набережная": "femn", "проспект": "masc", "переулок": "masc",
           "микрорайон": "masc", "проезд": "masc", "бульвар": "masc", "тупик": "masc", "шоссе": "neut"}


def find_places(text: str, gazetteer: Gazetteer, morph: Morphology | None = None) -> list[Place]:
    """The places a text names, in the order written, each once."""
    parser = _Parser(tokenize(text), gazetteer, morph or default_morphology())
    parser.typed_streets()
    parser.settlements()
    parser.known_streets()
    parser.untyped_streets()
    return parser.result()
