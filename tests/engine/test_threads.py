"""A pass's blocks shared with a helper thread (``_threads``): the same numbers as one
thread, in block order, errors and NumPy's error state carried over, and a caller that
never waits for a helper that has not started."""

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine_problems import draw_problem
from explorer.engine import _threads, core
from explorer.engine.core import BlockedEvaluation, evaluate

PROPS = settings(max_examples=40, deadline=None)


@pytest.fixture
def shared(monkeypatch):
    """Every pass of more than one block shares its blocks (any size)."""
    monkeypatch.setattr(_threads, "enabled", True)
    monkeypatch.setattr(core, "_SHARED_PASS_MIN", 0)


def test_results_come_in_block_order_and_the_helper_takes_blocks_when_it_can(shared):
    """Blocks that wait (a sleep lets go of the interpreter lock, as NumPy's loops do):
    the helper runs alongside and takes some; each result sits at its block's index."""
    where = {}

    def work(k, scratch):
        scratch.setdefault("thread", threading.get_ident())
        assert scratch["thread"] == threading.get_ident()  # one scratch per thread
        where[k] = threading.get_ident()
        time.sleep(0.005)
        return k * k

    results, helper_blocks = _threads.run_blocks(12, work)
    assert results == [k * k for k in range(12)]
    assert helper_blocks == sum(t != threading.get_ident() for t in where.values())
    assert 1 <= helper_blocks <= 11  # (each thread took some)


@pytest.mark.parametrize("value,on", [("1", False), ("0", False), ("off", False), ("No", False),
                                      ("2", True), ("4", True), ("on", True)])
def test_the_environment_turns_the_helper_off_or_on(monkeypatch, value, on):
    monkeypatch.setenv("SOFTMAX_EXPLORER_THREADS", value)
    assert _threads._enabled_by_environment() is on
    monkeypatch.delenv("SOFTMAX_EXPLORER_THREADS")
    assert _threads._enabled_by_environment() is (_threads._cores() > 1)


def test_without_a_helper_the_caller_does_every_block(monkeypatch):
    monkeypatch.setattr(_threads, "enabled", False)
    where = set()
    results, helper_blocks = _threads.run_blocks(5, lambda k, s: where.add(threading.get_ident()) or -k)
    assert results == [0, -1, -2, -3, -4] and helper_blocks == 0
    assert where == {threading.get_ident()}


def test_without_new_threads_the_caller_does_every_block(shared, monkeypatch):
    """As the interpreter shuts down no thread can be started: the pass still runs."""
    class Closed:
        def submit(self, *args):
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr(_threads, "_helper_pool", Closed)
    assert _threads.run_blocks(3, lambda k, s: 2 * k) == ([0, 2, 4], 0)


def test_the_caller_never_waits_for_a_helper_that_has_not_started(shared):
    """The helper's thread busy elsewhere (as on a machine whose other core is taken):
    the caller does every block itself and returns at once."""
    release = threading.Event()
    _threads._helper_pool().submit(release.wait, 10)  # the helper thread, occupied
    try:
        start = time.perf_counter()
        results, helper_blocks = _threads.run_blocks(8, lambda k, s: k + 1)
        elapsed = time.perf_counter() - start
    finally:
        release.set()
    assert results == list(range(1, 9)) and helper_blocks == 0
    assert elapsed < 5  # not the 10 s the helper is held for


@pytest.mark.parametrize("in_helper", [True, False])
def test_an_error_in_either_thread_is_raised_by_the_caller_after_both_stop(shared, in_helper):
    caller = threading.get_ident()
    running = []

    def work(k, scratch):
        running.append(k)
        time.sleep(0.003)
        if (threading.get_ident() != caller) == in_helper:
            raise ArithmeticError(f"block {k}")
        return k

    if in_helper:
        # the helper must get a block: keep the caller busy until it has one
        def work_slow_caller(k, scratch):
            if threading.get_ident() == caller:
                time.sleep(0.05)
            return work(k, scratch)
        with pytest.raises(ArithmeticError, match="block"):
            _threads.run_blocks(6, work_slow_caller)
    else:
        with pytest.raises(ArithmeticError, match="block"):
            _threads.run_blocks(6, work)
    # nothing runs on after the caller raised
    count = len(running)
    time.sleep(0.05)
    assert len(running) == count


def test_the_helper_runs_under_the_callers_numpy_error_state(shared):
    seen = []

    def work(k, scratch):
        seen.append(np.geterr()["over"])
        time.sleep(0.003)
        return k

    def slow_caller(k, scratch):
        if k == 0:
            time.sleep(0.05)  # the helper takes the others
        return work(k, scratch)

    with np.errstate(over="ignore"):
        _threads.run_blocks(4, slow_caller)
    with np.errstate(over="raise"):
        _threads.run_blocks(4, slow_caller)
    assert seen[:4] == ["ignore"] * 4 and seen[4:] == ["raise"] * 4


def _pass_outputs(W, b, X, y, loss, reuse=None, lazy=True):
    pieces = [] if lazy else np.full(X.shape[0], -1.0)
    parts, exps = [], []
    with np.errstate(all="ignore"):
        r = core._fused_pass(W, b, X, y, loss, True, pieces, parts, exps, reuse)
    return r, pieces, parts, exps


def _assert_identical(a, b):
    """Equal bit for bit, nested tuples and lists of arrays and numbers included."""
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            _assert_identical(u, v)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8))
    else:
        assert a == b or (a != a and b != b)


@PROPS
@given(data=st.data())
def test_a_shared_pass_gives_what_one_thread_gives_bit_for_bit(data):
    """Sums, blocks' shares, losses (pieces or written), kept exponentials and an edit of
    one class reusing them: with the helper or without, the very same numbers."""
    W, b, X, y = draw_problem(data, (2, 60), (1, 3), (2, 5), 30)
    D, C = W.shape
    el = st.floats(-30, 30, allow_nan=False, allow_infinity=False)
    loss = data.draw(st.sampled_from(["softmax", "svm"]))
    lazy = data.draw(st.booleans())
    old = core._BLOCK_ENTRIES, core._MIN_BLOCK, core._SHARED_PASS_MIN, _threads.enabled
    core._BLOCK_ENTRIES, core._MIN_BLOCK = data.draw(st.integers(1, 40)), 1
    core._SHARED_PASS_MIN = 0
    try:
        out = {}
        for on in (False, True):
            _threads.enabled = on
            out[on] = _pass_outputs(W, b, X, y, loss, lazy=lazy)
        _assert_identical(out[True], out[False])
        if loss == "softmax":
            j = data.draw(st.integers(0, C - 1))
            W2 = W.copy()
            W2[:, j] = data.draw(hnp.arrays(np.float64, (D,), elements=el))
            changed = np.zeros(C, bool)
            changed[j] = True
            again = {}
            for on in (False, True):
                _threads.enabled = on
                kept = [(m, E.copy(), f, x) for m, E, f, x in out[on][3]]
                again[on] = _pass_outputs(W2, b, X, y, loss, (changed, kept), lazy)
            _assert_identical(again[True], again[False])
            _assert_identical(again[True][:3], _pass_outputs(W2, b, X, y, loss, lazy=lazy)[:3])
    finally:
        core._BLOCK_ENTRIES, core._MIN_BLOCK, core._SHARED_PASS_MIN, _threads.enabled = old


def test_only_passes_of_several_blocks_over_many_scores_are_shared(monkeypatch):
    calls = []
    run = _threads.run_blocks
    monkeypatch.setattr(_threads, "run_blocks",
                        lambda n, work, share: (share and n > 1 and calls.append(n)) or run(n, work, share))
    monkeypatch.setattr(_threads, "enabled", True)
    rng = np.random.default_rng(1)
    C = 5
    k = core._block_rows(10**6, C, 2)
    for n in (1000, k, 3 * k + 1):  # one block; one block; four blocks of many scores
        X = rng.normal(size=(n, 2))
        y = rng.integers(0, C, n)
        W, b = rng.normal(size=(2, C)), rng.normal(size=C)
        ev = BlockedEvaluation(W, b, X, y, keep_exps=True)
        W2 = W.copy()
        W2[0, 1] += 0.5
        again = ev.reweighted(W2, b)
        ref = evaluate(W2, b, X, y)
        assert again.terms.total == ref.terms.total and np.array_equal(again.terms.dW, ref.terms.dW)
        assert again.accuracy == ref.accuracy and np.array_equal(again.losses, ref.losses)
    assert n * C >= core._SHARED_PASS_MIN
    assert calls == [4, 4, 4]  # the last size's fresh pass, its edit and evaluate's pass
