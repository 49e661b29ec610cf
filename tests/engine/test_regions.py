"""The decision-region rasteriser, against per-pixel computations done here.

Documented layout: row r is y = ymin + (r + 0.5) * dy, column c is
x = xmin + (c + 0.5) * dx, row 0 at the bottom.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import (
    DEFAULT_PALETTE,
    expand_features,
    grid_centres,
    region_image,
    region_probabilities,
    region_scores,
)

# a non-square view and an odd grid so that swapping x and y, or rows and
# columns, or using pixel edges instead of centres, changes the answer
XLIM, YLIM, GRID = (-5.0, 5.0), (-3.0, 6.0), 37
W3 = np.array([[1.3, -0.4, -0.9], [0.2, 1.1, -1.5]])
B3 = np.array([0.3, -0.2, 0.1])


def my_centres(lim, grid):
    lo, hi = lim
    return np.array([lo + (k + 0.5) * (hi - lo) / grid for k in range(grid)])


def my_softmax(s):
    e = np.exp(s - s.max())
    return e / e.sum()


def my_features(x1, x2, names):
    cols = {"x1^2": x1 * x1, "x2^2": x2 * x2, "x1*x2": x1 * x2,
            "sin(x1)": np.sin(x1), "sin(x2)": np.sin(x2)}
    return np.array([x1, x2] + [cols[n] for n in names])


def test_grid_centres_are_pixel_centres():
    xs, ys = grid_centres(XLIM, YLIM, GRID)
    assert xs.shape == ys.shape == (GRID,)
    assert_allclose(xs, my_centres(XLIM, GRID), rtol=0, atol=1e-14)
    assert_allclose(ys, my_centres(YLIM, GRID), rtol=0, atol=1e-14)
    xs, ys = grid_centres((0, 1), (0, 2), 1)
    assert_allclose(xs, [0.5])
    assert_allclose(ys, [1.0])


def test_region_probabilities_per_pixel():
    P = region_probabilities(W3, B3, XLIM, YLIM, GRID)
    assert P.shape == (GRID, GRID, 3)
    xs, ys = my_centres(XLIM, GRID), my_centres(YLIM, GRID)
    for r in range(GRID):
        for c in range(GRID):
            expected = my_softmax(W3.T @ np.array([xs[c], ys[r]]) + B3)
            assert_allclose(P[r, c], expected, rtol=1e-12, atol=1e-15)
    assert_allclose(P.sum(axis=2), 1.0, rtol=0, atol=1e-14)


def test_region_scores_layout():
    S = region_scores(W3, B3, XLIM, YLIM, GRID)
    assert S.shape == (3, GRID * GRID)
    xs, ys = my_centres(XLIM, GRID), my_centres(YLIM, GRID)
    for r, c in [(0, 0), (0, GRID - 1), (GRID - 1, 0), (5, 17), (GRID - 1, GRID - 1)]:
        expected = W3.T @ np.array([xs[c], ys[r]]) + B3
        assert_allclose(S[:, r * GRID + c], expected, rtol=1e-12, atol=1e-13)


def test_region_probabilities_with_features():
    names = ("x1^2", "x1*x2", "sin(x2)")
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 4))
    b = rng.normal(size=4)
    P = region_probabilities(W, b, XLIM, YLIM, GRID, features=names)
    xs, ys = my_centres(XLIM, GRID), my_centres(YLIM, GRID)
    # independent per-pixel features
    for r in range(0, GRID, 4):
        for c in range(0, GRID, 3):
            z = my_features(xs[c], ys[r], names)
            assert_allclose(P[r, c], my_softmax(W.T @ z + b), rtol=1e-12, atol=1e-15)
    # and the same as training-time features from expand_features
    xx, yy = np.meshgrid(xs, ys)  # xx[r, c] = xs[c], yy[r, c] = ys[r]
    points = np.column_stack([xx.ravel(), yy.ravel()])
    S = expand_features(points, names) @ W + b
    E = np.exp(S - S.max(axis=1, keepdims=True))
    expected = (E / E.sum(axis=1, keepdims=True)).reshape(GRID, GRID, 4)
    assert_allclose(P, expected, rtol=1e-12, atol=1e-15)


def test_feature_order_is_the_same_for_regions_and_expand_features():
    # names given out of canonical order: both must use the same column order
    names = ["sin(x1)", "x2^2"]
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=3)
    P = region_probabilities(W, b, XLIM, YLIM, 9, features=names)
    xs, ys = my_centres(XLIM, 9), my_centres(YLIM, 9)
    xx, yy = np.meshgrid(xs, ys)
    S = expand_features(np.column_stack([xx.ravel(), yy.ravel()]), names) @ W + b
    E = np.exp(S - S.max(axis=1, keepdims=True))
    assert_allclose(P.reshape(-1, 3), E / E.sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-15)


def _my_labels_and_confidence(W, b, xlim, ylim, grid):
    xs, ys = my_centres(xlim, grid), my_centres(ylim, grid)
    xx, yy = np.meshgrid(xs, ys)
    S = np.stack([xx, yy], axis=-1) @ W + b  # (grid, grid, C)
    top2 = np.sort(S, axis=-1)[..., -2:]
    # no pixel may sit on a tie, or the argmax would depend on round-off
    assert np.min(top2[..., 1] - top2[..., 0]) > 1e-9
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    P = E / E.sum(axis=-1, keepdims=True)
    return S.argmax(axis=-1), P.max(axis=-1)


def test_region_image_colours_and_alpha():
    lo, hi = 40, 200
    img = region_image(W3, B3, XLIM, YLIM, GRID, alpha=(lo, hi), boundaries=False)
    assert img.shape == (GRID, GRID, 4) and img.dtype == np.uint8
    labels, conf = _my_labels_and_confidence(W3, B3, XLIM, YLIM, GRID)
    assert len(np.unique(labels)) == 3  # all three regions are in view
    assert_array_equal(img[..., :3], DEFAULT_PALETTE[labels])
    # alpha grows linearly from lo at confidence 1/C to hi at confidence 1
    C = 3
    expected_alpha = lo + (hi - lo) * (conf - 1 / C) / (1 - 1 / C)
    assert np.all(np.abs(img[..., 3].astype(float) - expected_alpha) <= 0.5 + 1e-9)
    # more confident pixels are never more transparent
    order = np.argsort(conf, axis=None, kind="stable")
    a = img[..., 3].ravel()[order].astype(int)
    c = conf.ravel()[order]
    for k in range(len(a) - 1):
        if c[k + 1] > c[k] + 1e-9:
            assert a[k + 1] >= a[k]
    assert img[..., 3].ravel()[np.argmax(conf)] > img[..., 3].ravel()[np.argmin(conf)]


def test_region_image_uniform_and_certain_alpha():
    # W = 0, b = 0: every pixel uniform -> alpha[0], colour of class 0 (first argmax)
    img = region_image(np.zeros((2, 4)), np.zeros(4), XLIM, YLIM, 8, alpha=(10, 250))
    assert_array_equal(img[..., 3], 10)
    assert_array_equal(img[..., :3], np.broadcast_to(DEFAULT_PALETTE[0], (8, 8, 3)))
    # a huge bias for class 2: certain everywhere -> alpha[1]
    img = region_image(np.zeros((2, 3)), np.array([0.0, 0.0, 100.0]), XLIM, YLIM, 8, alpha=(10, 250))
    assert_array_equal(img[..., 3], 250)
    assert_array_equal(img[..., :3], np.broadcast_to(DEFAULT_PALETTE[2], (8, 8, 3)))


def test_region_image_custom_palette():
    palette = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]], dtype=np.uint8)
    img = region_image(W3, B3, XLIM, YLIM, GRID, palette=palette, boundaries=False)
    labels, _ = _my_labels_and_confidence(W3, B3, XLIM, YLIM, GRID)
    assert_array_equal(img[..., :3], palette[labels])


def test_region_image_boundaries_where_the_argmax_changes():
    rgba = (1, 2, 3, 254)
    img = region_image(W3, B3, XLIM, YLIM, GRID, boundaries=True, boundary_rgba=rgba)
    plain = region_image(W3, B3, XLIM, YLIM, GRID, boundaries=False)
    labels, _ = _my_labels_and_confidence(W3, B3, XLIM, YLIM, GRID)
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]  # differs from the right neighbour
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]  # differs from the upper neighbour
    assert edge.any() and not edge.all()
    assert_array_equal(img[edge], np.broadcast_to(rgba, (edge.sum(), 4)))
    assert_array_equal(img[~edge], plain[~edge])
    # every change of argmax between neighbours touches a painted pixel
    for r in range(GRID):
        for c in range(GRID - 1):
            if labels[r, c] != labels[r, c + 1]:
                assert edge[r, c] or edge[r, c + 1]


def test_region_image_single_region_has_no_boundary():
    img = region_image(np.zeros((2, 3)), np.array([5.0, 0.0, 0.0]), XLIM, YLIM, 16, boundaries=True)
    assert_array_equal(img[..., :3], np.broadcast_to(DEFAULT_PALETTE[0], (16, 16, 3)))


@pytest.mark.parametrize("grid", [1, 2, 64])
def test_region_shapes(grid):
    assert region_probabilities(W3, B3, XLIM, YLIM, grid).shape == (grid, grid, 3)
    img = region_image(W3, B3, XLIM, YLIM, grid)
    assert img.shape == (grid, grid, 4) and img.dtype == np.uint8
    assert img.flags["C_CONTIGUOUS"]


def test_palette_has_ten_distinct_colours():
    assert DEFAULT_PALETTE.shape == (10, 3) and DEFAULT_PALETTE.dtype == np.uint8
    assert len({tuple(c) for c in DEFAULT_PALETTE}) == 10


def test_regions_with_huge_weights_are_finite_and_silent():
    W = W3 * 1e200
    P = region_probabilities(W, B3, XLIM, YLIM, 16)
    assert np.all(np.isfinite(P))
    assert_allclose(P.sum(axis=2), 1.0, rtol=0, atol=1e-14)
    img = region_image(W, B3, XLIM, YLIM, 16, alpha=(0, 255), boundaries=False)
    # everything is certain except, possibly, pixels on a boundary
    assert np.mean(img[..., 3] == 255) > 0.9
