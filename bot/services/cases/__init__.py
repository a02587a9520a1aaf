"""Use cases of the regulation: one transaction each, an audit event each, notices in the outbox."""

from bot.services.cases.answers import Approved
from bot.services.cases.intake import NewPost, Registered
from bot.services.cases.service import CaseService

__all__ = ["Approved", "CaseService", "NewPost", "Registered"]
