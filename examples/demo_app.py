"""The demo's application: a ServeMux and the jobs it is sent.

``make demo`` (examples/demo.py) runs it. By hand, against a database with
pgqueue installed::

    cd examples
    ../.venv/bin/pgqueue worker demo_app:mux --dsn dbname=pgqueue_demo
    ../.venv/bin/python -c 'import demo_app, pgqueue; demo_app.enqueue_examples(pgqueue.Client("dbname=pgqueue_demo"))'

What it shows: exact and prefix routes, ``def`` and ``async def`` handlers, the
logging middleware, a cron schedule, a job that fails twice and then succeeds
(it looks at ``job.attempt`` and asks for a retry in one second), a job that
always fails and is dead-lettered after its one retry, and a delayed job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pgqueue import Client, Job, Retry, ServeMux, logging_middleware

log = logging.getLogger("demo")

mux = ServeMux()
mux.use(logging_middleware())  # "job 7 task:send:email started (attempt 1)" ... "done in 200.3 ms"

EMAILS = [
    {"to": "ada@example.com", "subject": "Welcome"},
    {"to": "grace@example.com", "subject": "Your invoice"},
    {"to": "alan@example.com", "subject": "Password reset"},
]
REPORT_EVERY = "@every 3 seconds"
FLAKY_SUCCEEDS_ON = 3
REMINDER_DELAY_SECONDS = 5


@mux.handle("task:send:email")
def send_email(job: Job) -> None:
    """A def handler: it runs in the worker's thread pool, so blocking is fine."""
    time.sleep(0.2)  # talking to the mail server
    log.info("sent %r to %s", job.payload["subject"], job.payload["to"])


@mux.handle("task:report:")
async def build_report(job: Job) -> None:
    """A prefix route (task:report:usage, task:report:...) and an async handler, on the loop."""
    await asyncio.sleep(0.05)
    cron = job.payload.get("_cron", {})
    log.info("report %s for the fire time %s", job.task.removeprefix("task:report:"), cron.get("fire_at"))


@mux.handle("task:charge:card")
def charge_card(job: Job) -> None:
    """Fails twice, then succeeds: the payment provider is busy at first."""
    if job.attempt < FLAKY_SUCCEEDS_ON:
        raise Retry(f"payment provider busy (attempt {job.attempt})", delay=1)  # retry in 1 s, not the backoff
    log.info("charged order %s on attempt %d", job.payload["order"], job.attempt)


@mux.handle("task:import:feed")
def import_feed(job: Job) -> None:
    """Always fails: with max_retries=1 it runs twice (backoff between) and is dead-lettered."""
    raise ConnectionError(f"feed {job.payload['url']} unreachable")


@mux.handle("task:remind")
def remind(job: Job) -> None:
    """A delayed job: enqueued with delay=5, found by the worker's poll when due."""
    waited = (job.run_at - job.created_at).total_seconds()
    log.info("reminder %r, %.0f s after it was enqueued", job.payload["text"], waited)


def enqueue_examples(client: Client) -> dict[str, Any]:
    """Send the demo's jobs; returns their ids by kind (and the cron schedule's name)."""
    emails = client.enqueue_many([{"task": "task:send:email", "payload": email} for email in EMAILS])
    client.schedule_cron(REPORT_EVERY, "usage-report", "task:report:usage")
    flaky = client.enqueue("task:charge:card", {"order": 7})
    dead = client.enqueue("task:import:feed", {"url": "https://feeds.example.com/rss"}, max_retries=1)
    delayed = client.enqueue("task:remind", {"text": "stand up"}, delay=REMINDER_DELAY_SECONDS)
    return {"emails": emails, "flaky": flaky, "dead": dead, "delayed": delayed, "cron": "usage-report"}
