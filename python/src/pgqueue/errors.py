"""The errors pgqueue raises.

The SQL functions report bad input with SQLSTATE 22023 (invalid_parameter_value)
and a message naming the parameter; the driver turns that into
:class:`InvalidArgument`, and raises the same class for what it can refuse before
anything is sent (a payload JSON cannot hold, a ``priority`` that is not an int).
Every other database error passes through unchanged as psycopg raised it.
"""

from __future__ import annotations

import psycopg

__all__ = ["InvalidArgument", "PgQueueError", "from_psycopg"]

INVALID_PARAMETER_VALUE = "22023"


class PgQueueError(Exception):
    """Base class of the errors pgqueue raises itself."""


class InvalidArgument(PgQueueError, ValueError):
    """An argument pgqueue refuses; the message names it.

    Raised before anything is sent for what Python can check, or mapped from
    SQLSTATE 22023; then the psycopg error is kept as ``__cause__``.
    """


def from_psycopg(error: psycopg.Error) -> Exception:
    """The typed error for a psycopg error, or the error itself when it has none.

    The caller raises the result ``from error``, so the original stays reachable
    as ``__cause__``.
    """
    if error.sqlstate == INVALID_PARAMETER_VALUE:
        return InvalidArgument(error.diag.message_primary or str(error))
    return error
