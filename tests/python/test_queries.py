"""The package's statements keep to the contract: one pgqueue.* call each, named notation."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from pgqueue import queries

# LISTEN (and its CHANNEL) is the one statement that is not a function call.
NOT_CALLS = {"CHANNEL", "LISTEN"}
STATEMENTS = {
    name: value
    for name, value in vars(queries).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, str) and name not in NOT_CALLS
}


def test_job_reads_name_exactly_the_fields_of_job_record() -> None:
    """get_job and list_jobs return the table's row type, which may widen; the client
    names the columns it maps, and they must be JobRecord's."""
    from dataclasses import fields

    from pgqueue import JobRecord

    named = [column.strip().removeprefix("j.") for column in queries._JOB_COLUMNS.split(",")]
    assert named == [f.name for f in fields(JobRecord)]


def test_dequeue_names_exactly_the_fields_of_job() -> None:
    from dataclasses import fields

    from pgqueue import Job

    columns = queries.DEQUEUE.split("from pgqueue.dequeue(")[0].removeprefix("select")
    assert [column.strip().removeprefix("d.") for column in columns.split(",")] == [f.name for f in fields(Job)]


def test_a_worker_reads_its_batch_from_a_wider_dequeue_row(db: psycopg.Connection[dict[str, Any]]) -> None:
    """A later schema may add columns to pgqueue.job. With ``select *``, a worker still
    running this package failed on every batch it had just claimed (an unexpected
    keyword argument for Job), and the batch waited for its lease."""
    from psycopg.rows import class_row

    from pgqueue import Job

    enqueued = db.execute("select pgqueue.enqueue('task:x') as id").fetchone()
    assert enqueued is not None
    row = db.execute(
        """
        select
            string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' order by attnum) as columns,
            string_agg(format('j.%I', attname), ', ' order by attnum) as values
        from pg_attribute
        where attrelid = 'pgqueue.job'::regclass and attnum > 0 and not attisdropped
        """
    ).fetchone()
    assert row is not None
    # The wider version, in this test's database only: a new column first, then the old
    # ones; it claims like dequeue, simply.
    db.execute("drop function pgqueue.dequeue(text, text[], integer, interval)")
    db.execute(
        f"""
        create function pgqueue.dequeue(
            worker text, queues text[] default null, batch_size integer default 1, lease interval default null
        )
        returns table (added text, {row["columns"]})
        language sql
        as $$
            update pgqueue.jobs as j
            set state = 'processing', attempt = j.attempt + 1, locked_by = $1, locked_at = now(),
                lease_expires_at = now() + interval '5 minutes'
            where j.state = 'pending'
            returning 'new'::text, {row["values"]}
        $$
        """
    )

    with db.cursor(row_factory=class_row(Job)) as cur:
        cur.execute(queries.DEQUEUE, {"worker": "w", "queues": None, "batch_size": 10, "lease": None})
        jobs = cur.fetchall()

    assert [(job.id, job.task, job.attempt, job.locked_by) for job in jobs] == [(enqueued["id"], "task:x", 1, "w")]


def test_the_worker_listens_on_the_channel_pgqueue_notifies(db: psycopg.Connection[dict[str, Any]]) -> None:
    assert f"listen {queries.CHANNEL}" == queries.LISTEN
    row = db.execute("select prosrc from pg_proc where oid = 'pgqueue._notify(text[])'::regprocedure").fetchone()
    assert row is not None
    assert f"'{queries.CHANNEL}'" in row["prosrc"]


def test_the_package_has_statements() -> None:
    assert {"ENQUEUE", "ENQUEUE_MANY", "CANCEL", "RETRY", "STATS", "SCHEDULE", "UNSCHEDULE", "LIST_SCHEDULES"} <= (
        STATEMENTS.keys()
    )


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_is_one_named_call_of_an_installed_function(
    name: str, db: psycopg.Connection[dict[str, Any]]
) -> None:
    statement = STATEMENTS[name]

    assert statement.lstrip().lower().startswith("select"), "a statement only calls a function"
    references = re.findall(r"pgqueue\.\w+", statement)
    assert len(references) == 1, f"one pgqueue object per statement, and no table: {references}"
    function = references[0].removeprefix("pgqueue.")
    assert f"pgqueue.{function}(" in statement, "the reference is a function call"

    placeholders = re.findall(r"%\((\w+)\)s", statement)
    named = re.findall(r"(\w+) => %\((\w+)\)s", statement)
    assert len(named) == len(placeholders), "every argument is passed in named notation"
    assert all(argument == placeholder for argument, placeholder in named), "a placeholder is named as its parameter"

    row = db.execute(
        """
        select
            count(*) as installed,
            coalesce(array_agg(distinct a.name) filter (where a.name is not null), '{}') as names
        from pg_proc as p
        left join lateral unnest(p.proargnames) as a (name) on true
        where p.pronamespace = 'pgqueue'::regnamespace and p.proname = %s
        """,
        [function],
    ).fetchone()
    assert row is not None
    assert row["installed"] > 0, f"pgqueue.{function} is installed"
    assert {argument for argument, _ in named} <= set(row["names"]), "every argument is a parameter name"
