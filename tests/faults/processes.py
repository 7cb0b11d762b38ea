"""`turnout scheduler` as a process of its own, as `make run` starts it, and waiting on it with a bound."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scheduler(log: Path) -> Iterator[subprocess.Popen]:
    """The scheduler on the environment's database and store, its output appended to `log`."""
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler"], stdout=out, stderr=out)  # noqa: S603 - this repository's own CLI
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def wait_for(
    check: Callable[[], bool],
    what: str,
    log: Path,
    seconds: float = 90,
    process: subprocess.Popen | None = None,
) -> None:
    """Poll `check` until it holds; fail with the scheduler's log if it does not within `seconds`, or
    at once if `process` has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"the scheduler exited waiting for {what}; its log:\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; scheduler log:\n{log.read_text()[-3000:]}")
