"""Bad input: InvalidArgument naming the parameter, and nothing stored.

What the SQL functions refuse arrives as SQLSTATE 22023 and is mapped, with the
psycopg error kept as ``__cause__``; what Python can refuse (a payload JSON
cannot hold, a wrong type) is refused before anything is sent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest

from pgqueue import Client, InvalidArgument, PgQueueError
from pgqueue.errors import from_psycopg

CountJobs = Callable[[], int]
UTC = timezone.utc


@pytest.fixture
def offline() -> Iterator[Client]:
    """A client whose pool could never connect, and is never opened.

    An error it raises cannot have come from the database; had it tried to
    send anything, it would have waited for a connection and failed otherwise.
    """
    client = Client("host=127.0.0.1 port=1 dbname=nowhere connect_timeout=1")
    yield client
    client.close()


def _circular() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


def assert_mapped(error: InvalidArgument) -> None:
    assert isinstance(error, ValueError)
    assert isinstance(error, PgQueueError)
    assert isinstance(error.__cause__, psycopg.Error)
    assert error.__cause__.sqlstate == "22023"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": ""}, "task must not be empty"),
        ({"task": "   "}, "task must not be empty"),
        ({"task": "t", "queue": ""}, "queue must not be empty"),
        (
            {"task": "t", "run_at": datetime(2030, 1, 1, tzinfo=UTC), "delay": 5},
            "run_at and delay are mutually exclusive",
        ),
        ({"task": "t", "delay": -1}, "delay must not be negative"),
        ({"task": "t", "delay": timedelta(microseconds=-1)}, "delay must not be negative"),
        ({"task": "t", "max_retries": -1}, "max_retries must not be negative"),
    ],
)
def test_sql_refusals_raise_invalid_argument(
    client: Client, count_jobs: CountJobs, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message) as caught:
        client.enqueue(**kwargs)

    assert_mapped(caught.value)
    assert count_jobs() == 0


def test_enqueue_many_refusal_names_the_element_and_stores_nothing(client: Client, count_jobs: CountJobs) -> None:
    with pytest.raises(InvalidArgument, match=r"jobs\[1\]: task must not be empty") as caught:
        client.enqueue_many([{"task": "fine"}, {"task": ""}, {"task": "fine too"}])

    assert_mapped(caught.value)
    assert count_jobs() == 0


def test_enqueue_many_non_array_from_sql_maps_to_invalid_argument(dsn: str) -> None:
    with psycopg.connect(dsn) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute("""select pgqueue.enqueue_many(jobs => '{"task": "t"}')""")

    mapped = from_psycopg(caught.value)
    assert isinstance(mapped, InvalidArgument)
    assert "jobs must be a JSON array" in str(mapped)


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ({"task": "t"}, "jobs must be a sequence"),
        ("task", "jobs must be a sequence"),
        (None, "jobs must be a sequence"),
        ([{"task": "t"}, 1], r"jobs\[1\] must be a mapping"),
        ([{"task": "t", "prio": 1}], r"jobs\[0\] has an unknown key 'prio'"),
        ([{"payload": {}}], r"jobs\[0\] has no task"),
        ([{"task": "t"}, {"task": "t", "priority": "high"}], r"jobs\[1\]: priority must be an int"),
        ([{"task": "t", "payload": {1, 2}}], r"jobs\[0\]: payload must be JSON-serializable"),
    ],
)
def test_enqueue_many_python_refusals(offline: Client, jobs: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        offline.enqueue_many(jobs)


UNENCODABLE = [
    pytest.param({1, 2}, "not JSON serializable", id="set"),
    pytest.param(object(), "not JSON serializable", id="object"),
    pytest.param({"when": datetime(2030, 1, 1, tzinfo=UTC)}, "not JSON serializable", id="datetime"),
    pytest.param({"raw": b"bytes"}, "not JSON serializable", id="bytes"),
    pytest.param({"x": math.nan}, "Out of range float", id="nan"),
    pytest.param([math.inf], "Out of range float", id="inf"),
    pytest.param(_circular(), "Circular reference", id="circular"),
    pytest.param({"s": "a\x00b"}, "NUL character", id="nul"),
    pytest.param({"s": "\ud800"}, "not valid Unicode", id="lone-surrogate"),
]


@pytest.mark.parametrize(("payload", "detail"), UNENCODABLE)
def test_unencodable_payload_is_refused_before_sending(offline: Client, payload: Any, detail: str) -> None:
    with pytest.raises(InvalidArgument, match="payload") as caught:
        offline.enqueue("task:x", payload)

    assert detail in str(caught.value)


@pytest.mark.parametrize(("payload", "detail"), UNENCODABLE[:5])
def test_unencodable_payload_stores_nothing(client: Client, count_jobs: CountJobs, payload: Any, detail: str) -> None:
    with pytest.raises(InvalidArgument, match=f"payload.*{detail}"):
        client.enqueue("task:x", payload)

    assert count_jobs() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": None}, "task must be a str"),
        ({"task": 5}, "task must be a str"),
        ({"task": "a\x00b"}, "task must not contain a NUL"),
        ({"queue": 5}, "queue must be a str"),
        ({"dedup_key": 5}, "dedup_key must be a str"),
        ({"priority": "high"}, "priority must be an int"),
        ({"priority": 1.5}, "priority must be an int"),
        ({"priority": True}, "priority must be an int"),
        ({"priority": 2**31}, "priority must be between"),
        ({"max_retries": "3"}, "max_retries must be an int"),
        ({"delay": "5"}, "delay must be a timedelta or a number of seconds"),
        ({"delay": True}, "delay must be a timedelta or a number of seconds"),
        ({"delay": math.nan}, "delay must be a finite number of seconds"),
        ({"delay": math.inf}, "delay must be a finite number of seconds"),
        ({"run_at": datetime(2030, 1, 1)}, "run_at must be timezone-aware"),
        ({"run_at": date(2030, 1, 1)}, "run_at must be a datetime"),
        ({"run_at": "2030-01-01T00:00:00Z"}, "run_at must be a datetime"),
        ({"expires_at": datetime(2030, 1, 1)}, "expires_at must be timezone-aware"),
    ],
)
def test_python_type_errors_are_refused_before_sending(offline: Client, kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"task": "task:x", **kwargs}
    with pytest.raises(InvalidArgument, match=message):
        offline.enqueue(**arguments)


def test_job_id_must_be_an_int(offline: Client) -> None:
    with pytest.raises(InvalidArgument, match="job_id must be an int"):
        offline.cancel("1")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="job_id must be an int"):
        offline.retry(1.0)  # type: ignore[arg-type]


def test_client_refuses_what_is_neither_conninfo_nor_pool() -> None:
    with pytest.raises(InvalidArgument, match=r"conninfo str or a psycopg_pool\.ConnectionPool"):
        Client(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("conninfo", "reason"),
    [
        ("this is not a dsn", 'missing "=" after "this"'),
        ("dbname=app colour=blue", 'invalid connection option "colour"'),
        ("postgresql://[::1", "IPv6 host address"),
    ],
)
def test_a_conninfo_libpq_cannot_read_is_refused_at_once(conninfo: str, reason: str) -> None:
    """It was taken, and the pool retried it in the background until the first call
    timed out, 30 s later, with a PoolTimeout that did not say why."""
    from pgqueue import AsyncClient, AsyncWorker, ServeMux, Worker

    makers: list[Callable[[], object]] = [
        lambda: Client(conninfo),
        lambda: AsyncClient(conninfo),
        lambda: Worker(conninfo, ServeMux()),
        lambda: AsyncWorker(conninfo, ServeMux()),
    ]
    for make in makers:
        with pytest.raises(InvalidArgument, match="conninfo is not a valid connection string") as caught:
            make()
        assert reason in str(caught.value)
        assert isinstance(caught.value.__cause__, psycopg.ProgrammingError)


def test_other_database_errors_pass_through(client: Client) -> None:
    # retry() of a job whose dedup_key a newer live job holds is a unique
    # violation, not bad input: it stays psycopg's error.
    cancelled = client.enqueue("task:x", dedup_key="k")
    client.cancel(cancelled)
    client.enqueue("task:x", dedup_key="k")

    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        client.retry(cancelled)
    assert not isinstance(caught.value, PgQueueError)
