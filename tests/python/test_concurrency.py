"""What only several sessions can show: SKIP LOCKED, dedup races, NOTIFY, fencing.

Each worker or producer here is a real, separate connection driven from its own
thread; one pgTAP transaction could not see any of this.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgqueue import Client

DictConnection = psycopg.Connection[dict[str, Any]]
CountJobs = Callable[[], int]
ReadJob = Callable[[int], dict[str, Any]]

BARRIER_TIMEOUT = 30


def test_eight_workers_drain_3000_jobs_each_claimed_exactly_once(client: Client, dsn: str, db: DictConnection) -> None:
    job_ids = client.enqueue_many([{"task": "task:drain", "payload": {"n": n}} for n in range(3000)])
    workers = [f"worker-{n}" for n in range(8)]
    start = threading.Barrier(len(workers), timeout=BARRIER_TIMEOUT)

    def drain(worker: str) -> list[int]:
        claimed: list[int] = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            start.wait()
            while True:
                rows = conn.execute(
                    "select id from pgqueue.dequeue(worker => %s, batch_size => 7)", [worker]
                ).fetchall()
                if not rows:
                    return claimed
                batch = [job_id for (job_id,) in rows]
                completed = conn.execute(
                    "select pgqueue.complete_many(job_ids => %s, worker => %s)", [batch, worker]
                ).fetchone()
                assert completed == (len(batch),), f"{worker} could not complete its own batch {batch}"
                claimed.extend(batch)

    with ThreadPoolExecutor(len(workers)) as pool:
        claims = dict(zip(workers, pool.map(drain, workers), strict=True))

    every_claim = [job_id for claimed in claims.values() for job_id in claimed]
    twice = [job_id for job_id, times in Counter(every_claim).items() if times > 1]
    assert twice == [], "no job may be claimed twice"
    assert set(every_claim) == set(job_ids), "every job is claimed"
    assert sum(1 for claimed in claims.values() if claimed) >= 2, "the work was shared between workers"

    rows = db.execute("select id, state, attempt, locked_by from pgqueue.jobs").fetchall()
    assert Counter(row["state"] for row in rows) == {"done": 3000}
    assert {row["attempt"] for row in rows} == {1}
    holder = {job_id: worker for worker, claimed in claims.items() for job_id in claimed}
    assert all(row["locked_by"] == holder[row["id"]] for row in rows), "each job is done by its claimer"


@pytest.mark.parametrize("method", ["enqueue", "enqueue_many"])
def test_sixteen_sessions_enqueueing_one_dedup_key_create_one_job(
    client: Client, dsn: str, db: DictConnection, count_jobs: CountJobs, method: str
) -> None:
    sessions = 16
    start = threading.Barrier(sessions, timeout=BARRIER_TIMEOUT)

    def produce(n: int) -> int:
        with psycopg.connect(dsn) as conn:
            start.wait()
            if method == "enqueue":
                job_id = client.enqueue("task:once", {"by": n}, dedup_key="the-key", conn=conn)
            else:
                (job_id,) = client.enqueue_many(
                    [{"task": "task:once", "payload": {"by": n}, "dedup_key": "the-key"}], conn=conn
                )
            # Hold the transaction a moment, so the others meet an uncommitted
            # insert of the key and must wait for its outcome.
            time.sleep(0.1)
            conn.commit()
            return job_id

    with ThreadPoolExecutor(sessions) as pool:
        job_ids = list(pool.map(produce, range(sessions)))

    assert count_jobs() == 1
    row = db.execute("select id from pgqueue.jobs where dedup_key = 'the-key'").fetchone()
    assert row is not None
    assert job_ids == [row["id"]] * sessions, "every session gets the one job's id"


def test_batches_taking_shared_dedup_keys_in_opposite_orders_do_not_deadlock(dsn: str, db: DictConnection) -> None:
    """Two sessions enqueue the same 2,000 dedup_keys at once, one in ascending
    and one in descending order. Inserted in input order, each held keys the
    other waited for, and PostgreSQL broke the deadlock by failing one (in 2 of
    3 rounds on the development machine); five rounds make a miss unlikely."""
    errors: list[psycopg.Error] = []
    for round_ in range(5):
        keys = [f"r{round_}-{n:04}" for n in range(2000)]
        start = threading.Barrier(2, timeout=BARRIER_TIMEOUT)

        def produce(order: list[str], start: threading.Barrier = start) -> list[int]:
            batch = Jsonb([{"task": "task:shared", "dedup_key": key} for key in order])
            with psycopg.connect(dsn, autocommit=True) as conn:
                start.wait()
                try:
                    return [row[0] for row in conn.execute("select * from pgqueue.enqueue_many(%s)", [batch])]
                except psycopg.Error as error:
                    errors.append(error)
                    return []

        with ThreadPoolExecutor(2) as pool:
            ascending, descending = pool.map(produce, [keys, keys[::-1]])
        assert not errors, errors
        assert ascending == descending[::-1], "both sessions get the same job for each key"
    assert db.execute("select count(*) as n from pgqueue.jobs").fetchone() == {"n": 10000}


@pytest.fixture
def listener(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection listening on channel pgqueue."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("listen pgqueue")
        yield conn


def received(listener: psycopg.Connection[Any], wait: float = 0.5) -> list[str]:
    """The payloads of the notifications on channel pgqueue within ``wait`` seconds."""
    return [n.payload for n in listener.notifies(timeout=wait) if n.channel == "pgqueue"]


def test_rolled_back_enqueue_leaves_no_job_and_wakes_nobody(
    client: Client, dsn: str, listener: psycopg.Connection[Any], db: DictConnection
) -> None:
    with psycopg.connect(dsn) as producer:
        client.enqueue("task:x", queue="rolled-back", conn=producer)
        client.enqueue_many([{"task": "task:x", "queue": "rolled-back-too"}], conn=producer)
        producer.rollback()
        client.enqueue("task:x", queue="delayed", delay=60, conn=producer)
        producer.commit()
        client.enqueue("task:x", queue="committed", conn=producer)
        producer.commit()

    # Notifications arrive in commit order: one sent by the rolled-back
    # transaction would come before the committed one.
    assert received(listener) == ["committed"], "only the committed, due job notifies"
    queues = [row["queue"] for row in db.execute("select queue from pgqueue.jobs order by id")]
    assert queues == ["delayed", "committed"]


def test_enqueue_notifies_for_each_job_due_now_and_no_other(client: Client, listener: psycopg.Connection[Any]) -> None:
    now = datetime.now(timezone.utc)
    client.enqueue("task:x", queue="future", run_at=now + timedelta(hours=1))
    client.enqueue("task:x", queue="overdue", run_at=now - timedelta(hours=1))
    client.enqueue("task:x", queue="brand-new")
    client.enqueue("task:x", queue="keyed", dedup_key="k")
    client.enqueue("task:x", queue="keyed", dedup_key="k")
    client.enqueue("task:x", queue="keyed-later", dedup_key="k", delay=60)

    # The job of a queue's first enqueue notifies once, though enqueue inserts
    # it on its second try; a deduplicated call inserts nothing and is silent.
    assert received(listener) == ["overdue", "brand-new", "keyed"]


def test_enqueue_many_of_100_due_jobs_sends_one_notification(client: Client, listener: psycopg.Connection[Any]) -> None:
    client.enqueue_many([{"task": "task:bulk", "queue": "bulk"} for _ in range(100)])
    assert received(listener) == ["bulk"]

    client.enqueue_many([{"task": "task:bulk", "queue": queue} for queue in ["a", "b"] * 50])
    assert received(listener) == ["*"], "jobs of several queues: one notification for all"


def claim(conn: psycopg.Connection[Any], worker: str) -> int:
    row = conn.execute("select id from pgqueue.dequeue(worker => %s)", [worker]).fetchone()
    assert row is not None, f"{worker} claimed nothing"
    return int(row[0])


def test_a_worker_that_does_not_hold_the_job_changes_nothing(client: Client, dsn: str, db: DictConnection) -> None:
    job_id = client.enqueue("task:x")
    with psycopg.connect(dsn, autocommit=True) as a, psycopg.connect(dsn, autocommit=True) as b:
        assert claim(a, "A") == job_id
        before = db.execute("select * from pgqueue.jobs where id = %s", [job_id]).fetchone()

        calls = {
            "select pgqueue.complete(job_id => %(id)s, worker => 'B', result => '{\"by\": \"B\"}')": False,
            "select pgqueue.complete_many(job_ids => array[%(id)s]::bigint[], worker => 'B')": 0,
            "select pgqueue.fail(job_id => %(id)s, worker => 'B', error => 'not mine')": None,
            "select pgqueue.heartbeat(job_ids => array[%(id)s]::bigint[], worker => 'B')": 0,
            "select pgqueue.release(job_ids => array[%(id)s]::bigint[], worker => 'B')": 0,
        }
        for statement, expected in calls.items():
            row = b.execute(statement, {"id": job_id}).fetchone()
            assert row == (expected,), statement

        after = db.execute("select * from pgqueue.jobs where id = %s", [job_id]).fetchone()
        assert after == before, "nothing changed"
        assert a.execute("select pgqueue.complete(%s, 'A')", [job_id]).fetchone() == (True,)


def test_late_worker_is_fenced_out_after_its_job_is_rescued_and_reclaimed(
    dsn: str, client: Client, db: DictConnection, read_job: ReadJob
) -> None:
    job_id = client.enqueue("task:slow")
    row = db.execute("select to_regprocedure('pgqueue.rescue()') is not null as installed").fetchone()
    rescued_by_pgqueue = row is not None and row["installed"]
    with psycopg.connect(dsn, autocommit=True) as a, psycopg.connect(dsn) as b:
        assert claim(a, "A") == job_id
        a_pid = a.info.backend_pid

        # B's transaction moves the clock past A's lease, takes the job back
        # and claims it, but has not committed when A, late, completes it.
        _move_clock(b, "1 hour")
        if rescued_by_pgqueue:
            assert b.execute("select pgqueue.rescue()").fetchone() == (1,)
        else:
            # Until pgqueue.rescue() is installed: what it does to a stuck job.
            b.execute(
                "update pgqueue.jobs set state = 'pending', locked_by = null, lease_expires_at = null where id = %s",
                [job_id],
            )
        _move_clock(b, "2 hours")
        assert claim(b, "B") == job_id

        with ThreadPoolExecutor(1) as pool:
            late = pool.submit(
                lambda: a.execute("select pgqueue.complete(%s, 'A', '{\"by\": \"A\"}')", [job_id]).fetchone()
            )
            _wait_until_blocked(db, a_pid)
            b.commit()
            assert late.result(timeout=10) == (False,), "A no longer holds the job"

    job = read_job(job_id)
    assert (job["state"], job["locked_by"], job["attempt"], job["result"]) == ("processing", "B", 2, None)
    if rescued_by_pgqueue:
        assert [e["error"] for e in job["errors"]] == ["lease expired"]
    with psycopg.connect(dsn, autocommit=True) as b_again:
        assert b_again.execute("select pgqueue.complete(%s, 'B')", [job_id]).fetchone() == (True,)
    assert read_job(job_id)["state"] == "done"


def _move_clock(conn: psycopg.Connection[Any], ahead: str) -> None:
    """Set pgqueue.fake_now, for the rest of conn's transaction, to ``ahead`` from now."""
    conn.execute("select set_config('pgqueue.fake_now', (now() + %s::interval)::text, true)", [ahead])


def _wait_until_blocked(db: DictConnection, pid: int, timeout: float = 10) -> None:
    """Wait until backend ``pid`` waits for a lock: its statement reached the row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.execute("select wait_event_type from pg_stat_activity where pid = %s", [pid], prepare=False).fetchone()
        if row is not None and row["wait_event_type"] == "Lock":
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")
