"""The executor runs the same jobs locally or on Ray and returns results in job order."""

import pytest

from planner.consortium.coalition import all_coalitions
from planner.errors import InputError
from planner.executor import run_all


def square(x):
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_local_processes_keep_job_order_and_report_progress(workers):
    seen = []
    assert run_all(square, list(range(7)), workers=workers, progress=lambda d, t: seen.append((d, t))) == \
        [x * x for x in range(7)]
    assert seen[-1] == (7, 7) and len(seen) == 7


def test_unknown_executor_is_bad_input():
    with pytest.raises(InputError, match="unknown executor"):
        run_all(square, [1], executor="slurm")


def test_ray_against_a_local_instance():
    ray = pytest.importorskip("ray", reason="Ray not installed (pip install '.[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        # a package function workers can import (this test module is not on their path)
        result = run_all(all_coalitions, [1, 2, 3], executor="ray")
        assert [len(r) for r in result] == [1, 3, 7]
    finally:
        ray.shutdown()


def _refuse(job):
    raise InputError(f"job {job}", "is refused", "ask for another")


def test_bad_input_found_in_a_worker_reaches_the_caller_whole():
    """An InputError raised in a worker process arrives as itself (one line for the CLI), not as a
    broken process pool."""
    with pytest.raises(InputError) as err:
        run_all(_refuse, [1, 2], workers=2)
    assert err.value.message.endswith("is refused. To fix: ask for another")
