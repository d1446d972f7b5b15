"""Fixtures for every pytest module: real databases, one per test.

A session fixture installs pgqueue once into a template database, the way a
user would (the plain script, through tests/fresh_db.py); each test then gets
its own database copied from it with ``create database ... template``, dropped
afterwards. Names carry the pid, so two runs on one server do not collide.

Reusable fixtures: ``template_db`` (its name), ``dsn`` (a fresh database with
pgqueue), ``empty_dsn`` (a fresh database without it), ``db`` (an autocommit
superuser connection to ``dsn`` returning dict rows, for reading tables in
assertions), ``client`` (a :class:`pgqueue.Client` on ``dsn``), and
``new_database_name`` (a factory of unique names, for tests that manage
databases themselves).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from pgqueue import Client

TESTS_DIR = Path(__file__).resolve().parent.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

import fresh_db  # noqa: E402  (tests/ is on the path only from here on)

_serial = itertools.count()


def _unique_name(label: str) -> str:
    return f"pgqueue_test_{label}_{os.getpid()}_{next(_serial)}"


@pytest.fixture
def new_database_name() -> Callable[[str], str]:
    """A factory of database names unique to this run: ``pgqueue_test_<label>_<pid>_<n>``."""
    return _unique_name


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    """The name of a database with pgqueue installed by its plain install script."""
    name = f"pgqueue_test_template_{os.getpid()}"
    dsn = fresh_db.create_database(name)
    try:
        fresh_db.install(dsn)
        yield name
    finally:
        fresh_db.drop_database(name)


@pytest.fixture
def dsn(template_db: str) -> Iterator[str]:
    """The conninfo of a fresh database with pgqueue installed, dropped after the test."""
    name = _unique_name("db")
    yield fresh_db.create_database(name, template=template_db)
    fresh_db.drop_database(name)


@pytest.fixture
def empty_dsn() -> Iterator[str]:
    """The conninfo of a fresh, empty database (no pgqueue), dropped after the test."""
    name = _unique_name("empty")
    yield fresh_db.create_database(name)
    fresh_db.drop_database(name)


@pytest.fixture
def db(dsn: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """An autocommit superuser connection to ``dsn`` for reading tables in assertions."""
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def client(dsn: str) -> Iterator[Client]:
    """A pgqueue Client owning its pool, on ``dsn``."""
    with Client(dsn) as pgqueue_client:
        yield pgqueue_client


@pytest.fixture
def read_job(db: psycopg.Connection[dict[str, Any]]) -> Callable[[int], dict[str, Any]]:
    """Reads a job's row from pgqueue.jobs (tests may read tables; the package may not)."""

    def read(job_id: int) -> dict[str, Any]:
        row = db.execute("select * from pgqueue.jobs where id = %s", [job_id]).fetchone()
        assert row is not None, f"job {job_id} does not exist"
        return row

    return read


@pytest.fixture
def count_jobs(db: psycopg.Connection[dict[str, Any]]) -> Callable[[], int]:
    """Counts the rows of pgqueue.jobs, whatever their state."""

    def count() -> int:
        row = db.execute("select count(*) as n from pgqueue.jobs").fetchone()
        assert row is not None
        return int(row["n"])

    return count
