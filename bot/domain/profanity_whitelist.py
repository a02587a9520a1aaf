"""Generator of the dictionary whitelist for the cl. 19 language check (bot/data/profanity_whitelist.txt).

Run it after changing a root in bot/data/profanity_ru.json:

    .venv/bin/python -m bot.domain.profanity_whitelist            # rewrite the whitelist file
    .venv/bin/python -m bot.domain.profanity_whitelist --review   # also list every hit lemma and its verdict
    .venv/bin/python -m bot.domain.profanity_whitelist --check    # exit 1 when the committed file is stale

It reads every word form of pymorphy3's Russian dictionary (OpenCorpora; `pymorphy3` and `pymorphy3-dicts-ru`,
which the bot also uses at run time to read places), normalises each form the way the checker normalises a token,
and runs every obscene and insult root against it. A hit is whitelisted unless one of the lemmas of the
word forms behind it (or the token itself: "козлина" is in the dictionary only as a short form of
"козлиный") is in OFFENSIVE_LEMMAS: the reviewed list of hits that really are obscene or insulting
("суки" stays flagged because one of its lemmas is "сука", though another is "сук"). A root that starts hitting
a new lemma shows up in `--review` as "whitelisted"; put the lemma into OFFENSIVE_LEMMAS if it is not an
ordinary word. The full scan takes about 40 s (listing the 5.1 million keys of the dictionary is most of it),
so tests/unit/test_profanity_whitelist.py regenerates a deterministic slice (SLICE) and compares it with the file.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.domain.profanity import WHITELIST_FILE, ProfanityChecker, _collapse, default_checker

OUTPUT = Path(__file__).parents[1] / "data" / WHITELIST_FILE

# The word forms the test regenerates: those starting with these letters (two fifths of the whitelist, ~10 s).
SLICE = ("д", "ж", "у", "х", "ч")

# Reviewed hits that are obscene or insulting: their forms stay flagged. Lemmas are lower case, ё written е.
OFFENSIVE_LEMMAS = frozenset("""
ахуй бля блядский блядь блядство выблядок гандон гондон пидор пидорас пидарас пизда пиздец
пиздобол пиздеть хуй хуйня хуево хуевый хуета нахуй похуй охуеть охуение охуенно охуенный ебаный ебальник
еблан заебись ебать ебало ебло ебург мудак мудила мудозвон дрочить дрочка залупа залупить залупиться
залуплять залупляться шлюха херня хер херовый хрен хреновый хреновина хреново хреновато хрень сука сукин
манда шалава пидрила
быдло бестолочь бестолочный гнида гнидный даун дебил дебилизм дебильно дебильный дебильно-передразнивающий
дегенерат дегенератка дура дурра дурак дураковатый дуралей дурацкий по-дурацки дурачина дурачище дурачок
дурачье дурашка дурень дуреха дурында идиот идиотизм идиотина идиотический идиотичность идиотка идиотски
по-идиотски идиотский идиотство имбецильный кретин кретинка кретиноид кретинский лох мразь недоумок
ничтожество олух падла падло подонок придурковатость придурковатый придурок придурь сволочной сволочь
скотина тварь тупица тупой тупорылый ублюдок ублюдочно ублюдочный урод уродец уродина уродливый уродски
уродский выродок алкаш балбес болван гадина говно говнюк гомик гопник деревенщина дерьмо дерьмовый дерьмократ
недоносок олигофрен остолоп остолопина отморозок паскуда паскудник паскудница паскудный паскудство паскудно
потаскуха проститутка пьянь засранец засраный сраный срань тупоголовый тупоголовость упырь шизик шмара жопа
конченый понаехать нарик козлина шалава
жид жидов жидовка жидовски жидовский кацап кацапски кацапский москаль пиндос узкоглазый хач хачик хохол
хохлушка черножопый черномазый чурбан чурка чучмек колхозник
""".split())


def dictionary_forms(prefixes: Iterable[str] = ("",)) -> Iterator[str]:
    """Every word form of the pymorphy3 dictionary starting with one of the prefixes (repeats included)."""
    import pymorphy3  # loaded only here: checking a text reads the generated whitelist file

    words = pymorphy3.MorphAnalyzer().dictionary.words
    for prefix in prefixes:
        yield from words.iterkeys(prefix)


def scan(checker: ProfanityChecker, forms: Iterable[str]) -> dict[str, set[str]]:
    """Normalised tokens the roots hit (no whitelist applied) → the dictionary forms behind them."""
    hits: dict[str, set[str]] = defaultdict(set)
    for form in forms:
        for part in form.split("-"):   # the checker splits "по-дурацки" into "по" and "дурацки"
            token = _collapse(part)
            if re.fullmatch(r"[а-я]+", token) and checker.raw_category(token):
                hits[token].add(form)
    return hits


def lemmas(forms: Iterable[str]) -> dict[str, set[str]]:
    """Dictionary form → its lemmas (lower case, ё written е)."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()
    return {form: {p.normal_form.replace("ё", "е") for p in morph.parse(form) if p.is_known} or {form}
            for form in forms}


def verdicts(hits: dict[str, set[str]]) -> dict[str, tuple[bool, set[str]]]:
    """Normalised token → (whitelisted, lemmas behind it)."""
    by_form = lemmas({f for forms in hits.values() for f in forms})
    out: dict[str, tuple[bool, set[str]]] = {}
    for token, forms in hits.items():
        lems = {lemma for f in forms for lemma in by_form[f]}
        offensive = token in OFFENSIVE_LEMMAS or any(
            lemma in OFFENSIVE_LEMMAS or any(part in OFFENSIVE_LEMMAS for part in lemma.split("-")) for lemma in lems)
        out[token] = (not offensive, lems)
    return out


def whitelist(prefixes: Iterable[str] = ("",), checker: ProfanityChecker | None = None) -> list[str]:
    found = verdicts(scan(checker or default_checker(), dictionary_forms(prefixes)))
    return sorted(token for token, (ok, _) in found.items() if ok)


def render(words: Iterable[str]) -> str:
    header = ("# Generated by python -m bot.domain.profanity_whitelist from the pymorphy3 dictionary: ordinary words\n"
              "# the cl. 19 roots hit (normalised: lower case, ё→е, repeated letters collapsed). Do not edit.\n")
    return header + "".join(f"{w}\n" for w in words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the file is stale")
    parser.add_argument("--review", action="store_true", help="print every hit lemma with its verdict")
    args = parser.parse_args(argv)
    started = time.monotonic()
    found = verdicts(scan(default_checker(), dictionary_forms()))
    text = render(sorted(token for token, (ok, _) in found.items() if ok))
    print(f"scan: {time.monotonic() - started:.1f} s, {len(found)} hits, "
          f"{sum(ok for ok, _ in found.values())} whitelisted", file=sys.stderr)
    if args.review:
        by_lemma: dict[str, set[str]] = defaultdict(set)
        for token, (_, lems) in found.items():
            for lemma in lems:
                by_lemma[lemma].add(token)
        for lemma in sorted(by_lemma):
            verdict = "offensive" if lemma in OFFENSIVE_LEMMAS else "whitelisted"
            print(f"{verdict}\t{lemma}\t{' '.join(sorted(by_lemma[lemma]))}")
    if args.check:
        return 0 if OUTPUT.read_text(encoding="utf-8") == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
