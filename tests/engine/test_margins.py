"""SVM margin lines, checked against a pixel-by-pixel computation written out by hand."""

import math

import numpy as np
import pytest

from explorer.engine.margins import margin_mask, score_gap

FEATURE_FUNCS = {
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: math.sin(x1),
    "sin(x2)": lambda x1, x2: math.sin(x2),
}


def gap_by_hand(W, b, xlim, ylim, grid, features=()):
    """Top score minus runner-up at every pixel centre, one pixel at a time."""
    gap = np.empty((grid, grid))
    for r in range(grid):
        y = ylim[0] + (r + 0.5) * (ylim[1] - ylim[0]) / grid
        for c in range(grid):
            x = xlim[0] + (c + 0.5) * (xlim[1] - xlim[0]) / grid
            z = [x, y] + [FEATURE_FUNCS[f](x, y) for f in features]
            s = sorted(sum(z[k] * W[k][j] for k in range(len(z))) + b[j] for j in range(len(b)))
            gap[r, c] = s[-1] - s[-2]
    return gap


def mask_by_hand(gap, margin, dash=0):
    g = gap.shape[0]
    mask = np.zeros((g, g), dtype=bool)
    for r in range(g):
        for c in range(g):
            here = gap[r, c] >= margin
            steep = c + 1 < g and here != (gap[r, c + 1] >= margin)
            flat = r + 1 < g and here != (gap[r + 1, c] >= margin)
            if dash:
                steep = steep and (r // dash) % 2 == 0
                flat = flat and (c // dash) % 2 == 0
            mask[r, c] = steep or flat
    return mask


CASES = [
    # W (rows x1, x2, features...), b, features
    (np.array([[1.0, -1.0], [0.5, 0.25]]), np.array([0.0, 0.3]), ()),
    (np.array([[1.0, -0.5, 0.0], [0.0, 0.8, -1.0]]), np.array([0.1, -0.2, 0.0]), ()),
    (np.array([[0.2, -0.4, 0.1, 0.0], [0.3, 0.1, -0.6, 0.2], [-0.3, 0.1, 0.2, 0.0]]),
     np.array([0.5, 0.0, -0.5, 0.1]), ("x1^2",)),
    (np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.4, -0.2, 0.0], [0.4, -0.2, 0.0]]),
     np.array([-2.0, 1.0, 0.0]), ("x1^2", "x2^2")),
]


@pytest.mark.parametrize("W, b, features", CASES)
def test_score_gap_is_top_minus_runner_up_at_pixel_centres(W, b, features):
    xlim, ylim, grid = (-4.0, 3.0), (-2.5, 5.0), 23
    np.testing.assert_allclose(score_gap(W, b, xlim, ylim, grid, features),
                               gap_by_hand(W, b, xlim, ylim, grid, features), atol=1e-12)


@pytest.mark.parametrize("dash", [0, 3])
@pytest.mark.parametrize("W, b, features", CASES)
def test_margin_mask_matches_a_hand_computation(W, b, features, dash):
    xlim, ylim, grid = (-5.0, 5.0), (-4.0, 6.0), 41
    mask = margin_mask(W, b, xlim, ylim, grid, features, margin=1.0, dash=dash)
    gap = gap_by_hand(W, b, xlim, ylim, grid, features)
    expected = mask_by_hand(gap, 1.0, dash)
    assert mask.dtype == bool and mask.shape == (grid, grid)
    # Pixels where the gap is within rounding of the margin may go either way.
    close = np.abs(gap - 1.0) < 1e-9
    assert not close.any()
    np.testing.assert_array_equal(mask, expected)
    if dash == 0:
        assert mask.any()


def test_two_parallel_lines_for_two_classes():
    # s1 - s2 = 2 x1: the gap |2 x1| equals 1 on the lines x1 = -0.5 and x1 = 0.5.
    W = np.array([[1.0, -1.0], [0.0, 0.0]])
    grid = 80  # pixel centres at -1.975, ..., -0.525, -0.475, ...: none on a line
    mask = margin_mask(W, np.zeros(2), (-2, 2), (-2, 2), grid)
    xs = -2 + (np.arange(grid) + 0.5) * 4 / grid
    cols = np.flatnonzero(mask.any(axis=0))
    assert mask.sum() == 2 * grid  # one pixel per row on each line
    assert len(cols) == 2
    assert abs(xs[cols[0]] + 0.5) <= 4 / grid and abs(xs[cols[1]] - 0.5) <= 4 / grid
    dashed = margin_mask(W, np.zeros(2), (-2, 2), (-2, 2), grid, dash=5)
    assert not (dashed & ~mask).any()
    assert dashed.sum() == mask.sum() // 2  # 5 on, 5 off over 80 rows


def test_margin_zero_is_the_decision_boundary_and_huge_margins_draw_nothing():
    W = np.array([[1.0, -1.0, 0.2], [0.3, 0.5, -1.0]])
    b = np.zeros(3)
    assert not margin_mask(W, b, (-1, 1), (-1, 1), 30, margin=1e6).any()
    boundary = margin_mask(W, b, (-1, 1), (-1, 1), 30, margin=0.0)
    assert not boundary.any()  # the gap is >= 0 everywhere: nothing crosses 0
    assert margin_mask(W, b, (-3, 3), (-3, 3), 30, margin=0.5).any()


@pytest.mark.parametrize("kwargs, message", [
    (dict(margin=-1.0), "margin"), (dict(margin=float("nan")), "margin"),
    (dict(margin=True), "margin"), (dict(dash=-1), "dash"), (dict(dash=1.5), "dash"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        margin_mask(np.eye(2), np.zeros(2), (-1, 1), (-1, 1), 10, **kwargs)


def test_limits_and_shapes_are_validated_like_region_image():
    with pytest.raises(ValueError):
        margin_mask(np.eye(2), np.zeros(2), (1, -1), (-1, 1), 10)
    with pytest.raises(ValueError):
        margin_mask(np.eye(3), np.zeros(3), (-1, 1), (-1, 1), 10)
    with pytest.raises(ValueError):
        score_gap(np.eye(2), np.zeros(2), (-1, 1), (-1, 1), 0)
