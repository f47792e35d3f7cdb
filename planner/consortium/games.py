"""Cost games: Shapley value, core, least core and nucleolus, independent of the planner.

A *cost game* on players ``N = {0, ..., n-1}`` gives every non-empty coalition ``S`` a cost
``c(S)``: what S pays to meet its members' requirements on its own (``c(∅) = 0``). It is passed as
``cost: dict[frozenset[int], float]`` holding every non-empty coalition. An allocation is a list
``x`` with ``x[i]`` the share of player i; ``x(S) = Σ_{i∈S} x_i``; it is *efficient* when
``x(N) = c(N)``, and the *excess* of S at x is ``e(S, x) = x(S) - c(S)``: what S overpays
compared with going alone (positive excess = S would save ``e(S, x)`` by leaving).

Infeasible coalitions
---------------------
``c(S) = math.inf`` says S cannot meet its members' requirements on its own. Every function here
works on the *recruiting cover* ``ĉ`` of c, which changes only the infinite entries::

    ĉ(S) = c(S)                               if c(S) < ∞
    ĉ(S) = min_{i ∉ S} ĉ(S ∪ {i})             if c(S) = ∞      (ĉ(N) = c(N) must be finite)

i.e. an infeasible coalition's stand-alone cost is that of the cheapest feasible coalition it
reaches by recruiting members one at a time: a bigger coalition's plan meets the stricter joint
requirements, so it also serves S, and S could pay for it in full. When finite costs are monotone
(``c(S) ≤ c(T)`` for feasible ``S ⊆ T``) this is the *monotonic cover* ``min_{T ⊇ S} c(T)`` of the
game (Peleg & Sudhölter 2007, §2.1), restricted to the infinite entries.

- Shapley is undefined on c itself (a marginal ``∞ - ∞`` or ``c(T) - ∞``); on ĉ every marginal is
  finite, so the Shapley value of ĉ is what ``shapley_*`` return. It is efficient, symmetric and
  additive as usual; a player who makes a coalition feasible gets credit for it.
- Core, least core, nucleolus and ``core_check`` also use ĉ. For allocations without subsidies
  (``x ≥ 0``) this changes nothing: ``x(S) ≤ x(T) ≤ c(T) = ĉ(S)``, so the core of ĉ and the core
  of c (where infeasible coalitions cannot block) contain the same non-negative allocations.
  Without ĉ, games whose members cannot act alone (every ``c({i}) = ∞``) would make the least core
  unbounded and the nucleolus undefined.
- ``c(N) = ∞`` raises ``GameError``: no plan serves everybody, so there is no cost to split.

Solvers: LPs go through PuLP with HiGHS when available, else CBC; costs are scaled to O(1)
before solving, and final allocations are recomputed exactly from the binding equalities.

References
----------
- Shapley, L. S. (1953). A value for n-person games. Contributions to the Theory of Games II, 307-317.
- Gillies, D. B. (1959). Solutions to general non-zero-sum games. Contributions to the Theory of Games IV.
- Shapley, L. S. (1971). Cores of convex games. Int. J. Game Theory 1, 11-26.
- Schmeidler, D. (1969). The nucleolus of a characteristic function game. SIAM J. Appl. Math. 17, 1163-1170.
- Kopelowitz, A. (1967). Computation of the kernels of simple games and the nucleolus of n-person
  games. RM 31, Hebrew University of Jerusalem.
- Maschler, M., Peleg, B., Shapley, L. S. (1979). Geometric properties of the kernel, nucleolus and
  related solution concepts. Math. Oper. Res. 4, 303-338.
- Kohlberg, E. (1971). On the nucleolus of a characteristic function game. SIAM J. Appl. Math. 20, 62-66.
- Guajardo, M., Jörnsten, K. (2015). Common mistakes in computing the nucleolus. EJOR 241, 931-935.
- Castro, J., Gómez, D., Tejada, J. (2009). Polynomial calculation of the Shapley value based on
  sampling. Computers & Operations Research 36, 1726-1730.
- Littlechild, S. C., Owen, G. (1973). A simple expression for the Shapley value in a special case.
  Management Science 20, 370-372.
- Peleg, B., Sudhölter, P. (2007). Introduction to the Theory of Cooperative Games, 2nd ed. Springer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pulp

from planner.errors import InputError
from planner.model.backends import quiet_stdout

CostGame = Mapping[frozenset[int], float]
Budgets = Mapping[int, float | None] | Sequence[float | None] | None
Blocking = tuple[frozenset[int], float]

MAX_PLAYERS = 20  # games given as a full table: 2^n entries
MAX_LP_PLAYERS = 16  # least core / nucleolus: LPs with 2^n - 2 rows (seconds up to ~12 players)
MAX_SAMPLED_PLAYERS = 10_000  # permutation sampling: cost grows with n x samples only
Z95 = 1.959963984540054  # two-sided 95% normal quantile

_DELTA = 1e-9  # slack on levels found earlier, in scaled units (costs scaled to |c| <= 1)
_SLACK = 1e-6  # a row is 'not tight on the whole face' if it can be slack by more than this
_SPAN = 1e-9  # relative residual below which a row lies in the span of the binding rows


class GameError(InputError):
    """A cost game with no answer: grand coalition infeasible, budget caps too low, no imputation."""


# ---------------------------------------------------------------------------------------------
# Coalitions and validation


def all_coalitions(n: int) -> list[frozenset[int]]:
    """Every non-empty coalition of players 0..n-1, by size, then lexicographically."""
    return [frozenset(c) for k in range(1, n + 1) for c in combinations(range(n), k)]


def tabulate(n: int, cost_fn: Callable[[frozenset[int]], float]) -> dict[frozenset[int], float]:
    """The full cost table ``{S: cost_fn(S)}`` over all non-empty coalitions (2^n - 1 calls)."""
    _check_n(n, MAX_PLAYERS)
    return {s: float(cost_fn(s)) for s in all_coalitions(n)}


@dataclass(frozen=True)
class _Game:
    n: int
    raw: np.ndarray  # c(S) by bitmask, raw[0] = 0, may hold inf
    hat: np.ndarray  # the recruiting cover ĉ, all finite
    scale: float  # max |ĉ| (1 when all are 0); LPs work on hat / scale

    @property
    def grand(self) -> int:
        return (1 << self.n) - 1


def _check_n(n: int, limit: int) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer number of players (got {n!r})")
    if n > limit:
        raise ValueError(f"{n} players is beyond the {limit} this exact computation handles "
                         f"(it enumerates all 2^n coalitions)")


def _mask(coalition: Iterable[int], n: int) -> int:
    mask = 0
    for i in coalition:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
            raise ValueError(f"coalition {sorted(coalition, key=repr)!r} holds {i!r}, not a player 0..{n - 1}")
        mask |= 1 << int(i)
    return mask


def _members(mask: int) -> frozenset[int]:
    return frozenset(i for i in range(mask.bit_length()) if mask >> i & 1)


def _value(coalition: object, value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"cost of coalition {coalition} is {value!r}, not a number") from None
    if math.isnan(v) or v == -math.inf:
        raise ValueError(f"cost of coalition {coalition} is {v}; costs are finite numbers or +inf (infeasible)")
    return v


def _popcounts(n: int) -> np.ndarray:
    masks = np.arange(1 << n, dtype=np.int64)
    pop = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        pop += (masks >> i) & 1
    return pop


def _cover(n: int, raw: np.ndarray) -> np.ndarray:
    """The recruiting cover: infinite entries replaced by min over one-member extensions, top down."""
    hat = raw.copy()
    pop = _popcounts(n)
    masks = np.arange(1 << n, dtype=np.int64)
    for size in range(n - 1, 0, -1):
        level = masks[(pop == size) & np.isinf(hat)]
        if level.size == 0:
            continue
        best = np.full(level.size, math.inf)
        for i in range(n):
            bit = 1 << i
            out = (level & bit) == 0
            best[out] = np.minimum(best[out], hat[level[out] | bit])
        hat[level] = best
    return hat


def _game(n: int, cost: CostGame, limit: int = MAX_PLAYERS) -> _Game:
    """Validate a full cost table and build its arrays (raw and recruiting cover)."""
    _check_n(n, limit)
    if not isinstance(cost, Mapping):
        raise ValueError(f"cost must be a mapping from frozenset coalitions to costs (got {type(cost).__name__})")
    raw = np.full(1 << n, math.nan)
    raw[0] = 0.0
    for key, value in cost.items():
        if not isinstance(key, (frozenset, set)):
            raise ValueError(f"cost keys must be frozensets of players (got {key!r})")
        mask = _mask(key, n)
        v = _value(set(key) or "{}", value)
        if mask == 0:
            if v != 0:
                raise ValueError(f"the empty coalition costs 0 by definition (got {v})")
            continue
        raw[mask] = v
    missing = np.flatnonzero(np.isnan(raw))
    if missing.size:
        shown = ", ".join(str(sorted(_members(int(m)))) for m in missing[:3])
        raise ValueError(f"cost table misses {missing.size} of the {(1 << n) - 1} coalitions of {n} players "
                         f"(e.g. {shown}); give every non-empty coalition, math.inf when it is infeasible")
    if math.isinf(raw[-1]):
        raise GameError("cost game", "the grand coalition's cost is infinite: no plan serves all members together, "
                        "so there is no cost to split", "relax the members' requirements until the joint plan exists")
    hat = _cover(n, raw)
    scale = float(np.max(np.abs(hat)))
    return _Game(n=n, raw=raw, hat=hat, scale=scale if scale > 0 else 1.0)


def effective_costs(n: int, cost: CostGame) -> dict[frozenset[int], float]:
    """The recruiting cover ĉ of the game (module docstring): infinite costs replaced, finite ones kept.

    ``ĉ(S) = c(S)`` if finite, else ``min_{i∉S} ĉ(S ∪ {i})``; all values finite when c(N) is.
    """
    g = _game(n, cost)
    return {_members(m): float(g.hat[m]) for m in range(1, 1 << n)}


def _allocation(n: int, allocation: Sequence[float]) -> np.ndarray:
    x = np.asarray([float(v) for v in allocation], dtype=float)
    if x.shape != (n,):
        raise ValueError(f"allocation has {x.size} shares for {n} players")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"allocation {list(allocation)} has a non-finite share")
    return x


def _coalition_sums(n: int, x: np.ndarray) -> np.ndarray:
    """x(S) for every bitmask S."""
    masks = np.arange(1 << n, dtype=np.int64)
    sums = np.zeros(1 << n)
    for i in range(n):
        sums += x[i] * ((masks >> i) & 1)
    return sums


def _default_tol(g: _Game) -> float:
    return 1e-7 * max(1.0, g.scale)


def is_efficient(n: int, cost: CostGame, allocation: Sequence[float], tol: float | None = None) -> bool:
    """Whether ``|Σ_i x_i - c(N)| <= tol`` (default ``1e-7 * max(1, max|ĉ|)``)."""
    g = _game(n, cost)
    x = _allocation(n, allocation)
    tol = _default_tol(g) if tol is None else tol
    return abs(math.fsum(x) - g.hat[g.grand]) <= tol


# ---------------------------------------------------------------------------------------------
# Shapley value


def _shapley_weights(n: int) -> np.ndarray:
    """w(s) = s!(n-s-1)!/n! = 1 / (n * C(n-1, s)) for s = 0..n-1."""
    return np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])


def shapley_exact(n: int, cost: CostGame) -> list[float]:
    """Exact Shapley value of the cost game (of its recruiting cover ĉ when some costs are infinite).

    ``φ_i = Σ_{S ⊆ N∖{i}} |S|!(n-|S|-1)!/n! · (ĉ(S ∪ {i}) - ĉ(S))`` (Shapley 1953): the average,
    over all orders in which the players could join, of the cost player i adds when joining.
    ``Σ_i φ_i = c(N)``. O(n·2^n) arithmetic on the full table.

    Raises ``GameError`` when ``c(N) = ∞``; the value is defined otherwise (see module docstring).
    """
    g = _game(n, cost)
    masks = np.arange(1 << n, dtype=np.int64)
    pop = _popcounts(n)
    w = _shapley_weights(n)
    out = []
    for i in range(n):
        bit = 1 << i
        s = masks[(masks & bit) == 0]
        out.append(math.fsum(w[pop[s]] * (g.hat[s | bit] - g.hat[s])))
    return out


def sample_permutations(n: int, samples: int, seed: int | None) -> list[tuple[int, ...]]:
    """``samples`` uniformly random join orders of players 0..n-1 (with replacement), reproducible by seed."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer number of players (got {n!r})")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"samples must be a positive integer (got {samples!r})")
    rng = np.random.default_rng(seed)
    return [tuple(int(i) for i in rng.permutation(n)) for _ in range(samples)]


def coalitions_needed_for_cover(n: int, cost: CostGame,
                                coalitions: Iterable[frozenset[int]]) -> list[frozenset[int]]:
    """The coalitions, not yet in ``cost``, whose costs ĉ of ``coalitions`` still depends on.

    ĉ(S) needs c(S); if c(S) = ∞ it needs ĉ(S ∪ {i}) for every i ∉ S, and so on upwards. Costs the
    caller has not solved yet stop the walk and are returned (by size, then members). Solve them, add
    them to ``cost`` and call again until the list is empty; then every ĉ(S) asked for is known::

        while (todo := coalitions_needed_for_cover(n, costs, prefixes)):
            costs.update(solve(todo))
    """
    _check_n(n, MAX_SAMPLED_PLAYERS)
    seen: set[int] = set()
    need: set[int] = set()
    table = {_mask(k, n): v for k, v in cost.items()}
    stack = [_mask(s, n) for s in coalitions]
    while stack:
        m = stack.pop()
        if m in seen or m == 0:
            continue
        seen.add(m)
        if m not in table:
            need.add(m)
        elif math.isinf(_value(sorted(_members(m)), table[m])):
            stack.extend(m | 1 << i for i in range(n) if not m >> i & 1)
    return [_members(m) for m in sorted(need, key=lambda m: (bin(m).count("1"), sorted(_members(m))))]


def _permutation_estimate(n: int, hat: Callable[[int], float],
                          orders: Sequence[Sequence[int]]) -> tuple[list[float], list[float]]:
    m = len(orders)
    if m < 1:
        raise ValueError("need at least one sampled order")
    marginal = np.empty((m, n))
    for r, order in enumerate(orders):
        if sorted(order) != list(range(n)):
            raise ValueError(f"order {list(order)} is not a permutation of players 0..{n - 1}")
        mask, prev = 0, 0.0
        for p in order:
            mask |= 1 << p
            value = hat(mask)
            marginal[r, p] = value - prev
            prev = value
    values = [float(v) for v in marginal.mean(axis=0)]
    if m < 2:
        return values, [math.inf] * n
    half = Z95 * marginal.std(axis=0, ddof=1) / math.sqrt(m)
    return values, [float(h) for h in half]


def _lazy_cover(n: int, lookup: Callable[[int], float]) -> Callable[[int], float]:
    """ĉ on demand: ``lookup(mask)`` gives c; infinite values recurse to one-member extensions."""
    memo: dict[int, float] = {}
    grand = (1 << n) - 1

    def hat(mask: int) -> float:
        if mask in memo:
            return memo[mask]
        v = _value(sorted(_members(mask)), lookup(mask))
        if math.isinf(v):
            if mask == grand:
                raise GameError("cost game", "the grand coalition's cost is infinite: no plan serves all members "
                                "together, so there is no cost to split",
                                "relax the members' requirements until the joint plan exists")
            v = min(hat(mask | 1 << i) for i in range(n) if not mask >> i & 1)
        memo[mask] = v
        return v

    return hat


def shapley_from_permutations(n: int, cost: CostGame,
                              orders: Sequence[Sequence[int]]) -> tuple[list[float], list[float]]:
    """Shapley value estimated from given join orders (Castro, Gómez & Tejada 2009).

    For each order π, player i's sample is its marginal ``ĉ(P ∪ {i}) - ĉ(P)`` with P the players
    before i in π. The estimate is the sample mean per player, unbiased for φ_i, and the 95%
    half-width is ``1.96 · s_i / √m`` (s_i the sample standard deviation over the m orders; ∞ when
    m = 1). Each order's marginals sum to c(N), so the estimates do too.

    ``cost`` must hold c(P) for every prefix P of every order and, where some c(P) = ∞, what the
    recruiting cover needs (``coalitions_needed_for_cover``); a ``ValueError`` names what is missing.
    """
    _check_n(n, MAX_SAMPLED_PLAYERS)
    table = {_mask(k, n): v for k, v in cost.items()}
    prefixes = {frozenset(order[:k]) for order in orders for k in range(1, n + 1)}
    missing = coalitions_needed_for_cover(n, cost, prefixes)
    if missing:
        shown = ", ".join(str(sorted(s)) for s in missing[:3])
        raise ValueError(f"cost misses {len(missing)} coalitions the sampled orders need (e.g. {shown}); "
                         "solve the ones coalitions_needed_for_cover() lists until it returns nothing")
    return _permutation_estimate(n, _lazy_cover(n, table.__getitem__), orders)


def shapley_sampled(n: int, cost_fn: Callable[[frozenset[int]], float], samples: int,
                    seed: int | None = 0) -> tuple[list[float], list[float]]:
    """Shapley value by permutation sampling (Castro, Gómez & Tejada 2009) with 95% half-widths.

    Draws ``samples`` random join orders (``sample_permutations``) and returns
    ``(values, half_width_95)`` as in ``shapley_from_permutations``; ``values[i] ± half_width_95[i]``
    is a 95% confidence interval for φ_i (normal approximation). ``cost_fn`` is called on the
    prefixes of the orders and, where one is infeasible (∞), on the coalitions its recruiting cover
    needs; it should be memoised by the caller. Values sum to c(N).
    """
    orders = sample_permutations(n, samples, seed)
    return _permutation_estimate(n, _lazy_cover(n, lambda m: cost_fn(_members(m))), orders)


# ---------------------------------------------------------------------------------------------
# Core


def core_check(n: int, cost: CostGame, allocation: Sequence[float],
               tol: float | None = None) -> tuple[bool, Blocking | None]:
    """Whether an efficient allocation is in the core, and else the coalition that gains most by leaving.

    Core (Gillies 1959): ``{x : x(N) = c(N), x(S) <= ĉ(S) for every S}``. Returns
    ``(True, None)`` if every proper coalition's excess ``x(S) - ĉ(S)`` is at most ``tol``, else
    ``(False, (S, e))`` with S a coalition of largest excess e: S's members would together save e
    by leaving (an infeasible S by recruiting its cheapest feasible extension). Ties go to a
    coalition that is feasible on its own, then to the smallest, then to the lexicographically first.

    ``tol`` is absolute, in cost units (default ``1e-7 * max(1, max|ĉ|)``). A ``ValueError`` is
    raised when the allocation does not sum to c(N) within ``tol``.
    """
    g = _game(n, cost)
    x = _allocation(n, allocation)
    tol = _default_tol(g) if tol is None else float(tol)
    total = math.fsum(x)
    if abs(total - g.hat[g.grand]) > tol:
        raise ValueError(f"allocation sums to {total:.10g} but c(N) = {g.hat[g.grand]:.10g}; "
                         "the core is defined for efficient allocations")
    if n == 1:
        return True, None
    excess = _coalition_sums(n, x) - g.hat
    excess[0] = excess[g.grand] = -math.inf
    worst = float(excess.max())
    if worst <= tol:
        return True, None
    near = np.flatnonzero(excess >= worst - 1e-12 * max(1.0, g.scale))
    pop = _popcounts(n)
    best = min((int(m) for m in near),
               key=lambda m: (math.isinf(g.raw[m]), int(pop[m]), sorted(_members(m))))
    return False, (_members(best), float(excess[best]))


# ---------------------------------------------------------------------------------------------
# Lexicographic minimax over a polyhedron: the engine of the least core and the nucleolus


def _solver() -> pulp.LpSolver:
    """HiGHS (a dependency of the package) when its Python binding loads, else PuLP's bundled CBC."""
    highs = pulp.HiGHS(msg=False)
    return highs if highs.available() else _cbc()


def _cbc() -> pulp.LpSolver:
    with warnings.catch_warnings():  # PuLP 3.3 flags the bundled CBC as deprecated for PuLP 4
        warnings.simplefilter("ignore", DeprecationWarning)
        # primal simplex: CBC's default dual simplex wrongly reports some thin tightness LPs infeasible
        return pulp.PULP_CBC_CMD(msg=False, options=["primalS"])


def _expr(xs: list[pulp.LpVariable], row: np.ndarray) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression([(xs[i], float(row[i])) for i in np.flatnonzero(row)])


def _solve(prob: pulp.LpProblem, what: str) -> None:
    with quiet_stdout():
        prob.solve(_solver())
    status = pulp.LpStatus[prob.status]
    if status != "Optimal":
        raise RuntimeError(f"{what}: LP solver returned status {status!r} (expected Optimal)")


_FREE, _INEQ, _TIGHT, _PENDING, _DROPPED = range(5)


def _lexmin(n: int, phases: Sequence[tuple[np.ndarray, np.ndarray]], H: np.ndarray, h: np.ndarray,
            total: float) -> tuple[np.ndarray, list[float]]:
    """Lexicographic minimax by the sequential LP scheme (Kopelowitz 1967; Maschler, Peleg & Shapley 1979).

    Over ``X = {x : Σx = total, H x <= h}``, lexicographically minimise the decreasingly sorted
    vector of the row values ``A x - b`` of the first phase; with two phases, only the largest
    value of the first phase is minimised (level t_1, whose rows then stay capped at t_1) and the
    second phase's rows are lexicographically minimised over what is left. Returns the unique
    minimiser and the levels t_1 > t_2 > ... (one per round).

    Round k: ``t_k = min t`` s.t. ``A_r x - b_r <= t`` for free rows, ``A_r x - b_r <= t_l`` for rows
    capped or fixed at an earlier level l, hard rows, x(N) = total. Then the rows that are tight on
    the *whole* optimal face, not merely at the solver's vertex (Guajardo & Jörnsten 2015), are
    found by repeatedly maximising ``Σ y_r`` (``0 <= y_r <= 1``) with ``y_r`` added to each
    candidate row: candidates that can be slack are dropped until none can. The survivors are the
    face's implicit equalities; free ones are fixed at t_k. Free rows whose coefficients lie in the
    span of the implicit equalities are constant on the face and dropped. Each round raises that
    span's rank by at least one, so there are at most n rounds; at rank n the face is one point.
    That point and the levels are then recomputed from the implicit equalities alone (unknowns x
    and t_1..t_K), so the result does not carry the solver's tolerances.
    """
    A = np.vstack([p[0] for p in phases] + [H])
    b = np.concatenate([p[1] for p in phases] + [h])
    m = A.shape[0]
    phase = np.concatenate([np.full(p[0].shape[0], k) for k, p in enumerate(phases)] + [np.full(H.shape[0], -1)])
    status = np.where(phase == 0, _FREE, _PENDING)
    status[phase == -1] = _INEQ
    link = np.full(m, -1)  # level a capped / fixed row is measured against (-1: a hard row, rhs b)
    one_round = len(phases) > 1  # the current phase (0) lasts one round when another follows
    current = 0
    levels: list[float] = []
    basis = np.zeros((0, n))  # orthonormal rows spanning the implicit equalities found so far

    def grow_basis(rows: np.ndarray) -> None:
        nonlocal basis
        for row in rows:
            resid = row - basis.T @ (basis @ row)
            norm = float(np.linalg.norm(resid))
            if norm > _SPAN * max(1.0, float(np.linalg.norm(row))):
                basis = np.vstack([basis, resid / norm])

    def drop_in_span() -> None:
        idx = np.flatnonzero(status == _FREE)
        if idx.size:
            rows = A[idx]
            resid = rows - (rows @ basis.T) @ basis
            in_span = np.linalg.norm(resid, axis=1) <= _SPAN * np.maximum(1.0, np.linalg.norm(rows, axis=1))
            status[idx[in_span]] = _DROPPED

    def rhs(r: int) -> float:
        return float(b[r] + (levels[link[r]] + _DELTA if link[r] >= 0 else 0.0))

    def problem(sense: int, name: str, t_free: float | None, cand: np.ndarray | None):
        prob = pulp.LpProblem(name, sense)
        xs = [prob.add_variable(f"x_{i}") for i in range(n)]
        prob += pulp.lpSum(xs) == total, "efficiency"
        t = prob.add_variable("t") if t_free is None else None
        ys = []
        for r in np.flatnonzero((status == _FREE) | (status == _INEQ) | (status == _TIGHT)):
            e = _expr(xs, A[r])
            if cand is not None and cand[r]:
                y = prob.add_variable(f"y_{r}", 0, 1)
                ys.append(y)
                e = e + y
            if status[r] == _FREE:
                prob += (e - t <= float(b[r])) if t is not None else (e <= float(b[r] + t_free + _DELTA)), f"r_{r}"
            else:
                prob += e <= rhs(r), f"r_{r}"
        prob += t if t is not None else pulp.lpSum(ys)
        return prob, xs, t

    grow_basis(np.ones((1, n)))
    while True:
        prob, xs, t = problem(pulp.LpMinimize, "minimax", None, None)
        _solve(prob, "minimax LP")
        k = len(levels)
        levels.append(float(t.varValue))
        x = np.array([v.varValue or 0.0 for v in xs])

        # rows that could be tight on the whole face: those tight at this optimum
        value = A @ x - b
        bound = np.array([levels[k] if s == _FREE else (levels[link[r]] if link[r] >= 0 else 0.0)
                          for r, s in enumerate(status)])
        cand = ((status == _FREE) | (status == _INEQ)) & (value >= bound - _SLACK)
        while cand.any():
            prob, xs, _ = problem(pulp.LpMaximize, "slack", levels[k], cand)
            _solve(prob, "tightness LP")
            xv = np.array([v.varValue or 0.0 for v in xs])
            slack = cand & (A @ xv - b < bound - _SLACK)
            if not slack.any():
                break
            cand &= ~slack
        if not (cand & (status == _FREE)).any():
            raise RuntimeError("lexicographic LP scheme made no progress (no row tight on the whole face); "
                               "the game is probably badly scaled")
        link[cand & (status == _FREE)] = k
        status[cand] = _TIGHT
        grow_basis(A[cand])
        if one_round:  # end of the first phase: its other rows stay capped at t_1; next phase starts
            rest = status == _FREE
            status[rest], link[rest] = _INEQ, k
            current, one_round = current + 1, False
            status[phase == current] = _FREE
        if basis.shape[0] == n:
            return _polish(n, A, b, status == _TIGHT, link, total, levels, x)
        drop_in_span()
        if not (status == _FREE).any():  # nothing left to discriminate (cannot happen when rows span R^n)
            return x, levels


def _polish(n: int, A: np.ndarray, b: np.ndarray, tight: np.ndarray, link: np.ndarray, total: float,
            levels: list[float], x_lp: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Solve the implicit equalities ``A_r x - t_link(r) = b_r`` and ``Σx = total`` for (x, t) exactly.

    They determine the last face's single point and every level (each level is the value of an LP
    whose optimal face they describe); if numerically they do not, keep the LP's answers.
    """
    K = len(levels)
    idx = np.flatnonzero(tight)
    M = np.zeros((idx.size + 1, n + K))
    M[0, :n] = 1.0
    M[1:, :n] = A[idx]
    for row, r in enumerate(idx, start=1):
        if link[r] >= 0:
            M[row, n + link[r]] = -1.0
    rhs = np.concatenate([[total], b[idx]])
    sol, _, rank, _ = np.linalg.lstsq(M, rhs, rcond=None)
    if rank < n + K or not np.allclose(M @ sol, rhs, atol=1e-9, rtol=0) \
            or not np.allclose(sol[:n], x_lp, atol=1e-6, rtol=0):
        return x_lp, levels
    return sol[:n], [float(v) for v in sol[n:]]


def _caps(n: int, budgets: Budgets, g: _Game) -> np.ndarray:
    """Per-player caps x_i <= budget_i as an array (inf = no cap), checked for feasibility."""
    caps = np.full(n, math.inf)
    if budgets is None:
        return caps
    if isinstance(budgets, Mapping):
        items = list(budgets.items())
    elif isinstance(budgets, Sequence) and not isinstance(budgets, (str, bytes)):
        if len(budgets) != n:
            raise ValueError(f"budgets has {len(budgets)} entries for {n} players (None = no cap)")
        items = list(enumerate(budgets))
    else:
        raise ValueError(f"budgets must be a list (None = no cap) or a dict player -> cap (got {budgets!r})")
    for i, v in items:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
            raise ValueError(f"budget given for {i!r}, not a player 0..{n - 1}")
        if v is None:
            continue
        cap = _value(f"budget of player {i}", v)
        caps[i] = cap
    short = g.hat[g.grand] - float(np.sum(caps))
    if np.all(np.isfinite(caps)) and short > _default_tol(g):
        raise GameError("consortium budgets",
                        f"every member's share is capped and the caps sum to {float(np.sum(caps)):,.2f}, "
                        f"below the joint cost c(N) = {g.hat[g.grand]:,.2f} (short by {short:,.2f})",
                        f"raise some members' budgets by {short:,.2f} in total, or leave a member uncapped")
    return caps


def _proper_rows(g: _Game) -> tuple[np.ndarray, np.ndarray]:
    """Indicator rows and scaled costs of the proper non-empty coalitions."""
    n = g.n
    masks = np.arange(1, g.grand, dtype=np.int64)
    A = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)
    return A, g.hat[masks] / g.scale


def _cap_rows(n: int, caps: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(np.isfinite(caps))
    return np.eye(n)[idx], caps[idx] / scale


def least_core(n: int, cost: CostGame, budgets: Budgets = None) -> tuple[list[float], float]:
    """The least core (Maschler, Peleg & Shapley 1979) and one canonical point of it.

    ``ε* = min ε`` s.t. ``x(S) <= ĉ(S) + ε`` for every proper non-empty S, ``x(N) = c(N)`` and
    ``x_i <= budget_i`` for capped players. ε* <= 0 iff the core (with the caps) is non-empty; then
    ``-ε*`` is the saving every coalition is at least guaranteed; ε* > 0 is the smallest penalty on
    leaving that would make some allocation stable.

    The least core is a set; the allocation returned is its point whose deviations from the equal
    split ``|x_i - c(N)/n|`` are lexicographically smallest (largest deviation as small as possible,
    then the next, ...) - unique, solver-independent, and the equal split in a symmetric game. The
    nucleolus (with the same caps) is another point of it. Returns ``(allocation, ε)`` with ε the largest
    excess of that allocation (= ε*); ``ε = -inf`` for one player (no proper coalition).

    ``budgets``: a list (None = no cap) or a dict player -> cap. ``GameError`` if all players are
    capped below c(N) in total (no efficient allocation respects the caps).
    """
    g = _game(n, cost, MAX_LP_PLAYERS)
    caps = _caps(n, budgets, g)
    total = g.hat[g.grand] / g.scale
    if n == 1:
        return [float(g.hat[g.grand])], -math.inf
    A, b = _proper_rows(g)
    Hc, hc = _cap_rows(n, caps, g.scale)
    # Phase 1: ε* = the least largest excess; phase 2: lexicographic minimax of ±(x_i - c(N)/n) over it.
    eye = np.eye(n)
    D = np.vstack([eye, -eye])
    d = np.concatenate([np.full(n, total / n), np.full(n, -total / n)])
    x, _ = _lexmin(n, [(A, b), (D, d)], Hc, hc, total)
    x = x * g.scale
    excess = _coalition_sums(n, x) - g.hat
    return [float(v) for v in x], float(np.max(excess[1:g.grand]))


def nucleolus(n: int, cost: CostGame, budgets: Budgets = None, *,
              individually_rational: bool = False) -> list[float]:
    """The nucleolus: the allocation whose excesses, sorted from largest, are lexicographically smallest.

    Minimises ``θ(x) = (e(S₁,x) >= e(S₂,x) >= ...)`` over all proper non-empty coalitions (excess
    ``e(S,x) = x(S) - ĉ(S)``) lexicographically, over efficient allocations ``x(N) = c(N)`` with
    ``x_i <= budget_i`` for capped players (Schmeidler 1969), computed exactly by the sequential LP
    scheme of Kopelowitz (1967) / Maschler, Peleg & Shapley (1979) with each round's binding
    coalitions found on the whole optimal face (see ``_lexmin``); at most n rounds.

    By default the minimisation runs over all efficient allocations, i.e. this is the
    *prenucleolus*; it lies in the least core, and in the core whenever the core is non-empty, where
    it coincides with Schmeidler's nucleolus over imputations. ``individually_rational=True`` adds
    ``x_i <= ĉ({i})`` (imputations: nobody pays more than alone) - ``GameError`` if none exists.
    """
    g = _game(n, cost, MAX_LP_PLAYERS)
    caps = _caps(n, budgets, g)
    if individually_rational:
        alone = g.hat[[1 << i for i in range(n)]]
        limit = np.minimum(caps, alone)
        short = g.hat[g.grand] - float(np.sum(limit))
        if short > _default_tol(g):
            raise GameError("cost game", f"no individually rational split: members alone (within their caps) pay "
                            f"{float(np.sum(limit)):,.2f} in total, less than the joint cost {g.hat[g.grand]:,.2f}",
                            "use the prenucleolus (individually_rational=False) or another rule")
        caps = limit
    if n == 1:
        return [float(g.hat[g.grand])]
    A, b = _proper_rows(g)
    H, h = _cap_rows(n, caps, g.scale)
    x, _ = _lexmin(n, [(A, b)], H, h, g.hat[g.grand] / g.scale)
    return [float(v) for v in x * g.scale]
