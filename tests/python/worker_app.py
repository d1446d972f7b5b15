"""Handlers, a worker runner and helpers for the worker tests (``test_worker*.py``).

Run as a script it is one worker process, or with ``--processes N`` the
``run_processes`` supervisor of N of them::

    python tests/python/worker_app.py --dsn DSN --calls DIR [--concurrency 10] [--lease 2] ...

Its handlers (``rec:sync``, a ``def``, and ``rec:async``, an ``async def``)
record every call as lines of ``DIR/calls-<pid>.log``: ``start`` when the
handler begins and ``end`` when it returns, after sleeping ``payload["sleep"]``
seconds. Each line is one ``os.write`` on an ``O_APPEND`` descriptor, so a line
is whole and survives ``kill -9`` of the process that wrote it, and files of
several processes never interleave.

Imported by the tests it also offers: :class:`WorkerProcess` (a worker in a
subprocess, killed if a test forgets it), :func:`worker_thread` (a
:class:`pgqueue.Worker` in a thread of the test), :class:`Recorder` (what
in-process handlers saw) and :func:`wait_until` (a poll loop with a deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from pgqueue import Job, ServeMux, Worker
from pgqueue.worker import run_processes

T = TypeVar("T")

CALLS_DIR_ENV = "PGQUEUE_TEST_CALLS_DIR"
THIS_FILE = Path(__file__).resolve()

# --- recording handler calls (in the worker processes) ----------------------------

_calls_lock = threading.Lock()
_calls_fd: tuple[int, int] | None = None  # (pid, fd): reopened in a forked child


def _calls_file() -> int:
    global _calls_fd
    with _calls_lock:
        pid = os.getpid()
        if _calls_fd is None or _calls_fd[0] != pid:
            path = Path(os.environ[CALLS_DIR_ENV]) / f"calls-{pid}.log"
            _calls_fd = (pid, os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
        return _calls_fd[1]


def record(event: str, job: Job) -> None:
    """Append ``<event> <job id> <pid> <attempt> <unix time>`` to this process's calls file."""
    line = f"{event} {job.id} {os.getpid()} {job.attempt} {time.time():.6f}\n"
    os.write(_calls_file(), line.encode())


def _sleep_for(job: Job) -> float:
    payload = job.payload if isinstance(job.payload, dict) else {}
    return float(payload.get("sleep", 0))


mux = ServeMux()


@mux.handle("rec:sync")
def record_sync(job: Job) -> None:
    record("start", job)
    if seconds := _sleep_for(job):
        time.sleep(seconds)
    record("end", job)


@mux.handle("rec:async")
async def record_async(job: Job) -> None:
    record("start", job)
    if seconds := _sleep_for(job):
        await asyncio.sleep(seconds)
    record("end", job)


@dataclass(frozen=True)
class Call:
    """One line of a calls file."""

    event: str
    job_id: int
    pid: int
    attempt: int
    at: float


def read_calls(directory: Path) -> list[Call]:
    """Every recorded line of every process, in file order per process."""
    calls = []
    for path in sorted(directory.glob("calls-*.log")):
        # Only whole lines: a reader can catch a worker's write half done, and the
        # line it is writing has no newline yet.
        for line in path.read_text().split("\n")[:-1]:
            event, job_id, pid, attempt, at = line.split()
            calls.append(Call(event, int(job_id), int(pid), int(attempt), float(at)))
    return calls


# --- the runner (python worker_app.py ...) -------------------------------------------

OPTIONS: dict[str, Callable[[str], Any]] = {
    "concurrency": int,
    "batch_size": int,
    "poll_interval": float,
    "lease": float,
    "tick_interval": float,
    "shutdown_timeout": float,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a pgqueue worker running worker_app's handlers")
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--calls", required=True, help="directory of the calls files")
    parser.add_argument("--processes", type=int, help="run this many processes under run_processes")
    for name, kind in OPTIONS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=kind)
    args = parser.parse_args(argv)
    os.environ[CALLS_DIR_ENV] = args.calls
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    options = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}

    def work() -> None:
        Worker(args.dsn, mux, **options).run()

    if args.processes is not None:
        return run_processes(args.processes, work)
    work()
    return 0


# --- helpers for the tests ---------------------------------------------------------------


def wait_until(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.02) -> T:
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class WorkerProcess:
    """``python worker_app.py`` in a subprocess with ``options`` (Worker's arguments), its
    output in ``log_path``; ``new_session``: in a process group of its own.

    As a context manager it kills the process (SIGKILL) on exit if it still runs.
    """

    def __init__(
        self,
        dsn: str,
        calls_dir: Path,
        log_path: Path,
        options: Mapping[str, float] | None = None,
        *,
        processes: int | None = None,
        new_session: bool = False,
    ) -> None:
        args = [sys.executable, str(THIS_FILE), "--dsn", dsn, "--calls", str(calls_dir)]
        if processes is not None:
            args += ["--processes", str(processes)]
        for name, value in (options or {}).items():
            if name not in OPTIONS:
                raise TypeError(f"unknown worker option {name}")
            args += ["--" + name.replace("_", "-"), str(value)]
        self.log_path = log_path
        self.args = args
        self.supervisor = processes is not None
        self._log: IO[bytes] = log_path.open("ab")
        self.popen = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=new_session
        )
        self.pid = self.popen.pid

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def send(self, signum: signal.Signals) -> None:
        self.popen.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout=10)

    def wait(self, timeout: float) -> int:
        """The exit code; fails (with the log) if it still runs after ``timeout`` s."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker {self.pid} still runs after {timeout} s; its log:\n{self.log()}") from None

    def assert_running(self) -> bool:
        """True while the process runs; fails with its log once it has exited."""
        code = self.popen.poll()
        assert code is None, f"worker {self.pid} exited with {code}; its log:\n{self.log()}"
        return True

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.popen.poll() is None:
            self.kill()
        if self.supervisor:  # its workers, in process groups of their own, may outlive it
            for pid in processes_running(self.args):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._log.close()


def processes_running(args: Sequence[str]) -> set[int]:
    """Live processes whose command line is ``args`` (forked children keep their parent's)."""
    wanted = "\0".join(args).encode()
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if cmdline.read_bytes().rstrip(b"\0") == wanted and int(cmdline.parent.name) != os.getpid():
                found.add(int(cmdline.parent.name))
    return found


def children_of(pid: int, expect: int | None = None) -> set[int]:
    """The live child processes of ``pid`` (from /proc); with ``expect``, empty unless there are that many."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(stat.parent.name))
    return found if expect is None or len(found) == expect else set()


class ThreadedWorker:
    """A :class:`pgqueue.Worker` running in a thread of the test (signals not handled)."""

    def __init__(self, dsn: str, handlers: ServeMux, **options: Any) -> None:
        self.worker = Worker(dsn, handlers, **options)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="worker-under-test")

    def _run(self) -> None:
        try:
            self.worker.run(handle_signals=False)
        except BaseException as error:  # handed to the test in stop()
            self.error = error

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully and wait; fails if the worker does not stop or it raised."""
        self.worker.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the worker did not stop within {timeout} s"
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def worker_thread(dsn: str, handlers: ServeMux, **options: Any) -> Iterator[ThreadedWorker]:
    """Run a Worker in a thread for the ``with`` block; stop it (gracefully) and join it after."""
    threaded = ThreadedWorker(dsn, handlers, **options)
    threaded.thread.start()
    try:
        yield threaded
    finally:
        threaded.stop()


@dataclass(frozen=True)
class Seen:
    """One handler call seen by a :class:`Recorder`."""

    job_id: int
    task: str
    attempt: int
    payload: Any
    at: float  # time.time() when the handler started
    thread: str


class Recorder:
    """Thread-safe list of the handler calls of an in-process worker, with waiting."""

    def __init__(self) -> None:
        self.calls: list[Seen] = []
        self._changed = threading.Condition()

    def __call__(self, job: Job) -> Seen:
        seen = Seen(job.id, job.task, job.attempt, job.payload, time.time(), threading.current_thread().name)
        with self._changed:
            self.calls.append(seen)
            self._changed.notify_all()
        return seen

    def of(self, job_id: int) -> list[Seen]:
        with self._changed:
            return [seen for seen in self.calls if seen.job_id == job_id]

    def wait_for(self, job_id: int, count: int = 1, timeout: float = 10) -> list[Seen]:
        """The first ``count`` calls for ``job_id``, waiting up to ``timeout`` s for them."""
        with self._changed:
            ok = self._changed.wait_for(
                lambda: sum(seen.job_id == job_id for seen in self.calls) >= count, timeout=timeout
            )
            calls = [seen for seen in self.calls if seen.job_id == job_id]
        assert ok, f"job {job_id} ran {len(calls)} times within {timeout} s, expected {count}: {calls}"
        return calls[:count]


if __name__ == "__main__":
    sys.exit(main())
