"""One exception root for everything creditgraph reports to a user.

Each subclass carries a message that already says what is wrong and what to do; the CLI prints
it as one line and exits non-zero, and the app shows it in the page. Anything that is not a
``CreditgraphError`` is a bug and keeps its traceback.
"""

from __future__ import annotations


class CreditgraphError(Exception):
    """Root of all errors creditgraph reports to a user as one line."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def one_line(self) -> str:
        """The message and, if there is one, what to do about it, on one line."""
        text = " ".join(self.message.split())
        if self.hint:
            text = f"{text} ({' '.join(self.hint.split())})"
        return text

    def __str__(self) -> str:
        return self.one_line()


class ConfigError(CreditgraphError):
    """A setting or command-line option has a value creditgraph cannot use."""

    exit_code = 2


class EngineError(CreditgraphError):
    """The graph engine cannot be reached, started or used."""

    exit_code = 3


class EngineUnavailable(EngineError):
    """The engine is not running or not reachable at the configured address."""


class EngineUnsupported(EngineError):
    """The embedded engine has no build for this platform."""


class AuthError(EngineError):
    """The engine refused the credentials."""


class QueryError(CreditgraphError):
    """A Cypher statement was rejected by the engine (syntax, semantics, runtime)."""

    exit_code = 4


class QueryTimeout(QueryError):
    """A Cypher statement ran longer than the per-query timeout."""


class ReadOnlyViolation(QueryError):
    """A statement that writes was sent where only reads are allowed."""


class InputError(CreditgraphError):
    """Bad input data: names the file, line and field."""

    exit_code = 5

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None) -> None:
        where = ":".join(str(p) for p in (file, line) if p is not None)
        if field:
            where = f"{where} field {field!r}" if where else f"field {field!r}"
        self.file, self.line, self.field = file, line, field
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
