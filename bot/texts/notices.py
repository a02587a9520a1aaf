"""What the bot sends on its own to another chat: a step done by someone else, reminders, escalations to
the head, surges, undeliverable messages."""

from __future__ import annotations

# ---- to the operator -----------------------------------------------------------------------------
DECLINED_TO_OPERATOR = (
    "Отдел «{department}» сообщил, что сообщение <b>{number}</b> не в его компетенции.\n"
    "Причина: {reason}"
)
DECLINED_BACK = "\nСообщение вернулось к вам: направьте его в другой отдел."
DRAFT_TO_OPERATOR = (
    "<b>{kind}</b> по сообщению <b>{number}</b> от отдела «{department}» (автор: {author}, версия {version}).\n"
    "Согласуйте или верните на доработку до {due}.\n\n{text}{media}{warning}"
)
DRAFT_TO_OPERATOR_MEDIA = "\n\nВложений: {count}"
PUBLISHED_TO_OPERATOR = "Скриншот публикации по сообщению <b>{number}</b> ({kind}).{link}"
PUBLISHED_LINK = "\nСсылка: {link}"
INFO_TO_OPERATOR = "Информация от отдела «{department}» по сообщению <b>{number}</b>:\n\n{text}{pending}"
INFO_PENDING = "\n\nЕщё ждём: {departments}."
INFO_ALL_IN = "\n\nИнформация получена от всех отделов — составьте ответ кнопкой «Составить ответ»."


# ---- to the department ---------------------------------------------------------------------------
RETURNED_TO_DEPT = (
    "Проект по сообщению <b>{number}</b> возвращён на доработку.\n"
    "Комментарий оператора: {comment}\nДоработайте и отправьте снова до {due}."
)
APPROVED_TO_DEPT = (
    "Проект по сообщению <b>{number}</b> согласован. Опубликуйте ответ в течение 10 минут и пришлите "
    "скриншот ответом на это сообщение (можно добавить ссылку в подписи). Срок: {due}.\n\n{text}"
)
AUTHOR_REPLIED_TO_DEPT = (
    "Автор ответил на уточнение по сообщению <b>{number}</b>:\n<blockquote>{text}</blockquote>\n"
    "Срок ответа начался заново."
)
TERM_CHANGED_TO_DEPT = ("⏱ Срок ответа по сообщению <b>{number}</b> сокращён: ответ — до {answer}, "
                        "проект — до {draft} (п. 9).")


# ---- to the head ---------------------------------------------------------------------------------
SIGNIFICANT_TO_HEAD = "❗ <b>Общественно значимое сообщение {number}</b> · {platform}\n{link}<blockquote>{excerpt}</blockquote>"


# ---- undeliverable messages (bot/delivery/sender.py) ---------------------------------------------
CHAT_UNREACHABLE = "⚠️ Не удаётся доставить сообщение ({target}): {error}. Проверьте, что бот есть в чате и не заблокирован."
UNREACHABLE_TARGET = {"operator": "оператор", "department": "отдел", "head": "глава", "admins": "администраторы",
                      "head_only": "глава", "chat": "чат", "case": "карточки сообщения", "owner": "ответственный",
                      "official": "ответственное лицо"}


# ---- reminders and escalations (bot/jobs/reminders.py) -------------------------------------------
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


# ---- the chain of steps in an escalation (п. 9–17) -----------------------------------------------
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


# ---- surges (cl. 21, bot/services/surges.py) -----------------------------------------------------
SURGE_ALERT = (
    "⚡ <b>Повышенная социальная активность</b> (п. 21)\n"
    "{count} {posts_word} за короткое время {reason}.\n{posts}\n"
    "Оператор может объединить их в один инцидент: один ответ, опубликованный под каждым сообщением."
)
POSTS_WORDS = ("сообщение", "сообщения", "сообщений")
SURGE_REASON = {"link": "об одной публикации: {topic}", "address": "об одном адресе: {topic}",
                "topic": "на одну тему ({department}): {topic}"}
SURGE_POST_LINE = "• <b>{number}</b> · {platform} · {at}: {excerpt}"
SURGE_MORE = "… и ещё {more}"
SURGE_TO_OPERATOR = "{alert}\n\nНажмите «Объединить в инцидент», чтобы готовить по ним один ответ."


# ---- incidents and clarifications ----------------------------------------------------------------
INCIDENT_ANSWER_READY = "Ответ по инциденту {lead} согласован: опубликуйте его под каждым сообщением: {numbers}."
CLARIFICATION_OVERDUE = (
    "Автор сообщения <b>{number}</b> не ответил на уточнение с {since} ({days} раб. дн.). "
    "Закройте сообщение как «автор не ответил» или ответьте без уточнения."
)
ANSWER_ANYWAY_TO_DEPT = (
    "Автор сообщения <b>{number}</b> не ответил на уточнение. Оператор просит подготовить ответ без него."
)
INCIDENT_INTERMEDIATE_READY = (
    "Промежуточный ответ по инциденту {lead} согласован: опубликуйте его под каждым сообщением: {numbers}. "
    "Окончательный ответ готовится на сообщении {lead}."
)

# ---- members of bound groups (issue 13 §2) -------------------------------------------------------
NEW_MEMBER = "👤 В группе отдела «{department}» новый участник: {name} (id {user_id})."
NEW_MEMBER_CONFIRM = (
    "👤 В группе отдела «{department}» новый участник: {name} (id {user_id}).\n"
    "Включён строгий режим (STRICT_MEMBERS): он сможет действовать, когда вы его допустите.")



# ---- places (issue 16) ----------------------------------------------------------------------------
#: A surge about one settlement or one street and shared words: «ст. Зеленчукская: свет».
SURGE_REASON_PLACE = "об одном месте: {topic}"


# ---- chats that change, operators who leave ------------------------------------------------------------
HANDOVER_TO_OPERATOR = "Вам переданы открытые сообщения другого оператора: {numbers}. Карточки — ниже."
HANDOVER_NOBODY = (
    "⚠️ Открытые сообщения оператора {operator} некому передать: нет активных операторов. Сообщения: {numbers}. "
    "Добавьте оператора (/invite) и передайте их через /operators.")
CHAT_IS_DEPARTMENT = "группа отдела «{name}»"
CHAT_IS_HEAD = "чат главы"
CHAT_IS_OPERATOR = "чат оператора"
CHAT_MIGRATED = (
    "ℹ️ Telegram преобразовал группу в супергруппу: {what} ({old} → {new}). Привязка перенесена, сообщения "
    "идут в новый чат, открытые карточки отправлены туда заново.")
CHAT_GONE = (
    "⚠️ Бот не может писать в чат: {where} ({chat_id}): {reason}. Уведомления для него ждут и уйдут, когда "
    "бота вернут в группу или привяжут новую группу (/bind, /bind_head). Список: /chats")
OPERATOR_BLOCKED = "⚠️ Оператор {operator} заблокировал бота. Его открытые сообщения переданы другим операторам: {numbers}."


# ---- organisations: the coordinator of cl. 2 and the organisations' own notices (issue 14) -------------
#: The coordinator's notices name the organisation first: a significant post, a surge, a missed cl. 6/7 term.
ORG_HEADER = "🏛 <b>{org}</b>\n"
COORDINATOR_DIGEST_TITLE = "🏛 <b>Сводка по организациям на {date}</b>\nОткрыто · просрочено · срок сегодня · новых за сутки\n"
COORDINATOR_DIGEST_LINE = "• {org}: {open} · {overdue} · {due_today} · {new}\n"
COORDINATOR_DIGEST_NONE = "Организаций нет."

CHAT_IS_COORDINATOR = "чат координатора (Дирекции)"

# ---- transfers between organisations (issue 14 §5) ----------------------------------------------------
TRANSFER_NO_OPERATORS = ("⚠️ Сообщение {number} передано в «{org}», но у этой организации нет операторов: "
                         "пригласите их (/invite), карточка ждёт в /open.")
TRANSFERRED_IN = ("📨 Из организации «{org}» передано сообщение {from_number} — теперь это {number}.\n"
                  "Причина: {reason}\nСрок ответа (п. 6) — до {due}, время обнаружения прежнее.")
TRANSFER_JOINED_IN = ("📨 Из организации «{org}» передано сообщение {from_number}: та же публикация уже у вас — "
                      "{number}, присоединено к нему.\nПричина: {reason}")
TRANSFER_REFUSED_TO_GIVER = ("↩️ «{org}» вернула сообщение {number} (у неё было {to_number}): не её компетенция.\n"
                             "Причина: {reason}\nСообщение снова ждёт направления; срок ответа (п. 6) — до {due}.")
