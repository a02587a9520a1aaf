"""Domain errors. Each carries a code that the text catalogue turns into a Russian message."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, code: str | None = None, **details: object) -> None:
        self.code = code or self.code
        self.details = details
        super().__init__(self.code, details)


class AccessDenied(DomainError):
    """The actor's role or department may not do this (refused, audited)."""

    code = "access_denied"


class InvalidTransition(DomainError):
    """The case is not in a state that allows this action (e.g. already accepted by a colleague)."""

    code = "invalid_transition"


class NotFound(DomainError):
    code = "not_found"


class StaleState(DomainError):
    """Somebody changed the case between reading and writing it (optimistic lock)."""

    code = "stale"


class ProfanityFound(DomainError):
    code = "profanity"

    def __init__(self, words: list[str]) -> None:
        super().__init__(words=words)
        self.words = words


class ValidationFailed(DomainError):
    code = "validation"
