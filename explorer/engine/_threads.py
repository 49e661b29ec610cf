"""Blocks of one pass shared between the calling thread and one helper thread.

NumPy lets go of the interpreter lock in its heavy loops (products, ``exp``,
sums), so the blocks of a pass over many samples (``core._fused_pass``) can run
on two cores at once. Each block's result is kept at its own index and the
caller adds them up in order, so a shared pass gives the very same numbers as
one thread would.

The calling thread never waits for a helper that has not started: both take
the next block from one counter, so on a busy machine (the other core taken)
the caller simply does every block itself and waits at most for the one block
the helper is already working on.

One helper at most (these machines have 2 cores); none with a single core or
with ``SOFTMAX_EXPLORER_THREADS=1`` in the environment (``enabled`` is the
switch for code and tests).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # (not on every platform)
        return os.cpu_count() or 1


def _enabled_by_environment() -> bool:
    """``SOFTMAX_EXPLORER_THREADS``: a number of threads (1 or 0: no helper) or off/no/false;
    unset, a helper when the process may use more than one core."""
    value = os.environ.get("SOFTMAX_EXPLORER_THREADS", "").strip().lower()
    if value:
        try:
            return int(value) > 1
        except ValueError:
            return value not in ("off", "no", "false", "none")
    return _cores() > 1


enabled = _enabled_by_environment()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _helper_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="softmax-explorer-engine")
        return _pool


class _Shared:
    """One run's blocks: a counter both threads take from, the results by index."""

    def __init__(self, n_blocks, work, errors):
        self.n_blocks = n_blocks
        self.work = work
        self.errors = errors  # the caller's np.errstate (it is per thread)
        self.results = [None] * n_blocks
        self.cond = threading.Condition()
        self.next = 0
        self.helper_busy = False
        self.helper_blocks = 0
        self.failure = None

    def claim(self, helper: bool):
        """The next block's index, or None when every block is taken."""
        with self.cond:
            k = self.next
            if k >= self.n_blocks or self.failure is not None:
                if helper:
                    self.helper_busy = False
                    self.cond.notify_all()
                return None
            self.next = k + 1
            if helper:
                self.helper_busy = True
                self.helper_blocks += 1
            return k

    def help(self) -> None:
        """The helper's share: blocks until none is left."""
        scratch = {}
        try:
            with np.errstate(**self.errors):
                while (k := self.claim(helper=True)) is not None:
                    self.results[k] = self.work(k, scratch)
        except BaseException as exc:  # handed to the caller, which raises it
            with self.cond:
                self.failure = exc
                self.helper_busy = False
                self.cond.notify_all()

    def finish(self) -> None:
        """Close the counter and wait for the block the helper is working on, if any."""
        with self.cond:
            self.next = self.n_blocks
            while self.helper_busy:
                self.cond.wait()


def run_blocks(n_blocks: int, work, share: bool = True) -> tuple[list, int]:
    """``[work(k, scratch) for k in range(n_blocks)]``, the blocks shared with a helper
    thread when there is one and ``share``; ``scratch`` is a dict of the running thread's
    own (for buffers that ``work`` reuses from one block to the next). Returns the
    results in block order and how many blocks the helper did. ``work`` must write
    nothing that another block reads. An exception in either thread is raised here,
    after both have stopped."""
    shared = None
    if share and n_blocks > 1 and enabled:
        shared = _Shared(n_blocks, work, np.geterr())
        try:
            _helper_pool().submit(shared.help)
        except RuntimeError:  # (no new threads as the interpreter shuts down): the caller alone
            shared = None
    scratch = {}
    if shared is None:
        return [work(k, scratch) for k in range(n_blocks)], 0
    try:
        while (k := shared.claim(helper=False)) is not None:
            shared.results[k] = work(k, scratch)
    finally:
        shared.finish()
    if shared.failure is not None:
        raise shared.failure
    return shared.results, shared.helper_blocks
