"""Workers survive a restart of the database server mid-drain.

The shared server must not be restarted under other tests, so this test makes a
private one: ``initdb`` into a temporary directory, ``pg_ctl start`` on a Unix
socket there, pgqueue installed the usual way (tests/fresh_db.py). Run as root,
the server runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import fresh_db
import psycopg
import pytest
from worker_app import Call, WorkerProcess, read_calls, wait_until

from pgqueue import Client

PG_BIN_DIRS = [os.environ.get("PGQUEUE_PG_BIN", ""), "/usr/lib/postgresql/15/bin"]


def server_binaries() -> Path | None:
    """The directory of initdb and pg_ctl: $PGQUEUE_PG_BIN, PostgreSQL 15's, or on PATH."""
    for directory in PG_BIN_DIRS:
        if directory and (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateServer:
    """A throwaway PostgreSQL cluster listening only on a Unix socket in its directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_user: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="pgqueue-restart-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root)
                pytest.skip("running as root and there is no postgres user to run initdb as")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.base_dsn = f"host={self.root} port={self.port} user=postgres dbname=postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.bindir / tool), *args]
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        subprocess.run(command, check=True, capture_output=True, timeout=120, env=environment)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off"
        self._pg_ctl("-o", options, "start")

    def shut_down(self) -> None:
        """``pg_ctl stop -m fast``."""
        self._pg_ctl("-m", "fast", "stop")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, the server comes back."""
        self._pg_ctl("-m", "fast", "restart")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no server log)"


@pytest.fixture
def private_server() -> Iterator[PrivateServer]:
    bindir = server_binaries()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found; set PGQUEUE_PG_BIN")
    server = PrivateServer(bindir)
    try:
        server.create()
        yield server
    finally:
        server.remove()


def count_done(dsn: str) -> int:
    """Jobs done, or -1 while the server cannot be reached."""
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as conn:
            row = conn.execute("select count(*) from pgqueue.jobs where state = 'done'").fetchone()
            return int(row[0]) if row else 0
    except psycopg.OperationalError:
        return -1


def listening(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and application_name = 'pgqueue worker listen' and query = 'listen pgqueue'"
        ).fetchone()
    return row == (1,)


def started(calls_dir: Path) -> int:
    return len({call.job_id for call in read_calls(calls_dir) if call.event == "start"})


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_workers_reconnect_after_a_database_restart_mid_drain_and_lose_nothing(
    private_server: PrivateServer, tmp_path: Path
) -> None:
    jobs = 4000
    dsn = fresh_db.create_database("pgqueue_restart", base=private_server.base_dsn)
    fresh_db.install(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pgqueue.configure_queue(queue => 'default', backoff_base => '50 ms')")
    with Client(dsn) as client:
        ids = client.enqueue_many(
            [{"task": "rec:async" if n % 2 else "rec:sync", "payload": {"sleep": 0.02}} for n in range(jobs)]
        )
    calls_dir = tmp_path / "calls"
    calls_dir.mkdir()

    def start(name: str) -> WorkerProcess:
        return WorkerProcess(dsn, calls_dir, tmp_path / name, {"lease": 2, "tick_interval": 0.5, "poll_interval": 0.5})

    def working() -> bool:
        return first.assert_running() and second.assert_running()

    with start("worker-0.log") as first, start("worker-1.log") as second:
        wait_until(lambda: working() and started(calls_dir) >= jobs // 4, 60, "a quarter of the jobs to start")
        restart_began = time.time()
        private_server.restart()
        restart_ended = time.time()
        assert 0 <= count_done(dsn) < jobs, "the restart happened mid-drain"

        wait_until(lambda: working() and count_done(dsn) == jobs, 90, f"{jobs} jobs done after the restart", 0.2)
        for worker in (first, second):
            worker.send(signal.SIGTERM)
        codes = [first.wait(15), second.wait(15)]
        logs = first.log() + second.log()
    assert codes == [0, 0], logs
    assert "database unavailable" in logs
    assert "database reachable again" in logs

    starts: dict[int, list[Call]] = defaultdict(list)
    ends: dict[int, list[Call]] = defaultdict(list)
    for call in read_calls(calls_dir):
        (starts if call.event == "start" else ends)[call.job_id].append(call)
    assert set(starts) == set(ids), "no job lost"
    twice = {job_id for job_id, calls in starts.items() if len(calls) > 1}
    for job_id in twice:
        first_run = starts[job_id][0]
        first_end = min((c.at for c in ends[job_id] if c.pid == first_run.pid), default=None)
        assert first_run.at < restart_ended, f"job {job_id} ran twice, first after the restart"
        assert first_end is None or first_end > restart_began - 1, f"job {job_id} had finished before the restart"
    with psycopg.connect(dsn, autocommit=True) as conn:
        states = conn.execute("select state, count(*) from pgqueue.jobs group by 1").fetchall()
    assert states == [("done", jobs)]
    print(f"restart took {restart_ended - restart_began:.1f} s; {len(twice)} jobs in flight ran twice")


@pytest.mark.timeout(120)
def test_a_worker_started_while_the_database_is_down_works_once_it_is_up(
    private_server: PrivateServer, tmp_path: Path
) -> None:
    dsn = fresh_db.create_database("pgqueue_down", base=private_server.base_dsn)
    fresh_db.install(dsn)
    with Client(dsn) as client:
        ids = client.enqueue_many([{"task": "rec:sync"} for _ in range(50)])
    private_server.shut_down()
    calls_dir = tmp_path / "calls"
    calls_dir.mkdir()

    with WorkerProcess(dsn, calls_dir, tmp_path / "worker.log", {"poll_interval": 5}) as worker:
        wait_until(lambda: worker.assert_running() and "database unavailable" in worker.log(), 30, "the outage")
        private_server.start()
        wait_until(lambda: worker.assert_running() and count_done(dsn) == len(ids), 60, "the jobs done")
        wait_until(lambda: listening(dsn), 30, "the listener to connect")
        with Client(dsn) as client:
            late = client.enqueue("rec:sync")  # woken by NOTIFY, well within the 5 s poll
            wait_until(lambda: late in {c.job_id for c in read_calls(calls_dir)}, 4, "the new job to run")
        worker.send(signal.SIGTERM)
        assert worker.wait(15) == 0, worker.log()

    assert started(calls_dir) == len(ids) + 1
