"""The rating's XLSX and chart (issue 14 §4): every cell through the report's safe cell writer, every label
through chart_label (bot/services/report_files.py)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot import texts
from bot.domain.ratings import RatingLine
from bot.services.report_files import append_row, chart_label, share_bars, share_color


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _num(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def render_rating_xlsx(lines: Sequence[RatingLine], period_label: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(texts.RATING_XLSX_SHEET)
    append_row(ws, [texts.RATING_TITLE.replace("<b>", "").replace("</b>", "").format(period=period_label)])
    append_row(ws, texts.RATING_XLSX_HEADERS)
    for line in lines:
        o = line.figures
        append_row(ws, [line.place if line.place is not None else texts.RATING_XLSX_UNRANKED, o.name, o.posts,
                        o.answer_met, o.answer_due, _pct(o.answer_share), o.final_met, o.final_due,
                        _pct(o.final_share), _num(o.median_minutes), _num(o.mean_minutes), o.overdue, o.drafts,
                        o.returns, _pct(o.returns_share), o.declines, o.transfers_in, o.transfers_out])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_rating_png(lines: Sequence[RatingLine], period_label: str) -> bytes:
    """Two panels: the cl. 6 in-time share and the median reaction, one bar per organisation in the rating's
    order (the unranked ones too, greyed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(lines)[:30]
    fig = Figure(figsize=(11, max(4.0, 1.5 + 0.45 * len(shown))), dpi=100)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    if not shown:
        for ax in (ax1, ax2):
            ax.text(0.5, 0.5, texts.CHART_NO_DATA, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
    else:
        names = [chart_label((f"{ln.place}. " if ln.place else "— ") + _short(ln.figures.name))
                 for ln in shown]
        shares = [(ln.figures.answer_share or 0.0) * 100 for ln in shown]
        share_bars(ax1, names, shares, ["#9e9e9e" if ln.place is None else share_color(v)
                                        for ln, v in zip(shown, shares, strict=True)])
        ys = list(range(len(shown)))
        medians = [ln.figures.median_minutes or 0.0 for ln in shown]
        ax2.barh(ys, medians, color="#64b5f6")
        for i, v in enumerate(medians):
            ax2.text(v, i, f" {v:.0f}", va="center")
    ax1.set_title(chart_label(f"{texts.RATING_CHART_TITLE} · {period_label}"))
    ax2.set_title(texts.RATING_CHART_MEDIAN)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _short(name: str) -> str:
    return name if len(name) <= 28 else name[:27] + "…"
