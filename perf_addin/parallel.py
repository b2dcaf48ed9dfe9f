"""Work spread over the cores: Office encryption and decryption are CPU-bound key
derivations (100,000 SHA-512 rounds per file), and share and collect each do
hundreds of them."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence


def run_parallel(work: Callable[[Any], Any], jobs: Sequence[Any], workers: int | None = None,
                 at_least: int = 2) -> list[Any]:
    """``[work(job) for job in jobs]``, over the cores when there are ``at_least`` jobs
    (Office encryption and decryption are CPU-bound key derivations). ``work`` must be
    a module-level function, so that it can be sent to another process."""
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers < 2 or len(jobs) < max(at_least, 2):
        return [work(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(work, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
