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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbname")
    parser.add_argument("--install", action="store_true", help="install pgqueue (plain script)")
    parser.add_argument("--pgtap", action="store_true", help="create extension pgtap")
    parser.add_argument("--dsn-only", action="store_true", help="print the conninfo, create nothing")
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
    print(dsn)


if __name__ == "__main__":
    main()
