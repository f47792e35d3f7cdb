"""Transformer shape: from the catalog model's config where known (catalogs/models.csv columns
n_layers, d_model, n_heads, d_ff, experts, top_k, carried on Workload.shape), else from the
parameter count: layers, width, heads, FFN width, experts.

Dense: n_layer and d_model from N at aspect ratio ρ = d_model/n_layer = 128 (flops.layer_shape;
Busbridge et al. 2025 App. H.1), rounded to whole layers and to a width that is a multiple of
the 128-wide attention head (Llama 2/3, Mistral and Qwen2.5 all use head dimension 128), with a
head count that is a multiple of 8 from 8 heads up (32, 40, 64 in Llama 2 7B/13B/70B) so that
8-way tensor parallelism divides it; n_heads = d_model/128 and d_ff = 4·d_model (the FFN of N ≈ 12·n_layer·d_model², Kaplan 2020 Eq. 2.1).

Mixture of experts (active < total parameters): the shape of the active model sets attention
and per-token compute; each MoE layer routes a token to `top_k` experts. TOP_K = 2 is assumed
(GShard, Mixtral 8x7B); the expert count is then E = top_k · (total − attention) / (active −
attention), attention being 4·n_layer·d_model² (a quarter of the 12·d² per layer), i.e. experts
as wide as the FFN they replace. DeepSeek-V3 (top 8 of 256 fine-grained experts) and Llama 4
(top 1 of 16/128 plus a shared expert) differ; the all-to-all volume scales with top_k, so for
them it is an approximation (docs/fidelity.md).
Valid where flops.layer_shape is (1e7 ≤ N ≤ 1e13).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from planner.compute.flops import layer_shape

HEAD_DIM = 128
TOP_K = 2


@dataclass(frozen=True)
class Shape:
    """Layers, widths and experts of a decoder-only transformer (experts = 1 for dense)."""

    n_layer: int
    d_model: int
    n_heads: int
    d_ff: int
    experts: int = 1
    top_k: int = 1

    @property
    def moe(self) -> bool:
        return self.experts > 1


def workload_shape(w) -> Shape:
    """The catalog config's shape when the workload carries one, else model_shape."""
    if w.shape:
        layers, width, heads, ffn, experts, top_k = w.shape
        return Shape(layers, width, heads, ffn, experts, top_k if experts > 1 else 1)
    return model_shape(w.params, w.active_params)


@functools.lru_cache(maxsize=4096)
def model_shape(params: float, active_params: float) -> Shape:
    """Shape of a model with `params` total and `active_params` per-token parameters (module doc)."""
    n_layer, d_model = layer_shape(active_params)
    layers = max(1, round(n_layer))
    heads = max(1, round(d_model / HEAD_DIM))
    if heads >= 8:
        heads = 8 * round(heads / 8)
    width = heads * HEAD_DIM
    if active_params >= params * 0.999:
        return Shape(layers, width, heads, 4 * width)
    attention = 4.0 * n_layer * d_model**2
    experts = max(TOP_K + 1, round(TOP_K * (params - attention) / max(active_params - attention, 1.0)))
    return Shape(layers, width, heads, 4 * width, experts=experts, top_k=TOP_K)
