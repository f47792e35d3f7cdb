"""Data-constrained scaling (Muennighoff et al. 2023): published losses, value of repeats, inverse."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.quality import (
    QualityRangeError,
    data_constrained_loss,
    effective_tokens,
    real_tokens_needed,
    repetition_ceiling,
    tokens_for_loss,
)


def test_authors_example_losses():
    # huggingface/datablations README: L(6.34e9, 242e9, U=25e9) = 2.22564, L(8.67e9, 178e9, 25e9) = 2.22696.
    assert data_constrained_loss(6.34e9, 242e9, 25e9) == pytest.approx(2.22564, abs=2e-5)
    assert data_constrained_loss(8.67e9, 178e9, 25e9) == pytest.approx(2.22696, abs=2e-5)


def test_value_of_repeated_epochs():
    # D'/U after 1, 2, 4, 8, 16, 40 epochs and the ceiling, by hand from Muennighoff et al. 2023 Eq. 5:
    # 1 + R*·(1 − exp(−(epochs − 1)/R*)) with R* = 15.39 (e.g. 2 epochs: 1 + 15.39·0.0629 = 1.97).
    expected = {1: 1.0, 2: 1.97, 4: 3.73, 8: 6.62, 16: 10.58, 40: 15.17}
    for epochs, ratio in expected.items():
        assert effective_tokens(epochs * 1e9, 1e9) / 1e9 == pytest.approx(ratio, abs=0.006)
    assert repetition_ceiling(1e9) / 1e9 == pytest.approx(16.39, abs=0.005)


def test_single_epoch_is_worth_its_tokens():
    assert effective_tokens(5e10, 1e11) == 5e10
    assert real_tokens_needed(5e10, 1e11) == 5e10


@given(
    unique=st.floats(1e9, 1e13),
    fraction=st.floats(0.0, 0.999),
)
def test_real_tokens_needed_inverts_effective_tokens(unique, fraction):
    effective = unique + fraction * (repetition_ceiling(unique) - unique)
    real = real_tokens_needed(effective, unique)
    assert effective_tokens(real, unique) == pytest.approx(effective, rel=1e-9)


def test_beyond_the_ceiling_is_infeasible():
    with pytest.raises(QualityRangeError, match="more unique tokens are needed") as err:
        real_tokens_needed(17e9, 1e9)
    assert err.value.quantity == "effective_tokens"


def test_data_constrained_allocation_on_epoch_law():
    # By hand from the Epoch constants and Eq. 5: loss 2.0 on 300B unique tokens -> ~52B params on ~0.82T tokens
    # (2.57e23 FLOPs); on 100B unique tokens -> ~68B on ~0.76T (3.08e23 FLOPs).
    from scipy.optimize import minimize_scalar

    for unique, params, tokens, flops in ((300e9, 52e9, 0.82e12, 2.57e23), (100e9, 68e9, 0.76e12, 3.08e23)):
        def cost(log_n, unique=unique):
            n = math.exp(log_n)
            return 6 * n * real_tokens_needed(tokens_for_loss(n, 2.0), unique)

        best = minimize_scalar(cost, bounds=(math.log(40e9), math.log(200e9)), method="bounded")
        n = math.exp(best.x)
        assert n == pytest.approx(params, rel=0.02)
        assert real_tokens_needed(tokens_for_loss(n, 2.0), unique) == pytest.approx(tokens, rel=0.02)
        assert best.fun == pytest.approx(flops, rel=0.01)
