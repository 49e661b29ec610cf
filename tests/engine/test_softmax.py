"""softmax, log_softmax, temperature, the softmax Jacobian and naive_softmax.

Every expected value is computed here independently of the engine: by hand
with ``math.exp``, or with an arbitrary-precision ``decimal`` oracle.
"""

import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import log_softmax, naive_softmax, softmax, softmax_jacobian

EPS = np.finfo(np.float64).eps
PROPS = settings(max_examples=150, deadline=None)


# -- an independent oracle ---------------------------------------------------
def _oracle_rows(scores, fn):
    s = np.asarray(scores, dtype=np.float64)
    rows = s.reshape(-1, s.shape[-1])
    return np.array([fn(row) for row in rows], dtype=np.float64).reshape(s.shape)


def _decimal_log_softmax_row(row, temperature=1.0):
    """log softmax of one row in 60-digit decimal arithmetic, rounded to float64."""
    with localcontext() as ctx:
        ctx.prec = 60
        T = Decimal(float(temperature))
        d = [Decimal(float(v)) / T for v in row]
        m = max(d)
        lse = sum((v - m).exp() for v in d).ln()  # the sum is >= 1
        return [float(v - m - lse) for v in d]


def _decimal_softmax_row(row, temperature=1.0):
    with localcontext() as ctx:
        ctx.prec = 60
        T = Decimal(float(temperature))
        d = [Decimal(float(v)) / T for v in row]
        m = max(d)
        e = [(v - m).exp() for v in d]
        total = sum(e)
        return [float(v / total) for v in e]


def oracle_softmax(scores, temperature=1.0):
    return _oracle_rows(scores, lambda r: _decimal_softmax_row(r, temperature))


def oracle_log_softmax(scores, temperature=1.0):
    return _oracle_rows(scores, lambda r: _decimal_log_softmax_row(r, temperature))


# -- strategies --------------------------------------------------------------
def score_arrays(bound, max_rows=6, max_classes=8, dtype=np.float64):
    shapes = st.one_of(
        st.tuples(st.integers(1, max_classes)),
        st.tuples(st.integers(1, max_rows), st.integers(1, max_classes)),
    )
    width = 32 if dtype == np.float32 else 64
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)
    return shapes.flatmap(lambda shape: hnp.arrays(dtype, shape, elements=elements))


# -- hand-computed cases -----------------------------------------------------
def test_softmax_three_class_example_by_hand():
    s = [3.2, 5.1, -1.7]
    e = [math.exp(3.2), math.exp(5.1), math.exp(-1.7)]
    total = math.fsum(e)
    expected = [v / total for v in e]
    p = softmax(s)
    assert p.shape == (3,)
    assert p.dtype == np.float64
    assert_allclose(p, expected, rtol=1e-14, atol=0)
    # the CS231n numbers: about 13%, 87% and 0.1%
    assert_allclose(p, [0.13, 0.87, 0.00], atol=0.01)


def test_softmax_batch_rows_are_independent():
    S = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    expected = np.array([[math.exp(v) for v in row] for row in S])
    expected /= expected.sum(axis=1, keepdims=True)
    P = softmax(S)
    assert P.shape == S.shape
    assert_allclose(P, expected, rtol=1e-14, atol=0)
    for i in range(3):
        assert_allclose(softmax(S[i]), P[i], rtol=1e-15, atol=0)


def test_two_class_softmax_is_the_sigmoid_of_the_difference():
    for a, b in [(0.0, 0.0), (2.5, -1.0), (-3.0, 4.0), (10.0, 9.5)]:
        sigma = 1.0 / (1.0 + math.exp(-(a - b)))
        p = softmax([a, b])
        assert_allclose(p, [sigma, 1.0 - sigma], rtol=1e-14, atol=1e-16)


def test_softmax_of_equal_scores_is_uniform():
    for C in (1, 2, 5, 10):
        assert_allclose(softmax(np.full(C, 7.25)), np.full(C, 1.0 / C), rtol=1e-15)


def test_softmax_integer_input_becomes_float64():
    p = softmax([1, 2, 3])
    assert p.dtype == np.float64
    e = [math.exp(1), math.exp(2), math.exp(3)]
    assert_allclose(p, [v / sum(e) for v in e], rtol=1e-14)


def test_softmax_does_not_modify_its_input():
    s = np.array([[3.2, 5.1, -1.7], [0.0, 1.0, 2.0]])
    before = s.copy()
    softmax(s)
    log_softmax(s, temperature=0.5)
    softmax_jacobian(s[0])
    assert_array_equal(s, before)


def test_log_softmax_by_hand():
    s = [3.2, 5.1, -1.7]
    log_total = math.log(math.exp(3.2) + math.exp(5.1) + math.exp(-1.7))
    expected = [v - log_total for v in s]
    ls = log_softmax(s)
    assert ls.shape == (3,)
    assert_allclose(ls, expected, rtol=1e-14, atol=1e-15)
    assert_allclose(-ls[0], 2.04, atol=0.005)  # CS231n's cross-entropy for the cat


# -- temperature -------------------------------------------------------------
def test_temperature_by_hand():
    s = [3.2, 5.1, -1.7]
    for T in (0.5, 1.0, 2.0, 10.0):
        e = [math.exp(v / T) for v in s]
        expected = [v / sum(e) for v in e]
        assert_allclose(softmax(s, temperature=T), expected, rtol=1e-14)
        assert_allclose(log_softmax(s, temperature=T), np.log(expected), rtol=1e-13, atol=1e-14)


def test_temperature_limits():
    s = np.array([3.2, 5.1, -1.7])
    assert_allclose(softmax(s, temperature=1e-3), [0.0, 1.0, 0.0], atol=1e-300)
    assert_allclose(softmax(s, temperature=1e6), np.full(3, 1.0 / 3.0), rtol=1e-5)
    # a tiny temperature must not overflow (warnings are errors)
    p = softmax([1e300, -1e300, 0.0], temperature=1e-300)
    assert_array_equal(p, [1.0, 0.0, 0.0])


@PROPS
@given(
    s=score_arrays(50.0),
    T=st.floats(0.1, 10.0, allow_nan=False),
)
def test_temperature_equals_dividing_the_scores(s, T):
    # |s / T| <= 500 and the shifted scores are <= 1000 in magnitude, so the
    # relative error of each probability is at most ~2000 eps ~ 5e-13.
    expected = oracle_softmax(s, temperature=T)
    assert_allclose(softmax(s, temperature=T), expected, rtol=1e-12, atol=1e-300)
    assert_allclose(softmax(s, temperature=T), softmax(s / T), rtol=1e-12, atol=1e-300)
    assert_allclose(
        log_softmax(s, temperature=T), oracle_log_softmax(s, temperature=T), rtol=1e-12, atol=1e-13
    )


# -- properties against the oracle -----------------------------------------------
@PROPS
@given(s=score_arrays(1e300))
def test_softmax_matches_decimal_oracle_at_any_scale(s):
    p = softmax(s)
    assert p.shape == s.shape and p.dtype == np.float64
    assert np.all(np.isfinite(p))
    # Nonzero float64 probabilities need shifted scores >= -745, so each has a
    # relative error of at most ~(745 + C + 2) eps < 2e-13; subnormal results
    # are covered by the absolute tolerance.
    assert_allclose(p, oracle_softmax(s), rtol=1e-12, atol=1e-300)


@PROPS
@given(s=score_arrays(1e300))
def test_softmax_rows_sum_to_one_and_lie_in_unit_interval(s):
    p = softmax(s)
    assert np.all(p >= 0.0) and np.all(p <= 1.0)
    # C <= 8 roundings per probability and C additions: error << 1e-14
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-14)


@PROPS
@given(s=score_arrays(1e300))
def test_log_softmax_is_nonpositive_and_matches_oracle(s):
    ls = log_softmax(s)
    assert ls.shape == s.shape and ls.dtype == np.float64
    assert np.all(np.isfinite(ls))
    assert np.all(ls <= 0.0)
    # the log-sum-exp term has an absolute error of a few eps * C; the shifted
    # scores a relative error of eps.
    assert_allclose(ls, oracle_log_softmax(s), rtol=1e-12, atol=1e-13)
    # exp(log p) = p: |p * (error of log p)| <= max(p |ln p|) * 1e-12 + 1e-13
    assert_allclose(np.exp(ls), softmax(s), rtol=0, atol=1e-13)


@PROPS
@given(
    s=score_arrays(100.0),
    c=st.floats(-100.0, 100.0, allow_nan=False),
)
def test_softmax_is_shift_invariant(s, c):
    # s + c is rounded by at most ulp(200) / 2 ~ 1.4e-14 per entry, which moves
    # each probability by a relative ~3e-14; the shifted scores are >= -400 so
    # nothing underflows and a pure relative tolerance is honest.
    assert_allclose(softmax(s + c), softmax(s), rtol=1e-12, atol=0)
    assert_allclose(log_softmax(s + c), log_softmax(s), rtol=1e-12, atol=1e-12)


# -- the Jacobian -----------------------------------------------------------------
def test_jacobian_by_hand():
    s = [3.2, 5.1, -1.7]
    e = [math.exp(v) for v in s]
    p = [v / sum(e) for v in e]
    expected = [[(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(3)] for i in range(3)]
    J = softmax_jacobian(s)
    assert J.shape == (3, 3)
    assert_allclose(J, expected, rtol=1e-13, atol=1e-16)
    # DESIGN.md: dp_y/ds_y = p_y (1 - p_y), dp_y/ds_j = -p_y p_j
    assert_allclose(J[0, 0], p[0] * (1 - p[0]), rtol=1e-13)
    assert_allclose(J[0, 1], -p[0] * p[1], rtol=1e-13)


def test_jacobian_of_a_batch_is_one_matrix_per_row():
    rng = np.random.default_rng(3)
    S = rng.normal(scale=2.0, size=(4, 5))
    J = softmax_jacobian(S)
    assert J.shape == (4, 5, 5)
    for i in range(4):
        e = np.exp(S[i] - S[i].max())
        p = e / e.sum()
        assert_allclose(J[i], np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-16)


@PROPS
@given(s=score_arrays(1e300, max_rows=1).map(lambda a: a.reshape(-1)))
def test_jacobian_is_symmetric_with_zero_row_sums(s):
    J = softmax_jacobian(s)
    C = s.shape[0]
    assert J.shape == (C, C)
    assert np.all(np.isfinite(J))
    assert_allclose(J, J.T, rtol=0, atol=1e-15)
    assert_allclose(J.sum(axis=1), 0.0, rtol=0, atol=1e-14)
    assert np.all(np.diag(J) >= 0.0) and np.all(np.diag(J) <= 0.25 + 1e-15)
    off = J[~np.eye(C, dtype=bool)]
    assert np.all(off <= 0.0)
    p = oracle_softmax(s)
    assert_allclose(J, np.diag(p) - np.outer(p, p), rtol=0, atol=1e-14)


# -- naive_softmax (the teaching failure) -------------------------------------
def test_naive_softmax_agrees_for_small_scores():
    s = [3.2, 5.1, -1.7]
    e = [math.exp(v) for v in s]
    assert_allclose(naive_softmax(s), [v / sum(e) for v in e], rtol=1e-14)


def test_naive_softmax_shows_nan_without_warning_while_softmax_does_not():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bad = naive_softmax([1000.0, 0.0, -1000.0])
        good = softmax([1000.0, 0.0, -1000.0])
    assert np.isnan(bad).any()
    assert np.all(np.isfinite(good))


@pytest.mark.parametrize("C", [1, 2, 10])
def test_softmax_shapes(C):
    assert softmax(np.zeros(C)).shape == (C,)
    assert softmax(np.zeros((4, C))).shape == (4, C)
    assert log_softmax(np.zeros((4, C))).shape == (4, C)
