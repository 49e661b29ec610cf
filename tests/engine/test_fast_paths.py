"""The engine's fast paths against the straightforward computations they replace.

- the fused, blockwise, classes-first loss pass (``core._fused_pass``) against
  ``core._loss_terms_reference`` (one (N, C) score matrix), ``accuracy`` and
  ``per_sample_cross_entropy`` / ``per_sample_hinge``, with tiny blocks so
  that every block boundary case runs;
- checks remembered for read-only arrays (``_validate``) and the last large
  evaluation remembered (``core._last_evaluation``): never for writable
  arrays, never stale;
- the decision-region rasteriser's argmax, alpha and colour packing against
  plain per-pixel NumPy.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import (
    DEFAULT_PALETTE,
    SGD,
    accuracy,
    grid_centres,
    loss_and_gradients,
    loss_terms,
    per_sample_cross_entropy,
    per_sample_hinge,
    region_image,
    region_scores,
)
from engine_problems import draw_problem
from explorer import engine
from explorer.engine import _validate, core, regions
from explorer.engine.core import evaluate

PROPS = settings(max_examples=60, deadline=None)


def count_calls(monkeypatch, name: str) -> list:
    """The sizes of the arrays each call of ``np.<name>`` gets from now on (until the
    monkeypatch is undone), appended to the list returned."""
    counted = []
    real = getattr(np, name)

    def counting(x, *args, **kwargs):
        counted.append(np.size(x))
        return real(x, *args, **kwargs)

    monkeypatch.setattr(core.np, name, counting)
    return counted


def frozen(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def problem(rng, n, D, C, dtype=np.float64, scale=1.0):
    W = (scale * rng.normal(size=(D, C))).astype(dtype)
    b = rng.normal(size=C).astype(dtype)
    X = (2 * rng.normal(size=(n, D))).astype(dtype)
    y = rng.integers(0, C, size=n)
    return W, b, X, y


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Blocks of a few samples, so that small problems cross many block boundaries; the
    blocks are shared with the helper thread as a large pass's are (``_threads``)."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 12)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    monkeypatch.setattr(core, "_SHARED_PASS_MIN", 0)


def forget_evaluations():
    core._last_evaluation = None


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,D,C", [(1, 2, 2), (7, 2, 3), (10, 3, 4), (64, 7, 10), (5, 1, 1)])
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_fused_pass_equals_the_reference(tiny_blocks, loss, dtype, n, D, C, reg):
    rng = np.random.default_rng(n * 100 + D * 10 + C)
    W, b, X, y = problem(rng, n, D, C, dtype)
    fast = loss_terms(W, b, X, y, reg=reg, loss=loss)
    ref = core._loss_terms_reference(W, b, X, y, reg, loss)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert fast.dW.dtype == ref.dW.dtype == dtype and fast.db.dtype == dtype
    assert fast.dW.shape == (D, C) and fast.dW.flags["C_CONTIGUOUS"]
    assert fast.total == pytest.approx(ref.total, rel=tol, abs=tol)
    assert fast.data == pytest.approx(ref.data, rel=tol, abs=tol)
    assert fast.penalty == ref.penalty
    assert_allclose(fast.dW, ref.dW, rtol=tol * 10, atol=tol)
    assert_allclose(fast.db, ref.db, rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_block_size_does_not_change_the_answer(monkeypatch, loss):
    rng = np.random.default_rng(3)
    W, b, X, y = problem(rng, 1000, 3, 5)
    whole = loss_and_gradients(W, b, X, y, reg=0.1, loss=loss)
    monkeypatch.setattr(core, "_MIN_BLOCK", 1)
    for entries in (5, 64, 999, 5000):
        monkeypatch.setattr(core, "_BLOCK_ENTRIES", entries)
        total, dW, db = loss_and_gradients(W, b, X, y, reg=0.1, loss=loss)
        assert total == pytest.approx(whole[0], rel=1e-13)
        assert_allclose(dW, whole[1], rtol=1e-12, atol=1e-15)
        assert_allclose(db, whole[2], rtol=1e-12, atol=1e-15)


@PROPS
@given(data=st.data())
def test_fused_pass_equals_the_reference_on_random_problems(data):
    W, b, X, y = draw_problem(data, (1, 40), (1, 4), (1, 6), 50)
    C = W.shape[1]
    loss = data.draw(st.sampled_from(["softmax", "svm"]))
    old = core._BLOCK_ENTRIES, core._MIN_BLOCK
    core._BLOCK_ENTRIES, core._MIN_BLOCK = data.draw(st.integers(1, 50)), 1
    try:
        fast = loss_terms(W, b, X, y, loss=loss)
        ev = evaluate(W, b, X, y, loss=loss)
    finally:
        core._BLOCK_ENTRIES, core._MIN_BLOCK = old
    ref = core._loss_terms_reference(W, b, X, y, 0.0, loss)
    assert fast.total == pytest.approx(ref.total, rel=1e-10, abs=1e-10)
    scale = max(1.0, float(np.abs(X).max()))
    assert_allclose(fast.dW, ref.dW, rtol=1e-9, atol=1e-11 * scale * C)
    assert_allclose(fast.db, ref.db, rtol=1e-9, atol=1e-11 * C)
    assert ev.accuracy == accuracy(W, b, X, y)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_evaluate_is_loss_terms_accuracy_and_per_sample_losses(tiny_blocks, loss):
    rng = np.random.default_rng(5)
    W, b, X, y = problem(rng, 50, 3, 4)
    ev = evaluate(W, b, X, y, reg=0.2, loss=loss)
    t = loss_terms(W, b, X, y, reg=0.2, loss=loss)
    assert ev.terms.total == pytest.approx(t.total, rel=1e-14)
    assert_allclose(ev.terms.dW, t.dW, rtol=1e-14)
    assert ev.accuracy == accuracy(W, b, X, y)
    S = X @ W + b
    per = per_sample_cross_entropy(S, y) if loss == "softmax" else per_sample_hinge(S, y)
    assert ev.losses.shape == (50,) and ev.losses.dtype == np.float64
    assert_allclose(ev.losses, per, rtol=1e-12, atol=1e-14)
    assert ev.terms.data == pytest.approx(per.mean(), rel=1e-12)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_accuracy_with_ties_takes_the_first_maximum(tiny_blocks, loss):
    # W = 0: every score ties; argmax is class 0, so accuracy = share of label 0
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = np.arange(40) % 4
    W, b = np.zeros((2, 4)), np.zeros(4)
    assert evaluate(W, b, X, y, loss=loss).accuracy == accuracy(W, b, X, y) == 0.25
    # classes 1 and 2 tie everywhere and beat the others: argmax is 1
    b = np.array([0.0, 3.0, 3.0, -1.0])
    assert evaluate(W, b, X, y, loss=loss).accuracy == accuracy(W, b, X, y) == 0.25
    # a tie only on some points (x1 = 0 exactly): argmax 1 there, else by the sign of x1
    X2 = np.array([[0.0, 1.0], [0.0, -2.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    W2 = np.array([[0.0, -1.0, 1.0], [0.0, 0.0, 0.0]])
    b2 = np.array([-5.0, 0.0, 0.0])
    for y2 in ([1, 2, 2, 1, 1], [2, 2, 2, 1, 2], [0, 1, 1, 2, 1]):
        assert evaluate(W2, b2, X2, y2, loss=loss).accuracy == accuracy(W2, b2, X2, y2)


def test_float32_stays_float32_and_huge_gaps_are_finite(tiny_blocks):
    X = np.array([[1e19]] * 5, dtype=np.float32)
    W = np.array([[3e19, -3e19]], dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    ev = evaluate(W, b, X, [1, 1, 0, 1, 0])
    assert ev.terms.dW.dtype == np.float32
    assert np.all(np.isfinite(ev.losses))
    assert ev.losses[0] == pytest.approx(6e38, rel=1e-6)
    assert ev.accuracy == 0.4


def test_overflow_falls_back_to_the_reference_and_its_errors(tiny_blocks):
    X = np.full((9, 2), 1e200)
    W = np.full((2, 3), 1e200)
    with pytest.raises(ValueError, match="scores X @ W \\+ b overflow"):
        evaluate(W, np.zeros(3), X, np.zeros(9, int))
    # per-sample losses of 1e308 whose sum overflows: the mean is still finite
    X = np.array([[5e153]] * 3)
    W = np.array([[1e154, -1e154]])
    ev = evaluate(W, np.zeros(2), X, [1, 1, 1])
    assert ev.terms.total == pytest.approx(1e308, rel=1e-12)
    assert_allclose(ev.losses, 1e308, rtol=1e-12)
    assert_allclose(ev.terms.db, [1.0, -1.0])
    assert ev.accuracy == 0.0


# -- remembered checks ---------------------------------------------------------------
def test_writable_arrays_are_always_checked():
    X = np.ones((5000, 2))
    y = np.zeros(5000, dtype=np.int64)
    W, b = np.zeros((2, 3)), np.zeros(3)
    loss_and_gradients(W, b, X, y)
    X[7, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        loss_and_gradients(W, b, X, y)
    X[7, 1] = 0.0
    y[3] = 3
    with pytest.raises(ValueError, match="out of range"):
        loss_and_gradients(W, b, X, y)


def test_read_only_arrays_are_checked_once():
    X = frozen(np.ones((5000, 2)))
    y = frozen(np.zeros(5000, dtype=np.int64))
    W, b = np.zeros((2, 3)), np.zeros(3)
    assert not _validate._checked(X, "finite")
    loss_and_gradients(W, b, X, y)
    assert _validate._checked(X, "finite")  # the next call skips the pass over X
    assert _validate._checked(y, ("labels", 3)) and not _validate._checked(y, ("labels", 2))
    small = frozen(np.ones((10, 2)))  # cheaper to check than to remember
    loss_and_gradients(W, b, small, np.zeros(10, dtype=np.int64))
    assert not _validate._checked(small, "finite")
    # a read-only view of a writable array may change: always checked
    base = np.ones((5000, 2))
    view = base[:]
    view.flags.writeable = False
    loss_and_gradients(W, b, view, y)
    assert not _validate._checked(view, "finite")
    base[0, 0] = np.inf
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        loss_and_gradients(W, b, view, y)
    # labels are remembered per number of classes
    with pytest.raises(ValueError, match="out of range"):
        loss_and_gradients(np.zeros((2, 1)), np.zeros(1), X, frozen(np.ones(5000, dtype=np.int64)))


def test_remembered_checks_do_not_keep_arrays_alive():
    import gc
    import weakref

    X = frozen(np.ones((5000, 2)))
    loss_and_gradients(np.zeros((2, 2)), np.zeros(2), X, np.zeros(5000, dtype=np.int64))
    ref = weakref.ref(X)
    del X
    gc.collect()
    assert ref() is None


def test_last_evaluation_is_reused_only_for_the_same_inputs():
    forget_evaluations()
    rng = np.random.default_rng(2)
    W, b, X, y = problem(rng, 6000, 2, 3)
    X, y = frozen(X), frozen(y)
    t1 = loss_terms(W, b, X, y, reg=0.1)
    t1.dW[0, 0] = 12345.0  # the caller owns what it got
    t2 = loss_terms(W.copy(), b.copy(), X, y, reg=0.1)
    assert t2.dW[0, 0] != 12345.0

    def afresh(W, X, reg=0.1):  # (writable data: never remembered)
        return loss_terms(W, b, np.array(X), np.array(y), reg=reg)

    assert_array_equal(t2.dW, afresh(W, X).dW)
    assert_allclose(t2.dW, core._loss_terms_reference(W, b, X, y, 0.1, "softmax").dW,
                    rtol=1e-14, atol=1e-15)
    # another W, reg, loss or X: computed afresh
    W2 = W.copy()
    W2[0, 0] = np.nextafter(W2[0, 0], 1.0)
    assert_array_equal(loss_terms(W2, b, X, y, reg=0.1).dW, afresh(W2, X).dW)
    assert loss_terms(W, b, X, y, reg=0.2).penalty == pytest.approx(0.2 * np.sum(W * W))
    assert loss_terms(W, b, X, y, reg=0.1, loss="svm").total == pytest.approx(
        core._loss_terms_reference(W, b, X, y, 0.1, "svm").total)
    X2 = frozen(np.array(X) + 1.0)
    assert loss_terms(W, b, X2, y, reg=0.1).total == pytest.approx(
        core._loss_terms_reference(W, b, X2, y, 0.1, "softmax").total)
    # writable data is never remembered
    forget_evaluations()
    Xw = np.array(X)
    loss_terms(W, b, Xw, y)
    assert core._last_evaluation is None


def test_full_batch_sgd_reuses_the_scene_evaluation_and_matches_a_plain_step():
    forget_evaluations()
    rng = np.random.default_rng(4)
    W, b, X, y = problem(rng, 6000, 2, 3)
    X, y = frozen(X), frozen(y)
    evaluate(W, b, X, y, reg=0.01)  # what the scene does after each tick
    opt = SGD(W, b, lr=0.5, reg=0.01)
    opt.step(X, y)
    _, dW, db = core._loss_and_gradients_unchecked(W, b, np.array(X), np.array(y), 0.01, "softmax")
    assert_allclose(opt.W, W - 0.5 * dW, rtol=1e-14)
    assert_allclose(opt.b, b - 0.5 * db, rtol=1e-14)


# -- decision regions ------------------------------------------------------------------
@pytest.mark.parametrize("C", [1, 2, 3, 7, 10])
def test_first_argmax_equals_numpy_argmax(C):
    rng = np.random.default_rng(C)
    S = rng.integers(-2, 3, size=(C, 500)).astype(float)  # many ties
    m = S.max(axis=0)
    labels = regions._first_argmax(S, m)
    assert labels.dtype == np.uint8
    assert_array_equal(labels, S.argmax(axis=0))


def test_region_image_alpha_within_one_level_of_float64():
    rng = np.random.default_rng(0)
    for C in (2, 3, 5, 10):
        W, b = rng.normal(size=(2, C)) * 2, rng.normal(size=C)
        xlim, ylim, g = (-4.0, 3.0), (-2.0, 5.0), 64
        img = region_image(W, b, xlim, ylim, g, alpha=(25, 120), boundaries=False)
        S = region_scores(W, b, xlim, ylim, g)
        P = np.exp(S - S.max(axis=0))
        conf = 1.0 / P.sum(axis=0)
        alpha = np.clip(np.rint(25 + 95 * (conf - 1 / C) * C / (C - 1)), 0, 255)
        assert np.max(np.abs(img[..., 3].ravel().astype(int) - alpha)) <= 1
        assert_array_equal(img[..., :3].reshape(-1, 3), DEFAULT_PALETTE[S.argmax(axis=0)])


def test_region_scores_overflow_check_matches_a_full_check():
    xs, ys = grid_centres((-1e10, 1e10), (-1.0, 1.0), 5)
    for W00 in (1e297, 1e298, 1e299, 1.7e298, -1.7e298):
        W = np.array([[W00, 0.0], [0.0, 1.0]])
        b = np.array([0.0, 1e308])
        with np.errstate(over="ignore", invalid="ignore"):
            full = (W[0][:, None, None] * xs[None, None, :] + W[1][:, None, None] * ys[None, :, None]
                    + b[:, None, None])
        if np.all(np.isfinite(full)):
            region_scores(W, b, (-1e10, 1e10), (-1.0, 1.0), 5)
        else:
            with pytest.raises(ValueError, match="overflow"):
                region_scores(W, b, (-1e10, 1e10), (-1.0, 1.0), 5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scores_by_blocks_equal_one_product(tiny_blocks, monkeypatch, dtype):
    from explorer.engine import compute_scores, predict

    monkeypatch.setattr(core, "_SERIAL_GEMM", 24)  # blocks of 3 rows (with tiny_blocks)
    rng = np.random.default_rng(8)
    W, b, X, _ = problem(rng, 20, 2, 4, dtype)
    S = compute_scores(W, b, X)
    assert S.shape == (20, 4) and S.dtype == dtype and S.flags["C_CONTIGUOUS"]
    # summed feature by feature, not by one product: equal up to rounding
    assert_allclose(S, X @ W + b, rtol=1e-6 if dtype == np.float32 else 1e-12,
                    atol=1e-6 if dtype == np.float32 else 1e-14)
    assert_array_equal(predict(W, b, X), (X @ W + b).argmax(axis=1))
    assert core._rows_per_block(4, 2) == 3


@pytest.mark.parametrize("dtype, classes, rows", [(np.float64, 2, 1 << 15), (np.float64, 3, 1 << 15),
                                                   (np.float64, 5, (1 << 17) // 5),
                                                   (np.float32, 1, 1 << 16), (np.float32, 3, (1 << 17) // 3)])
def test_blocks_of_few_classes_keep_their_per_sample_vectors_cache_sized(dtype, classes, rows):
    """A block holds at most 256 KiB per per-sample vector (32,768 float64 or 65,536
    float32 samples), however few scores that makes (1 - 3 classes); the pass over such
    blocks adds up to the whole-array reference."""
    n = 100_000
    itemsize = np.dtype(dtype).itemsize
    assert core._block_rows(n, classes, 2, itemsize) == rows
    assert core._block_rows(500, classes, 2, itemsize) == 500  # one block
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2)).astype(dtype)
    y = rng.integers(0, classes, n)
    W, b = rng.normal(size=(2, classes)).astype(dtype), rng.normal(size=classes).astype(dtype)
    ev = core.BlockedEvaluation(W, b, X, y, 0.0, "softmax")
    assert ev._bounds[0] == (0, rows) and len(ev._bounds) == -(-n // rows)
    while not ev.done:
        ev.advance(rows)
    ref = core._loss_terms_reference(W, b, X, y, 0.0, "softmax")
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert_allclose(ev.result.terms.total, ref.total, rtol=tol)
    assert_allclose(ev.result.terms.dW, ref.dW, rtol=tol, atol=tol)
    assert_allclose(ev.result.terms.db, ref.db, rtol=tol, atol=tol)


@settings(max_examples=150, deadline=None)
@given(classes=st.integers(1, 10**6), n=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1),
       float32=st.booleans())
def test_the_sum_of_logs_by_products_equals_the_sum_of_the_logs(classes, n, seed, float32):
    """Sums of exponentials lie in [1, C]: the logs of products of up to 64 of them add up
    to the sum of their logs (to rounding), and no product overflows, even with every
    value at C."""
    import math

    rng = np.random.default_rng(seed)
    k = core._log_chunk(classes)
    assert 1 <= k <= 64 and (classes < 2 or k * math.log(classes) <= 690)
    dtype = np.float32 if float32 else np.float64
    for v in (1.0 + rng.random(n) * (classes - 1), np.full(n, float(classes)), np.ones(n)):
        v = v.astype(dtype)
        exact = math.fsum(np.log(v.astype(np.float64)))
        got = core._sum_of_logs(v, k)
        assert math.isfinite(got)
        assert abs(got - exact) <= 1e-13 * abs(exact) + 4 * n * np.finfo(np.float64).eps


def test_the_sum_of_logs_passes_inf_and_nan_on():
    k = core._log_chunk(5)
    for bad in (np.inf, np.nan):
        for i in (0, 63, 64, 130):  # in a product of 64, and in the remainder
            v = np.full(131, 2.0)
            v[i] = bad
            with np.errstate(all="ignore"):
                got = core._sum_of_logs(v, k)
            assert (got == np.inf) if bad == np.inf else np.isnan(got)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pass_adds_up_the_same_loss_with_or_without_per_sample_losses(dtype):
    """The total of a pass (logs of products of the sums of exponentials) is the same
    number whether the per-sample losses are asked for or not, and equals their sum to
    rounding; one log per 64 samples when they are not asked for."""
    import math

    rng = np.random.default_rng(21)
    n = 70_000
    W, b, X, y = problem(rng, n, 2, 3, dtype=dtype)
    losses = np.empty(n)
    with np.errstate(all="ignore"):
        with_losses = core._fused_pass(W, b, X, y, "softmax", True, losses)
        without = core._fused_pass(W, b, X, y, "softmax", True)
    assert with_losses[0] == without[0]
    assert_array_equal(with_losses[1], without[1])
    assert abs(without[0] - math.fsum(losses)) <= 1e-12 * math.fsum(losses)
    with pytest.MonkeyPatch.context() as mp:
        counted = count_calls(mp, "log")
        with np.errstate(all="ignore"):
            core._fused_pass(W, b, X, y, "softmax", False)
    assert 0 < sum(counted) <= n // 64 + 64 * len(range(0, n, core._block_rows(n, 3, 2, X.dtype.itemsize)))


@pytest.mark.parametrize("classes", [1, 2, 5, 254, 255, 300])
def test_the_pass_counts_near_classes_as_count_nonzero_does(classes):
    """The pass counts the classes near each sample's best score as bytes (fewer than
    255 classes) or as count_nonzero does (more): the same counts, none wrapped around."""
    rng = np.random.default_rng(classes)
    for fill in (0.0, 0.5, 1.0):  # none, about half, every class near
        B = rng.random((classes, 300)) < fill
        counts = core._count_per_sample(B)
        assert_array_equal(counts, np.count_nonzero(B, axis=0))
        assert_array_equal(counts + 1, np.count_nonzero(B, axis=0) + 1)  # (svm adds the label)


@pytest.mark.parametrize("block", [1, 50, 1 << 16])
@pytest.mark.parametrize("names", [(), ("x1^2", "x1*x2", "sin(x2)")])
def test_region_image_by_blocks_equals_a_per_pixel_computation(monkeypatch, block, names):
    from explorer.engine import expand_features

    monkeypatch.setattr(regions, "_REGION_BLOCK", block)
    rng = np.random.default_rng(len(names) + block)
    C, g = 4, 23
    W, b = rng.normal(size=(2 + len(names), C)), rng.normal(size=C)
    xlim, ylim = (-3.0, 4.0), (-2.0, 2.5)
    img = region_image(W, b, xlim, ylim, g, features=names, alpha=(10, 250), boundaries=True,
                       boundary_rgba=(1, 2, 3, 4))
    xs, ys = grid_centres(xlim, ylim, g)
    xx, yy = np.meshgrid(xs, ys)
    S = expand_features(np.column_stack([xx.ravel(), yy.ravel()]), names) @ W + b
    labels = S.argmax(axis=1).reshape(g, g)
    edge = np.zeros((g, g), dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    assert_array_equal(img[~edge][:, :3], DEFAULT_PALETTE[labels[~edge]])
    assert_array_equal(img[edge], np.broadcast_to((1, 2, 3, 4), (edge.sum(), 4)))
    P = np.exp(S - S.max(axis=1, keepdims=True))
    conf = (1.0 / P.sum(axis=1)).reshape(g, g)
    alpha = np.rint(10 + 240 * (conf - 1 / C) * C / (C - 1))
    assert np.max(np.abs(img[..., 3][~edge].astype(int) - alpha[~edge])) <= 1


def test_region_image_errors_keep_their_order():
    lim = (-1.0, 1.0)
    bad_palette = np.zeros((2, 3), np.uint8)
    # an overflow of the scores is reported before bad options, with or without features
    with pytest.raises(ValueError, match="overflow"):
        region_image(np.full((2, 3), 1e308), np.zeros(3), (-1e10, 1e10), lim, 4, palette=bad_palette)
    with pytest.raises(ValueError, match="overflow"):
        region_image(np.full((3, 3), 1e308), np.zeros(3), (-1e10, 1e10), lim, 4, palette=bad_palette,
                     features=["x1^2"])
    with pytest.raises(ValueError, match="palette"):
        region_image(np.ones((3, 3)), np.zeros(3), lim, lim, 4, palette=bad_palette, features=["x1^2"])
    with pytest.raises(ValueError, match="alpha"):
        region_image(np.ones((3, 3)), np.zeros(3), lim, lim, 4, alpha=(0, 300), features=["x1^2"])


def test_region_image_of_one_class():
    img = region_image(np.ones((2, 1)), np.zeros(1), (-1.0, 1.0), (-1.0, 1.0), 5, alpha=(10, 200))
    assert_array_equal(img[..., 3], 200)
    assert_array_equal(img[..., :3], np.broadcast_to(DEFAULT_PALETTE[0], (5, 5, 3)))


def test_compute_scores_of_a_row_do_not_depend_on_the_other_rows():
    """A point's scores are bitwise the same computed alone or in a batch (every view agrees)."""
    rng = np.random.default_rng(7)
    for n, D, C in [(1, 2, 3), (50, 2, 5), (70_000, 4, 10)]:
        X, W, b = rng.normal(size=(n, D)), rng.normal(size=(D, C)), rng.normal(size=C)
        S = engine.compute_scores(W, b, X)
        np.testing.assert_allclose(S, X @ W + b, rtol=1e-12, atol=1e-12)
        for i in {0, n // 2, n - 1}:
            np.testing.assert_array_equal(engine.compute_scores(W, b, X[i:i + 1])[0], S[i])


# -- region_image: the separable confidence of raw features ------------------------------
def _region_reference(W, b, xlim, ylim, g, lo, hi):
    """Labels and alpha of every pixel, (g, g) each, from the full float64 score array.

    The scores are summed as ``region_scores`` documents them (``W[0] x + (W[1] y + b)``),
    so the argmax, ties included, is the first maximum of the very same float64 numbers.
    """
    C = W.shape[1]
    frac = (np.arange(g) + 0.5) / g
    xs = xlim[0] + frac * (xlim[1] - xlim[0])
    ys = ylim[0] + frac * (ylim[1] - ylim[0])
    S = W[0][:, None, None] * xs[None, None, :] + (W[1][:, None, None] * ys[None, :, None]
                                                    + b[:, None, None])  # (C, rows, cols)
    labels = S.argmax(axis=0)
    with np.errstate(under="ignore"):
        conf = 1.0 / np.exp(S - S.max(axis=0)).sum(axis=0)
    if C == 1:
        return labels, np.full((g, g), float(hi))
    return labels, np.clip(np.rint(lo + (hi - lo) * (conf - 1 / C) * C / (C - 1)), 0, 255)


def _edges(labels):
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return edge


def _check_region_image(W, b, xlim, ylim, g, lo=30, hi=220):
    labels, alpha = _region_reference(W, b, xlim, ylim, g, lo, hi)
    img = region_image(W, b, xlim, ylim, g, alpha=(lo, hi), boundaries=False)
    assert img.shape == (g, g, 4) and img.dtype == np.uint8 and img.flags["C_CONTIGUOUS"]
    assert_array_equal(img[..., :3], DEFAULT_PALETTE[labels])
    assert np.max(np.abs(img[..., 3].astype(int) - alpha)) <= 1
    # the old behaviour: labels of the float64 scores of region_scores, first maximum
    assert_array_equal(labels.ravel(), region_scores(W, b, xlim, ylim, g).argmax(axis=0))
    framed = region_image(W, b, xlim, ylim, g, alpha=(lo, hi), boundary_rgba=(1, 2, 3, 4))
    edge = _edges(labels)
    assert_array_equal(framed[edge], np.broadcast_to((1, 2, 3, 4), (edge.sum(), 4)))
    assert_array_equal(framed[~edge], img[~edge])
    return img


@pytest.fixture
def count_exact_confidence(monkeypatch):
    """How many pixels took the per-score exponentials (the separable path's fallback)."""
    calls = []
    exact = regions._exact_confidence

    def counted(S, m, Z):
        calls.append(S.shape[1])
        return exact(S, m, Z)

    monkeypatch.setattr(regions, "_exact_confidence", counted)
    return calls


def _magnitudes():
    """Floats of every size the overflow checks let through, of both signs, and zero."""
    return st.one_of(
        st.just(0.0),
        st.builds(lambda m, e: m * 10.0**e, st.floats(-9.99, 9.99), st.integers(-6, 100)),
        st.floats(-5, 5, allow_nan=False, allow_infinity=False),
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_region_image_equals_the_float64_reference_at_any_magnitude(data):
    C = data.draw(st.sampled_from([1, 2, 3, 5, 10]))
    g = data.draw(st.integers(1, 24))
    pool = data.draw(hnp.arrays(np.float64, (2, 3), elements=_magnitudes()))
    # columns drawn from a few candidates: repeated classes tie everywhere
    cols = data.draw(st.lists(st.integers(0, 2), min_size=C, max_size=C))
    W = pool[:, cols] * data.draw(hnp.arrays(np.float64, (1, C), elements=st.sampled_from([1.0, -1.0, 2.0])))
    b = data.draw(hnp.arrays(np.float64, (C,), elements=_magnitudes()))
    x0 = data.draw(st.floats(-1e6, 1e6))
    y0 = data.draw(st.floats(-1e6, 1e6))
    xlim = (x0, x0 + data.draw(st.floats(1e-3, 1e6)))
    ylim = (y0, y0 + data.draw(st.floats(1e-3, 1e6)))
    lo, hi = data.draw(st.integers(0, 255)), data.draw(st.integers(0, 255))
    if not (xlim[0] < xlim[1] and ylim[0] < ylim[1]):
        return
    try:
        region_scores(W, b, xlim, ylim, g)
    except ValueError as exc:  # scores beyond float64: rejected before any pixel
        assert "overflow" in str(exc)
        with pytest.raises(ValueError, match="overflow"):
            region_image(W, b, xlim, ylim, g)
        return
    block = data.draw(st.sampled_from([1, 40, regions._REGION_BLOCK]))
    old = regions._REGION_BLOCK
    regions._REGION_BLOCK = block
    try:
        _check_region_image(W, b, xlim, ylim, g, lo, hi)
    finally:
        regions._REGION_BLOCK = old


@pytest.mark.parametrize("C", [2, 3, 5, 10])
def test_region_image_separable_path_needs_no_per_score_exponentials(count_exact_confidence, C):
    rng = np.random.default_rng(C)
    W, b = rng.normal(size=(2, C)), rng.normal(size=C)
    _check_region_image(W, b, (-4.0, 3.0), (-2.0, 6.0), 61)
    assert count_exact_confidence == []


@pytest.mark.parametrize("scale, half_width, fallback",
                         [(10.0, 4.0, "some"), (1e6, 3e-5, "most"), (1e12, 3e-11, "all")])
def test_region_image_large_gaps_fall_back_to_per_score_exponentials(count_exact_confidence,
                                                                     scale, half_width, fallback):
    """Where exp(-D) would underflow, some pixels (or whole blocks, or all) take the exact path.

    The view is centred on a point where classes 0 and 1 tie, so that its alpha varies.
    """
    rng = np.random.default_rng(3)
    C, g = 5, 61
    W = rng.normal(size=(2, C)) * scale
    p = np.array([1.0, -0.5])
    b = -(p @ W) + np.array([0.0, 0.0, -1.0, -2.0, -3.0])
    lim = lambda centre: (centre - half_width, centre + half_width)  # noqa: E731
    img = _check_region_image(W, b, lim(p[0]), lim(p[1]), g)
    n_exact = sum(count_exact_confidence) / 2  # _check_region_image draws the image twice
    if fallback == "some":
        assert 0 < n_exact < g * g / 2
    elif fallback == "most":
        assert g * g / 2 < n_exact <= g * g
    else:  # scores beyond 2**30: no separable confidence at all
        assert n_exact == g * g
    assert np.unique(img[..., 3]).size > 20  # a wrong alpha would show


def test_region_image_alpha_of_huge_but_close_scores():
    """Large offsets with small differences: the confidence must not lose them."""
    W = np.array([[2e5, 2e5 + 1.0, 2e5 - 0.5], [-1e5, -1e5 + 0.25, -1e5 - 1.0]])
    b = np.array([3e8, 3e8 + 1.0, 3e8 - 2.0])
    _check_region_image(W, b, (-3.0, 3.0), (-2.0, 5.0), 40)
    _check_region_image(-W, -b, (-3.0, 3.0), (-2.0, 5.0), 40)
    # beyond 2**30 the separable exponents would be off by ~u * 1e15 = 0.2: per score
    _check_region_image(W, b + 1e15, (-3.0, 3.0), (-2.0, 5.0), 40)


def test_region_image_ties_take_the_first_class():
    W = np.array([[1.0, 1.0, -1.0, 1.0], [0.5, 0.5, 2.0, 0.5]])
    b = np.array([0.0, 0.0, 0.0, 0.0])
    img = _check_region_image(W, b, (-2.0, 2.0), (-1.0, 1.0), 17)
    colours = {tuple(c) for c in img[..., :3].reshape(-1, 3)}
    assert colours <= {tuple(DEFAULT_PALETTE[0]), tuple(DEFAULT_PALETTE[2])}


@pytest.mark.parametrize("alpha", [(0, 255), (255, 0), (77, 77), (200, 40)])
def test_region_image_alpha_ranges(alpha):
    rng = np.random.default_rng(11)
    W, b = rng.normal(size=(2, 4)) * 3, rng.normal(size=4)
    _check_region_image(W, b, (-1.0, 2.0), (-3.0, 3.0), 30, *alpha)


def test_region_image_scratch_arrays_do_not_leak_between_calls():
    rng = np.random.default_rng(5)
    calls = [(rng.normal(size=(2, C)), rng.normal(size=C), g) for C, g in [(3, 50), (10, 7), (2, 1), (5, 64)]]
    first = [region_image(W, b, (-2.0, 2.0), (-1.0, 3.0), g) for W, b, g in calls]
    again = [region_image(W, b, (-2.0, 2.0), (-1.0, 3.0), g) for W, b, g in reversed(calls)]
    for a, b_ in zip(first, reversed(again)):
        assert_array_equal(a, b_)
    assert not any(np.shares_memory(a, b_) for a in first for b_ in again)


# -- accuracy when scores tie up to rounding --------------------------------------
def test_accuracy_of_tied_scores_agrees_with_accuracy_despite_rounding():
    """Five equal columns of W: every score is the same number, but a BLAS product may
    round the classes differently. The first maximum (class 0) wins, as in ``accuracy``."""
    W = np.full((4, 5), 19.0)
    b = np.zeros(5)
    X = np.array([[1.63372953e-13, 1.0, 13.0, 13.0]])
    for label in range(5):
        y = np.array([label])
        expected = accuracy(W, b, X, y)
        assert expected == (1.0 if label == 0 else 0.0)
        assert evaluate(W, b, X, y).accuracy == expected
        assert evaluate(W, b, X, y, loss="svm").accuracy == expected


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_accuracy_of_near_ties_agrees_with_accuracy(data):
    """Columns of W equal or nearly equal (a few ulps apart), many rows: one pass's
    accuracy equals ``accuracy`` row for row, whatever the rounding of each product."""
    n = data.draw(st.integers(1, 3000), label="n")
    D = data.draw(st.integers(1, 5), label="D")
    C = data.draw(st.integers(2, 6), label="C")
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    scale = 10.0 ** data.draw(st.integers(-3, 8), label="log10 scale")
    col = rng.normal(size=(D, 1)) * scale
    ulps = rng.integers(-2, 3, size=(D, C))
    W = (col * (1 + ulps * np.finfo(dtype).eps)).astype(dtype)
    b = np.zeros(C, dtype=dtype)
    X = rng.normal(size=(n, D)).astype(dtype) * data.draw(st.sampled_from([1e-12, 1.0, 1e6]))
    y = rng.integers(0, C, size=n)
    for loss in ("softmax", "svm"):
        assert evaluate(W, b, X, y, loss=loss).accuracy == accuracy(W, b, X, y), loss


# -- an evaluation in steps ---------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_an_evaluation_in_steps_equals_one_evaluation(data):
    """Whole blocks per step, however many rows are asked for: the very same loss terms,
    accuracy and per-point losses as one ``evaluate``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(core, "_BLOCK_ENTRIES", data.draw(st.sampled_from([12, 60, 1 << 17])))
        mp.setattr(core, "_MIN_BLOCK", 3)
        seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        rng = np.random.default_rng(seed)
        n = data.draw(st.integers(1, 400), label="n")
        C = data.draw(st.integers(2, 6), label="C")
        loss = data.draw(st.sampled_from(["softmax", "svm"]), label="loss")
        reg = data.draw(st.sampled_from([0.0, 0.03]), label="reg")
        X = rng.normal(size=(n, 3)) * 3
        y = rng.integers(0, C, size=n)
        W = rng.normal(size=(3, C))
        W[:, 1] = W[:, 0]  # two classes tie everywhere: the first one wins
        b = rng.normal(size=C)
        b[1] = b[0]
        whole = evaluate(W, b, X, y, reg=reg, loss=loss)
        steps = core.BlockedEvaluation.in_steps(W, b, X, y, reg=reg, loss=loss)
        assert steps.result is None and not steps.done
        with pytest.raises(ValueError, match="not done"):
            steps.moved(X, [0])
        k = core._block_rows(n, C, 3)
        sizes = [min(k, n - start) for start in range(0, n, k)]  # the blocks' rows, in order
        evaluated = 0
        while True:
            rows = data.draw(st.integers(1, 97), label="rows")
            done = steps.advance(rows)
            # whole blocks: as many as the rows hold, at least one
            expected = sizes.pop(0)
            while sizes and expected + sizes[0] <= rows:
                expected += sizes.pop(0)
            assert steps.last_rows == expected
            evaluated += steps.last_rows
            if done:
                break
            assert steps.result is None
        assert evaluated == n and steps.done and steps.advance(5)
        assert_same_evaluation(steps.result, whole)


def test_an_evaluation_in_steps_that_overflows_raises_when_done():
    W = np.array([[2.0, -2.0], [2.0, -2.0]])
    X = np.zeros((3000, 2))
    X[2999] = 1e308
    steps = core.BlockedEvaluation.in_steps(W, np.zeros(2), X, np.zeros(3000, dtype=int))
    with pytest.raises(ValueError, match="overflow"):
        while not steps.advance(1000):
            pass


# -- an evaluation kept by blocks, after points move ----------------------------------
def assert_same_evaluation(got, want):
    """Bit for bit: the same loss terms, accuracy and per-point losses."""
    assert got.terms.total == want.terms.total
    assert got.terms.data == want.terms.data
    assert got.terms.penalty == want.terms.penalty
    assert_array_equal(got.terms.dW, want.terms.dW)
    assert_array_equal(got.terms.db, want.terms.db)
    assert got.accuracy == want.accuracy
    assert_array_equal(got.losses, want.losses)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_blocked_evaluation_after_moves_equals_a_fresh_evaluation(data):
    """Points moved one after another (a drag), some into ties or far away: each step
    equals a full ``evaluate`` of the moved points exactly, whatever the blocks."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(core, "_BLOCK_ENTRIES", data.draw(st.sampled_from([12, 60, 1 << 17])))
        mp.setattr(core, "_MIN_BLOCK", 3)
        moves_equal_fresh_evaluations(data)


def moves_equal_fresh_evaluations(data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    n = data.draw(st.integers(1, 300), label="n")
    C = data.draw(st.integers(1, 6), label="C")
    D = data.draw(st.integers(1, 4), label="D")
    loss = data.draw(st.sampled_from(["softmax", "svm"]), label="loss")
    reg = data.draw(st.sampled_from([0.0, 0.03]), label="reg")
    W, b, X, y = problem(rng, n, D, C)
    if C > 1:
        W[:, 1], b[1] = W[:, 0], b[0]  # two classes tie everywhere: the first one wins
    kept = core.BlockedEvaluation(W, b, X, y, reg=reg, loss=loss)
    assert_same_evaluation(kept.result, evaluate(W, b, X, y, reg=reg, loss=loss))
    for _ in range(data.draw(st.integers(1, 6), label="moves")):
        rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3), label="rows")
        X = X.copy()
        X[rows] = rng.normal(size=(len(rows), D)) * data.draw(st.sampled_from([0.0, 1.0, 1e3]))
        before = kept.result.losses.copy()
        kept = kept.moved(X, rows)
        assert_same_evaluation(kept.result, evaluate(W, b, X, y, reg=reg, loss=loss))
    assert kept.result.losses is not before  # (a new array: the last result is left as it was)


def test_a_blocked_evaluation_evaluates_only_the_blocks_of_the_moved_rows(monkeypatch):
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 3 * 100)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    rng = np.random.default_rng(5)
    W, b, X, y = problem(rng, 1000, 2, 3)
    kept = core.BlockedEvaluation(W, b, X, y)
    rows_seen = []
    fused = core._fused_pass
    monkeypatch.setattr(core, "_fused_pass", lambda W, b, X, *a: rows_seen.append(X.shape[0]) or
                        fused(W, b, X, *a))
    X = X.copy()
    X[[5, 950]] += 1.0
    moved = kept.moved(X, [950, 5, 5])
    assert rows_seen == [100, 100]  # two blocks of 100 rows out of ten
    assert_same_evaluation(moved.result, evaluate(W, b, X, y))


def test_a_blocked_evaluation_moved_into_overflow_raises_and_keeps_the_last_result():
    rng = np.random.default_rng(6)
    _, b, X, y = problem(rng, 50, 2, 3)
    W = np.array([[2.0, -2.0, 1.0], [2.0, -2.0, 1.0]])
    kept = core.BlockedEvaluation(W, b, X, y)
    last = kept.result.terms.total
    X2 = X.copy()
    X2[7] = (1e308, 1e308)
    with pytest.raises(ValueError, match="overflow"):
        kept.moved(X2, [7])
    X2[7] = (np.nan, 0.0)
    with pytest.raises(ValueError, match="finite|NaN"):
        kept.moved(X2, [7])
    assert kept.result.terms.total == last
    with pytest.raises(ValueError, match="shape"):
        kept.moved(X[:10], [7])
    with pytest.raises(ValueError, match="rows"):
        kept.moved(X, [50])


def test_a_blocked_evaluation_of_overflowing_sums_moves_by_full_passes(monkeypatch):
    """Scores whose loss sum overflows take the reference path: no blocks to reuse, and a
    move evaluates everything again, with the same result as ``evaluate``."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 12)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    W = np.array([[5e307, -5e307]])
    b = np.zeros(2)
    X = np.array([[1.0], [1.0], [-1.0], [0.5]])  # losses of ~1e308: their sum overflows
    y = np.array([1, 1, 0, 0])
    kept = core.BlockedEvaluation(W, b, X, y)
    assert kept._parts is None
    assert np.isfinite(kept.result.terms.total)
    assert_same_evaluation(kept.result, evaluate(W, b, X, y))
    X2 = X.copy()
    X2[3] = 0.25
    assert_same_evaluation(kept.moved(X2, [1]).result, evaluate(W, b, X2, y))


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_reweighted_evaluation_equals_a_fresh_evaluation(data):
    """New weights of one class after another (a weight, a bias, an arrow; into ties, far
    away, to the best score everywhere), some of two classes or none, between moves of
    points: each step equals a full ``evaluate`` exactly, whatever the blocks."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(core, "_BLOCK_ENTRIES", data.draw(st.sampled_from([12, 60, 1 << 17])))
        mp.setattr(core, "_MIN_BLOCK", 3)
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
        n = data.draw(st.integers(1, 300), label="n")
        C = data.draw(st.integers(1, 6), label="C")
        D = data.draw(st.integers(1, 4), label="D")
        dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
        loss = data.draw(st.sampled_from(["softmax", "softmax", "svm"]), label="loss")
        reg = data.draw(st.sampled_from([0.0, 0.03]), label="reg")
        W, b, X, y = problem(rng, n, D, C, dtype)
        kept = core.BlockedEvaluation(W, b, X, y, reg=reg, loss=loss, keep_exps=True)
        for _ in range(data.draw(st.integers(1, 8), label="edits")):
            kind = data.draw(st.sampled_from(["weight", "bias", "column", "tie", "two", "none",
                                              "move"]), label="edit")
            W, b = W.copy(), b.copy()
            j = data.draw(st.integers(0, C - 1), label="class")
            scale = data.draw(st.sampled_from([0.01, 1.0, 30.0]), label="scale")
            if kind == "weight":
                W[data.draw(st.integers(0, D - 1)), j] += scale * rng.normal()
            elif kind == "bias":
                b[j] += scale * rng.normal()
            elif kind == "column":  # the best score of every point
                W[:, j], b[j] = scale * rng.normal(size=D), 100.0
            elif kind == "tie" and C > 1:
                k = (j + 1) % C
                W[:, j], b[j] = W[:, k], b[k]
            elif kind == "two" and C > 1:
                W[:, [j, (j + 1) % C]] += scale * rng.normal(size=(D, 2))
            if kind == "move":
                X = X.copy()
                rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
                X[rows] = 2 * rng.normal(size=(len(rows), D))
                kept = kept.moved(X, rows)
            else:
                kept = kept.reweighted(W, b)
            assert_same_evaluation(kept.result, evaluate(W, b, X, y, reg=reg, loss=loss))


def test_an_edit_of_one_class_forms_only_its_exponentials_again(monkeypatch):
    """Reweighted with one class's weights changed: per block, that class's exponentials
    and those of the points whose best score moved, not the rest; two classes changed, or
    the exponentials not kept, or already passed on: one full pass."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 3 * 100)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    rng = np.random.default_rng(9)
    W, b, X, y = problem(rng, 1000, 2, 3)
    counted = []
    exp = np.exp

    def counting_exp(x, *args, **kwargs):
        counted.append(np.size(x))
        return exp(x, *args, **kwargs)

    kept = core.BlockedEvaluation(W, b, X, y, keep_exps=True)
    monkeypatch.setattr(core.np, "exp", counting_exp)
    W1, b1 = W.copy(), b.copy()
    W1[:, 2], b1[2] = (-100.0, 0.0), -1000.0  # class 3 far below the best score everywhere
    first = kept.reweighted(W1, b1)  # (points whose best score was class 3's: all of theirs)
    counted.clear()
    W2 = W1.copy()
    W2[1, 2] = 0.5  # still far below: no best score moves
    second = first.reweighted(W2, b1)
    assert sum(counted) == 1000  # one class's row of exponentials in each of ten blocks
    assert_same_evaluation(second.result, evaluate(W2, b1, X, y))
    counted.clear()
    again = first.reweighted(W2, b1)  # its exponentials went to ``second``: a full pass
    assert sum(counted) == 3000
    assert_same_evaluation(again.result, evaluate(W2, b1, X, y))
    W3 = W2.copy()
    W3[:, :2] += 0.1
    counted.clear()
    third = again.reweighted(W3, b1)
    assert sum(counted) == 3000  # two classes: a full pass
    assert_same_evaluation(third.result, evaluate(W3, b1, X, y))
    plain = core.BlockedEvaluation(W, b, X, y)
    counted.clear()
    fourth = plain.reweighted(W2, b1)
    assert sum(counted) == 3000  # not kept: a full pass
    assert_same_evaluation(fourth.result, evaluate(W2, b1, X, y))


def test_an_edit_of_one_class_reuses_what_depends_on_the_samples_alone(monkeypatch):
    """Reweighted with the exponentials kept: each block's flat label indices and largest
    |x| come from the pass before (no |X| formed again), and the result is exact."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 3 * 100)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    rng = np.random.default_rng(13)
    W, b, X, y = problem(rng, 1000, 2, 3)
    kept = core.BlockedEvaluation(W, b, X, y, keep_exps=True)
    before = [(f, x_max) for _, _, f, x_max in kept._exps]
    assert [x_max for _, x_max in before] == [float(np.abs(X[k:k + 100]).max())
                                              for k in range(0, 1000, 100)]
    abs_of_samples = []
    absolute = np.abs

    def counting_abs(x, *args, **kwargs):
        if np.ndim(x) == 2 and np.shape(x)[0] > 3:
            abs_of_samples.append(np.shape(x))
        return absolute(x, *args, **kwargs)

    monkeypatch.setattr(core.np, "abs", counting_abs)
    W2 = W.copy()
    W2[0, 1] += 0.5
    edited = kept.reweighted(W2, b)
    assert abs_of_samples == []
    assert all(f is f_before and x_max == x_before
               for (_, _, f, x_max), (f_before, x_before) in zip(edited._exps, before))
    assert_same_evaluation(edited.result, evaluate(W2, b, X, y))
    X2 = X.copy()
    X2[5] = (40.0, -3.0)  # a move: that block's own again
    moved = edited.moved(X2, [5])
    assert moved._exps[0][3] == 40.0 and moved._exps[0][2] is not before[0][0]
    assert_array_equal(moved._exps[0][2], before[0][0])
    W3 = W2.copy()
    W3[1, 2] -= 0.5
    assert_same_evaluation(moved.reweighted(W3, b).result, evaluate(W3, b, X2, y))


def test_kept_exponentials_pass_on_and_the_evaluation_left_behind_still_computes_exactly(
        monkeypatch):
    """``moved`` and ``reweighted`` pass the kept exponentials on (the next ``reweighted``
    forms them again in place): the evaluation they leave behind makes full passes, and
    is never computed from exponentials changed since (blocks a move left alone)."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 3 * 50)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    rng = np.random.default_rng(11)
    W, b, X, y = problem(rng, 200, 2, 3)
    kept = core.BlockedEvaluation(W, b, X, y, keep_exps=True)
    X2 = X.copy()
    X2[3] += 1.0
    moved = kept.moved(X2, [3])
    W2 = W.copy()
    W2[0, 1] += 2.0
    assert_same_evaluation(moved.reweighted(W2, b).result, evaluate(W2, b, X2, y))
    W3 = W.copy()
    W3[1, 2] -= 2.0  # another class than the edit after the move
    assert_same_evaluation(kept.reweighted(W3, b).result, evaluate(W3, b, X, y))
    assert_same_evaluation(moved.reweighted(W3, b).result, evaluate(W3, b, X2, y))


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_a_blocked_evaluation_forms_the_per_sample_losses_only_when_asked(monkeypatch, loss):
    """A blocked evaluation (fresh, reweighted, moved, in steps) takes no per-sample log:
    at most one per 64 samples and one per block, the loss's sum; its losses are formed
    when first asked for, one log each, then kept, bit for bit ``evaluate``'s. Evaluations
    left behind by a move or an edit still form their own."""
    monkeypatch.setattr(core, "_BLOCK_ENTRIES", 3 * 500)
    monkeypatch.setattr(core, "_MIN_BLOCK", 3)
    rng = np.random.default_rng(12)
    n = 2000
    W, b, X, y = problem(rng, n, 2, 3)
    log = np.log  # (the real one, for the references below)
    counted = count_calls(monkeypatch, "log")
    sum_logs = n // 64 + 64 * 4  # (4 blocks of 500)
    first = core.BlockedEvaluation(W, b, X, y, loss=loss, keep_exps=True)
    W2 = W.copy()
    W2[0, 1] += 0.5
    edited = first.reweighted(W2, b)
    X2 = X.copy()
    X2[[3, 1999]] += 1.0
    moved = edited.moved(X2, [3, 1999])
    steps = core.BlockedEvaluation.in_steps(W2, b, X2, y, loss=loss)
    while not steps.advance(700):
        pass
    assert sum(counted) <= 3 * sum_logs + 2 * (sum_logs // 2)  # (a move: two blocks)
    for ev, (Wk, Xk) in [(moved, (W2, X2)), (first, (W, X)), (edited, (W2, X)),
                         (steps, (W2, X2))]:
        counted.clear()
        losses = ev.losses
        assert sum(counted) == (n if loss == "softmax" else 0)
        with monkeypatch.context() as mp:
            mp.setattr(core.np, "log", log)
            want = evaluate(Wk, b, Xk, y, loss=loss)
        assert_array_equal(losses, want.losses)
        assert_same_evaluation(ev.result, want)
        counted.clear()
        assert ev.losses is losses and ev.result.losses is losses and not counted


def test_an_evaluation_whose_sums_overflow_forms_its_losses_by_the_reference():
    """Per-sample losses of ~1e308 (the sum overflows): no blocks, losses as ``evaluate``."""
    W = np.array([[5e307, -5e307]])
    X = np.array([[1.0], [1.0], [-1.0], [0.5]])
    y = np.array([1, 1, 0, 0])
    kept = core.BlockedEvaluation(W, np.zeros(2), X, y, keep_exps=True)
    assert kept._parts is None
    assert_array_equal(kept.losses, evaluate(W, np.zeros(2), X, y).losses)
    assert np.all(np.isfinite(kept.losses)) and kept.losses.max() > 1e307


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exponentials_again_are_formed_once_each(monkeypatch, dtype):
    """A reweighted pass forms the changed class's row of exponentials and, at the samples
    whose best score moved, the other classes' ones: each once (the changed row's moved
    samples are not formed twice), equal bit for bit to a whole pass's."""
    rng = np.random.default_rng(5)
    C, L, j = 5, 1000, 2
    S_old = (rng.normal(size=(C, L)) * 3).astype(dtype)
    m_old = S_old.max(axis=0)
    E_old = np.exp(S_old - m_old)
    S = S_old.copy()
    S[j] += (rng.normal(size=L) + 1.0).astype(dtype)
    m = S.max(axis=0)
    moved = int(np.count_nonzero(m != m_old))
    assert 0 < moved < L
    changed = np.zeros(C, dtype=bool)
    changed[j] = True

    class CountingNumPy:
        exps = 0

        def __getattr__(self, name):
            return getattr(np, name)

        def exp(self, x, *args, **kwargs):
            CountingNumPy.exps += np.size(x)
            return np.exp(x, *args, **kwargs)

    monkeypatch.setattr(core, "np", CountingNumPy())
    E = core._exps_again(S.copy(), m, changed, m_old, E_old.copy())
    assert CountingNumPy.exps == L + (C - 1) * moved
    monkeypatch.undo()
    assert_array_equal(E, np.exp(S - m))
    assert E.dtype == dtype


@given(st.lists(st.floats(-1e308, 1e308), min_size=1, max_size=20))
def test_the_shift_is_the_best_score_rounded_down_to_a_step(values):
    """``_shift``: a multiple of _SHIFT_STEP at most the best score and less than a step
    below it (no rounding in between: their difference rounds to a step at most), also
    for scores near the float64 range."""
    m = np.array(values)
    sh = core._shift(m)
    step = core._SHIFT_STEP
    assert sh.dtype == m.dtype
    assert np.all(sh <= m)
    underflow = (m < 0) & (m * (1 / step) == 0)  # (m / 8 rounds to -0: m is the shift)
    assert np.all(sh[underflow] == m[underflow])
    assert np.all((np.floor(sh / step) == sh / step) | underflow)
    small = np.abs(m) < 2.0**55  # (from 2**55 on, every float64 is a multiple of 8)
    assert np.all((m - sh)[small] <= step)
    assert np.all(sh[~small] == m[~small])  # (whole multiples of the step already)


def test_the_shift_passes_inf_and_nan_on():
    sh = core._shift(np.array([np.inf, -np.inf, np.nan, 3.5, -5e-324, -1e-300, -0.0]))
    assert sh[0] == np.inf and sh[1] == -np.inf and np.isnan(sh[2]) and sh[3] == 0.0
    assert sh[4] == -5e-324 and sh[5] == -8.0 and sh[6] == 0.0


def test_an_edit_of_the_leading_class_forms_few_exponentials_again(monkeypatch):
    """Where the edited class has the best score, its edit moves every such sample's
    best score, but its shift (the best score rounded down to a step of 8) at few of
    them: the other classes' exponentials are formed again only there; the evaluation is
    still a fresh one's bit for bit."""
    rng = np.random.default_rng(8)
    n, C, j = 20_000, 4, 1
    X = frozen(rng.normal(size=(n, 2)))
    y = frozen(rng.integers(0, C, n))
    W = rng.normal(size=(2, C)) * 0.3
    b = np.zeros(C)
    b[j] = 3.0  # class j leads at (nearly) every sample
    kept = core.BlockedEvaluation(W, b, X, y, keep_exps=True)
    leading = int(np.count_nonzero((X @ W + b).argmax(axis=1) == j))
    assert leading > 0.95 * n
    W2 = W.copy()
    W2[0, j] += 0.01
    counted = count_calls(monkeypatch, "exp")
    edited = kept.reweighted(W2, b)
    monkeypatch.undo()
    # the edited class's row, and the other classes' at the few samples whose shift moved
    assert n <= sum(counted) < n + (C - 1) * 0.05 * leading
    assert_same_evaluation(edited.result, evaluate(W2, b, X, y))


def test_confident_losses_are_never_below_zero():
    """A sample whose label leads by far has a loss of ~e**-gap: with the scores shifted by
    less than their best (a step below it at most), rounding could take it below zero;
    every per-sample loss and the mean stay >= 0, within 1e-15 of the exact ones."""
    rng = np.random.default_rng(9)
    n = 5000
    best = rng.uniform(-50.0, 50.0, n)  # the label's score, anywhere within its step
    S = np.column_stack([best, best - rng.uniform(40.0, 60.0, n)])
    X = frozen(np.column_stack([S[:, 0], S[:, 1]]))
    y = frozen(np.zeros(n, dtype=np.int64))
    W, b = np.eye(2), np.zeros(2)  # scores = X
    exact = np.log1p(np.exp(S[:, 1] - S[:, 0]))  # < e**-40
    result = evaluate(W, b, X, y)
    assert np.all(result.losses >= 0.0)
    assert_allclose(result.losses, exact, rtol=0, atol=1e-15)
    assert 0.0 <= result.terms.data <= 1e-15
    blocked = core.BlockedEvaluation(W, b, X, y, keep_exps=True)
    assert np.all(blocked.losses >= 0.0) and blocked.result.terms.data >= 0.0


def test_a_reweighted_evaluation_into_overflow_raises_as_evaluate_does():
    rng = np.random.default_rng(10)
    W, b, X, y = problem(rng, 50, 2, 3)
    kept = core.BlockedEvaluation(W, b, X, y, reg=0.01, keep_exps=True)
    big = W.copy()
    big[:, 1] = 1e306
    with pytest.raises(ValueError, match="overflow"):
        kept.reweighted(big, b)
    with pytest.raises(ValueError, match="shape"):
        kept.reweighted(W[:, :2], b[:2])
    W2 = W.copy()
    W2[0, 0] += 1.0
    assert_same_evaluation(kept.reweighted(W2, b).result, evaluate(W2, b, X, y, reg=0.01))
