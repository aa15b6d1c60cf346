"""One module per CLI sub-command; each exposes a click command named ``command``.

Command modules import only click and the standard library at import time and
do their heavy imports inside the command body, so ``rmt-bench --help`` stays
instant. ``rmt_bench.cli`` discovers every module in this package.
"""
