"""The two install paths a DBA has, and the upgrade rule.

* the plain script (``make install-sql DSN=...`` / ``psql -f sql/pgqueue-install.sql``):
  idempotent, safe when several run at once, records its version;
* the extension (``make -C sql install`` then ``create extension pgqueue``);
* both give the same catalog, and so does any released version upgraded to the
  current one (``sql/RELEASES``), by either path.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import fresh_db
import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SQL = ROOT / "sql"
CURRENT = re.search(r"default_version = '([0-9.]+)'", (SQL / "pgqueue.control").read_text())
assert CURRENT
CURRENT_VERSION = CURRENT.group(1)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


EARLIER_RELEASES = sorted(
    (
        path.name[len("pgqueue--") : -len(".sql")]
        for path in SQL.glob("pgqueue--*.sql")
        if "--" not in path.name[len("pgqueue--") :]
    ),
    key=_version_key,
)
EARLIER_RELEASES = [v for v in EARLIER_RELEASES if _version_key(v) < _version_key(CURRENT_VERSION)]

# A normalised view of everything pgqueue puts in a database: functions with
# their signatures, results, security and settings, tables and their columns,
# constraints, indexes, types, comments, and every privilege.
CATALOG_QUERY = """
with acl as (
    select a.oid, a.kind, string_agg(
        pg_get_userbyid(x.grantee) || ':' || x.privilege_type, ',' order by 1
    ) as grants
    from (
        select oid, 'function' as kind, proacl as acl from pg_proc
        union all select oid, 'relation', relacl from pg_class
        union all select oid, 'schema', nspacl from pg_namespace
    ) as a
    cross join lateral aclexplode(a.acl) as x
    group by a.oid, a.kind
)
select 'function', p.oid::regprocedure::text,
       concat_ws(' | ', pg_get_function_result(p.oid), p.prosecdef, p.provolatile, p.proconfig::text,
                 pg_get_function_arguments(p.oid), md5(p.prosrc), acl.grants,
                 obj_description(p.oid, 'pg_proc'))
from pg_proc as p
left join acl on acl.oid = p.oid and acl.kind = 'function'
where p.pronamespace = 'pgqueue'::regnamespace
union all
select 'relation', c.relname,
       concat_ws(' | ', c.relkind, c.reloptions::text, acl.grants, obj_description(c.oid, 'pg_class'),
                 case when c.relkind = 'i' then pg_get_indexdef(c.oid) end)
from pg_class as c
left join acl on acl.oid = c.oid and acl.kind = 'relation'
where c.relnamespace = 'pgqueue'::regnamespace
union all
select 'column', c.relname || '.' || a.attname,
       concat_ws(' | ', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                 pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum))
from pg_class as c
join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef as d on d.adrelid = c.oid and d.adnum = a.attnum
where c.relnamespace = 'pgqueue'::regnamespace and c.relkind in ('r', 'c', 'v')
union all
select 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
from pg_constraint
where connamespace = 'pgqueue'::regnamespace
union all
select 'type', t.typname, concat_ws(' | ', t.typtype, obj_description(t.oid, 'pg_type'))
from pg_type as t
left join pg_class as c on c.oid = t.typrelid
where t.typnamespace = 'pgqueue'::regnamespace and t.typcategory <> 'A' and coalesce(c.relkind, 'c') = 'c'
union all
select 'schema', n.nspname, concat_ws(' | ', acl.grants, obj_description(n.oid, 'pg_namespace'))
from pg_namespace as n
left join acl on acl.oid = n.oid and acl.kind = 'schema'
where n.nspname = 'pgqueue'
union all
select 'role', r.rolname, concat_ws(' | ', r.rolcanlogin, r.rolinherit,
       (select string_agg(g.rolname, ',' order by g.rolname)
        from pg_auth_members as m join pg_roles as g on g.oid = m.roleid where m.member = r.oid))
from pg_roles as r
where r.rolname like 'pgqueue\\_%' escape '\\'
order by 1, 2
"""


def catalog(dsn: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(dsn) as conn:
        return [(str(a), str(b), str(c)) for a, b, c in conn.execute(CATALOG_QUERY).fetchall()]


def psql_install(dsn: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(SQL / "pgqueue-install.sql")],
        capture_output=True,
        text=True,
        timeout=120,
    )


def release_body(version: str) -> str:
    """A released extension script without its psql guard: that version's schema."""
    text = (SQL / f"pgqueue--{version}.sql").read_text()
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("\\echo"))


NO_EARLIER_RELEASE = pytest.param(None, marks=pytest.mark.skip(reason="no release before the current one yet"))

NewDb = Callable[[str], str]


@pytest.fixture
def new_db() -> Iterator[NewDb]:
    """A factory of empty databases, all dropped afterwards."""
    names: list[str] = []

    def make(label: str) -> str:
        name = f"pgqueue_test_install_{os.getpid()}_{label}"
        names.append(name)
        return fresh_db.create_database(name)

    yield make
    for name in names:
        fresh_db.drop_database(name)


def version_of(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select pgqueue.version()").fetchone()
    assert row is not None
    return str(row[0])


def test_plain_script_installs_and_runs_again_without_change(new_db: NewDb) -> None:
    dsn = new_db("twice")
    first = psql_install(dsn)
    assert first.returncode == 0, first.stderr
    before = catalog(dsn)
    with psycopg.connect(dsn) as conn:
        conn.execute("select pgqueue.enqueue('task:kept')")
    second = psql_install(dsn)
    assert second.returncode == 0, second.stderr
    assert version_of(dsn) == CURRENT_VERSION
    assert catalog(dsn) == before
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select count(*) from pgqueue.jobs where task = 'task:kept'").fetchone()
    assert row == (1,), "a second install must keep the jobs"


def test_three_plain_installs_at_once_leave_one_working_schema(new_db: NewDb) -> None:
    dsn = new_db("concurrent")
    command = ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(SQL / "pgqueue-install.sql")]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(*p.communicate(timeout=120), p.returncode) for p in processes]
    assert [code for _, _, code in results] == [0, 0, 0], [err for _, err, _ in results]
    assert version_of(dsn) == CURRENT_VERSION
    with psycopg.connect(dsn) as conn:
        job_id = conn.execute("select pgqueue.enqueue('task:after:install')").fetchone()
        claimed = conn.execute("select id from pgqueue.dequeue('w')").fetchall()
    assert job_id is not None
    assert claimed == [(job_id[0],)]


def test_make_install_sql_installs_with_psql_alone(new_db: NewDb) -> None:
    dsn = new_db("make")
    result = subprocess.run(
        ["make", "--no-print-directory", "install-sql", f"DSN={dsn}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert version_of(dsn) == CURRENT_VERSION


def test_installing_into_a_second_database_reuses_the_cluster_roles(new_db: NewDb) -> None:
    first, second = new_db("roles_a"), new_db("roles_b")
    assert psql_install(first).returncode == 0
    result = psql_install(second)
    assert result.returncode == 0, result.stderr
    assert version_of(second) == CURRENT_VERSION


def test_plain_script_refuses_a_database_with_a_newer_version(new_db: NewDb) -> None:
    dsn = new_db("newer")
    assert psql_install(dsn).returncode == 0
    with psycopg.connect(dsn) as conn:
        conn.execute("create or replace function pgqueue.version() returns text language sql as $$ select '99.0.0' $$")
    result = psql_install(dsn)
    assert result.returncode != 0
    assert "pgqueue 99.0.0" in result.stderr
    assert version_of(dsn) == "99.0.0", "a refused install must change nothing"


def test_extension_gives_the_same_catalog_as_the_plain_script(new_db: NewDb) -> None:
    plain, extension = new_db("plain"), new_db("extension")
    assert psql_install(plain).returncode == 0
    with psycopg.connect(extension) as conn:
        available = conn.execute(
            "select default_version from pg_available_extensions where name = 'pgqueue'"
        ).fetchone()
        assert available == (CURRENT_VERSION,), "run `make -C sql install` first (make test does)"
        conn.execute("create extension pgqueue")
    assert version_of(extension) == CURRENT_VERSION
    assert catalog(extension) == catalog(plain)


EXTENSION_TABLES_NOT_DUMPED = """
    select c.relname
    from pg_class as c
    where c.relnamespace = 'pgqueue'::regnamespace and c.relkind in ('r', 'S')
      and c.oid <> all (coalesce((select e.extconfig from pg_extension as e where e.extname = 'pgqueue'), '{}'))
    order by 1
"""


def test_pg_dump_keeps_every_table_of_the_extension(new_db: NewDb) -> None:
    """Extension-owned tables lose their rows in pg_dump unless registered."""
    fresh, upgraded = new_db("dump_fresh"), new_db("dump_upgraded")
    with psycopg.connect(fresh) as conn:
        conn.execute("create extension pgqueue")
        assert conn.execute(EXTENSION_TABLES_NOT_DUMPED).fetchall() == []
    for release in EARLIER_RELEASES:
        with psycopg.connect(upgraded) as conn:
            conn.execute("drop extension if exists pgqueue")
            conn.execute(sql.SQL("create extension pgqueue version {}").format(sql.Literal(release)))
            conn.execute("alter extension pgqueue update")
            assert conn.execute(EXTENSION_TABLES_NOT_DUMPED).fetchall() == [], f"upgraded from {release}"
    with psycopg.connect(fresh) as conn:
        conn.execute("select pgqueue.enqueue('task:backed:up')")
        conn.execute("select pgqueue.schedule('nightly', '@daily', 'task:nightly')")
    dump = subprocess.run(["pg_dump", "--data-only", fresh], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    assert "task:backed:up" in dump.stdout
    assert "task:nightly" in dump.stdout


def test_plain_script_refuses_a_database_with_the_extension(new_db: NewDb) -> None:
    dsn = new_db("both")
    with psycopg.connect(dsn) as conn:
        conn.execute("create extension pgqueue")
    result = psql_install(dsn)
    assert result.returncode != 0
    assert "ALTER EXTENSION pgqueue UPDATE" in result.stderr


def test_the_sql_artifacts_are_built_from_the_current_sources() -> None:
    result = subprocess.run(["python3", str(SQL / "build.py"), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("release", EARLIER_RELEASES or [NO_EARLIER_RELEASE])
def test_an_old_release_upgraded_by_the_plain_script_equals_a_fresh_install(new_db: NewDb, release: str | None) -> None:
    assert release is not None
    fresh, upgraded = new_db("fresh"), new_db("upgraded")
    # Fresh: the current version's own script, built straight from sql/src
    # (the plain script would itself go through the upgrades under test).
    with psycopg.connect(fresh) as conn:
        conn.execute(release_body(CURRENT_VERSION).encode())
    with psycopg.connect(upgraded) as conn:
        conn.execute(release_body(release).encode())
    assert version_of(upgraded) == release
    result = psql_install(upgraded)
    assert result.returncode == 0, result.stderr
    assert catalog(upgraded) == catalog(fresh)


@pytest.mark.parametrize("release", EARLIER_RELEASES or [NO_EARLIER_RELEASE])
def test_an_old_release_upgraded_as_an_extension_equals_a_fresh_install(new_db: NewDb, release: str | None) -> None:
    assert release is not None
    fresh, upgraded = new_db("ext_fresh"), new_db("ext_upgraded")
    with psycopg.connect(fresh) as conn:
        conn.execute("create extension pgqueue")
    with psycopg.connect(upgraded) as conn:
        conn.execute(sql.SQL("create extension pgqueue version {}").format(sql.Literal(release)))
        conn.execute("alter extension pgqueue update")
    assert catalog(upgraded) == catalog(fresh)


# The columns the partial indexes of 0.3.0 select rows by, out of step with
# state (none, in rows the functions wrote): as "task state".
OUT_OF_STEP = """
select coalesce(array_agg(task || ' ' || state order by id), '{}')
from pgqueue.jobs
where (state = 'processing') is distinct from (lease_expires_at is not null)
    or (state in ('done', 'failed', 'cancelled', 'expired')) is distinct from (finished_at is not null)
"""


@pytest.mark.parametrize("release", EARLIER_RELEASES or [NO_EARLIER_RELEASE])
def test_an_upgrade_keeps_every_job_findable_by_the_rebuilt_indexes(new_db: NewDb, release: str | None) -> None:
    assert release is not None
    dsn = new_db("jobs_upgraded")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(release_body(release).encode())
        for task in ("t:done", "t:processing", "t:by-hand"):
            conn.execute("select pgqueue.enqueue(%s)", [task])
        conn.execute("select count(*) from pgqueue.dequeue('w1', batch_size => 3)")
        conn.execute("select pgqueue.complete(id, 'w1') from pgqueue.jobs where task = 't:done'")
        # Written by hand, not through the functions: done, yet still leased and not finished.
        conn.execute("update pgqueue.jobs set state = 'done' where task = 't:by-hand'")
        conn.execute("select pgqueue.enqueue('t:pending')")
        dedup_row = conn.execute("select pgqueue.enqueue('t:dedup', dedup_key => 'k')").fetchone()
        assert conn.execute(OUT_OF_STEP).fetchone() == (["t:by-hand done"],)

    result = psql_install(dsn)
    assert result.returncode == 0, result.stderr

    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute(OUT_OF_STEP).fetchone() == ([],), "the upgrade put the hand-written row in step"
        states: dict[str, str] = dict(conn.execute("select task, state from pgqueue.jobs").fetchall())
        assert states == {
            "t:done": "done",
            "t:processing": "processing",
            "t:by-hand": "done",
            "t:pending": "pending",
            "t:dedup": "pending",
        }
        again = conn.execute("select pgqueue.enqueue('t:dedup-again', dedup_key => 'k')").fetchone()
        assert again == dedup_row, "the live job still holds its dedup_key"
        claimed = conn.execute("select task from pgqueue.dequeue('w2', batch_size => 10)").fetchall()
        assert sorted(task for (task,) in claimed) == ["t:dedup", "t:pending"], "exactly the pending jobs"
