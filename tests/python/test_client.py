"""Client: each method against a real database, checked by reading pgqueue.jobs."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from pgqueue import Client, EnqueueArgs, PgQueueError, QueueStats

ReadJob = Callable[[int], dict[str, Any]]
CountJobs = Callable[[], int]
UTC = timezone.utc


def test_enqueue_with_defaults(client: Client, read_job: ReadJob) -> None:
    job_id = client.enqueue("task:send:email")

    job = read_job(job_id)
    assert isinstance(job_id, int)
    assert job["task"] == "task:send:email"
    assert job["payload"] == {}
    assert job["queue"] == "default"
    assert job["priority"] == 0
    assert job["run_at"] == job["created_at"]
    assert job["max_retries"] == 5
    assert job["state"] == "pending"
    assert job["dedup_key"] is None
    assert job["expires_at"] is None


def test_enqueue_payload_round_trips(client: Client, read_job: ReadJob) -> None:
    payload = {"to": "a@b.c", "n": [1, 2.5, None, True], "nested": {"ünï": "cödé ✓"}, "text": "\\u0000"}

    job_id = client.enqueue("task:x", payload)

    assert read_job(job_id)["payload"] == payload


@pytest.mark.parametrize("payload", [[1, 2], "just a string", 42])
def test_enqueue_payload_need_not_be_an_object(client: Client, read_job: ReadJob, payload: Any) -> None:
    assert read_job(client.enqueue("task:x", payload))["payload"] == payload


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (timedelta(minutes=5), timedelta(minutes=5)),
        (timedelta(days=2, seconds=3, microseconds=4), timedelta(days=2, seconds=3, microseconds=4)),
        (90, timedelta(seconds=90)),
        (1.5, timedelta(seconds=1.5)),
        (0, timedelta(0)),
    ],
)
def test_enqueue_delay_postpones_run_at(
    client: Client, read_job: ReadJob, delay: timedelta | float, expected: timedelta
) -> None:
    job = read_job(client.enqueue("task:x", delay=delay))

    assert job["run_at"] - job["created_at"] == expected


def test_enqueue_run_at(client: Client, read_job: ReadJob) -> None:
    run_at = datetime(2031, 1, 2, 3, 4, 5, 678_000, tzinfo=timezone(timedelta(hours=5)))

    job = read_job(client.enqueue("task:x", run_at=run_at))

    assert job["run_at"] == run_at


def test_enqueue_every_other_option(client: Client, read_job: ReadJob) -> None:
    expires_at = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)

    job_id = client.enqueue(
        "task:report:daily",
        {"day": "2030-05-31"},
        queue="reports",
        priority=7,
        max_retries=0,
        dedup_key="report-2030-05-31",
        expires_at=expires_at,
    )

    job = read_job(job_id)
    assert job["queue"] == "reports"
    assert job["priority"] == 7
    assert job["max_retries"] == 0
    assert job["dedup_key"] == "report-2030-05-31"
    assert job["expires_at"] == expires_at


def test_enqueue_dedup_key_returns_the_live_job(client: Client, count_jobs: CountJobs) -> None:
    first = client.enqueue("task:x", {"n": 1}, dedup_key="k")
    again = client.enqueue("task:x", {"n": 2}, dedup_key="k")
    other_queue = client.enqueue("task:x", dedup_key="k", queue="other")

    assert again == first
    assert other_queue != first
    assert count_jobs() == 2
    # Once the job is no longer pending or processing, the key is free again.
    assert client.cancel(first)
    assert client.enqueue("task:x", dedup_key="k") not in (first, other_queue)


def test_enqueue_on_callers_connection_is_part_of_its_transaction(
    client: Client, dsn: str, count_jobs: CountJobs
) -> None:
    with psycopg.connect(dsn) as conn:
        job_id = client.enqueue("task:x", conn=conn)

        assert conn.info.transaction_status == TransactionStatus.INTRANS, "the client must not commit"
        seen = conn.execute("select count(*) from pgqueue.jobs where id = %s", [job_id]).fetchone()
        assert seen == (1,), "the caller sees its job before commit"
        assert count_jobs() == 0, "no other session sees it before commit"

        conn.rollback()
        assert count_jobs() == 0

        committed_id = client.enqueue("task:y", conn=conn)
        conn.commit()
    assert count_jobs() == 1
    assert committed_id != job_id


def test_enqueue_on_a_connection_with_another_row_factory(client: Client, dsn: str, read_job: ReadJob) -> None:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        job_id = client.enqueue("task:x", conn=conn)
        job_ids = client.enqueue_many([{"task": "task:y"}], conn=conn)
        conn.commit()

    assert read_job(job_id)["task"] == "task:x"
    assert read_job(job_ids[0])["task"] == "task:y"


def test_enqueue_many_returns_ids_in_input_order(client: Client, read_job: ReadJob) -> None:
    tasks = [f"task:{n}" for n in range(50)]

    job_ids = client.enqueue_many([{"task": task, "payload": {"n": n}} for n, task in enumerate(tasks)])

    assert len(job_ids) == len(set(job_ids)) == 50
    assert [read_job(job_id)["task"] for job_id in job_ids] == tasks
    assert [read_job(job_id)["payload"] for job_id in job_ids] == [{"n": n} for n in range(50)]


def test_enqueue_many_dedup(client: Client, count_jobs: CountJobs) -> None:
    existing = client.enqueue("task:x", dedup_key="k1")

    job_ids = client.enqueue_many(
        [
            {"task": "task:a", "dedup_key": "k1"},
            {"task": "task:b"},
            {"task": "task:c", "dedup_key": "k2"},
            {"task": "task:d", "dedup_key": "k2"},
        ]
    )

    assert job_ids[0] == existing
    assert job_ids[2] == job_ids[3]
    assert len({existing, job_ids[1], job_ids[2]}) == 3
    assert count_jobs() == 3


def test_enqueue_many_takes_every_option(client: Client, read_job: ReadJob) -> None:
    run_at = datetime(2031, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    expires_at = datetime(2032, 1, 1, tzinfo=UTC)
    odd_delay = timedelta(days=2, seconds=3, microseconds=4)

    job_ids = client.enqueue_many(
        [
            EnqueueArgs("task:a", {"a": 1}, queue="q1", priority=3, delay=odd_delay, max_retries=1),
            {"task": "task:b", "delay": 90, "dedup_key": "b", "expires_at": expires_at},
            {"task": "task:c", "run_at": run_at, "priority": -2},
            EnqueueArgs("task:d", delay=1.5),
        ]
    )

    a, b, c, d = (read_job(job_id) for job_id in job_ids)
    assert (a["task"], a["payload"], a["queue"]) == ("task:a", {"a": 1}, "q1")
    assert (a["priority"], a["max_retries"]) == (3, 1)
    assert a["run_at"] - a["created_at"] == odd_delay
    assert b["run_at"] - b["created_at"] == timedelta(seconds=90)
    assert (b["dedup_key"], b["expires_at"]) == ("b", expires_at)
    assert (b["queue"], b["max_retries"], b["payload"]) == ("default", 5, {})
    assert (c["run_at"], c["priority"]) == (run_at, -2)
    assert d["run_at"] - d["created_at"] == timedelta(seconds=1.5)


def test_enqueue_many_of_nothing_returns_nothing(client: Client, count_jobs: CountJobs) -> None:
    assert client.enqueue_many([]) == []
    assert count_jobs() == 0


def test_enqueue_many_on_callers_connection_rolls_back(client: Client, dsn: str, count_jobs: CountJobs) -> None:
    with psycopg.connect(dsn) as conn:
        job_ids = client.enqueue_many([{"task": "task:a"}, {"task": "task:b"}], conn=conn)
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        assert conn.execute("select count(*) from pgqueue.jobs").fetchone() == (2,)
        conn.rollback()

    assert len(job_ids) == 2
    assert count_jobs() == 0


def test_stats(client: Client) -> None:
    client.enqueue("task:x", queue="a")
    client.enqueue("task:x", queue="a")
    client.enqueue("task:x", queue="a", delay=timedelta(hours=1))
    cancelled = client.enqueue("task:x", queue="b")
    client.cancel(cancelled)

    stats = client.stats()

    assert [s.queue for s in stats] == ["a", "b"]
    a, b = stats
    assert isinstance(a, QueueStats)
    counts = (a.pending, a.scheduled, a.processing, a.done, a.failed, a.cancelled, a.expired)
    assert counts == (2, 1, 0, 0, 0, 0, 0)
    assert isinstance(a.oldest_pending_age, timedelta)
    assert (b.pending, b.cancelled, b.oldest_pending_age) == (0, 1, None)
    assert client.stats("b") == [b]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.pending = 0  # type: ignore[misc]


def test_cancel_and_retry(client: Client, read_job: ReadJob) -> None:
    job_id = client.enqueue("task:x", delay=3600)

    assert client.cancel(job_id) is True
    assert read_job(job_id)["state"] == "cancelled"
    assert client.cancel(job_id) is False, "a cancelled job cannot be cancelled again"

    assert client.retry(job_id) is True
    job = read_job(job_id)
    assert job["state"] == "pending"
    assert job["run_at"] < datetime.now(UTC), "a retried job is due now"
    assert client.retry(job_id) is False, "a pending job cannot be retried"
    assert client.cancel(10**12) is False, "no such job"


def test_client_closes_the_pool_it_owns(dsn: str) -> None:
    client = Client(dsn)
    client.enqueue("task:x")  # opens the pool on first use
    client.close()

    with pytest.raises(PgQueueError, match="closed"):
        client.enqueue("task:x")
    client.close()  # closing twice is harmless


def test_client_leaves_a_given_pool_open(dsn: str, count_jobs: CountJobs) -> None:
    with ConnectionPool(dsn, min_size=1, max_size=2, open=True) as pool:
        with Client(pool) as client:
            client.enqueue("task:x")
        with pool.connection() as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        assert not pool.closed
    assert count_jobs() == 1


def test_a_database_that_cannot_be_reached_fails_at_once_with_libpq_error(
    dsn: str, new_database_name: Callable[[str], str]
) -> None:
    """The pool retried in the background; the first call waited 30 s for a PoolTimeout
    that did not say why (and the pool logged each attempt meanwhile)."""
    missing = new_database_name("missing")  # never created
    client = Client(psycopg.conninfo.make_conninfo(dsn, dbname=missing))
    started = time.monotonic()

    with pytest.raises(psycopg.OperationalError, match=f'database "{missing}" does not exist'):
        client.enqueue("task:x")
    assert time.monotonic() - started < 5
    client.close()
