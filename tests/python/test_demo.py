"""make demo's driver (examples/demo.py), quickly: on the test server, and on a throwaway one."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fresh_db
import psycopg
import pytest
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo.py"
UNREACHABLE = "host=127.0.0.1 port=1"


def run_demo(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO), *argv], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


@pytest.fixture
def demo_database(new_database_name: Callable[[str], str]) -> Iterator[str]:
    name = new_database_name("demo")
    yield name
    fresh_db.drop_database(name)


def test_demo_runs_the_examples_to_their_end_states(demo_database: str) -> None:
    done = run_demo("--dsn", fresh_db.server_dsn(), "--database", demo_database, "--seconds", "7")

    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(fresh_db.dsn_for(demo_database), row_factory=dict_row) as conn:
        jobs: list[dict[str, Any]] = conn.execute("select * from pgqueue.jobs order by id").fetchall()
    by_task: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_task.setdefault(job["task"], []).append(job)

    emails = by_task["task:send:email"]
    assert [job["state"] for job in emails] == ["done"] * 3
    (flaky,) = by_task["task:charge:card"]
    assert (flaky["state"], flaky["attempt"]) == ("done", 3), "the flaky job succeeds on its third attempt"
    assert len(flaky["errors"]) == 2
    (dead,) = by_task["task:import:feed"]
    assert (dead["state"], dead["attempt"], dead["max_retries"]) == ("failed", 2, 1), "dead-lettered after one retry"
    assert "ConnectionError" in dead["errors"][-1]["error"]
    reports = by_task["task:report:usage"]
    assert any(job["state"] == "done" for job in reports), "the cron schedule fired at least once"
    (delayed,) = by_task["task:remind"]
    assert delayed["state"] == "done", "the delayed job ran once due"

    out = done.stdout
    assert "installed pgqueue 0.3.0" in out
    assert "charged order 7 on attempt 3" in out, "readable logs on stdout"
    assert "== pgqueue stats" in out
    stats_header = out.split("== pgqueue stats\n", 1)[1].splitlines()[0]
    assert stats_header.split()[:6] == ["QUEUE", "PENDING", "SCHEDULED", "PROCESSING", "DONE", "FAILED"]
    assert "Traceback" not in out, "tracebacks stay in the jobs' error histories"


def test_demo_reports_when_there_is_no_server_and_no_postgresql(tmp_path: Path) -> None:
    # As on a machine without PostgreSQL: the demo with a find_initdb that finds nothing,
    # in a child process so the test's own modules are untouched.
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import demo; "
        "demo.find_initdb = lambda: None; sys.exit(demo.main(['--dsn', sys.argv[2], '--pg-dir', sys.argv[3]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(DEMO.parent), UNREACHABLE, str(tmp_path / "pg")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert "no PostgreSQL server answers at 'host=127.0.0.1 port=1'" in done.stderr
    assert "set PGQUEUE_DSN" in done.stderr
    assert not (tmp_path / "pg").exists()


@pytest.mark.slow
@pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not shutil.which("initdb"), reason="no initdb"
)
def test_demo_starts_a_throwaway_server_when_none_answers() -> None:
    # Under /tmp, not pytest's tmp_path: as root the server runs as postgres, which
    # must be able to enter every directory above its own.
    parent = Path(tempfile.mkdtemp(prefix="pgqueue-test-demo-"))
    os.chmod(parent, 0o755)
    pg_dir = parent / "pg"
    try:
        done = run_demo("--dsn", UNREACHABLE, "--pg-dir", str(pg_dir), "--seconds", "5")

        assert done.returncode == 0, done.stdout + done.stderr
        assert "no PostgreSQL server answers at 'host=127.0.0.1 port=1'" in done.stdout
        assert "starting a throwaway one with " in done.stdout
        assert "installed pgqueue 0.3.0" in done.stdout
        assert "charged order 7 on attempt 3" in done.stdout
        assert "== pgqueue stats" in done.stdout
        assert f"the throwaway server is stopped and {pg_dir} removed" in done.stdout
        assert not pg_dir.exists(), "the throwaway server's directory is removed"
    finally:
        shutil.rmtree(parent, ignore_errors=True)
