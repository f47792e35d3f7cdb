"""Run one built PuLP problem on CBC, HiGHS or OR-Tools, silently, and normalise the outcome.

CBC and HiGHS are called through PuLP. For OR-Tools the PuLP problem is translated row by row to
`pywraplp` (SCIP, or its CBC when SCIP is missing), so all three solve the very same model. After a
run the PuLP variables hold the solution, whichever solver found it.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass

import highspy
import pulp

from planner.errors import SolverFailure

SOLVERS = ("cbc", "highs", "ortools")
MIP_REL_GAP = 1e-9  # 'optimal' means proven to this relative gap (HiGHS would stop at 1e-4)
# CBC 2.10.3's feasibility pump costs much of its time on this model, whose LP relaxation is tight;
# off, CBC proves the same optima 2-3x faster on the bundled scenarios (docs/model.md).
# Preprocessing off would be faster still, but then CBC has crashed on 0.2% of small random models
# and once stopped at a worse plan it called optimal; it serves only to re-check an 'infeasible'
# verdict, which CBC's defaults have once given on a feasible model. At most 10 root cut passes:
# CBC's 100 spent most of the enterprise runner-up re-plan moving a bound the branching then
# closed (docs/model.md, "Solving"). MIR cuts off: on the bundled scenarios' 21 models and the
# mip_scale families they cost more than they prune (enterprise runner-up 0.52 -> 0.30 s CPU,
# xxl-tight 13.1 -> 6.2 s), with the same optima and 2,100 random instances matching brute force.
CBC_OPTIONS = ("feas off", "passC 10", "mixed off")
CBC_RECHECK_OPTIONS = ("preprocess off",)
CUTOFF_SLACK = 1e-7  # relative
# CBC 2.10.3 has called 'optimal' values that break a row by 0.9 days and by 61 (random models with
# provider-share and carbon caps; preprocessing off finds them infeasible, as brute force does): a
# plan whose values break a row by more than this share of the row's scale is re-solved that way.
ROW_TOLERANCE = 1e-4
# CBC 2.10.3 has also called plans optimal that are not, breaking no row: 760,920 where 264,161
# is, on a 25-variable model, under its defaults too; and with the pump off, a feasible model
# infeasible, its re-check without preprocessing then stopping at a worse plan (docs/model.md).
# Each 'optimal' is confirmed by plain branch and bound (no preprocessing, cuts or pump: each is
# where one of those faults arose) asked only for a plan better by more than CONFIRM_GAP, in at
# most as long as the first answer took (CONFIRM_MIN_S at least), on models up to
# CONFIRM_MAX_VARIABLES: under that cutoff the proof is quick on small models (consortium-health's
# 803 variables: 0.08 s) but not on large ones (the 21,626-variable portfolio roadmap: over 35 s
# after an 18 s first solve; 30-61 s with cuts), whose 'optimal' stays CBC's alone.
CBC_CONFIRM_OPTIONS = ("preprocess off", "cuts off", "feas off")
CONFIRM_MAX_VARIABLES = 10_000
CONFIRM_MIN_S = 1.0
CONFIRM_GAP = 1e-6
SCIP_PARAMETERS = "propagating/probing/maxprerounds = 0\n"
MIN_TIME_LIMIT_S = 0.01  # a limit of 0 would mean 'none' to some solvers
# HiGHS 1.16 at its default 1e-6 has rejected its own optimum as infeasible by 1.00006e-6
# ("Solve error"); 1e-7 avoids that and matches CBC's tolerance.
HIGHS_MIP_FEASIBILITY_TOLERANCE = 1e-7
# warnings.catch_warnings changes process-wide state: path-by-path builds CBC commands in two threads
_WARNINGS = threading.Lock()


@dataclass(frozen=True)
class Run:
    """status: 'optimal', 'feasible' (stopped early with a plan), 'infeasible' (proven) or
    'timeout' (stopped early without a plan). bound: best proven lower bound on the objective."""

    status: str
    bound: float | None
    seconds: float


def run(lp: pulp.LpProblem, solver: str, time_limit_s: float | None = None, cutoff: float | None = None) -> Run:
    """Solve `lp` in place; a time limit (seconds, at least MIN_TIME_LIMIT_S) never raises: without a
    plan by then the status is 'timeout'. cutoff: the objective value of a plan known to exist; CBC
    then skips branches that cannot beat it (HiGHS 1.16 and OR-Tools ignore it)."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if time_limit_s is not None:
        time_limit_s = max(float(time_limit_s), MIN_TIME_LIMIT_S)
    started = time.perf_counter()
    if solver == "cbc":
        status, bound = _cbc(lp, time_limit_s, cutoff)
    else:
        status, bound = {"highs": _highs, "ortools": _ortools}[solver](lp, time_limit_s)
    return Run(status, bound, time.perf_counter() - started)


def below_cutoff(lp: pulp.LpProblem, cutoff: float, time_limit_s: float | None = None) -> Run:
    """Whether `lp` has a plan cheaper than `cutoff` (the cost of a plan known elsewhere, e.g. on
    another path), by CBC: 'optimal' with lp holding its cheapest plan when it has one; 'infeasible'
    when CBC_OPTIONS and then CBC_RECHECK_OPTIONS both find none below the cutoff (run's re-check
    drops the cutoff, but here no plan below it is the expected answer, and two settings agreeing is
    the same guard); 'timeout' or 'feasible' when the time limit stops either run, and 'timeout' when
    CBC fails or both settings give values that break a row (no verdict either way)."""
    started = time.perf_counter()
    limit = None if time_limit_s is None else max(float(time_limit_s), MIN_TIME_LIMIT_S)
    cut = (_cutoff_option(lp, cutoff),)

    def left() -> float | None:
        return None if limit is None else max(limit - (time.perf_counter() - started), MIN_TIME_LIMIT_S)

    for options in (CBC_OPTIONS, CBC_RECHECK_OPTIONS):
        try:
            status, bound = _cbc_run(lp, left(), options + cut)
        except pulp.PulpSolverError:  # as in _cbc: CBC's defaults (the re-check setting has crashed on 2 % here)
            try:
                status, bound = _cbc_run(lp, left(), cut)
            except pulp.PulpSolverError:
                status, bound = "timeout", None
        if status in ("optimal", "feasible") and breaks_rows(lp):
            if options is CBC_RECHECK_OPTIONS:  # broken twice: no verdict (the whole MIP decides)
                return Run("timeout", None, time.perf_counter() - started)
            continue  # not a plan: the re-check setting decides (as in _cbc)
        if status != "infeasible":
            return Run(status, bound, time.perf_counter() - started)
    return Run("infeasible", None, time.perf_counter() - started)


def relaxation_bound(lp: pulp.LpProblem, solver: str, zero: list[pulp.LpVariable],
                     time_limit_s: float | None = None) -> float | None:
    """The optimum of `lp`'s LP relaxation with the variables `zero` fixed at 0 (math.inf if that
    is infeasible), solved by `solver`: a lower bound on every integer solution with them at 0. None
    when the solver proves neither (stopped by the time limit). Bounds are restored after; the
    variables' values are the relaxation's."""
    saved = [(v, v.lowBound, v.upBound) for v in zero]
    for v in zero:
        v.lowBound = v.upBound = 0
    limit = None if time_limit_s is None else max(float(time_limit_s), MIN_TIME_LIMIT_S)
    try:
        if solver == "cbc":
            with tempfile.TemporaryDirectory() as folder:
                with _WARNINGS, warnings.catch_warnings():  # as in _cbc_run
                    warnings.simplefilter("ignore", DeprecationWarning)
                    command = pulp.PULP_CBC_CMD(msg=False, mip=False, timeLimit=limit)
                command.tmpDir = folder
                lp.solve(command)
        elif solver == "highs":
            with quiet_stdout():
                lp.solve(pulp.HiGHS(msg=False, mip=False, timeLimit=limit))
        else:
            _ortools(lp, limit, relax=True)
    finally:
        for v, low, high in saved:
            v.lowBound, v.upBound = low, high
    if lp.status == pulp.LpStatusInfeasible:
        return math.inf
    if lp.status != pulp.LpStatusOptimal or lp.sol_status != pulp.LpSolutionOptimal:
        return None
    return pulp.value(lp.objective)


def _pulp_status(lp: pulp.LpProblem, time_limit_s: float | None) -> str:
    if lp.status == pulp.LpStatusOptimal:
        return "optimal" if lp.sol_status == pulp.LpSolutionOptimal else "feasible"
    if lp.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if lp.status == pulp.LpStatusNotSolved and time_limit_s is not None:
        return "timeout"
    raise SolverFailure(f"{lp.solver.name} failed (status {pulp.LpStatus[lp.status]}); try another --solver "
                        "(cbc, highs, ortools)")


def _cbc(lp: pulp.LpProblem, time_limit_s: float | None, cutoff: float | None = None) -> tuple[str, float | None]:
    """CBC through PuLP (_cbc_checked), and each 'optimal' it gives confirmed (_confirmed) in at most
    as long as it took (CONFIRM_MIN_S at least), within the time limit."""
    started = time.perf_counter()
    status, bound = _cbc_checked(lp, time_limit_s, cutoff)
    if status != "optimal" or not _confirmable(lp):
        return status, bound
    spent = time.perf_counter() - started
    budget = max(CONFIRM_MIN_S, spent)
    if time_limit_s is not None:
        budget = max(min(budget, time_limit_s - spent), MIN_TIME_LIMIT_S)
    return _confirmed(lp, budget)


def _cbc_checked(lp: pulp.LpProblem, time_limit_s: float | None, cutoff: float | None) -> tuple[str, float | None]:
    """CBC with CBC_OPTIONS and the cutoff (CBC's defaults if that run crashes); values that break a
    row are re-solved with CBC_RECHECK_OPTIONS; an 'infeasible' verdict is re-checked with
    CBC_RECHECK_OPTIONS and no cutoff, whose plan wins if it finds one (so a cutoff below the
    optimum can never make a plan disappear). CBC stopped by a time limit in preprocessing has said
    'infeasible' of a feasible model, so a re-check that runs out of time too makes the outcome
    'timeout', not a proof."""
    started = time.perf_counter()
    options = CBC_OPTIONS if cutoff is None else CBC_OPTIONS + (_cutoff_option(lp, cutoff),)

    def left() -> float | None:
        return None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - started),
                                                     MIN_TIME_LIMIT_S)

    try:
        status, bound = _cbc_run(lp, time_limit_s, options)
    except pulp.PulpSolverError:
        status, bound = _cbc_run(lp, left(), ())
    if status in ("optimal", "feasible") and breaks_rows(lp):  # CBC 2.10.3's preprocessing, docs/model.md
        try:
            status, bound = _cbc_run(lp, left(), CBC_RECHECK_OPTIONS)
        except pulp.PulpSolverError:
            status = "crashed"
        if status == "crashed" or status in ("optimal", "feasible") and breaks_rows(lp):
            raise SolverFailure("CBC returned values that break the model's constraints, and its re-check "
                                "gave no plan; solve with --solver highs")
        return status, bound
    if status == "infeasible":
        try:
            recheck = _cbc_run(lp, left(), CBC_RECHECK_OPTIONS)
        except pulp.PulpSolverError:  # this setting has crashed on infeasible models
            recheck = ("infeasible", None)
        if recheck[0] != "infeasible":  # a plan, or no proof either way before the time limit
            return recheck
    return status, bound


def _confirmable(lp: pulp.LpProblem) -> bool:
    """A minimisation with integer variables (an LP has no preprocessing to doubt; a decomposition
    solves relaxations through run) of at most CONFIRM_MAX_VARIABLES."""
    variables = lp.variables()
    return lp.sense == pulp.LpMinimize and len(variables) <= CONFIRM_MAX_VARIABLES \
        and any(v.cat == pulp.LpInteger for v in variables)


def _confirmed(lp: pulp.LpProblem, time_limit_s: float | None) -> tuple[str, float | None]:
    """CBC's 'optimal' values in lp, confirmed by CBC_CONFIRM_OPTIONS asked for a plan better by
    CONFIRM_GAP: one that breaks no row replaces them (its status: 'optimal', or 'feasible' if the
    time limit stopped it); none found, a crash or the time limit keep them as 'optimal'."""
    value = lp.objective.value()
    if value is None:  # values missing: nothing to confirm
        return "optimal", None
    kept = [(v, v.varValue) for v in lp.variables()]
    below = value - CONFIRM_GAP * max(1.0, abs(value))
    try:
        status, bound = _cbc_run(lp, time_limit_s, CBC_CONFIRM_OPTIONS + (_cutoff_option(lp, below),))
    except (pulp.PulpSolverError, SolverFailure):  # a crash, or a status PuLP does not know
        status, bound = "crashed", None
    if status in ("optimal", "feasible") and lp.objective.value() < below and not breaks_rows(lp):
        return status, bound
    for v, x in kept:
        v.varValue = x
    lp.assignStatus(pulp.LpStatusOptimal, pulp.LpSolutionOptimal)
    return "optimal", None


def breaks_rows(lp: pulp.LpProblem, tolerance: float = ROW_TOLERANCE) -> bool:
    """Whether the variables' values break a row of `lp` by more than tolerance × (1 + |rhs| + Σ|a·x|)
    (the row's scale: tolerance-level slack on a row of millions of USD is not a break)."""
    for row in lp.constraints():
        activity = sum(a * (v.varValue or 0.0) for v, a in row.items())
        scale = 1.0 + abs(row.constant) + sum(abs(a * (v.varValue or 0.0)) for v, a in row.items())
        excess = activity + row.constant
        if (row.sense == pulp.LpConstraintEQ and abs(excess) > tolerance * scale) or \
                (row.sense == pulp.LpConstraintLE and excess > tolerance * scale) or \
                (row.sense == pulp.LpConstraintGE and -excess > tolerance * scale):
            return True
    return False


def _cutoff_option(lp: pulp.LpProblem, cutoff: float) -> str:
    """CBC's cutoff option: CBC compares it with the objective less its constant; the slack keeps a
    plan costing exactly the cutoff inside it."""
    return f"cutoff {cutoff - lp.objective.constant + CUTOFF_SLACK * max(1.0, abs(cutoff))!r}"


def _cbc_run(lp: pulp.LpProblem, time_limit_s: float | None, options) -> tuple[str, float | None]:
    """One CBC run; its log (kept off screen) gives the lower bound when stopped early."""
    with tempfile.TemporaryDirectory() as folder:
        log_path = os.path.join(folder, "cbc.log")
        with _WARNINGS, warnings.catch_warnings():  # PuLP 3.3 flags the bundled CBC as deprecated for PuLP 4
            warnings.simplefilter("ignore", DeprecationWarning)
            command = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=MIP_REL_GAP, logPath=log_path,
                                        options=list(options))
        command.tmpDir = folder  # its model and solution files too, removed with the folder even on failure
        lp.solve(command)
        with open(log_path) as log:
            found = re.search(r"^Lower bound:\s*(\S+)", log.read(), re.MULTILINE)
    status = _pulp_status(lp, time_limit_s)
    return status, float(found.group(1)) if found and status == "feasible" else None


def _highs(lp: pulp.LpProblem, time_limit_s: float | None) -> tuple[str, float | None]:
    """HiGHS through PuLP, with its MIP presolve off: on this model presolve took most of the time
    (5–10x), and it has wrongly declared feasible models infeasible or ended in 'Solve error'
    (ERGO-Code/HiGHS#2204, #2432, and on this model with 1.16). An 'infeasible' or 'Solve error'
    outcome is re-checked with presolve on, whose plan wins if it finds one."""
    started = time.perf_counter()
    options = dict(msg=False, gapRel=MIP_REL_GAP, mip_feasibility_tolerance=HIGHS_MIP_FEASIBILITY_TOLERANCE)
    doubtful = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kSolveError)
    with quiet_stdout():  # HiGHS prints a banner from C when first created, whatever its options
        lp.solve(pulp.HiGHS(**options, timeLimit=time_limit_s, presolve="off"))
        if lp.solverModel.getModelStatus() in doubtful:
            first = lp.solverModel.getModelStatus()
            left = None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - started),
                                                         MIN_TIME_LIMIT_S)
            lp.solve(pulp.HiGHS(**options, timeLimit=left, presolve="on"))
            if lp.solverModel.getModelStatus() in doubtful and first == highspy.HighsModelStatus.kInfeasible:
                lp.assignStatus(pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible)
    status = _pulp_status(lp, time_limit_s)
    return status, lp.solverModel.getInfo().mip_dual_bound if status == "feasible" else None


@contextlib.contextmanager
def quiet_stdout():
    """Send file descriptor 1 (C-level stdout) to /dev/null for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _ortools(lp: pulp.LpProblem, time_limit_s: float | None, relax: bool = False) -> tuple[str, float | None]:
    """Translate the PuLP rows, bounds and objective to pywraplp, solve (relax: every variable
    continuous), copy values back; with relax, set lp.status and lp.sol_status as PuLP would."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is not None:
        # SCIP's probing in presolve spent 17 of 20 s on a 10k-variable instance of this model
        solver.SetSolverSpecificParametersAsString(SCIP_PARAMETERS)
    else:
        solver = pywraplp.Solver.CreateSolver("CBC")
    solver.SuppressOutput()
    infinity = solver.infinity()
    columns = {}
    for v in lp.variables():
        low = -infinity if v.lowBound is None else v.lowBound
        high = infinity if v.upBound is None else v.upBound
        make = solver.IntVar if v.cat == pulp.LpInteger and not relax else solver.NumVar
        columns[v.name] = make(low, high, v.name)
    for row in lp.constraints():
        rhs = -row.constant
        low = rhs if row.sense in (pulp.LpConstraintEQ, pulp.LpConstraintGE) else -infinity
        high = rhs if row.sense in (pulp.LpConstraintEQ, pulp.LpConstraintLE) else infinity
        constraint = solver.Constraint(low, high, row.name)
        for v, coefficient in row.items():
            constraint.SetCoefficient(columns[v.name], coefficient)
    objective = solver.Objective()
    for v, coefficient in lp.objective.items():
        objective.SetCoefficient(columns[v.name], coefficient)
    objective.SetOffset(lp.objective.constant)
    objective.SetMinimization()
    if time_limit_s is not None:
        solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    parameters = pywraplp.MPSolverParameters()
    parameters.SetDoubleParam(parameters.RELATIVE_MIP_GAP, MIP_REL_GAP)
    result = solver.Solve(parameters)
    if relax:
        optimal = result == pywraplp.Solver.OPTIMAL
        lp.assignStatus(pulp.LpStatusOptimal if optimal else pulp.LpStatusInfeasible
                        if result == pywraplp.Solver.INFEASIBLE else pulp.LpStatusNotSolved,
                        pulp.LpSolutionOptimal if optimal else pulp.LpSolutionNoSolutionFound)
    if result in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        for v in lp.variables():
            v.varValue = columns[v.name].solution_value()
    if result == pywraplp.Solver.OPTIMAL:
        return "optimal", None
    if result == pywraplp.Solver.FEASIBLE:
        return "feasible", objective.BestBound()
    if result == pywraplp.Solver.INFEASIBLE:
        return "infeasible", None
    if result == pywraplp.Solver.NOT_SOLVED:
        return "timeout", None
    raise SolverFailure(f"OR-Tools returned status {result}; try another --solver (cbc, highs)")
