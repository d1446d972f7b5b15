"""Workers as real processes: many of them at once, ``kill -9``, SIGTERM, ``run_processes``.

Every worker here is ``python tests/python/worker_app.py`` in a subprocess; its
handlers append a line per call to a file of their process (see worker_app), so
the test knows which process started and finished which job even after a
``kill -9``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from worker_app import Call, WorkerProcess, children_of, read_calls, wait_until

from pgqueue import Client

DictConnection = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def calls_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "calls"
    directory.mkdir()
    return directory


@pytest.fixture
def workers(dsn: str, calls_dir: Path, tmp_path: Path) -> Iterator[WorkerPool]:
    with contextlib.ExitStack() as stack:
        yield WorkerPool(dsn, calls_dir, tmp_path, stack)


class WorkerPool:
    """Starts worker processes for a test and kills whatever is left at its end."""

    def __init__(self, dsn: str, calls_dir: Path, log_dir: Path, stack: contextlib.ExitStack) -> None:
        self.dsn = dsn
        self.calls_dir = calls_dir
        self.log_dir = log_dir
        self.stack = stack
        self.started: list[WorkerProcess] = []

    def start(self, *, processes: int | None = None, new_session: bool = False, **options: float) -> WorkerProcess:
        log = self.log_dir / f"worker-{len(self.started)}.log"
        worker = WorkerProcess(self.dsn, self.calls_dir, log, options, processes=processes, new_session=new_session)
        self.stack.enter_context(worker)
        self.started.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(f"--- worker {w.pid} ---\n{w.log()}" for w in self.started)


def count_listeners(db: DictConnection) -> int:
    """Workers of this database that have run LISTEN (one listener each)."""
    row = db.execute(
        "select count(*) as n from pg_stat_activity where datname = current_database()"
        " and application_name = 'pgqueue worker listen' and query = 'listen pgqueue'"
    ).fetchone()
    assert row is not None
    return int(row["n"])


def state_counts(db: DictConnection) -> Counter[str]:
    return Counter(
        {row["state"]: row["n"] for row in db.execute("select state, count(*) as n from pgqueue.jobs group by 1")}
    )


def count_done(db: DictConnection) -> int:
    return state_counts(db)["done"]


def job_row(db: DictConnection, job_id: int) -> dict[str, Any]:
    row = db.execute("select * from pgqueue.jobs where id = %s", [job_id]).fetchone()
    assert row is not None
    return row


def starts_of(calls: list[Call]) -> dict[int, list[Call]]:
    by_job: dict[int, list[Call]] = defaultdict(list)
    for call in calls:
        if call.event == "start":
            by_job[call.job_id].append(call)
    return by_job


def in_flight(calls_dir: Path, pid: int) -> set[int]:
    """Jobs the process ``pid`` started and has not finished (according to its file)."""
    path = calls_dir / f"calls-{pid}.log"
    if not path.exists():
        return set()
    started: set[int] = set()
    ended: set[int] = set()
    for line in path.read_text().splitlines():
        event, job_id = line.split()[:2]
        (started if event == "start" else ended).add(int(job_id))
    return started - ended


def enqueue(client: Client, count: int, **payload: Any) -> list[int]:
    """``count`` jobs, half rec:sync and half rec:async, in chunks of 2,000."""
    ids: list[int] = []
    for chunk in range(0, count, 2000):
        ids += client.enqueue_many(
            [
                {"task": "rec:async" if n % 2 else "rec:sync", "payload": {"n": n, **payload}}
                for n in range(chunk, min(chunk + 2000, count))
            ]
        )
    return ids


# --- many workers ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_four_worker_processes_run_20000_jobs_each_exactly_once(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    jobs = 20_000
    running = [workers.start(concurrency=20, batch_size=20, poll_interval=1) for _ in range(4)]
    wait_until(lambda: count_listeners(db) == 4, 30, "4 workers to LISTEN")

    started = time.monotonic()
    ids = enqueue(client, jobs)
    wait_until(lambda: count_done(db) == jobs, 150, f"{jobs} jobs done", interval=0.2)
    elapsed = time.monotonic() - started
    for worker in running:
        worker.send(signal.SIGTERM)
    assert [worker.wait(15) for worker in running] == [0, 0, 0, 0], workers.logs()

    starts = starts_of(read_calls(calls_dir))
    assert set(starts) == set(ids), "every job ran"
    twice = {job_id: calls for job_id, calls in starts.items() if len(calls) > 1}
    assert twice == {}, "no job ran twice"
    assert state_counts(db) == {"done": jobs}
    assert db.execute("select count(*) as n from pgqueue.jobs where attempt <> 1").fetchone() == {"n": 0}
    per_process = Counter(calls[0].pid for calls in starts.values())
    assert sorted(per_process) == sorted(worker.pid for worker in running), "every process took part"
    print(f"{jobs} jobs in {elapsed:.1f} s ({jobs / elapsed:.0f}/s); per process {sorted(per_process.values())}")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_kill_9_mid_drain_loses_no_job_and_reruns_only_jobs_in_flight(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    jobs = 6000
    kills = 3
    db.execute("select pgqueue.configure_queue(queue => 'default', backoff_base => '50 ms')")
    ids = enqueue(client, jobs, sleep=0.02)

    def start() -> WorkerProcess:
        return workers.start(lease=2, tick_interval=0.5, poll_interval=0.5, concurrency=10)

    def started_jobs() -> int:
        return len(starts_of(read_calls(calls_dir)))

    def progressed(target: int) -> bool:
        return started_jobs() >= target

    alive = [start() for _ in range(3)]
    killed: list[int] = []
    for _ in range(kills):
        target = started_jobs() + 500
        wait_until(functools.partial(progressed, target), 60, "the drain to go on", interval=0.05)
        victim = alive.pop(0)  # the oldest: it has been working for a while
        wait_until(functools.partial(in_flight, calls_dir, victim.pid), 10, "a job in flight")
        victim.kill()
        killed.append(victim.pid)
        alive.append(start())
    assert count_done(db) < jobs, "the kills happened mid-drain"

    wait_until(lambda: count_done(db) == jobs, 60, f"{jobs} jobs done", interval=0.2)
    for worker in alive:
        worker.send(signal.SIGTERM)
    assert [worker.wait(15) for worker in alive] == [0] * len(alive), workers.logs()

    calls = read_calls(calls_dir)
    starts = starts_of(calls)
    assert set(starts) == set(ids), "no job lost"
    assert state_counts(db) == {"done": jobs}
    twice = {job_id for job_id, job_calls in starts.items() if len(job_calls) > 1}
    started_by_killed = {c.job_id for c in calls if c.event == "start" and c.pid in killed}
    unfinished_by_killed = {job_id for pid in killed for job_id in in_flight(calls_dir, pid)}
    # Every job a killed process had not finished ran again; no other job ran twice.
    assert unfinished_by_killed <= twice
    assert twice <= started_by_killed, f"jobs ran twice without a kill: {sorted(twice - started_by_killed)}"
    for job_id in twice:
        survivors = [c for c in starts[job_id] if c.pid not in killed]
        assert len(survivors) <= 1, f"job {job_id} ran twice in live workers: {starts[job_id]}"
        assert sorted(c.attempt for c in starts[job_id]) == [c.attempt for c in starts[job_id]]
    assert unfinished_by_killed, "the kills interrupted running handlers"
    print(
        f"{kills} kills: {len(twice)} jobs ran twice, all in flight in a killed worker "
        f"({len(unfinished_by_killed)} were mid-handler)"
    )


# --- signals ------------------------------------------------------------------------------------


def wait_for_log(worker: WorkerProcess, text: str, timeout: float = 10) -> None:
    wait_until(lambda: text in worker.log(), timeout, f"{text!r} in the worker's log")


def test_sigterm_lets_running_jobs_finish_claims_nothing_more_and_exits_0(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    worker = workers.start(concurrency=4, shutdown_timeout=10, poll_interval=0.2)
    ids = enqueue(client, 4, sleep=1)
    wait_until(lambda: len(starts_of(read_calls(calls_dir))) == 4, 15, "4 jobs to start")

    stop_sent = time.monotonic()
    worker.send(signal.SIGTERM)
    wait_for_log(worker, "SIGTERM received")
    late = client.enqueue("rec:sync")
    assert worker.wait(10) == 0, worker.log()
    stopped_after = time.monotonic() - stop_sent

    calls = read_calls(calls_dir)
    assert sorted(c.job_id for c in calls if c.event == "end") == sorted(ids), "the running jobs finished"
    assert {job_row(db, job_id)["state"] for job_id in ids} == {"done"}
    late_row = job_row(db, late)
    assert (late_row["state"], late_row["attempt"]) == ("pending", 0), "nothing claimed after SIGTERM"
    assert stopped_after < 1 + 3


@pytest.mark.parametrize("kind", ["rec:sync", "rec:async"])
def test_sigterm_releases_jobs_still_running_after_shutdown_timeout(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path, kind: str
) -> None:
    shutdown_timeout = 1.0
    worker = workers.start(concurrency=4, shutdown_timeout=shutdown_timeout, poll_interval=0.2)
    short = client.enqueue(kind, {"sleep": 0.3})
    long = [client.enqueue(kind, {"sleep": 60}) for _ in range(2)]
    wait_until(lambda: len(starts_of(read_calls(calls_dir))) == 3, 15, "3 jobs to start")

    stop_sent = time.monotonic()
    worker.send(signal.SIGTERM)
    assert worker.wait(shutdown_timeout + 5) == 0, worker.log()
    stopped_after = time.monotonic() - stop_sent

    assert job_row(db, short)["state"] == "done"
    for job_id in long:
        row = job_row(db, job_id)
        assert (row["state"], row["attempt"], row["locked_by"], row["errors"]) == ("pending", 0, None, [])
    assert stopped_after < shutdown_timeout + 3, f"exited {stopped_after:.1f} s after SIGTERM"
    ended = {c.job_id for c in read_calls(calls_dir) if c.event == "end"}
    assert ended == {short}
    assert "released 2 unfinished jobs" in worker.log()


def test_a_second_sigterm_exits_at_once_with_an_error(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    worker = workers.start(shutdown_timeout=30, poll_interval=0.2)
    job_id = client.enqueue("rec:async", {"sleep": 60})
    wait_until(lambda: read_calls(calls_dir), 15, "the job to start")

    worker.send(signal.SIGTERM)
    wait_for_log(worker, "SIGTERM received")
    second = time.monotonic()
    worker.send(signal.SIGTERM)
    assert worker.wait(5) != 0
    assert time.monotonic() - second < 3
    assert job_row(db, job_id)["state"] == "processing", "not released: its lease will run out"


# --- run_processes --------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the worker processes")
@pytest.mark.timeout(120)
def test_run_processes_runs_two_workers_replaces_a_dead_one_and_stops_on_sigterm(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    supervisor = workers.start(processes=2, poll_interval=0.2)
    wait_until(lambda: count_listeners(db) == 2, 30, "2 worker processes to LISTEN")
    first = wait_until(lambda: children_of(supervisor.pid, expect=2), 10, "2 children")

    ids = enqueue(client, 300, sleep=0.01)
    wait_until(lambda: count_done(db) == len(ids), 60, "the jobs done")
    assert {c.pid for c in read_calls(calls_dir)} == first, "both children worked, the supervisor did not"

    victim = min(first)
    os.kill(victim, signal.SIGKILL)

    def replacement() -> set[int]:
        kids = children_of(supervisor.pid, expect=2)
        return kids if victim not in kids else set()

    replaced = wait_until(replacement, 10, "a new child")
    wait_until(lambda: count_listeners(db) == 2, 30, "the new child to LISTEN")

    supervisor.send(signal.SIGTERM)
    assert supervisor.wait(15) == 0, supervisor.log()
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in replaced), 5, "the children to exit")
    wait_until(lambda: count_listeners(db) == 0, 10, "the workers' connections to close")
    assert len(replaced - first) == 1


@pytest.mark.timeout(60)
def test_run_processes_stops_gracefully_on_ctrl_c_sent_to_its_whole_process_group(
    workers: WorkerPool, client: Client, db: DictConnection, calls_dir: Path
) -> None:
    """A terminal's Ctrl-C (or a service manager stopping a process group) signals
    every process of the group at once, the supervisor's children included: that
    must still be one graceful stop, not "a second signal: exit now"."""
    supervisor = workers.start(processes=2, new_session=True, shutdown_timeout=10, poll_interval=0.2)
    wait_until(lambda: count_listeners(db) == 2, 30, "2 worker processes to LISTEN")
    ids = [client.enqueue("rec:async", {"sleep": 1}) for _ in range(4)]
    wait_until(lambda: len(read_calls(calls_dir)) == 4, 15, "4 jobs to start")

    os.killpg(supervisor.pid, signal.SIGINT)
    assert supervisor.wait(15) == 0, supervisor.log()

    assert {job_row(db, job_id)["state"] for job_id in ids} == {"done"}, "the running jobs finished"
    assert sorted(c.job_id for c in read_calls(calls_dir) if c.event == "end") == sorted(ids)
    assert "exiting now" not in supervisor.log()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the worker processes")
@pytest.mark.timeout(60)
def test_run_processes_leaves_no_worker_behind_on_a_hangup(
    workers: WorkerPool, client: Client, db: DictConnection
) -> None:
    """The workers have process groups of their own, so a terminal's hangup does not
    reach them: the supervisor passes SIGHUP on rather than leaving them orphaned."""
    supervisor = workers.start(processes=2, new_session=True, poll_interval=0.2)
    wait_until(lambda: count_listeners(db) == 2, 30, "2 worker processes to LISTEN")
    kids = wait_until(lambda: children_of(supervisor.pid, expect=2), 10, "2 children")

    supervisor.send(signal.SIGHUP)
    supervisor.wait(15)
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in kids), 10, "the children to exit")
    wait_until(lambda: count_listeners(db) == 0, 10, "the workers' connections to close")
