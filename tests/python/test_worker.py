"""The worker in the test's own process: handlers, failures, leases, wake-ups.

Each test runs a real :class:`pgqueue.Worker` in a thread (``worker_thread``) on
a fresh database and watches what its handlers saw (a ``Recorder``) and what
the database holds (``pgqueue.jobs``). Tests that need real processes (signals,
``kill -9``, many workers) are in test_worker_processes.py.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import statistics
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from worker_app import Recorder, wait_until, worker_thread

from pgqueue import AsyncWorker, Client, InvalidArgument, Job, PermanentError, PgQueueError, Retry, ServeMux, Worker

DictConnection = psycopg.Connection[dict[str, Any]]

LISTEN_APP = "pgqueue worker listen"


def job_row(db: DictConnection, job_id: int) -> dict[str, Any]:
    row = db.execute("select * from pgqueue.jobs where id = %s", [job_id]).fetchone()
    assert row is not None, f"job {job_id} does not exist"
    return row


def wait_for_state(db: DictConnection, job_id: int, state: str, timeout: float = 10) -> dict[str, Any]:
    return wait_until(
        lambda: (row := job_row(db, job_id))["state"] == state and row, timeout, f"job {job_id} to be {state}"
    )


def fast_backoff(db: DictConnection, queue: str = "default") -> None:
    db.execute("select pgqueue.configure_queue(queue => %s, backoff_base => '50 ms')", [queue])


def error_times(row: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(entry["at"]) for entry in row["errors"]]


# --- handlers -----------------------------------------------------------------------------


def test_sync_and_async_handlers_run_and_their_jobs_complete(dsn: str, client: Client, db: DictConnection) -> None:
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:sync")
    def sync_handler(job: Job) -> None:
        recorder(job)

    @mux.handle("task:async")
    async def async_handler(job: Job) -> None:
        await asyncio.sleep(0)
        recorder(job)

    ids = {task: [client.enqueue(task, {"n": n}) for n in range(3)] for task in ("task:sync", "task:async")}
    with worker_thread(dsn, mux, poll_interval=0.2) as worker:
        for job_id in ids["task:sync"] + ids["task:async"]:
            recorder.wait_for(job_id)
            wait_for_state(db, job_id, "done")

    by_task = {task: [recorder.of(job_id)[0] for job_id in job_ids] for task, job_ids in ids.items()}
    assert [seen.payload for seen in by_task["task:sync"]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    # def handlers run in the worker's pool threads, async ones on its event loop's thread
    assert all(seen.thread.startswith("pgqueue-job") for seen in by_task["task:sync"])
    assert {seen.thread for seen in by_task["task:async"]} == {worker.thread.name}
    assert all(seen.attempt == 1 for seen in recorder.calls)
    assert len(recorder.calls) == 6


def test_a_handler_enqueues_a_follow_up_job_which_then_runs(dsn: str, client: Client, db: DictConnection) -> None:
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:order:placed")
    def placed(job: Job) -> None:
        recorder(job)
        client.enqueue("task:order:email", {"order": job.payload["order"], "after": job.id})

    @mux.handle("task:order:email")
    async def email(job: Job) -> None:
        recorder(job)

    parent = client.enqueue("task:order:placed", {"order": 17})
    with worker_thread(dsn, mux, poll_interval=5):
        recorder.wait_for(parent)
        child = wait_until(lambda: [s for s in recorder.calls if s.task == "task:order:email"], 10, "the follow-up")
        wait_for_state(db, child[0].job_id, "done")
        wait_for_state(db, parent, "done")

    assert child[0].payload == {"order": 17, "after": parent}
    assert child[0].job_id != parent


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_at_most_concurrency_handlers_run_at_once(dsn: str, client: Client, db: DictConnection, kind: str) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    mux = ServeMux()

    def enter() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)

    def leave() -> None:
        nonlocal active
        with lock:
            active -= 1

    if kind == "def":

        @mux.handle("task:slow")
        def slow(job: Job) -> None:
            enter()
            time.sleep(0.15)
            leave()

    else:

        @mux.handle("task:slow")
        async def aslow(job: Job) -> None:
            enter()
            await asyncio.sleep(0.15)
            leave()

    ids = client.enqueue_many([{"task": "task:slow"} for _ in range(12)])
    with worker_thread(dsn, mux, concurrency=3, batch_size=10, poll_interval=0.2):
        for job_id in ids:
            wait_for_state(db, job_id, "done")

    assert peak == 3


def test_a_worker_takes_only_jobs_of_its_queues_and_wakes_for_them(
    dsn: str, client: Client, db: DictConnection
) -> None:
    recorder = Recorder()
    with worker_thread(dsn, ping_mux(recorder), queues=["mail", "sms"], poll_interval=5, tick_interval=None):
        wait_until(lambda: listener_pid(db), 10, "the worker to LISTEN")
        other = client.enqueue("task:ping", queue="reports")
        for queue in ("mail", "sms"):
            started = time.time()
            job_id = client.enqueue("task:ping", queue=queue)
            assert recorder.wait_for(job_id, timeout=4)[0].at - started < 1, "woken by NOTIFY, not the 5 s poll"

    assert recorder.of(other) == []
    assert job_row(db, other)["state"] == "pending"


# --- failures -------------------------------------------------------------------------------


def test_an_exception_retries_with_backoff_then_dead_letters(dsn: str, client: Client, db: DictConnection) -> None:
    fast_backoff(db)
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:flaky")
    def flaky(job: Job) -> None:
        recorder(job)
        raise ValueError(f"boom on attempt {job.attempt}")

    job_id = client.enqueue("task:flaky", max_retries=3)
    with worker_thread(dsn, mux, poll_interval=0.02):
        row = wait_for_state(db, job_id, "failed")
        calls = recorder.wait_for(job_id, count=4)

    assert [seen.attempt for seen in calls] == [1, 2, 3, 4]
    assert len(recorder.of(job_id)) == 4, "no run after the job is dead-lettered"
    assert row["attempt"] == 4
    assert row["finished_at"] is not None
    assert [entry["attempt"] for entry in row["errors"]] == [1, 2, 3, 4]
    for entry in row["errors"]:
        assert entry["error"].startswith(f"ValueError: boom on attempt {entry['attempt']}\n")
        assert "Traceback" in entry["error"]
    # backoff: base * 2^(attempt-1), plus up to 25 % jitter, before each retry
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
    for attempt, gap in enumerate(gaps, start=1):
        backoff = 0.05 * 2 ** (attempt - 1)
        assert backoff - 0.005 <= gap < backoff * 1.25 + 0.5, f"retry {attempt} came after {gap:.3f} s"
    failed_at = error_times(row)
    assert failed_at == sorted(failed_at)


@pytest.mark.parametrize("delay", [timedelta(seconds=1), 0.6], ids=["timedelta", "seconds"])
def test_retry_runs_the_job_again_after_the_requested_delay(
    dsn: str, client: Client, db: DictConnection, delay: timedelta | float
) -> None:
    seconds = delay.total_seconds() if isinstance(delay, timedelta) else delay
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:later")
    async def later(job: Job) -> None:
        recorder(job)
        if job.attempt == 1:
            raise Retry("not yet", in_=delay)

    job_id = client.enqueue("task:later")
    with worker_thread(dsn, mux, poll_interval=0.05):
        first = recorder.wait_for(job_id)[0]
        pending = wait_until(
            lambda: (row := job_row(db, job_id))["state"] == "pending" and row["errors"] and row,
            10,
            "the retry to be recorded",
        )
        calls = recorder.wait_for(job_id, count=2)
        done = wait_for_state(db, job_id, "done")

    assert pending["run_at"] - error_times(pending)[0] == timedelta(seconds=seconds)
    assert pending["errors"] == [{"attempt": 1, "at": pending["errors"][0]["at"], "error": "not yet"}]
    assert seconds <= calls[1].at - first.at < seconds + 0.5
    assert done["attempt"] == 2
    assert len(done["errors"]) == 1


@pytest.mark.parametrize(
    ("retry", "reason"),
    [
        (lambda: Retry(0.6), "retry requested"),
        (lambda: Retry(timedelta(seconds=0.6)), "retry requested"),
        (lambda: Retry("not yet", delay=0.6), "not yet"),
    ],
    ids=["seconds", "timedelta", "delay="],
)
def test_retry_takes_its_delay_as_first_argument_or_by_keyword(
    dsn: str, client: Client, db: DictConnection, retry: Callable[[], Retry], reason: str
) -> None:
    """Retry(60) once took 60 as the reason and silently used the backoff."""
    mux = ServeMux()

    @mux.handle("task:later")
    async def later(job: Job) -> None:
        if job.attempt == 1:
            raise retry()

    job_id = client.enqueue("task:later")
    with worker_thread(dsn, mux, poll_interval=0.05, tick_interval=None):
        pending = wait_until(lambda: (row := job_row(db, job_id))["errors"] and row, 10, "the retry to be recorded")

    assert pending["run_at"] - error_times(pending)[0] == timedelta(seconds=0.6)
    assert pending["errors"][0]["error"] == reason


def test_retry_arguments() -> None:
    assert (Retry(60).delay, Retry(60).reason, str(Retry(60))) == (60, "retry requested", "retry requested")
    assert Retry("busy").delay is None
    assert Retry("busy", in_=5).delay == 5, "in_ is the delay's older name"
    assert Retry(delay=5).in_ == 5
    with pytest.raises(InvalidArgument, match="one delay"):
        Retry(60, delay=30)


def test_permanent_error_dead_letters_at_once(dsn: str, client: Client, db: DictConnection) -> None:
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:bad")
    def bad(job: Job) -> None:
        recorder(job)
        raise PermanentError("the account is gone")

    job_id = client.enqueue("task:bad", max_retries=5)
    with worker_thread(dsn, mux, poll_interval=0.05):
        row = wait_for_state(db, job_id, "failed")
        recorder.wait_for(job_id)

    assert row["attempt"] == 1
    assert row["max_retries"] == 5
    assert len(row["errors"]) == 1
    assert row["errors"][0]["error"].startswith("pgqueue.errors.PermanentError: the account is gone\n")
    assert len(recorder.of(job_id)) == 1


def test_a_job_without_handler_fails_with_no_handler(dsn: str, client: Client, db: DictConnection) -> None:
    mux = ServeMux()
    mux.handle("task:known", lambda job: None)

    job_id = client.enqueue("task:unknown", max_retries=0)
    with worker_thread(dsn, mux, poll_interval=0.05):
        row = wait_for_state(db, job_id, "failed")

    assert row["errors"][0]["error"].startswith("pgqueue.errors.NoHandler: no handler for task 'task:unknown'")


def test_an_error_text_postgresql_cannot_store_does_not_stop_acknowledgements(
    dsn: str, client: Client, db: DictConnection
) -> None:
    """A NUL in an exception message once made pgqueue.fail raise, which killed the
    acknowledging loop: later jobs ran but stayed processing."""
    mux = ServeMux()

    @mux.handle("task:nul")
    def nul(job: Job) -> None:
        raise ValueError("bad byte \x00 here")

    mux.handle("task:after", lambda job: None)

    failing = client.enqueue("task:nul", max_retries=0)
    with worker_thread(dsn, mux, poll_interval=0.05):
        row = wait_for_state(db, failing, "failed")
        later = client.enqueue("task:after")
        wait_for_state(db, later, "done")

    assert row["errors"][0]["error"].startswith("ValueError: bad byte \\x00 here")


# --- leases -------------------------------------------------------------------------------------


def test_a_job_longer_than_its_lease_is_heartbeated_not_rescued(dsn: str, client: Client, db: DictConnection) -> None:
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:long")
    def long_job(job: Job) -> None:
        recorder(job)
        time.sleep(2.5)

    job_id = client.enqueue("task:long")
    # The worker's own tick rescues every 0.2 s whatever is past its 1 s lease.
    with worker_thread(dsn, mux, lease=1, tick_interval=0.2, poll_interval=0.1):
        row = wait_for_state(db, job_id, "done", timeout=15)

    assert row["attempt"] == 1
    assert row["errors"] == []
    assert len(recorder.of(job_id)) == 1


@pytest.mark.timeout(60)
def test_a_hung_worker_is_rescued_and_its_late_completion_refused(
    dsn: str, client: Client, db: DictConnection, caplog: pytest.LogCaptureFixture
) -> None:
    """Worker A's handler blocks its event loop (no heartbeat, no tick) past its
    1 s lease. Worker B's tick rescues the job, B runs it to done; when A wakes up
    its completion is fenced out and the job stays B's."""
    caplog.set_level(logging.INFO, logger="pgqueue.worker")
    fast_backoff(db)
    recorder = Recorder()
    mux = ServeMux()

    @mux.handle("task:hang")
    async def hang(job: Job) -> None:
        recorder(job)
        if job.attempt == 1:
            time.sleep(3)  # noqa: ASYNC251 - the point: a handler that blocks its worker

    job_id = client.enqueue("task:hang")
    with worker_thread(dsn, mux, worker_id="worker-a", lease=1, tick_interval=None, poll_interval=0.1) as worker_a:
        recorder.wait_for(job_id)
        with worker_thread(dsn, mux, worker_id="worker-b", tick_interval=0.2, poll_interval=0.1):
            calls = recorder.wait_for(job_id, count=2)
            done = wait_for_state(db, job_id, "done")
        assert worker_a.thread.is_alive()
        assert calls[0].thread == worker_a.thread.name
        assert calls[0].attempt == 1
        assert calls[1].attempt == 2
        assert done["locked_by"] == "worker-b"
        assert calls[1].at - calls[0].at < 2.5, "B ran the job while A was still hung"
    # A's handler returned and A owed its completion: sent and refused at its stop.
    assert worker_a.worker._worker is not None
    assert worker_a.worker._worker.processed == 1
    assert not [r for r in caplog.records if "owing" in r.getMessage()]

    after = job_row(db, job_id)
    assert after == done, "the late completion changed nothing"
    assert [(e["attempt"], e["error"]) for e in after["errors"]] == [(1, "lease expired")]
    assert db.execute("select pgqueue.complete(job_id => %s, worker => 'worker-a') as ok", [job_id]).fetchone() == {
        "ok": False
    }


def expire_and_rescue(db: DictConnection, job_id: int) -> None:
    """What an outage longer than the lease comes to: the job's lease runs out and a
    tick() elsewhere rescues it (pending again, attempt 1 failed with "lease expired").
    One transaction, so the worker's heartbeat cannot extend the lease in between."""
    with db.transaction():
        db.execute("update pgqueue.jobs set lease_expires_at = now() - interval '1 second' where id = %s", [job_id])
        assert db.execute("select pgqueue.rescue() as n").fetchone() == {"n": 1}


def test_a_job_claimed_again_while_it_runs_here_is_not_run_twice(dsn: str, client: Client, db: DictConnection) -> None:
    """The worker claims the rescued job again while its first run goes on. Started a
    second time, the job ran twice at once and the first run's end dropped the second
    from the running jobs (no heartbeat, no slot, no release). The run goes on under
    the new claim instead, heartbeated on its lease, and its completion answers it."""
    fast_backoff(db)
    recorder = Recorder()
    finish = threading.Event()
    mux = ServeMux()

    @mux.handle("task:long")
    def long_job(job: Job) -> None:
        recorder(job)
        finish.wait(30)

    job_id = client.enqueue("task:long")
    # The worker's own tick rescues whatever is past its 1 s lease every 0.2 s.
    with worker_thread(dsn, mux, lease=1, tick_interval=0.2, poll_interval=0.05):
        recorder.wait_for(job_id)
        expire_and_rescue(db, job_id)
        wait_until(
            lambda: (row := job_row(db, job_id))["state"] == "processing" and row["attempt"] == 2, 10, "the new claim"
        )
        time.sleep(1.5)  # longer than the lease: only heartbeats keep the new claim
        assert len(recorder.of(job_id)) == 1, "no second run beside the first"
        finish.set()
        row = wait_for_state(db, job_id, "done")

    assert len(recorder.of(job_id)) == 1
    assert row["attempt"] == 2
    assert [(e["attempt"], e["error"]) for e in row["errors"]] == [(1, "lease expired")]


class SlowAcks(AsyncWorker):
    """Its completions take a second to arrive: one is on its way when the job is claimed again."""

    COMPLETE_MANY = AsyncWorker.COMPLETE_MANY + " from pg_sleep(1)"


def test_a_job_claimed_again_while_its_completion_is_on_its_way_is_not_run_again(
    dsn: str, client: Client, db: DictConnection
) -> None:
    """The first run ended, its completion not yet arrived, when its one slot let the
    worker claim the rescued job again: that completion then completed the second run
    while it ran. The completion answers the new claim instead, and nothing runs again."""
    fast_backoff(db)
    recorder = Recorder()
    finish = threading.Event()
    mux = ServeMux()

    @mux.handle("task:long")
    def long_job(job: Job) -> None:
        recorder(job)
        if job.attempt == 1:
            finish.wait(30)

    job_id = client.enqueue("task:long")
    worker = SlowAcks(dsn, mux, concurrency=1, lease=30, tick_interval=None, poll_interval=0.05)
    thread = threading.Thread(target=asyncio.run, args=(worker.run(handle_signals=False),), daemon=True)
    thread.start()
    try:
        recorder.wait_for(job_id)
        expire_and_rescue(db, job_id)
        time.sleep(0.2)  # past the 50 ms backoff: due again when the run ends
        finish.set()
        row = wait_for_state(db, job_id, "done")
    finally:
        worker.stop()
        thread.join(30)

    assert not thread.is_alive()
    assert len(recorder.of(job_id)) == 1, "the job ran once"
    assert row["attempt"] == 2


# --- wake-ups ---------------------------------------------------------------------------------


def listener_pid(db: DictConnection) -> int | None:
    """The backend of this database's worker listener, once it has run LISTEN."""
    row = db.execute(
        "select pid from pg_stat_activity where datname = current_database() and application_name = %s"
        " and query = 'listen pgqueue' and state = 'idle'",
        [LISTEN_APP],
    ).fetchone()
    return int(row["pid"]) if row else None


def latency(client: Client, recorder: Recorder, timeout: float = 10) -> float:
    """Seconds from just before an enqueue (which commits) to its handler starting."""
    started = time.time()
    job_id = client.enqueue("task:ping")
    return recorder.wait_for(job_id, timeout=timeout)[0].at - started


def ping_mux(recorder: Recorder) -> ServeMux:
    mux = ServeMux()

    @mux.handle("task:ping")
    async def ping(job: Job) -> None:
        recorder(job)

    return mux


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_an_idle_worker_wakes_up_on_notify_and_survives_losing_its_listener(
    dsn: str, client: Client, db: DictConnection
) -> None:
    recorder = Recorder()
    poll_interval = 5.0
    with worker_thread(dsn, ping_mux(recorder), poll_interval=poll_interval, tick_interval=None):
        first_listener = wait_until(lambda: listener_pid(db), 10, "the worker to LISTEN")
        latency(client, recorder)  # warm up: the client's pool, the worker's first claim

        latencies: list[float] = []
        for _ in range(50):
            latencies.append(latency(client, recorder))
            if len(latencies) == 10:  # fail fast: a worker that only polls would take minutes
                assert statistics.median(latencies) < 0.1, f"wake-ups of {latencies} s"
        median = statistics.median(latencies)
        assert median < 0.1, f"median wake-up {median * 1000:.1f} ms (poll interval {poll_interval} s)"

        db.execute("select pg_terminate_backend(%s)", [first_listener])
        assert latency(client, recorder, timeout=poll_interval + 2) < poll_interval + 1
        second_listener = wait_until(
            lambda: (pid := listener_pid(db)) not in (None, first_listener) and pid, 10, "a new listener"
        )
        again = statistics.median([latency(client, recorder) for _ in range(20)])
        assert again < 0.1, f"median wake-up {again * 1000:.1f} ms after the listener came back"

    print(f"median wake-up {median * 1000:.1f} ms; after reconnect {again * 1000:.1f} ms")
    assert second_listener != first_listener


def test_without_listen_the_poll_finds_new_and_delayed_jobs(dsn: str, client: Client, db: DictConnection) -> None:
    recorder = Recorder()
    poll_interval = 0.3
    with worker_thread(dsn, ping_mux(recorder), poll_interval=poll_interval, listen=False, tick_interval=None):
        latency(client, recorder)  # warm up
        latencies = [latency(client, recorder) for _ in range(5)]
        assert listener_pid(db) is None
        started = time.time()
        delayed = client.enqueue("task:ping", delay=1)
        seen = recorder.wait_for(delayed, timeout=5)[0]

    assert max(latencies) < poll_interval + 0.3
    assert 1 <= seen.at - started < 1 + poll_interval + 0.3


# --- control and options -----------------------------------------------------------------------


def test_worker_takes_the_keyword_arguments_of_async_worker() -> None:
    """Worker once took **options, which hid its parameters from introspection and mypy."""
    worker = inspect.signature(Worker).parameters
    assert list(worker.values()) == list(inspect.signature(AsyncWorker).parameters.values())
    assert [name for name, p in worker.items() if p.kind is p.KEYWORD_ONLY][:6] == [
        "concurrency",
        "queues",
        "batch_size",
        "poll_interval",
        "lease",
        "shutdown_timeout",
    ]
    assert (worker["concurrency"].default, worker["batch_size"].default, worker["poll_interval"].default) == (10, 10, 5)


@pytest.mark.parametrize("poll_interval", [0, -1, timedelta(0)])
@pytest.mark.parametrize("kind", [Worker, AsyncWorker])
def test_poll_interval_must_be_positive(kind: type[Worker | AsyncWorker], poll_interval: float | timedelta) -> None:
    """An idle worker with poll_interval 0 called dequeue in a busy loop."""
    with pytest.raises(InvalidArgument, match="poll_interval must be positive"):
        kind("", ServeMux(), poll_interval=poll_interval)


def test_stop_before_run_makes_run_return_at_once(dsn: str) -> None:
    """Worker.stop() before run() waited 10 s for a worker to appear, then was lost."""
    worker = Worker(dsn, ServeMux(), tick_interval=None)
    started = time.monotonic()
    worker.stop()
    thread = threading.Thread(target=worker.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    thread.join(10)

    assert not thread.is_alive(), "run() returned"
    assert time.monotonic() - started < 5
    with pytest.raises(PgQueueError, match="runs once"):
        worker.run(handle_signals=False)


def test_cancelling_run_releases_the_running_jobs(dsn: str, client: Client, db: DictConnection) -> None:
    """Cancelling the task that runs the worker (a TaskGroup, asyncio.timeout) left its
    jobs processing until their lease ran out."""
    job_id = client.enqueue("task:long")

    async def main() -> None:
        started = asyncio.Event()
        mux = ServeMux()

        @mux.handle("task:long")
        async def long_job(job: Job) -> None:
            started.set()
            await asyncio.sleep(60)

        worker = AsyncWorker(dsn, mux, tick_interval=None, poll_interval=0.05)
        run = asyncio.create_task(worker.run(handle_signals=False))
        await asyncio.wait_for(started.wait(), 10)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    asyncio.run(main())
    row = job_row(db, job_id)
    assert (row["state"], row["attempt"], row["locked_by"], row["errors"]) == ("pending", 0, None, [])
