"""The server's side: backups, restore, start-up checks, settings errors and the command line."""

from __future__ import annotations

# ---- backups, restore and start-up checks (bot/services/backups.py, bot/restore.py, bot/app/startup.py) ---
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
