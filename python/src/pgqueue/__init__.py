"""pgqueue: background jobs in PostgreSQL.

The queue lives in the database as ``pgqueue.*`` SQL functions; this package
calls them. Start with :class:`Client` (or :class:`AsyncClient`)::

    from pgqueue import Client

    with Client("dbname=app") as client:
        job_id = client.enqueue("task:send:email", {"to": "a@b.c"}, delay=60)
"""

from __future__ import annotations

from pgqueue.client import AsyncClient, Client
from pgqueue.errors import InvalidArgument, NoHandler, PermanentError, PgQueueError, Retry
from pgqueue.models import CronSchedule, EnqueueArgs, Job, JobRecord, QueueStats
from pgqueue.mux import ServeMux, logging_middleware
from pgqueue.worker import AsyncWorker, Worker

__all__ = [
    "AsyncClient",
    "AsyncWorker",
    "Client",
    "CronSchedule",
    "EnqueueArgs",
    "InvalidArgument",
    "Job",
    "JobRecord",
    "NoHandler",
    "PermanentError",
    "PgQueueError",
    "QueueStats",
    "Retry",
    "ServeMux",
    "Worker",
    "__version__",
    "logging_middleware",
]

__version__ = "0.3.0"
