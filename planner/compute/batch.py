"""Global batch size of a training stage, in tokens and sequences.

DeepSeek LLM (DeepSeek-AI 2024, arXiv 2401.02954, §3.1 Eq. 1): the near-optimal batch size grows
with the compute budget as

    B_opt = 0.2920 · C^0.3271   tokens,   C in FLOPs

where the paper's C = M·D counts non-embedding FLOPs per token (M = 6·N_non-embedding + the
attention term) times training tokens. We pass the stage's training FLOPs (flops.stage_flops,
embeddings and any distillation teacher included), which overstates C by a few per cent for large
models and so B by about a third of that. The law was fitted on small budgets (grid searches
around 1e17–1e20 FLOPs) and the authors used it to set the batch of their 7B and 67B runs
(~1e23–1e24 FLOPs); for Llama 3 405B (3.8e25) it gives 68M tokens where Meta used 16M, so above
1e24 it is generous (it allows more data parallelism than practice). Valid for 1e14 ≤ C ≤ 1e27
FLOPs; a scenario may state the batch instead (Workload.batch_tokens).

The batch bounds parallelism: a step cannot be split into more micro-batches than it has
sequences, so data × pipeline parallelism ≤ B/seq_len (layout.py).
"""

from __future__ import annotations

import functools
import math

from planner.compute._checks import check_range
from planner.compute.flops import stage_flops
from planner.workload import Workload

BATCH_COEFFICIENT = 0.2920
BATCH_EXPONENT = 0.3271
MIN_FLOPS, MAX_FLOPS = 1e14, 1e27


def deepseek_batch_tokens(flops: float) -> float:
    """B_opt = 0.2920 · C^0.3271 tokens (DeepSeek LLM 2024 Eq. 1) for a budget of `flops` FLOPs."""
    check_range("training FLOPs for the batch-size law", flops, MIN_FLOPS, MAX_FLOPS)
    return BATCH_COEFFICIENT * flops**BATCH_EXPONENT


@functools.lru_cache(maxsize=65_536)  # asked for every option priced
def batch_sequences(w: Workload) -> int:
    """Sequences per optimiser step: the stage's stated batch in whole sequences of seq_len
    tokens, else DeepSeek's B_opt rounded down to a power of two sequences (the batches
    practitioners pick; the law's optimum is a broad basin, DeepSeek LLM 2024 Fig. 3); at least
    1 and at most the stage's tokens."""
    if w.batch_tokens:
        sequences = math.floor(w.batch_tokens / w.seq_len)
    else:
        sequences = 2 ** math.floor(math.log2(max(1.0, deepseek_batch_tokens(stage_flops(w)) / w.seq_len)))
    return max(1, min(sequences, math.floor(w.tokens / w.seq_len)))
