"""A progress bar per length, with samples/s and the ETA of that length (tqdm, stderr).

with LengthProgress("memorize", 1048576, total=64) as bar:
    bar.update(1)          # after each answered sample (or batch)
"""

from __future__ import annotations

from typing import Any

from generators.lengths import format_length


class LengthProgress:
    """tqdm over one length's samples; silent when disabled or when there is nothing to do."""

    def __init__(self, task: str, length: int, total: int, enabled: bool = True) -> None:
        self.description = f"{task} {format_length(length)}"
        self.total = total
        self.enabled = enabled and total > 0
        self._bar: Any = None

    def __enter__(self) -> LengthProgress:
        if self.enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.total,
                desc=self.description,
                unit="sample",
                dynamic_ncols=True,
                bar_format="{desc}: {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]",
            )
        return self

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
