"""The errors pgqueue raises.

The SQL functions report bad input with SQLSTATE 22023 (invalid_parameter_value)
and a message naming the parameter; the driver turns that into
:class:`InvalidArgument`, and raises the same class for what it can refuse before
anything is sent (a payload JSON cannot hold, a ``priority`` that is not an int).
Every other database error passes through unchanged as psycopg raised it.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg

__all__ = ["InvalidArgument", "NoHandler", "PermanentError", "PgQueueError", "Retry", "from_psycopg"]

INVALID_PARAMETER_VALUE = "22023"


class PgQueueError(Exception):
    """Base class of the errors pgqueue raises itself."""


class InvalidArgument(PgQueueError, ValueError):
    """An argument pgqueue refuses; the message names it.

    Raised before anything is sent for what Python can check, or mapped from
    SQLSTATE 22023; then the psycopg error is kept as ``__cause__``.
    """


class NoHandler(PgQueueError, LookupError):
    """A job whose task no handler is registered for. The job fails like any other
    failure (retried, then dead-lettered), so a deploy that adds the handler later
    still runs it."""

    def __init__(self, task: str) -> None:
        super().__init__(f"no handler for task {task!r}")
        self.task = task


class Retry(Exception):
    """Raised by a handler to retry its job after a delay of its choosing (a timedelta
    or seconds) instead of the queue's backoff. The attempt counts, as for any failure.

        raise Retry(60)                          # due again in 60 s
        raise Retry(timedelta(minutes=5))
        raise Retry("SMTP busy", delay=30)       # with the reason for the error history

    The first argument is the delay when it is a number or a timedelta, else the
    reason (default "retry requested"); ``delay`` (or its older name ``in_``) gives
    it by keyword. No delay keeps the queue's backoff. The delay is checked by the
    worker, which records a bad one in the error history and applies the backoff.
    """

    def __init__(
        self,
        reason: str | timedelta | float | None = None,
        *,
        delay: timedelta | float | None = None,
        in_: timedelta | float | None = None,
    ) -> None:
        # Retry(60) reads as "retry in 60 s": taken as the reason, its delay was lost.
        positional = None if isinstance(reason, str) else reason
        given = [value for value in (positional, delay, in_) if value is not None]
        if len(given) > 1:
            raise InvalidArgument(f"Retry takes one delay (got {', '.join(map(repr, given))})")
        self.reason = reason if isinstance(reason, str) else "retry requested"
        self.delay = given[0] if given else None
        super().__init__(self.reason)

    @property
    def in_(self) -> timedelta | float | None:
        """The delay under its older name."""
        return self.delay


class PermanentError(Exception):
    """Raised by a handler for a failure no retry can fix (a malformed payload, a
    deleted account): the job is dead-lettered at once, whatever retries it has
    left. It can still be re-run with ``pgqueue.retry``."""


def from_psycopg(error: psycopg.Error) -> Exception:
    """The typed error for a psycopg error, or the error itself when it has none.

    The caller raises the result ``from error``, so the original stays reachable
    as ``__cause__``.
    """
    if error.sqlstate == INVALID_PARAMETER_VALUE:
        return InvalidArgument(error.diag.message_primary or str(error))
    return error
