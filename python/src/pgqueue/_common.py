"""The logic behind both clients: checking arguments, encoding JSON, mapping errors.

``Client`` and ``AsyncClient`` differ only in how they wait for the database;
everything they decide is decided here, once. The functions turn Python
arguments into the parameters of a statement in :mod:`pgqueue.queries` and
refuse, with :class:`~pgqueue.errors.InvalidArgument`, what would otherwise fail
obscurely later (a payload JSON cannot hold, a naive datetime). Rules the SQL
functions enforce (an empty task, run_at with delay, a negative delay) are left
to them: they name the parameter, and the message is the same from every driver.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, SupportsIndex

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pgqueue.errors import InvalidArgument, from_psycopg
from pgqueue.models import EnqueueArgs

__all__ = [
    "check_conninfo",
    "duration",
    "encode_payload",
    "enqueue_many_params",
    "enqueue_params",
    "job_id_params",
    "list_jobs_params",
    "schedule_name_params",
    "schedule_params",
    "stats_params",
    "translate_errors",
]

# enqueue's parameter names, which are also the keys of an enqueue_many element.
ENQUEUE_PARAMETERS = frozenset(f.name for f in fields(EnqueueArgs))

_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1
_INT8_MIN, _INT8_MAX = -(2**63), 2**63 - 1

# A JSON \u0000 escape: preceded by an even number of backslashes, so it is an
# escape and not the text "\u0000" inside a string.
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Raise the typed error for a psycopg error (the original as ``__cause__``)."""
    try:
        yield
    except psycopg.Error as error:
        mapped = from_psycopg(error)
        if mapped is error:
            raise
        raise mapped from error


def check_conninfo(conninfo: object) -> str:
    """``conninfo`` if libpq can read it (key=value pairs or a URI; "" leaves everything
    to libpq's defaults); else InvalidArgument with libpq's reason. Checked up front: a
    pool or a worker would retry a connection that can never be made."""
    if not isinstance(conninfo, str):
        raise InvalidArgument(f"conninfo must be a str (got {_type_name(conninfo)})")
    try:
        conninfo_to_dict(conninfo)
    except (psycopg.ProgrammingError, UnicodeEncodeError) as error:
        raise InvalidArgument(f"conninfo is not a valid connection string: {str(error).strip()}") from error
    return conninfo


def encode_payload(payload: Any, name: str = "payload") -> str | None:
    """The JSON text of a payload, or None (the SQL default, ``{}``) for None."""
    if payload is None:
        return None
    try:
        text = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as error:
        raise InvalidArgument(f"{name} must be JSON-serializable: {error}") from error
    if _JSON_NUL.search(text):
        raise InvalidArgument(f"{name} contains a NUL character (\\u0000), which PostgreSQL's jsonb cannot store")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidArgument(f"{name} contains a string that is not valid Unicode: {error}") from error
    return text


def _type_name(value: object) -> str:
    return type(value).__name__


def _text(name: str, value: object, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str (got {_type_name(value)})")
    if "\x00" in value:
        raise InvalidArgument(f"{name} must not contain a NUL character")
    return value


def _integer(name: str, value: object, low: int = _INT4_MIN, high: int = _INT4_MAX) -> int | None:
    if value is None:
        return None
    # Any integer type (numpy's too) but not bool, which is an int by accident.
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise InvalidArgument(f"{name} must be an int (got {_type_name(value)})")
    number = operator.index(value)
    if not low <= number <= high:
        raise InvalidArgument(f"{name} must be between {low} and {high} (got {number})")
    return number


def _moment(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{name} must be a datetime (got {_type_name(value)})")
    if value.utcoffset() is None:
        raise InvalidArgument(
            f"{name} must be timezone-aware (got a naive datetime, {value.isoformat()}): "
            "a naive time would be read in the session's time zone"
        )
    return value


def duration(name: str, value: object) -> timedelta | None:
    """A timedelta, or seconds as an int or float (None stays None); anything else, or a
    number no timedelta can hold, is refused naming ``name``."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name} must be a timedelta or a number of seconds (got {_type_name(value)})")
    try:
        return timedelta(seconds=value)
    except (OverflowError, ValueError):
        raise InvalidArgument(f"{name} must be a finite number of seconds (got {value!r})") from None


def enqueue_params(
    task: object,
    payload: Any = None,
    queue: object = "default",
    priority: object = 0,
    delay: object = None,
    run_at: object = None,
    max_retries: object = None,
    dedup_key: object = None,
    expires_at: object = None,
) -> dict[str, Any]:
    """The parameters of ``queries.ENQUEUE``, checked; None leaves the SQL default."""
    return {
        "task": _text("task", task, required=True),
        "payload": encode_payload(payload),
        "queue": _text("queue", queue),
        "priority": _integer("priority", priority),
        "run_at": _moment("run_at", run_at),
        "delay": duration("delay", delay),
        "max_retries": _integer("max_retries", max_retries),
        "dedup_key": _text("dedup_key", dedup_key),
        "expires_at": _moment("expires_at", expires_at),
    }


def _interval_json(value: timedelta) -> str:
    # Explicit signs read the same under every IntervalStyle (as psycopg sends
    # a timedelta), so a delay means the same in enqueue and enqueue_many.
    return json.dumps(f"{value.days:+d} day {value.seconds:+d} second {value.microseconds:+d} microsecond")


def _job_json(params: Mapping[str, Any]) -> str:
    """One enqueue_many element: enqueue's checked parameters as a JSON object.

    The payload is already JSON text and goes in as it is; a None parameter is
    left out, so the SQL default applies.
    """
    members = []
    for key, value in params.items():
        if value is None:
            continue
        if key == "payload":
            encoded = value
        elif isinstance(value, datetime):
            encoded = json.dumps(value.isoformat())
        elif isinstance(value, timedelta):
            encoded = _interval_json(value)
        else:
            encoded = json.dumps(value)
        members.append(f"{json.dumps(key)}:{encoded}")
    return "{" + ",".join(members) + "}"


def _job_arguments(index: int, job: object) -> dict[str, Any]:
    if isinstance(job, EnqueueArgs):
        return {f.name: getattr(job, f.name) for f in fields(job)}
    if not isinstance(job, Mapping):
        raise InvalidArgument(f"jobs[{index}] must be a mapping or an EnqueueArgs (got {_type_name(job)})")
    for key in job:
        if key not in ENQUEUE_PARAMETERS:
            raise InvalidArgument(
                f"jobs[{index}] has an unknown key {key!r} (keys are enqueue's parameter names: "
                f"{', '.join(sorted(ENQUEUE_PARAMETERS))})"
            )
    if "task" not in job:
        raise InvalidArgument(f"jobs[{index}] has no task")
    return dict(job)


def enqueue_many_params(jobs: Sequence[Mapping[str, Any] | EnqueueArgs]) -> dict[str, Any]:
    """The parameters of ``queries.ENQUEUE_MANY``: every job checked like ``enqueue``'s arguments."""
    if isinstance(jobs, str | bytes | bytearray | Mapping) or not isinstance(jobs, Iterable):
        raise InvalidArgument(f"jobs must be a sequence of mappings or EnqueueArgs (got {_type_name(jobs)})")
    elements = []
    for index, job in enumerate(jobs):
        arguments = _job_arguments(index, job)
        try:
            params = enqueue_params(**arguments)
        except InvalidArgument as error:
            raise InvalidArgument(f"jobs[{index}]: {error}") from error.__cause__
        elements.append(_job_json(params))
    return {"jobs": "[" + ",".join(elements) + "]"}


def job_id_params(job_id: object) -> dict[str, Any]:
    """The parameters of a statement taking one job id."""
    return {"job_id": _integer("job_id", job_id, _INT8_MIN, _INT8_MAX)}


# The most jobs one list_jobs call returns (pgqueue.list_jobs refuses more).
MAX_LIST_JOBS = 10000


def list_jobs_params(state: object, queue: object, task: object, limit: object, before_id: object) -> dict[str, Any]:
    """The parameters of ``queries.LIST_JOBS``; None filters nothing.

    ``limit`` is checked here because the SQL parameter has another name
    (``max_jobs``); the state is checked by SQL, which lists the valid ones.
    """
    if limit is None:
        raise InvalidArgument("limit must be an int (got NoneType)")
    return {
        "state": _text("state", state),
        "queue": _text("queue", queue),
        "task": _text("task", task),
        "max_jobs": _integer("limit", limit, 1, MAX_LIST_JOBS),
        "before_id": _integer("before_id", before_id, _INT8_MIN, _INT8_MAX),
    }


def stats_params(queue: object) -> dict[str, Any]:
    """The parameters of ``queries.STATS``: one queue, or None for every queue."""
    return {"queue": _text("queue", queue)}


def schedule_params(
    *, spec: object, name: object, task: object, payload: object, queue: object, priority: object, timezone: object
) -> dict[str, Any]:
    """The parameters of ``queries.SCHEDULE``. The spec and time zone are checked by SQL."""
    return {
        "spec": _text("spec", spec, required=True),
        "name": _text("name", name, required=True),
        "task": _text("task", task, required=True),
        "payload": encode_payload(payload),
        "queue": _text("queue", queue, required=True),
        "priority": _integer("priority", priority),
        "timezone": _text("timezone", timezone, required=True),
    }


def schedule_name_params(name: object) -> dict[str, Any]:
    """The parameters of a statement taking one schedule name."""
    return {"name": _text("name", name, required=True)}
