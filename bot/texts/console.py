"""The server's side: backups, restore, start-up checks, settings errors and the command line."""

from __future__ import annotations

from typing import Any

# ---- backups, restore and start-up checks (bot/services/backups.py, bot/restore.py, bot/app/startup.py) ---
BACKUP_CAPTION = (
    "💾 Резервная копия базы данных\n"
    "Сделана: {at}\n"
    "Размер: {size}\n"
    "Сообщений граждан в базе: {cases}\n"
    "Целостность проверена ✅\n"
    "Файл на сервере: {path}\n"
    "🔒 Зашифрована паролем BACKUP_PASSPHRASE; расшифровать: python -m bot.restore decrypt ФАЙЛ"
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
    if code == "schema":
        detail = schema_differences(detail)
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


# ---- settings, the entry point, command-line tools (bot/settings/__init__.py, bot/__main__.py) ---
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
    "Не задан BOT_TOKEN — токен бота.\n"  # noqa: S105  a message saying the token is missing, not a token
    "Получите его у @BotFather в Telegram (команда /newbot), затем скопируйте .env.example в .env "
    "и впишите токен в строку BOT_TOKEN=…, или задайте переменную окружения BOT_TOKEN."
)
CALENDAR_ERROR = "Ошибка календаря ({path}): {error}"
SIZE_UNITS = ("Б", "КБ", "МБ")

# ---- issue 13, secrets and files: settings, the encrypted /backup, restore's schema check ----------
CONFIG.update({
    "api_url_https": ("токен бота передаётся в адресе запроса, поэтому нужен https://…; http:// допустим "
                      "только для этой же машины (127.0.0.1, ::1, localhost)"),
    "webhook_secret_short": ("секрет вебхука слишком короткий — нужно не меньше {min} символов; например, "
                             "выполните `openssl rand -hex 32` и впишите результат"),
    "backup_passphrase": ("пароль резервных копий — не меньше {min} символов; например, выполните "
                          "`openssl rand -base64 24` и сохраните результат отдельно от сервера: без него "
                          "копию не расшифровать"),
})
BACKUP_NEEDS_PASSPHRASE = (
    "🔒 Копия не отправлена: в Telegram она уходит только зашифрованной, а пароль не задан.\n"  # noqa: S105  a Russian message about the passphrase, not a secret
    "Задайте в .env бота BACKUP_PASSPHRASE — пароль не короче 12 символов (например, результат "
    "<code>openssl rand -base64 24</code>), сохраните его и вне сервера и перезапустите бота. "
    "Копии по расписанию на сервере делаются и без него."
)
BACKUP_PROBLEM["schema"] = ("схема базы не совпадает с той, что создают миграции бота, — файл изменён или "
                            "подделан, восстанавливать его нельзя ({detail})")
SCHEMA_TYPE = {"table": "таблица", "index": "индекс", "trigger": "триггер", "view": "представление"}
SCHEMA_KIND = {"missing": "нет в файле", "extra": "лишний объект, миграции его не создают",
               "changed": "отличается от миграций"}


def schema_differences(detail: str) -> str:
    """``missing:trigger:events_no_delete,extra:table:x`` → «триггер events_no_delete — нет в файле; …»."""
    out = []
    for code in filter(None, detail.split(",")):
        kind, _, rest = code.partition(":")
        type_, _, name = rest.partition(":")
        out.append(f"{SCHEMA_TYPE.get(type_, type_)} {name} — {SCHEMA_KIND.get(kind, kind)}")
    return "; ".join(out)
RESTORE_ASK_PASSPHRASE = "Пароль резервных копий (BACKUP_PASSPHRASE): "  # noqa: S105  a Russian message about the passphrase, not a secret
RESTORE_DECRYPT_FAILED = {
    "not_encrypted": "Это не зашифрованная копия бота (файлы /backup оканчиваются на .enc).",
    "damaged": "Зашифрованная копия повреждена или обрезана — расшифровать её нельзя.",
    "wrong_passphrase": "Не удалось расшифровать копию: неверный пароль (или файл изменён).",
    "tampered": "Копия изменена или обрезана после шифрования — расшифровать её целиком нельзя.",
}
RESTORE_DECRYPT_EXISTS = "Файл {path} уже есть — укажите другой путь (--out) или удалите его."
RESTORE_DECRYPTED = "Копия расшифрована в {path} (файл доступен только вам).\n"
RESTORE_CONFIRM = "Восстановить базу из этого файла? Напишите «да», чтобы продолжить: "
RESTORE_NOT_CONFIRMED = "Восстановление отменено: не подтверждено. Рабочая база не изменена."
RESTORE_GRANTS_TITLE = "Кому после восстановления будет доступен бот:"
RESTORE_GRANTS_NONE = "никого"


def restore_grants(grants: Any, admin_ids: list[int], operator_ids: list[int], official_ids: list[int],
                   head_chat_id: int | None) -> str:
    """Whom a database about to be restored lets in, with those the settings add (``grants``: storage's Grants)."""
    def ids(values: list[int]) -> str:
        return ", ".join(map(str, values)) or RESTORE_GRANTS_NONE

    def people(rows: tuple[tuple[int, str], ...]) -> str:
        return ", ".join(f"{name or '—'} ({uid})" for uid, name in rows) or RESTORE_GRANTS_NONE

    chats = ", ".join(f"{name} ({chat})" for name, chat in grants.departments) or RESTORE_GRANTS_NONE
    head = grants.head_chat_id or RESTORE_GRANTS_NONE
    return "\n".join([
        RESTORE_GRANTS_TITLE,
        f"  администраторы (ADMIN_IDS в настройках, не из файла): {ids(admin_ids)}",
        f"  операторы из файла: {people(grants.operators)}; из OPERATOR_IDS: {ids(operator_ids)}",
        f"  ответственные лица из файла: {people(grants.officials)}; из OFFICIAL_IDS: {ids(official_ids)}",
        f"  группы отделов (все их участники — исполнители): {chats}",
        f"  чат главы из файла: {head}" + (f"; HEAD_CHAT_ID в настройках: {head_chat_id}" if head_chat_id else ""),
        f"  неиспользованных действующих приглашений: {grants.open_invites}",
    ])


# ---- retention of personal data (docs/security.md) -----------------------------------------------
RETENTION_FAILED_ALERT = (
    "⚠️ <b>Обезличивание старых сообщений не выполнено</b> (по расписанию на {at}).\n"
    "Ошибка: {error}\n"
    "Персональные данные сообщений, закрытых раньше {cutoff}, пока хранятся. Бот повторит завтра; "
    "подробности — в журнале процесса."
)

# Issue 15: DATABASE_URL (bot/settings/sections.py). The value itself is never repeated: it holds a password.
CONFIG["database_url"] = ("ожидается адрес PostgreSQL вида postgresql://пользователь:пароль@сервер:5432/база "
                          "или пустое значение (тогда SQLite в DATABASE_PATH)")

# ---- python -m bot.migrate_db: moving a SQLite database to PostgreSQL (docs/postgresql.md) ------------
MIGRATE_DB_START = "Перенос базы {source} (версия схемы {version}) в PostgreSQL {target}"
MIGRATE_DB_PROGRESS = "  {table}: {done} из {total} строк"
MIGRATE_DB_TITLE = "Проверка по таблицам (строк в SQLite → в PostgreSQL; контрольная сумма):"
MIGRATE_DB_LINE = "  {mark} {table}: {source_rows} → {target_rows}; {checksum}"
MIGRATE_DB_SAME = "совпадает"
MIGRATE_DB_DIFFERS = "НЕ совпадает ({source} ≠ {target})"
MIGRATE_DB_DONE = (
    "Готово: {tables} таблиц, {rows} строк перенесено и проверено за {seconds} с.\n"
    "Укажите DATABASE_URL (адрес этой базы) в настройках бота и перезапустите его; файл SQLite не изменён."
)
MIGRATE_DB_MISMATCH = (
    "Перенос отменён: данные в PostgreSQL не совпали с исходной базой (таблицы: {tables}). Всё, что было "
    "записано в PostgreSQL, откачено; исходная база не изменена. Что делать — docs/postgresql.md."
)
MIGRATE_DB_REFUSED = "Перенос отменён: {reason}. Данные ни в одной из баз не изменены."
MIGRATE_DB_REASONS = {
    "missing": "нет файла базы SQLite {detail}",
    "not_database": "файл не является базой SQLite ({detail})",
    "source_version": ("схема исходной базы другой версии, чем у этой программы ({detail}): сначала запустите "
                       "на ней бот этой версии (он применит миграции), затем повторите перенос"),
    "target_version": "версия схемы в PostgreSQL не совпадает с исходной ({detail})",
    "not_empty": ("в базе PostgreSQL уже есть данные бота (таблицы: {detail}); перенос делается только в пустую "
                  "базу — создайте новую (docs/postgresql.md)"),
    "schema": "таблицы или столбцы баз различаются ({detail})",
    "bad_value": "значение не помещается в столбец PostgreSQL ({detail})",
    "connect": "база данных PostgreSQL недоступна: {detail}",
}
MIGRATE_DB_NO_TARGET = "Укажите, куда переносить: --to postgresql://пользователь:пароль@сервер:5432/база"

# ---- operating on PostgreSQL (DATABASE_URL; docs/postgresql.md) ---------------------------------------
STARTUP_PG_UNAVAILABLE = (
    "База данных PostgreSQL недоступна: {url}: {error}\n"
    "Проверьте, что сервер PostgreSQL запущен и доступен с этой машины, имя и пароль роли, права роли на "
    "базу (чтение и запись) и что это не реплика только для чтения (docs/postgresql.md). Бот остановлен."
)
BACKUP_POSTGRESQL = (
    "🗄 База бота — PostgreSQL: копию файлом бот не делает и не отправляет (копирование файла SQLite к ней "
    "не применимо). Резервные копии PostgreSQL делает администратор СУБД: ежесуточный "
    "<code>pg_dump -Fc</code> и архивирование WAL (восстановление на любой момент) — см. docs/postgresql.md."
)
RESTORE_POSTGRESQL = (
    "Восстановление отменено: база бота — PostgreSQL (задан DATABASE_URL), а python -m bot.restore "
    "восстанавливает только файл SQLite. PostgreSQL восстанавливают средствами СУБД: pg_restore из копии "
    "pg_dump или восстановление на момент времени из архива WAL — см. docs/postgresql.md. Ничего не изменено."
)
MIGRATE_DB_SCHEMA = "Схема базы PostgreSQL {target} — версия {version}: миграции применены."
