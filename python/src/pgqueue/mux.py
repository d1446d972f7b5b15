"""Routing jobs to handlers by task name, and the middleware around them.

A :class:`ServeMux` maps a task name to a handler: an exact pattern
(``"task:send:email"``) or a prefix ending in ``:`` (``"task:report:"`` serves
``task:report:daily``). Exact beats prefix; among prefixes the longest wins.

Handlers take a :class:`~pgqueue.models.Job`; ``def`` handlers run in the
worker's thread pool, ``async def`` handlers on its event loop. Returning
completes the job; raising fails it (see :class:`~pgqueue.errors.Retry` and
:class:`~pgqueue.errors.PermanentError`).

Middleware is ``async def mw(job, call_next)``: it may act before and after
``await call_next(job)``, or not call it. The first added is the outermost.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

from pgqueue.errors import InvalidArgument, NoHandler
from pgqueue.models import Job

__all__ = ["AsyncHandler", "Handler", "Middleware", "ServeMux", "SyncHandler", "logging_middleware"]

SyncHandler = Callable[[Job], Any]
AsyncHandler = Callable[[Job], Awaitable[Any]]
Handler = SyncHandler | AsyncHandler
CallNext = Callable[[Job], Awaitable[Any]]
Middleware = Callable[[Job, CallNext], Awaitable[Any]]
# How the worker runs a def handler: in its thread pool.
RunSync = Callable[[SyncHandler, Job], Awaitable[Any]]

H = TypeVar("H", bound=Handler)


def is_async(handler: Handler) -> bool:
    """Whether calling the handler returns an awaitable (``async def``, or an object whose
    ``__call__`` is)."""
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - the method itself is inspected
    )


class ServeMux:
    """Routes jobs to handlers by task name; see the module docstring."""

    def __init__(self) -> None:
        self._exact: dict[str, Handler] = {}
        self._prefixes: dict[str, Handler] = {}
        self._middleware: list[Middleware] = []

    @overload
    def handle(self, pattern: str) -> Callable[[H], H]: ...

    @overload
    def handle(self, pattern: str, handler: H) -> H: ...

    def handle(self, pattern: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Register ``handler`` for ``pattern``; without a handler, a decorator.

        A pattern ending in ``:`` is a prefix. Registering a pattern twice is an error.
        """
        if not isinstance(pattern, str) or not pattern.strip():
            raise InvalidArgument(f"pattern must be a non-empty task name or prefix (got {pattern!r})")

        def register(function: H) -> H:
            if not callable(function):
                raise InvalidArgument(f"handler for {pattern!r} must be callable (got {type(function).__name__})")
            table = self._prefixes if pattern.endswith(":") else self._exact
            if pattern in table:
                raise InvalidArgument(f"a handler for {pattern!r} is already registered")
            table[pattern] = function
            return function

        return register if handler is None else register(handler)

    def use(self, middleware: Middleware) -> None:
        """Wrap every handler in ``middleware``; the first added runs outermost."""
        if not inspect.iscoroutinefunction(middleware):
            raise InvalidArgument("middleware must be an async function: async def mw(job, call_next)")
        self._middleware.append(middleware)

    def resolve(self, task: str) -> Handler:
        """The handler for ``task``: exact match, else the longest matching prefix."""
        handler = self._exact.get(task)
        if handler is not None:
            return handler
        best = max((p for p in self._prefixes if task.startswith(p)), key=len, default=None)
        if best is None:
            raise NoHandler(task)
        return self._prefixes[best]

    @property
    def patterns(self) -> list[str]:
        """Every registered pattern, sorted."""
        return sorted([*self._exact, *self._prefixes])

    async def dispatch(self, job: Job, run_sync: RunSync) -> Any:
        """Run ``job`` through the middleware to its handler.

        A missing handler raises :class:`NoHandler` inside the middleware, so it is
        logged and failed like any other error.
        """

        async def call_handler(job: Job) -> Any:
            handler = self.resolve(job.task)
            if is_async(handler):
                return await handler(job)
            return await run_sync(handler, job)

        call: CallNext = call_handler
        for middleware in reversed(self._middleware):
            call = _bind(middleware, call)
        return await call(job)


def _bind(middleware: Middleware, call_next: CallNext) -> CallNext:
    async def call(job: Job) -> Any:
        return await middleware(job, call_next)

    return call


def logging_middleware(logger: logging.Logger | None = None) -> Middleware:
    """Middleware that logs each job's start, success (with its duration), failure
    (with the exception) and cancellation (at shutdown: the job is released) on stdlib
    logging, with structured fields in ``extra``: ``job_id``, ``task``, ``queue``,
    ``attempt``, and ``duration_ms`` when it ended.

        mux.use(pgqueue.logging_middleware())
    """
    log = logger or logging.getLogger("pgqueue.jobs")

    async def log_job(job: Job, call_next: CallNext) -> Any:
        fields = {"job_id": job.id, "task": job.task, "queue": job.queue, "attempt": job.attempt}
        log.info("job %s %s started (attempt %s)", job.id, job.task, job.attempt, extra=fields)
        started = time.perf_counter()
        try:
            result = await call_next(job)
        except asyncio.CancelledError:
            # The worker cancels a job only at shutdown, and releases it: not a failure.
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            log.info(
                "job %s %s cancelled after %.1f ms: released, to run again",
                job.id,
                job.task,
                duration_ms,
                extra={**fields, "duration_ms": duration_ms},
            )
            raise
        except BaseException as error:
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            log.warning(
                "job %s %s failed after %.1f ms: %s",
                job.id,
                job.task,
                duration_ms,
                error,
                exc_info=error,
                extra={**fields, "duration_ms": duration_ms},
            )
            raise
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        log.info(
            "job %s %s done in %.1f ms", job.id, job.task, duration_ms, extra={**fields, "duration_ms": duration_ms}
        )
        return result

    return log_job
