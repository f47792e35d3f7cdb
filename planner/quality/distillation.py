"""Distillation scaling law (Busbridge et al. 2025, "Distillation Scaling Laws", arXiv 2502.08606).

Supervised law (Eq. 1):    L~(N, D) = E + (A/N^alpha + B/D^beta)^gamma
Distillation law (Eq. 8):  L_S = L_T + L_T^-c0 · (1 + (L_T/(L~_S·d1))^(1/f1))^(-c1·f1)
                                 · (A_d/N_S^alpha_d + B_d/D_S^beta_d)^gamma_d
with L~_S = L~(N_S, D_S), coefficients from Table 6. The teacher enters only through its loss L_T.
Losses are on C4 (English, ~32k vocabulary, muP training), not on the pretraining law's
MassiveText scale: E here is 1.22 against 1.82 for the Epoch fit.

Making the two comparable (docs/quality.md, "Comparability"): both losses are anchored on the
same models. The teacher's C4 loss is the supervised law of the same paper at the teacher's
(N_T, D_T). The student's distilled loss is expressed as a fraction of its own supervised
reducible loss, r = (L_S - E) / (L~_S - E), and that fraction is carried to the pretraining law:
L_ref = E_ref + r·(L_ref(N_S, D_S) - E_ref).

Validity (paper Sec. 3 setting): fitted on students 1.4e8-7.8e9 parameters, 4e9-5.1e11 tokens,
teacher losses 1.9-2.75 (extrapolation notes outside); refused outside students 1e8-3e10
parameters, 1e9-1.6e13 tokens (the paper's own extrapolations) or teacher loss <= E.
"""

from __future__ import annotations

import math

from planner.quality import chinchilla
from planner.quality.laws import Law, default_laws
from planner.quality.validity import QualityRangeError


def _law(law: Law | None) -> Law:
    return law or default_laws().distillation


def supervised_loss(params: float, tokens: float, law: Law | None = None) -> float:
    """Busbridge et al. Eq. 1 on C4: E + (A/N^alpha + B/D^beta)^gamma."""
    law = _law(law)
    return law.E + (law.A / params**law.alpha + law.B / tokens**law.beta) ** law.gamma


def distillation_notes(teacher_loss: float, student_params: float, student_tokens: float, law: Law | None = None,
                       subject: str = ""):
    """Refuse outside the planner's range for Eq. 8; return extrapolation notes naming `subject`."""
    return _law(law).box.check(
        subject, teacher_loss=teacher_loss, student_params=student_params, student_tokens=student_tokens
    )


def student_loss(teacher_loss: float, student_params: float, student_tokens: float, law: Law | None = None) -> float:
    """Busbridge et al. Eq. 8: the distilled student's C4 loss from the teacher's C4 loss."""
    law = _law(law)
    distillation_notes(teacher_loss, student_params, student_tokens, law)
    own = supervised_loss(student_params, student_tokens, law)
    gap = (1.0 + (teacher_loss / (own * law.d1)) ** (1.0 / law.f1)) ** (-law.c1 * law.f1)
    reach = (law.A_d / student_params**law.alpha_d + law.B_d / student_tokens**law.beta_d) ** law.gamma_d
    return teacher_loss + teacher_loss**-law.c0 * gap * reach


def distilled_loss(
    teacher_params: float,
    teacher_tokens: float,
    student_params: float,
    student_tokens: float,
    pretrain: Law | None = None,
    law: Law | None = None,
) -> float:
    """The distilled student's loss on the pretraining law's scale (see the module docstring).

    teacher_params/teacher_tokens: the open teacher's size and training tokens (its C4 loss is
    Eq. 1 there); student_tokens: distillation tokens (effective tokens if data repeats).
    """
    law = _law(law)
    teacher = supervised_loss(teacher_params, teacher_tokens, law)
    own = supervised_loss(student_params, student_tokens, law)
    fraction = (student_loss(teacher, student_params, student_tokens, law) - law.E) / (own - law.E)
    pretrain = pretrain or default_laws().pretrain
    return pretrain.E + fraction * (chinchilla.loss(student_params, student_tokens, pretrain) - pretrain.E)


def tokens_for_distilled_loss(
    target_loss: float,
    teacher_params: float,
    teacher_tokens: float,
    student_params: float,
    pretrain: Law | None = None,
    law: Law | None = None,
) -> float:
    """Distillation tokens for the student to reach `target_loss` (pretraining-law scale).

    Bisection on ln D_S within the refusal range; the loss falls monotonically with D_S.
    Raises QualityRangeError if the target is out of reach inside that range.
    """
    law = _law(law)
    pretrain = pretrain or default_laws().pretrain
    low, high = law.box.refuse["student_tokens"]
    high = min(high, student_params * pretrain.box.refuse.get("tokens_per_param", (0, math.inf))[1])

    def reached(tokens: float) -> bool:
        return distilled_loss(teacher_params, teacher_tokens, student_params, tokens, pretrain, law) <= target_loss

    if not reached(high):
        best = distilled_loss(teacher_params, teacher_tokens, student_params, high, pretrain, law)
        raise QualityRangeError(
            law.title, "target_loss", target_loss, best, math.inf,
            f"the best a {student_params:.3g}-parameter student of this teacher reaches within "
            f"{high:.3g} distillation tokens",
        )
    if reached(low):
        return low
    log_low, log_high = math.log(low), math.log(high)
    while log_high - log_low > 1e-9:
        mid = 0.5 * (log_low + log_high)
        if reached(math.exp(mid)):
            log_high = mid
        else:
            log_low = mid
    return math.exp(log_high)
