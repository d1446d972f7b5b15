"""The ``pgqueue`` command: install the schema, run workers, enqueue and inspect jobs.

::

    pgqueue install                                   # or upgrade: the plain install script
    pgqueue worker app.tasks:mux --concurrency 20     # run a ServeMux until SIGINT/SIGTERM
    pgqueue enqueue task:send:email --payload '{"to": "a@b.c"}'
    pgqueue jobs --state failed                       # --json on every reading command
    pgqueue job 42                                    # one job, with its error history
    pgqueue stats
    pgqueue retry 42 / pgqueue cancel 42
    pgqueue cron list | cron add NAME SPEC TASK | cron remove NAME

The database is ``--dsn``, else ``$PGQUEUE_DSN``, else libpq's defaults (``PG*``
variables, the local socket). Every database action is one :class:`~pgqueue.Client`
method, that is one ``pgqueue.*`` function call; ``install`` runs the install script
shipped in the package (a copy of ``sql/pgqueue-install.sql``).

Output is an aligned table for a person, or JSON with ``--json``. An error is one
line on stderr, ``pgqueue: error: ...``; the exit status is 2 for a usage error or
an argument pgqueue refuses, 1 for any other failure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, NoReturn

import psycopg

from pgqueue import __version__, queries
from pgqueue._common import check_conninfo
from pgqueue.client import Client
from pgqueue.errors import InvalidArgument, PgQueueError
from pgqueue.models import CronSchedule, JobRecord, QueueStats
from pgqueue.mux import ServeMux

__all__ = ["format_table", "install_script", "jobs_table", "main", "schedules_table", "stats_table"]

PROG = "pgqueue"
EXIT_ERROR = 1
EXIT_USAGE = 2
STATES = ("pending", "processing", "done", "failed", "cancelled", "expired")
LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"
# How much of a job's last error the jobs table shows.
ERROR_COLUMN_CHARS = 60


class CliError(Exception):
    """A failure reported as one line on stderr, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


# --- output --------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _duration(value: timedelta) -> str:
    """1h 02m 03s, 4m 05s, 6.7s: how long, for a person."""
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An aligned text table: headers, then one line per row; numbers right-aligned.

    Cells are rendered for a person: None as ``-``, times in the local time zone,
    durations as ``1h 02m 03s``, JSON compactly.
    """
    cells = [[_cell(value) for value in row] for row in rows]

    def is_number(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    # A column of numbers (None aside) is right-aligned.
    numeric = [
        any(is_number(row[i]) for row in rows) and all(is_number(row[i]) for row in rows if row[i] is not None)
        for i in range(len(headers))
    ]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line([h.upper() for h in headers]), *(line(row) for row in cells)])


def stats_table(stats: Sequence[QueueStats]) -> str:
    """``pgqueue stats`` as a table."""
    headers = [
        "queue",
        "pending",
        "scheduled",
        "processing",
        "done",
        "failed",
        "cancelled",
        "expired",
        "oldest pending",
    ]
    rows = [
        [s.queue, s.pending, s.scheduled, s.processing, s.done, s.failed, s.cancelled, s.expired, s.oldest_pending_age]
        for s in stats
    ]
    return format_table(headers, rows)


def _last_error(job: JobRecord) -> str | None:
    if not job.errors:
        return None
    text = str(job.errors[-1].get("error", "")).strip().splitlines()
    first = text[0] if text else ""
    return first if len(first) <= ERROR_COLUMN_CHARS else first[: ERROR_COLUMN_CHARS - 3] + "..."


def _attempts(job: JobRecord) -> str:
    # max_retries counts the retries after the first attempt.
    return f"{job.attempt}/{job.max_retries + 1}"


def jobs_table(jobs: Sequence[JobRecord]) -> str:
    """``pgqueue jobs`` as a table: attempt is "made/allowed", the last error its first line."""
    headers = ["id", "queue", "task", "state", "attempt", "priority", "run at", "finished at", "last error"]
    rows = [
        [j.id, j.queue, j.task, j.state, _attempts(j), j.priority, j.run_at, j.finished_at, _last_error(j)]
        for j in jobs
    ]
    return format_table(headers, rows)


def schedules_table(schedules: Sequence[CronSchedule]) -> str:
    """``pgqueue cron list`` as a table."""
    headers = ["name", "spec", "timezone", "task", "queue", "priority", "payload", "next fire", "last fire"]
    rows = [
        [s.name, s.spec, s.timezone, s.task, s.queue, s.priority, s.payload, s.next_fire_at, s.last_fire_at]
        for s in schedules
    ]
    return format_table(headers, rows)


def _job_details(job: JobRecord) -> str:
    fields: list[tuple[str, object]] = [
        ("id", job.id),
        ("task", job.task),
        ("queue", job.queue),
        ("state", job.state),
        ("attempt", f"{job.attempt} of {job.max_retries + 1} (max_retries {job.max_retries})"),
        ("priority", job.priority),
        ("payload", job.payload),
        ("dedup key", job.dedup_key),
        ("created at", job.created_at),
        ("run at", job.run_at),
        ("expires at", job.expires_at),
        ("locked by", job.locked_by),
        ("locked at", job.locked_at),
        ("lease expires", job.lease_expires_at),
        ("finished at", job.finished_at),
        ("result", job.result),
    ]
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {_cell(value)}" for name, value in fields]
    lines.append(f"{'errors'.ljust(width)}  {len(job.errors) or '-'}")
    for error in job.errors:
        at = error.get("at")
        when = _cell(datetime.fromisoformat(at)) if isinstance(at, str) else _cell(at)
        lines.append(f"  attempt {error.get('attempt', '?')} at {when}:")
        lines.extend(f"    {text}".rstrip() for text in str(error.get("error", "")).splitlines())
    return "\n".join(lines)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _print_json(data: object) -> None:
    print(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


# --- the connection and the schema ---------------------------------------------------------


def _dsn(args: argparse.Namespace) -> str:
    dsn: str | None = args.dsn
    return dsn if dsn is not None else os.environ.get("PGQUEUE_DSN", "")


def install_script() -> bytes:
    """The plain install script shipped in the package (a copy of sql/pgqueue-install.sql)."""
    return resources.files("pgqueue").joinpath("sql/pgqueue-install.sql").read_bytes()


def _schema_version(conn: psycopg.Connection[Any]) -> str | None:
    """The installed schema's version, or None when pgqueue is not installed."""
    try:
        row = conn.execute(queries.VERSION).fetchone()
    except (psycopg.errors.InvalidSchemaName, psycopg.errors.UndefinedFunction):
        return None
    return str(row[0]) if row and row[0] is not None else None


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(check_conninfo(dsn), autocommit=True, application_name="pgqueue cli")


def _client(args: argparse.Namespace) -> Client:
    """A Client on the command's database, to use in ``with``: it checks the DSN and, on
    entering, fails at once with libpq's message when it cannot connect."""
    return Client(_dsn(args))


# --- commands ------------------------------------------------------------------------------


def cmd_install(args: argparse.Namespace) -> int:
    script = install_script()
    with _connect(_dsn(args)) as conn:
        before = _schema_version(conn)
        if args.command == "upgrade" and before is None:
            raise CliError("pgqueue is not installed in this database; use `pgqueue install`")
        conn.execute(script)
        after = _schema_version(conn)
    if before is None:
        print(f"installed pgqueue {after}")
    elif before != after:
        print(f"upgraded pgqueue {before} -> {after}")
    else:
        print(f"pgqueue {after} is installed (already up to date)")
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    try:
        with _connect(_dsn(args)) as conn:
            schema = _schema_version(conn)
    except psycopg.OperationalError as error:
        print(f"package  {__version__}")
        raise CliError(f"cannot read the schema version: {_one_line(error)}") from error
    if args.json:
        _print_json({"package": __version__, "schema": schema})
    else:
        print(f"package  {__version__}")
        print(f"schema   {schema or 'not installed'}")
    return 0


def _payload(text: str | None, option: str = "--payload") -> Any:
    if text is None:
        return None
    if text == "-":
        text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{option} is not valid JSON: {error}", EXIT_USAGE) from None


def _moment(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        # Python 3.10 does not read a trailing Z.
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise CliError(
            f"{option} must be an ISO 8601 time, e.g. 2030-01-31T09:00:00+01:00 (got {text!r})", EXIT_USAGE
        ) from None
    if value.utcoffset() is None:
        raise CliError(f"{option} needs a UTC offset or Z, e.g. {text}Z or {text}+01:00 (got {text!r})", EXIT_USAGE)
    return value


def cmd_enqueue(args: argparse.Namespace) -> int:
    payload = _payload(args.payload)
    run_at = _moment("--run-at", args.run_at)
    expires_at = _moment("--expires-at", args.expires_at)
    with _client(args) as client:
        job_id = client.enqueue(
            args.task,
            payload,
            queue=args.queue,
            priority=args.priority,
            delay=args.delay,
            run_at=run_at,
            max_retries=args.max_retries,
            dedup_key=args.dedup_key,
            expires_at=expires_at,
        )
    print(job_id)
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    with _client(args) as client:
        jobs = client.list_jobs(
            state=args.state, queue=args.queue, task=args.task, limit=args.limit, before_id=args.before_id
        )
    if args.json:
        _print_json([asdict(job) for job in jobs])
        return 0
    if not jobs:
        print("no jobs")
        return 0
    print(jobs_table(jobs))
    if len(jobs) == args.limit:
        print(f"(the newest {args.limit}; older ones: --before-id {jobs[-1].id})", file=sys.stderr)
    return 0


def cmd_job(args: argparse.Namespace) -> int:
    with _client(args) as client:
        job = client.get_job(args.id)
    if job is None:
        raise CliError(f"no job {args.id}")
    if args.json:
        _print_json(asdict(job))
    else:
        print(_job_details(job))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _client(args) as client:
        stats = client.stats(args.queue)
    if args.json:
        _print_json([asdict(row) for row in stats])
    elif not stats:
        print(f"no queue {args.queue}" if args.queue else "no queues yet")
    else:
        print(stats_table(stats))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if client.retry(args.id):
            print(f"job {args.id} is pending again")
            return 0
        job = client.get_job(args.id)
    if job is None:
        raise CliError(f"no job {args.id}")
    raise CliError(f"job {args.id} is {job.state}: only failed, cancelled or expired jobs can be retried")


def cmd_cancel(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if client.cancel(args.id):
            print(f"job {args.id} cancelled")
            return 0
        job = client.get_job(args.id)
    if job is None:
        raise CliError(f"no job {args.id}")
    raise CliError(f"job {args.id} is {job.state}: only pending jobs can be cancelled")


def cmd_cron_list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        schedules = client.list_cron()
    if args.json:
        _print_json([asdict(s) for s in schedules])
    elif not schedules:
        print("no schedules")
    else:
        print(schedules_table(schedules))
    return 0


def cmd_cron_add(args: argparse.Namespace) -> int:
    payload = _payload(args.payload)
    with _client(args) as client:
        next_fire = client.schedule_cron(
            args.spec,
            args.name,
            args.task,
            payload,
            queue=args.queue,
            priority=args.priority,
            timezone=args.timezone,
        )
    print(f"schedule {args.name}: next fire at {_cell(next_fire)}")
    return 0


def cmd_cron_remove(args: argparse.Namespace) -> int:
    with _client(args) as client:
        removed = client.remove_cron(args.name)
    if not removed:
        raise CliError(f"no schedule {args.name}")
    print(f"schedule {args.name} removed")
    return 0


# --- the worker ------------------------------------------------------------------------------


def load_mux(spec: str) -> ServeMux:
    """The ServeMux named by ``module:attribute`` (attribute ``mux`` when left out).

    The current directory is importable, as with ``python -m``.
    """
    module_name, _, attribute = spec.partition(":")
    attribute = attribute or "mux"
    if not module_name or not all(part.isidentifier() for part in [*module_name.split("."), *attribute.split(".")]):
        raise CliError(f"expected MODULE:MUX, e.g. app.tasks:mux (got {spec!r})", EXIT_USAGE)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and (module_name == error.name or module_name.startswith(error.name + ".")):
            hint = "run from the directory that holds it"
            raise CliError(f"no module named {error.name!r} ({hint})", EXIT_USAGE) from None
        traceback.print_exc()
        raise CliError(f"importing {module_name} failed: {error}", EXIT_USAGE) from error
    except Exception as error:
        traceback.print_exc()
        raise CliError(f"importing {module_name} failed: {type(error).__name__}: {error}", EXIT_USAGE) from error
    found: object = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise CliError(f"module {module_name} has no attribute {attribute!r}", EXIT_USAGE) from None
    if not isinstance(found, ServeMux):
        raise CliError(f"{module_name}:{attribute} is a {type(found).__name__}, not a pgqueue.ServeMux", EXIT_USAGE)
    return found


def cmd_worker(args: argparse.Namespace) -> int:
    from pgqueue.worker import Worker, run_processes

    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr)
    mux = load_mux(args.mux)
    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues is not None else None
    if queues == []:
        raise CliError("--queues needs at least one queue name", EXIT_USAGE)
    options: dict[str, Any] = {
        "concurrency": args.concurrency,
        "queues": queues,
        "batch_size": args.batch_size,
        "poll_interval": args.poll_interval,
        "lease": args.lease,
        "shutdown_timeout": args.shutdown_timeout,
        "tick_interval": None if args.no_tick else args.tick_interval,
        "listen": not args.no_listen,
    }
    dsn = _dsn(args)
    worker = Worker(dsn, mux, **options)  # checks the options before anything starts
    if args.processes == 1:
        worker.run()
        return 0

    def run_one() -> None:
        Worker(dsn, mux, **options).run()

    return run_processes(args.processes, run_one)


# --- the parser ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see `{self.prog} --help`)", EXIT_USAGE)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds (got {text!r})") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more (got {text!r})")
    return value


Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pgqueue`` command."""
    connection = _Parser(add_help=False)
    connection.add_argument(
        "--dsn",
        default=argparse.SUPPRESS,
        help="libpq conninfo or URI (default: $PGQUEUE_DSN, else libpq's PG* variables and defaults)",
    )
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")

    parser = _Parser(
        prog=PROG,
        description="pgqueue: background jobs in PostgreSQL.",
        epilog="Exit status: 0 success, 1 failure, 2 usage error or invalid argument.",
    )
    parser.add_argument("--version", action="version", version=f"pgqueue {__version__}")
    parser.add_argument("--dsn", default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str,
        run: Command,
        help: str,
        parents: Sequence[argparse.ArgumentParser] = (),
        group: Any = commands,
    ) -> argparse.ArgumentParser:
        inherited: list[argparse.ArgumentParser] = [connection, *parents]
        sub: argparse.ArgumentParser = group.add_parser(name, help=help, description=help, parents=inherited)
        sub.set_defaults(run=run)
        return sub

    command("install", cmd_install, "install or upgrade the schema (the plain install script, one transaction)")
    command("upgrade", cmd_install, "upgrade an installed schema (the same script; refuses a database without it)")
    command("version", cmd_version, "print the package's and the installed schema's versions", [as_json])

    worker = command("worker", cmd_worker, "run a worker for a ServeMux until SIGINT/SIGTERM")
    worker.add_argument(
        "mux", metavar="MODULE:MUX", help="the ServeMux to serve, e.g. app.tasks:mux (MUX defaults to mux)"
    )
    worker.add_argument(
        "--concurrency", metavar="N", type=_positive_int, default=10, help="jobs run at once, per process (default: 10)"
    )
    worker.add_argument("--queues", metavar="A,B", help="comma-separated queues to serve (default: every queue)")
    worker.add_argument(
        "--batch-size",
        metavar="N",
        type=_positive_int,
        default=10,
        help="most jobs claimed by one dequeue (default: 10)",
    )
    worker.add_argument(
        "--processes",
        metavar="N",
        type=_positive_int,
        default=1,
        help="worker processes, for CPU-bound handlers (default: 1)",
    )
    worker.add_argument(
        "--poll-interval",
        metavar="SECONDS",
        type=_seconds,
        default=5.0,
        help="seconds between polls when no NOTIFY comes (default: 5)",
    )
    worker.add_argument(
        "--lease", metavar="SECONDS", type=_seconds, help="seconds a claimed job is held (default: the queue's lease)"
    )
    worker.add_argument(
        "--shutdown-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=30.0,
        help="seconds running jobs get to finish after a signal (default: 30)",
    )
    worker.add_argument(
        "--tick-interval",
        metavar="SECONDS",
        type=_seconds,
        default=5.0,
        help="seconds between pgqueue.tick() calls (default: 5)",
    )
    worker.add_argument("--no-tick", action="store_true", help="never call tick() (pg_cron runs it)")
    worker.add_argument("--no-listen", action="store_true", help="do not LISTEN: find jobs by polling only")
    worker.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="logging level on stderr (default: info)",
    )

    enqueue = command("enqueue", cmd_enqueue, "enqueue a job and print its id")
    enqueue.add_argument("task", metavar="TASK", help="the task name, e.g. task:send:email")
    enqueue.add_argument("--payload", metavar="JSON", help="the payload as JSON, or - to read it from stdin")
    enqueue.add_argument("--queue", default="default", help="(default: default)")
    enqueue.add_argument("--priority", metavar="N", type=int, default=0, help="higher runs first (default: 0)")
    when = enqueue.add_mutually_exclusive_group()
    when.add_argument("--delay", metavar="SECONDS", type=_seconds, help="run no sooner than this many seconds from now")
    when.add_argument("--run-at", metavar="ISO", help="run no sooner than this time, e.g. 2030-01-31T09:00:00Z")
    enqueue.add_argument(
        "--max-retries", metavar="N", type=int, help="retries after the first attempt (default: the queue's)"
    )
    enqueue.add_argument(
        "--dedup-key", metavar="KEY", help="while a job with this key is pending or running, return its id"
    )
    enqueue.add_argument("--expires-at", metavar="ISO", help="never run after this time")

    jobs = command("jobs", cmd_jobs, "list jobs, newest first", [as_json])
    jobs.add_argument("--state", choices=STATES, metavar="STATE", help=f"one of {', '.join(STATES)}")
    jobs.add_argument("--queue")
    jobs.add_argument("--task", help="a task name; one ending in ':' matches as a prefix")
    jobs.add_argument(
        "--limit", metavar="N", type=_positive_int, default=100, help="most jobs to list, up to 10000 (default: 100)"
    )
    jobs.add_argument("--before-id", type=int, metavar="ID", help="only jobs older than this id (the next page)")

    job = command("job", cmd_job, "show one job, with its error history", [as_json])
    job.add_argument("id", metavar="ID", type=int)

    stats = command("stats", cmd_stats, "job counts per queue", [as_json])
    stats.add_argument("--queue", help="one queue (default: every queue)")

    retry = command("retry", cmd_retry, "make a failed, cancelled or expired job pending again")
    retry.add_argument("id", metavar="ID", type=int)
    cancel = command("cancel", cmd_cancel, "cancel a pending job")
    cancel.add_argument("id", metavar="ID", type=int)

    cron = commands.add_parser(
        "cron", help="cron schedules: list, add, remove", description="Cron schedules: list, add, remove."
    )
    cron_commands = cron.add_subparsers(dest="cron_command", metavar="ACTION", required=True)

    command("list", cmd_cron_list, "list the schedules with their next and last fire times", [as_json], cron_commands)
    add = command("add", cmd_cron_add, "create or replace a schedule; prints its next fire time", [], cron_commands)
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "spec", metavar="SPEC", help="5-field cron ('*/15 * * * *'), @hourly/@daily/..., or '@every 90 seconds'"
    )
    add.add_argument("task", metavar="TASK")
    add.add_argument("--payload", metavar="JSON", help="the payload of each job, as JSON")
    add.add_argument("--queue", default="default", help="(default: default)")
    add.add_argument("--priority", metavar="N", type=int, default=0, help="(default: 0)")
    add.add_argument(
        "--timezone", metavar="TZ", default="UTC", help="IANA time zone the spec is read in (default: UTC)"
    )
    remove = command("remove", cmd_cron_remove, "remove a schedule (its jobs stay)", [], cron_commands)
    remove.add_argument("name", metavar="NAME")
    return parser


# --- main ------------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    message = str(error)
    if isinstance(error, psycopg.Error) and error.diag.message_primary:
        message = error.diag.message_primary
    return " ".join(message.split()) or type(error).__name__


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pgqueue`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CliError as error:
        return _fail(str(error), error.status)
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else 0
    run: Command = args.run
    try:
        return run(args)
    except CliError as error:
        return _fail(str(error), error.status)
    except InvalidArgument as error:
        return _fail(str(error), EXIT_USAGE)
    except (psycopg.Error, PgQueueError) as error:
        return _fail(_one_line(error), EXIT_ERROR)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pgqueue jobs | head`: quietly, as the Python docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
