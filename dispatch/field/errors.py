"""What the crew service refuses: a request that is not allowed (403) or a report that cannot be recorded."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any


class FieldError(ValueError):
    """A link operation was refused: an i18n key and its values; ``str()`` is the English sentence,
    :meth:`say` the sentence in another language (for the dispatcher's CLI)."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = values
        super().__init__(self.say("en"))

    def say(self, lang: str) -> str:
        from dispatch.io.sheets.i18n import Labels  # the sheets package loads its PDF and map libraries

        return Labels(lang, dt.UTC)(self.key, **self.values)


class RefusalReason(StrEnum):
    UNKNOWN_TOKEN = "unknown_token"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YOUR_STOP = "not_your_stop"


class Refused(PermissionError):
    """A link that may not do this (HTTP 403): unknown, revoked or expired, or another crew's stop."""

    def __init__(self, reason: RefusalReason, message: str, *, crew_id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.crew_id = crew_id


class ProblemCode(StrEnum):
    """Why a report was not recorded (HTTP 422); the phone page says it in the crew's language."""

    INVALID = "invalid"  # a field is missing or malformed
    FUTURE = "future"  # a time ahead of the server's clock
    CLOSED = "closed"  # the ticket is already fixed
    CONFLICT = "conflict"  # a report id sent again with different content
    OTHER = "other"


class ReportProblem(ValueError):
    """A report the ledger cannot take; ``code`` for the page, the message (English) for logs and the CLI."""

    def __init__(self, code: ProblemCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
