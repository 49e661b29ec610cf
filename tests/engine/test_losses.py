"""cross_entropy, multiclass_hinge, per-sample losses, loss_and_gradients values,
predict and accuracy, checked against hand computation and a decimal oracle."""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import (
    accuracy,
    compute_scores,
    cross_entropy,
    hinge_score_gradient,
    loss_and_gradients,
    multiclass_hinge,
    per_sample_cross_entropy,
    per_sample_hinge,
    predict,
    score_gradient,
)

EPS = np.finfo(np.float64).eps
PROPS = settings(max_examples=150, deadline=None)

# CS231n's three examples (cat, car, frog): scores and true labels
CS231N_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
CS231N_LABELS = np.array([0, 1, 2])


# -- independent references --------------------------------------------------
def decimal_cross_entropy_row(row, label):
    """-log p_label in 60-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = [Decimal(float(v)) for v in row]
        m = max(d)
        lse = sum((v - m).exp() for v in d).ln()
        return float(m - d[label] + lse)


def decimal_hinge_row(row, label, margin):
    with localcontext() as ctx:
        ctx.prec = 60
        d = [Decimal(float(v)) for v in row]
        mg = Decimal(float(margin))
        total = sum(max(Decimal(0), d[j] - d[label] + mg) for j in range(len(d)) if j != label)
        return float(total)


def naive_cross_entropy(S, y):
    """Textbook -log(exp(s_y) / sum exp(s)) for moderate scores."""
    return np.mean([-math.log(math.exp(S[i, y[i]]) / math.fsum(math.exp(v) for v in S[i]))
                    for i in range(S.shape[0])])


def loop_hinge(S, y, margin=1.0):
    total = 0.0
    for i in range(S.shape[0]):
        for j in range(S.shape[1]):
            if j != y[i]:
                total += max(0.0, S[i, j] - S[i, y[i]] + margin)
    return total / S.shape[0]


@st.composite
def scores_and_labels(draw, bound, max_rows=6, max_classes=8):
    n = draw(st.integers(1, max_rows))
    C = draw(st.integers(1, max_classes))
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    S = draw(hnp.arrays(np.float64, (n, C), elements=elements))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, C - 1)))
    return S, y


# -- cross-entropy by hand ---------------------------------------------------------
def test_cross_entropy_three_class_example_by_hand():
    s = [3.2, 5.1, -1.7]
    p0 = math.exp(3.2) / (math.exp(3.2) + math.exp(5.1) + math.exp(-1.7))
    loss = cross_entropy(s, 0)
    assert isinstance(loss, float)
    assert loss == pytest.approx(-math.log(p0), rel=1e-14)
    assert loss == pytest.approx(2.04, abs=0.005)


def test_cross_entropy_is_the_mean_over_samples():
    expected = [decimal_cross_entropy_row(r, l) for r, l in zip(CS231N_SCORES, CS231N_LABELS)]
    per = per_sample_cross_entropy(CS231N_SCORES, CS231N_LABELS)
    assert per.shape == (3,)
    assert_allclose(per, expected, rtol=1e-14)
    assert cross_entropy(CS231N_SCORES, CS231N_LABELS) == pytest.approx(
        math.fsum(expected) / 3, rel=1e-14)
    assert cross_entropy(CS231N_SCORES, CS231N_LABELS) == pytest.approx(
        naive_cross_entropy(CS231N_SCORES, CS231N_LABELS), rel=1e-13)


def test_single_vector_is_one_sample():
    s = np.array([0.5, -1.0, 2.0, 0.0])
    for label in range(4):
        assert cross_entropy(s, label) == pytest.approx(cross_entropy(s[None], [label]), rel=1e-15)
        assert per_sample_cross_entropy(s, label).shape == (1,)
    # numpy integer scalars and integral floats are labels too
    assert cross_entropy(s, np.int32(2)) == pytest.approx(cross_entropy(s, 2), rel=0)
    assert cross_entropy(s, 2.0) == pytest.approx(cross_entropy(s, 2), rel=0)


def test_two_class_cross_entropy_is_logistic_loss():
    for a, b, y in [(2.0, -1.0, 0), (2.0, -1.0, 1), (-0.3, 0.4, 0)]:
        d = a - b if y == 0 else b - a
        assert cross_entropy([a, b], y) == pytest.approx(math.log1p(math.exp(-d)), rel=1e-13)


def test_uniform_scores_give_log_c():
    for C in (2, 3, 10):
        assert cross_entropy(np.zeros((5, C)), np.arange(5) % C) == pytest.approx(math.log(C), rel=1e-15)


def test_score_gradient_by_hand():
    s = [3.2, 5.1, -1.7]
    e = [math.exp(v) for v in s]
    p = [v / math.fsum(e) for v in e]
    g = score_gradient(s, 0)
    assert g.shape == (3,)
    assert_allclose(g, [p[0] - 1, p[1], p[2]], rtol=1e-13, atol=1e-16)
    G = score_gradient(CS231N_SCORES, CS231N_LABELS)
    assert G.shape == (3, 3)
    for i in range(3):
        e = np.exp(CS231N_SCORES[i])
        expected = e / e.sum()
        expected[CS231N_LABELS[i]] -= 1.0
        assert_allclose(G[i], expected, rtol=1e-13, atol=1e-15)


# -- hinge by hand -------------------------------------------------------------------
def test_hinge_cs231n_examples_by_hand():
    # cat: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0
    assert multiclass_hinge([3.2, 5.1, -1.7], 0) == pytest.approx(2.9, rel=1e-14)
    # car: max(0, 1.3 - 4.9 + 1) + max(0, 2.0 - 4.9 + 1) = 0
    assert multiclass_hinge([1.3, 4.9, 2.0], 1) == 0.0
    # frog: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9
    assert multiclass_hinge([2.2, 2.5, -3.1], 2) == pytest.approx(12.9, rel=1e-14)
    per = per_sample_hinge(CS231N_SCORES, CS231N_LABELS)
    assert_allclose(per, [2.9, 0.0, 12.9], rtol=1e-14, atol=1e-15)
    assert multiclass_hinge(CS231N_SCORES, CS231N_LABELS) == pytest.approx(15.8 / 3, rel=1e-14)


def test_hinge_margin_parameter():
    s = [3.2, 5.1, -1.7]
    # margin 0: only 5.1 - 3.2 = 1.9 counts
    assert multiclass_hinge(s, 0, margin=0.0) == pytest.approx(1.9, rel=1e-14)
    # margin 5: (5.1 - 3.2 + 5) + (-1.7 - 3.2 + 5) = 6.9 + 0.1
    assert multiclass_hinge(s, 0, margin=5.0) == pytest.approx(7.0, rel=1e-13)
    # the correct class wins by more than the margin: zero loss
    assert multiclass_hinge([10.0, 0.0, 0.0], 0) == 0.0


def test_hinge_score_gradient_by_hand():
    # cat: margins (5.1 - 3.2 + 1 = 2.9 > 0, -3.9 < 0) -> [-1, 1, 0]
    assert_array_equal(hinge_score_gradient([3.2, 5.1, -1.7], 0), [-1.0, 1.0, 0.0])
    # frog: both margins positive -> [1, 1, -2]
    assert_array_equal(hinge_score_gradient([2.2, 2.5, -3.1], 2), [1.0, 1.0, -2.0])
    # a margin of exactly 0 does not count (strictly positive rule)
    assert_array_equal(hinge_score_gradient([1.0, 0.0], 0), [0.0, 0.0])
    assert_array_equal(hinge_score_gradient([0.0, 1.0, 0.0], 1), [0.0, 0.0, 0.0])


# -- properties ----------------------------------------------------------------------
@PROPS
@given(data=scores_and_labels(1e300))
def test_cross_entropy_nonnegative_and_matches_oracle(data):
    S, y = data
    per = per_sample_cross_entropy(S, y)
    assert per.shape == y.shape
    assert np.all(np.isfinite(per)) and np.all(per >= 0.0)
    # (max - s_y) carries a relative error of eps, the log-sum-exp term an
    # absolute error of a few eps * C.
    expected = [decimal_cross_entropy_row(r, l) for r, l in zip(S, y)]
    assert_allclose(per, expected, rtol=1e-12, atol=1e-13)
    loss = cross_entropy(S, y)
    assert isinstance(loss, float) and math.isfinite(loss) and loss >= 0.0
    assert loss == pytest.approx(math.fsum(expected) / len(expected), rel=1e-12, abs=1e-13)


@PROPS
@given(data=scores_and_labels(1e300), margin=st.sampled_from([0.0, 1.0, 2.5]))
def test_hinge_nonnegative_and_matches_oracle(data, margin):
    S, y = data
    per = per_sample_hinge(S, y, margin=margin)
    assert per.shape == y.shape
    assert np.all(np.isfinite(per)) and np.all(per >= 0.0)
    expected = np.array([decimal_hinge_row(r, l, margin) for r, l in zip(S, y)])
    # each of the C - 1 terms s_j - s_y + margin is formed with two roundings
    # of size eps * (|s_j| + |s_y| + margin); the sum adds C more.
    C = S.shape[1]
    atol = 4 * C * EPS * (2 * np.abs(S).max() + margin)
    assert_allclose(per, expected, rtol=4 * C * EPS, atol=atol)
    loss = multiclass_hinge(S, y, margin=margin)
    assert math.isfinite(loss) and loss >= 0.0


# -- loss_and_gradients values ---------------------------------------------------------
def _model(rng, D, C, N):
    W = rng.normal(size=(D, C))
    b = rng.normal(size=C)
    X = rng.normal(scale=2.0, size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, b, X, y


@pytest.mark.parametrize("reg", [0.0, 0.1, 2.0])
@pytest.mark.parametrize("seed", range(4))
def test_loss_and_gradients_softmax_value_and_formula(seed, reg):
    rng = np.random.default_rng(seed)
    D, C, N = rng.integers(1, 6), rng.integers(2, 7), rng.integers(1, 21)
    W, b, X, y = _model(rng, D, C, N)
    loss, dW, db = loss_and_gradients(W, b, X, y, reg=reg)
    S = X @ W + b
    expected = naive_cross_entropy(S, y) + reg * np.sum(W ** 2)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-12)
    # the closed form of DESIGN.md, built from scratch
    E = np.exp(S)
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros((N, C))
    Y[np.arange(N), y] = 1.0
    assert dW.shape == (D, C) and db.shape == (C,)
    assert_allclose(dW, X.T @ (P - Y) / N + 2 * reg * W, rtol=1e-11, atol=1e-14)
    assert_allclose(db, (P - Y).mean(axis=0), rtol=1e-11, atol=1e-14)
    # and as a sum of per-sample outer products outer(x_i, p_i - onehot(y_i))
    outer_sum = sum(np.outer(X[i], P[i] - Y[i]) for i in range(N)) / N
    assert_allclose(dW - 2 * reg * W, outer_sum, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("reg", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(4))
def test_loss_and_gradients_svm_value_and_formula(seed, reg):
    rng = np.random.default_rng(100 + seed)
    D, C, N = rng.integers(1, 6), rng.integers(2, 7), rng.integers(1, 21)
    W, b, X, y = _model(rng, D, C, N)
    loss, dW, db = loss_and_gradients(W, b, X, y, reg=reg, loss="svm")
    S = X @ W + b
    assert loss == pytest.approx(loop_hinge(S, y) + reg * np.sum(W ** 2), rel=1e-12)
    G = np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j != y[i] and S[i, j] - S[i, y[i]] + 1.0 > 0:
                G[i, j] += 1.0
                G[i, y[i]] -= 1.0
    assert_allclose(dW, X.T @ G / N + 2 * reg * W, rtol=1e-12, atol=1e-14)
    assert_allclose(db, G.mean(axis=0), rtol=1e-12, atol=1e-15)


def test_bias_is_not_regularised():
    rng = np.random.default_rng(7)
    W, b, X, y = _model(rng, 3, 4, 10)
    b = b * 100.0
    for loss_name in ("softmax", "svm"):
        l0, dW0, db0 = loss_and_gradients(W, b, X, y, reg=0.0, loss=loss_name)
        l1, dW1, db1 = loss_and_gradients(W, b, X, y, reg=0.7, loss=loss_name)
        assert l1 - l0 == pytest.approx(0.7 * np.sum(W ** 2), rel=1e-12)
        assert_allclose(dW1 - dW0, 1.4 * W, rtol=1e-12, atol=1e-14)
        assert_array_equal(db1, db0)


def test_loss_and_gradients_does_not_modify_inputs():
    rng = np.random.default_rng(8)
    W, b, X, y = _model(rng, 2, 3, 6)
    copies = [a.copy() for a in (W, b, X, y)]
    for loss_name in ("softmax", "svm"):
        loss_and_gradients(W, b, X, y, reg=0.3, loss=loss_name)
    for a, c in zip((W, b, X, y), copies):
        assert_array_equal(a, c)


def test_compute_scores_predict_accuracy_by_hand():
    W = np.array([[1.0, -1.0, 0.0], [0.0, 2.0, -1.0]])
    b = np.array([0.5, 0.0, -0.5])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-2.0, -3.0], [0.0, 0.0]])
    # rows: [1.5, -1, -.5], [0.5, 2, -1.5], [-1.5, -4, 2.5], [0.5, 0, -0.5]
    expected_S = np.array([[1.5, -1.0, -0.5], [0.5, 2.0, -1.5], [-1.5, -4.0, 2.5], [0.5, 0.0, -0.5]])
    assert_allclose(compute_scores(W, b, X), expected_S, rtol=0, atol=1e-15)
    assert_array_equal(predict(W, b, X), [0, 1, 2, 0])
    assert accuracy(W, b, X, [0, 1, 2, 0]) == 1.0
    assert accuracy(W, b, X, [0, 1, 2, 1]) == 0.75
    assert accuracy(W, b, X, [1, 0, 0, 1]) == 0.0
