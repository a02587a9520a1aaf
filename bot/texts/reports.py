"""Reports, KPIs, digests, XLSX headers and charts for the head (cl. 2, 21; docs/kpi.md)."""

from __future__ import annotations

# ---- reports (bot/services/reports.py, handlers/reports.py) --------------------------------------
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
REPORT_INHERITED = "\nИз просроченных — унаследованных (время израсходовано до получения отделом): {inherited}"
REPORT_LINE_INHERITED = " (унаследовано: {inherited})"


# ---- who missed the clocks, clarification-only closures (docs/kpi.md) ----------------------------
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


# ---- KPI details ---------------------------------------------------------------------------------
CHART_CLARIFIED = "закрыто уточнением без ответа"
XLSX_DEPT_INHERITED = "Унаследовано (опоздавших сообщений, полученных отделом с израсходованным временем)"


# ---- the republic's rating of organisations (issue 14 §4, cl. 2) -----------------------------------------
RATING_USAGE = ("Не понял период «{value}». Примеры: <code>/rating month</code>, <code>/rating 2026-03</code>, "
                "<code>/rating 01.03.2026-15.03.2026</code>.")
RATING_FAILED = "Не удалось построить рейтинг. Попробуйте ещё раз позже; ошибка записана в журнал."
RATING_ONLY_COORDINATOR = ("Рейтинг организаций доступен координатору (Дирекции): в его группе или в личном "
                           "чате сотрудника из COORDINATOR_IDS.")
RATING_TITLE = "🏆 <b>Рейтинг организаций</b> · {period}"
RATING_ORDER = ("\n<i>Порядок: доля ответов в срок (п. 6) — выше лучше, при равенстве — медиана времени реакции "
                "(от выявления до первой публикации, рабочие минуты) — меньше лучше. Организации, у которых "
                "меньше {min_posts} сообщений за период, показаны без места.</i>")
RATING_LINE = ("\n{place} <b>{name}</b>: сообщений {posts} · в срок (п. 6) {answer_share} · "
               "промежуточный → итоговый (п. 7) {final_share} · реакция: медиана {median}, среднее {mean} · "
               "просрочено {overdue} · возвращено на доработку {returns_share} · «не наша компетенция» {declines} · "
               "передано: получено {transfers_in}, отдано {transfers_out}")
RATING_PLACE = "{place}."
RATING_UNRANKED_TITLE = "\n\n<i>Без места (меньше {min_posts} сообщений за период):</i>"
RATING_UNRANKED_PLACE = "—"
RATING_NONE = "\nОрганизаций нет."
RATING_XLSX_CAPTION = "Рейтинг организаций · {period} (XLSX)"
RATING_PNG_CAPTION = "Рейтинг организаций · {period}"
RATING_XLSX_SHEET = "Рейтинг"
RATING_XLSX_HEADERS = ("Место", "Организация", "Сообщений", "Ответов в срок (п. 6)", "Сроков п. 6 наступило",
                       "Доля в срок (п. 6)", "Итоговых в срок (п. 7)", "Сроков п. 7 наступило", "Доля в срок (п. 7)",
                       "Медиана реакции, раб. мин", "Среднее реакции, раб. мин", "Просрочено",
                       "Проектов ответа", "Возвращено на доработку", "Доля возвратов", "«Не наша компетенция»",
                       "Передано в организацию", "Передано из организации")
RATING_XLSX_UNRANKED = "без места"
RATING_CHART_TITLE = "Доля ответов в срок (п. 6), %"
RATING_CHART_MEDIAN = "Медиана реакции, рабочие минуты"
