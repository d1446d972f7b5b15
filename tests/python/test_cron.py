"""Cron from Python: the client's schedule methods, and exactly-once firing when
many sessions drive the schedules at once over a simulated hour.

The clock is moved with ``pgqueue.fake_now`` (honoured for superusers, which the
test role is), so an hour of schedules runs in seconds.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from pgqueue import AsyncClient, Client, CronSchedule, InvalidArgument

DictConnection = psycopg.Connection[dict[str, Any]]

UTC = timezone.utc
START = datetime(2030, 1, 1, 10, 0, 0, tzinfo=UTC)


def set_clock(conn: psycopg.Connection[Any], moment: datetime) -> None:
    conn.execute("select set_config('pgqueue.fake_now', %s, false)", [moment.isoformat()])


def test_schedule_cron_creates_lists_and_removes_a_schedule(client: Client, db: DictConnection) -> None:
    next_fire = client.schedule_cron("*/5 * * * *", "cleanup-report", "task:report", {"kind": "cleanup"})
    assert next_fire.tzinfo is not None
    assert next_fire > datetime.now(UTC)
    assert next_fire.minute % 5 == 0
    assert next_fire.second == 0

    client.schedule_cron("@daily", "nightly", "task:nightly", queue="night", priority=3, timezone="Europe/Berlin")
    schedules = client.list_cron()
    assert [s.name for s in schedules] == ["cleanup-report", "nightly"]
    first = schedules[0]
    assert isinstance(first, CronSchedule)
    assert (first.spec, first.task, first.queue, first.payload, first.priority, first.timezone) == (
        "*/5 * * * *",
        "task:report",
        "default",
        {"kind": "cleanup"},
        0,
        "UTC",
    )
    assert first.next_fire_at == next_fire
    assert first.last_fire_at is None
    nightly = schedules[1]
    assert (nightly.queue, nightly.priority, nightly.timezone) == ("night", 3, "Europe/Berlin")
    assert nightly.next_fire_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 0

    assert client.remove_cron("nightly") is True
    assert client.remove_cron("nightly") is False
    assert [s.name for s in client.list_cron()] == ["cleanup-report"]


def test_schedule_cron_replaces_a_schedule_of_the_same_name(client: Client) -> None:
    client.schedule_cron("* * * * *", "job", "task:a")
    client.schedule_cron("@hourly", "job", "task:b", {"n": 1})
    (only,) = client.list_cron()
    assert (only.spec, only.task, only.payload) == ("@hourly", "task:b", {"n": 1})


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"spec": "61 * * * *"}, "minute"),
        ({"spec": "* * * *"}, "5 fields"),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"payload": [1, 2]}, "payload must be a JSON object"),
        ({"payload": {1, 2}}, "payload must be JSON-serializable"),
        ({"name": ""}, "name must not be empty"),
    ],
)
def test_schedule_cron_refuses_bad_input_with_invalid_argument(
    client: Client, arguments: dict[str, Any], message: str
) -> None:
    call: dict[str, Any] = {"spec": "* * * * *", "name": "bad", "task": "task:x", **arguments}
    with pytest.raises(InvalidArgument, match=message):
        client.schedule_cron(**call)
    assert client.list_cron() == []


def test_async_client_schedules_too(dsn: str) -> None:
    async def main() -> tuple[datetime, list[str], bool]:
        async with AsyncClient(dsn) as client:
            next_fire = await client.schedule_cron("@every 90 seconds", "poll", "task:poll")
            names = [s.name for s in await client.list_cron()]
            removed = await client.remove_cron("poll")
            return next_fire, names, removed

    next_fire, names, removed = asyncio.run(main())
    assert int(next_fire.timestamp()) % 90 == 0
    assert names == ["poll"]
    assert removed is True


def _drive_schedules_for_an_hour(dsn: str, sessions: int, step: timedelta) -> None:
    """`sessions` connections walk the clock from START to START + 1 hour in lockstep;
    at every step each calls run_schedules() or tick() (half and half), all at once."""
    steps = int(timedelta(hours=1) / step)
    barrier = threading.Barrier(sessions, timeout=60)
    errors: list[BaseException] = []

    def drive(number: int) -> None:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                call = "select pgqueue.tick()" if number % 2 else "select pgqueue.run_schedules()"
                for k in range(1, steps + 1):
                    set_clock(conn, START + k * step)
                    barrier.wait()
                    conn.execute(call)
        except BaseException as error:  # reported by the test thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=drive, args=(n,)) for n in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_eight_sessions_fire_each_fire_time_exactly_once_over_a_simulated_hour(dsn: str, db: DictConnection) -> None:
    set_clock(db, START)
    db.execute("select pgqueue.schedule('minutely', '* * * * *', 'task:minutely')")
    db.execute("select pgqueue.schedule('ten-seconds', '@every 10 seconds', 'task:ten')")

    _drive_schedules_for_an_hour(dsn, sessions=8, step=timedelta(seconds=1))

    rows = db.execute(
        """
        select j.task, (j.payload -> '_cron' ->> 'fire_at')::timestamptz as fire_at
        from pgqueue.jobs as j
        """
    ).fetchall()
    fired: dict[str, Counter[datetime]] = {"task:minutely": Counter(), "task:ten": Counter()}
    for row in rows:
        fired[row["task"]][row["fire_at"]] += 1

    expected_minutes = {START + timedelta(minutes=m) for m in range(1, 61)}
    expected_tens = {START + timedelta(seconds=10 * s) for s in range(1, 361)}
    assert set(fired["task:minutely"]) == expected_minutes, "every minute fired, none missing"
    assert set(fired["task:ten"]) == expected_tens, "every 10 seconds fired, none missing"
    assert max(fired["task:minutely"].values()) == 1, "no minute fired twice"
    assert max(fired["task:ten"].values()) == 1, "no 10-second slot fired twice"
    assert len(rows) == 60 + 360


def test_tick_returns_at_once_while_another_session_runs_it(dsn: str) -> None:
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as other:
        first = holder.execute("select pgqueue.tick()").fetchone()  # transaction left open
        assert first is not None
        assert first[0]["skipped"] is False
        second = other.execute("select pgqueue.tick()").fetchone()
        assert second is not None
        assert second[0] == {"skipped": True}
        holder.rollback()
        third = other.execute("select pgqueue.tick()").fetchone()
        assert third is not None
        assert third[0]["skipped"] is False


def test_a_late_worker_cannot_complete_a_rescued_job(dsn: str, db: DictConnection) -> None:
    set_clock(db, START)
    row = db.execute("select pgqueue.enqueue('task:slow', max_retries => 3) as id").fetchone()
    assert row is not None
    job_id = row["id"]
    with psycopg.connect(dsn, autocommit=True) as late:
        set_clock(late, START)
        claimed = late.execute("select id from pgqueue.dequeue('late', lease => '30 seconds')").fetchall()
        assert claimed == [(job_id,)]
        set_clock(db, START + timedelta(minutes=1))
        report = db.execute("select pgqueue.tick() as r").fetchone()
        assert report is not None
        assert report["r"]["rescued"] == 1
        set_clock(late, START + timedelta(minutes=1))
        done = late.execute("select pgqueue.complete(%s, 'late')", [job_id]).fetchone()
        assert done == (False,)
    job = db.execute("select state, attempt, errors from pgqueue.jobs where id = %s", [job_id]).fetchone()
    assert job is not None
    assert (job["state"], job["attempt"]) == ("pending", 1)
    assert job["errors"][-1]["error"] == "lease expired"
