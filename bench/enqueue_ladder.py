#!/usr/bin/env python3
"""Where a one-job enqueue's time goes: a ladder from the ceiling's raw insert to pgqueue.enqueue.

Workload 1 of `make bench` compares pgqueue.enqueue with a bare INSERT into a
ten-column table. This splits the difference into rungs, each adding one thing
pgqueue.enqueue needs, every rung a function built the way pgqueue's are
(PL/pgSQL, security definer, pinned search_path):

  raw          the ceiling's statement, sent by the client
  wrapper      the same INSERT inside such a function
  jobs table   the INSERT into pgqueue.jobs instead (18 columns, 6 indexes)
  notify       + the NOTIFY that wakes idle workers, in RETURNING
  queue row    + the queue's row read inside the INSERT (its max_retries)
  enqueue      pgqueue.enqueue itself (+ argument checks, dedup and clock branches)

Each rung has a connection of its own; the rungs are called in turn, one call
each, so drift over the run (the VM's fsync latency, other processes) falls on
all alike. The rate is one over the median call, as in `make bench`.

    make bench-enqueue                 # 3,000 calls per rung
    .venv/bin/python bench/enqueue_ladder.py --calls 10000 --output /tmp/ladder.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import fresh_db  # noqa: E402

from bench import RAW_ENQUEUE, RAW_SCHEMA  # noqa: E402

DATABASE = "pgqueue_bench_ladder"
PAYLOAD = '{"to": "a@b.c"}'

# name -> the body of a function ladder.<name>(task text, payload jsonb) returning bigint.
RUNGS: dict[str, str] = {
    "wrapper": """
        insert into raw.jobs (task, payload) values (task, payload) returning id into v_id;
    """,
    "jobs_table": """
        insert into pgqueue.jobs (queue, task, payload, priority, run_at, created_at, max_retries)
        values ('default', task, payload, 0, pg_catalog.now(), pg_catalog.now(), 5)
        returning id into v_id;
    """,
    "notify": """
        insert into pgqueue.jobs (queue, task, payload, priority, run_at, created_at, max_retries)
        values ('default', task, payload, 0, pg_catalog.now(), pg_catalog.now(), 5)
        returning id, pg_catalog.pg_notify('pgqueue', 'default')::text into v_id, v_notified;
    """,
    "queue_row": """
        insert into pgqueue.jobs (queue, task, payload, priority, run_at, created_at, max_retries)
        select q.name, task, payload, 0, pg_catalog.now(), pg_catalog.now(), q.max_retries
        from pgqueue.queues as q
        where q.name = 'default'
        returning id, pg_catalog.pg_notify('pgqueue', 'default')::text into v_id, v_notified;
    """,
}

FUNCTION = """
create function ladder.{name}(task text, payload jsonb)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_variable
declare
    v_id bigint;
    v_notified text;
begin
    {body}
    return v_id;
end;
$$;
"""


def statements() -> dict[str, str]:
    """Each rung's statement as the client sends it, in ladder order."""
    return {
        "raw": RAW_ENQUEUE,
        **{name: f"select ladder.{name}(%s, %s::jsonb)" for name in RUNGS},
        "enqueue": "select pgqueue.enqueue(%s, %s::jsonb)",
    }


def measure(dsn: str, calls: int) -> dict[str, float]:
    """Median seconds per call of each rung, the rungs called in turn."""
    sent = statements()
    seconds: dict[str, list[float]] = {name: [] for name in sent}
    conns = {name: psycopg.connect(dsn, autocommit=True) for name in sent}
    try:
        for name, conn in conns.items():
            for _ in range(20):  # warm up: prepared statements, PL/pgSQL caches
                conn.execute(sent[name], ["task:warmup", PAYLOAD])
        for _ in range(calls):
            for name, conn in conns.items():
                started = time.perf_counter()
                conn.execute(sent[name], ["task:send:email", PAYLOAD])
                seconds[name].append(time.perf_counter() - started)
    finally:
        for conn in conns.values():
            conn.close()
    return {name: statistics.median(values) for name, values in seconds.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000, help="calls per rung")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "enqueue_ladder.json")
    args = parser.parse_args()
    if args.calls < 1:
        parser.error("--calls must be at least 1")

    dsn = fresh_db.create_database(DATABASE)
    try:
        fresh_db.install(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(RAW_SCHEMA.encode())
            conn.execute(b"create schema ladder")
            for name, body in RUNGS.items():
                conn.execute(FUNCTION.format(name=name, body=body.strip()).encode())
            conn.execute("select pgqueue.enqueue('task:warmup')")  # the default queue's row
        medians = measure(dsn, args.calls)
    finally:
        fresh_db.drop_database(DATABASE)

    raw = medians["raw"]
    rows: list[dict[str, Any]] = []
    print(f"one-job enqueue, {args.calls:,} calls per rung, in turn (ratio: raw's median / the rung's)")
    print(f"  {'rung':<12} {'calls/s':>9} {'us/call':>9} {'ratio':>7} {'step':>8}")
    previous = raw
    for name, median in medians.items():
        rows.append(
            {"rung": name, "rate": round(1 / median, 1), "us": round(median * 1e6, 1), "ratio": round(raw / median, 3)}
        )
        step = (median - previous) * 1e6
        print(f"  {name:<12} {1 / median:>9,.0f} {median * 1e6:>9.1f} {raw / median:>7.3f} {step:>+7.1f}us")
        previous = median
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"calls": args.calls, "rungs": rows}, indent=2) + "\n")
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
