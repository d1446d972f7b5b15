"""pgqueue: background jobs in PostgreSQL.

The queue lives in the database as ``pgqueue.*`` SQL functions; this package
calls them. Start with :class:`Client` (or :class:`AsyncClient`)::

    from pgqueue import Client

    with Client("dbname=app") as client:
        job_id = client.enqueue("task:send:email", {"to": "a@b.c"}, delay=60)
"""

from __future__ import annotations

from pgqueue.client import AsyncClient, Client
from pgqueue.errors import InvalidArgument, PgQueueError
from pgqueue.models import CronSchedule, EnqueueArgs, QueueStats

__all__ = [
    "AsyncClient",
    "Client",
    "CronSchedule",
    "EnqueueArgs",
    "InvalidArgument",
    "PgQueueError",
    "QueueStats",
    "__version__",
]

__version__ = "0.2.0"
