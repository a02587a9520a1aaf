"""Every user-facing text, in Russian, in one place. Messages are HTML: citizen text goes through `esc`.

Words of the regulation are used exactly: Направить, Принять в работу, Не наша компетенция, Ответ,
Промежуточный ответ, Уточнение, На согласование, Согласовать, На доработку, Скриншот, Срочно,
Общественно значимое, 59-ФЗ.
"""

from __future__ import annotations

import html
from datetime import datetime

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def excerpt(text: str, limit: int) -> str:
    """Cut citizen text to `limit` characters (before escaping) on a word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def when(dt: datetime | None) -> str:
    return dt.strftime("%d.%m %H:%M") if dt else "—"


# ---- buttons -----------------------------------------------------------------------------------
BTN_ROUTE = "Направить"
BTN_REGISTER_STRAY = "📝 Зарегистрировать"
BTN_URGENT = "Срочно"
BTN_SIGNIFICANT = "Общественно значимое"
BTN_59FZ = "59-ФЗ"
BTN_DISMISS = "Не требует реакции"
BTN_ACCEPT = "Принять в работу"
BTN_DECLINE = "Не наша компетенция"
BTN_PREPARE = "Подготовить ответ"
BTN_KIND = {"answer": "Ответ", "intermediate": "Промежуточный ответ", "clarification": "Уточнение"}
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

# ---- names -------------------------------------------------------------------------------------
STATUS = {
    "new": "Новое — ждёт направления",
    "routed": "Направлено в отдел — ждёт принятия",
    "in_work": "В работе у отдела",
    "on_approval": "Проект ответа на согласовании",
    "rework": "Возвращено на доработку",
    "approved": "Согласовано — ждёт публикации и скриншота",
    "awaiting_final": "Опубликован промежуточный ответ — ждёт окончательного",
    "awaiting_author": "Опубликовано уточнение — ждёт ответа автора",
    "collecting": "Несколько отделов — сбор информации",
    "closed": "Закрыто: ответ опубликован",
    "excluded": "Исключено: обращение по 59-ФЗ",
    "dismissed": "Закрыто: не требует реакции",
}
RULE = {
    "route": "направить",
    "decline": "сообщить о неподведомственности",
    "answer": "ответ",
    "draft": "проект ответа",
    "approval": "согласовать",
    "rework": "доработать",
    "publish": "опубликовать",
    "info": "информация",
    "final": "окончательный ответ",
}
KIND = {"answer": "Ответ", "intermediate": "Промежуточный ответ", "clarification": "Уточнение",
        "info": "Информация отдела"}
DEPT_STATE = {"routed": "ждёт принятия", "accepted": "в работе", "declined": "не наша компетенция",
              "info_sent": "информация отправлена"}
ROLE = {"operator": "оператор", "executor": "исполнитель", "head": "глава", "admin": "администратор",
        "system": "бот", "stranger": "посторонний"}

# ---- onboarding --------------------------------------------------------------------------------
START_ADMIN = (
    "Здравствуйте, {name}! Вы — <b>администратор</b>.\n\n"
    "• /invite — пригласить оператора (ссылка на 24 часа)\n"
    "• /invite_official — пригласить ответственное лицо (п. 5); /officials — ответственные лица\n"
    "• /operators — операторы\n"
    "• /departments — отделы\n"
    "• /backup — резервная копия базы данных (пришлю файлом)\n"
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

# ---- operators and departments -----------------------------------------------------------------
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

# ---- intake and cards --------------------------------------------------------------------------
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

# ---- department --------------------------------------------------------------------------------
DEPT_CARD_HEADER = "Вам направлено сообщение. Срок принять или отказаться: {due}."
ACCEPTED = "Принято в работу: {name}."
ASK_DECLINE_REASON = "Почему это не компетенция отдела? Напишите причину одним сообщением (сообщение {number})."
DECLINED_DONE = "Отказ отправлен оператору."
DECLINED_TO_OPERATOR = (
    "Отдел «{department}» сообщил, что сообщение <b>{number}</b> не в его компетенции.\n"
    "Причина: {reason}"
)
DECLINED_BACK = "\nСообщение вернулось к вам: направьте его в другой отдел."
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
RETURNED_TO_DEPT = (
    "Проект по сообщению <b>{number}</b> возвращён на доработку.\n"
    "Комментарий оператора: {comment}\nДоработайте и отправьте снова до {due}."
)
APPROVED_TO_DEPT = (
    "Проект по сообщению <b>{number}</b> согласован. Опубликуйте ответ в течение 10 минут и пришлите "
    "скриншот ответом на это сообщение (можно добавить ссылку в подписи). Срок: {due}.\n\n{text}"
)
PUBLISH_HINT = "Пришлите скриншот опубликованного ответа фотографией в ответ на сообщение бота."
PUBLISHED_DONE = "Скриншот принят, шаг закрыт."
ASK_INFO = "Пришлите информацию отдела по сообщению {number} одним сообщением (можно с фото). Срок: {due}."
INFO_SENT = "Информация отправлена оператору."
AUTHOR_REPLIED_TO_DEPT = (
    "Автор ответил на уточнение по сообщению <b>{number}</b>:\n<blockquote>{text}</blockquote>\n"
    "Срок ответа начался заново."
)
MY_EMPTY = "У отдела нет открытых сообщений."
MY_TITLE = "Открытые сообщения отдела:"
OPEN_EMPTY = "Открытых сообщений нет."
OPEN_TITLE = "Открытые сообщения (сначала просроченные):"
OPEN_LINE = "{marker} <b>{number}</b> · {status} · {owner} · {rule} до {due}"
OPEN_LINE_NO_DEADLINE = "• <b>{number}</b> · {status}"

# ---- operator decisions ------------------------------------------------------------------------
DRAFT_TO_OPERATOR = (
    "<b>{kind}</b> по сообщению <b>{number}</b> от отдела «{department}» (автор: {author}, версия {version}).\n"
    "Согласуйте или верните на доработку до {due}.\n\n{text}{media}{warning}"
)
DRAFT_TO_OPERATOR_MEDIA = "\n\nВложений: {count}"
APPROVED_DONE = "Согласовано. Отдел опубликует ответ и пришлёт скриншот."
ASK_RETURN_COMMENT = "Что доработать? Напишите комментарий для отдела (сообщение {number})."
RETURNED_DONE = "Возвращено на доработку."
PUBLISHED_TO_OPERATOR = "Скриншот публикации по сообщению <b>{number}</b> ({kind}).{link}"
PUBLISHED_LINK = "\nСсылка: {link}"
INFO_TO_OPERATOR = "Информация от отдела «{department}» по сообщению <b>{number}</b>:\n\n{text}{pending}"
INFO_PENDING = "\n\nЕщё ждём: {departments}."
INFO_ALL_IN = "\n\nИнформация получена от всех отделов — составьте ответ кнопкой «Составить ответ»."
ASK_COMPOSE_KIND = "Какой текст вы составляете по сообщению {number}?"
ASK_COMPOSE_TEXT = "{kind} по сообщению {number}: пришлите текст одним сообщением."
COMPOSED_DONE = (
    "Текст сохранён. Опубликуйте его и пришлите скриншот ответом на карточку сообщения {number} "
    "в течение 10 минут."
)
ASK_AUTHOR_REPLY = "Пришлите ответ автора на уточнение (текст) по сообщению {number}."
AUTHOR_REPLY_SAVED = "Ответ автора передан отделам, срок ответа начался заново."

# ---- head --------------------------------------------------------------------------------------
SIGNIFICANT_TO_HEAD = "❗ <b>Общественно значимое сообщение {number}</b> · {platform}\n{link}<blockquote>{excerpt}</blockquote>"

# ---- history -----------------------------------------------------------------------------------
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
}
EVENT_REFUSED = "отказано: {what}"

# ---- errors ------------------------------------------------------------------------------------
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

CHAT_UNREACHABLE = "⚠️ Не удаётся доставить сообщение ({target}): {error}. Проверьте, что бот есть в чате и не заблокирован."


# ==== reminders, escalations, declared working days (bot/jobs/reminders.py, handlers/workday.py) ======
REMINDER_TO_OWNER = (
    "⏳ <b>Напоминание</b> по сообщению <b>{number}</b>: срок «{rule}» истекает {due}.{late}"
)
REMINDER_LATE = "\n⚠️ Напоминание запоздало: бот был недоступен, когда подошло его время."
EXPIRED_TO_OWNER = (
    "⏰ <b>Срок истёк</b> по сообщению <b>{number}</b>: «{rule}» — до {due}. Сделайте это как можно скорее."
)
ESCALATION_TO_HEAD = (
    "⏰ <b>Просрочка по сообщению {number}</b> · {platform}\n"
    "Срок «{rule}» истёк {due}.\n"
    "Отдел: {department}\n"
    "Отвечает: {owner}{inherited}\n"
    "{chain}"
    "{link}<blockquote>{excerpt}</blockquote>"
)
ESCALATION_NO_DEPARTMENT = "не назначен"
ESCALATION_INHERITED = "\n↪️ Время израсходовано до того, как сообщение получил нынешний исполнитель."
ESCALATION_CHAIN = "\nХод работы:\n{chain}\n"

# ---- the chain of steps in an escalation (п. 9–17) ----------------------------------------------
CLAUSE = {"route": "9", "decline": "12", "answer": "6", "draft": "13", "approval": "14", "rework": "15",
          "publish": "16", "info": "17", "final": "7"}
STEP_BULLET = "• {line}"
STEP_ON_TIME = "в срок"
STEP_LATE = "с опозданием"
STEP_TERM_PASSED = "срок п. {clause} истёк {due}"
STEP_TERM_UNTIL = "срок п. {clause} — до {due}"
STEP_DONE = {
    "route": "направлено оператором {at} ({met}, п. {clause})",
    "decline": "{who}: ответ о компетенции {at} ({met}, п. {clause})",
    "decline:accepted": "{who} принял в работу {at} ({met}, п. {clause})",
    "decline:declined": "{who}: «не наша компетенция» {at} ({met}, п. {clause})",
    "draft": "{who}: проект сдан {at} ({met}, п. {clause})",
    "approval": "решение оператора по проекту {at} ({met}, п. {clause})",
    "approval:approved": "проект согласован оператором {at} ({met}, п. {clause})",
    "approval:returned": "проект возвращён оператором на доработку {at} ({met}, п. {clause})",
    "rework": "{who}: доработанный проект сдан {at} ({met}, п. {clause})",
    "publish": "ответ опубликован ({who}) {at} ({met}, п. {clause})",
    "info": "{who}: информация получена {at} ({met}, п. {clause})",
}
STEP_WAITING = {
    "route": "ждёт направления в отдел: {who}, с {since} ({term})",
    "decline": "{who}: ждёт принятия с {since} ({term})",
    "draft": "{who}: готовит проект с {since} ({term})",
    "approval": "ждёт согласования: {who}, с {since} ({term})",
    "rework": "{who}: дорабатывает проект с {since} ({term})",
    "publish": "ждёт публикации: {who}, с {since} ({term})",
    "info": "{who}: готовит информацию с {since} ({term})",
}
UNREACHABLE_TARGET = {"operator": "оператор", "department": "отдел", "head": "глава", "admins": "администраторы",
                      "chat": "чат", "case": "карточки сообщения", "owner": "ответственный"}

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
EVENT.update({
    "deadline_missed": "срок истёк",
    "workday_declared": "дата объявлена рабочей",
    "workday_undeclared": "отменена рабочая дата",
    "calendar_changed": "изменён календарь",
})


# ==== reports, KPIs, digests, surges and incidents (bot/services/reports.py, surges.py, handlers/reports.py) ====
PLATFORM_NAME = {"vk": "ВКонтакте", "ok": "Одноклассники", "telegram": "Telegram", "instagram": "Instagram",
                 "facebook": "Facebook", "youtube": "YouTube", "dzen": "Дзен", "rutube": "Rutube",
                 "max": "MAX", "whatsapp": "WhatsApp", "twitter": "X (Twitter)", "forum": "Форум",
                 "blog": "Блог", "reviews": "Сайт отзывов", "other": "Другое"}
NO_DEPARTMENT = "Не направлено"
REPORT_USAGE = (
    "Не понял период «{value}». Примеры: /report today · /report week · /report month · "
    "/report 2026-11 · /report 01.11.2026-15.11.2026"
)
REPORT_PREPARING = "Готовлю отчёт за {period}…"
REPORT_SUMMARY = (
    "📊 <b>Отчёт за {period}</b>\n"
    "Поступило: <b>{received}</b> (из них 59-ФЗ и не требующих реакции: {out_of_scope})\n"
    "Отвечено: <b>{answered}</b>, в срок: <b>{on_time}</b>\n"
    "Просрочено: <b>{overdue}</b> (закрыто с опозданием: {closed_late}, открыто с истёкшим сроком: "
    "{open_overdue})\n"
    "Доля в срок: <b>{share}</b>\n"
    "Время ответа (рабочее): среднее {mean}, медиана {median}\n"
    "С промежуточным ответом: {intermediate}\n"
    "Возвратов на доработку на проект: {returns}\n"
    "«Не наша компетенция»: {declines}"
)
REPORT_DEPARTMENTS_TITLE = "\n\n<b>По отделам</b> (поступило · в срок · просрочено · доля в срок):"
REPORT_LINE = "\n• {name}: {received} · {on_time} · {overdue} · {share}"
REPORT_XLSX_CAPTION = "Отчёт за {period}: сообщения со всеми сроками, отделы, площадки."
REPORT_PNG_CAPTION = "Сообщения по дням и доля ответов в срок по отделам за {period}."
REPORT_FAILED = "Не удалось подготовить отчёт. Попробуйте позже или выберите период короче."
REPORT_NOT_ALLOWED = "Отчёты доступны операторам, администраторам и в чате главы."
NO_VALUE = "—"
MINUTES_SHORT = "{h} ч {m:02d} мин"
MINUTES_ONLY = "{m} мин"
PERIOD_DAY = "{day}"
PERIOD_RANGE = "{start} — {end}"

XLSX_SHEET_SUMMARY = "Итоги"
XLSX_SHEET_CASES = "Сообщения"
XLSX_SHEET_DEADLINES = "Сроки"
XLSX_SHEET_DEPARTMENTS = "Отделы"
XLSX_SHEET_PLATFORMS = "Площадки"
XLSX_KPI_HEADERS = ("Поступило", "Вне процесса (59-ФЗ, без реакции)", "Отвечено", "Отвечено в срок",
                    "Закрыто с опозданием", "Открыто с истёкшим сроком", "Просрочено всего", "Доля в срок",
                    "Среднее время ответа, раб. мин", "Медиана времени ответа, раб. мин",
                    "Доля с промежуточным ответом", "Проектов", "Возвратов на доработку",
                    "Возвратов на проект", "«Не наша компетенция»", "Общественно значимых")
XLSX_DEPARTMENT = "Отдел"
XLSX_PLATFORM = "Площадка"
XLSX_TOTAL = "Всего"
XLSX_CASE_HEADERS = ("Номер", "Площадка", "Обнаружено", "Статус", "Отделы", "Срочно", "Общественно значимое",
                     "Закрыто", "Ответ в срок", "Ссылка", "Текст")
XLSX_DEADLINE_HEADERS = ("Номер", "Срок", "Отвечает", "Начало", "Срок до", "Выполнено", "Итог")
XLSX_OUTCOME = {"met": "в срок", "missed": "просрочено", "cancelled": "не потребовалось", None: "открыт",
                "overdue": "открыт, срок истёк"}
XLSX_OWNER_OPERATOR = "оператор"
XLSX_OWNER_HOLDER = "тот, за кем шаг"     # the answer / final clock before a miss names anybody
XLSX_YES = "да"
XLSX_NO = "нет"
XLSX_SUMMARY_PERIOD = "Период"
XLSX_SUMMARY_GENERATED = "Сформирован"
CHART_DAILY_TITLE = "Сообщения по дням"
CHART_DEPT_TITLE = "Доля ответов в срок по отделам, %"
CHART_ON_TIME = "в срок"
CHART_LATE = "с просрочкой"
CHART_OPEN = "в работе"
CHART_NO_DATA = "нет данных"

DIGEST_MORNING_TITLE = "☀️ <b>Сводка на утро</b> · {period}"
DIGEST_EVENING_TITLE = "🌆 <b>Сводка за день</b> · {period}"
DIGEST_OVERDUE_LINE = "\n• <b>{number}</b> · {platform} · «{rule}» до {due} — {owner}"
DIGEST_OVERDUE_MORE = "\n… и ещё {more}"
DIGEST_NO_OVERDUE = "\n\n✅ Просроченных сообщений нет."
DIGEST_SIGNIFICANT_TITLE = "\n\n❗ <b>Общественно значимые в работе</b> ({count}):"
DIGEST_SIGNIFICANT_LINE = "\n• <b>{number}</b> · {platform}: {excerpt}"

SURGE_ALERT = (
    "⚡ <b>Повышенная социальная активность</b> (п. 21)\n"
    "{count} {posts_word} за короткое время {reason}.\n{posts}\n"
    "Оператор может объединить их в один инцидент: один ответ, опубликованный под каждым сообщением."
)
def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian number agreement: 1 сообщение, 3 сообщения, 5 сообщений, 11 сообщений, 21 сообщение."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


POSTS_WORDS = ("сообщение", "сообщения", "сообщений")
SURGE_REASON = {"link": "об одной публикации: {topic}", "address": "об одном адресе: {topic}",
                "topic": "на одну тему ({department}): {topic}"}
SURGE_POST_LINE = "• <b>{number}</b> · {platform} · {at}: {excerpt}"
SURGE_MORE = "… и ещё {more}"
SURGE_TO_OPERATOR = "{alert}\n\nНажмите «Объединить в инцидент», чтобы готовить по ним один ответ."
BTN_MERGE_INCIDENT = "🔗 Объединить в инцидент"
INCIDENT_MERGED = "Объединено в инцидент: {numbers}. Ответ готовится по сообщению {lead}."
INCIDENT_ANSWER_READY = "Ответ по инциденту {lead} согласован: опубликуйте его под каждым сообщением: {numbers}."
ERRORS.update({
    "incident_needs_two": "Для инцидента нужно не меньше двух сообщений.",
    "incident_case_closed": "Сообщение уже закрыто — его нельзя объединить.",
    "incident_exists": "Сообщение уже входит в инцидент.",
    "incident_not_found": "Инцидент не найден.",
    "surge_not_found": "Всплеск активности не найден — кнопка устарела.",
    "surge_merged": "Эти сообщения уже объединены в инцидент.",
})
EVENT.update({
    "surge_detected": "повышенная активность: сообщено главе",
    "incident_merged": "объединено в инцидент",
    "incident_answer": "согласован ответ инцидента",
})


# ---- backups, restore and start-up checks (bot/services/backups.py, bot/restore.py, bot/app/startup.py)
BACKUP_CAPTION = (
    "💾 Резервная копия базы данных\n"
    "Сделана: {at}\n"
    "Размер: {size}\n"
    "Сообщений граждан в базе: {cases}\n"
    "Целостность проверена ✅\n"
    "Файл на сервере: {path}"
)
BACKUP_TOO_BIG = (
    "💾 Резервная копия сделана ({at}, сообщений: {cases}), но её размер {size} больше 50 МБ — "
    "Telegram не позволяет боту отправить такой файл.\n"
    "Копия лежит на сервере: <code>{path}</code>"
)
BACKUP_ERROR = "Не удалось сделать резервную копию: {error}\nПодробности — в журнале бота."
BACKUP_FAILED_ALERT = (
    "⚠️ <b>Резервная копия не сделана</b> (по расписанию на {at}).\n"
    "Ошибка: {error}\nПапка копий: {folder}\n"
    "Проверьте место на диске и права на папку; вручную копию можно сделать командой /backup."
)
BACKUP_PROBLEM = {
    "missing": "файл не найден",
    "not_sqlite": "это не база данных SQLite",
    "corrupt": "база данных повреждена ({detail})",
    "foreign": "это база SQLite, но не этого бота (нет: {detail})",
    "too_new": "копия сделана более новой версией бота (схема {detail}) — обновите бота",
    "in_use": "база {detail} открыта другим процессом — сначала остановите бота",
    "same_file": "копия и рабочая база — один и тот же файл ({detail})",
}


def backup_problem(code: str, detail: str = "") -> str:
    return BACKUP_PROBLEM.get(code, code).format(detail=detail)


RESTORE_REFUSED = "Восстановление отменено: {reason}. Рабочая база не изменена."
RESTORE_DONE = (
    "База {database} восстановлена из {backup}.\n"
    "Сообщений граждан: {cases}; версия схемы: {before} → {after}.\n"
    "{safety}"
    "Теперь запустите бота."
)
RESTORE_SAFETY = "Прежняя база сохранена в {path} — удалите её, когда убедитесь, что всё в порядке.\n"
RESTORE_NO_SAFETY = "Прежней базы не было — сохранять было нечего.\n"
RESTORE_LIST_EMPTY = "В папке {folder} нет резервных копий."
RESTORE_LIST_TITLE = "Резервные копии в {folder} (новые сверху):"
RESTORE_LIST_LINE = "{name}  {at}  {size}"
RESTORE_CHECK_OK = "{path}: исправна, база этого бота; версия схемы {version}, сообщений граждан: {cases}."
RESTORE_CHECK_BAD = "{path}: не годится для восстановления — {reason}."

STARTUP_DB_NOT_WRITABLE = (
    "Бот не может писать в базу данных {path}: {error}\n"
    "Проверьте права на файл базы и на её папку (бот создаёт рядом файлы -wal и -shm), "
    "свободное место на диске и не открыта ли база только для чтения. Бот остановлен."
)
STARTUP_ALERT = "⚠️ <b>Проверка при запуске бота</b> нашла проблемы:\n{problems}"
STARTUP_PROBLEM_LINE = "• {text}"
STARTUP_MIGRATIONS = "версия схемы базы {version}, а у программы миграций {expected}"
STARTUP_CALENDAR = ("производственный календарь на {year} год не подтверждён: сокращённые предпраздничные дни "
                    "вычислены по правилу. Сверьте праздники и переносы (/calendar, /dayoff, /workday_extra) "
                    "или обновите бота")
STARTUP_NO_HEAD = "чат главы не подключён (команда /bind_head в группе главы или HEAD_CHAT_ID)"
STARTUP_HEAD_CHAT = "чат главы ({chat_id}) недоступен: {error}"
STARTUP_DEPT_CHAT = "чат отдела «{name}» ({chat_id}) недоступен: {error}"
STARTUP_NOT_MEMBER = "бот не состоит в чате (статус «{status}»)"
STARTUP_CANNOT_SEND = "боту запрещено писать в чат"
STARTUP_TELEGRAM_DOWN = "Telegram не ответил при проверке чатов ({error}); чаты не проверены"


# ==== the console: settings, the entry point, command-line tools (bot/settings/__init__.py, bot/__main__.py) ====
CONFIG = {
    "id_list": "«{part}» — не число; нужен список чисел через запятую, например 123,456",
    "token": "токен имеет вид 123456789:AA… — скопируйте его из сообщения @BotFather целиком",
    "api_url": "адрес должен начинаться с http:// или https://",
    "timezone": "неизвестный часовой пояс «{value}», например Europe/Moscow",
    "rule": "неизвестное правило срока «{name}»; допустимы: {rules}",
    "urgent": ("DEADLINE_URGENT_ANSWER_MINUTES: срок ответа на срочное сообщение не может быть больше "
               "обычного (DEADLINE_ANSWER_MINUTES)"),
    "times": "«{part}» — не время; нужен список вида 09:00,17:30",
    "webhook_url": ("нужен публичный адрес https://… (Telegram вызывает вебхук только по HTTPS), "
                    "без ?, # и пробелов, например https://bot.example.ru"),
    "webhook_path": "путь начинается с «/» и не содержит ?, # и пробелов, например /telegram/webhook",
    "webhook_secret": ("секрет вебхука — от 1 до 256 символов, только латинские буквы A–Z a–z, "
                       "цифры 0–9, «_» и «-» (так требует Telegram); например, выполните "
                       "`openssl rand -hex 32` и впишите результат"),
    "webhook_missing": ("RUN_MODE=webhook: не задан{plural} {names} — укажите публичный адрес https://… бота "
                        "(WEBHOOK_URL) и секрет вебхука (WEBHOOK_SECRET), или уберите RUN_MODE=webhook, "
                        "чтобы работать через long polling"),
    "webhook_port": "RUN_MODE=webhook: WEB_PORT не может быть 0 — на этом порту бот принимает вебхук",
}
CONFIG_WRONG_VALUE = "Неверное значение {name}{shown}: {message}"
CONFIG_WRONG_VALUE_SHOWN = " (сейчас: «{value}»)"
CONFIG_ERROR = "Ошибка настроек: {message}"
CONFIG_FIX_HINT = "\nИсправьте файл .env (образец — .env.example) или переменные окружения."
NO_TOKEN = (
    "Не задан BOT_TOKEN — токен бота.\n"
    "Получите его у @BotFather в Telegram (команда /newbot), затем скопируйте .env.example в .env "
    "и впишите токен в строку BOT_TOKEN=…, или задайте переменную окружения BOT_TOKEN."
)
CALENDAR_ERROR = "Ошибка календаря ({path}): {error}"
SIZE_UNITS = ("Б", "КБ", "МБ")


# ---- the responsible official (cl. 5) ----
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
UNREACHABLE_TARGET["official"] = "ответственное лицо"

# ---- re-routing and several departments (cl. 12, 17) ----
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
REPORT_INHERITED = "\nИз просроченных — унаследованных (время израсходовано до получения отделом): {inherited}"
REPORT_LINE_INHERITED = " (унаследовано: {inherited})"
EVENT.update({
    "department_added": "добавлен отдел",
    "department_withdrawn": "отдел убран из сообщения",
})
ERRORS.update({
    "already_assigned": "Этот отдел уже работает с сообщением.",
    "not_declined": "Убрать можно только отдел, который отказался («Не наша компетенция»).",
})

# ---- terms of one case (cl. 8 per case, cl. 9 answer term) ----
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
TERM_CHANGED_TO_DEPT = ("⏱ Срок ответа по сообщению <b>{number}</b> сокращён: ответ — до {answer}, "
                        "проект — до {draft} (п. 9).")
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
ERRORS.update({
    "bad_answer_term": "Срок ответа должен быть больше нуля и короче обычного (п. 9).",
    "until_in_past": "Этот момент уже прошёл — выберите другой.",
    "already_off_hours": "По этому сообщению уже решено работать в нерабочее время.",
})

# ---- incidents and clarifications (issue 11, sections 5 and 6) ----
APPROVE_BY = "⚠️ Согласуйте до {at}, чтобы ответ вышел в срок (п. 6)."
CARD_WAITS_AUTHOR = "\n⏳ Ждёт ответа автора с {since}"
CLARIFICATION_OVERDUE = (
    "Автор сообщения <b>{number}</b> не ответил на уточнение с {since} ({days} раб. дн.). "
    "Закройте сообщение как «автор не ответил» или ответьте без уточнения."
)
BTN_CLOSE_NO_REPLY = "Закрыть: автор не ответил"
BTN_ANSWER_ANYWAY = "Ответить без уточнения"
CLOSED_NO_REPLY_DONE = "Сообщение закрыто: автор не ответил на уточнение."
ANSWER_ANYWAY_DONE = "Сообщение возвращено в работу: отдел готовит ответ без уточнения."
ANSWER_ANYWAY_TO_DEPT = (
    "Автор сообщения <b>{number}</b> не ответил на уточнение. Оператор просит подготовить ответ без него."
)
INCIDENT_INTERMEDIATE_READY = (
    "Промежуточный ответ по инциденту {lead} согласован: опубликуйте его под каждым сообщением: {numbers}. "
    "Окончательный ответ готовится на сообщении {lead}."
)
EVENT.update({
    "closed_no_reply": "закрыто: автор не ответил на уточнение",
    "answer_anyway": "ответ без уточнения",
    "clarification_overdue": "автор долго не отвечает на уточнение",
})

# ---- KPI: who missed the clocks, clarification-only closures, digest wording (issue 11 §1, 3, 6, 7) ----
KPI_OPERATOR = "оператор {id}"           # an operator whose name is unknown
REPORT_CLARIFICATION_ONLY = (
    "\nЗакрыто или ждёт автора только с запросом уточнения: {count} (не считаются ответами в срок)"
)
REPORT_MISSES_TITLE = (
    "\n\n<b>Кто просрочил</b> (ответ гражданину п. 6, 7 · унаследовано · свои шаги):"
)
REPORT_MISSES_DEPARTMENTS = "\n<i>Отделы</i>"
REPORT_MISSES_OPERATORS = "\n<i>Операторы</i>"
REPORT_MISSES_LINE = "\n• {name}: {answer} · {inherited} · {steps}{detail}"
REPORT_MISSES_DETAIL = " ({rules})"
REPORT_MISSES_NONE = "\n\n✅ Просрочек, отнесённых на отделы и операторов, нет."
XLSX_SHEET_OPERATORS = "Операторы"
XLSX_OPERATOR = "Оператор"
XLSX_KPI_EXTRA_HEADERS = ("Только запрос уточнения", "Из них закрыто без опоздания (вне доли в срок)")
XLSX_MISS_RULES = ("route", "decline", "draft", "approval", "rework", "publish", "info")
XLSX_MISS_HEADERS = ("Просрочки ответа (п. 6, 7)", "Унаследованные просрочки ответа (время израсходовано ими)",
                     "Просрочки своих шагов", "Унаследованные просрочки шагов",
                     *(f"Просрочено: {r}" for r in ("маршрутизация", "«не наша компетенция»", "проект ответа",
                                                      "согласование", "доработка", "публикация",
                                                      "информация отдела")))
XLSX_DEADLINE_BLAME = "Просрочка отнесена на"
XLSX_CLARIFICATION_ONLY = "только запрос уточнения"
XLSX_DEADLINE_INHERITED = "Унаследованная"
DIGEST_TOTALS_NOW = (
    "\nПоступило: <b>{received}</b> · отвечено: <b>{answered}</b> (в срок: {on_time}) · в работе: {open}"
    "\nОтвет опубликован с опозданием (из поступивших {when}): <b>{closed_late}</b>"
    "\nОткрыто и просрочено сейчас: <b>{overdue_now}</b>"
)
DIGEST_WHEN_TODAY = "сегодня"
DIGEST_WHEN_PERIOD = "за {period}"
DIGEST_OVERDUE_NOW_TITLE = "\n\n⏰ <b>Открытые с истёкшим сроком</b> — чей сейчас шаг:"
DIGEST_OWNER_NOBODY = "ждём автора"

# ---- polish2: cl. 8 per case ends early, commands inside prompts ----
BTN_END_OFF_HOURS = "☀️ Вернуть рабочее время"
OFF_HOURS_ENDED = ("Работа в нерабочее время по сообщению {number} завершена: сроки снова идут по рабочему "
                   "времени, ответ — до {due}.")
PROMPT_CANCELLED_BY_COMMAND = "Ввод отменён: вы отправили команду {command}."
ERRORS.update({
    "not_off_hours": "По этому сообщению сейчас не работают в нерабочее время.",
})
EVENT.update({
    "off_hours_ended": "возвращено рабочее время (п. 8)",
})

# ---- polish1: finishing touches of issue 11 ----
CHART_CLARIFIED = "закрыто уточнением без ответа"
XLSX_DEPT_INHERITED = "Унаследовано (опоздавших сообщений, полученных отделом с израсходованным временем)"
