"""Distillation law (Busbridge et al. 2025): worked examples, the mapping to the pretraining scale,
monotonicity and the refusal box."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.quality import (
    QualityRangeError,
    default_laws,
    distillation_notes,
    distilled_loss,
    loss,
    student_loss,
    supervised_loss,
    tokens_for_distilled_loss,
)

# Worked from Busbridge et al. 2025 Eq. 1 and 8 with the Table 6 coefficients (the students are
# among the paper's Fig. 2 sizes): N_S, D_S, supervised loss, (L_T*, L_S*), L_S at L_T = 2.0 and 2.3.
WORKED = [
    (546e6, 10.9e9, 2.515, (1.78, 2.354), 2.375, 2.437),
    (546e6, 109e9, 2.319, (2.07, 2.288), 2.290, 2.342),
    (1.82e9, 36.4e9, 2.251, (1.68, 2.156), 2.183, 2.315),
    (1.82e9, 364e9, 2.097, (1.91, 2.080), 2.090, 2.301),
    (7.75e9, 155e9, 2.004, (1.57, 1.942), 2.027, 2.300),
]


@pytest.mark.parametrize("params, tokens, supervised, best, at_2_0, at_2_3", WORKED)
def test_worked_examples(params, tokens, supervised, best, at_2_0, at_2_3):
    assert supervised_loss(params, tokens) == pytest.approx(supervised, abs=6e-4)
    assert student_loss(2.0, params, tokens) == pytest.approx(at_2_0, abs=1.1e-3)
    assert student_loss(2.3, params, tokens) == pytest.approx(at_2_3, abs=1.1e-3)
    grid = np.linspace(1.221, 3.5, 4000)
    losses = [student_loss(t, params, tokens) for t in grid]
    i = int(np.argmin(losses))
    assert grid[i] == pytest.approx(best[0], abs=0.011)  # capacity gap: the best teacher is not the strongest
    assert losses[i] == pytest.approx(best[1], abs=1e-3)


def test_weak_teacher_is_copied_and_a_strong_one_is_not_reached():
    """Eq. 8: past d1 times the student's own loss L_S the student copies its teacher, so a teacher
    weaker than the student makes it worse than training alone; a stronger teacher helps, but the
    student does not reach it."""
    own = supervised_loss(1e9, 2e10)
    weak = 1.1 * default_laws().distillation.constants["d1"] * own
    assert student_loss(weak, 1e9, 2e10) == pytest.approx(weak, abs=1e-3) and weak > own
    strong = own - 0.3
    assert strong < student_loss(strong, 1e9, 2e10) < own


def test_mapping_keeps_supervised_students_unchanged():
    """A student whose distilled C4 loss equals its supervised one maps to the pretraining law's
    own prediction for it: the mapping only transfers the relative improvement."""
    params, tokens = 3e9, 6e10
    # a teacher whose distilled student equals its own supervised loss (found by bisection)
    low, high = 1.5, 3.5
    for _ in range(100):
        mid = (low + high) / 2
        if student_loss(mid, params, tokens) < supervised_loss(params, tokens):
            low = mid
        else:
            high = mid
    assert student_loss(high, params, tokens) == pytest.approx(supervised_loss(params, tokens), abs=1e-9)
    # a 7B teacher with that loss (bisection on its tokens), distilled into the student
    low_d, high_d = 1e9, 1e13
    for _ in range(200):
        mid_d = (low_d * high_d) ** 0.5
        if supervised_loss(7e9, mid_d) > high:
            low_d = mid_d
        else:
            high_d = mid_d
    assert supervised_loss(7e9, high_d) == pytest.approx(high, abs=1e-9)
    assert distilled_loss(7e9, high_d, params, tokens) == pytest.approx(loss(params, tokens), abs=1e-6)
    assert loss(params, tokens) != pytest.approx(supervised_loss(params, tokens), abs=1e-3)  # two scales


def test_good_teacher_helps_at_small_token_budgets():
    # Distillation beats supervised training of the same student at few tokens (paper Sec. 5.1).
    params = 3e9
    assert distilled_loss(70e9, 15e12, params, 20 * params) < loss(params, 20 * params)


@settings(max_examples=60, deadline=None)
@given(
    student=st.sampled_from([2e8, 5e8, 1e9, 3e9, 7e9, 13e9]),
    teacher=st.sampled_from([(8e9, 15e12), (70e9, 2e12), (70e9, 15e12), (405e9, 15.6e12)]),
    log_tokens=st.floats(np.log(2e9), np.log(1.5e12)),
    ratio=st.floats(1.05, 4.0),
)
def test_mapped_loss_falls_with_distillation_tokens(student, teacher, log_tokens, ratio):
    tokens = float(np.exp(log_tokens))
    if student >= teacher[0] or tokens * ratio > 1e4 * student:
        return
    assert distilled_loss(*teacher, student, tokens * ratio) < distilled_loss(*teacher, student, tokens)


def test_tokens_for_distilled_loss_inverts():
    tokens = tokens_for_distilled_loss(2.2, 70e9, 15e12, 3e9)
    assert distilled_loss(70e9, 15e12, 3e9, tokens) == pytest.approx(2.2, abs=1e-6)


def test_unreachable_distillation_target_is_refused():
    with pytest.raises(QualityRangeError, match="best a 5e.08-parameter student") as err:
        tokens_for_distilled_loss(2.0, 70e9, 15e12, 5e8)
    assert err.value.quantity == "target_loss"


def test_refusal_box():
    with pytest.raises(QualityRangeError, match="student_params"):
        student_loss(2.0, 5e10, 1e11)
    with pytest.raises(QualityRangeError, match="student_tokens"):
        student_loss(2.0, 1e9, 5e8)
    with pytest.raises(QualityRangeError, match="teacher_loss"):
        student_loss(1.2, 1e9, 1e10)


def test_extrapolation_notes():
    assert distillation_notes(2.2, 1e9, 2e10) == ()
    notes = distillation_notes(1.72, 1.5e10, 1e12)
    assert all(n.startswith("Distillation scaling law (Busbridge et al. 2025): ") for n in notes)
    assert sorted(n.split(": ")[1].split(" ")[:2][1] for n in notes) == ["loss", "params", "tokens"]
    assert "for the 15B student" in distillation_notes(1.72, 1.5e10, 1e12, subject="the 15B student")[0]
