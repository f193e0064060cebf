"""A lab's warm-up: its kernels compiled (or loaded from numba's cache) one call at a time, with progress.

Free of numba itself, so that a lab may make importing numba its first reported step."""

from __future__ import annotations

from typing import Callable, Sequence


def compile_steps(steps: Sequence[tuple[str, Callable[[], object]]],
                  progress: Callable[[int, int, str], None] | None = None) -> None:
    """Run the warm-up calls in order, reporting (done, total, name) before each and (total, total,
    "ready") at the end."""
    for i, (name, compile_one) in enumerate(steps):
        if progress:
            progress(i, len(steps), name)
        compile_one()
    if progress:
        progress(len(steps), len(steps), "ready")
