"""AsyncClient: the key behaviours of Client, awaited (plain asyncio.run, no plugin)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool

from pgqueue import AsyncClient, EnqueueArgs, InvalidArgument, PgQueueError

ReadJob = Callable[[int], dict[str, Any]]
CountJobs = Callable[[], int]
UTC = timezone.utc


def test_enqueue_with_options(dsn: str, read_job: ReadJob) -> None:
    run_at = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    expires_at = datetime(2032, 1, 1, tzinfo=UTC)

    async def main() -> tuple[int, int, int]:
        async with AsyncClient(dsn) as client:
            plain = await client.enqueue("task:a", {"n": 1})
            delayed = await client.enqueue("task:b", delay=timedelta(minutes=2), priority=4, queue="q")
            scheduled = await client.enqueue(
                "task:c", run_at=run_at, max_retries=2, dedup_key="c", expires_at=expires_at
            )
            return plain, delayed, scheduled

    plain, delayed, scheduled = (read_job(job_id) for job_id in asyncio.run(main()))

    assert (plain["task"], plain["payload"], plain["state"]) == ("task:a", {"n": 1}, "pending")
    assert delayed["run_at"] - delayed["created_at"] == timedelta(minutes=2)
    assert (delayed["priority"], delayed["queue"]) == (4, "q")
    assert (scheduled["run_at"], scheduled["max_retries"]) == (run_at, 2)
    assert (scheduled["dedup_key"], scheduled["expires_at"]) == ("c", expires_at)


def test_enqueue_on_callers_connection_is_part_of_its_transaction(dsn: str, count_jobs: CountJobs) -> None:
    async def main() -> None:
        async with AsyncClient(dsn) as client, await psycopg.AsyncConnection.connect(dsn) as conn:
            job_id = await client.enqueue("task:x", conn=conn)
            many = await client.enqueue_many([{"task": "task:y"}], conn=conn)
            assert conn.info.transaction_status == TransactionStatus.INTRANS, "the client must not commit"
            cur = await conn.execute("select count(*) from pgqueue.jobs where id = any(%s)", [[job_id, *many]])
            assert await cur.fetchone() == (2,), "the caller sees its jobs before commit"
            assert count_jobs() == 0, "no other session sees them before commit"
            await conn.rollback()
            assert count_jobs() == 0

            await client.enqueue("task:z", conn=conn)
            await conn.commit()

    asyncio.run(main())
    assert count_jobs() == 1


def test_enqueue_many_ids_in_order_with_dedup(dsn: str, read_job: ReadJob) -> None:
    async def main() -> tuple[int, list[int]]:
        async with AsyncClient(dsn) as client:
            existing = await client.enqueue("task:x", dedup_key="k")
            job_ids = await client.enqueue_many(
                [EnqueueArgs("task:a"), {"task": "task:b", "dedup_key": "k"}, EnqueueArgs("task:c", delay=30)]
            )
            return existing, job_ids

    existing, (a, b, c) = asyncio.run(main())

    assert b == existing
    assert [read_job(job_id)["task"] for job_id in (a, c)] == ["task:a", "task:c"]
    assert read_job(c)["run_at"] - read_job(c)["created_at"] == timedelta(seconds=30)


def test_stats_cancel_retry(dsn: str, read_job: ReadJob) -> None:
    async def main() -> None:
        async with AsyncClient(dsn) as client:
            job_id = await client.enqueue("task:x", queue="q")
            await client.enqueue("task:x", queue="q", delay=60)
            (stats,) = await client.stats("q")
            assert (stats.queue, stats.pending, stats.scheduled) == ("q", 1, 1)

            assert await client.cancel(job_id) is True
            assert await client.cancel(job_id) is False
            assert read_job(job_id)["state"] == "cancelled"
            assert await client.retry(job_id) is True
            assert await client.retry(job_id) is False
            assert read_job(job_id)["state"] == "pending"

    asyncio.run(main())


def test_invalid_arguments(dsn: str, count_jobs: CountJobs) -> None:
    async def main() -> None:
        async with AsyncClient(dsn) as client:
            with pytest.raises(InvalidArgument, match="task must not be empty") as caught:
                await client.enqueue("")
            assert isinstance(caught.value.__cause__, psycopg.Error)
            assert caught.value.__cause__.sqlstate == "22023"
            with pytest.raises(InvalidArgument, match="run_at and delay are mutually exclusive"):
                await client.enqueue("task:x", run_at=datetime.now(UTC), delay=1)
            with pytest.raises(InvalidArgument, match=r"jobs\[0\]: max_retries must not be negative"):
                await client.enqueue_many([{"task": "task:x", "max_retries": -1}])
            with pytest.raises(InvalidArgument, match="payload must be JSON-serializable"):
                await client.enqueue("task:x", {"s": {1}})

    asyncio.run(main())
    assert count_jobs() == 0


def test_owned_pool_closes_and_a_given_pool_stays_open(dsn: str, count_jobs: CountJobs) -> None:
    async def main() -> None:
        client = AsyncClient(dsn)
        await client.enqueue("task:x")  # opens the pool on first use
        await client.close()
        with pytest.raises(PgQueueError, match="closed"):
            await client.enqueue("task:x")

        async with AsyncConnectionPool(dsn, min_size=1, max_size=2, open=False) as pool:
            async with AsyncClient(pool) as given:
                await given.enqueue("task:y")
            async with pool.connection() as conn:
                cur = await conn.execute("select 1")
                assert await cur.fetchone() == (1,)

    asyncio.run(main())
    assert count_jobs() == 2


def test_a_database_that_cannot_be_reached_fails_at_once_with_libpq_error(
    dsn: str, new_database_name: Callable[[str], str]
) -> None:
    """As Client's: a libpq error at once, not a PoolTimeout after 30 s."""
    missing = new_database_name("missing")  # never created

    async def main() -> None:
        client = AsyncClient(psycopg.conninfo.make_conninfo(dsn, dbname=missing))
        with pytest.raises(psycopg.OperationalError, match=f'database "{missing}" does not exist'):
            await client.enqueue("task:x")
        await client.close()

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5
