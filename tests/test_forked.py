"""The runner-up re-plan forked beside the main plan: results and errors come back, a child that
dies is replaced, and plans are the same forked or not."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from planner import api, forked

ROOT = Path(__file__).resolve().parents[1]


def test_the_result_comes_back_from_a_child():
    pid, value = forked.submit(lambda x: (os.getpid(), x * 2), 21).result(timeout=60)
    assert pid != os.getpid() and value == 42


def test_an_error_in_the_child_is_raised_to_whoever_waits():
    def fails():
        raise ValueError("no plan")

    with pytest.raises(ValueError, match="no plan"):
        forked.submit(fails).result(timeout=60)


def test_a_child_that_dies_without_a_result_is_replaced_by_the_work_done_here():
    parent = os.getpid()

    def dies_in_the_child():
        if os.getpid() != parent:
            os._exit(9)
        return "done here"

    assert forked.submit(dies_in_the_child).result(timeout=60) == "done here"


def test_no_fork_while_another_thread_runs():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not forked.available()
    finally:
        release.set()
        other.join()


@pytest.mark.parametrize("scenario", ["distillation.yaml", "university_cluster.yaml"])
def test_a_plan_is_the_same_with_its_runner_up_forked_or_in_a_thread(monkeypatch, scenario):
    if not forked.available():
        pytest.skip("forking is not available here")
    submitted = []
    submit = forked.submit
    monkeypatch.setattr(forked, "submit", lambda *a: submitted.append(a) or submit(*a))
    with_fork = api.plan(str(ROOT / "scenarios" / scenario)).model_dump()
    assert len(submitted) == 1  # the runner-up re-plan
    monkeypatch.setattr(forked, "available", lambda: False)
    in_thread = api.plan(str(ROOT / "scenarios" / scenario)).model_dump()
    assert with_fork == in_thread
    assert any(a["kind"] == "other_path" for a in with_fork["alternatives"])
