"""The claim stays on the partial index however many finished jobs the table keeps.

auto_explain logs the plan of every statement inside pgqueue.dequeue to the
client, so the test checks the statement the function really runs, both as a
custom plan (its first executions) and as the generic plan PL/pgSQL switches to.
"""

from __future__ import annotations

import psycopg
import pytest

from pgqueue import Client

FINISHED_JOBS = 100_000


def log_plans(conn: psycopg.Connection[tuple[object, ...]], marker: str) -> list[str]:
    """From now on, collect the plan auto_explain logs for every statement conn runs,
    nested ones included, whose text contains marker."""
    plans: list[str] = []
    conn.add_notice_handler(
        lambda diag: plans.append(diag.message_primary or "") if marker in (diag.message_primary or "") else None
    )
    conn.execute("load 'auto_explain'")
    conn.execute("set auto_explain.log_min_duration = 0")
    conn.execute("set auto_explain.log_nested_statements = on")
    conn.execute("set client_min_messages = log")
    return plans


@pytest.fixture
def crowded_dsn(dsn: str, client: Client) -> str:
    """A database with 100,000 done jobs and 10 pending ones, analyzed."""
    client.enqueue_many([{"task": "task:fresh", "priority": n % 3} for n in range(10)])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            """
            insert into pgqueue.jobs (
                run_at, created_at, finished_at, max_retries, attempt, state, queue, task
            )
            select t, t, t, 5, 1, 'done', 'default', 'task:old'
            from generate_series(1, %s) as n
            cross join lateral (select now() - n * interval '1 second' as t) as at (t)
            """,
            [FINISHED_JOBS],
        )
        conn.execute("analyze pgqueue.jobs")
    return dsn


def claim_plans(dsn: str, plan_cache_mode: str, claims: int) -> list[str]:
    """The plans auto_explain logged for dequeue's claim statement, one per call."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        plans = log_plans(conn, "skip locked")
        conn.execute(f"set plan_cache_mode = {plan_cache_mode}")
        for _ in range(claims):
            rows = conn.execute("select id from pgqueue.dequeue(worker => 'w', batch_size => 1)").fetchall()
            assert len(rows) == 1, "a pending job is claimed"
    return plans


@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
def test_dequeue_claims_through_the_partial_claim_index(crowded_dsn: str, plan_cache_mode: str) -> None:
    plans = claim_plans(crowded_dsn, plan_cache_mode, claims=3)

    assert len(plans) == 3, "auto_explain logged the claim statement of every call"
    for plan in plans:
        assert "jobs_claim_idx" in plan, plan
        assert "Seq Scan on jobs" not in plan, plan
        # The claimed rows are updated through the primary key, in the generic
        # plan too (it once hash-joined every job there, so it was re-planned per call).
        assert "Index Scan using jobs_pkey" in plan, plan
        assert "Hash Join" not in plan, plan


# --- lookups by id stay on the primary key --------------------------------------------

BY_ID_CALLS = {
    "complete": "select pgqueue.complete(1, 'nobody')",
    "complete_many": "select pgqueue.complete_many('{1,2,3,4,5,6,7,8,9,10}', 'nobody')",
    "fail": "select pgqueue.fail(1, 'nobody', 'x')",
    "heartbeat": "select pgqueue.heartbeat('{1,2,3}', 'nobody')",
    "release": "select pgqueue.release('{1,2,3}', 'nobody')",
    "cancel": "select pgqueue.cancel(1)",
    "retry": "select pgqueue.retry(1)",
}


def update_plans(dsn: str, call: str) -> list[str]:
    """The plans auto_explain logged for the UPDATE statements a call ran."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        plans = log_plans(conn, "update pgqueue.jobs")
        conn.execute(call.encode())
    return plans


@pytest.fixture
def stale_stats_dsn(dsn: str, client: Client) -> str:
    """Statistics taken while few jobs were claimed; then 30,000 processing and 30,000
    pending jobs. A partial index over one state then looks tiny to the planner."""
    client.enqueue_many([{"task": "task:x"} for _ in range(60_000)])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("analyze pgqueue.jobs")
        conn.execute("select count(*) from pgqueue.dequeue('w', batch_size => 30000)")
        conn.execute("select count(pgqueue.fail(d.id, 'w', 'x')) from pgqueue.dequeue('w', batch_size => 5) as d")
    return dsn


@pytest.mark.parametrize("function", sorted(BY_ID_CALLS))
def test_a_lookup_by_id_uses_the_primary_key_not_a_partial_index(stale_stats_dsn: str, function: str) -> None:
    plans = update_plans(stale_stats_dsn, BY_ID_CALLS[function])
    assert plans, "auto_explain logged the update"
    for plan in plans:
        assert "jobs_pkey" in plan, plan
        for partial in ("jobs_lease_idx", "jobs_claim_idx", "jobs_finished_idx"):
            assert partial not in plan, plan


# --- a session's cached plans survive the table growing ---------------------------------
#
# PL/pgSQL keeps a statement's generic plan for the whole session. A worker
# that starts while the queue is nearly empty plans its statements on a table
# of one page, where a sequential scan is the cheapest way to find a row by id;
# when a burst of jobs then arrives, that plan would scan the whole table on
# every call until autovacuum's next ANALYZE (measured on 0.2.0: 78 ms per
# dequeue with 200,000 jobs). The hot functions forbid the sequential scan.

GROWTH_JOBS = 50_000
WORKER_CALLS = {
    **BY_ID_CALLS,
    "dequeue": "select id from pgqueue.dequeue('w', batch_size => 10)",
    # The dedup_key is taken: enqueue looks the live job up.
    "enqueue": "select pgqueue.enqueue('task:first', dedup_key => 'k')",
    # rescue, expiry and cleanup, which every worker runs every few seconds.
    "tick": "select pgqueue.tick()",
}


@pytest.mark.parametrize("function", sorted(WORKER_CALLS))
def test_plans_cached_on_an_empty_table_do_not_scan_it_once_it_grows(dsn: str, client: Client, function: str) -> None:
    call = WORKER_CALLS[function].encode()
    with psycopg.connect(dsn, autocommit=True) as admin:
        # Only this test's growth, no ANALYZE invalidating the cached plans.
        admin.execute("alter table pgqueue.jobs set (autovacuum_enabled = false)")
        client.enqueue("task:first", dedup_key="k")
        admin.execute("vacuum analyze pgqueue.jobs")
        with psycopg.connect(dsn, autocommit=True) as session:
            for _ in range(8):  # past PL/pgSQL's five custom plans: the generic plan is cached
                session.execute(call)
            client.enqueue_many([{"task": "task:burst"} for _ in range(GROWTH_JOBS)])
            plans = log_plans(session, "pgqueue.jobs")
            session.execute(call)
    assert plans, "auto_explain logged the statements on pgqueue.jobs"
    for plan in plans:
        assert "Seq Scan on jobs" not in plan, plan
