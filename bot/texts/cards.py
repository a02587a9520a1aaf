"""What people see where they work on a case: the card, its buttons, the prompts and the answers to their
actions, the history, errors. Words of the regulation are used exactly: Направить, Принять в работу,
Не наша компетенция, Ответ, Промежуточный ответ, Уточнение, На согласование, Согласовать, На доработку,
Скриншот, Срочно, Общественно значимое, 59-ФЗ.
"""

from __future__ import annotations

from .admin import ADMIN_ONLY
from .common import esc

# ---- buttons -------------------------------------------------------------------------------------
BTN_ROUTE = "Направить"
BTN_REGISTER_STRAY = "📝 Зарегистрировать"
BTN_URGENT = "Срочно"
BTN_SIGNIFICANT = "Общественно значимое"
BTN_59FZ = "59-ФЗ"
BTN_DISMISS = "Не требует реакции"
BTN_ACCEPT = "Принять в работу"
BTN_DECLINE = "Не наша компетенция"
BTN_PREPARE = "Подготовить ответ"
BTN_SEND_FOR_APPROVAL = "На согласование"
BTN_APPROVE = "Согласовать"
BTN_RETURN = "На доработку"
BTN_CANCEL = "Отмена"
BTN_FULL_TEXT = "Полный текст"
BTN_HISTORY = "История"
BTN_REOPEN = "Открыть снова"
BTN_INFO = "Отправить информацию"
BTN_COMPOSE = "Составить ответ"
BTN_AUTHOR_REPLY = "Ответ автора"
BTN_DETECTED = "Время обнаружения"
BTN_REMOVE = "Удалить"
BTN_RENAME = "Переименовать"
BTN_ARCHIVE = "В архив"
BTN_RESTORE = "Вернуть из архива"
BTN_KEYWORDS = "Ключевые слова"
CHECK = "✅ "


# ---- intake and cards ----------------------------------------------------------------------------
CARD = (
    "<b>Сообщение {number}</b> · {platform}{flags}\n"
    "{link}{author}"
    "Обнаружено: {detected}\n"
    "<blockquote>{excerpt}</blockquote>\n"
    "Статус: <b>{status}</b>\n"
    "{incident}{departments}{deadlines}"
)
CARD_LINK = "Ссылка: {link}\n"
CARD_AUTHOR = "Автор: {author}\n"
CARD_FLAG_URGENT = " · 🔥 Срочно"
CARD_FLAG_SIGNIFICANT = " · ❗ Общественно значимое"
CARD_DEPARTMENTS = "Отделы: {items}\n"
STATUS_IN_INCIDENT = "В инциденте — ответ по сообщению {lead}"
CARD_INCIDENT_MEMBER = "🔗 В инциденте: ответ готовится по сообщению {lead} и публикуется под каждым сообщением\n"
CARD_INCIDENT_LEAD = "🔗 Ведущее сообщение инцидента: согласованный ответ публикуется под каждым его сообщением\n"
CARD_DEADLINE = "{marker} {rule} до {due} — {owner}\n"
CARD_OVERDUE = "⏰"
CARD_PENDING = "⏳"
CARD_OWNER_OPERATOR = "оператор"
CARD_OWNER_NOBODY = "ждёт автора"
PARTY_OPERATOR_NAMED = "оператор {name}"
CARD_NO_TEXT = "(без текста)"
CARD_MEDIA = "Вложения: {count}\n"
DUPLICATE = "Эта публикация уже есть в открытом сообщении <b>{number}</b> — повтор добавлен в его историю."
ALBUM_PART_ADDED = "Вложение добавлено к сообщению {number}."
CHOOSE_DEPARTMENTS = "Отметьте отделы и нажмите «Направить»."
NO_DEPARTMENTS_BOUND = "Нет подключённых отделов: администратор подключает их командой /bind в группе отдела."
ROUTED = "Направлено: {departments}."
SELECT_DEPARTMENT_FIRST = "Сначала отметьте хотя бы один отдел."
URGENT_ON = "Отмечено как срочное: срок ответа сокращён."
URGENT_OFF = "Отметка «Срочно» снята."
SIGNIFICANT_SENT = "Отмечено как общественно значимое: глава администрации уведомлён."
EXCLUDED = "Исключено из работы как обращение по 59-ФЗ."
DISMISSED = "Закрыто: не требует реакции."
REOPENED = "Сообщение открыто снова."
UNSUPPORTED_MESSAGE = (
    "Такой тип сообщения я не обрабатываю. Пришлите публикацию пересылкой, или ссылку и текст, "
    "можно со скриншотами."
)
STRAY_ASK = (
    "Зарегистрировать как сообщение?\n<blockquote>{excerpt}</blockquote>\n"
    "Здесь нет ссылки, пересылки или вложения и всего несколько слов — похоже, это не публикация. "
    "Если это она, нажмите кнопку; иначе ничего делать не нужно."
)
STRAY_REGISTERED = "Зарегистрировано как сообщение <b>{number}</b>."
STRAY_ALREADY = "Уже зарегистрировано: сообщение {number}."
NOT_A_POST = (
    "В этом сообщении нет текста — сообщение не заведено. Пришлите публикацию пересылкой, или ссылку и "
    "текст, можно со скриншотами."
)
UNKNOWN_COMMAND = "Неизвестная команда {command}, список команд — /help."
COMMAND_NOT_HERE = "Команда {command} здесь недоступна, список команд — /help."
ASK_DETECTED = "Когда обнаружена публикация? Пришлите время ЧЧ:ММ (сегодня) или ДД.ММ.ГГГГ ЧЧ:ММ."
BAD_DETECTED = "Не понял время. Пример: 09:40 или 27.11.2026 16:05."
DETECTED_SAVED = "Время обнаружения исправлено, сроки пересчитаны."
FULL_TEXT_TITLE = "Полный текст сообщения {number}:"


# ---- the department's prompts --------------------------------------------------------------------
DEPT_CARD_HEADER = "Вам направлено сообщение. Срок принять или отказаться: {due}."
ACCEPTED = "Принято в работу: {name}."
ASK_DECLINE_REASON = "Почему это не компетенция отдела? Напишите причину одним сообщением (сообщение {number})."
DECLINED_DONE = "Отказ отправлен оператору."
CHOOSE_KIND = "Что готовите по сообщению {number}?"
ASK_DRAFT = (
    "{kind} по сообщению {number}. Пришлите текст одним сообщением; фото и видео можно приложить "
    "(с подписью-текстом или отдельными сообщениями до текста). Срок: {due}."
)
DRAFT_MEDIA_ADDED = "Вложение принято ({count}). Пришлите текст ответа."
DRAFT_PREVIEW = "<b>Предпросмотр: {kind}</b> по сообщению {number}\n\n{text}\n\n{media}{warning}Отправить на согласование?"
DRAFT_PREVIEW_MEDIA = "Вложений: {count}\n"
LENGTH_WARNING = "⚠️ Текст длиннее, чем принимает {platform}: {length} из {limit} знаков.\n"
PROFANITY = (
    "Проект не принят: в нём недопустимые выражения (п. 19 Положения): {words}. "
    "Исправьте текст и пришлите снова."
)
DRAFT_SENT = "Проект отправлен на согласование оператору."
DRAFT_CANCELLED = "Подготовка ответа отменена."
PUBLISH_HINT = "Пришлите скриншот опубликованного ответа фотографией в ответ на сообщение бота."
PUBLISHED_DONE = "Скриншот принят, шаг закрыт."
ASK_INFO = "Пришлите информацию отдела по сообщению {number} одним сообщением (можно с фото). Срок: {due}."
INFO_SENT = "Информация отправлена оператору."
MY_EMPTY = "У отдела нет открытых сообщений."
MY_TITLE = "Открытые сообщения отдела:"
OPEN_EMPTY = "Открытых сообщений нет."
OPEN_TITLE = "Открытые сообщения (сначала просроченные):"
OPEN_LINE = "{marker} <b>{number}</b> · {status} · {owner} · {rule} до {due}"
OPEN_LINE_NO_DEADLINE = "• <b>{number}</b> · {status}"


# ---- the operator's prompts ----------------------------------------------------------------------
APPROVED_DONE = "Согласовано. Отдел опубликует ответ и пришлёт скриншот."
ASK_RETURN_COMMENT = "Что доработать? Напишите комментарий для отдела (сообщение {number})."
RETURNED_DONE = "Возвращено на доработку."
ASK_COMPOSE_KIND = "Какой текст вы составляете по сообщению {number}?"
ASK_COMPOSE_TEXT = "{kind} по сообщению {number}: пришлите текст одним сообщением."
COMPOSED_DONE = (
    "Текст сохранён. Опубликуйте его и пришлите скриншот ответом на карточку сообщения {number} "
    "в течение 10 минут."
)
ASK_AUTHOR_REPLY = "Пришлите ответ автора на уточнение (текст) по сообщению {number}."
AUTHOR_REPLY_SAVED = "Ответ автора передан отделам, срок ответа начался заново."


# ---- history -------------------------------------------------------------------------------------
HISTORY_TITLE = "\n<b>История:</b>"
HISTORY_LINE = "{at} · {who}: {what}"
EVENT = {
    "registered": "заведено",
    "duplicate_reported": "повторная публикация",
    "media_added": "добавлено вложение",
    "routed": "направлено",
    "accepted": "принято в работу",
    "declined": "не наша компетенция",
    "draft_submitted": "проект на согласование",
    "approved": "согласовано",
    "returned": "на доработку",
    "published": "опубликовано (скриншот)",
    "info_submitted": "информация отдела",
    "composed": "ответ составлен оператором",
    "author_replied": "ответ автора на уточнение",
    "excluded": "59-ФЗ",
    "dismissed": "не требует реакции",
    "reopened": "открыто снова",
    "urgent_set": "срочно",
    "urgent_unset": "снята отметка «срочно»",
    "marked_significant": "общественно значимое",
    "detection_corrected": "исправлено время обнаружения",
    "deadline_missed": "срок истёк",
    "workday_declared": "дата объявлена рабочей",
    "workday_undeclared": "отменена рабочая дата",
    "calendar_changed": "изменён календарь",
    "surge_detected": "повышенная активность: сообщено главе",
    "incident_merged": "объединено в инцидент",
    "incident_answer": "согласован ответ инцидента",
    "department_added": "добавлен отдел",
    "department_withdrawn": "отдел убран из сообщения",
    "closed_no_reply": "закрыто: автор не ответил на уточнение",
    "answer_anyway": "ответ без уточнения",
    "clarification_overdue": "автор долго не отвечает на уточнение",
    "off_hours_ended": "возвращено рабочее время (п. 8)",
}
EVENT_REFUSED = "отказано: {what}"


# ---- errors and answers to buttons ---------------------------------------------------------------
ERRORS = {
    "access_denied": "Нет доступа.",
    "not_your_department": "Нет доступа: сообщение направлено другому отделу.",
    "admin_only": ADMIN_ONLY,
    "operator_publishes": "Этот ответ публикует оператор.",
    "invalid_transition": "Это действие уже недоступно: сообщение в другом статусе.",
    "already_accepted": "Сообщение уже принято в работу.",
    "draft_already_sent": "Проект уже отправлен — отказаться теперь нельзя.",
    "accept_first": "Сначала нажмите «Принять в работу».",
    "no_draft": "Нет проекта на согласовании.",
    "multi_use_info": "Сообщение направлено нескольким отделам: отправьте информацию, ответ составит оператор.",
    "single_use_draft": "Сообщение у одного отдела: подготовьте ответ.",
    "single_department": "Ответ составляет оператор только когда отделов несколько.",
    "not_found": "Не нашёл такое сообщение.",
    "case_not_found": "Не нашёл такое сообщение.",
    "stale": "Сообщение только что изменили — повторите действие.",
    "validation": "Проверьте введённые данные.",
    "no_departments": SELECT_DEPARTMENT_FIRST,
    "unknown_department": "Отдел не найден или не подключён.",
    "reason_required": "Напишите причину.",
    "comment_required": "Напишите комментарий.",
    "empty_text": "Текст пустой — пришлите текст.",
    "bad_kind": "Неверный вид текста.",
    "final_must_be_answer": "После промежуточного ответа нужен окончательный «Ответ».",
    "screenshot_required": "Нужен скриншот — пришлите фотографию.",
    "already_significant": "Уже отмечено как общественно значимое.",
    "detection_only_new": "Время обнаружения можно исправить только до направления.",
    "detection_in_future": "Время обнаружения не может быть в будущем.",
    "department_name_required": "Укажите название отдела (до 64 знаков).",
    "department_name_too_long": "Название отдела длиннее 64 знаков.",
    "department_name_taken": "Отдел с таким названием уже есть.",
    "chat_is_head": "Эта группа — чат главы; для отдела нужна другая группа.",
    "chat_is_department": "Эта группа — чат отдела; для главы нужна другая группа.",
    "incident_needs_two": "Для инцидента нужно не меньше двух сообщений.",
    "incident_case_closed": "Сообщение уже закрыто — его нельзя объединить.",
    "incident_exists": "Сообщение уже входит в инцидент.",
    "incident_not_found": "Инцидент не найден.",
    "surge_not_found": "Всплеск активности не найден — кнопка устарела.",
    "surge_merged": "Эти сообщения уже объединены в инцидент.",
    "already_assigned": "Этот отдел уже работает с сообщением.",
    "not_declined": "Убрать можно только отдел, который отказался («Не наша компетенция»).",
    "bad_answer_term": "Срок ответа должен быть больше нуля и короче обычного (п. 9).",
    "until_in_past": "Этот момент уже прошёл — выберите другой.",
    "already_off_hours": "По этому сообщению уже решено работать в нерабочее время.",
    "not_off_hours": "По этому сообщению сейчас не работают в нерабочее время.",
}
BUTTON_STALE = "Кнопка устарела."
NO_ACCESS = "Нет доступа."
SORRY = "Извините, что-то пошло не так. Попробуйте ещё раз; если повторится — сообщите администратору."
CANCELLED = "Отменено."
NOTHING_TO_CANCEL = "Нечего отменять."
CASE_USAGE = "Укажите номер: /case 2026-0042 или /case 42"
PROMPT_EXPECTS_TEXT = "Жду текст. Чтобы отменить, отправьте /cancel."


def error_text(code: str, **details: object) -> str:
    if code == "profanity":
        words = details.get("words")
        listed = [str(w) for w in words] if isinstance(words, list | tuple) else []
        return PROFANITY.format(words=", ".join(f"«{esc(w)}»" for w in listed))
    return ERRORS.get(code, ERRORS["invalid_transition"])


# ---- incidents and clarifications ----------------------------------------------------------------
BTN_MERGE_INCIDENT = "🔗 Объединить в инцидент"
INCIDENT_MERGED = "Объединено в инцидент: {numbers}. Ответ готовится по сообщению {lead}."
APPROVE_BY = "⚠️ Согласуйте до {at}, чтобы ответ вышел в срок (п. 6)."
CARD_WAITS_AUTHOR = "\n⏳ Ждёт ответа автора с {since}"
BTN_CLOSE_NO_REPLY = "Закрыть: автор не ответил"
BTN_ANSWER_ANYWAY = "Ответить без уточнения"
CLOSED_NO_REPLY_DONE = "Сообщение закрыто: автор не ответил на уточнение."
ANSWER_ANYWAY_DONE = "Сообщение возвращено в работу: отдел готовит ответ без уточнения."


# ---- re-routing and several departments (cl. 12, 17) ---------------------------------------------
BTN_ADD_DEPARTMENT = "➕ Добавить отдел"
BTN_WITHDRAW = "➖ Убрать «{name}» (отказался)"
ASK_ADD_DEPARTMENT = (
    "Какой отдел добавить к сообщению <b>{number}</b>?\n"
    "Сообщение станет общим для нескольких отделов (п. 17): каждый отдел пришлёт информацию, "
    "ответ составит оператор."
)
NO_DEPARTMENTS_TO_ADD = "Все подключённые отделы уже работают с этим сообщением."
DEPARTMENT_ADDED = "Отдел «{name}» добавлен к сообщению."
DEPARTMENT_WITHDRAWN = "Отдел «{name}» убран из сообщения."
DEPT_CARD_INHERITED_PASSED = (
    "⚠️ Срок проекта ответа (п. 13) уже прошёл ({due}): время израсходовано до вас — "
    "просрочка не будет засчитана вашему отделу."
)
DEPT_CARD_INHERITED_SOON = (
    "⚠️ Срок проекта ответа (п. 13) истекает через {minutes} мин ({due}): время израсходовано до вас — "
    "просрочка не будет засчитана вашему отделу."
)


# ---- terms of one case (cl. 8 per case, cl. 9 answer term) ---------------------------------------
BTN_ANSWER_TERM = "⏱ Срок ответа…"
BTN_TERM_1H = "1 час"
BTN_TERM_2H = "2 часа"
BTN_TERM_MINUTES = "Другой срок (в минутах)…"
ASK_ANSWER_TERM = ("Срок ответа по сообщению <b>{number}</b> (п. 9): сейчас {current} рабочих минут. "
                   "Выберите более короткий срок:")
ASK_TERM_MINUTES = ("Напишите срок ответа по сообщению <b>{number}</b> в минутах рабочего времени — "
                    "целое число от 1 до {limit}.")
BAD_TERM_MINUTES = "Нужно целое число минут от 1 до {limit}, например 45. Или /cancel."
TERM_SET = "Срок ответа сокращён: ответ — до {due}."
CARD_FLAG_OFF_HOURS = "🌙 "
CARD_OFF_HOURS = "🌙 Работа в нерабочее время (п. 8): {until}."
CARD_OFF_HOURS_UNTIL = "до {until}"
CARD_OFF_HOURS_CLOSED = "до закрытия"
BTN_OFF_HOURS = "🌙 Работать в нерабочее время"
BTN_OFF_HOURS_CLOSED = "🌙 До закрытия сообщения"
BTN_OFF_HOURS_OPENING = "🌙 До начала рабочего дня"
ASK_OFF_HOURS = ("Работать по сообщению <b>{number}</b> в нерабочее время (п. 8)? Сроки пойдут по "
                 "календарному времени, напоминания — и ночью. До какого момента?")
OFF_HOURS_SET = "Решение принято: сроки по сообщению {number} идут по календарному времени {until}."


# ---- cl. 8 per case ends early, commands inside prompts ------------------------------------------
BTN_END_OFF_HOURS = "☀️ Вернуть рабочее время"
OFF_HOURS_ENDED = ("Работа в нерабочее время по сообщению {number} завершена: сроки снова идут по рабочему "
                   "времени, ответ — до {due}.")
PROMPT_CANCELLED_BY_COMMAND = "Ввод отменён: вы отправили команду {command}."

# ---- retention of personal data (docs/security.md) -----------------------------------------------
#: What a citizen's text, a draft, a comment or a reason becomes when the case is anonymised after
#: RETENTION_MONTHS.
ANONYMISED = "[обезличено: истёк срок хранения]"


# ---- members of bound groups, floods (issue 13 §2) -----------------------------------------------
MEMBER_REFUSED = {
    "gone": "Вы вышли из этой группы (или вас исключили): действовать от её имени нельзя.",
    "unconfirmed": "Вы новый участник группы отдела: действовать сможете, когда администратор вас допустит.",
    "unknown": "Не удалось проверить у Telegram, что вы участник этой группы. Повторите чуть позже.",
}
FLOOD = "Слишком много запросов. Подождите минуту, остальные запросы этой минуты бот не обработает."



# ---- places: a new post about an address with an open case (issue 16) ----------------------------
SAME_ADDRESS_OPEN = "📍 По этому адресу ({address}) уже открыто сообщение {number}"
BTN_JOIN_ADDRESS = "🔗 Присоединить к {number}"
JOINED_ADDRESS = "Сообщение {number} присоединено к инциденту: {numbers}. Ответ готовится по сообщению {lead}."
INCIDENT_ADDRESS_TITLE = "один адрес"
ERRORS["join_not_same_address"] = "Сообщения больше не об одном адресе — кнопка устарела."


# ---- the command menus Telegram shows beside the input field (bot/app/container.py set_commands) ----------
MENU_PRIVATE = [("start", "что умеет бот"), ("open", "открытые сообщения"), ("case", "карточка сообщения"),
                ("cancel", "отменить ввод")]
MENU_GROUP = [("my", "открытые сообщения отдела"), ("cancel", "отменить ввод")]


# ---- the coordinator's read-only views (issue 14 §3) -------------------------------------------------------
MENU_COORDINATOR = [("open", "открытые сообщения всех организаций"), ("case", "карточка сообщения"),
                    ("rating", "рейтинг организаций"), ("help", "что умеет бот")]
COORD_OPEN_TITLE = "Открытые сообщения всех организаций (по организациям, сначала просроченные):"
COORD_OPEN_ORG = "\n🏛 <b>{org}</b> — открыто {count}, просрочено {overdue}"
COORD_OPEN_LINE = "{marker} <b>{number}</b> · {org} · {status} · {rule} до {due}"
COORD_OPEN_LINE_NO_DEADLINE = "• <b>{number}</b> · {org} · {status}"
COORD_OPEN_MORE = "… и ещё {more} — откройте /case по номеру."
COORD_CASE_USAGE = "Укажите номер: /case ZEL-2026-0042, /case 2026-0042 или /case 42"
COORD_CASE_HEADER = "🏛 <b>{org}</b> · только просмотр"
COORD_CASE_WHICH = "Номер {number} есть в нескольких организациях. Чьё сообщение показать?"
COORD_CASE_GONE = "Этого сообщения больше нет — откройте /case по номеру."
COORD_ONLY = "Это доступно только координатору."
ERRORS["chat_is_coordinator"] = "Эта группа — чат координатора (Дирекции); для отдела или главы нужна другая группа."

# ---- transfers between organisations (issue 14 §5) ----------------------------------------------------
BTN_TRANSFER = "Передать в другую организацию"
BTN_REFUSE_TRANSFER = "Вернуть (не наша компетенция)"
ASK_TRANSFER_ORG = "В какую организацию передать сообщение {number}?"
NO_TRANSFER_ORGS = "Других действующих организаций нет — передать некуда."
ASK_TRANSFER_REASON = ("Сообщение {number} → «{org}». Напишите причину передачи одним сообщением (до {limit} "
                       "знаков), /cancel — отменить.")
ASK_REFUSE_TRANSFER = ("Почему сообщение {number} не ваша компетенция? Напишите причину одним сообщением "
                       "(до {limit} знаков), /cancel — отменить. Сообщение вернётся в «{org}».")
TRANSFER_DONE = "Сообщение {number} передано в «{org}»: там это {to_number}. У вас оно закрыто как переданное."
TRANSFER_JOINED_DONE = ("Сообщение {number} передано в «{org}»: у неё уже есть эта публикация ({to_number}), "
                        "присоединено к нему. У вас оно закрыто как переданное.")
TRANSFER_REFUSE_DONE = "Сообщение {number} возвращено в «{org}» (там это {from_number})."
TRANSFER_EXPECTS_TEXT = "Нужна причина текстом — напишите её одним сообщением или отправьте /cancel."
CARD_TRANSFERRED_TO = "\n📤 Передано в «{org}»"
HISTORY_IN_ORG = "\n<b>В организации «{org}» (сообщение {number}):</b>"
ERRORS["transfer_org_not_found"] = "Не нашёл такую организацию."
ERRORS["transfer_reason_too_long"] = "Причина слишком длинная — сократите её."
ERRORS["transfer_incident"] = "Сообщение входит в инцидент (п. 21): его ответ общий — передать отдельно нельзя."
ERRORS["not_received_by_transfer"] = "Вернуть можно только сообщение, полученное передачей из другой организации."
EVENT.update({"transferred_out": "передано в другую организацию", "transferred_in": "получено из другой организации",
              "transfer_joined": "присоединена передача из другой организации",
              "transfer_refused": "возвращено в передавшую организацию",
              "transfer_returned": "возвращено из другой организации"})
