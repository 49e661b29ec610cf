"""Feature maps: expand_features, feature_names, check_features."""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import FEATURES, RAW_FEATURES, check_features, expand_features, feature_names

ALL = ("x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def test_the_five_features_in_canonical_order():
    assert tuple(FEATURES) == ALL
    assert RAW_FEATURES == ("x1", "x2")
    assert feature_names() == ("x1", "x2")
    assert feature_names(ALL) == ("x1", "x2") + ALL


def test_expand_features_values():
    rng = np.random.default_rng(0)
    X = rng.uniform(-5, 5, size=(25, 2))
    Z = expand_features(X, ALL)
    assert Z.shape == (25, 7) and Z.dtype == np.float64
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)])
    assert_allclose(Z, expected, rtol=1e-15, atol=1e-15)
    # by hand for one point
    Z1 = expand_features([[2.0, -3.0]], ALL)
    assert_allclose(Z1, [[2.0, -3.0, 4.0, 9.0, -6.0, np.sin(2.0), np.sin(-3.0)]], rtol=1e-15)


def test_each_feature_alone():
    X = np.array([[0.5, -1.5], [2.0, 3.0]])
    x1, x2 = X[:, 0], X[:, 1]
    columns = {"x1^2": x1 * x1, "x2^2": x2 * x2, "x1*x2": x1 * x2,
               "sin(x1)": np.sin(x1), "sin(x2)": np.sin(x2)}
    for name, col in columns.items():
        Z = expand_features(X, [name])
        assert Z.shape == (2, 3)
        assert_array_equal(Z[:, :2], X)
        assert_allclose(Z[:, 2], col, rtol=1e-15)
        assert feature_names([name]) == ("x1", "x2", name)


def test_columns_follow_feature_names_for_any_input_order():
    X = np.array([[0.5, -1.5], [2.0, 3.0]])
    names = ["sin(x2)", "x1^2", "x1*x2"]
    Z = expand_features(X, names)
    order = feature_names(names)
    assert order == ("x1", "x2", "x1^2", "x1*x2", "sin(x2)")
    assert check_features(names) == order[2:]
    reference = expand_features(X, ALL)
    for k, name in enumerate(order):
        assert_array_equal(Z[:, k], reference[:, feature_names(ALL).index(name)])


def test_no_features_is_a_copy_of_x():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    Z = expand_features(X)
    assert_array_equal(Z, X)
    Z[0, 0] = 99.0
    assert X[0, 0] == 1.0
    Z = expand_features(X, ALL)
    Z[:, :] = 0.0
    assert X[1, 1] == 4.0


def test_dtype_is_kept():
    X = np.array([[1.0, 2.0]], dtype=np.float32)
    assert expand_features(X, ALL).dtype == np.float32
    assert expand_features([[1, 2]], ALL).dtype == np.float64


def test_empty_input():
    Z = expand_features(np.zeros((0, 2)), ALL)
    assert Z.shape == (0, 7)
