"""Every gradient against central finite differences (float64, h = 1e-6).

The relative error is normwise, ||analytic - numeric|| / max(||analytic||,
||numeric||): central differences carry an absolute error of about
eps * |f| / h ~ 1e-9 here, so elementwise relative errors of tiny entries
would measure round-off, not the gradient.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from explorer.engine import (
    cross_entropy,
    hinge_score_gradient,
    loss_and_gradients,
    multiclass_hinge,
    score_gradient,
    softmax,
    softmax_jacobian,
)

H = 1e-6
SVM_KINK_CLEARANCE = 1e-3


def central_diff(f, x, h=H):
    """d f / d x by central differences; f maps a float64 array to a float or array."""
    x = np.array(x, dtype=np.float64)  # a private copy that we perturb in place
    out = None
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        fp = np.asarray(f(x.copy()), dtype=np.float64)
        x[idx] = old - h
        fm = np.asarray(f(x.copy()), dtype=np.float64)
        x[idx] = old
        if out is None:
            out = np.zeros(x.shape + fp.shape)
        out[idx] = (fp - fm) / (2 * h)
    return out


def rel_error(analytic, numeric):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    assert scale > 1e-6, "degenerate test data: the gradient is (almost) zero"
    return np.linalg.norm(analytic - numeric) / scale


def random_shapes(count, seed):
    rng = np.random.default_rng(seed)
    shapes = {(1, 2, 1), (5, 6, 20), (1, 6, 20), (5, 2, 1)}
    while len(shapes) < count:
        shapes.add((int(rng.integers(1, 6)), int(rng.integers(2, 7)), int(rng.integers(1, 21))))
    return sorted(shapes)


SHAPES = random_shapes(10, seed=2024)


def make_problem(rng, D, C, N):
    W = rng.normal(size=(D, C))
    b = rng.normal(scale=0.5, size=C)
    X = rng.normal(scale=1.5, size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, b, X, y


def svm_margins(W, b, X, y):
    """s_j - s_y + 1 for j != y_i (the true-class entries are dropped)."""
    S = X @ W + b
    M = S - S[np.arange(len(y)), y][:, None] + 1.0
    keep = np.ones_like(M, dtype=bool)
    keep[np.arange(len(y)), y] = False
    return M[keep]


def make_svm_problem(rng, D, C, N):
    """Random data whose hinge margins stay clear of their kinks under +-h steps."""
    for _ in range(1000):
        W, b, X, y = make_problem(rng, D, C, N)
        M = svm_margins(W, b, X, y)
        # a step of h in one entry of W or b moves a margin by at most 2 h max|x|
        if np.min(np.abs(M)) > SVM_KINK_CLEARANCE and (M > 0).any():
            return W, b, X, y
    raise AssertionError("could not draw svm data away from the kinks")


def check_loss_and_gradients(W, b, X, y, reg, loss):
    _, dW, db = loss_and_gradients(W, b, X, y, reg=reg, loss=loss)
    num_dW = central_diff(lambda w: loss_and_gradients(w, b, X, y, reg=reg, loss=loss)[0], W)
    num_db = central_diff(lambda c: loss_and_gradients(W, c, X, y, reg=reg, loss=loss)[0], b)
    assert dW.shape == W.shape and db.shape == b.shape
    assert rel_error(dW, num_dW) < 1e-6
    assert_allclose(dW, num_dW, rtol=1e-5, atol=1e-8)
    if loss == "svm" and not np.any(db):
        # db can vanish when the active margins cancel; then FD must agree exactly-ish
        assert_allclose(num_db, 0.0, atol=1e-8)
    else:
        assert rel_error(db, num_db) < 1e-6
        assert_allclose(db, num_db, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("reg", [0.0, 0.25])
@pytest.mark.parametrize("D,C,N", SHAPES)
def test_softmax_loss_gradients_match_finite_differences(D, C, N, reg):
    rng = np.random.default_rng([D, C, N, 1])
    W, b, X, y = make_problem(rng, D, C, N)
    check_loss_and_gradients(W, b, X, y, reg, "softmax")


@pytest.mark.parametrize("reg", [0.0, 0.25])
@pytest.mark.parametrize("D,C,N", SHAPES)
def test_svm_loss_gradients_match_finite_differences(D, C, N, reg):
    rng = np.random.default_rng([D, C, N, 2])
    W, b, X, y = make_svm_problem(rng, D, C, N)
    # explicitly: no margin is within reach of a kink for any FD step
    M = svm_margins(W, b, X, y)
    assert np.min(np.abs(M)) > SVM_KINK_CLEARANCE
    assert 2 * H * max(np.abs(X).max(), 1.0) < SVM_KINK_CLEARANCE
    check_loss_and_gradients(W, b, X, y, reg, "svm")


@pytest.mark.parametrize("seed", range(5))
def test_score_gradient_matches_finite_differences_per_sample(seed):
    rng = np.random.default_rng(seed)
    N, C = int(rng.integers(1, 8)), int(rng.integers(2, 7))
    S = rng.normal(scale=3.0, size=(N, C))
    y = rng.integers(0, C, size=N)
    G = score_gradient(S, y)
    assert G.shape == S.shape
    for i in range(N):
        num = central_diff(lambda s: cross_entropy(s, int(y[i])), S[i])
        assert rel_error(G[i], num) < 1e-6
        assert_allclose(G[i], num, rtol=1e-5, atol=1e-9)
        assert_allclose(score_gradient(S[i], int(y[i])), G[i], rtol=1e-15, atol=0)
    # per-sample, not averaged: the gradient of the MEAN loss is G / N
    num_mean = central_diff(lambda s: cross_entropy(s, y), S)
    assert rel_error(G / N, num_mean) < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_softmax_jacobian_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    C = int(rng.integers(2, 8))
    s = rng.normal(scale=2.0, size=C)
    J = softmax_jacobian(s)
    # central_diff stacks d softmax / d s_j along the first axis: num[j, i] = dp_i/ds_j
    num = central_diff(softmax, s).T
    assert J.shape == (C, C)
    assert rel_error(J, num) < 1e-6
    assert_allclose(J, num, rtol=1e-5, atol=1e-9)


def test_batch_jacobian_matches_finite_differences():
    rng = np.random.default_rng(11)
    S = rng.normal(scale=2.0, size=(3, 4))
    J = softmax_jacobian(S)
    for i in range(3):
        num = central_diff(softmax, S[i]).T
        assert rel_error(J[i], num) < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_hinge_score_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        N, C = int(rng.integers(1, 8)), int(rng.integers(2, 7))
        S = rng.normal(scale=2.0, size=(N, C))
        y = rng.integers(0, C, size=N)
        M = S - S[np.arange(N), y][:, None] + 1.0
        M[np.arange(N), y] = np.inf
        if np.min(np.abs(M)) > SVM_KINK_CLEARANCE and (M[np.isfinite(M)] > 0).any():
            break
    else:
        raise AssertionError("could not draw scores away from the hinge kinks")
    G = hinge_score_gradient(S, y)
    assert G.shape == S.shape
    for i in range(N):
        num = central_diff(lambda s: multiclass_hinge(s, int(y[i])), S[i])
        assert_allclose(G[i], num, rtol=0, atol=1e-8)


@settings(max_examples=150, deadline=None)
@given(
    S=st.tuples(st.integers(1, 6), st.integers(1, 8)).flatmap(
        lambda shape: hnp.arrays(
            np.float64, shape, elements=st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
        )
    ),
    data=st.data(),
)
def test_score_gradient_rows_sum_to_zero(S, data):
    N, C = S.shape
    y = data.draw(hnp.arrays(np.int64, (N,), elements=st.integers(0, C - 1)))
    G = score_gradient(S, y)
    assert G.shape == S.shape
    assert np.all(np.isfinite(G))
    assert_allclose(G.sum(axis=1), 0.0, rtol=0, atol=1e-14)
    rows = np.arange(N)
    assert np.all(G[rows, y] >= -1.0) and np.all(G[rows, y] <= 0.0)
    others = np.ones_like(G, dtype=bool)
    others[rows, y] = False
    assert np.all(G[others] >= 0.0) and np.all(G[others] <= 1.0)
