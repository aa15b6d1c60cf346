"""Language modelling with the RMT: perplexity as the number of preceding segments grows.

    from rmt_bench.lm import LMConfig, run_lm
    result = run_lm(LMConfig(backbone="tiny-gpt2", train_data="text:notes/", steps=20))

Files: model.py (RecurrentLM: segment-wise NLL with memory, full-context NLL),
data.py (documents -> token windows, split by document), run.py (train, score, draw;
what ``rmt-bench lm`` runs). The figure: ``reports/plot_lm.py``.
"""

from rmt_bench.lm.run import LMConfig, LMResult, run_lm

__all__ = ["LMConfig", "LMResult", "run_lm"]
