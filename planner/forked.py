"""Run a function in a forked copy of this process, for true parallelism of Python work (threads
share one interpreter lock): the child inherits every object as it is (memoised layouts and
prices included), so only the result crosses back, pickled through a pipe.

The child must not solve with HiGHS or OR-Tools, which run in this process: a fork copies a
solver's thread pool without its threads (planner.executor), so the runner-up re-plan forks only
when it solves with CBC, which runs in a process of its own."""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future


def available() -> bool:
    """Fork is safe here: Linux, and no other thread that could hold a lock the child would inherit."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def submit(fn: Callable, *args) -> Future:
    """fn(*args) in a forked child; the Future gets its result, or the exception it raised. A child
    that dies without sending either (killed, crashed) is replaced by fn(*args) run in a thread here."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        os.close(read)
        code = 0
        try:
            try:
                payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as error:  # noqa: BLE001 - handed to the parent, which re-raises it
                payload = pickle.dumps((False, error), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - nothing else may run in the child
            code = 1
        os._exit(code)
    os.close(write)
    future: Future = Future()

    def collect() -> None:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        try:
            ok, value = pickle.loads(data)
        except Exception:  # noqa: BLE001 - the child died before sending its result: do its work here
            try:
                ok, value = True, fn(*args)
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the Future
                ok, value = False, error
        (future.set_result if ok else future.set_exception)(value)

    threading.Thread(target=collect, name="forked-result", daemon=True).start()
    return future
