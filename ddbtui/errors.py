"""The base error classes, below every layer (config, userconfig, dynamo, bench, local, ui).

`DdbError`: an error whose str() is one sentence a person can act on. `ValidationError`:
input rejected before anything was sent. The DynamoDB-specific subclasses and `explain()`
live in ddbtui.dynamo.errors, which re-exports these two (import them from either).
"""

from __future__ import annotations


class DdbError(Exception):
    """An error with a human-readable message (str(exc) is the sentence)."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the input field this error belongs to (for inline messages)
        self.code = code


class ValidationError(DdbError):
    """Input rejected on the client before anything was sent."""
