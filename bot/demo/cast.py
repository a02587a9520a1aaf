"""The people and chats of the demo (the district's day and «Республика») and the steps both parts share:
a draft, routing by the district's operator, accepting."""

from __future__ import annotations

from datetime import date

from bot.demo.people import Person
from bot.demo.runner import Demo

DAY = date(2026, 12, 1)          # a Tuesday, an ordinary working day

ADMIN = Person(1, "Ирина Котова")
OLGA = Person(100, "Ольга Смирнова")        # the operator
SERGEY = Person(201, "Сергей Иванов")       # an executor of the housing department
ANNA = Person(301, "Анна Петрова")          # an executor of the roads department

ADMIN_CHAT = ADMIN.user_id
OPERATOR = OLGA.user_id                      # the operator's private chat with the bot
HOUSING = -1001                              # the group of «Отдел ЖКХ»
ROADS = -1002                                # the group of «Дорожный отдел»
HEAD = -900                                  # the head of administration's group

# «Республика» (bot/demo/republic.py): the ministry, the second organisation, and the coordinator of cl. 2
MURAT = Person(400, "Мурат Байрамуков")     # the ministry's operator
TIMUR = Person(401, "Тимур Эркенов")        # an executor of the ministry's roads department
FATIMA = Person(500, "Фатима Кубанова")     # a person of the republic's Directorate (the coordinator)
MIN_OPERATOR = MURAT.user_id
MIN_ROADS = -2001                            # the group of the ministry's «Отдел автомобильных дорог»
MIN_HEAD = -2900                             # the minister's group
COORDINATOR = -3000                          # the Directorate's group

CHATS = {
    ADMIN_CHAT: "Администратор Ирина Котова — личный чат с ботом",
    OPERATOR: "Оператор Ольга Смирнова — личный чат с ботом",
    HOUSING: "Группа «Отдел ЖКХ» (исполнитель Сергей Иванов)",
    ROADS: "Группа «Дорожный отдел» (исполнитель Анна Петрова)",
    HEAD: "Группа главы администрации",
    MIN_OPERATOR: "Оператор министерства Мурат Байрамуков — личный чат с ботом",
    MIN_ROADS: "Группа «Отдел автомобильных дорог» министерства (исполнитель Тимур Эркенов)",
    MIN_HEAD: "Группа министра строительства и ЖКХ",
    COORDINATOR: "Группа Дирекции — координатора (сотрудник Фатима Кубанова)",
}
TITLES = {ADMIN_CHAT: "Ирина", OPERATOR: "Ольга", HOUSING: "Отдел ЖКХ", ROADS: "Дорожный отдел",
          HEAD: "Глава администрации", MIN_OPERATOR: "Мурат", MIN_ROADS: "Минстрой: отдел дорог",
          MIN_HEAD: "Министр", COORDINATOR: "Дирекция КЧР"}

CHANNEL = (-1001555, "Подслушано Зеленчукская", "zelen_online")


async def draft(d: Demo, person: Person, chat: int, number: str, kind: str, text: str,
                photo: tuple[str, str] | None = None, *, submit: bool = True) -> None:
    """The executor's way to a draft: «Подготовить ответ», its kind, a photo, the text, «На согласование»."""
    await d.press(person, chat, "Подготовить ответ", where=f"Сообщение {number}")
    await d.press(person, chat, kind, where=f"Что готовите по сообщению {number}")
    if photo is not None:
        await d.say(person, chat, photo=photo[0], photo_label=photo[1])
    await d.say(person, chat, text)
    if submit:
        await d.press(person, chat, "На согласование", where="Предпросмотр")


async def route(d: Demo, number: str, *departments: str) -> None:
    """The operator ticks the departments on the card and presses «Направить»."""
    for department in departments:
        await d.press(OLGA, OPERATOR, department, where=f"Сообщение {number}")
    await d.press(OLGA, OPERATOR, "Направить", where=f"Сообщение {number}")


async def accept(d: Demo, person: Person, chat: int, number: str) -> None:
    """The department takes the case into work: «Принять в работу» under its card."""
    await d.press(person, chat, "Принять в работу", where=f"Сообщение {number}")
