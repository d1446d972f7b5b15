#!/usr/bin/env python3
"""Cleanup of a large backlog: N finished jobs removed by repeated pgqueue.cleanup() calls.

Each call is one bounded batch in its own transaction, as tick() or a shell loop
would run it. Reports the batch times (the figure that matters: no call may hold
a long transaction) and checks that live jobs were left alone.

    make bench-cleanup                      # 1,000,000 jobs, delete then archive
    .venv/bin/python bench/cleanup_backlog.py --jobs 200000 --strategy archive
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fresh_db  # noqa: E402

LIVE_JOBS = 1000
BATCH_LIMIT_SECONDS = 1.0


def fill(conn: psycopg.Connection[tuple[Any, ...]], jobs: int) -> None:
    """jobs finished jobs 30 days old, plus LIVE_JOBS pending ones that must stay."""
    conn.execute("select pgqueue.configure_queue('bench', retention => '7 days')")
    conn.execute(
        """
        insert into pgqueue.jobs (queue, task, payload, run_at, created_at, max_retries, state, finished_at)
        select 'bench', 'task:bench', '{"n": 1}', now() - interval '30 days', now() - interval '30 days', 5,
               (array['done', 'failed', 'cancelled', 'expired'])[1 + g %% 4],
               now() - interval '30 days' + g * interval '1 millisecond'
        from generate_series(1, %s) as g
        """,
        [jobs],
    )
    conn.execute(
        "select pgqueue.enqueue_many(jsonb_agg(jsonb_build_object('task', 'task:live', 'queue', 'bench'))) "
        "from generate_series(1, %s)",
        [LIVE_JOBS],
    )
    conn.execute("vacuum analyze pgqueue.jobs")


@dataclass(frozen=True)
class Result:
    strategy: str
    removed: int
    batches: int
    total_seconds: float
    jobs_per_second: int
    batch_ms_median: float
    batch_ms_p95: float
    batch_ms_max: float
    live_jobs_left: int
    archived: int


def drain(conn: psycopg.Connection[tuple[Any, ...]], strategy: str) -> Result:
    batches: list[float] = []
    removed = 0
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        row = conn.execute("select pgqueue.cleanup(strategy => %s)", [strategy]).fetchone()
        elapsed = time.perf_counter() - t0
        count = int(row[0]) if row else 0
        if count == 0:
            break
        batches.append(elapsed)
        removed += count
    total = time.perf_counter() - started
    live = conn.execute("select count(*) from pgqueue.jobs where task = 'task:live'").fetchone()
    archived = conn.execute("select count(*) from pgqueue.jobs_archive").fetchone()
    ordered = sorted(batches) or [0.0]
    return Result(
        strategy=strategy,
        removed=removed,
        batches=len(batches),
        total_seconds=round(total, 2),
        jobs_per_second=round(removed / total) if total else 0,
        batch_ms_median=round(statistics.median(ordered) * 1000, 1),
        batch_ms_p95=round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        batch_ms_max=round(ordered[-1] * 1000, 1),
        live_jobs_left=int(live[0]) if live else 0,
        archived=int(archived[0]) if archived else 0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--strategy", choices=["delete", "archive", "both"], default="both")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "cleanup.json")
    args = parser.parse_args()

    results = []
    for strategy in ["delete", "archive"] if args.strategy == "both" else [args.strategy]:
        dsn = fresh_db.create_database("pgqueue_bench_cleanup")
        fresh_db.install(dsn)
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                fill(conn, args.jobs)
                result = drain(conn, strategy)
        finally:
            fresh_db.drop_database("pgqueue_bench_cleanup")
        results.append(result)
        print(
            f"cleanup {strategy:7}: {result.removed:>9,} jobs in {result.batches} batches, "
            f"{result.total_seconds} s ({result.jobs_per_second:,} jobs/s); batch ms median "
            f"{result.batch_ms_median}, p95 {result.batch_ms_p95}, max {result.batch_ms_max}; "
            f"live jobs left {result.live_jobs_left}/{LIVE_JOBS}"
        )

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"jobs": args.jobs, "results": [asdict(r) for r in results]}, indent=2) + "\n")
    ok = all(
        r.removed == args.jobs and r.live_jobs_left == LIVE_JOBS and r.batch_ms_max < BATCH_LIMIT_SECONDS * 1000
        for r in results
    )
    print("every batch under one second, every finished job removed, live jobs kept:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
