"""Cost-sharing maths (planner.consortium.games) against hand-computed games and game theory.

Independent references used here: closed forms (Littlechild & Owen's airport Shapley value), games
solved by hand in the comments, Kohlberg's balancedness criterion for the (pre)nucleolus checked
with scipy's LP solver (not PuLP), and classical theorems (concave games have a non-empty core
containing the Shapley value; the least core lies in the core when the core is non-empty).
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from planner.consortium import games as G
from planner.errors import InputError

INF = math.inf
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fs(*members: int) -> frozenset[int]:
    return frozenset(members)


def table(n: int, f) -> dict[frozenset[int], float]:
    return {frozenset(c): float(f(frozenset(c))) for k in range(1, n + 1) for c in combinations(range(n), k)}


def airport(needs) -> dict[frozenset[int], float]:
    """Littlechild & Owen (1973): a coalition pays for the longest runway any member needs."""
    return table(len(needs), lambda s: max(needs[i] for i in s))


def airport_shapley(needs) -> list[float]:
    """Closed form: sorted needs c_1 <= ... <= c_n, x_(i) = Σ_{k<=i} (c_k - c_{k-1}) / (n - k + 1)."""
    n = len(needs)
    order = sorted(range(n), key=lambda i: needs[i])
    out = [0.0] * n
    acc, prev = 0.0, 0.0
    for k, i in enumerate(order):  # k = 0..n-1: segment k is used by the n - k largest
        acc += (needs[i] - prev) / (n - k)
        prev = needs[i]
        out[i] = acc
    return out


def symmetric(n: int, f) -> dict[frozenset[int], float]:
    return table(n, lambda s: f(len(s)))


def excesses(n, cost, x) -> dict[frozenset[int], float]:
    hat = G.effective_costs(n, cost)
    return {s: sum(x[i] for i in s) - hat[s] for s in hat if len(s) < n}


def balanced(n: int, collection: list[frozenset[int]]) -> bool:
    """Strictly positive weights λ_S with Σ λ_S 1_S = 1_N exist (LP by scipy/HiGHS, not PuLP)."""
    m = len(collection)
    # variables λ_1..λ_m, s; maximise s s.t. Σ λ_S 1_S = 1, λ_S - s >= 0, s <= 1
    A_eq = np.zeros((n, m + 1))
    for j, s in enumerate(collection):
        for i in s:
            A_eq[i, j] = 1.0
    A_ub = np.hstack([-np.eye(m), np.ones((m, 1))])
    res = linprog(c=[0.0] * m + [-1.0], A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq, b_eq=np.ones(n),
                  bounds=[(0, None)] * m + [(None, 1.0)], method="highs")
    return res.status == 0 and -res.fun > 1e-9


def kohlberg_ok(n, cost, x, tol=1e-6) -> bool:
    """Kohlberg (1971) / Peleg & Sudhölter Thm 6.1.1: x is the prenucleolus iff every non-empty
    D(α) = {S proper : e(S, x) >= α} is balanced. Only the distinct excess levels matter."""
    e = excesses(n, cost, x)
    levels = sorted(set(e.values()), reverse=True)
    distinct = [lv for k, lv in enumerate(levels) if k == 0 or levels[k - 1] - lv > tol]
    for lv in distinct:
        d = [s for s, v in e.items() if v >= lv - tol]
        if sum(len(s) == 1 for s in d) == n:
            return True  # holds every singleton: balanced, and so is every larger D(α)
        if not balanced(n, d):
            return False
    return True


def is_in_core(n, cost, x, tol=1e-7) -> bool:
    return G.core_check(n, cost, x, tol=tol)[0]


# ---------------------------------------------------------------------------------------------
# Random games for properties

@st.composite
def airport_games(draw, max_n=6):
    n = draw(st.integers(2, max_n))
    needs = draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    return n, airport(needs)


@st.composite
def concave_symmetric_games(draw, max_n=6):
    """c(S) = f(|S|) with f(0) = 0, increasing, concave: decreasing positive increments."""
    n = draw(st.integers(2, max_n))
    steps = sorted(draw(st.lists(st.integers(1, 30), min_size=n, max_size=n)), reverse=True)
    f = [0.0] + list(np.cumsum(steps))
    return n, symmetric(n, lambda k: f[k])


@st.composite
def subadditive_games(draw, max_n=5):
    """Random stand-alone prices r(S), closed under splitting: c(S) = min over partitions of S of Σ r(B).
    Subadditive (c(S ∪ T) <= c(S) + c(T) for disjoint S, T); the core may be empty."""
    n = draw(st.integers(2, max_n))
    r = {m: float(draw(st.integers(1, 40))) for m in range(1, 1 << n)}
    c = {}
    for m in sorted(r, key=lambda m: bin(m).count("1")):
        best = r[m]
        sub = (m - 1) & m
        while sub:
            if sub < (m ^ sub):  # each split once
                best = min(best, c[sub] + c[m ^ sub])
            sub = (sub - 1) & m
        c[m] = best
    return n, {frozenset(i for i in range(n) if m >> i & 1): v for m, v in c.items()}


@st.composite
def any_games(draw, max_n=5):
    n = draw(st.integers(2, max_n))
    return n, {frozenset(c): float(draw(st.integers(0, 30)))
               for k in range(1, n + 1) for c in combinations(range(n), k)}


# ---------------------------------------------------------------------------------------------
# Airport game (Littlechild & Owen 1973)

def test_airport_shapley_hand_case():
    # needs 1, 2, 4: segment [0,1] shared by 3, [1,2] by 2, [2,4] by 1.
    assert G.shapley_exact(3, airport([1, 2, 4])) == pytest.approx([1 / 3, 1 / 3 + 1 / 2, 1 / 3 + 1 / 2 + 2])


@FAST
@given(st.lists(st.integers(1, 100), min_size=1, max_size=7))
def test_airport_shapley_equals_closed_form(needs):
    n = len(needs)
    assert G.shapley_exact(n, airport(needs)) == pytest.approx(airport_shapley(needs), abs=1e-9)


def test_airport_nucleolus_hand_case():
    # needs 1, 2, 4. With a = x0, b = x1, x2 = 4 - a - b the excesses are
    #   {0}: a-1, {1}: b-2, {2}: -a-b, {0,1}: a+b-2, {0,2}: -b, {1,2}: -a.
    # {0} and {1,2} give max >= -1/2 (a = 1/2); that level is reachable for b in [1/2, 1].
    # Then max(b-2, -b, -1/2-b, b-3/2) over b in [1/2, 1] is smallest at b = 3/4 (value -3/4).
    x = G.nucleolus(3, airport([1, 2, 4]))
    assert x == pytest.approx([0.5, 0.75, 2.75], abs=1e-9)
    # Littlechild (1974): the airport nucleolus is also its nucleolus over imputations.
    assert G.nucleolus(3, airport([1, 2, 4]), individually_rational=True) == pytest.approx(x, abs=1e-9)
    # least core: ε* = -1/2 (set {1/2} × [1/2, 1]); the point closest to the equal split 4/3 has x1 = 1.
    alloc, eps = G.least_core(3, airport([1, 2, 4]))
    assert eps == pytest.approx(-0.5, abs=1e-9)
    assert alloc == pytest.approx([0.5, 1.0, 2.5], abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Empty core

EMPTY = {fs(0): 1, fs(1): 1, fs(2): 1, fs(0, 1): 1, fs(0, 2): 1, fs(1, 2): 1, fs(0, 1, 2): 1.6}


def test_empty_core_game_by_hand():
    # Summing x_i + x_j <= 1 over the 3 pairs: 2·x(N) <= 3, so x(N) <= 1.5 < 1.6: the core is empty.
    # Least core: 2·1.6 <= 3·(1 + ε) gives ε* = 1/15, reached only at the equal split 1.6/3
    # (each pair's constraint x(N) - x_k <= 1 + ε forces x_k >= 1.6/3).
    alloc, eps = G.least_core(3, EMPTY)
    assert eps == pytest.approx(1 / 15, abs=1e-9)
    assert eps > 0
    assert alloc == pytest.approx([1.6 / 3] * 3, abs=1e-9)
    assert G.nucleolus(3, EMPTY) == pytest.approx([1.6 / 3] * 3, abs=1e-9)
    # Every allocation is blocked; the equal split by each pair (the first one reported), by 1/15.
    in_core, blocking = G.core_check(3, EMPTY, [1.6 / 3] * 3)
    assert not in_core
    assert blocking[0] == fs(0, 1) and blocking[1] == pytest.approx(1 / 15, abs=1e-12)
    # (0.8, 0.8, 0): {0,1} pays 1.6 but alone pays 1; saves 0.6 by leaving.
    in_core, blocking = G.core_check(3, EMPTY, [0.8, 0.8, 0.0])
    assert not in_core and blocking[0] == fs(0, 1) and blocking[1] == pytest.approx(0.6)
    # Shapley: symmetric, so 1.6/3 each.
    assert G.shapley_exact(3, EMPTY) == pytest.approx([1.6 / 3] * 3)


def test_core_check_prefers_larger_excess_and_reports_amount():
    c = {fs(0): 4, fs(1): 4, fs(2): 4, fs(0, 1): 5, fs(0, 2): 8, fs(1, 2): 8, fs(0, 1, 2): 9}
    assert G.core_check(3, c, [3, 3, 3]) == (False, (fs(0, 1), pytest.approx(1.0)))
    assert G.core_check(3, c, [2.5, 2.5, 4]) == (True, None)
    with pytest.raises(ValueError, match="sums to"):
        G.core_check(3, c, [1, 1, 1])


# ---------------------------------------------------------------------------------------------
# Symmetric games: equal shares from every method

@pytest.mark.parametrize("f", [
    lambda k: math.sqrt(k),  # concave: core non-empty
    lambda k: [0, 1, 1, 1, 2.2, 2.2][k],  # core empty (pairs/triples cheap)
    lambda k: [0, 3, 5, 8, 9, 10][k],  # neither concave nor convex
])
def test_symmetric_game_equal_shares(f):
    n = 5
    c = symmetric(n, f)
    share = [f(n) / n] * n
    assert G.shapley_exact(n, c) == pytest.approx(share, abs=1e-9)
    assert G.nucleolus(n, c) == pytest.approx(share, abs=1e-9)
    assert G.least_core(n, c)[0] == pytest.approx(share, abs=1e-9)
    values, half = G.shapley_sampled(n, lambda s: c[s], samples=400, seed=3)
    assert math.fsum(values) == pytest.approx(f(n), abs=1e-9)
    assert all(abs(v - s) <= 2 * h + 1e-12 for v, s, h in zip(values, share, half))


# ---------------------------------------------------------------------------------------------
# Singleton core, nucleolus in the core

def test_nucleolus_equals_unique_core_point():
    # x0+x1 <= 1.5 and x2 <= 1.5 with x(N) = 3 force both to equality; x0+x2 <= 2.5 gives x0 <= 1
    # and x1+x2 <= 2 gives x1 <= 0.5, so x0 + x1 = 1.5 forces the core to {(1, 0.5, 1.5)}.
    c = {fs(0): 2, fs(1): 2, fs(2): 1.5, fs(0, 1): 1.5, fs(0, 2): 2.5, fs(1, 2): 2, fs(0, 1, 2): 3}
    assert G.core_check(3, c, [1, 0.5, 1.5]) == (True, None)
    assert G.nucleolus(3, c) == pytest.approx([1, 0.5, 1.5], abs=1e-9)
    alloc, eps = G.least_core(3, c)
    assert eps == pytest.approx(0, abs=1e-9) and alloc == pytest.approx([1, 0.5, 1.5], abs=1e-9)
    assert not G.core_check(3, c, [1.1, 0.4, 1.5])[0]


def test_two_players_split_the_saving_equally():
    c = {fs(0): 10, fs(1): 4, fs(0, 1): 11}  # saving 3: each gets 1.5 off
    for x in (G.shapley_exact(2, c), G.nucleolus(2, c), G.least_core(2, c)[0]):
        assert x == pytest.approx([8.5, 2.5], abs=1e-9)
    assert G.least_core(2, c)[1] == pytest.approx(-1.5, abs=1e-9)


def test_one_player():
    c = {fs(0): 7.0}
    assert G.shapley_exact(1, c) == [7.0]
    assert G.nucleolus(1, c) == [7.0]
    assert G.least_core(1, c) == ([7.0], -INF)
    assert G.core_check(1, c, [7.0]) == (True, None)


# ---------------------------------------------------------------------------------------------
# Properties on random games

def _efficient(n, c, x):
    return math.fsum(x) == pytest.approx(c[frozenset(range(n))], abs=1e-7 * max(1.0, max(c.values())))


@FAST
@given(st.one_of(airport_games(), concave_symmetric_games(), subadditive_games(), any_games()))
def test_every_allocation_sums_to_grand_cost(game):
    n, c = game
    for x in (G.shapley_exact(n, c), G.nucleolus(n, c), G.least_core(n, c)[0]):
        assert _efficient(n, c, x)
        assert G.is_efficient(n, c, x)


@FAST
@given(st.one_of(airport_games(), concave_symmetric_games()))
def test_concave_games_core_contains_shapley_and_nucleolus(game):
    # Concave (submodular) cost games have a non-empty core containing the Shapley value
    # (Shapley 1971); the least core and the nucleolus then lie in the core.
    n, c = game
    x_sh = G.shapley_exact(n, c)
    x_nu = G.nucleolus(n, c)
    x_lc, eps = G.least_core(n, c)
    assert eps <= 1e-9
    for x in (x_sh, x_nu, x_lc):
        assert is_in_core(n, c, x)
        assert all(x[i] <= c[fs(i)] + 1e-9 for i in range(n))  # individual rationality


@FAST
@given(subadditive_games())
def test_individual_rationality_when_core_non_empty(game):
    n, c = game
    x_sh = G.shapley_exact(n, c)
    # Subadditive: every marginal c(S+i) - c(S) <= c(i), so Shapley is individually rational anyway.
    assert all(x_sh[i] <= c[fs(i)] + 1e-9 for i in range(n))
    x_lc, eps = G.least_core(n, c)
    x_nu = G.nucleolus(n, c)
    if eps <= 1e-9:  # core non-empty: least core ⊆ core, nucleolus ∈ core
        for x in (x_lc, x_nu):
            assert is_in_core(n, c, x)
            assert all(x[i] <= c[fs(i)] + 1e-9 for i in range(n))
    else:
        assert not G.core_check(n, c, x_nu)[0]
        assert G.core_check(n, c, x_nu)[1][1] == pytest.approx(eps, abs=1e-7)


@settings(max_examples=30, deadline=None)
@given(any_games())
def test_nucleolus_satisfies_kohlberg_criterion(game):
    n, c = game
    x = G.nucleolus(n, c)
    assert kohlberg_ok(n, c, x)
    # in the least core: its largest excess is ε*
    _, eps = G.least_core(n, c)
    assert max(excesses(n, c, x).values()) == pytest.approx(eps, abs=1e-7)


def test_kohlberg_check_rejects_a_non_nucleolus():
    x = G.nucleolus(3, airport([1, 2, 4]))
    assert kohlberg_ok(3, airport([1, 2, 4]), x)
    assert not kohlberg_ok(3, airport([1, 2, 4]), [0.5, 0.8, 2.7])


@FAST
@given(any_games(max_n=4))
def test_individually_rational_nucleolus(game):
    n, c = game
    alone = sum(c[fs(i)] for i in range(n))
    if alone < c[frozenset(range(n))] - 1e-9:
        with pytest.raises(G.GameError, match="individually rational"):
            G.nucleolus(n, c, individually_rational=True)
        return
    x = G.nucleolus(n, c, individually_rational=True)
    assert _efficient(n, c, x)
    assert all(x[i] <= c[fs(i)] + 1e-9 for i in range(n))
    if G.least_core(n, c)[1] <= 1e-9:  # non-empty core: nucleolus = prenucleolus
        assert x == pytest.approx(G.nucleolus(n, c), abs=1e-7)


# ---------------------------------------------------------------------------------------------
# Sampled Shapley

SIX = table(6, lambda s: (max((3, 5, 8, 13, 21, 34)[i] for i in s) + 4 * math.sqrt(len(s))
                          + (2.0 if {0, 5} <= s else 0.0)))


def test_sampled_shapley_within_its_confidence_interval():
    exact = G.shapley_exact(6, SIX)
    values, half = G.shapley_sampled(6, lambda s: SIX[s], samples=3000, seed=11)
    assert math.fsum(values) == pytest.approx(SIX[frozenset(range(6))], abs=1e-9)
    for v, e, h in zip(values, exact, half):
        assert abs(v - e) <= h
        assert 0 < h < 0.5
    # more samples, narrower intervals (~1/sqrt(m))
    _, half_small = G.shapley_sampled(6, lambda s: SIX[s], samples=300, seed=11)
    assert all(hs > 2 * h for hs, h in zip(half_small, half))


def test_sampled_shapley_reproducible_and_from_permutations():
    a = G.shapley_sampled(6, lambda s: SIX[s], samples=50, seed=5)
    assert a == G.shapley_sampled(6, lambda s: SIX[s], samples=50, seed=5)
    orders = G.sample_permutations(6, 50, 5)
    assert G.shapley_from_permutations(6, SIX, orders) == a
    # only the prefixes are needed
    prefixes = {frozenset(o[:k]) for o in orders for k in range(1, 7)}
    assert G.shapley_from_permutations(6, {s: SIX[s] for s in prefixes}, orders) == a
    one = G.shapley_sampled(6, lambda s: SIX[s], samples=1, seed=5)
    assert one[1] == [INF] * 6


# ---------------------------------------------------------------------------------------------
# Infinite costs: the recruiting cover

ESSENTIAL = {fs(0): 10, fs(1): INF, fs(2): INF, fs(0, 1): 12, fs(0, 2): 12, fs(1, 2): INF, fs(0, 1, 2): 14}


def test_cover_replaces_only_infinite_costs():
    hat = G.effective_costs(3, ESSENTIAL)
    assert hat == {fs(0): 10, fs(1): 12, fs(2): 12, fs(0, 1): 12, fs(0, 2): 12, fs(1, 2): 14, fs(0, 1, 2): 14}
    # Recursion through infeasible coalitions only: {0} feasible with 1 or 2 at 5 / 9, but not
    # reached through {0,1,2} (3) since both one-member extensions are already feasible.
    c = {fs(0): INF, fs(1): 1, fs(2): 1, fs(0, 1): 5, fs(0, 2): 9, fs(1, 2): 2, fs(0, 1, 2): 3}
    assert G.effective_costs(3, c)[fs(0)] == 5


def test_shapley_with_an_essential_player_by_hand():
    # Player 0 alone can train (10); 1 and 2 only with 0. Cover: ĉ(1) = ĉ(2) = 12, ĉ(1,2) = 14.
    # φ_0 = (2·10 + 12-12 + 12-12 + 2·(14-14)) / 6 = 10/3; φ_1 = φ_2 = (14 - 10/3) / 2 = 16/3.
    assert G.shapley_exact(3, ESSENTIAL) == pytest.approx([10 / 3, 16 / 3, 16 / 3])
    two = {fs(0): 10, fs(1): INF, fs(0, 1): 12}
    assert G.shapley_exact(2, two) == pytest.approx([5, 7])  # (10 + 0)/2, (12 + 2)/2


def test_core_methods_with_infeasible_coalitions():
    x, eps = G.least_core(3, ESSENTIAL)
    assert _efficient(3, ESSENTIAL, x) and eps <= 0
    nu = G.nucleolus(3, ESSENTIAL)
    assert is_in_core(3, ESSENTIAL, nu) and nu[1] == pytest.approx(nu[2], abs=1e-9)
    # Only the grand coalition can act: a symmetric game under the cover, equal split everywhere.
    only_n = table(4, lambda s: 8.0 if len(s) == 4 else INF)
    for alloc in (G.shapley_exact(4, only_n), G.nucleolus(4, only_n), G.least_core(4, only_n)[0]):
        assert alloc == pytest.approx([2.0] * 4, abs=1e-9)
    assert G.least_core(4, only_n)[1] == pytest.approx(-2.0, abs=1e-9)  # any 3 save 2 vs ĉ = 8


def test_core_check_prefers_a_feasible_blocking_coalition():
    # x = (0, 13, 1): {1} (infeasible alone, ĉ = 12) and {0,1} (feasible, 12) both overpay by 1;
    # the feasible one is reported. Every other excess is <= 0.
    in_core, blocking = G.core_check(3, ESSENTIAL, [0.0, 13.0, 1.0])
    assert not in_core and blocking == (fs(0, 1), pytest.approx(1.0))
    # x = (-2, 8, 8): only the infeasible pair {1,2} overpays (16 vs ĉ = 14), helped by 0's subsidy.
    in_core, blocking = G.core_check(3, ESSENTIAL, [-2.0, 8.0, 8.0])
    assert not in_core and blocking == (fs(1, 2), pytest.approx(2.0))
    assert G.core_check(3, ESSENTIAL, [12.0, 1.0, 1.0]) == (False, (fs(0), pytest.approx(2.0)))


def test_sampled_shapley_with_infinite_costs_matches_exact():
    c = table(5, lambda s: INF if len(s) == 1 and 0 not in s else 3 * (0 in s) + len(s) ** 0.8 + (4 in s))
    exact = G.shapley_exact(5, c)
    values, half = G.shapley_sampled(5, lambda s: c[s], samples=4000, seed=2)
    assert all(abs(v - e) <= 2 * h for v, e, h in zip(values, exact, half))
    # The dict-based path asks for the cover's extra coalitions until it has them all.
    orders = G.sample_permutations(5, 3, 1)
    prefixes = {frozenset(o[:k]) for o in orders for k in range(1, 6)}
    known = {s: c[s] for s in prefixes}
    with pytest.raises(ValueError, match="coalitions_needed_for_cover"):
        G.shapley_from_permutations(5, {fs(1): INF, **{s: c[s] for s in prefixes if len(s) > 1}}, orders)
    rounds = 0
    while todo := G.coalitions_needed_for_cover(5, known, prefixes):
        known.update({s: c[s] for s in todo})
        rounds += 1
    assert rounds >= 1
    assert G.shapley_from_permutations(5, known, orders) == G.shapley_sampled(5, lambda s: c[s], 3, 1)


def test_infeasible_grand_coalition_is_a_clear_error():
    c = dict(ESSENTIAL)
    c[fs(0, 1, 2)] = INF
    for call in (lambda: G.shapley_exact(3, c), lambda: G.nucleolus(3, c), lambda: G.least_core(3, c),
                 lambda: G.core_check(3, c, [1, 1, 1]), lambda: G.shapley_sampled(3, c.__getitem__, 10, 0)):
        with pytest.raises(G.GameError, match="grand coalition") as err:
            call()
        assert isinstance(err.value, InputError)


# ---------------------------------------------------------------------------------------------
# Budget caps

ADDITIVE = symmetric(3, float)  # c(S) = |S|: core = {(1, 1, 1)}


def test_budget_caps_by_hand():
    # Cap x0 <= 0.5. Excesses x_i - 1 and (pairs) 1 - x_k: {1,2} has 1 - x0 >= 0.5, the least core
    # level, tight everywhere; then x1 + x2 = 2.5 is split to minimise max(x1 - 1, x2 - 1): 1.25 each.
    for budgets in ([0.5, None, None], {0: 0.5}):
        assert G.nucleolus(3, ADDITIVE, budgets=budgets) == pytest.approx([0.5, 1.25, 1.25], abs=1e-9)
        alloc, eps = G.least_core(3, ADDITIVE, budgets=budgets)
        assert eps == pytest.approx(0.5, abs=1e-9) and alloc == pytest.approx([0.5, 1.25, 1.25], abs=1e-9)
    # caps summing exactly to c(N) leave one allocation
    assert G.nucleolus(3, ADDITIVE, budgets=[1.5, 1.0, 0.5]) == pytest.approx([1.5, 1.0, 0.5], abs=1e-9)
    # loose caps change nothing
    assert G.nucleolus(3, ADDITIVE, budgets=[5, 5, 5]) == pytest.approx([1, 1, 1], abs=1e-9)


def test_infeasible_caps_are_reported():
    for call in (G.nucleolus, G.least_core):
        with pytest.raises(G.GameError, match="short by 0.50") as err:
            call(3, ADDITIVE, budgets=[1.0, 1.0, 0.5])
        assert "consortium budgets" in str(err.value)


# ---------------------------------------------------------------------------------------------
# Input checks

def test_bad_tables_are_rejected():
    c = dict(EMPTY)
    del c[fs(0, 2)]
    with pytest.raises(ValueError, match=r"misses 1 .*\[0, 2\]"):
        G.shapley_exact(3, c)
    with pytest.raises(ValueError, match="nan"):
        G.nucleolus(3, {**EMPTY, fs(1): math.nan})
    with pytest.raises(ValueError, match="not a player"):
        G.shapley_exact(3, {**EMPTY, fs(3): 1.0})
    with pytest.raises(ValueError, match="3 shares for 2"):
        G.core_check(2, {fs(0): 1, fs(1): 1, fs(0, 1): 2}, [1, 1, 0])
    with pytest.raises(ValueError, match="entries for 3"):
        G.least_core(3, EMPTY, budgets=[1, 2])
    assert G.shapley_exact(3, {**EMPTY, frozenset(): 0.0}) == pytest.approx([1.6 / 3] * 3)


# ---------------------------------------------------------------------------------------------
# Solver fallback and size

def test_cbc_fallback_gives_the_same_answers(monkeypatch):
    monkeypatch.setattr(G, "_solver", G._cbc)
    assert G.nucleolus(3, airport([1, 2, 4])) == pytest.approx([0.5, 0.75, 2.75], abs=1e-9)
    assert G.least_core(3, EMPTY) == (pytest.approx([1.6 / 3] * 3, abs=1e-9), pytest.approx(1 / 15, abs=1e-9))
    assert G.nucleolus(3, ADDITIVE, budgets=[0.5, None, None]) == pytest.approx([0.5, 1.25, 1.25], abs=1e-9)
    c = table(5, lambda s: float((7 * sum(1 << i for i in s)) % 11 + len(s)))
    assert kohlberg_ok(5, c, G.nucleolus(5, c))


def test_eight_player_airport_nucleolus():
    needs = [3, 5, 5, 8, 13, 21, 34, 34]
    c = airport(needs)
    x = G.nucleolus(8, c)
    assert is_in_core(8, c, x) and kohlberg_ok(8, c, x)
    assert x[1] == pytest.approx(x[2], abs=1e-9) and x[6] == pytest.approx(x[7], abs=1e-9)  # equal needs


def test_table_helpers():
    assert G.all_coalitions(2) == [fs(0), fs(1), fs(0, 1)]
    c = G.tabulate(3, lambda s: max(s) + 1.0)
    assert len(c) == 7 and c[fs(0, 2)] == 3.0
    assert G.effective_costs(3, c) == c  # nothing infinite: unchanged
