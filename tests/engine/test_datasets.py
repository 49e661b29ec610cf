"""The toy dataset generators."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import (
    DATASETS,
    MAX_CLASSES,
    MIN_CLASSES,
    SGD,
    accuracy,
    make_blobs,
    make_circles,
    make_dataset,
    make_linear,
    make_spiral,
    make_xor,
)

GENERATORS = {
    "blobs": make_blobs,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
    "linear": make_linear,
}
CLASSES = list(range(2, 11))


def test_registry_and_class_limits():
    assert set(DATASETS) == set(GENERATORS)
    for name, fn in GENERATORS.items():
        assert DATASETS[name] is fn
    assert (MIN_CLASSES, MAX_CLASSES) == (2, 10)


@pytest.mark.parametrize("classes", CLASSES)
@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_contract(name, classes):
    n = 103  # not a multiple of most class counts
    X, y = GENERATORS[name](n, classes=classes, rng=42)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    assert y.min() >= 0 and y.max() < classes
    # balanced: n // classes each, one extra for the first n % classes classes
    counts = np.bincount(y, minlength=classes)
    expected = np.full(classes, n // classes)
    expected[: n % classes] += 1
    assert_array_equal(counts, expected)
    # roughly in [-5, 5]^2 (with the default noise, a little more)
    assert np.all(np.abs(X) <= 6.0)
    # reproducible with the same seed, different with another
    X2, y2 = GENERATORS[name](n, classes=classes, rng=42)
    assert_array_equal(X, X2)
    assert_array_equal(y, y2)
    X3, _ = GENERATORS[name](n, classes=classes, rng=43)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_make_dataset_dispatches(name):
    X1, y1 = make_dataset(name, 50, classes=4, rng=3)
    X2, y2 = GENERATORS[name](50, classes=4, rng=3)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    X1, y1 = make_dataset(name, 50, classes=4, noise=0.3, rng=3)
    X2, y2 = GENERATORS[name](50, classes=4, noise=0.3, rng=3)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_accepts_a_generator_and_leaves_global_state_alone(name):
    state = np.random.get_state()
    X1, _ = GENERATORS[name](40, classes=3, rng=np.random.default_rng(9))
    X2, _ = GENERATORS[name](40, classes=3, rng=9)
    assert_array_equal(X1, X2)
    after = np.random.get_state()
    assert np.array_equal(state[1], after[1]) and state[2:] == after[2:]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_zero_and_tiny_datasets(name):
    X, y = GENERATORS[name](0, classes=3, rng=0)
    assert X.shape == (0, 2) and y.shape == (0,)
    X, y = GENERATORS[name](2, classes=5, rng=0)  # fewer points than classes
    assert X.shape == (2, 2)
    assert_array_equal(np.sort(y), [0, 1])


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_noise_changes_the_points(name):
    X0, y0 = GENERATORS[name](60, classes=3, noise=0.0, rng=1)
    X1, y1 = GENERATORS[name](60, classes=3, noise=0.5, rng=1)
    assert_array_equal(y0, y1)
    assert not np.allclose(X0, X1)


# -- geometry at noise 0, from the docstrings ----------------------------------
@pytest.mark.parametrize("classes", CLASSES)
def test_circles_radii(classes):
    X, y = make_circles(200, classes=classes, noise=0.0, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert_allclose(radius, 1.0 + 3.5 * y / (classes - 1), rtol=1e-12)


@pytest.mark.parametrize("classes", CLASSES)
def test_blobs_around_their_centres(classes):
    X, y = make_blobs(200, classes=classes, noise=0.0, rng=0)
    angle = 2 * np.pi * y / classes + np.pi / 2
    centres = 3.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    assert np.all(np.hypot(*(X - centres).T) <= 0.5 + 1e-12)


@pytest.mark.parametrize("classes", CLASSES)
def test_spiral_radius_at_most_five(classes):
    X, _ = make_spiral(200, classes=classes, noise=0.0, rng=0)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 5.0 + 1e-12)


def test_xor_two_classes_is_the_sign_product():
    X, y = make_xor(400, classes=2, noise=0.0, rng=0)
    assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.all(np.abs(X) >= 0.3 - 1e-12)  # the documented gap at the axes
    assert np.all(np.abs(X) <= 4.5)


@pytest.mark.parametrize("classes", range(3, 11))
def test_xor_cells(classes):
    X, y = make_xor(300, classes=classes, noise=0.0, rng=0)
    g = 2 if classes <= 4 else int(np.ceil(np.sqrt(classes)))
    width = 9.0 / g
    col = np.floor((X[:, 0] + 4.5) / width).astype(int)
    row = np.floor((X[:, 1] + 4.5) / width).astype(int)
    assert_array_equal(y, (col + g * row) % classes)


@pytest.mark.parametrize("classes", CLASSES)
def test_linear_at_noise_zero_is_linearly_separable(classes):
    X, y = make_linear(120, classes=classes, noise=0.0, rng=classes)
    opt = SGD(np.zeros((2, classes)), np.zeros(classes), lr=0.5, momentum=0.9, rng=0)
    for _ in range(2000):
        opt.step(X, y)
        if accuracy(opt.W, opt.b, X, y) == 1.0:
            break
    assert accuracy(opt.W, opt.b, X, y) == 1.0
