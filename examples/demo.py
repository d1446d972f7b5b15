#!/usr/bin/env python3
"""make demo: pgqueue end to end in about 15 seconds.

1. A server: --dsn, else $PGQUEUE_DSN, else libpq's defaults (PG* variables, the
   local socket). When no server answers there - libpq's PQping reports "no
   response", as `pg_isready` would - and PostgreSQL's binaries are installed
   (/usr/lib/postgresql/*/bin/initdb, or initdb on the PATH), a throwaway server
   is started in .demo-pg/ (initdb, then pg_ctl on a free port and a Unix socket
   in that directory, no TCP) and is stopped and removed at the end. A server
   that answers but refuses the connection (a password, pg_hba.conf) is an
   error to fix, not a reason to start another one.
2. A fresh database, pgqueue_demo (dropped first if it exists), and
   `pgqueue install` into it.
3. A worker on examples/demo_app.py's ServeMux, in a thread of this process.
4. The example jobs (demo_app.enqueue_examples), then --seconds of logs.
5. The worker stops gracefully, and the jobs and `pgqueue stats` are printed.

On a server that was already running, the database is left for exploring:
`.venv/bin/pgqueue jobs --dsn ...` (the command is printed at the end).
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import ClassVar

import psycopg
from psycopg import pq, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

EXAMPLES = Path(__file__).resolve().parent
ROOT = EXAMPLES.parent
sys.path.insert(0, str(EXAMPLES))

import demo_app  # noqa: E402  (examples/ is on the path only from here on)

from pgqueue import Client, Worker, cli  # noqa: E402

log = logging.getLogger("demo")


# --- a server -----------------------------------------------------------------------------


def describe(dsn: str) -> str:
    return repr(dsn) if dsn else "libpq's defaults (PG* variables, the local socket)"


def server_answers(dsn: str) -> bool:
    """Whether a server answers at ``dsn``: libpq's PQping, which needs no password."""
    status = pq.PGconn.ping(dsn.encode())
    if status == pq.Ping.NO_ATTEMPT:
        raise SystemExit(f"demo: invalid connection string {dsn!r}")
    return status != pq.Ping.NO_RESPONSE


def find_initdb() -> Path | None:
    """The newest PostgreSQL's initdb: Debian's layout, then the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1])
    on_path = shutil.which("initdb")
    return Path(on_path) if on_path else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayServer:
    """A PostgreSQL cluster in a directory of its own, for the length of the demo.

    initdb refuses to run as root, so as root the directory is given to the
    ``postgres`` user and the server runs as that user (``runuser``).
    """

    def __init__(self, directory: Path, initdb: Path) -> None:
        self.directory = directory
        self.bindir = initdb.parent
        self.data = directory / "data"
        self.run_as: list[str] = []
        self.started = False

    def _run(self, program: str, *args: str) -> None:
        command = [*self.run_as, str(self.bindir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log_file = self.directory / "server.log"
            server_log = log_file.read_text()[-2000:] if log_file.exists() else ""
            raise SystemExit(f"demo: {program} failed:\n{done.stdout}{done.stderr}{server_log}")

    def start(self) -> str:
        """Create and start the cluster; returns its conninfo."""
        self._remove_leftover()
        self.directory.mkdir(parents=True)
        if os.geteuid() == 0:
            try:
                postgres = pwd.getpwnam("postgres")
            except KeyError:
                message = "demo: as root, a throwaway server needs the postgres user (initdb refuses root)"
                raise SystemExit(message) from None
            os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]
            reachable = subprocess.run([*self.run_as, "test", "-w", str(self.directory)], check=False)
            if reachable.returncode != 0:  # a parent directory the postgres user cannot enter
                shutil.rmtree(self.directory)
                self.directory = Path(tempfile.mkdtemp(prefix="pgqueue-demo-"))
                self.data = self.directory / "data"
                os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
                print(f"(the postgres user cannot reach that directory: using {self.directory})")
        port = free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {shlex.quote(str(self.directory))} -c listen_addresses='' -c fsync=off"
        log_file = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log_file, "-o", options, "-w", "-t", "60", "start")
        self.started = True
        return make_conninfo(host=str(self.directory), port=port, user="postgres", dbname="postgres")

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self.started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.started = False
        shutil.rmtree(self.directory, ignore_errors=True)

    def _remove_leftover(self) -> None:
        """A directory left by a demo that was killed: stop its server, remove it."""
        if (self.data / "postmaster.pid").exists():
            owner = self.data.stat().st_uid
            run_as = ["runuser", "-u", pwd.getpwuid(owner).pw_name, "--"] if os.geteuid() == 0 and owner else []
            pg_ctl = [*run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            subprocess.run(pg_ctl, capture_output=True, check=False)
        if self.directory.exists():
            shutil.rmtree(self.directory)


def create_database(server: str, name: str) -> str:
    """Drop and create ``name`` on the server; its conninfo."""
    maintenance = make_conninfo(server, dbname=conninfo_to_dict(server).get("dbname") or "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return make_conninfo(server, dbname=name)


# --- the demo --------------------------------------------------------------------------------


class DemoFormatter(logging.Formatter):
    """``  3.2s  job     job 7 task:send:email done in 200.1 ms``: seconds since the start,
    who logged, the message. Tracebacks are left out (each is in its job's error history)."""

    TAGS: ClassVar[dict[str, str]] = {"pgqueue.worker": "worker", "pgqueue.jobs": "job", "demo": "app"}

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started

    def format(self, record: logging.LogRecord) -> str:
        tag = self.TAGS.get(record.name, record.name)
        return f"{record.created - self.started:5.1f}s  {tag:<6}  {record.getMessage()}"


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def run_demo(dsn: str, seconds: float) -> None:
    """Start a worker, send the examples, let them run for ``seconds``, print the outcome."""
    worker = Worker(dsn, demo_app.mux, concurrency=5, poll_interval=0.5, tick_interval=1, shutdown_timeout=5)
    thread = threading.Thread(target=worker.run, kwargs={"handle_signals": False}, name="pgqueue-worker")
    for handler in logging.getLogger().handlers:  # the logs count seconds from here
        if isinstance(handler.formatter, DemoFormatter):
            handler.formatter.started = time.time()
    with Client(dsn) as client:
        section(f"a worker on examples/demo_app.py, and the example jobs; {seconds:g} seconds of logs")
        thread.start()
        ids = demo_app.enqueue_examples(client)
        log.info(
            "enqueued: emails %s, flaky %s, dead-letter %s, delayed %s (in %d s); cron %r %s",
            ", ".join(map(str, ids["emails"])),
            ids["flaky"],
            ids["dead"],
            ids["delayed"],
            demo_app.REMINDER_DELAY_SECONDS,
            ids["cron"],
            demo_app.REPORT_EVERY,
        )
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
        except KeyboardInterrupt:
            log.info("interrupted")
        finally:
            worker.stop()
            thread.join()

        section("the jobs (pgqueue jobs)")
        print(cli.jobs_table(sorted(client.list_jobs(limit=1000), key=lambda job: job.id)))
        section("pgqueue stats")
        print(cli.stats_table(client.stats()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pgqueue end to end: " + __doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--dsn", help="the server (default: $PGQUEUE_DSN, else libpq's defaults)")
    parser.add_argument("--database", default="pgqueue_demo", help="the database to (re)create (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long the worker runs (default: %(default)s)")
    parser.add_argument(
        "--pg-dir", type=Path, default=ROOT / ".demo-pg", help="where a throwaway server lives (default: .demo-pg)"
    )
    args = parser.parse_args(argv)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(DemoFormatter(time.time()))
    logging.basicConfig(level=logging.INFO, handlers=[handler])

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # SIGTERM too: the finally blocks stop what was started

    signal.signal(signal.SIGTERM, interrupt)

    server_dsn: str = args.dsn if args.dsn is not None else os.environ.get("PGQUEUE_DSN", "")
    throwaway: ThrowawayServer | None = None
    try:
        if not server_answers(server_dsn):
            initdb = find_initdb()
            if initdb is None:
                print(
                    f"demo: no PostgreSQL server answers at {describe(server_dsn)}, and PostgreSQL is not installed "
                    "here to start one: install it (e.g. apt-get install postgresql) or set PGQUEUE_DSN",
                    file=sys.stderr,
                )
                return 1
            section(f"no PostgreSQL server answers at {describe(server_dsn)}")
            print(f"starting a throwaway one with {initdb.parent} in {args.pg_dir} (removed at the end)")
            throwaway = ThrowawayServer(args.pg_dir, initdb)
            server_dsn = throwaway.start()
            print(f"started: {server_dsn}")

        dsn = create_database(server_dsn, args.database)
        section(f"pgqueue install --dsn {shlex.quote(dsn)}")
        if cli.main(["install", "--dsn", dsn]) != 0:
            return 1
        run_demo(dsn, args.seconds)

        if throwaway is None:
            section("explore")
            print(f".venv/bin/pgqueue jobs --dsn {shlex.quote(dsn)}    # and: job ID, stats, cron list")
        return 0
    except KeyboardInterrupt:
        print("demo: interrupted", file=sys.stderr)
        return 130
    finally:
        if throwaway is not None:
            throwaway.stop()
            print(f"\nthe throwaway server is stopped and {throwaway.directory} removed")


if __name__ == "__main__":
    sys.exit(main())
