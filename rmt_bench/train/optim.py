"""Optimizer, learning-rate schedule and gradient clipping of the training recipe.

AdamW (no weight decay on biases and LayerNorm weights, as in BERT fine-tuning),
a linear schedule with ``warmup`` steps of linear warm-up then linear decay to 0
at the stage's last step, and clipping by value (the paper: 5) or by global norm.

    optimizer, scheduler = build_optimizer(model, cfg, total_steps=stage.max_steps)
    optimizer, scheduler = build_optimizer(model, cfg, stage.max_steps, lr=1e-4)  # another lr
    grad_norm = clip_gradients(model.parameters(), cfg)   # norm before clipping
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def build_optimizer(
    model: Any, cfg: Any, total_steps: int, lr: float | None = None
) -> tuple[Any, Any]:
    """AdamW over the trainable parameters at ``lr`` (None: ``cfg.lr``), with its schedule."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        is_norm_or_bias = name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name
        (no_decay if is_norm_or_bias else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.lr if lr is None else lr)
    warmup = min(cfg.warmup, max(total_steps - 1, 0))
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup, total_steps)
    return optimizer, scheduler


def clip_gradients(parameters: Iterable[Any], cfg: Any) -> float:
    """Clip gradients in place per ``cfg.grad_clip_mode``; return the global L2 norm before."""
    import torch

    params = [p for p in parameters if p.grad is not None]
    grads = [p.grad for p in params]
    if not grads:
        return 0.0
    norm = torch.nn.utils.get_total_norm(grads, norm_type=2.0)
    if cfg.grad_clip:
        if cfg.grad_clip_mode == "value":
            for grad in grads:
                grad.clamp_(-cfg.grad_clip, cfg.grad_clip)
        else:
            torch.nn.utils.clip_grads_with_norm_(params, cfg.grad_clip, norm)
    return float(norm)
