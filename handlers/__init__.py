"""Routers in priority order: errors, common commands, admin, operators (prompts, intake, case buttons),
departments, the fallback."""

from __future__ import annotations

from functools import cache

from aiogram import Router

from handlers.spec import RouterSpec


def _specs() -> list[RouterSpec]:
    from handlers import (
        admin,
        chats,
        common,
        coordinator,
        department,
        department_places,
        errors,
        members,
        operator_case,
        operator_intake,
        operator_prompts,
        orgs,
        places,
        ratings,
        reports,
        terms,
        transfers,
        workday,
    )

    return [errors.router, chats.router, members.router, common.router, orgs.router, admin.router, places.router,
            department_places.router, operator_prompts.router, transfers.router, operator_intake.router,
            operator_case.router, department.router, workday.router, reports.router, terms.router,
            coordinator.router, ratings.router, common.fallback]


def get_routers() -> list[Router]:
    """Fresh Routers for one Dispatcher (see handlers.spec)."""
    return [spec.build() for spec in _specs()]


@cache
def known_commands() -> frozenset[str]:
    """Every command some handler answers (for someone, somewhere): the rest are unknown commands."""
    return frozenset(name for spec in _specs() for name in spec.commands())
