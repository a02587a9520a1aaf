"""`make demo` (`python -m bot.demo`): the scripted day runs offline, shows a whole case and checks itself."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import texts
from bot.demo import run_demo
from bot.fake_telegram import ApiError as BadRequest
from bot.fake_telegram import plain_text

# SQLite only: `make demo` always plays on its own temporary SQLite file, offline, by design
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]

#: A whole case as the reader follows it, in this order: forward -> route -> accept -> draft with a photo ->
#: returned with a comment -> fixed -> approved -> screenshot -> closed.
WHOLE_CASE = [
    "09:05  Оператор пересылает боту пост из Telegram-канала «Подслушано Зеленчукская»",
    "Сообщение 2026-0001 · Telegram",
    "[ Дорожный отдел ] [ Отдел ЖКХ ]",
    "💬 всплывающая подсказка: «Направлено: Отдел ЖКХ.»",
    "[ Принять в работу ]",
    "Принято в работу: Сергей Иванов",
    "[фото: чистая контейнерная площадка у дома 12]",
    "Предпросмотр: Ответ по сообщению 2026-0001",
    "[ Согласовать ] [ На доработку ]",
    "Комментарий оператора: Укажите, по какому графику теперь будут вывозить мусор.",
    "(автор: Сергей Иванов, версия 2)",
    "Проект по сообщению 2026-0001 согласован",
    "[фото: скриншот ответа под постом]",          # sent in reply to the bot's message in the department's chat
    "Скриншот принят, шаг закрыт.",
    "Статус: Закрыто: ответ опубликован",           # the department's card, then the operator's chat:
    "Скриншот публикации по сообщению 2026-0001 (Ответ).",
]
THE_REST_OF_THE_DAY = [
    "Информация получена от всех отделов",                                  # cl. 17
    "Окончательный ответ до 02.12 18:00",                                    # cl. 7
    "⏳ Напоминание по сообщению 2026-0004",                                 # a reminder
    "Проект не принят: в нём недопустимые выражения (п. 19 Положения): «идиоты»",   # cl. 19
    "⏰ Просрочка по сообщению 2026-0004",                                   # escalation to the head
    "[ 🔗 Объединить в инцидент ]",                                          # cl. 21
    "🌆 Сводка за день · 01.12.2026",                                        # the head's digest
]

#: The second part «Республика» (issue 14 §6), after the day, in this order: a second organisation with a prefix,
#: its operator and groups, the coordinator's group -> a post transferred from the district to the ministry
#: (the district's card says where, the cl. 6 due time unchanged) -> the district's /open without it, the
#: coordinator's /open with both organisations -> the ministry answers -> the coordinator's rating.
REPUBLIC = [
    "17:35  Оператор смотрит, что осталось открытым",                         # the end of the day
    "РЕСПУБЛИКА · тот же бот для всей Карачаево-Черкесской Республики",
    "Организация «Министерство строительства и ЖКХ КЧР» создана (№ 2), префикс номеров — MIN (MIN-2026-0042)",
    "Приглашение принято. Теперь вы — оператор.",
    "Группа подключена как чат отдела «Отдел автомобильных дорог».",
    "Группа подключена как чат координатора",
    "Сообщение 2026-0008 · Telegram",
    "⏳ Ответ до 02.12 11:50 — оператор",
    "[ Передать в другую организацию ]",
    "Сообщение 2026-0008 передано в «Министерство строительства и ЖКХ КЧР»: там это MIN-2026-0001.",
    "📤 Передано в «Министерство строительства и ЖКХ КЧР»",
    "Сообщение MIN-2026-0001 · Telegram",
    "📨 Из организации «Администрация Зеленчукского района» передано сообщение 2026-0008 — теперь это MIN-2026-0001.",
    "Срок ответа (п. 6) — до 02.12 11:50, время обнаружения прежнее.",
    "17:55  Оператор района смотрит открытые — переданного сообщения там нет",
    "Открытые сообщения всех организаций",
    "🏛 Администрация Зеленчукского района — открыто 4",
    "🏛 Министерство строительства и ЖКХ КЧР — открыто 1",
    "В организации «Администрация Зеленчукского района» (сообщение 2026-0008):",
    "Проект по сообщению MIN-2026-0001 согласован",
    "Скриншот публикации по сообщению MIN-2026-0001 (Ответ).",
    "🏆 Рейтинг организаций · 01.12.2026",
    "1. Администрация Зеленчукского района: сообщений 7",
    "— Министерство строительства и ЖКХ КЧР: сообщений 1",
    "[документ: rating_2026-12-01.xlsx]",
    "[фото: rating_2026-12-01.png]",
]


def test_make_demo_plays_a_whole_case_offline_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path), TELEGRAM_API_URL="http://127.0.0.1:9",
               PYTHONIOENCODING="ascii")          # the demo writes UTF-8 whatever the terminal says
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot.demo"], cwd=tmp_path, env=env,
                          capture_output=True, timeout=120)
    elapsed = time.monotonic() - started
    out = proc.stdout.decode("utf-8")
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out[-3000:] + stderr[-3000:]
    assert elapsed < 30
    positions = [out.find(line) for line in WHOLE_CASE]
    assert -1 not in positions, [line for line, p in zip(WHOLE_CASE, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    for line in THE_REST_OF_THE_DAY:
        assert line in out, line
    republic = [out.find(line) for line in REPUBLIC]
    assert -1 not in republic, [line for line, p in zip(REPUBLIC, republic, strict=True) if p < 0]
    assert republic == sorted(republic) and republic[0] > max(positions)
    district_open = out.split("17:55  Оператор района смотрит открытые", 1)[1].split("━━━", 1)[0]
    assert "2026-0005" in district_open and "2026-0008" not in district_open   # the transferred case left it
    assert "Демонстрация прошла" in out and "✗" not in out
    assert "<b>" not in out and "&lt;" not in out          # HTML rendered as a person sees it
    imported = re.findall(r"\|\s+([\w.]+)\s*$", stderr, re.MULTILINE)
    assert "bot.demo.day" in imported
    assert not [m for m in imported if m.split(".")[0] in ("pytest", "_pytest", "hypothesis", "tests")]
    assert "Traceback" not in stderr
    assert not list(tmp_path.glob("bot-demo-*"))           # the temporary database is gone
    # docs/demo.md quotes the output: every quoted line is still what the demo prints
    excerpt = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8").split("```text\n", 1)[1].split("```", 1)[0]
    printed = {line.rstrip() for line in out.splitlines()}
    assert [line for line in excerpt.splitlines() if line.strip() not in ("", "…") and line not in printed] == []


def test_demo_fails_when_a_step_does_not_show_what_it_should(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts, "PUBLISHED_DONE", "Спасибо.")
    out = io.StringIO()
    assert asyncio.run(run_demo(out)) == 1
    report = out.getvalue().split("ДЕМОНСТРАЦИЯ НЕ ПРОШЛА", 1)[1]
    assert "бот не показал «Скриншот принят, шаг закрыт»" in report


def test_demo_telegram_renders_html_as_plain_text_and_refuses_what_telegram_refuses() -> None:
    assert plain_text("<b>Сообщение 2026-0001</b> &lt;b&gt;", "HTML") == "Сообщение 2026-0001 <b>"
    assert plain_text("<blockquote>раз\nдва</blockquote>", "HTML") == "┃ раз\n┃ два"
    assert plain_text('<a href="https://vk.com/x">пост</a>', "HTML") == "пост (https://vk.com/x)"
    assert plain_text("<b>как есть</b>", None) == "<b>как есть</b>"
    for bad in ("<b>не закрыт", "<p>абзац</p>", "<b>крест</i>"):
        with pytest.raises(BadRequest, match="can't parse entities"):
            plain_text(bad, "HTML")
