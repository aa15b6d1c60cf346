"""The model card (``README.md``) written into every RMT (and ARMT) checkpoint directory.

    text = model_card(meta)     # from the checkpoint's config.json dict; a pure function

It says what the checkpoint is (backbone, memory, segments, head; for ARMT,
``"kind": "armt"``, also the associative memory's key size and nu), what it was
trained on (task, curriculum, stages, steps) and how well it did (validation
accuracy at the trained length; ``accuracy_by_length`` when ``extra`` has it),
and how to load it (``rmt-bench eval`` or ``AutoModel`` after ``import rmt_bench``).
"""

from __future__ import annotations

from typing import Any

CARD = "README.md"

# What differs between the kinds: title, paper sentence, tags, the class AutoModel returns.
_KINDS: dict[str, dict[str, Any]] = {
    "rmt": {
        "title": "Recurrent Memory Transformer (rmt-bench)",
        "about": "A Recurrent Memory Transformer (Bulatov et al., AAAI 2024) around a Hugging "
        "Face backbone, written by rmt-bench.",
        "tags": ["rmt", "recurrent-memory-transformer"],
        "class": "rmt_bench.rmt.RMT",
    },
    "armt": {
        "title": "Associative Recurrent Memory Transformer (rmt-bench)",
        "about": "An Associative Recurrent Memory Transformer (Rodkin, Kuratov, Bulatov, "
        "Burtsev 2024, arXiv 2407.04841) around a Hugging Face backbone, written by "
        "rmt-bench: a Recurrent Memory Transformer whose every layer also keeps an "
        "associative memory (delta rule over DPFP features), zero at the start of a sample.",
        "tags": ["armt", "associative-memory", "recurrent-memory-transformer"],
        "class": "rmt_bench.rmt.armt.ARMT",
    },
}


def _accuracy_lines(extra: dict[str, Any], segment_size: Any) -> list[str]:
    lines: list[str] = []
    by_length = extra.get("accuracy_by_length")
    if isinstance(by_length, dict) and by_length:
        lines += ["| length (tokens) | accuracy |", "|---|---|"]
        lines += [f"| {length} | {value} |" for length, value in by_length.items()]
    elif extra.get("val_accuracy") is not None:
        segments = extra.get("trained_segments")
        where = ""
        if isinstance(segments, int) and isinstance(segment_size, int):
            where = f" at {segments} segments ({segments * segment_size} tokens)"
        lines.append(f"Validation accuracy{where}: {extra['val_accuracy']:.3f}.")
    else:
        lines.append("No accuracy recorded yet: run `rmt-bench eval --model DIR ...`.")
    return lines


def model_card(meta: dict[str, Any]) -> str:
    """README.md text for a checkpoint whose ``config.json`` is ``meta``."""
    config = meta.get("config") or {}
    extra = meta.get("extra") or {}
    task = extra.get("task")
    train = extra.get("train_config") or {}
    curriculum = train.get("curriculum") or extra.get("curriculum")
    kind = "armt" if meta.get("kind") == "armt" else "rmt"
    about = _KINDS[kind]
    tags = [*about["tags"], "long-context", "rmt-bench"]
    header = [
        "---",
        "library_name: rmt-bench",
        "tags:",
        *[f"- {tag}" for tag in tags],
        "---",
    ]
    body = [
        f"# {about['title']}",
        "",
        about["about"],
        "",
        f"- **Backbone:** `{config.get('backbone')}`",
        f"- **Memory tokens:** {config.get('memory_tokens')}; **segment size:** "
        f"{meta.get('segment_size')} tokens; **head:** {config.get('head', 'classify')}",
        f"- **Labels:** {', '.join(str(x) for x in config.get('labels') or [])}",
        f"- **Task:** {task or 'unknown (not trained by rmt-bench train)'}",
    ]
    if kind == "armt":
        key_size, nu = config.get("key_size", 32), config.get("nu", 3)
        phi = 2 * key_size * nu if isinstance(key_size, int) and isinstance(nu, int) else "?"
        body.insert(
            -1,
            f"- **Associative memory (every layer):** key size {key_size}, nu {nu} "
            f"(d_phi = {phi} DPFP features)",
        )
    if extra.get("trained_segments") is not None:
        body.append(f"- **Trained up to:** {extra['trained_segments']} segments")
    if curriculum is not None:
        body.append(f"- **Curriculum:** {curriculum}")
    if extra.get("global_step") is not None:
        body.append(f"- **Steps:** {extra['global_step']}")
    body += ["", "## Accuracy", "", *_accuracy_lines(extra, meta.get("segment_size"))]
    body += [
        "",
        "## Load",
        "",
        "```python",
        f"import rmt_bench                      # registers model_type '{kind}'",
        "from transformers import AutoModel",
        f'model = AutoModel.from_pretrained("DIR_OR_REPO")   # an {about["class"]}',
        "```",
        "",
        "or `rmt-bench eval --model DIR --task TASK --lengths 4k,32k`. Weights are "
        "safetensors; no remote code is needed.",
        "",
    ]
    return "\n".join(header + body)
