#!/usr/bin/env python3
"""Create a fresh database for tests or the demo and print its conninfo.

The server comes from PGQUEUE_TEST_DSN, else PGQUEUE_DSN, else libpq's defaults
(PG* variables). The database is dropped first if it exists. With --install,
pgqueue is installed the way a DBA would: the plain script sql/pgqueue-install.sql.
The pytest fixtures use the same functions, so there is one way to do this.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = ROOT / "sql" / "pgqueue-install.sql"


def server_dsn() -> str:
    return os.environ.get("PGQUEUE_TEST_DSN") or os.environ.get("PGQUEUE_DSN") or ""


def dsn_for(dbname: str, base: str | None = None) -> str:
    """The base conninfo pointed at another database."""
    return make_conninfo(base if base is not None else server_dsn(), dbname=dbname)


def maintenance_dsn(base: str | None = None) -> str:
    base = base if base is not None else server_dsn()
    params = conninfo_to_dict(base)
    return make_conninfo(base, dbname=params.get("dbname") or "postgres")


def create_database(dbname: str, template: str | None = None, base: str | None = None) -> str:
    with psycopg.connect(maintenance_dsn(base), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))
        if template:
            conn.execute(
                sql.SQL("create database {} template {}").format(sql.Identifier(dbname), sql.Identifier(template))
            )
        else:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
    return dsn_for(dbname, base)


def drop_database(dbname: str, base: str | None = None) -> None:
    with psycopg.connect(maintenance_dsn(base), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))


def install(dsn: str) -> None:
    """Run the plain install script, as `psql -f` would."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(INSTALL_SCRIPT.read_bytes())


# conninfo keywords and the libpq variables that carry them, for tools such as
# pg_prove that take no conninfo string.
LIBPQ_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "options": "PGOPTIONS",
}


def env_exports(dsn: str) -> str:
    """Shell `export` lines that point libpq's PG* variables at dsn."""
    params = conninfo_to_dict(dsn)
    unknown = sorted(set(params) - set(LIBPQ_ENV))
    if unknown:
        raise SystemExit(f"fresh_db: cannot pass {', '.join(unknown)} to pg_prove; use PG* variables instead")
    return "\n".join(f"export {LIBPQ_ENV[key]}={shlex.quote(str(value))}" for key, value in params.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbname")
    parser.add_argument("--install", action="store_true", help="install pgqueue (plain script)")
    parser.add_argument("--pgtap", action="store_true", help="create extension pgtap")
    parser.add_argument("--dsn-only", action="store_true", help="print the conninfo, create nothing")
    parser.add_argument("--env", action="store_true", help="print PG* export lines instead of a conninfo")
    args = parser.parse_args()
    if args.dsn_only:
        print(dsn_for(args.dbname))
        return
    dsn = create_database(args.dbname)
    if args.install:
        install(dsn)
    if args.pgtap:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("create extension if not exists pgtap")
    print(env_exports(dsn) if args.env else dsn)


if __name__ == "__main__":
    main()
