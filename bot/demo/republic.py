"""The second part of the demo, «Республика» (issue 14 §6): the same deployment serves the republic.

After the district's day, on the same evening:

* the deployment's administrator creates a second organisation, a republican ministry (its case numbers get
  a prefix), invites its operator, binds its department's and its head's groups, and binds the group of the
  republic's Directorate — the coordinator of cl. 2;
* the district's operator receives a post about a republican road, which is not the district's, and transfers
  it to the ministry with a reason; the ministry's operator gets the card with the history and the cl. 6 clock
  still running from the moment the post was detected;
* the district's /open no longer lists it, the coordinator's /open shows both organisations;
* the ministry routes it to its department, the department answers, the answer is approved and published;
* the coordinator asks for the month's rating of organisations: the text, the XLSX and the chart.
"""

from __future__ import annotations

import re

from bot.demo.cast import (
    ADMIN,
    ADMIN_CHAT,
    CHANNEL,
    COORDINATOR,
    FATIMA,
    MIN_HEAD,
    MIN_OPERATOR,
    MIN_ROADS,
    MURAT,
    OLGA,
    OPERATOR,
    TIMUR,
    accept,
    draft,
)
from bot.demo.printing import RULE_WIDTH
from bot.demo.runner import Demo, DemoFailure
from bot.domain.orgs import Scope

DISTRICT = "Администрация Зеленчукского района"
MINISTRY = "Министерство строительства и ЖКХ КЧР"
MIN_DEPARTMENT = "Отдел автомобильных дорог"

POST_8 = ("На республиканской трассе Зеленчукская — Архыз у моста через Кизгыч провал асфальта на полосе, "
          "ночью там уже пробили колёса две машины. Дорогу кто-нибудь ремонтирует?")
REASON = "Автодорога Зеленчукская — Архыз республиканская, её содержит Минстрой КЧР, а не район."
DRAFT_8 = ("Провал на автодороге Зеленчукская — Архыз у моста через Кизгыч огорожен сегодня вечером, "
           "ямочный ремонт подрядчик выполнит до 04.12. Спасибо, что сообщили.")


def heading(d: Demo) -> None:
    d.out.write("═" * RULE_WIDTH + "\n"
                "РЕСПУБЛИКА · тот же бот для всей Карачаево-Черкесской Республики: вторая организация,\n"
                "координатор (Дирекция, п. 2), передача сообщения между организациями, рейтинг организаций\n")


def invite_token(text: str) -> str:
    found = re.search(r"start=inv_(\S+)", text)
    if found is None:
        raise DemoFailure("в приглашении нет ссылки")
    return found.group(1)


async def republic(d: Demo) -> None:
    heading(d)
    await second_organisation(d)
    await transfer(d)
    await ministry_answers(d)
    await rating(d)


async def pick_org(d: Demo, chat: int, name: str) -> None:
    """An administrator of several organisations answers «Для какой организации?»."""
    await d.press(ADMIN, chat, name, where="Для какой организации?")


async def second_organisation(d: Demo) -> None:
    async with d.step("17:40", "Администратор называет первую организацию и создаёт вторую — республиканское "
                               "министерство") as s:
        await d.say(ADMIN, ADMIN_CHAT, f"/org_rename 1 {DISTRICT}")
        await d.say(ADMIN, ADMIN_CHAT, f"/org_add {MINISTRY}")
        await d.press(ADMIN, ADMIN_CHAT, "Республиканский орган", where=MINISTRY)
        s.expect(ADMIN_CHAT, f"Организация № 1 теперь называется «{DISTRICT}»",
                 f"Организация «{MINISTRY}» создана (№ 2), префикс номеров — MIN (MIN-2026-0042)")
    async with d.step("17:42", "Администратор приглашает оператора министерства") as s:
        await d.say(ADMIN, ADMIN_CHAT, "/invite")
        await pick_org(d, ADMIN_CHAT, MINISTRY)
        link = d.find(ADMIN_CHAT, "Ссылка-приглашение для оператора")
        await d.say(MURAT, MIN_OPERATOR, f"/start inv_{invite_token(link.text)}")
        s.expect(ADMIN_CHAT, "Для какой организации?", f"Организация: {MINISTRY}.", "Ссылка-приглашение для оператора")
        s.expect(MIN_OPERATOR, "Приглашение принято. Теперь вы — оператор.")
    async with d.step("17:44", "Администратор подключает группу отдела министерства и группу министра") as s:
        await d.say(ADMIN, MIN_ROADS, f"/bind {MIN_DEPARTMENT}")
        await pick_org(d, MIN_ROADS, MINISTRY)
        await d.say(ADMIN, MIN_HEAD, "/bind_head")
        await pick_org(d, MIN_HEAD, MINISTRY)
        s.expect(MIN_ROADS, "Для какой организации?", f"Группа подключена как чат отдела «{MIN_DEPARTMENT}»")
        s.expect(MIN_HEAD, "Для какой организации?", "Группа подключена как чат руководителя: «Министерство строительства и ЖКХ КЧР»")
    async with d.step("17:46", "Администратор подключает группу Дирекции — координатора (п. 2)") as s:
        await d.say(ADMIN, COORDINATOR, "/bind_coordinator")
        s.expect(COORDINATOR, "Группа подключена как чат координатора")


async def transfer(d: Demo) -> None:
    async with d.step("17:50", "Оператор района пересылает пост о республиканской трассе — это не район") as s:
        await d.say(OLGA, OPERATOR, POST_8, forward_from_channel=(*CHANNEL, 91))
        s.expect(OPERATOR, "Сообщение 2026-0008", "Передать в другую организацию")
    before = await d.app.cases.get_by_number("2026-0008", scope=Scope.all())
    due = [x.due_at for x in before.deadlines if x.rule == "answer"]
    async with d.step("17:52", "Оператор района передаёт сообщение в министерство и пишет причину (п. 6 идёт дальше)") as s:
        await d.press(OLGA, OPERATOR, "Передать в другую организацию", where="Сообщение 2026-0008")
        await d.press(OLGA, OPERATOR, MINISTRY, where="В какую организацию передать сообщение 2026-0008")
        await d.say(OLGA, OPERATOR, REASON)
        s.expect(OPERATOR, f"передано в «{MINISTRY}»: там это MIN-2026-0001", f"📤 Передано в «{MINISTRY}»")
        s.expect(MIN_OPERATOR, f"Из организации «{DISTRICT}» передано сообщение 2026-0008 — теперь это MIN-2026-0001",
                 REASON, "Срок ответа (п. 6) — до 02.12 11:50, время обнаружения прежнее",
                 "Вернуть (не наша компетенция)", "Сообщение MIN-2026-0001", MIN_DEPARTMENT, "Направить")
    got = await d.app.cases.get_by_number("MIN-2026-0001", scope=Scope.all())
    if [x.due_at for x in got.deadlines if x.rule == "answer"] != due or not due:
        d.failures.append(f"MIN-2026-0001: срок ответа (п. 6) изменился при передаче: был {due}")
    if got.detected_at != before.detected_at:
        d.failures.append("MIN-2026-0001: время выявления изменилось при передаче")
    async with d.step("17:55", "Оператор района смотрит открытые — переданного сообщения там нет") as s:
        await d.say(OLGA, OPERATOR, "/open")
        s.expect(OPERATOR, "Открытые сообщения", "2026-0005")
    if "2026-0008" in d.find(OPERATOR, "Открытые сообщения").text:
        d.failures.append("17:55: /open района всё ещё показывает переданное сообщение 2026-0008")
    async with d.step("17:56", "Сотрудник Дирекции смотрит открытые сообщения всех организаций") as s:
        await d.say(FATIMA, COORDINATOR, "/open")
        s.expect(COORDINATOR, "Открытые сообщения всех организаций", DISTRICT, MINISTRY, "MIN-2026-0001", "2026-0005")


async def ministry_answers(d: Demo) -> None:
    async with d.step("18:00", f"Оператор министерства направляет сообщение в «{MIN_DEPARTMENT}»") as s:
        await d.press(MURAT, MIN_OPERATOR, MIN_DEPARTMENT, where="Сообщение MIN-2026-0001")
        await d.press(MURAT, MIN_OPERATOR, "Направить", where="Сообщение MIN-2026-0001")
        s.expect(MIN_ROADS, "Вам направлено сообщение", "Сообщение MIN-2026-0001", "Принять в работу")
    async with d.step("18:02", "Оператор министерства открывает историю: сначала — что было в районе") as s:
        await d.press(MURAT, MIN_OPERATOR, "История", where="Сообщение MIN-2026-0001")
        s.expect(MIN_OPERATOR, f"В организации «{DISTRICT}» (сообщение 2026-0008)", "передано")
    async with d.step("18:10", "Отдел министерства принимает сообщение и готовит ответ") as s:
        await accept(d, TIMUR, MIN_ROADS, "MIN-2026-0001")
        await draft(d, TIMUR, MIN_ROADS, "MIN-2026-0001", "Ответ", DRAFT_8)
        s.expect(MIN_OPERATOR, "Ответ по сообщению MIN-2026-0001", "Согласовать")
    async with d.step("18:15", "Оператор министерства согласовывает ответ") as s:
        await d.press(MURAT, MIN_OPERATOR, "Согласовать", where="Ответ по сообщению MIN-2026-0001")
        s.expect(MIN_ROADS, "Проект по сообщению MIN-2026-0001 согласован")
    async with d.step("18:20", "Отдел министерства публикует ответ и присылает скриншот") as s:
        approved = d.find(MIN_ROADS, "Проект по сообщению MIN-2026-0001 согласован")
        await d.say(TIMUR, MIN_ROADS, "https://t.me/zelen_online/91?comment=4", photo="demo-shot-min-0001",
                    photo_label="скриншот ответа министерства под постом", reply_to=approved)
        s.expect(MIN_ROADS, "Скриншот принят, шаг закрыт")
        s.expect(MIN_OPERATOR, "Скриншот публикации по сообщению MIN-2026-0001", "Закрыто: ответ опубликован")


async def rating(d: Demo) -> None:
    async with d.step("18:30", "Сотрудник Дирекции запрашивает рейтинг организаций за месяц") as s:
        await d.say(FATIMA, COORDINATOR, "/rating month")
        s.expect(COORDINATOR, "Рейтинг организаций", DISTRICT, MINISTRY, "(XLSX)")
