"""point_gradients and gradient_check against independent computations.

The expected values are computed here from scratch (a plain-Python softmax
and hinge, np.outer, our own central differences), never with the engine
function under test.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from explorer.engine import gradient_check, loss_terms, point_gradients

H = 1e-6


# -- independent references ----------------------------------------------------
def ref_scores(W, b, x):
    return np.array([sum(x[d] * W[d, j] for d in range(len(x))) + b[j] for j in range(W.shape[1])])


def ref_softmax(s):
    m = max(s)
    e = [math.exp(v - m) for v in s]
    total = sum(e)
    return np.array([v / total for v in e])


def ref_point_loss(W, b, x, y, loss):
    s = ref_scores(W, b, x)
    if loss == "softmax":
        m = max(s)
        return m - s[y] + math.log(sum(math.exp(v - m) for v in s))
    return sum(max(0.0, s[j] - s[y] + 1.0) for j in range(len(s)) if j != y)


def ref_batch_loss(W, b, X, y, reg, loss):
    data = sum(ref_point_loss(W, b, X[i], int(y[i]), loss) for i in range(X.shape[0])) / X.shape[0]
    return data + reg * float(np.sum(W * W))


def central_diff(f, A):
    A = np.array(A, dtype=np.float64)
    out = np.empty_like(A)
    for idx in np.ndindex(A.shape):
        old = A[idx]
        A[idx] = old + H
        fp = f(A)
        A[idx] = old - H
        fm = f(A)
        A[idx] = old
        out[idx] = (fp - fm) / (2 * H)
    return out


def rel_error(a, n):
    a, n = np.ravel(a), np.ravel(n)
    return np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300)


def random_point(seed, D=4, C=5):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(D, C))
    b = rng.normal(size=C)
    x = rng.normal(size=D) * 2
    y = int(rng.integers(C))
    return W, b, x, y


def clear_of_kinks(W, b, x, y, clearance=1e-3):
    s = ref_scores(W, b, x)
    return all(abs(s[j] - s[y] + 1.0) > clearance for j in range(len(s)) if j != y)


# -- point_gradients -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_softmax_point_gradient_is_outer_x_p_minus_onehot(seed):
    W, b, x, y = random_point(seed)
    p = ref_softmax(ref_scores(W, b, x))
    onehot = np.zeros(W.shape[1])
    onehot[y] = 1.0
    dW, db = point_gradients(W, b, x, y, "softmax")
    assert dW.shape == W.shape and db.shape == b.shape
    assert_allclose(dW, np.outer(x, p - onehot), rtol=1e-12, atol=1e-14)
    assert_allclose(db, p - onehot, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_softmax_point_gradient_matches_finite_differences(seed):
    W, b, x, y = random_point(seed)
    dW, db = point_gradients(W, b, x, y, "softmax")
    num_W = central_diff(lambda A: ref_point_loss(A, b, x, y, "softmax"), W)
    num_b = central_diff(lambda v: ref_point_loss(W, v, x, y, "softmax"), b)
    assert rel_error(dW, num_W) < 1e-7
    assert rel_error(db, num_b) < 1e-7


@pytest.mark.parametrize("seed", range(8))
def test_svm_point_gradient_matches_hinge_subgradient_and_finite_differences(seed):
    W, b, x, y = random_point(seed)
    if not clear_of_kinks(W, b, x, y):
        pytest.skip("a margin sits on a kink")
    s = ref_scores(W, b, x)
    g = np.array([1.0 if j != y and s[j] - s[y] + 1.0 > 0 else 0.0 for j in range(len(s))])
    g[y] = -g.sum()
    dW, db = point_gradients(W, b, x, y, "svm")
    assert_allclose(dW, np.outer(x, g), rtol=1e-12, atol=1e-14)
    assert_allclose(db, g, atol=0)
    num_W = central_diff(lambda A: ref_point_loss(A, b, x, y, "svm"), W)
    if np.linalg.norm(num_W) > 0:
        assert rel_error(dW, num_W) < 1e-7
    else:
        assert_allclose(dW, 0.0, atol=0)


def test_point_gradients_sum_to_the_batch_gradient():
    """The batch dL/dW (no reg) is the mean of the per-point gradients."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20, 3))
    y = rng.integers(4, size=20)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    mean_W = np.mean([point_gradients(W, b, X[i], int(y[i]))[0] for i in range(20)], axis=0)
    assert_allclose(mean_W, loss_terms(W, b, X, y).dW, rtol=1e-12, atol=1e-15)


def test_point_gradients_rejects_bad_input():
    W, b, x, y = random_point(0)
    with pytest.raises(ValueError):
        point_gradients(W, b, x[:-1], y)
    with pytest.raises(ValueError):
        point_gradients(W, b, x, W.shape[1])
    with pytest.raises(ValueError):
        point_gradients(W, b, x, y, loss="mse")


# -- gradient_check ----------------------------------------------------------------
def random_scene(seed, N=30, D=3, C=4):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(D, C)), rng.normal(size=C), rng.normal(size=(N, D)) * 2,
            rng.integers(C, size=N))


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("seed", range(4))
def test_gradient_check_agrees_on_random_scenes(seed, loss):
    W, b, X, y = random_scene(seed)
    r = gradient_check(W, b, X, y, reg=0.05, loss=loss)
    assert r.relative_error < 1e-6
    t = loss_terms(W, b, X, y, reg=0.05, loss=loss)
    assert_allclose(r.dW, t.dW, rtol=0, atol=0)
    assert_allclose(r.db, t.db, rtol=0, atol=0)
    a = np.concatenate([r.dW.ravel(), r.db.ravel()])
    n = np.concatenate([r.dW_numeric.ravel(), r.db_numeric.ravel()])
    assert r.max_abs_error == pytest.approx(np.max(np.abs(a - n)), rel=1e-12)
    assert r.relative_error == pytest.approx(rel_error(a, n), rel=1e-9)


def test_gradient_check_numeric_part_is_finite_differences_of_the_loss():
    W, b, X, y = random_scene(11, N=12, D=2, C=3)
    r = gradient_check(W, b, X, y, reg=0.1)
    num_W = central_diff(lambda A: ref_batch_loss(A, b, X, y, 0.1, "softmax"), W)
    num_b = central_diff(lambda v: ref_batch_loss(W, v, X, y, 0.1, "softmax"), b)
    assert_allclose(r.dW_numeric, num_W, atol=1e-7)
    assert_allclose(r.db_numeric, num_b, atol=1e-7)


def test_a_wrong_analytic_gradient_would_be_caught():
    """The numeric gradient is sharp enough to reject plausible mistakes."""
    W, b, X, y = random_scene(3)
    reg = 0.2
    r = gradient_check(W, b, X, y, reg=reg)
    numeric = np.concatenate([r.dW_numeric.ravel(), r.db_numeric.ravel()])
    right = np.concatenate([r.dW.ravel(), r.db.ravel()])
    assert rel_error(right, numeric) < 1e-6
    # forgetting the L2 term 2 * reg * W
    no_reg = np.concatenate([(r.dW - 2 * reg * W).ravel(), r.db.ravel()])
    assert rel_error(no_reg, numeric) > 1e-3
    # a sign error in one entry
    flipped = right.copy()
    flipped[1] = -flipped[1]
    assert rel_error(flipped, numeric) > 1e-3
    # a tiny perturbation of one entry
    nudged = right.copy()
    nudged[0] += 1e-3
    assert rel_error(nudged, numeric) > 1e-6
    # p instead of p - onehot (dropping the -1 of the true class)
    rng_n = X.shape[0]
    onehot = np.zeros((rng_n, W.shape[1]))
    onehot[np.arange(rng_n), y] = 1
    no_onehot = np.concatenate([(r.dW + X.T @ onehot / rng_n).ravel(), (r.db + onehot.mean(0)).ravel()])
    assert rel_error(no_onehot, numeric) > 1e-2


def test_gradient_check_rejects_no_points():
    W, b, _, _ = random_scene(0)
    with pytest.raises(ValueError):
        gradient_check(W, b, np.empty((0, W.shape[0])), np.empty(0, dtype=int))
