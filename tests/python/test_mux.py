"""ServeMux: routing by task name, middleware, and the logging middleware (no database)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pgqueue import InvalidArgument, Job, NoHandler, ServeMux, logging_middleware
from pgqueue.mux import SyncHandler

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
CallNext = Callable[[Job], Awaitable[Any]]


def make_job(task: str, *, job_id: int = 7, queue: str = "default", attempt: int = 1, payload: Any = None) -> Job:
    return Job(
        id=job_id,
        queue=queue,
        task=task,
        payload=payload if payload is not None else {},
        priority=0,
        attempt=attempt,
        max_retries=5,
        run_at=NOW,
        created_at=NOW,
        expires_at=None,
        dedup_key=None,
        locked_by="test-worker",
        lease_expires_at=NOW + timedelta(minutes=5),
    )


async def run_inline(handler: SyncHandler, job: Job) -> Any:
    """The worker runs def handlers in a thread pool; here they are called in place."""
    return handler(job)


def dispatch(mux: ServeMux, task: str, **job: Any) -> Any:
    return asyncio.run(mux.dispatch(make_job(task, **job), run_inline))


def named(name: str) -> Callable[[Job], str]:
    def handler(job: Job) -> str:
        return name

    return handler


# --- routing ----------------------------------------------------------------------------


def test_exact_pattern_serves_only_its_task() -> None:
    mux = ServeMux()
    mux.handle("task:send:email", named("email"))

    assert dispatch(mux, "task:send:email") == "email"
    with pytest.raises(NoHandler):
        dispatch(mux, "task:send:email:urgent")
    with pytest.raises(NoHandler):
        dispatch(mux, "task:send")


def test_prefix_pattern_serves_every_task_under_it() -> None:
    mux = ServeMux()
    mux.handle("task:report:", named("report"))

    assert dispatch(mux, "task:report:daily") == "report"
    assert dispatch(mux, "task:report:weekly:pdf") == "report"
    with pytest.raises(NoHandler):
        dispatch(mux, "task:report")  # the prefix is "task:report:", colon included
    with pytest.raises(NoHandler):
        dispatch(mux, "task:reports:daily")


def test_longest_prefix_wins_whatever_the_registration_order() -> None:
    mux = ServeMux()
    mux.handle("task:report:daily:", named("daily"))
    mux.handle("task:", named("task"))
    mux.handle("task:report:", named("report"))

    assert dispatch(mux, "task:report:daily:pdf") == "daily"
    assert dispatch(mux, "task:report:weekly") == "report"
    assert dispatch(mux, "task:other") == "task"


def test_exact_match_beats_a_prefix() -> None:
    mux = ServeMux()
    mux.handle("task:report:", named("prefix"))
    mux.handle("task:report:daily", named("exact"))

    assert dispatch(mux, "task:report:daily") == "exact"
    assert dispatch(mux, "task:report:daily2") == "prefix"


def test_unknown_task_raises_no_handler_naming_the_task() -> None:
    mux = ServeMux()
    mux.handle("task:known", named("known"))
    mux.handle("task:known:", named("known prefix"))

    with pytest.raises(NoHandler, match=r"^no handler for task 'task:unknown'$") as raised:
        dispatch(mux, "task:unknown")
    assert raised.value.task == "task:unknown"
    with pytest.raises(NoHandler, match="no handler for task"):
        mux.resolve("task:unknown")


def test_empty_mux_has_no_handler_for_anything() -> None:
    with pytest.raises(NoHandler, match="no handler for task 'x'"):
        dispatch(ServeMux(), "x")


@pytest.mark.parametrize("pattern", ["task:a", "task:a:"])
def test_registering_a_pattern_twice_is_an_error(pattern: str) -> None:
    mux = ServeMux()
    mux.handle(pattern, named("first"))

    with pytest.raises(InvalidArgument, match="already registered"):
        mux.handle(pattern, named("second"))
    with pytest.raises(InvalidArgument, match="already registered"):
        mux.handle(pattern)(named("third"))
    assert mux.resolve(pattern + ("x" if pattern.endswith(":") else ""))(make_job(pattern)) == "first"


def test_exact_and_prefix_of_the_same_text_may_coexist() -> None:
    mux = ServeMux()
    mux.handle("task:a", named("exact"))
    mux.handle("task:a:", named("prefix"))

    assert dispatch(mux, "task:a") == "exact"
    assert dispatch(mux, "task:a:b") == "prefix"
    assert mux.patterns == ["task:a", "task:a:"]


@pytest.mark.parametrize("pattern", ["", "   ", None, 3])
def test_bad_patterns_are_refused(pattern: Any) -> None:
    with pytest.raises(InvalidArgument, match="pattern"):
        ServeMux().handle(pattern, named("x"))


def test_a_handler_must_be_callable() -> None:
    with pytest.raises(InvalidArgument, match="must be callable"):
        ServeMux().handle("task:a", "not a function")  # type: ignore[call-overload]


def test_decorator_form_registers_and_returns_the_function() -> None:
    mux = ServeMux()

    @mux.handle("task:send:email")
    def send_email(job: Job) -> str:
        return f"sent {job.payload['to']}"

    @mux.handle("task:report:")
    async def report(job: Job) -> str:
        return f"report {job.task}"

    assert send_email(make_job("task:send:email", payload={"to": "a@b.c"})) == "sent a@b.c"  # still the function
    assert dispatch(mux, "task:send:email", payload={"to": "x@y.z"}) == "sent x@y.z"
    assert dispatch(mux, "task:report:daily") == "report task:report:daily"
    assert mux.patterns == ["task:report:", "task:send:email"]


def test_method_form_registers_and_returns_the_handler() -> None:
    mux = ServeMux()
    handler = named("method")

    assert mux.handle("task:a", handler) is handler
    assert mux.resolve("task:a") is handler
    assert dispatch(mux, "task:a") == "method"


def test_sync_handlers_go_through_run_sync_and_async_ones_are_awaited() -> None:
    mux = ServeMux()
    ran_through: list[str] = []

    @mux.handle("task:sync")
    def sync_handler(job: Job) -> str:
        return "sync"

    @mux.handle("task:async")
    async def async_handler(job: Job) -> str:
        return "async"

    class AsyncCallable:
        async def __call__(self, job: Job) -> str:
            return "async object"

    mux.handle("task:object", AsyncCallable())

    async def run_sync(handler: SyncHandler, job: Job) -> Any:
        ran_through.append(job.task)
        return handler(job)

    async def main() -> list[Any]:
        return [await mux.dispatch(make_job(task), run_sync) for task in ("task:sync", "task:async", "task:object")]

    assert asyncio.run(main()) == ["sync", "async", "async object"]
    assert ran_through == ["task:sync"]


# --- middleware -------------------------------------------------------------------------


def test_middleware_runs_in_the_order_added_first_outermost() -> None:
    mux = ServeMux()
    trace: list[str] = []

    def tracing(name: str) -> Callable[[Job, CallNext], Awaitable[Any]]:
        async def middleware(job: Job, call_next: CallNext) -> Any:
            trace.append(f"{name} before")
            result = await call_next(job)
            trace.append(f"{name} after")
            return f"{name}({result})"

        return middleware

    mux.use(tracing("a"))
    mux.use(tracing("b"))
    mux.use(tracing("c"))

    @mux.handle("task:x")
    def handler(job: Job) -> str:
        trace.append("handler")
        return "x"

    assert dispatch(mux, "task:x") == "a(b(c(x)))"
    assert trace == ["a before", "b before", "c before", "handler", "c after", "b after", "a after"]


def test_middleware_can_short_circuit() -> None:
    mux = ServeMux()
    called: list[str] = []

    async def gate(job: Job, call_next: CallNext) -> Any:
        if job.payload.get("skip"):
            return "skipped"
        return await call_next(job)

    async def inner(job: Job, call_next: CallNext) -> Any:
        called.append("inner")
        return await call_next(job)

    mux.use(gate)
    mux.use(inner)

    @mux.handle("task:x")
    def handler(job: Job) -> str:
        called.append("handler")
        return "ran"

    assert dispatch(mux, "task:x", payload={"skip": True}) == "skipped"
    assert called == []
    assert dispatch(mux, "task:x", payload={"skip": False}) == "ran"
    assert called == ["inner", "handler"]


def test_middleware_can_change_the_job_and_sees_handler_errors() -> None:
    mux = ServeMux()
    seen_errors: list[str] = []

    async def rewrite(job: Job, call_next: CallNext) -> Any:
        try:
            return await call_next(make_job(job.task, payload={"n": job.payload["n"] * 10}))
        except ValueError as error:
            seen_errors.append(str(error))
            raise

    mux.use(rewrite)

    @mux.handle("task:x")
    def handler(job: Job) -> int:
        if job.payload["n"] > 50:
            raise ValueError("too big")
        return int(job.payload["n"])

    assert dispatch(mux, "task:x", payload={"n": 2}) == 20
    with pytest.raises(ValueError, match="too big"):
        dispatch(mux, "task:x", payload={"n": 9})
    assert seen_errors == ["too big"]


def test_no_handler_is_raised_inside_the_middleware() -> None:
    mux = ServeMux()
    seen: list[BaseException] = []

    async def catcher(job: Job, call_next: CallNext) -> Any:
        try:
            return await call_next(job)
        except NoHandler as error:
            seen.append(error)
            raise

    mux.use(catcher)
    with pytest.raises(NoHandler):
        dispatch(mux, "task:nobody")
    assert [str(e) for e in seen] == ["no handler for task 'task:nobody'"]


def test_middleware_must_be_an_async_function() -> None:
    def sync_middleware(job: Job, call_next: CallNext) -> Any:
        return call_next(job)

    with pytest.raises(InvalidArgument, match="async"):
        ServeMux().use(sync_middleware)


# --- logging middleware ------------------------------------------------------------------


def job_records(caplog: pytest.LogCaptureFixture, name: str = "pgqueue.jobs") -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == name]


def test_logging_middleware_logs_start_and_success_with_structured_fields(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pgqueue.jobs")
    mux = ServeMux()
    mux.use(logging_middleware())
    mux.handle("task:ok", named("fine"))

    assert dispatch(mux, "task:ok", job_id=41, queue="mail", attempt=3) == "fine"

    start, success = job_records(caplog)
    for record in (start, success):
        assert record.levelno == logging.INFO
        assert record.__dict__["job_id"] == 41
        assert record.__dict__["task"] == "task:ok"
        assert record.__dict__["queue"] == "mail"
        assert record.__dict__["attempt"] == 3
    assert "started" in start.getMessage()
    assert "duration_ms" not in start.__dict__
    assert "done" in success.getMessage()
    assert isinstance(success.__dict__["duration_ms"], float)
    assert success.__dict__["duration_ms"] >= 0


def test_logging_middleware_logs_failure_with_the_exception(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pgqueue.jobs")
    mux = ServeMux()
    mux.use(logging_middleware())

    @mux.handle("task:bad")
    def bad(job: Job) -> None:
        raise RuntimeError("it broke")

    with pytest.raises(RuntimeError, match="it broke"):
        dispatch(mux, "task:bad", job_id=9, queue="q", attempt=2)

    start, failure = job_records(caplog)
    assert "started" in start.getMessage()
    assert failure.levelno == logging.WARNING
    assert "failed" in failure.getMessage()
    assert "it broke" in failure.getMessage()
    assert failure.exc_info is not None
    assert isinstance(failure.exc_info[1], RuntimeError)
    fields = {key: failure.__dict__[key] for key in ("job_id", "task", "queue", "attempt")}
    assert fields == {"job_id": 9, "task": "task:bad", "queue": "q", "attempt": 2}
    assert failure.__dict__["duration_ms"] >= 0


def test_logging_middleware_logs_a_cancelled_job_as_released_not_failed(caplog: pytest.LogCaptureFixture) -> None:
    """The worker cancels a job only at shutdown, and releases it: it was logged as
    "failed" at WARNING, with an empty message and a CancelledError traceback."""
    caplog.set_level(logging.INFO, logger="pgqueue.jobs")
    mux = ServeMux()
    mux.use(logging_middleware())

    async def main() -> None:
        started = asyncio.Event()

        @mux.handle("task:long")
        async def long_job(job: Job) -> None:
            started.set()
            await asyncio.sleep(60)

        task = asyncio.create_task(mux.dispatch(make_job("task:long", job_id=5), run_inline))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())

    _, cancelled = job_records(caplog)
    assert cancelled.levelno == logging.INFO
    assert cancelled.getMessage().startswith("job 5 task:long cancelled after ")
    assert "released" in cancelled.getMessage()
    assert cancelled.exc_info is None
    assert cancelled.__dict__["job_id"] == 5
    assert cancelled.__dict__["duration_ms"] >= 0


def test_logging_middleware_measures_the_duration(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pgqueue.jobs")
    mux = ServeMux()
    mux.use(logging_middleware())

    @mux.handle("task:slow")
    async def slow(job: Job) -> None:
        await asyncio.sleep(0.05)

    dispatch(mux, "task:slow")

    _, success = job_records(caplog)
    assert 50 <= success.__dict__["duration_ms"] < 5000


def test_logging_middleware_logs_a_missing_handler_and_can_use_another_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="app.jobs")
    mux = ServeMux()
    mux.use(logging_middleware(logging.getLogger("app.jobs")))

    with pytest.raises(NoHandler):
        dispatch(mux, "task:nobody")

    assert job_records(caplog) == []
    _, failure = job_records(caplog, "app.jobs")
    assert failure.levelno == logging.WARNING
    assert "no handler for task 'task:nobody'" in failure.getMessage()
    assert failure.__dict__["task"] == "task:nobody"
