"""The pgqueue command: each command's happy path and error paths, against real databases.

Most tests call ``pgqueue.cli.main`` in-process and read what it printed; the
ones about the program itself (``python -m pgqueue``, the worker and its
signals) run it as a subprocess.
"""

from __future__ import annotations

import asyncio
import io
import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest

import pgqueue
from pgqueue import AsyncClient, Client, InvalidArgument, cli

ROOT = Path(__file__).resolve().parents[2]
ReadJob = Callable[[int], dict[str, Any]]
CountJobs = Callable[[], int]
Db = psycopg.Connection[dict[str, Any]]
UNREACHABLE = "host=127.0.0.1 port=1 connect_timeout=5"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """cli.main(argv): its exit status, stdout and stderr."""
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one line on stderr: {err!r}"
    assert lines[0].startswith("pgqueue: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def fail_job(db: Db, job_id: int, error: str = "boom") -> str:
    """Claim the job as worker 'w' and fail it; returns its new state."""
    claimed = db.execute("select id from pgqueue.dequeue('w', batch_size => 100)").fetchall()
    assert job_id in {row["id"] for row in claimed}
    row = db.execute("select pgqueue.fail(%s, 'w', %s, retry_in => '0 seconds') as state", [job_id, error]).fetchone()
    assert row is not None
    return str(row["state"])


# --- the program ---------------------------------------------------------------------------


def test_packaged_install_script_is_current() -> None:
    packaged = ROOT / "python" / "src" / "pgqueue" / "sql" / "pgqueue-install.sql"
    assert packaged.read_bytes() == (ROOT / "sql" / "pgqueue-install.sql").read_bytes(), (
        "python/src/pgqueue/sql/pgqueue-install.sql is stale: run make build"
    )
    assert cli.install_script() == packaged.read_bytes(), "the package reads the script it ships"


COMMANDS = [
    ["install"],
    ["upgrade"],
    ["version"],
    ["worker"],
    ["enqueue"],
    ["jobs"],
    ["job"],
    ["stats"],
    ["retry"],
    ["cancel"],
    ["cron"],
    ["cron", "list"],
    ["cron", "add"],
    ["cron", "remove"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    status, out, _ = run(capsys, *command, "--help")

    assert status == 0
    assert out.startswith(f"usage: pgqueue {' '.join(command)}")


def test_python_m_pgqueue_is_the_command(dsn: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pgqueue", "version", "--dsn", dsn], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["package", pgqueue.__version__, "schema", "0.3.0"]


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys)

    assert status == 2
    assert out == ""
    assert_one_error_line(err, "COMMAND", "pgqueue --help")


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "jobs", "--colour")

    assert status == 2
    assert_one_error_line(err, "--colour")


def test_an_unreachable_server_is_one_line_and_fails_fast(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    status, out, err = run(capsys, "jobs", "--dsn", UNREACHABLE)

    assert status == 1
    assert out == ""
    assert_one_error_line(err, "connection")
    assert time.monotonic() - started < 10, "no pool retrying for 30 seconds"


@pytest.mark.parametrize("command", [["jobs"], ["version"], ["install"]])
def test_a_dsn_libpq_cannot_read_is_a_usage_error(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    """Refused as InvalidArgument, like any argument pgqueue refuses (a Worker refuses it too)."""
    status, out, err = run(capsys, *command, "--dsn", "this is not a dsn")

    assert (status, out) == (2, "")
    assert_one_error_line(err, 'conninfo is not a valid connection string: missing "=" after "this"')


def test_the_dsn_comes_from_pgqueue_dsn(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, dsn: str, count_jobs: CountJobs
) -> None:
    with monkeypatch.context() as patch:  # undone before the fixtures drop the database
        patch.setenv("PGQUEUE_DSN", dsn)
        status, _, err = run(capsys, "enqueue", "task:x")

    assert status == 0, err
    assert count_jobs() == 1


def test_dsn_overrides_pgqueue_dsn_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, dsn: str, count_jobs: CountJobs
) -> None:
    with monkeypatch.context() as patch:  # undone before the fixtures drop the database
        patch.setenv("PGQUEUE_DSN", UNREACHABLE)
        assert run(capsys, "enqueue", "task:x", "--dsn", dsn)[0] == 0
        assert run(capsys, "--dsn", dsn, "enqueue", "task:y")[0] == 0
    assert count_jobs() == 2


# --- install, upgrade, version ---------------------------------------------------------------


def test_install_into_an_empty_database_and_again(capsys: pytest.CaptureFixture[str], empty_dsn: str) -> None:
    status, out, err = run(capsys, "install", "--dsn", empty_dsn)
    assert (status, out, err) == (0, "installed pgqueue 0.3.0\n", "")

    status, out, err = run(capsys, "install", "--dsn", empty_dsn)
    assert (status, out, err) == (0, "pgqueue 0.3.0 is installed (already up to date)\n", "")

    with Client(empty_dsn) as client:
        assert client.enqueue("task:x") == 1


def test_upgrade_an_installed_database(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, out, _ = run(capsys, "upgrade", "--dsn", dsn)

    assert status == 0
    assert out == "pgqueue 0.3.0 is installed (already up to date)\n"


def test_upgrade_refuses_a_database_without_pgqueue(capsys: pytest.CaptureFixture[str], empty_dsn: str) -> None:
    status, _, err = run(capsys, "upgrade", "--dsn", empty_dsn)

    assert status == 1
    assert_one_error_line(err, "not installed", "pgqueue install")
    assert run(capsys, "version", "--dsn", empty_dsn, "--json")[1] == '{\n  "package": "0.3.0",\n  "schema": null\n}\n'


def test_install_refuses_a_database_with_the_extension(capsys: pytest.CaptureFixture[str], empty_dsn: str) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        if conn.execute("select from pg_available_extensions where name = 'pgqueue'").fetchone() is None:
            pytest.skip("the pgqueue extension is not installed into PostgreSQL (make install-extension)")
        conn.execute("create extension pgqueue")

    status, _, err = run(capsys, "install", "--dsn", empty_dsn)

    assert status == 1
    assert_one_error_line(err, "extension")


def test_version(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, out, _ = run(capsys, "version", "--dsn", dsn)

    assert status == 0
    assert out == f"package  {pgqueue.__version__}\nschema   0.3.0\n"


def test_version_json(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, out, _ = run(capsys, "version", "--json", "--dsn", dsn)

    assert status == 0
    assert json.loads(out) == {"package": pgqueue.__version__, "schema": "0.3.0"}


def test_version_of_a_database_without_pgqueue(capsys: pytest.CaptureFixture[str], empty_dsn: str) -> None:
    status, out, _ = run(capsys, "version", "--dsn", empty_dsn)

    assert status == 0
    assert out.splitlines()[1] == "schema   not installed"


def test_version_without_a_server_still_names_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "version", "--dsn", UNREACHABLE)

    assert status == 1
    assert out == f"package  {pgqueue.__version__}\n"
    assert_one_error_line(err, "schema version")


def test_top_level_version_needs_no_database(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")

    assert status == 0
    assert out == f"pgqueue {pgqueue.__version__}\n"


# --- enqueue -----------------------------------------------------------------------------------


def test_enqueue_prints_the_id(capsys: pytest.CaptureFixture[str], dsn: str, read_job: ReadJob) -> None:
    status, out, err = run(capsys, "enqueue", "task:send:email", "--payload", '{"to": "a@b.c"}', "--dsn", dsn)

    assert (status, err) == (0, "")
    job = read_job(int(out))
    assert job["task"] == "task:send:email"
    assert job["payload"] == {"to": "a@b.c"}
    assert job["state"] == "pending"


def test_enqueue_with_every_option(capsys: pytest.CaptureFixture[str], dsn: str, read_job: ReadJob) -> None:
    argv = ["enqueue", "task:x", "--queue", "emails", "--priority", "7", "--max-retries", "2"]
    argv += ["--dedup-key", "k1", "--delay", "90", "--expires-at", "2099-01-01T00:00:00Z", "--dsn", dsn]
    status, out, err = run(capsys, *argv)

    assert status == 0, err
    job = read_job(int(out))
    assert (job["queue"], job["priority"], job["max_retries"], job["dedup_key"]) == ("emails", 7, 2, "k1")
    assert job["payload"] == {}
    assert job["run_at"] - job["created_at"] == timedelta(seconds=90)
    assert job["expires_at"] == datetime(2099, 1, 1, tzinfo=timezone.utc)


def test_enqueue_dedup_key_returns_the_live_job(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    first = run(capsys, "enqueue", "task:x", "--dedup-key", "k", "--dsn", dsn)[1]
    second = run(capsys, "enqueue", "task:x", "--dedup-key", "k", "--dsn", dsn)[1]

    assert first == second


def test_enqueue_run_at_with_an_offset(capsys: pytest.CaptureFixture[str], dsn: str, read_job: ReadJob) -> None:
    status, out, _ = run(capsys, "enqueue", "task:x", "--run-at", "2099-06-01T12:00:00+02:00", "--dsn", dsn)

    assert status == 0
    assert read_job(int(out))["run_at"] == datetime(2099, 6, 1, 10, tzinfo=timezone.utc)


def test_enqueue_payload_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, dsn: str, read_job: ReadJob
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('[1, "two", {"three": 3}]'))

    status, out, _ = run(capsys, "enqueue", "task:x", "--payload", "-", "--dsn", dsn)

    assert status == 0
    assert read_job(int(out))["payload"] == [1, "two", {"three": 3}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--payload", "{bad json"], "--payload is not valid JSON"),
        (["--payload", ""], "--payload is not valid JSON"),
        (["--run-at", "2030-01-01T10:00"], "--run-at needs a UTC offset"),
        (["--run-at", "tomorrow"], "--run-at must be an ISO 8601 time"),
        (["--delay", "-5"], "--delay"),
        (["--delay", "5", "--run-at", "2030-01-01T10:00Z"], "not allowed with argument"),
        (["--priority", "high"], "--priority"),
        (["--max-retries", "-1"], "max_retries"),  # refused by SQL: InvalidArgument
        (["--priority", str(2**31)], "priority"),  # refused in Python: InvalidArgument
        (["--queue", ""], "queue"),
    ],
)
def test_enqueue_bad_input_is_exit_2_and_enqueues_nothing(
    capsys: pytest.CaptureFixture[str], dsn: str, count_jobs: CountJobs, argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, "enqueue", "task:x", *argv, "--dsn", dsn)

    assert status == 2
    assert out == ""
    assert_one_error_line(err, message)
    assert count_jobs() == 0


def test_enqueue_empty_task_is_exit_2(capsys: pytest.CaptureFixture[str], dsn: str, count_jobs: CountJobs) -> None:
    status, _, err = run(capsys, "enqueue", "", "--dsn", dsn)

    assert status == 2
    assert_one_error_line(err, "task")
    assert count_jobs() == 0


# --- jobs and job ------------------------------------------------------------------------------


def test_jobs_table_newest_first(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    first = client.enqueue("task:send:email", {"to": "a"})
    second = client.enqueue("task:report:daily", queue="reports", priority=3)

    status, out, _ = run(capsys, "jobs", "--dsn", dsn)

    assert status == 0
    header, *lines = out.splitlines()
    assert header.split()[:6] == ["ID", "QUEUE", "TASK", "STATE", "ATTEMPT", "PRIORITY"]
    assert [line.split()[:6] for line in lines] == [
        [str(second), "reports", "task:report:daily", "pending", "0/6", "3"],
        [str(first), "default", "task:send:email", "pending", "0/6", "0"],
    ]
    assert len({len(line) for line in [header, *lines]}) <= 2, "the columns are aligned"


def test_jobs_filters(capsys: pytest.CaptureFixture[str], client: Client, db: Db, dsn: str) -> None:
    email = client.enqueue("task:send:email", max_retries=0)
    sms = client.enqueue("task:send:sms", queue="sms")
    report = client.enqueue("task:report:daily")
    assert fail_job(db, email) == "failed"
    db.execute("select pgqueue.release(array[%s, %s]::bigint[], 'w')", [sms, report])

    def ids(*argv: str) -> list[int]:
        status, out, err = run(capsys, "jobs", "--json", *argv, "--dsn", dsn)
        assert status == 0, err
        return [job["id"] for job in json.loads(out)]

    assert ids() == [report, sms, email]
    assert ids("--state", "failed") == [email]
    assert ids("--queue", "sms") == [sms]
    assert ids("--task", "task:send:") == [sms, email]
    assert ids("--task", "task:send") == []
    assert ids("--limit", "1") == [report]
    assert ids("--before-id", str(report)) == [sms, email]


def test_jobs_json_has_every_field(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    job_id = client.enqueue("task:x", {"n": 1}, dedup_key="d")

    status, out, _ = run(capsys, "jobs", "--json", "--dsn", dsn)

    assert status == 0
    (job,) = json.loads(out)
    assert job["id"] == job_id
    assert job["payload"] == {"n": 1}
    assert job["dedup_key"] == "d"
    assert job["errors"] == []
    assert datetime.fromisoformat(job["created_at"]).tzinfo is not None


def test_jobs_says_when_there_are_more(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    ids = client.enqueue_many([{"task": "t"}] * 3)

    status, out, err = run(capsys, "jobs", "--limit", "2", "--dsn", dsn)

    assert status == 0
    assert len(out.splitlines()) == 3
    assert f"--before-id {ids[1]}" in err


def test_jobs_when_there_are_none(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    assert run(capsys, "jobs", "--dsn", dsn)[:2] == (0, "no jobs\n")
    assert run(capsys, "jobs", "--json", "--dsn", dsn)[:2] == (0, "[]\n")


@pytest.mark.parametrize(("argv", "message"), [(["--state", "done!"], "--state"), (["--limit", "0"], "--limit")])
def test_jobs_bad_filters_are_exit_2(
    capsys: pytest.CaptureFixture[str], dsn: str, argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, "jobs", *argv, "--dsn", dsn)

    assert status == 2
    assert_one_error_line(err, message)


def test_jobs_limit_above_the_maximum_is_exit_2(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, _, err = run(capsys, "jobs", "--limit", "10001", "--dsn", dsn)

    assert status == 2
    assert_one_error_line(err, "limit must be between 1 and 10000")


def test_job_shows_its_error_history(capsys: pytest.CaptureFixture[str], client: Client, db: Db, dsn: str) -> None:
    job_id = client.enqueue("task:flaky", {"n": 1}, max_retries=1)
    assert fail_job(db, job_id, "first failure\nwith a second line") == "pending"
    assert fail_job(db, job_id, "second failure") == "failed"

    status, out, _ = run(capsys, "job", str(job_id), "--dsn", dsn)

    assert status == 0
    fields = dict(line.split(None, 1) for line in out.splitlines()[:4])
    assert fields == {"id": str(job_id), "task": "task:flaky", "queue": "default", "state": "failed"}
    assert "attempt        2 of 2 (max_retries 1)" in out
    assert "errors         2" in out
    assert "  attempt 1 at " in out
    assert "    first failure\n    with a second line\n" in out
    assert "  attempt 2 at " in out
    assert out.endswith("    second failure\n")


def test_job_json(capsys: pytest.CaptureFixture[str], client: Client, db: Db, dsn: str) -> None:
    job_id = client.enqueue("task:x", max_retries=0)
    fail_job(db, job_id, "boom")

    status, out, _ = run(capsys, "job", str(job_id), "--json", "--dsn", dsn)

    assert status == 0
    job = json.loads(out)
    assert (job["id"], job["state"], job["attempt"]) == (job_id, "failed", 1)
    assert [(e["attempt"], e["error"]) for e in job["errors"]] == [(1, "boom")]


def test_job_unknown_id_is_exit_1(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, out, err = run(capsys, "job", "12345", "--dsn", dsn)

    assert status == 1
    assert out == ""
    assert_one_error_line(err, "no job 12345")


def test_job_id_must_be_a_number(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, _, err = run(capsys, "job", "twelve", "--dsn", dsn)

    assert status == 2
    assert_one_error_line(err, "twelve")


# --- stats ---------------------------------------------------------------------------------------


def test_stats_table(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    client.enqueue("t")
    client.enqueue("t", delay=3600)
    client.enqueue("t", queue="other")

    status, out, _ = run(capsys, "stats", "--dsn", dsn)

    assert status == 0
    header, *lines = out.splitlines()
    assert header.split()[:8] == [
        "QUEUE",
        "PENDING",
        "SCHEDULED",
        "PROCESSING",
        "DONE",
        "FAILED",
        "CANCELLED",
        "EXPIRED",
    ]
    assert [line.split()[:8] for line in lines] == [
        ["default", "1", "1", "0", "0", "0", "0", "0"],
        ["other", "1", "0", "0", "0", "0", "0", "0"],
    ]


def test_stats_json_for_one_queue(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    client.enqueue("t")
    client.enqueue("t", queue="other")

    status, out, _ = run(capsys, "stats", "--queue", "other", "--json", "--dsn", dsn)

    assert status == 0
    (row,) = json.loads(out)
    assert row["queue"] == "other"
    assert row["pending"] == 1
    assert isinstance(row["oldest_pending_age"], float), "an interval is seconds in JSON"


def test_stats_without_jobs(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    assert run(capsys, "stats", "--json", "--dsn", dsn)[:2] == (0, "[]\n")


# --- retry and cancel ------------------------------------------------------------------------------


def test_retry_a_failed_job(
    capsys: pytest.CaptureFixture[str], client: Client, db: Db, dsn: str, read_job: ReadJob
) -> None:
    job_id = client.enqueue("t", max_retries=0)
    fail_job(db, job_id)

    status, out, _ = run(capsys, "retry", str(job_id), "--dsn", dsn)

    assert (status, out) == (0, f"job {job_id} is pending again\n")
    assert read_job(job_id)["state"] == "pending"


def test_retry_a_pending_job_is_exit_1(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    job_id = client.enqueue("t")

    status, _, err = run(capsys, "retry", str(job_id), "--dsn", dsn)

    assert status == 1
    assert_one_error_line(err, f"job {job_id} is pending", "only failed, cancelled or expired")


def test_retry_unknown_job_is_exit_1(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, _, err = run(capsys, "retry", "777", "--dsn", dsn)

    assert status == 1
    assert_one_error_line(err, "no job 777")


def test_cancel_a_pending_job(capsys: pytest.CaptureFixture[str], client: Client, dsn: str, read_job: ReadJob) -> None:
    job_id = client.enqueue("t")

    status, out, _ = run(capsys, "cancel", str(job_id), "--dsn", dsn)

    assert (status, out) == (0, f"job {job_id} cancelled\n")
    assert read_job(job_id)["state"] == "cancelled"


def test_cancel_twice_is_exit_1(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    job_id = client.enqueue("t")
    run(capsys, "cancel", str(job_id), "--dsn", dsn)

    status, _, err = run(capsys, "cancel", str(job_id), "--dsn", dsn)

    assert status == 1
    assert_one_error_line(err, f"job {job_id} is cancelled", "only pending")


def test_cancel_unknown_job_is_exit_1(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, _, err = run(capsys, "cancel", "777", "--dsn", dsn)

    assert status == 1
    assert_one_error_line(err, "no job 777")


# --- cron -------------------------------------------------------------------------------------------


def test_cron_add_list_remove(capsys: pytest.CaptureFixture[str], client: Client, dsn: str) -> None:
    argv = ["cron", "add", "nightly", "0 3 * * *", "task:report:nightly", "--payload", '{"kind": "daily"}']
    argv += ["--queue", "reports", "--priority", "2", "--timezone", "Europe/Berlin", "--dsn", dsn]
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    assert out.startswith("schedule nightly: next fire at ")

    (schedule,) = client.list_cron()
    assert (schedule.spec, schedule.task, schedule.queue, schedule.priority) == (
        "0 3 * * *",
        "task:report:nightly",
        "reports",
        2,
    )
    assert (schedule.timezone, schedule.payload) == ("Europe/Berlin", {"kind": "daily"})

    status, out, _ = run(capsys, "cron", "list", "--dsn", dsn)
    assert status == 0
    header, line = out.splitlines()
    assert header.split()[:6] == ["NAME", "SPEC", "TIMEZONE", "TASK", "QUEUE", "PRIORITY"]
    assert line.startswith("nightly  0 3 * * *  Europe/Berlin  task:report:nightly  reports")

    status, out, _ = run(capsys, "cron", "list", "--json", "--dsn", dsn)
    assert status == 0
    (listed,) = json.loads(out)
    assert listed["name"] == "nightly"
    assert datetime.fromisoformat(listed["next_fire_at"]) == schedule.next_fire_at
    assert listed["last_fire_at"] is None

    assert run(capsys, "cron", "remove", "nightly", "--dsn", dsn)[:2] == (0, "schedule nightly removed\n")
    assert client.list_cron() == []
    assert run(capsys, "cron", "list", "--dsn", dsn)[:2] == (0, "no schedules\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bad", "61 * * * *", "t"], "minute"),
        (["bad", "@every banana", "t"], "@every"),
        (["bad", "* * * * *", "t", "--timezone", "Mars/Olympus"], "Mars/Olympus"),
        (["bad", "* * * * *", "t", "--payload", "nope"], "--payload is not valid JSON"),
        (["bad", "* * * * *"], "required"),
    ],
)
def test_cron_add_invalid_is_exit_2_and_schedules_nothing(
    capsys: pytest.CaptureFixture[str], client: Client, dsn: str, argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, "cron", "add", *argv, "--dsn", dsn)

    assert status == 2
    assert out == ""
    assert_one_error_line(err, message)
    assert client.list_cron() == []


def test_cron_remove_unknown_is_exit_1(capsys: pytest.CaptureFixture[str], dsn: str) -> None:
    status, _, err = run(capsys, "cron", "remove", "nope", "--dsn", dsn)

    assert status == 1
    assert_one_error_line(err, "no schedule nope")


def test_cron_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "cron")

    assert status == 2
    assert_one_error_line(err, "ACTION")


# --- the worker --------------------------------------------------------------------------------------

APP = """
import os
import pgqueue

mux = pgqueue.ServeMux()
mux.use(pgqueue.logging_middleware())
not_a_mux = 42


@mux.handle("task:echo")
def echo(job):
    return None


@mux.handle("task:pid")
def pid(job):
    import time
    time.sleep(0.3)  # long enough that every process gets some
    # One write(2) per line: both processes share the pipe, and print() in pieces
    # let their lines interleave ("21091ran ...").
    os.write(1, f"ran {job.id} in {os.getpid()}\\n".encode())
"""


def start_worker(tmp_path: Path, dsn: str, *options: str) -> subprocess.Popen[str]:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    return subprocess.Popen(
        [sys.executable, "-m", "pgqueue", "worker", "app:mux", "--dsn", dsn, "--poll-interval", "0.2", *options],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_worker_runs_jobs_and_stops_on_sigterm(tmp_path: Path, dsn: str, client: Client, read_job: ReadJob) -> None:
    process = start_worker(tmp_path, dsn, "--concurrency", "2", "--queues", "default,other", "--tick-interval", "1")
    try:
        ids = [client.enqueue("task:echo"), client.enqueue("task:echo", queue="other"), client.enqueue("task:none")]
        wait_for(lambda: [read_job(i)["state"] for i in ids[:2]] == ["done", "done"])
        wait_for(lambda: read_job(ids[2])["errors"] != [])
    finally:
        status, _, err = stop(process)

    assert status == 0, err
    assert "pgqueue.worker: worker " in err
    assert "started: queues default, other, concurrency 2, batch 10, handlers task:echo, task:pid" in err
    assert f"job {ids[0]} task:echo done in" in err, "the logging middleware logs to stderr"
    assert "no handler for task 'task:none'" in read_job(ids[2])["errors"][0]["error"]
    assert "SIGTERM received" in err
    assert "stopped after" in err.rstrip().splitlines()[-1]


def test_worker_queues_limit_what_it_claims(tmp_path: Path, dsn: str, client: Client, read_job: ReadJob) -> None:
    process = start_worker(tmp_path, dsn, "--queues", "other")
    try:
        elsewhere = client.enqueue("task:echo")
        here = client.enqueue("task:echo", queue="other")
        wait_for(lambda: read_job(here)["state"] == "done")
        time.sleep(0.5)
    finally:
        status, _, err = stop(process)

    assert status == 0, err
    assert read_job(elsewhere)["state"] == "pending"


def test_worker_processes(tmp_path: Path, dsn: str, client: Client, read_job: ReadJob) -> None:
    process = start_worker(tmp_path, dsn, "--processes", "2", "--concurrency", "1", "--batch-size", "1")
    try:
        ids = client.enqueue_many([{"task": "task:pid"}] * 8)
        wait_for(lambda: all(read_job(i)["state"] == "done" for i in ids))
    finally:
        status, out, err = stop(process)

    assert status == 0, err
    assert err.count("started: queues (all)") == 2, err
    assert len({line.split()[-1] for line in out.splitlines() if line.startswith("ran ")}) == 2, (
        "both processes ran jobs"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:mux", "no module named 'nosuchmodule'"),
        ("app:missing", "module app has no attribute 'missing'"),
        ("app:not_a_mux", "app:not_a_mux is a int, not a pgqueue.ServeMux"),
        ("app mux", "expected MODULE:MUX"),
    ],
)
def test_worker_bad_mux_is_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    dsn: str,
    spec: str,
    message: str,
) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "app", raising=False)

    status, _, err = run(capsys, "worker", spec, "--dsn", dsn)

    assert status == 2
    assert err.strip().splitlines()[-1].startswith("pgqueue: error: ")
    assert message in err


def test_worker_module_that_raises_is_exit_2(tmp_path: Path, dsn: str) -> None:
    """docs/python.md: 2 for "a MODULE:MUX that cannot be loaded", whatever the reason."""
    (tmp_path / "broken.py").write_text("raise RuntimeError('bad config')\n")

    done = subprocess.run(
        [sys.executable, "-m", "pgqueue", "worker", "broken:mux", "--dsn", dsn],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "Traceback" in done.stderr, "the traceback shows where the module failed"
    assert done.stderr.strip().splitlines()[-1] == "pgqueue: error: importing broken failed: RuntimeError: bad config"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "--concurrency"),
        (["--processes", "two"], "--processes"),
        (["--poll-interval", "-1"], "--poll-interval"),
        (["--lease", "0"], "lease must be positive"),
        (["--poll-interval", "0"], "poll_interval must be positive"),
        (["--queues", ","], "--queues"),
    ],
)
def test_worker_bad_options_are_exit_2(tmp_path: Path, dsn: str, argv: list[str], message: str) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))

    done = subprocess.run(
        [sys.executable, "-m", "pgqueue", "worker", "app:mux", "--dsn", dsn, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("pgqueue: error: ")
    assert message in done.stderr


# --- the table printer ----------------------------------------------------------------------------------


def test_format_table_aligns_and_renders_cells() -> None:
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    table = cli.format_table(
        ["name", "count", "when", "age", "data"],
        [["a", 5, moment, timedelta(seconds=3725), {"k": [1]}], ["longer", 120, None, timedelta(seconds=2.5), None]],
    )

    assert table.splitlines() == [
        "NAME    COUNT  WHEN                 AGE         DATA",
        "a           5  " + moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") + '  1h 02m 05s  {"k": [1]}',
        "longer    120  -                    2.5s        -",
    ]


# --- the Client methods the CLI reads with ------------------------------------------------------------


def test_client_get_job_and_list_jobs(client: Client, db: Db) -> None:
    first = client.enqueue("task:a", {"n": 1})
    second = client.enqueue("task:b", queue="q", max_retries=0)
    fail_job(db, second, "boom")

    job = client.get_job(second)
    assert job is not None
    assert (job.id, job.task, job.queue, job.state, job.attempt) == (second, "task:b", "q", "failed", 1)
    assert job.errors[0]["error"] == "boom"
    assert client.get_job(second + 100) is None
    assert [j.id for j in client.list_jobs()] == [second, first]
    assert [j.id for j in client.list_jobs(state="processing")] == [first]  # fail_job claimed it too
    assert [j.id for j in client.list_jobs(queue="q", task="task:b", limit=5)] == [second]
    assert [j.id for j in client.list_jobs(before_id=second)] == [first]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit must be between 1 and 10000"),
        ({"limit": None}, "limit must be an int"),
        ({"state": "finished"}, "state must be one of"),
        ({"queue": 5}, "queue must be a str"),
        ({"before_id": "x"}, "before_id must be an int"),
    ],
)
def test_client_list_jobs_refuses_bad_arguments(client: Client, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        client.list_jobs(**kwargs)


def test_async_client_get_job_and_list_jobs(dsn: str) -> None:
    async def main() -> None:
        async with AsyncClient(dsn) as client:
            job_id = await client.enqueue("task:a")
            job = await client.get_job(job_id)
            assert job is not None
            assert job.state == "pending"
            assert await client.get_job(job_id + 1) is None
            assert [j.id for j in await client.list_jobs(task="other:")] == []
            assert [j.id for j in await client.list_jobs(task="task:a", limit=1)] == [job_id]

    asyncio.run(main())


def test_the_cli_sends_only_the_install_script_and_version_itself() -> None:
    """Everything else goes through Client methods, one pgqueue.* function call each."""
    source = (ROOT / "python" / "src" / "pgqueue" / "cli.py").read_text()

    assert source.count("execute(") == 2
    assert "conn.execute(queries.VERSION)" in source
    assert "conn.execute(script)" in source
