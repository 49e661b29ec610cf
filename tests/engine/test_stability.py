"""Extreme logits (up to |score| = 1e300) and float32: finite, correct, silent.

pytest runs with ``filterwarnings = error``, so any NumPy overflow / invalid
warning fails these tests by itself.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import (
    SGD,
    cross_entropy,
    hinge_score_gradient,
    log_softmax,
    loss_and_gradients,
    multiclass_hinge,
    per_sample_cross_entropy,
    score_gradient,
    softmax,
    softmax_jacobian,
)

PROPS = settings(max_examples=150, deadline=None)
F32_MAX = float(np.finfo(np.float32).max)


# -- extreme float64 logits, exact expectations ---------------------------------
def test_softmax_of_plus_minus_1000():
    # e^-1000 and e^-2000 underflow to 0 in float64, so the answer is exact
    p = softmax([1000.0, 0.0, -1000.0])
    assert_allclose(p, [1.0, 0.0, 0.0], rtol=0, atol=1e-300)
    assert p[0] == 1.0


def test_softmax_of_plus_minus_1e300():
    p = softmax([1e300, -1e300])
    assert np.all(np.isfinite(p))
    assert_array_equal(p, [1.0, 0.0])
    P = softmax([[1e300, -1e300, 0.0], [-1e300, -1e300, -1e300], [1e300, 1e300, -1e300]])
    assert_allclose(P, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-15, atol=0)


def test_cross_entropy_at_1e300_is_finite_and_exact():
    # -log p_1 = 1e300 - (-1e300) + log(1 + e^-2e300 + e^-1e300) = 2e300; doubling
    # commutes with rounding in binary, so 2 * fl(1e300) == fl(2e300) exactly.
    loss = cross_entropy([1e300, -1e300, 0.0], 1)
    assert math.isfinite(loss)
    assert loss == 2e300
    assert cross_entropy([1e300, -1e300, 0.0], 0) == 0.0
    assert cross_entropy([1e300, -1e300, 0.0], 2) == 1e300
    # a batch whose per-sample losses are huge: the mean stays finite
    S = np.array([[1e300, -1e300], [-1e300, 1e300]] * 10)
    assert cross_entropy(S, np.zeros(20, dtype=int)) == pytest.approx(1e300, rel=1e-15)


def test_cross_entropy_whose_sum_would_overflow_has_a_finite_mean():
    # each sample's loss is ~1.6e308; their sum overflows float64, their mean does not
    S = np.array([[8e307, -8e307]] * 4)
    loss = cross_entropy(S, np.ones(4, dtype=int))
    assert math.isfinite(loss)
    assert loss == pytest.approx(1.6e308, rel=1e-15)


def test_log_softmax_at_extremes_is_finite():
    ls = log_softmax([1e300, -1e300, 0.0])
    assert np.all(np.isfinite(ls))
    assert_allclose(ls, [0.0, -2e300, -1e300], rtol=1e-15, atol=0)
    assert_allclose(log_softmax([1000.0, 0.0, -1000.0]), [0.0, -1000.0, -2000.0], rtol=1e-15)
    # log(1/2) where both scores are huge and equal
    assert_allclose(log_softmax([1e300, 1e300]), [-math.log(2)] * 2, rtol=1e-15)


def test_score_gradient_and_jacobian_at_extremes():
    g = score_gradient([1e300, -1e300, 0.0], 1)
    assert np.all(np.isfinite(g))
    assert_array_equal(g, [1.0, -1.0, 0.0])
    assert_array_equal(score_gradient([1e300, -1e300, 0.0], 0), [0.0, 0.0, 0.0])
    J = softmax_jacobian([1e300, -1e300, 0.0])
    assert_array_equal(J, np.zeros((3, 3)))
    J = softmax_jacobian([1e300, 1e300, -1e300])
    assert_allclose(J, [[0.25, -0.25, 0], [-0.25, 0.25, 0], [0, 0, 0]], rtol=1e-15, atol=0)


def test_hinge_at_extremes():
    # max(0, 1e300 - (-1e300) + 1) + max(0, 0 + 1e300 + 1)
    assert multiclass_hinge([1e300, -1e300, 0.0], 1) == pytest.approx(3e300, rel=1e-15)
    assert multiclass_hinge([1e300, -1e300, 0.0], 0) == 0.0
    assert_array_equal(hinge_score_gradient([1e300, -1e300, 0.0], 1), [1.0, -2.0, 1.0])


@pytest.mark.parametrize("loss_name", ["softmax", "svm"])
def test_loss_and_gradients_with_scores_near_1e300(loss_name):
    # x = 1e150, W = [1e150, -1e150]: scores [1e300, -1e300]
    X = np.array([[1e150]])
    W = np.array([[1e150, -1e150]])
    b = np.zeros(2)
    loss, dW, db = loss_and_gradients(W, b, X, [1], loss=loss_name)
    # softmax: 2e300 (see above); svm: max(0, 1e300 + 1e300 + 1) = 2e300
    assert loss == pytest.approx(2e300, rel=1e-15)
    # dL/ds = [1, -1] in both cases, so dW = x * [1, -1] and db = [1, -1]
    assert_allclose(dW, [[1e150, -1e150]], rtol=1e-15)
    assert_allclose(db, [1.0, -1.0], rtol=1e-15)
    loss, dW, db = loss_and_gradients(W, b, X, [0], loss=loss_name)
    assert loss == 0.0
    assert_array_equal(dW, [[0.0, 0.0]])
    assert_array_equal(db, [0.0, 0.0])


def test_loss_and_gradients_with_regularised_huge_weights():
    # powers of two keep every product and sum below exact
    a = 2.0 ** 490  # ~3e147; a * a = 2**980 ~ 1e295
    X = np.array([[a], [-a]])
    W = np.array([[a, -a]])
    b = np.array([0.0, 2.0 ** 981])
    # scores: [2**980, 2**980] (y=0) -> -log(1/2); [-2**980, 3 * 2**980] (y=1) -> 0
    # sum(W**2) = 2**981, so reg = 2**-980 adds a penalty of exactly 2
    loss, dW, db = loss_and_gradients(W, b, X, [0, 1], reg=2.0 ** -980)
    assert loss == pytest.approx(math.log(2) / 2 + 2.0, rel=1e-14)
    # dL/ds: [0.5 - 1, 0.5] and [0, 0] -> dW = a * [-0.5, 0.5] / 2 (+ 2 reg W ~ 2**-489)
    assert_allclose(dW, [[-0.25 * a, 0.25 * a]], rtol=1e-14)
    assert_allclose(db, [-0.25, 0.25], rtol=1e-15)
    # a larger reg: the penalty dominates the loss and 2 * reg * W joins dW
    loss, dW, db = loss_and_gradients(W, b, X, [0, 1], reg=1e-3)
    assert loss == pytest.approx(1e-3 * 2.0 ** 981, rel=1e-15)
    assert np.all(np.isfinite(dW)) and np.all(np.isfinite(db))
    assert_allclose(dW, [[-0.25 * a + 2e-3 * a, 0.25 * a - 2e-3 * a]], rtol=1e-14)
    assert_allclose(db, [-0.25, 0.25], rtol=1e-15)


@PROPS
@given(
    S=st.tuples(st.integers(1, 6), st.integers(1, 8)).flatmap(
        lambda shape: hnp.arrays(
            np.float64, shape, elements=st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
        )
    ),
    data=st.data(),
)
def test_everything_is_finite_up_to_1e300(S, data):
    N, C = S.shape
    y = data.draw(hnp.arrays(np.int64, (N,), elements=st.integers(0, C - 1)))
    assert np.all(np.isfinite(softmax(S)))
    assert np.all(np.isfinite(log_softmax(S)))
    assert math.isfinite(cross_entropy(S, y))
    assert math.isfinite(multiclass_hinge(S, y))
    assert np.all(np.isfinite(score_gradient(S, y)))
    assert np.all(np.isfinite(hinge_score_gradient(S, y)))
    assert np.all(np.isfinite(softmax_jacobian(S)))


@PROPS
@given(data=st.data())
def test_loss_and_gradients_finite_for_huge_scores(data):
    N = data.draw(st.integers(1, 8))
    D = data.draw(st.integers(1, 3))
    C = data.draw(st.integers(2, 6))
    big = st.floats(-1e100, 1e100, allow_nan=False, allow_infinity=False)
    W = data.draw(hnp.arrays(np.float64, (D, C), elements=big))
    X = data.draw(hnp.arrays(np.float64, (N, D), elements=big))
    # |X @ W| <= 3e200, so |scores| <= 1e300 + 3e200
    b = data.draw(hnp.arrays(np.float64, (C,), elements=st.floats(-1e300, 1e300)))
    y = data.draw(hnp.arrays(np.int64, (N,), elements=st.integers(0, C - 1)))
    reg = data.draw(st.sampled_from([0.0, 1.0]))
    for loss_name in ("softmax", "svm"):
        loss, dW, db = loss_and_gradients(W, b, X, y, reg=reg, loss=loss_name)
        assert math.isfinite(loss) and loss >= 0.0
        assert np.all(np.isfinite(dW)) and np.all(np.isfinite(db))
        if loss_name == "softmax":
            # db is the mean of p - onehot: entries in [-1, 1], summing to 0
            assert np.all(np.abs(db) <= 1.0)
            assert abs(db.sum()) <= 1e-14
        else:
            assert np.all(np.abs(db) <= C - 1)
            assert abs(db.sum()) <= 1e-12


# -- float32 --------------------------------------------------------------------
def test_float32_stays_float32():
    s = np.array([[3.2, 5.1, -1.7], [0.0, 1.0, -1.0]], dtype=np.float32)
    y = np.array([0, 2])
    s64 = s.astype(np.float64)
    p = softmax(s)
    assert p.dtype == np.float32
    e = np.exp(s64)
    assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-6, atol=1e-7)
    assert softmax(s, temperature=2.0).dtype == np.float32
    ls = log_softmax(s)
    assert ls.dtype == np.float32
    assert_allclose(ls, np.log(e / e.sum(axis=1, keepdims=True)), rtol=1e-6, atol=1e-6)
    assert log_softmax(s, temperature=0.5).dtype == np.float32
    g = score_gradient(s, y)
    assert g.dtype == np.float32
    assert score_gradient(s[0], 0).dtype == np.float32
    assert softmax_jacobian(s[0]).dtype == np.float32
    assert hinge_score_gradient(s, y).dtype == np.float32
    assert isinstance(cross_entropy(s, y), float)


def test_loss_and_gradients_float32():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 4)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    X = rng.normal(size=(10, 3)).astype(np.float32)
    y = rng.integers(0, 4, size=10)
    for loss_name in ("softmax", "svm"):
        loss, dW, db = loss_and_gradients(W, b, X, y, reg=0.1, loss=loss_name)
        assert dW.dtype == np.float32 and db.dtype == np.float32
        assert isinstance(loss, float)
        l64, dW64, db64 = loss_and_gradients(
            W.astype(np.float64), b.astype(np.float64), X.astype(np.float64), y, reg=0.1, loss=loss_name
        )
        assert loss == pytest.approx(l64, rel=1e-5)
        assert_allclose(dW, dW64, rtol=1e-4, atol=1e-5)
        assert_allclose(db, db64, rtol=1e-4, atol=1e-5)


def test_sgd_keeps_float32():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 2)).astype(np.float32)
    y = rng.integers(0, 3, size=12)
    opt = SGD(np.zeros((2, 3), np.float32), np.zeros(3, np.float32), lr=0.1, momentum=0.5,
              batch_size=5, rng=0)
    for _ in range(4):
        opt.step(X, y)
    assert opt.W.dtype == np.float32 and opt.b.dtype == np.float32


def test_float32_extremes():
    s = np.array([3e38, -3e38, 0.0], dtype=np.float32)
    p = softmax(s)
    assert p.dtype == np.float32
    assert_array_equal(p, [1.0, 0.0, 0.0])
    g = score_gradient(s, 1)
    assert g.dtype == np.float32
    assert_array_equal(g, [1.0, -1.0, 0.0])
    # the loss is reported in float64: 3e38 - (-3e38) = 6e38 > float32 max
    expected = 2 * float(np.float32(3e38))
    assert cross_entropy(s, 1) == pytest.approx(expected, rel=1e-15)
    assert per_sample_cross_entropy(s, 1).dtype == np.float64
    ls = log_softmax(s)
    assert ls.dtype == np.float32
    assert ls[0] == 0.0
    # the true log p_1 = -6e38 is below -float32 max: -inf is its float32 rounding
    assert ls[1] <= -F32_MAX
    assert ls[2] == pytest.approx(-3e38, rel=1e-6)


def test_loss_and_gradients_float32_with_huge_scores():
    X = np.array([[1e19]], dtype=np.float32)
    W = np.array([[3e19, -3e19]], dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    loss, dW, db = loss_and_gradients(W, b, X, [1])
    assert dW.dtype == np.float32 and db.dtype == np.float32
    assert math.isfinite(loss)
    assert loss == pytest.approx(6e38, rel=1e-6)
    assert_allclose(dW, [[1e19, -1e19]], rtol=1e-6)
    assert_array_equal(db, [1.0, -1.0])



def test_svm_loss_and_gradients_float32_with_huge_scores():
    # float32 scores [3e38, -3e38]: the hinge margin 6e38 + 1 exceeds float32 but
    # is a finite loss, reported in float64 like the softmax loss above and like
    # multiclass_hinge on the same scores
    X = np.array([[1e19]], dtype=np.float32)
    W = np.array([[3e19, -3e19]], dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    s0 = float(np.float32(1e19)) * float(np.float32(3e19))
    loss, dW, db = loss_and_gradients(W, b, X, [1], loss="svm")
    assert dW.dtype == np.float32 and db.dtype == np.float32
    assert math.isfinite(loss)
    assert loss == pytest.approx(2 * s0 + 1.0, rel=1e-6)
    # the margin term counts: dL/ds = [1, -1]
    assert_allclose(dW, [[1e19, -1e19]], rtol=1e-6)
    assert_array_equal(db, [1.0, -1.0])

@PROPS
@given(
    s=st.tuples(st.integers(1, 5), st.integers(1, 8)).flatmap(
        lambda shape: hnp.arrays(
            np.float32, shape, elements=st.floats(allow_nan=False, allow_infinity=False, width=32)
        )
    )
)
def test_float32_softmax_over_the_whole_float32_range(s):
    p = softmax(s)
    assert p.dtype == np.float32
    assert np.all(np.isfinite(p))
    assert np.all(p >= 0) and np.all(p <= 1)
    # C <= 8 float32 roundings
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=2e-6)
    ls = log_softmax(s)
    assert ls.dtype == np.float32
    assert np.all(ls <= 0)
    y = np.zeros(s.shape[0], dtype=int)
    assert math.isfinite(cross_entropy(s, y))
    g = score_gradient(s, y)
    assert g.dtype == np.float32 and np.all(np.isfinite(g))
