"""Temperature in softmax, its gradient and Jacobian; naive softmax and its failure.

Expected values come from a plain-Python softmax (math.exp) and from our own
central differences, never from the engine function under test.
"""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from explorer.engine import (
    cross_entropy,
    naive_cross_entropy,
    naive_softmax,
    score_gradient,
    softmax,
    softmax_jacobian,
)

H = 1e-6
TEMPERATURES = [0.25, 0.5, 1.0, 2.0, 7.5]


def ref_softmax(s, T=1.0):
    z = [v / T for v in s]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    total = sum(e)
    return np.array([v / total for v in e])


def central_diff(f, s):
    s = np.array(s, dtype=np.float64)
    cols = []
    for k in range(s.shape[0]):
        sp, sm = s.copy(), s.copy()
        sp[k] += H
        sm[k] -= H
        cols.append((np.asarray(f(sp), dtype=float) - np.asarray(f(sm), dtype=float)) / (2 * H))
    return np.array(cols)  # row k: d f / d s_k


def rel_error(a, n):
    a, n = np.ravel(a), np.ravel(n)
    return np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300)


@pytest.fixture
def scores():
    return np.array([2.0, -1.0, 0.5, 3.25])


@pytest.mark.parametrize("T", TEMPERATURES)
def test_temperature_divides_the_scores(scores, T):
    assert_allclose(softmax(scores, T), ref_softmax(scores / T), rtol=1e-13)
    assert_allclose(softmax(scores, T), ref_softmax(scores, T), rtol=1e-13)
    assert softmax(scores, T).sum() == pytest.approx(1.0, abs=1e-15)


def test_temperature_on_a_batch_is_row_by_row():
    S = np.array([[1.0, 2.0, 3.0], [-4.0, 0.0, 4.0]])
    P = softmax(S, 3.0)
    for row, p in zip(S, P):
        assert_allclose(p, ref_softmax(row, 3.0), rtol=1e-13)


def test_small_temperature_approaches_one_hot(scores):
    p = softmax(scores, 1e-3)
    assert p.max() > 0.999
    assert int(np.argmax(p)) == int(np.argmax(scores))
    assert np.all(np.isfinite(p))


def test_large_temperature_approaches_uniform(scores):
    C = scores.shape[0]
    assert_allclose(softmax(scores, 1e3), np.full(C, 1 / C), atol=1e-3)
    assert_allclose(softmax(scores, 1e6), np.full(C, 1 / C), atol=1e-6)
    # and it gets more uniform as T grows
    spread = [np.ptp(softmax(scores, T)) for T in (1.0, 10.0, 100.0, 1000.0)]
    assert spread == sorted(spread, reverse=True)


@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("y", [0, 2])
def test_score_gradient_with_temperature_matches_finite_differences(scores, T, y):
    g = score_gradient(scores, y, T)
    numeric = central_diff(lambda s: cross_entropy(s, y, T), scores)
    assert rel_error(g, numeric) < 1e-7
    # and it is (p - onehot) / T, with p computed independently
    onehot = np.eye(scores.shape[0])[y]
    assert_allclose(g, (ref_softmax(scores, T) - onehot) / T, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("T", TEMPERATURES)
def test_softmax_jacobian_with_temperature_matches_finite_differences(scores, T):
    J = softmax_jacobian(scores, T)
    numeric = central_diff(lambda s: softmax(s, T), scores).T  # J[i, j] = dp_i / ds_j
    assert rel_error(J, numeric) < 1e-7
    p = ref_softmax(scores, T)
    assert_allclose(J, (np.diag(p) - np.outer(p, p)) / T, rtol=1e-12, atol=1e-15)


def test_cross_entropy_with_temperature_is_minus_log_p(scores):
    for T in TEMPERATURES:
        assert cross_entropy(scores, 1, T) == pytest.approx(-math.log(ref_softmax(scores, T)[1]), rel=1e-13)


def test_naive_softmax_equals_softmax_for_moderate_scores(scores):
    for T in (0.5, 1.0, 3.0):
        assert_allclose(naive_softmax(scores, T), softmax(scores, T), rtol=1e-14)
        assert_allclose(naive_softmax(scores, T), ref_softmax(scores, T), rtol=1e-13)


def test_naive_softmax_overflows_at_1000_without_warnings():
    s = np.array([1000.0, 0.0, -1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = naive_softmax(s)
        stable = softmax(s)
    assert not np.all(np.isfinite(p))  # exp(1000) = inf, inf / inf = NaN
    assert np.isnan(p[0])
    assert_allclose(stable, [1.0, 0.0, 0.0], atol=1e-300)


def test_naive_cross_entropy():
    s = np.array([1.0, 2.0, -0.5])
    assert naive_cross_entropy(s, 1) == pytest.approx(-math.log(ref_softmax(s)[1]), rel=1e-13)
    assert naive_cross_entropy(s, 0, 2.0) == pytest.approx(-math.log(ref_softmax(s, 2.0)[0]), rel=1e-13)
    big = np.array([1000.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        naive_true = naive_cross_entropy(big, 0)  # -log(inf / inf) = NaN
        naive_other = naive_cross_entropy(big, 1)  # -log(1 / inf) = -log 0 = inf
        stable = cross_entropy(big, 1)
    assert math.isnan(naive_true)
    assert math.isinf(naive_other) and naive_other > 0
    assert stable == pytest.approx(1000.0, rel=1e-12)
