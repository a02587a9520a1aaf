"""Administration in chats: onboarding and invitations, operators, departments, responsible officials,
declared working days and the calendar."""

from __future__ import annotations

from datetime import datetime

# ---- onboarding ----------------------------------------------------------------------------------
START_ADMIN = (
    "Здравствуйте, {name}! Вы — <b>администратор</b>.\n\n"
    "• /invite — пригласить оператора (ссылка на 24 часа); /invites — неиспользованные приглашения\n"
    "• /invite_official — пригласить ответственное лицо (п. 5); /officials — ответственные лица\n"
    "• /operators — операторы\n"
    "• /places — места района (населённые пункты и улицы), которые бот узнаёт в публикациях\n"
    "• /departments — отделы; /dept_places — места отделов (улицы, населённые пункты) для подсказок при направлении\n"
    "• /chats — группы, в которые бот сейчас не может писать, и ждущие их уведомления\n"
    "• /backup — резервная копия базы данных (пришлю зашифрованным файлом)\n"
    "• В группе отдела: /bind &lt;название отдела&gt;; в группе главы: /bind_head\n\n"
    "Вы можете работать и как оператор: перешлите сюда найденную публикацию."
)
START_OPERATOR = (
    "Здравствуйте, {name}! Вы — <b>оператор</b>.\n\n"
    "Перешлите сюда найденную публикацию или пришлите ссылку, текст и скриншоты — я заведу карточку. "
    "Направьте её в отдел в течение 30 минут кнопками под карточкой.\n\n"
    "• /open — открытые сообщения\n• /case &lt;номер&gt; — карточка и история"
)
START_STRANGER = (
    "Здравствуйте! Этот бот служит сотрудникам администрации для работы с сообщениями граждан. "
    "Доступа у вас нет. Если вы сотрудник, попросите администратора прислать приглашение."
)
INVITE_ACCEPTED = "Приглашение принято. Теперь вы — <b>оператор</b>.\n\n" + START_OPERATOR.split("\n\n", 1)[1]
INVITE_INVALID = "Приглашение недействительно: оно уже использовано или истекло. Попросите новое."
INVITE_CREATED = "Ссылка-приглашение для оператора (действует 24 часа, один раз):\n{link}"
GROUP_UNBOUND = (
    "Эта группа не подключена к боту. Администратор может подключить её командой "
    "/bind &lt;название отдела&gt; или /bind_head."
)
GROUP_DEPARTMENT_HELP = (
    "Это чат отдела «{name}». Сюда приходят сообщения, направленные отделу: примите их в работу, "
    "подготовьте ответ и пришлите скриншот публикации.\n• /my — открытые сообщения отдела"
)
GROUP_HEAD_HELP = "Это чат главы администрации: сюда приходят общественно значимые сообщения и просрочки."
BOUND_DEPARTMENT = "Группа подключена как чат отдела «{name}»."
BOUND_HEAD = "Группа подключена как чат главы администрации."
BIND_USAGE = "Укажите название отдела: /bind Отдел ЖКХ"
BIND_IN_GROUP = "Эта команда работает в группе, которую нужно подключить."
ADMIN_ONLY = "Эта команда доступна только администратору."


# ---- operators and departments -------------------------------------------------------------------
OPERATORS_EMPTY = "Операторов пока нет. Пригласите: /invite"
OPERATORS_TITLE = "Операторы:"
OPERATOR_LINE = "• {name} (id {user_id})"
OPERATOR_REMOVED = "Оператор удалён."
OPERATOR_FROM_SETTINGS = "Этот оператор задан в OPERATOR_IDS — удалите его из настроек."
DEPARTMENTS_EMPTY = "Отделов пока нет. Добавьте бота в группу отдела и отправьте там /bind &lt;название&gt;."
DEPARTMENTS_TITLE = "Отделы:"
DEPARTMENT_LINE = "• <b>{name}</b>{archived} — ключевые слова: {keywords}"
DEPARTMENT_ARCHIVED = " (в архиве)"
ASK_DEPARTMENT_NAME = "Новое название отдела «{name}»:"
ASK_KEYWORDS = "Ключевые слова отдела «{name}» через запятую (сейчас: {keywords}):"
DEPARTMENT_SAVED = "Сохранено."


# ---- declared working days and the calendar (handlers/workday.py, cl. 8) -------------------------
WORKDAY_USAGE = (
    "Объявить дату рабочей (п. 8 Положения): /workday ГГГГ-ММ-ДД — глава в своём чате или администратор.\n"
    "Отменить: /workday -ГГГГ-ММ-ДД. Список: /workday"
)
WORKDAY_DECLARED = "Дата {day} объявлена рабочей: сроки и напоминания в этот день идут как в обычный рабочий."
WORKDAY_UNDECLARED = "Дата {day} больше не объявлена рабочей."
WORKDAY_ALREADY = "Дата {day} уже рабочая по календарю — объявлять не нужно."
WORKDAY_NOT_DECLARED = "Дата {day} не была объявлена рабочей."
WORKDAY_LIST_EMPTY = "Объявленных рабочих дат нет."
WORKDAY_LIST = "Объявленные рабочие даты (п. 8):\n{days}"
WORKDAY_ONLY_HEAD = "Объявить дату рабочей может глава администрации (в чате главы) или администратор."
WORKDAY_PAST = "Дата {day} уже прошла."
BAD_DATE = "Не понял дату «{value}». Пример: 2026-12-05 или 05.12.2026."
CALENDAR_USAGE = (
    "Календарь (администратор):\n"
    "• /dayoff ГГГГ-ММ-ДД — региональный выходной; /dayoff -ГГГГ-ММ-ДД — отменить\n"
    "• /workday_extra ГГГГ-ММ-ДД — дополнительный рабочий день; /workday_extra -ГГГГ-ММ-ДД — отменить\n"
    "• /calendar — все изменения календаря"
)
CALENDAR_SAVED = "Сохранено: {what} {day}."
CALENDAR_REMOVED = "Удалено: {what} {day}."
CALENDAR_NOTHING = "{what} {day} в календаре нет."
CALENDAR_WHAT = {"regional_days_off": "региональный выходной", "extra_working_days": "дополнительный рабочий день",
                 "declared_working_days": "объявленная рабочая дата", "extra_shortened_days": "сокращённый день"}
CALENDAR_SHOW = "<b>Изменения календаря</b> ({path}):\n{items}"
CALENDAR_SHOW_LINE = "• {what}: {days}"
CALENDAR_SHOW_NONE = "нет"
CALENDAR_FILE_ERROR = "Не удалось сохранить календарь: {error}"


# ---- the responsible official (cl. 5) ------------------------------------------------------------
START_OFFICIAL = (
    "Здравствуйте, {name}! Вы — <b>ответственное лицо</b> (п. 5 регламента): организуете работу "
    "с сообщениями граждан.\n\n"
    "Сюда приходят просрочки рабочих шагов: направление в отдел, отказ, подготовка проекта, согласование, "
    "доработка, публикация, сведения отделов. Просрочки ответа (п. 6, 7) и общественно значимые сообщения "
    "получает чат главы.\n\n"
    "• /open — открытые сообщения\n• /case &lt;номер&gt; — карточка и история\n"
    "• /report [период] — отчёт: сводка, XLSX и график"
)
INVITE_OFFICIAL_CREATED = "Ссылка-приглашение для ответственного лица (действует 24 часа, один раз):\n{link}"
INVITE_OFFICIAL_ACCEPTED = (
    "Приглашение принято. Теперь вы — <b>ответственное лицо</b>.\n\n" + START_OFFICIAL.split("\n\n", 1)[1])
OFFICIALS_EMPTY = "Ответственных лиц нет. Пригласите: /invite_official (или OFFICIAL_IDS в настройках)"
OFFICIALS_TITLE = "Ответственные лица:"
OFFICIAL_REMOVED = "Ответственное лицо удалено."
OFFICIAL_FROM_SETTINGS = "Это ответственное лицо задано в OFFICIAL_IDS — удалите его из настроек."
OFFICIAL_READ_ONLY = "Ответственное лицо просматривает сообщения; действовать по кнопкам могут операторы и отделы."
OFFICIAL_NOT_A_POST = (
    "Публикации заводят операторы. Вам доступны: /open — открытые сообщения, /case &lt;номер&gt; — карточка "
    "и история, /report — отчёт.")


# ---- issue 13: invites stored hashed, revocable ---------------------------------------------------
INVITE_REVOKE_HINT = "\n\nПередумали — отзовите ссылку: /invites."
INVITES_TITLE = "Неиспользованные приглашения (ссылка работает, пока её не отозвали и срок не истёк):"
INVITES_EMPTY = "Неиспользованных приглашений нет. Пригласить: /invite или /invite_official."
INVITE_ROLE_NAMES = {"operator": "оператор", "official": "ответственное лицо"}
BTN_REVOKE_INVITE = "❌ Отозвать"
INVITE_REVOKED = "Приглашение отозвано: ссылка больше не действует."
INVITE_NOT_REVOCABLE = "Это приглашение уже использовано, отозвано или истекло — отзывать нечего."


def invite_label(role: str, expires_at: datetime | None) -> str:
    until = f", до {expires_at:%d.%m.%Y %H:%M}" if expires_at else ""
    return f"{INVITE_ROLE_NAMES.get(role, role)}{until}"


# ---- the district's places (/places, issue 16) ---------------------------------------------------
PLACES_USAGE = (
    "• /places — список\n"
    "• /places add станица Зеленчукская — добавить населённый пункт (станица, посёлок, село, аул, хутор)\n"
    "• /places add ул. Школьная — добавить улицу (ул., пр-т, пер., пл., мкр., ш., проезд, б-р, наб.)\n"
    "• /places remove Зеленчукская — убрать (тип можно не писать)"
)
PLACES_TITLE = "<b>Места района</b> — бот узнаёт их в публикациях в любом падеже, с типом и без."
PLACES_SETTLEMENTS = "<b>Населённые пункты</b> ({count}):"
PLACES_STREETS = "<b>Улицы, добавленные администраторами</b> ({count}):"
PLACES_STREETS_NONE = "<b>Улицы</b>: добавленных нет — улицы узнаются и без списка («ул. Школьная, 3», «на Школьной 3»)."
PLACES_LINE = "• {type} {name}"
PLACES_ADDED_MARK = " (добавлен)"
PLACES_ALIASES = " — также «{aliases}»"
PLACE_ADDED = "Добавлено: {type} {name}. Бот узнаёт это место в новых публикациях."
PLACE_REMOVED = "Убрано: {type} {name}. Бот больше не узнаёт это место."
PLACES_UNKNOWN_ACTION = "Не понял «{action}»: после /places пишите add (добавить) или remove (убрать).\n\n" + PLACES_USAGE
PLACES_ERRORS = {
    "place_empty": "Напишите, что добавить или убрать.\n\n" + PLACES_USAGE,
    "place_name_required": "После «{word}» нужно название, например «/places add ул. Школьная».",
    "place_type_unknown": (
        "Не знаю тип «{word}». Начните с типа: станица, посёлок, село, аул, хутор — или ул., пр-т, пер., "
        "пл., мкр., ш., проезд, б-р, наб. Например: «/places add ст. Зеленчукская», «/places add ул. Школьная»."),
    "place_name_bad": "«{name}» не похоже на название: нужны буквы (можно цифры, пробел, дефис, точку).",
    "place_name_too_long": "Название длиннее {limit} знаков — сократите.",
    "place_exists": "Это место уже есть в списке: {name}.",
    "place_not_found": "В списке нет «{name}». Посмотрите /places.",
    "place_ambiguous": "Так называются несколько мест: {names}. Напишите тип, например «/places remove пер. Мира».",
}
PLACES_SEED_ERROR = "Файл мест повреждён, список не загружен: {error}"


# ---- members of bound groups (issue 13 §2) -------------------------------------------------------
BIND_PUBLIC_GROUP = (
    "Эту группу нельзя подключить: она публичная (у неё есть @имя), её сообщения может читать кто угодно. "
    "Сделайте группу частной (уберите публичную ссылку в настройках группы) и повторите команду.")
BTN_CONFIRM_MEMBER = "✅ Допустить к работе"
MEMBER_CONFIRMED = "Участник допущен к работе."
MEMBER_NOT_THERE = "Этот участник уже вышел из группы или уже допущен."
MEMBER_CONFIRMED_NOTE = "\n\n✅ Допущен к работе."


# ---- departments' places: /dept_places (issue 16) --------------------------------------------------
DEPT_PLACES_TITLE = "<b>Места отделов</b> — по ним отдел подсказывается первым на карточке:"
DEPT_PLACES_LINE = "• {name}: {places}"
DEPT_PLACES_USAGE = (
    "Задать места отдела: <code>/dept_places Название отдела: ул. Школьная; ст. Исправная</code>\n"
    "Улица без номера дома — вся улица, с номером — один дом; «-» после двоеточия очищает список.")
DEPT_PLACES_NO_DEPARTMENT = "Нет отдела «{name}». Список отделов — /departments."
DEPT_PLACES_NOT_RECOGNISED = ("Не узнал место «{place}». Напишите улицу с типом (ул. Школьная, пер. Мира 3) или "
                              "населённый пункт из /places; ничего не изменено.")
DEPT_PLACES_SAVED = "Места отдела «{name}»: {places}."


# ---- removing an operator with open cases, chats that changed --------------------------------------------
HANDOVER_ASK = (
    "У оператора {name} открытых сообщений: {count} ({numbers}). Кому их передать? Оператор будет удалён, "
    "когда вы выберете.")
HANDOVER_SPREAD = "Распределить между операторами"
HANDOVER_CANCEL = "Отмена"
HANDOVER_CANCELLED = "Оператор не удалён."
HANDOVER_DONE = "Оператор удалён. Переданы сообщения: {lines}"
HANDOVER_LINE = "{number} → {operator}"
HANDOVER_STRANDED = "Оператор удалён. Передать сообщения некому (нет активных операторов): {numbers}."
HANDOVER_NO_TAKERS = (
    "У оператора {name} открытых сообщений: {count} ({numbers}), а других активных операторов нет. "
    "Пригласите оператора (/invite), затем удалите этого.")
CHATS_TITLE = "Чаты, в которые бот не может писать:"
CHATS_LINE = "• {chat_id}: с {since} — {reason}"
CHATS_NONE = "Все привязанные чаты доступны."
CHATS_WAITING = "Уведомлений ждут доставки: {count} (самое раннее — {since})."
HANDOVER_TARGET_GONE = "Этот оператор уже не активен — выберите другого."
HANDOVER_NOT_OPERATOR = "Этот оператор уже удалён."


# ---- organisations and their admins (issue 14 §1) ----------------------------------------------------------
ORG_KIND_NAMES = {"municipality": "муниципалитет", "republic": "республиканский орган"}
BTN_ORG_MUNICIPALITY = "Муниципалитет"
BTN_ORG_REPUBLIC = "Республиканский орган"
BTN_ORG_ARCHIVE = "🗄 В архив: {name}"
BTN_ORG_RESTORE = "↩️ Восстановить: {name}"
BTN_ORGS_ARCHIVED = "Архивные организации"
ORG_ONLY_DEPLOYMENT = "Организациями управляют только администраторы развёртывания (ADMIN_IDS)."
ORGS_TITLE = "<b>Организации</b>:"
ORGS_ARCHIVED_TITLE = "<b>Архивные организации</b>:"
ORGS_ARCHIVED_EMPTY = "Архивных организаций нет."
ORG_LINE = ("{id}. <b>{name}</b> — префикс {prefix}, {kind}; чат главы: {head}; отделов: {departments}, "
            "операторов: {operators}, администраторов: {admins}")
ORG_NO_PREFIX = "нет (номера без префикса)"
ORG_HEAD_BOUND = "привязан"
ORG_HEAD_UNBOUND = "не привязан"
ORGS_HINT = ("Создать: <code>/org_add Название</code>; переименовать: <code>/org_rename N Название</code>; "
             "префикс (до первого сообщения): <code>/org_prefix N ABC</code>; администратор организации: "
             "/invite_org_admin.")
ORG_ADD_USAGE = "Создать организацию: <code>/org_add Название</code>, например <code>/org_add Зеленчукский район</code>."
ORG_ASK_KIND = "Организация «{name}» — это муниципалитет или республиканский орган?"
ORG_ADDED = ("Организация «{name}» создана (№ {id}), префикс номеров — <b>{prefix}</b> ({example}). "
             "Изменить до первого сообщения: <code>/org_prefix {id} ABC</code>. "
             "Пригласить её администратора: /invite_org_admin.")
ORG_RENAME_USAGE = "Переименовать: <code>/org_rename N Новое название</code> (N — номер из /orgs)."
ORG_RENAMED = "Организация № {id} теперь называется «{name}»."
ORG_PREFIX_USAGE = "Префикс: <code>/org_prefix N ABC</code> — 2–6 латинских заглавных букв (N — номер из /orgs)."
ORG_PREFIX_SET = "Префикс организации «{name}»: <b>{prefix}</b> ({example})."
ORG_ARCHIVED = "Организация «{name}» в архиве: её люди и чаты больше не действуют."
ORG_RESTORED = "Организация «{name}» восстановлена."
ORG_ERRORS = {
    "org_name_required": "Укажите название организации.",
    "org_name_too_long": "Название длиннее 96 знаков — сократите.",
    "org_name_taken": "Организация с таким названием уже есть.",
    "org_unknown": "Нет такой организации — номера в /orgs.",
    "org_prefix_invalid": "Префикс — от 2 до 6 латинских заглавных букв, например ZEL.",
    "org_prefix_taken": "Этот префикс уже у другой организации.",
    "org_prefix_used": "У организации уже есть сообщения: их номера не меняются, префикс тоже.",
    "org_prefix_default": "У организации № 1 префикса нет: её номера остаются прежними.",
    "org_default_archive": "Организацию № 1 нельзя отправить в архив: к ней относятся люди из настроек.",
}
ORG_WHICH = "Для какой организации?"
ORG_CHOSEN = "Организация: <b>{name}</b>."
ORG_CURRENT = "Вы действуете за организацию <b>{name}</b>. Сменить:"
ORG_CURRENT_ONLY = "Вы администрируете организацию <b>{name}</b>."
ORG_PICK_STALE = "Команда устарела — отправьте её ещё раз."
ORG_ADMIN_INVITE_CREATED = ("Ссылка-приглашение для администратора организации «{org}» (действует 24 часа, "
                            "один раз):\n{link}")
ORG_ADMIN_ACCEPTED = ("Приглашение принято. Теперь вы — <b>администратор организации</b>: подключите группы "
                      "отделов (/bind Название отдела в группе), чат главы (/bind_head), пригласите операторов "
                      "(/invite) и ответственных лиц (/invite_official).")
INVITE_ROLE_NAMES["org_admin"] = "администратор организации"
DEPLOYMENT_ONLY = ("Эта команда — для администраторов развёртывания (ADMIN_IDS): резервные копии, календарь и "
                   "чаты общие для всех организаций.")
BTN_ORG_ADMINS = "👤 Администраторы: {name}"
ORG_ADMINS_TITLE = "Администраторы организации «{name}»:"
ORG_ADMINS_EMPTY = "У организации «{name}» нет своих администраторов. Пригласить: /invite_org_admin."
ORG_ADMIN_REMOVED = "Администратор организации удалён: его команды больше не действуют."
ORG_ADMIN_GONE = "Этот человек уже не администратор организации."
