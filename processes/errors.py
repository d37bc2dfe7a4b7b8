"""Domain errors: data-carrying, no HTTP codes (``web/errors.py`` maps them)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of permit-domain errors."""


class ValidationFailed(DomainError):
    """Business-rule validation of user input: field → messages; nothing was changed."""

    def __init__(self, errors: dict[str, list[str]], code: str = "invalid",
                 details: list[dict[str, Any]] | None = None):
        self.errors, self.code, self.details = errors, code, details or []
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


class Expired(ValidationFailed):
    """Genuine input that is too old to use any more (a rotated QR code, a stale nonce)."""


class NotFound(DomainError):
    def __init__(self, what: str, key: Any):
        self.what, self.key = what, key
        super().__init__(f"{what} {key!r} not found")


class NotAllowed(DomainError):
    """The person may not do this (role, scope or four-eyes rule)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Conflict(DomainError):
    """The permit is not in a state that allows this."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Gone(DomainError):
    """It existed but is no longer valid (an expired or revoked access code)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class TaskClaimed(Conflict):
    """Someone else holds the task: it waits for them until they or a safety manager
    release it. Carries who, so the person refused knows whom to ask."""

    def __init__(self, holder_username: str, holder_name: str):
        self.holder_username, self.holder_name = holder_username, holder_name
        super().__init__(f"该任务已由{holder_name}认领 / claimed by {holder_name} "
                         f"({holder_username}); they or a safety manager must release it "
                         "first")
