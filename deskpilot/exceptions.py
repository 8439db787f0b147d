"""Every error the project raises on purpose lives here.

``DeskpilotError.code`` is the machine-readable code the HTTP API puts in
``{"error": {"code", "message"}}``; ``status`` is its HTTP status. The CLI turns any
``UserInputError`` into exit code 2 with the message on stderr.
"""

from __future__ import annotations


class DeskpilotError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class UserInputError(DeskpilotError):
    """Bad input from a user or client: a CLI exit 2, an HTTP 4xx."""

    code = "bad_request"
    status = 400


class NotFoundError(UserInputError):
    code = "not_found"
    status = 404


class AuthError(UserInputError):
    code = "unauthorized"
    status = 401


class RateLimitedError(UserInputError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class OverloadedError(RateLimitedError):
    """Back-pressure: the ticket queue is full; nothing was stored, retry after a while."""

    code = "overloaded"
    status = 503


class PayloadTooLargeError(UserInputError):
    code = "payload_too_large"
    status = 413


class PromptError(DeskpilotError):
    """A prompt template is missing, malformed, or was rendered without a variable."""

    code = "prompt_error"


class ModelError(DeskpilotError):
    """The LLM (local or remote) failed or could not be loaded."""

    code = "model_error"
    status = 503


class ConfigError(DeskpilotError):
    code = "config_error"
