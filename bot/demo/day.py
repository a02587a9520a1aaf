"""The scripted working day: Tuesday 1 December 2026 in a small district administration.

Every step names what a person does; the demo then shows what each chat sees and checks that the bot
showed what the regulation requires (``s.expect``). The day:

* 08:50 the administrator connects the groups of two departments and the head's group;
* 2026-0001 — a whole case, forward to screenshot: routed to one department, accepted, a draft with a
  photo, returned with a comment, fixed, approved, published with a screenshot, closed;
* 2026-0002 — two departments each send information and the operator composes the answer (cl. 17);
* 2026-0003 — an intermediate answer opens the final answer's deadline (cl. 7);
* 2026-0004 — reminders as deadlines approach, a profane draft refused (cl. 19), the missed answer
  deadline escalated to the head's chat (cl. 6), then answered late;
* 2026-0005…0007 — three posts about one address: the surge alert and «Объединить в инцидент» (cl. 21);
* 09:00 and 17:30 — the head's morning and evening digests;
* 17:40–18:30 — «Республика» (bot/demo/republic.py): a second organisation, a transfer to it, the
  coordinator's /open and /rating.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.demo.cast import (
    ADMIN,
    ANNA,
    CHANNEL,
    CHATS,
    DAY,
    HEAD,
    HOUSING,
    OLGA,
    OPERATOR,
    ROADS,
    SERGEY,
    TITLES,
    accept,
    draft,
    route,
)
from bot.demo.republic import republic
from bot.demo.runner import Demo
from bot.domain.orgs import Scope


def demo_for(out: TextIO, workdir: Path) -> Demo:
    return Demo(out, workdir, DAY, CHATS, TITLES, admin_ids=[ADMIN.user_id], operator_ids=[OLGA.user_id])


async def play(d: Demo) -> None:
    await d.start("08:45")
    await setup(d)
    await whole_case(d)
    await two_departments(d)
    await intermediate_answer(d)
    await missed_deadline(d)
    await surge(d)
    await evening(d)
    await republic(d)                           # the second part: the republic (bot/demo/republic.py)



async def setup(d: Demo) -> None:
    async with d.step("08:50", "Администратор подключает группы отделов и группу главы (бот уже добавлен в них)") as s:
        await d.say(ADMIN, HOUSING, "/bind Отдел ЖКХ")
        await d.say(ADMIN, ROADS, "/bind Дорожный отдел")
        await d.say(ADMIN, HEAD, "/bind_head")
        s.expect(HOUSING, "Группа подключена как чат отдела «Отдел ЖКХ»")
        s.expect(ROADS, "Группа подключена как чат отдела «Дорожный отдел»")
        s.expect(HEAD, "Группа подключена как чат главы администрации")
    shown = await d.advance_to("09:01")
    if not any("Сводка на утро" in c.shown.text for c in shown if c.chat_id == HEAD):
        d.failures.append("09:00: глава не получил утреннюю сводку")


# ---- 2026-0001: a whole case, from the forward to the screenshot -------------------------------------

POST_1 = ("Во дворе дома 12 на ул. Мира третью неделю не вывозят мусор, контейнеры переполнены, "
          "вокруг пакеты. Кто-нибудь за это отвечает?")
DRAFT_1 = "Мусор во дворе дома 12 на ул. Мира вывезен сегодня утром, подрядчику выставлена претензия."
DRAFT_1_FIXED = ("Мусор во дворе дома 12 на ул. Мира вывезен сегодня утром. Теперь контейнеры вывозят "
                 "ежедневно до 10:00, подрядчику выставлена претензия.")


async def whole_case(d: Demo) -> None:
    async with d.step("09:05", "Оператор пересылает боту пост из Telegram-канала «Подслушано Зеленчукская»") as s:
        await d.say(OLGA, OPERATOR, POST_1, forward_from_channel=(*CHANNEL, 77))
        s.expect(OPERATOR, "Сообщение 2026-0001", "https://t.me/zelen_online/77", "Направить до 01.12 09:35",
                 "Отдел ЖКХ", "Направить")
    async with d.step("09:08", "Оператор отмечает «Отдел ЖКХ» и нажимает «Направить»") as s:
        await route(d, "2026-0001", "Отдел ЖКХ")
        s.expect(OPERATOR, "✅ Отдел ЖКХ", "Направлено: Отдел ЖКХ")
        s.expect(HOUSING, "Вам направлено сообщение", "Сообщение 2026-0001", "Принять в работу",
                 "Не наша компетенция")
    async with d.step("09:15", "Исполнитель отдела ЖКХ принимает сообщение в работу") as s:
        await accept(d, SERGEY, HOUSING, "2026-0001")
        s.expect(HOUSING, "Принято в работу: Сергей Иванов", "в работе", "Подготовить ответ")
    async with d.step("09:50", "Исполнитель готовит проект ответа с фотографией и отправляет на согласование") as s:
        await draft(d, SERGEY, HOUSING, "2026-0001", "Ответ", DRAFT_1, photo=("demo-photo-yard-12", "чистая контейнерная площадка у дома 12"))
        s.expect(HOUSING, "Пришлите текст", "Вложение принято (1)", "Предпросмотр: Ответ", "Вложений: 1",
                 "Проект отправлен на согласование")
        s.expect(OPERATOR, "Ответ по сообщению 2026-0001 от отдела «Отдел ЖКХ»", "версия 1",
                 "[фото: чистая контейнерная площадка у дома 12]", "Согласовать", "На доработку")
    async with d.step("10:05", "Оператор возвращает проект на доработку с комментарием") as s:
        await d.press(OLGA, OPERATOR, "На доработку", where="2026-0001 от отдела")
        await d.say(OLGA, OPERATOR, "Укажите, по какому графику теперь будут вывозить мусор.")
        s.expect(OPERATOR, "Что доработать?", "Возвращено на доработку")
        s.expect(HOUSING, "возвращён на доработку", "по какому графику", "Доработайте и отправьте снова до 01.12 10:35")
    async with d.step("10:15", "Исполнитель исправляет проект и снова отправляет его на согласование") as s:
        await draft(d, SERGEY, HOUSING, "2026-0001", "Ответ", DRAFT_1_FIXED, photo=("demo-photo-yard-12", "чистая контейнерная площадка у дома 12"))
        s.expect(OPERATOR, "версия 2", "ежедневно до 10:00", "[фото: чистая контейнерная площадка у дома 12]")
    async with d.step("10:20", "Оператор согласовывает проект") as s:
        await d.press(OLGA, OPERATOR, "Согласовать", where="версия 2")
        s.expect(OPERATOR, "Согласовано. Отдел опубликует ответ")
        s.expect(HOUSING, "Проект по сообщению 2026-0001 согласован", "Опубликуйте ответ в течение 10 минут")
    async with d.step("10:26", "Исполнитель публикует ответ в канале и присылает скриншот ответом на сообщение бота") as s:
        approved = d.find(HOUSING, "Проект по сообщению 2026-0001 согласован")
        await d.say(SERGEY, HOUSING, "https://t.me/zelen_online/77?comment=15", photo="demo-shot-0001",
                    photo_label="скриншот ответа под постом", reply_to=approved)
        s.expect(HOUSING, "Скриншот принят, шаг закрыт")
        s.expect(OPERATOR, "[фото: скриншот ответа под постом]", "Скриншот публикации по сообщению 2026-0001",
                 "Закрыто: ответ опубликован")
    case = (await d.app.cases.get(1, scope=Scope.all()))
    if case.status.value != "closed":
        d.failures.append(f"2026-0001 не закрыто: {case.status.value}")


# ---- 2026-0002: two departments send information, the operator composes (cl. 17) -------------------

POST_2 = ("https://vk.com/wall-170000_3456\nНа перекрёстке ул. Садовой и Школьной огромная яма на дороге, "
          "а рядом второй день стоят переполненные мусорные баки.")


async def two_departments(d: Demo) -> None:
    async with d.step("10:30", "Оператор присылает ссылку на пост ВКонтакте и его текст") as s:
        await d.say(OLGA, OPERATOR, POST_2)
        s.expect(OPERATOR, "Сообщение 2026-0002 · ВКонтакте", "https://vk.com/wall-170000_3456")
    async with d.step("10:33", "Оператор направляет сообщение сразу двум отделам (п. 17)") as s:
        await route(d, "2026-0002", "Отдел ЖКХ", "Дорожный отдел")
        s.expect(HOUSING, "Сообщение 2026-0002")
        s.expect(ROADS, "Сообщение 2026-0002", "Принять в работу")
    async with d.step("10:40", "Оба отдела принимают сообщение в работу") as s:
        await accept(d, SERGEY, HOUSING, "2026-0002")
        await accept(d, ANNA, ROADS, "2026-0002")
        s.expect(HOUSING, "Отправить информацию")
        s.expect(ROADS, "Отправить информацию")
    async with d.step("11:20", "Отдел ЖКХ отправляет оператору свою информацию") as s:
        await d.press(SERGEY, HOUSING, "Отправить информацию", where="Сообщение 2026-0002")
        await d.say(SERGEY, HOUSING, "Баки на перекрёстке Садовой и Школьной вывезем сегодня до 15:00.")
        s.expect(HOUSING, "Информация отправлена оператору")
        s.expect(OPERATOR, "Информация от отдела «Отдел ЖКХ» по сообщению 2026-0002", "Ещё ждём: Дорожный отдел")
    async with d.step("11:30", "Дорожный отдел отправляет оператору свою информацию") as s:
        await d.press(ANNA, ROADS, "Отправить информацию", where="Сообщение 2026-0002")
        await d.say(ANNA, ROADS, "Яму засыплем щебнем завтра до обеда, асфальт положим при плюсовой температуре.")
        s.expect(OPERATOR, "Информация получена от всех отделов", "Составить ответ")
    async with d.step("11:35", "Оператор сам составляет ответ из информации отделов") as s:
        await d.press(OLGA, OPERATOR, "Составить ответ", where="Сообщение 2026-0002")
        await d.press(OLGA, OPERATOR, "Ответ", where="Какой текст вы составляете по сообщению 2026-0002")
        await d.say(OLGA, OPERATOR, "Баки на перекрёстке ул. Садовой и Школьной вывезут сегодня до 15:00, яму "
                                    "засыплют щебнем завтра до обеда. Асфальт положат, как только позволит погода.")
        s.expect(OPERATOR, "Текст сохранён. Опубликуйте его и пришлите скриншот")
    async with d.step("11:40", "Оператор публикует ответ ВКонтакте и присылает скриншот ответом на карточку") as s:
        card = d.find(OPERATOR, "Сообщение 2026-0002 · ВКонтакте")
        await d.say(OLGA, OPERATOR, photo="demo-shot-0002", photo_label="скриншот ответа ВКонтакте", reply_to=card)
        s.expect(OPERATOR, "Скриншот принят, шаг закрыт", "Закрыто: ответ опубликован")


# ---- 2026-0003: an intermediate answer opens the final answer's deadline (cl. 7) -------------------

POST_3 = ("https://ok.ru/group/52000/topic/777 Когда отремонтируют дорогу на ул. Полевой? Весь асфальт в ямах, "
          "машины бьют подвеску.")


async def intermediate_answer(d: Demo) -> None:
    async with d.step("11:45", "Оператор присылает ссылку на пост в Одноклассниках и направляет его в Дорожный отдел") as s:
        await d.say(OLGA, OPERATOR, POST_3)
        await route(d, "2026-0003", "Дорожный отдел")
        s.expect(OPERATOR, "Сообщение 2026-0003 · Одноклассники")
        s.expect(ROADS, "Сообщение 2026-0003")
    async with d.step("11:50", "Дорожный отдел принимает сообщение и готовит промежуточный ответ (п. 7)") as s:
        await accept(d, ANNA, ROADS, "2026-0003")
        await draft(d, ANNA, ROADS, "2026-0003", "Промежуточный ответ", "Обращение принято. Специалисты осмотрят "
                    "ул. Полевую, окончательный ответ дадим до конца следующего рабочего дня.")
        s.expect(OPERATOR, "Промежуточный ответ по сообщению 2026-0003")
    async with d.step("12:00", "Оператор согласовывает промежуточный ответ") as s:
        await d.press(OLGA, OPERATOR, "Согласовать", where="Промежуточный ответ по сообщению 2026-0003")
        s.expect(ROADS, "Проект по сообщению 2026-0003 согласован")
    async with d.step("12:05", "Дорожный отдел публикует промежуточный ответ и присылает скриншот") as s:
        approved = d.find(ROADS, "Проект по сообщению 2026-0003 согласован")
        await d.say(ANNA, ROADS, photo="demo-shot-0003", photo_label="скриншот промежуточного ответа",
                    reply_to=approved)
        s.expect(OPERATOR, "Скриншот публикации по сообщению 2026-0003 (Промежуточный ответ)",
                 "Опубликован промежуточный ответ — ждёт окончательного", "Окончательный ответ до 02.12 18:00")


# ---- 2026-0004: reminders, a profane draft (cl. 19), the missed deadline goes to the head (cl. 6) ----

POST_4 = ("Второй день нет света в подъезде дома 3 на ул. Школьной, на лестнице темно, дети ходят "
          "с фонариками.")


async def missed_deadline(d: Demo) -> None:
    async with d.step("12:10", "Оператор пересылает ещё один пост из канала и направляет его в отдел ЖКХ") as s:
        await d.say(OLGA, OPERATOR, POST_4, forward_from_channel=(*CHANNEL, 81))
        await route(d, "2026-0004", "Отдел ЖКХ")
        s.expect(OPERATOR, "Ответ до 01.12 16:10")
        s.expect(HOUSING, "Сообщение 2026-0004")
    async with d.step("12:15", "Отдел ЖКХ принимает сообщение в работу — и откладывает его") as s:
        await accept(d, SERGEY, HOUSING, "2026-0004")
        s.expect(HOUSING, "Принято в работу")
    reminded = await d.advance_to("14:35")
    if not any("Напоминание" in c.shown.text and "2026-0004" in c.shown.text for c in reminded
               if c.chat_id == HOUSING):
        d.failures.append("к 14:35 отдел ЖКХ не получил напоминания о проекте ответа по 2026-0004")
    async with d.step("14:40", "Исполнитель пишет проект в сердцах — бот его не принимает (п. 19)") as s:
        await draft(d, SERGEY, HOUSING, "2026-0004", "Ответ", "Жители сами идиоты, бьют лампы в подъезде, а потом "
                    "жалуются.", submit=False)
        s.expect(HOUSING, "Проект не принят: в нём недопустимые выражения (п. 19 Положения)", "«идиоты»")
    late = await d.advance_to("16:11")
    if not any("Просрочка по сообщению 2026-0004" in c.shown.text for c in late if c.chat_id == HEAD):
        d.failures.append("к 16:11 просрочка ответа по 2026-0004 не дошла до главы")
    async with d.step("16:15", "Исполнитель присылает исправленный текст и отправляет его на согласование") as s:
        await d.say(SERGEY, HOUSING, "Электрик заменил лампы в подъезде дома 3 на ул. Школьной, свет есть. "
                                     "Приносим извинения за неудобства.")
        await d.press(SERGEY, HOUSING, "На согласование", where="Предпросмотр")
        s.expect(OPERATOR, "Ответ по сообщению 2026-0004")
    async with d.step("16:20", "Оператор согласовывает, отдел публикует ответ и присылает скриншот") as s:
        await d.press(OLGA, OPERATOR, "Согласовать", where="Ответ по сообщению 2026-0004")
        approved = d.find(HOUSING, "Проект по сообщению 2026-0004 согласован")
        await d.say(SERGEY, HOUSING, photo="demo-shot-0004", photo_label="скриншот ответа под постом",
                    reply_to=approved)
        s.expect(OPERATOR, "Скриншот публикации по сообщению 2026-0004")


# ---- 2026-0005…0007: three posts about one address, merged into one incident (cl. 21) ---------------

SURGE_POSTS = [
    ("16:30", "https://vk.com/wall-170000_4001 На ул. Лесная, 7 с утра нет горячей воды, "
              "управляющая компания трубку не берёт.", "ВКонтакте"),
    ("16:35", "https://ok.ru/group/52000/topic/801 ул. Лесная, 7 — опять без горячей воды! Сколько можно?",
     "Одноклассниках"),
    ("16:40", "https://t.me/zelen_chat/9911 Кто знает, когда дадут горячую воду на ул. Лесная, 7?", "Telegram"),
]


async def surge(d: Demo) -> None:
    for n, (at, text, where) in enumerate(SURGE_POSTS, start=5):
        async with d.step(at, f"Оператор присылает пост о доме 7 на ул. Лесной ({where})") as s:
            await d.say(OLGA, OPERATOR, text)
            s.expect(OPERATOR, f"Сообщение 2026-000{n}")
            if n == 7:
                s.expect(HEAD, "Повышенная социальная активность")
                s.expect(OPERATOR, "Повышенная социальная активность", "Объединить в инцидент")
    async with d.step("16:42", "Оператор объединяет три сообщения в инцидент и направляет его в отдел ЖКХ") as s:
        await d.press(OLGA, OPERATOR, "Объединить в инцидент", where="Повышенная социальная активность")
        await route(d, "2026-0005", "Отдел ЖКХ")
        s.expect(OPERATOR, "Объединено в инцидент: 2026-0005, 2026-0006, 2026-0007")
        s.expect(HOUSING, "Сообщение 2026-0005")
    async with d.step("16:45", "Отдел ЖКХ принимает инцидент в работу: ответ будет один на три поста") as s:
        await accept(d, SERGEY, HOUSING, "2026-0005")
        s.expect(HOUSING, "Принято в работу: Сергей Иванов")


async def evening(d: Demo) -> None:
    shown = await d.advance_to("17:31")
    if not any("Сводка за день" in c.shown.text for c in shown if c.chat_id == HEAD):
        d.failures.append("17:30: глава не получил вечернюю сводку")
    async with d.step("17:35", "Оператор смотрит, что осталось открытым") as s:
        await d.say(OLGA, OPERATOR, "/open")
        s.expect(OPERATOR, "Открытые сообщения", "2026-0003", "2026-0005")
