"""Decision regions: class probabilities on a pixel grid, and an RGBA image.

Image layout: row ``r`` is the pixel centre ``y = ymin + (r + 0.5) * dy`` and
column ``c`` is ``x = xmin + (c + 0.5) * dx`` (row-major, row 0 at the bottom
edge ``ymin``), with ``dx = (xmax - xmin) / grid`` and ``dy`` alike.

Scores are evaluated class-first, as a (n_classes, grid * grid) array, and
reduced over axis 0: the per-pixel reductions then run over contiguous rows.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_float_array
from .features import FEATURES, check_features

__all__ = [
    "OKABE_ITO",
    "DEFAULT_PALETTE",
    "MAX_GRID",
    "grid_centres",
    "region_scores",
    "region_probabilities",
    "region_image",
]

# Okabe & Ito's colour-blind-safe palette (without its black), extended with
# three distinct hues for up to 10 classes. The app pairs each class with a
# marker shape as well, so colour is never the only cue.
OKABE_ITO = np.array(
    [
        (0xE6, 0x9F, 0x00),  # orange
        (0x56, 0xB4, 0xE9),  # sky blue
        (0x00, 0x9E, 0x73),  # bluish green
        (0xD5, 0x5E, 0x00),  # vermillion
        (0x00, 0x72, 0xB2),  # blue
        (0xCC, 0x79, 0xA7),  # reddish purple
        (0xF0, 0xE4, 0x42),  # yellow
    ],
    dtype=np.uint8,
)
DEFAULT_PALETTE = np.vstack(
    [OKABE_ITO, np.array([(0x99, 0x99, 0x99), (0x88, 0x22, 0x55), (0x66, 0x44, 0x00)], dtype=np.uint8)]
)

MAX_GRID = 2000


def _check_limits(lim, name):
    lim = as_float_array(lim, name, (1,))
    if lim.shape != (2,) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (min, max) with min < max, got {tuple(lim.tolist())}")
    with np.errstate(over="ignore"):
        span = np.float64(lim[1]) - np.float64(lim[0])
    if not np.isfinite(span) or max(abs(lim[0]), abs(lim[1])) > 1e300:
        raise ValueError(f"{name} must lie within ±1e300, got {tuple(lim.tolist())}")
    return lim.astype(np.float64)


def _check_grid(grid):
    if isinstance(grid, bool) or not isinstance(grid, numbers.Integral) or not 1 <= grid <= MAX_GRID:
        raise ValueError(f"grid must be an integer in [1, {MAX_GRID}], got {grid!r}")
    return int(grid)


def grid_centres(xlim, ylim, grid):
    """Pixel-centre coordinates: ``(xs, ys)``, each a float64 ndarray of shape (grid,)."""
    xlim, ylim, grid = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim"), _check_grid(grid)
    frac = (np.arange(grid) + 0.5) / grid
    return xlim[0] + frac * (xlim[1] - xlim[0]), ylim[0] + frac * (ylim[1] - ylim[0])


def region_scores(W, b, xlim, ylim, grid, features=()):
    """Scores of every pixel, class-first: ndarray of shape (n_classes, grid * grid).

    Column ``r * grid + c`` is the pixel in row r (y) and column c (x).
    ``W`` has shape (2 + len(features), n_classes).
    """
    names = check_features(features)
    W = as_float_array(W, "W", (2,))
    b = as_float_array(b, "b", (1,))
    if W.shape[0] != 2 + len(names):
        raise ValueError(f"W has {W.shape[0]} rows but the features need {2 + len(names)} "
                         f"(x1, x2{''.join(', ' + f for f in names)})")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b has {b.shape[0]} entries but W has {W.shape[1]} classes")
    xs, ys = grid_centres(xlim, ylim, grid)
    g = xs.shape[0]
    W = W.astype(np.float64)
    # S[j, r, c] = W[0, j] * xs[c] + W[1, j] * ys[r] + b[j] (+ feature terms)
    S = np.empty((W.shape[1], g, g))
    with np.errstate(over="ignore", invalid="ignore"):
        S[:] = (W[0][:, None] * xs[None, :])[:, None, :]
        S += (W[1][:, None] * ys[None, :] + b[:, None])[:, :, None]
        if names:
            X1 = np.broadcast_to(xs[None, :], (g, g))
            X2 = np.broadcast_to(ys[:, None], (g, g))
            for k, name in enumerate(names):
                S += W[2 + k][:, None, None] * FEATURES[name](X1, X2)[None]
    S = S.reshape(W.shape[1], g * g)
    if not np.all(np.isfinite(S)):
        raise ValueError("region scores overflow: the weights are too large for this view")
    return S


def region_probabilities(W, b, xlim, ylim, grid, features=()):
    """Softmax probabilities of every pixel: ndarray of shape (grid, grid, n_classes).

    ``P[r, c, j]`` is p_j at the pixel centre of row r (y) and column c (x).
    """
    S = region_scores(W, b, xlim, ylim, grid, features)
    S -= S.max(axis=0)
    np.exp(S, out=S)
    S /= S.sum(axis=0)
    g = _check_grid(grid)
    return np.ascontiguousarray(S.T).reshape(g, g, -1)


def region_image(W, b, xlim, ylim, grid, palette=None, features=(), alpha=(40, 200),
                 boundaries=True, boundary_rgba=(0, 0, 0, 255)):
    """RGBA image of the decision regions: ndarray of shape (grid, grid, 4), uint8.

    The hue of a pixel is ``palette[argmax_j p_j]``; its alpha grows linearly
    with the confidence ``max_j p_j`` from ``alpha[0]`` (at the uniform 1/C)
    to ``alpha[1]`` (at 1). With ``boundaries``, pixels whose argmax differs
    from their right or upper neighbour are painted ``boundary_rgba``.

    Parameters
    ----------
    palette : array-like of shape (>= n_classes, 3), uint8; default ``DEFAULT_PALETTE``
    alpha : (int, int) in [0, 255]
    """
    S = region_scores(W, b, xlim, ylim, grid, features)
    C = S.shape[0]
    g = _check_grid(grid)
    pal = DEFAULT_PALETTE if palette is None else np.asarray(palette)
    if pal.ndim != 2 or pal.shape[1] != 3 or pal.shape[0] < C:
        raise ValueError(f"palette must have shape (>= {C}, 3), got {pal.shape}")
    pal = pal.astype(np.uint8)
    lo, hi = (int(a) for a in alpha)
    if not 0 <= lo <= 255 or not 0 <= hi <= 255:
        raise ValueError(f"alpha must be two integers in [0, 255], got {alpha!r}")
    labels = S.argmax(axis=0)
    S -= S.max(axis=0)
    np.exp(S, out=S)
    conf = 1.0 / S.sum(axis=0)  # max_j p_j, in [1/C, 1]
    strength = (conf - 1.0 / C) * (C / (C - 1.0)) if C > 1 else np.ones_like(conf)
    img = np.empty((g * g, 4), dtype=np.uint8)
    img[:, :3] = pal[labels]
    img[:, 3] = np.clip(np.rint(lo + (hi - lo) * strength), 0, 255)
    img = img.reshape(g, g, 4)
    if boundaries and g > 1:
        lab = labels.reshape(g, g)
        edge = np.zeros((g, g), dtype=bool)
        edge[:, :-1] |= lab[:, :-1] != lab[:, 1:]
        edge[:-1, :] |= lab[:-1, :] != lab[1:, :]
        img[edge] = np.asarray(boundary_rgba, dtype=np.uint8)
    return img
