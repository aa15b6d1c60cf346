"""The Recurrent Memory Transformer (Bulatov et al.) around any Hugging Face backbone.

    from rmt_bench.rmt import RMT, RMTConfig
    model = RMT(RMTConfig(backbone="minilm", memory_tokens=10))
    out = model(input_ids=[ids], labels=torch.tensor([3]))      # ClassifierOutput
    model.predict(samples); model.save_pretrained(d); RMT.from_pretrained(d)

Files: config.py (RMTConfig), layouts.py (segment token layouts),
memory_cell.py (one segment step), wrapper.py (RMT: loop, BPTT, streaming),
heads.py (classification / generative answers), checkpoint.py, lora.py,
state.py (row operations on the carried state). ARMT, the associative variant:
associative.py (one layer's memory), armt_cell.py, armt.py (ARMT, ARMTConfig).
"""

from rmt_bench.rmt.armt import ARMT, ARMTConfig
from rmt_bench.rmt.config import DEFAULT_LABELS, RMTConfig
from rmt_bench.rmt.wrapper import RMT

__all__ = ["ARMT", "ARMTConfig", "DEFAULT_LABELS", "RMT", "RMTConfig"]
