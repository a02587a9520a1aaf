"""Routers in priority order: errors, common commands, admin, operators, departments, the fallback."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh Routers for one Dispatcher (see handlers.spec)."""
    from handlers import admin, common, department, errors, operator, reports, terms, workday

    specs = [errors.router, common.router, admin.router, operator.router, department.router,
             workday.router, reports.router, terms.router,
             common.fallback]
    return [spec.build() for spec in specs]
